"""Resumable runs: a SIGKILL mid-run loses no finished face, and the result is the same."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "d1_n5.csv"
ARGS = ["solve", str(DATA), "--hidden", "2", "--lam", "1/10", "--quiet"]


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reluscape", *args], capture_output=True, text=True, **kw
    )


def _comparable(path: Path) -> dict:
    doc = json.loads(path.read_text())
    doc["stats"].pop("timings")
    doc["problem"].pop("data")
    return doc


@pytest.mark.slow
def test_kill_and_resume_gives_the_identical_result(tmp_path):
    ck = tmp_path / "ck"
    proc = subprocess.Popen(
        [sys.executable, "-m", "reluscape", *ARGS, "--checkpoint", str(ck), "--jobs", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while len(list(ck.glob("face-*.json"))) < 60 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the solver and its workers, mid-run
    proc.wait()
    finished = len(list(ck.glob("face-*.json")))
    assert 60 <= finished < 231

    resumed = _cli(*ARGS, "--checkpoint", str(ck), "--out", str(tmp_path / "resumed.json"))
    assert resumed.returncode == 0, resumed.stderr
    assert len(list(ck.glob("face-*.json"))) == 231
    fresh = _cli(*ARGS, "--jobs", "2", "--out", str(tmp_path / "fresh.json"))
    assert fresh.returncode == 0, fresh.stderr
    a, b = _comparable(tmp_path / "resumed.json"), _comparable(tmp_path / "fresh.json")
    assert a["minima"] == b["minima"]
    assert a["stats"]["rejected"] == b["stats"]["rejected"]


def test_checkpoint_of_another_problem_is_refused(tmp_path):
    ck = tmp_path / "ck"
    first = _cli(*ARGS, "--checkpoint", str(ck), "--dry-run")
    assert first.returncode == 0
    (ck).mkdir(exist_ok=True)
    (ck / "checkpoint.json").write_text(json.dumps({"problem": {}, "partitions": "naive"}))
    other = _cli(*ARGS, "--checkpoint", str(ck))
    assert other.returncode == 2
    assert "belongs to a different problem" in other.stderr
    assert "Traceback" not in other.stderr


def test_dry_run_counts_faces():
    out = _cli(*ARGS, "--dry-run")
    assert out.returncode == 0
    assert "21 faces per unit, 441 product faces, 231 orbits" in out.stdout
    assert "1024 activation patterns" in out.stdout

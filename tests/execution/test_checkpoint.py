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


# --------------------------------------------------------------- fingerprint and checksum

SMALL_X, SMALL_Y = [[0], [1], [2]], [0, 1, 0]


def _problem(lam: str = "1/10"):
    from reluscape.data import make_problem

    return make_problem(SMALL_X, SMALL_Y, hidden=1, lam=lam)


def _solve(problem, ck: Path | None, monkeypatch: pytest.MonkeyPatch | None = None):
    """A serial in-process run; returns the result and the faces it computed."""
    from reluscape.execution import dask, pipeline

    computed: list[tuple[int, ...]] = []
    if monkeypatch is not None:
        # The faces of a serial run go through dask.face_outcome, as in a face process.
        real = dask.process_face

        def counting(problem, partitions, product, **options):
            computed.append(product)
            return real(problem, partitions, product, **options)

        monkeypatch.setattr(dask, "process_face", counting)
    result = pipeline.solve(problem, face_timeout=None, checkpoint=ck)
    return result, computed


def _minima(result) -> list[dict]:
    return [m.to_dict() for m in result.minima]


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "reluscape"]


def test_valid_faces_are_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ck = tmp_path / "ck"
    first, computed = _solve(_problem(), ck, monkeypatch)
    assert len(computed) == 13 == len(list(ck.glob("face-*.json")))
    again, computed = _solve(_problem(), ck, monkeypatch)
    assert computed == [] and _minima(again) == _minima(first)


def test_faces_of_another_lambda_are_not_reused_without_checkpoint_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ck = tmp_path / "ck"
    _solve(_problem("1/10"), ck)
    (ck / "checkpoint.json").unlink()
    result, computed = _solve(_problem("1/5"), ck, monkeypatch)
    assert len(computed) == 13  # every face recomputed
    fresh, _ = _solve(_problem("1/5"), None)
    assert _minima(result) == _minima(fresh)
    warned = _warnings(caplog)
    assert len(warned) == 13
    assert all("belongs to another problem" in w for w in warned)
    assert str(ck / "face-0.json") in warned[0]


def _edit(path: Path, how: str) -> None:
    text = path.read_text()
    if how == "truncated":
        path.write_text(text[: len(text) // 2])
    elif how == "garbage":
        path.write_bytes(b"\x00\xff not json")
    elif how == "no minima":  # the edit of the issue: the checksum no longer matches
        doc = json.loads(text)
        doc["record"]["minima"] = []
        path.write_text(json.dumps(doc))
    elif how == "old format":
        doc = json.loads(text)
        path.write_text(json.dumps(doc["record"]))
    else:
        raise AssertionError(how)


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("truncated", "unreadable or truncated"),
        ("garbage", "unreadable or truncated"),
        ("no minima", "checksum does not match"),
        ("old format", "unreadable or truncated"),
    ],
)
def test_a_damaged_face_file_is_recomputed_with_a_warning(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    how: str,
    reason: str,
) -> None:
    ck = tmp_path / "ck"
    first, _ = _solve(_problem(), ck)
    # A face holding a minimum, so that reusing the edited record would lose it.
    holding = next(
        f for f in sorted(ck.glob("face-*.json")) if json.loads(f.read_text())["record"]["minima"]
    )
    _edit(holding, how)
    result, computed = _solve(_problem(), ck, monkeypatch)
    assert len(computed) == 1
    assert _minima(result) == _minima(first)
    (warning,) = _warnings(caplog)
    assert str(holding) in warning and reason in warning and "recomputing" in warning
    assert json.loads(holding.read_text())["record"]["minima"]  # rewritten whole


def test_a_face_file_under_another_name_is_recomputed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ck = tmp_path / "ck"
    first, _ = _solve(_problem(), ck)
    (ck / "face-1.json").write_text((ck / "face-0.json").read_text())
    result, computed = _solve(_problem(), ck, monkeypatch)
    assert computed == [(1,)] and _minima(result) == _minima(first)
    assert "face differs from its name" in _warnings(caplog)[0]


@pytest.mark.slow  # seconds of whole runs: the fast tier stays under 5 minutes
def test_cli_prints_checkpoint_warnings_on_stderr(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("x,y\n0,0\n1,1\n2,0\n")
    ck = tmp_path / "ck"
    args = ["solve", str(data), "--hidden", "1", "--lam", "1/10", "--quiet", "--checkpoint"]
    assert _cli(*args, str(ck)).returncode == 0
    (ck / "face-2.json").write_text("{")
    again = _cli(*args, str(ck))
    assert again.returncode == 0
    (line,) = again.stderr.strip().splitlines()
    assert line.startswith("reluscape: warning: checkpoint face file") and "face-2.json" in line


# --------------------------------------------------------------- bound to the code


def _other_code(monkeypatch: pytest.MonkeyPatch) -> str:
    """Make this process another build of reluscape (its source digest changed), as a
    copy with an edited file would be; returns that digest."""
    from reluscape import provenance

    real = provenance._package_versions()
    digest = "0" * 16
    other = tuple((k, digest if k == "reluscape-source" else v) for k, v in real)
    monkeypatch.setattr(provenance, "_package_versions", lambda: other)
    return digest


def test_a_checkpoint_of_other_code_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 31: a checkpoint written by a copy that dropped minima was reused by the real
    code (same version number), which then reported 3 minima instead of 16, exit 0."""
    from reluscape.provenance import package_versions

    ck = tmp_path / "ck"
    with monkeypatch.context() as patch:
        digest = _other_code(patch)
        _solve(_problem(), ck)
    written = {f.name: f.read_text() for f in ck.iterdir()}
    data = tmp_path / "d.csv"
    data.write_text("".join(f"{x[0]},{y}\n" for x, y in zip(SMALL_X, SMALL_Y, strict=True)))
    proc = _cli("solve", str(data), "--hidden", "1", "--lam", "1/10", "--checkpoint", str(ck))
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    here = package_versions()["reluscape-source"]
    assert line == (
        f"reluscape: error: checkpoint {ck} was written by other code (reluscape-source "
        f"{digest} (here {here})), whose faces may differ from this code's; remove the "
        "directory or use another one"
    )
    assert {f.name: f.read_text() for f in ck.iterdir()} == written  # left as it was


def test_faces_of_other_code_are_not_reused_without_checkpoint_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ck = tmp_path / "ck"
    with monkeypatch.context() as patch:
        _other_code(patch)
        _solve(_problem(), ck)
    (ck / "checkpoint.json").unlink()
    _, computed = _solve(_problem(), ck, monkeypatch)
    assert len(computed) == 13  # every face recomputed
    warned = _warnings(caplog)
    assert len(warned) == 13
    assert all("belongs to another problem, division or code" in w for w in warned)


@pytest.mark.parametrize("entry", ["face-2.json", "checkpoint.json"])
@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_an_entry_that_is_not_a_file_is_one_line_exit_2(
    tmp_path: Path, entry: str, kind: str
) -> None:
    """Issue 31: a face path that is a directory ended the run in an IsADirectoryError
    traceback when the face was stored, after the work (and a FIFO blocked the read).
    Refused before any face: recomputing would be safe, storing is impossible, and a run
    that cannot store its faces would lose them."""
    data = tmp_path / "d.csv"
    data.write_text("x,y\n0,0\n1,1\n2,0\n")
    ck = tmp_path / "ck"
    args = ["solve", str(data), "--hidden", "1", "--lam", "1/10", "--quiet", "--checkpoint"]
    assert _cli(*args, str(ck)).returncode == 0
    (ck / entry).unlink()
    if kind == "directory":
        (ck / entry).mkdir()
    else:
        os.mkfifo(ck / entry)
    again = _cli(*args, str(ck), timeout=120)
    assert again.returncode == 2, again.stderr
    what = "a directory" if kind == "directory" else "not a regular file"
    assert again.stderr.strip() == (
        f"reluscape: error: checkpoint {ck}: {entry} is {what}; remove it or use another "
        "checkpoint directory"
    )

"""``reluscape path`` end to end: the document it writes, its checkpoints, its refusals."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reluscape
from reluscape.pathresult import PathResult
from reluscape.validation import InputError, check_lam_range

DATA = "x,y\n0,0\n1,1\n2,0\n"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reluscape", *args], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("path")
    data = d / "data.csv"
    data.write_text(DATA, encoding="utf-8")
    out = d / "path.json"
    proc = run("path", str(data), "--hidden", "1", "--lam-range", "1/100:10", "--samples", "4",
               "--width", "1/10", "--checkpoint", str(d / "ck"), "--out", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "event list: certified complete" in proc.stdout
    return {"data": data, "out": out, "dir": d}


def test_the_document_is_the_library_s_path(files: dict[str, Path]) -> None:
    doc = PathResult.read(files["out"])
    assert doc.lam_range == (Fraction(1, 100), Fraction(10))
    again = reluscape.path([[0], [1], [2]], [0, 1, 0], hidden=1, lam="1/100:10", samples=4,
                           width=Fraction(1, 10))  # fmt: skip
    assert again.samples == doc.samples and again.events == doc.events
    for s in doc.samples[::4]:
        solved = reluscape.solve([[0], [1], [2]], [0, 1, 0], hidden=1, lam=s.lam)
        assert sorted(m.signs for m in solved.minima) == sorted(m.signs for m in s.minima)


def test_a_rerun_reuses_the_checkpoints(files: dict[str, Path]) -> None:
    samples = sorted(p.name for p in (files["dir"] / "ck").iterdir())
    assert "event_polynomials.json" in samples
    assert all(p.startswith("lam_") for p in samples if p != "event_polynomials.json")
    out = files["dir"] / "again.json"
    proc = run("path", str(files["data"]), "--hidden", "1", "--lam-range", "1/100:10",
               "--samples", "4", "--width", "1/10", "--checkpoint", str(files["dir"] / "ck"),
               "--out", str(out), "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    again = PathResult.read(out)
    assert again.samples == PathResult.read(files["out"]).samples
    # Nothing computed again: every face solve and every elimination from the checkpoint.
    assert again.stats["face_solves"] == 0 and again.stats["faces_eliminated"] == 0
    assert sorted(p.name for p in (files["dir"] / "ck").iterdir()) == samples


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lam-range", "1:1/2"], "--lam-range must be LO:HI with 0 < LO < HI"),
        (["--lam-range", "0:1"], "--lam-range bound must be > 0"),
        (["--lam-range", "a:b"], "--lam-range bound"),
        (["--lam-range", "1"], "--lam-range must be LO:HI (two rationals)"),
        (["--lam-range", "1:2", "--samples", "1"], "--samples must be an integer >= 2"),
        (["--lam-range", "1:2", "--width", "0"], "--width must be > 0"),
        (["--lam-range", "1:2", "--max-solves", "3"], "--max-solves must be an integer >= 9"),
        (["--lam-range", "1:2", "--out", "/nonexistent/p.json"], "--out"),
        (["--lam-range", "1:2", "--jobs", "0"], "--jobs must be an integer >= 1"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    files: dict[str, Path], args: list[str], message: str
) -> None:
    proc = run("path", str(files["data"]), "--hidden", "1", *args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reluscape: error:") and message in lines[0]


def test_bad_documents_and_data_are_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": "path-1", "problem": {}}', encoding="utf-8")
    with pytest.raises(reluscape.InputError, match=r"bad\.json: document: missing field"):
        PathResult.read(bad)
    proc = run("path", str(tmp_path / "none.csv"), "--hidden", "1", "--lam-range", "1:2")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


def test_verify_passes_the_document(files: dict[str, Path]) -> None:
    proc = run("verify", str(files["out"]), str(files["data"]), "--quiet")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "REFUTED" not in proc.stdout and "checks passed" in proc.stdout


def test_verify_refutes_a_changed_loss_and_a_moved_event(files: dict[str, Path]) -> None:
    doc = PathResult.read(files["out"]).to_dict()
    minimum = doc["samples"][0]["minima"][0]
    lo, hi = (Fraction(v) for v in minimum["loss_interval"])
    minimum["loss_interval"] = [str(lo + 1), str(hi + 1)]
    (exact,) = [e for e in doc["events"] if "psi = 0" in e["detail"]]
    moved = Fraction(exact["lower"]) * 1001 / 1000  # a point interval off the root
    exact["lower"], exact["upper"] = str(moved), str(moved)
    PathResult.from_dict(doc)  # still a valid document: only verify can tell
    target = files["dir"] / "tampered.json"
    target.write_text(json.dumps(doc), encoding="utf-8")
    proc = run("verify", str(target), "--quiet")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    refuted = [line for line in proc.stdout.splitlines() if line.startswith("REFUTED")]
    assert any("sample lambda = 1/100" in line for line in refuted)
    assert any("exact" in line and "0 roots" in line for line in refuted)


def test_verify_refuses_other_data(files: dict[str, Path]) -> None:
    other = files["dir"] / "other.csv"
    other.write_text("x,y\n0,0\n1,2\n2,0\n", encoding="utf-8")
    proc = run("verify", str(files["out"]), str(other), "--quiet")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "reluscape: error: the data file differs from the data recorded in the path document"
    ]


@given(st.text(max_size=30))
@settings(max_examples=300, deadline=None)
def test_any_lam_range_text_is_a_range_or_one_input_error(text: str) -> None:
    try:
        lo, hi = check_lam_range(text)
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("--lam-range")
    else:
        assert 0 < lo < hi


def test_a_path_past_the_hours_limit_is_refused_before_any_solve(tmp_path: Path) -> None:
    """Each solve of a path is estimated as solve estimates itself (measured per-orbit
    costs); a path whose first samples alone are past the hours limit is refused at once."""
    data = tmp_path / "wide.csv"
    data.write_text("x,y\n" + "".join(f"{i},{i * 7 % 5}\n" for i in range(20)), encoding="utf-8")
    proc = run("path", str(data), "--hidden", "6", "--lam-range", "1:2")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("reluscape: error: each solve of this path would process")
    assert "estimated wall time" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1

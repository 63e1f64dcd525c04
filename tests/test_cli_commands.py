"""End to end through the command: ``solve --census`` and ``global`` on small data, each
checked against an independent run of ``solve``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reluscape.schema import CRITICAL_KINDS, Result

DATA = "x,y\n0,0\n1,1\n2,0\n4,2\n"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reluscape", *args], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("cli")
    data = d / "data.csv"
    data.write_text(DATA, encoding="utf-8")
    plain = d / "plain.json"
    proc = run("solve", str(data), "--hidden", "2", "--lam", "1/10", "--quiet", "--out", str(plain))
    assert proc.returncode == 0, proc.stderr
    return {"data": data, "plain": plain, "dir": d}


def _unordered(faces: tuple) -> list[str]:
    return sorted(f.signs for f in faces)


@pytest.mark.slow  # a whole census with its descents: the fast tier's slowest test
def test_census_lists_the_minima_with_their_ids(files: dict[str, Path]) -> None:
    out = files["dir"] / "census.json"
    proc = run("solve", str(files["data"]), "--hidden", "2", "--lam", "1/10", "--census",
               "--quiet", "--out", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    census = Result.read(out)
    plain = Result.read(files["plain"])
    assert census.minima == plain.minima
    assert census.critical_points is not None
    listed = {c.id: c for c in census.critical_points if c.kind == "minimum"}
    assert sorted(listed) == [m.id for m in plain.minima]
    for m in plain.minima:
        assert listed[m.id].loss_interval == m.loss_interval
    assert all(c.kind in CRITICAL_KINDS for c in census.critical_points)


def test_global_matches_the_enumeration(files: dict[str, Path]) -> None:
    out = files["dir"] / "global.json"
    proc = run("global", str(files["data"]), "--hidden", "2", "--lam", "1/10", "--quiet",
               "--out", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    found = Result.read(out)
    plain = Result.read(files["plain"])
    assert found.global_minimum is not None and found.global_minimum.certified
    best = [m for m in plain.minima if m.is_global]
    assert best
    lo, hi = found.global_minimum.lower, found.global_minimum.upper
    for m in best:  # the certified intervals of the two runs meet
        assert lo <= m.loss_interval[1] and m.loss_interval[0] <= hi
    assert sorted(_unordered(m.face) for m in found.minima) == sorted(
        _unordered(m.face) for m in best
    )


def test_global_bad_input_is_one_line(files: dict[str, Path]) -> None:
    proc = run("global", str(files["data"]), "--hidden", "2", "--lam", "0")
    assert proc.returncode == 2
    assert proc.stderr.startswith("reluscape: error:") and "lambda" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", ["global", "compare"])
def test_a_number_of_starts_past_the_limit_is_refused(
    files: dict[str, Path], command: str
) -> None:
    """Before: ``--starts 10**20`` reached NumPy ("Maximum allowed dimension exceeded"),
    a traceback with exit 1."""
    many = "1" + "0" * 20
    proc = run(command, str(files["data"]), "--hidden", "1", "--lam", "1", "--starts", many)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("reluscape: error: --starts must be an integer from 1 to")
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("option", "value"), [("starts", 10**20), ("seed", "x"), ("seed", -1), ("jobs", 0)]
)
def test_the_library_checks_global_minimums_settings(option: str, value: object) -> None:
    """Before: ``seed="x"`` was a TypeError deep in NumPy and ``jobs=0`` ran serially."""
    import reluscape
    from reluscape.validation import InputError

    with pytest.raises(InputError, match=option):
        reluscape.global_minimum([[0], [1], [2]], [0, 1, 0], hidden=1, lam=1, **{option: value})

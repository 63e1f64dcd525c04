"""Numbers beyond what floats hold: ``verify`` says it cannot check them (exit 2, one line).

Valid ``solve`` results on data with 1e200 or with lambda = 1e-400 (L = 1, n = 3) once
made ``verify`` crash with OverflowError or ZeroDivisionError, and a crash exited 1, which
means "refuted". The exact result is fine; the float re-check cannot hold its numbers, and
must say so instead of refuting (docs/METHOD.md section 8).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reluscape.cli import main
from reluscape.data import make_problem
from reluscape.execution.pipeline import solve

CASES = {
    "big_y": (["1e200", "0", "3e200"], "1/10", "problem.y[0] = about 1e200"),
    "tiny_lambda": (["1", "0", "3"], "1e-400", "lambda (sum convention) = about 1e-400"),
}


def _solve_to_files(tmp: Path, y: list[str], lam: str) -> tuple[Path, Path]:
    problem = make_problem([[0], [1], [2]], y, hidden=1, lam=lam)
    result = solve(problem, face_timeout=None, jobs=1)
    assert result.complete and result.minima
    out = tmp / "result.json"
    result.save(out)
    data = tmp / "data.csv"
    data.write_text("x,y\n" + "".join(f"{i},{v}\n" for i, v in enumerate(y)), encoding="utf-8")
    return out, data


@pytest.fixture(scope="module", params=sorted(CASES))
def solved(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    y, lam, needle = CASES[request.param]
    out, data = _solve_to_files(tmp_path_factory.mktemp(request.param), y, lam)
    return out, data, needle


def test_numbers_beyond_float_range_exit_2(
    solved: tuple[Path, Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    out, data, needle = solved
    code = main(["verify", str(out), str(data), "--quiet"])
    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("reluscape: error: numbers beyond float range: ")
    assert needle in lines[0]


def test_null_float_in_a_point_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A point whose float overflowed is recorded as null: no float check can use it."""
    out, data = _solve_to_files(tmp_path, ["1", "0", "3"], "1/10")
    doc = json.loads(out.read_text())
    doc["minima"][0]["point"]["a"][0] = None
    out.write_text(json.dumps(doc), encoding="utf-8")
    code = main(["verify", str(out), str(data), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "numbers beyond float range: minima[0]" in err and "null" in err

"""The real-data files of issue 32 (tests/data/diabetes.md): what their provenance says."""

from __future__ import annotations

import importlib.util
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from reluscape.data import load_problem

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("name", "d"), [("diabetes_bmi.csv", 1), ("diabetes_bmi_bp.csv", 2)])
def test_standardised_inputs_and_progression_over_100(name: str, d: int) -> None:
    problem = load_problem(DATA / name, hidden=1, lam=1)
    assert (problem.n, problem.d) == (442, d)
    for k in range(d):
        column = [float(row[k]) for row in problem.X]
        mean = sum(column) / len(column)
        variance = sum((v - mean) ** 2 for v in column) / len(column)
        # Rounding to 2 decimals moves each value by at most 0.005.
        assert abs(mean) < 0.005 and abs(variance**0.5 - 1) < 0.005
    assert all((100 * v).denominator == 1 for v in problem.y)
    assert (min(problem.y), max(problem.y)) == (Fraction("0.25"), Fraction("3.46"))  # 25, 346


@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="the bench extra")
def test_derivation_reproduces_the_committed_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import diabetes
    finally:
        sys.path.pop(0)
    monkeypatch.setattr(diabetes, "OUT", tmp_path)
    diabetes.main()
    for name in ("diabetes_bmi.csv", "diabetes_bmi_bp.csv"):
        assert (tmp_path / name).read_text() == (DATA / name).read_text()

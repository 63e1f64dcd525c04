"""Seeded data sets: exact, small denominators, the same for the same name, rebuilt from
their name, and CSV files read through the one validating reader."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reluscape import datasets
from reluscape.data import load_problem
from reluscape.validation import InputError

sizes = st.integers(min_value=2, max_value=12)
seeds = st.integers(min_value=0, max_value=10**6)


@settings(max_examples=40, deadline=None)
@given(n=sizes, d=st.integers(min_value=1, max_value=3), seed=seeds)
def test_random_is_exact_in_tenths_and_rebuilt_from_its_name(n: int, d: int, seed: int) -> None:
    ds = datasets.random(n=n, d=d, seed=seed)
    assert (ds.n, ds.d, ds.seed) == (n, d, seed)
    values = [v for row in ds.X for v in row] + list(ds.y)
    assert all(isinstance(v, Fraction) and 10 % v.denominator == 0 for v in values)
    assert all(-2 <= v <= 2 for v in values)
    assert len(set(ds.X)) == n  # distinct inputs
    assert datasets.from_name(ds.name) == ds == datasets.random(n=n, d=d, seed=seed)


@settings(max_examples=30, deadline=None)
@given(n=sizes, hidden=st.integers(min_value=1, max_value=3), seed=seeds)
def test_teacher_outcomes_are_the_teachers_network(n: int, hidden: int, seed: int) -> None:
    ds = datasets.teacher(n=n, d=1, hidden=hidden, seed=seed)
    assert datasets.from_name(ds.name) == ds
    # A sum of `hidden` ReLU units of x is piecewise linear with at most `hidden` kinks:
    # along the sorted inputs, the slope changes at most `hidden` times.
    points = sorted(zip((row[0] for row in ds.X), ds.y, strict=True))
    slopes = [(y1 - y0) / (x1 - x0) for (x0, y0), (x1, y1) in itertools.pairwise(points)]
    changes = sum(a != b for a, b in itertools.pairwise(slopes))
    assert changes <= 2 * hidden  # a kink between two samples bends two slopes


@pytest.mark.parametrize("shape", datasets.SHAPES)
def test_curve_shapes(shape: str) -> None:
    ds = datasets.curve(n=9, shape=shape, seed=4)
    assert datasets.from_name(ds.name) == ds
    expected = {"sine": None, "step": lambda x: 1 if x >= 0 else -1,
                "abs": lambda x: abs(x) - 1, "linear": lambda x: x / 2}[shape]  # fmt: skip
    if expected is not None:  # exact shapes: the outcome is the shape at tenths
        for row, y in zip(ds.X, ds.y, strict=True):
            assert y == Fraction(round(expected(row[0]) * 10), 10)


def test_noise_changes_outcomes_not_inputs() -> None:
    clean = datasets.curve(n=6, shape="linear", seed=1)
    noisy = datasets.curve(n=6, shape="linear", noise="1/2", seed=1)
    assert noisy.name == "curve:n=6:shape=linear:noise=1/2:seed=1"
    assert clean.y != noisy.y
    assert all(abs(a - b) <= Fraction(1, 2) for a, b in zip(clean.y, noisy.y, strict=True))


def test_expand_ranges_lists_and_seeds() -> None:
    names = [d.name for d in datasets.expand("random:n=4..6:d=1,2", seeds=2)]
    assert len(names) == 12 and names[0] == "random:n=4:d=1:seed=0"
    assert names[-1] == "random:n=6:d=2:seed=1"
    assert [d.seed for d in datasets.expand("random:n=4:seed=5..7", seeds=2)] == [5, 6, 7]


def test_csv_goes_through_the_reader(tmp_path: Path) -> None:
    (tmp_path / "b.csv").write_text("x,y\n0,1\n1,0.5\n", encoding="utf-8")
    (tmp_path / "a.csv").write_text("0,0\n1,1\n2,0\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not data", encoding="utf-8")
    found = datasets.expand(str(tmp_path))
    assert [Path(d.name[4:]).name for d in found] == ["a.csv", "b.csv"]
    problem = load_problem(tmp_path / "b.csv", hidden=1, lam=1)
    assert (found[1].X, found[1].y) == (problem.X, problem.y)
    assert datasets.from_name(found[1].name) == found[1]
    (tmp_path / "bad.csv").write_text("x,y\n0,1\n1,O\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.csv, line 3, column 2: not a finite number"):
        datasets.expand(f"csv:{tmp_path}")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("random:n=1", "n (number of samples) must be an integer >= 2"),
        ("random:n=4:d=0", "d (input dimension) must be an integer >= 1"),
        ("random:n=4:q=1", "unknown key 'q' for random"),
        ("random:n", "expected key=value"),
        ("random:n=4:n=5", "key 'n' given twice"),
        ("random:n=9..4", "end of range n=9..4 must be an integer >= 9"),
        ("curve:shape=wave", "shape must be one of sine, step, abs, linear"),
        ("teacher:noise=-1", "noise must be >= 0"),
        ("gauss:n=4", "neither a generator"),
        ("random:n=200:d=1", "do not fit on the grid"),
    ],
)
def test_bad_specs_name_the_problem(spec: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        datasets.expand(spec)

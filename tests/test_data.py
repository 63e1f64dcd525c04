"""Data and validation: exact reading of numbers, CSV files and settings."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reluscape.data import InputError, load_problem, make_problem, parse_rational, read_csv


@given(st.fractions(max_denominator=10**6))
def test_parse_rational_round_trips(q):
    assert parse_rational(str(q)) == q


def test_decimals_are_exact_not_binary():
    assert parse_rational("0.1") == Fraction(1, 10)
    assert parse_rational(0.1) == Fraction(1, 10)
    assert parse_rational("-2.5e-3") == Fraction(-1, 400)


@pytest.mark.parametrize("bad", ["nan", "inf", "-Infinity", "abc", "", "1/0"])
def test_bad_numbers_are_rejected(bad):
    with pytest.raises(InputError):
        parse_rational(bad)


def test_numpy_input_and_centering():
    p = make_problem(np.array([[0.5, 1.0], [1.5, -1.0]]), np.array([1.0, 2.0]), hidden=2, lam="1/4")
    assert ((Fraction(1, 2), Fraction(1)), (Fraction(3, 2), Fraction(-1))) == p.X
    assert p.yt == (Fraction(-1, 2), Fraction(1, 2))
    assert p.xt[0] == (Fraction(1, 2), Fraction(1), Fraction(1))


def test_csv_with_and_without_header(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("x1,x2,y\n0.1,2,3\n1/3,-1,0\n")
    assert read_csv(f) == ([["0.1", "2"], ["1/3", "-1"]], ["3", "0"])
    g = tmp_path / "b.csv"
    g.write_text("0.1,2,3\n1/3,-1,0\n")
    assert read_csv(g) == read_csv(f)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("x,y\n1,2\n3\n", "expected 2 columns"),
        ("x,y\n1,nan\n2,3\n", "not a finite number"),
        ("x,y\n1,2\n", "at least 2 samples"),
    ],
)
def test_bad_files(tmp_path, text, needle):
    f = tmp_path / "bad.csv"
    f.write_text(text)
    with pytest.raises(InputError, match=needle):
        load_problem(f, hidden=1, lam="1")


def test_mean_convention_scales_lambda():
    p = make_problem([[0], [1], [2], [3]], [0, 1, 0, 1], hidden=1, lam="1/8", convention="mean")
    assert p.lam_sum == Fraction(1, 2)

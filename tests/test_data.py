"""Data and validation: exact reading of numbers, CSV files and settings."""

from __future__ import annotations

import dataclasses
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


# Issue 31, item 10: a typo in the first data row is an error naming it, not a header.
@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("0,1.O\n1,2\n2,0\n3,1\n", "line 1, column 2: not a finite number: '1.O'"),
        ("O.5,1,2\n1,2,3\n2,0,1\n", "line 1, column 1: not a finite number: 'O.5'"),
        ("\n\n0,1,x\n1,2,3\n2,0,1\n", "line 3, column 3: not a finite number: 'x'"),
    ],
)
def test_a_mostly_numeric_first_row_is_data_with_a_typo(tmp_path, text, needle):
    f = tmp_path / "typo.csv"
    f.write_text(text)
    with pytest.raises(InputError, match=needle.replace(".", r"\.")):
        read_csv(f)


@pytest.mark.parametrize(
    ("header", "width"), [("x,y", 2), ("x1,x2,y", 3), ("0,x,y", 3), ('"x, cm",y', 2)]
)
def test_a_mostly_named_first_row_is_a_header(tmp_path, header, width):
    f = tmp_path / "named.csv"
    f.write_text(header + "\n" + "\n".join(",".join(["1"] * width) for _ in range(3)) + "\n")
    X, y = read_csv(f)
    assert len(y) == 3 and all(len(row) == width - 1 for row in X)


# Issue 31, item 11: the csv module reads the file, so a quoted cell is one cell.
def test_a_quoted_cell_spanning_lines_is_refused_naming_the_line(tmp_path):
    f = tmp_path / "multi.csv"
    f.write_text('x,y\n0,1\n1,"2\n3"\n2,0\n')  # split into lines first, this read y = 23
    with pytest.raises(InputError, match=r"line 3, column 2: not a finite number: '2\\n3'"):
        read_csv(f)


def test_quoted_cells_and_line_numbers_after_a_quoted_line_break(tmp_path):
    f = tmp_path / "quoted.csv"
    f.write_text('"x\nin cm",y\n"1",2\n3,"4"\r\n5,x\n')
    with pytest.raises(InputError, match="line 5, column 2: not a finite number: 'x'"):
        read_csv(f)
    f.write_text('"x\nin cm",y\n"1",2\n3,"4"\r\n5,6\n')
    assert read_csv(f) == ([["1"], ["3"], ["5"]], ["2", "4", "6"])


def test_a_field_beyond_the_csv_limit_is_one_clear_error(tmp_path):
    f = tmp_path / "huge.csv"
    f.write_text('x,y\n0,"' + "1" * 200_000 + '"\n1,2\n')
    with pytest.raises(InputError, match="line 2: not CSV: field larger than field limit"):
        read_csv(f)


# Issue 31, item 8: a huge exponent in a cell is refused at once, naming the cell.
def test_a_huge_exponent_in_a_cell_is_refused_naming_it(tmp_path):
    f = tmp_path / "big.csv"
    f.write_text("x,y\n0,1\n1,1e999999999\n2,0\n")
    with pytest.raises(InputError, match="line 3, column 2 has more than 4300 digits"):
        load_problem(f, hidden=1, lam=1)
    f.write_text("0,1e999999999\n1,1\n2,0\n")  # in the first row too: not taken as a header
    with pytest.raises(InputError, match="line 1, column 2 has more than 4300 digits"):
        load_problem(f, hidden=1, lam=1)


def test_header_names_are_kept(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text('height,"gross\nwidth" ,price\n0.1,2,3\n1/3,-1,0\n')
    p = load_problem(f, hidden=1, lam="1")
    assert p.columns == ("height", "gross width", "price")
    assert p.x_names == ("height", "gross width") and p.y_name == "price"
    # names play no part in the mathematics
    g = tmp_path / "b.csv"
    g.write_text("0.1,2,3\n1/3,-1,0\n")
    bare = load_problem(g, hidden=1, lam="1")
    assert bare.columns is None and hash(bare) == hash(p)
    assert bare == dataclasses.replace(p, source=bare.source)
    assert bare.x_names == ("x1", "x2") and bare.y_name == "y"


def test_header_of_another_width_is_refused(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("height,price\n0.1,2,3\n1/3,-1,0\n")
    with pytest.raises(InputError, match="the header has 2 columns, the data 3"):
        load_problem(f, hidden=1, lam="1")


def test_columns_are_checked():
    p = make_problem([[0], [1]], [0, 1], hidden=1, lam=1, columns=["", "out"])
    assert p.columns == ("x1", "out")
    for bad in (["x"], ["x", "y", "z"], ["x", 2], "xy"):
        with pytest.raises(InputError, match="columns must be 2 names"):
            make_problem([[0], [1]], [0, 1], hidden=1, lam=1, columns=bad)

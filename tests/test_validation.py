"""One checker per kind of input: values in their working type, or one clear message."""

from __future__ import annotations

import os
import stat
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from reluscape import data
from reluscape.validation import (
    InputError,
    check_choice,
    check_int,
    check_lambda,
    check_output_path,
    check_timeout,
    parse_rational,
    write_output,
)


def test_data_keeps_the_old_names() -> None:
    assert data.parse_rational is parse_rational and data.InputError is InputError


@pytest.mark.parametrize(
    ("value", "expected"), [("3", 3), (" 7 ", 7), (5, 5), (np.int64(4), 4), ("0", 0)]
)
def test_check_int_accepts_integers(value: object, expected: int) -> None:
    assert check_int(value, "k", min_val=0) == expected


@pytest.mark.parametrize("value", ["1.5", "two", "", 2.0, True, None, "-1", -1, "1e3"])
def test_check_int_refuses_with_the_value(value: object) -> None:
    with pytest.raises(InputError) as info:
        check_int(value, "--starts", min_val=0)
    assert str(info.value) == f"--starts must be an integer >= 0, got {value!r}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.1", Fraction(1, 10)),
        ("1e-400", Fraction(1, 10**400)),
        ("1e400", Fraction(10**400)),
        (0.25, Fraction(1, 4)),
        (Fraction(2, 3), Fraction(2, 3)),
    ],
)
def test_check_lambda_is_exact(value: object, expected: Fraction) -> None:
    assert check_lambda(value) == expected


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("0", "lambda must be > 0, got '0'"),
        (-1, "lambda must be > 0, got -1"),
        ("nan", "lambda must be a finite number"),
        (float("inf"), "lambda must be a finite number"),
        ("1/0", "lambda must be a number such as 0.1 or 1/10"),
        (None, "lambda must be a number, got None"),
    ],
)
def test_check_lambda_refuses(value: object, needle: str) -> None:
    with pytest.raises(InputError, match=needle.replace("(", r"\(")):
        check_lambda(value)


def test_make_problem_uses_the_same_messages() -> None:
    with pytest.raises(InputError, match="number of hidden units L must be an integer >= 1"):
        data.make_problem([[0], [1]], [0, 1], hidden=0, lam=1)
    with pytest.raises(InputError, match="convention must be one of 'sum', 'mean'"):
        data.make_problem([[0], [1]], [0, 1], hidden=1, lam=1, convention="max")
    assert data.make_problem([[0], [1]], [0, 1], hidden=np.int64(2), lam="1e-400").hidden == 2


def test_check_choice() -> None:
    assert check_choice("naive", "--partitions", ("realizable", "naive")) == "naive"
    with pytest.raises(InputError, match="got 'x'"):
        check_choice("x", "--partitions", ("realizable", "naive"))


@pytest.mark.parametrize(("value", "expected"), [("0", None), (0, None), ("1.5", 1.5), (3, 3.0)])
def test_check_timeout(value: object, expected: float | None) -> None:
    assert check_timeout(value) == expected


@pytest.mark.parametrize("value", ["-1", "inf", "nan", "soon", True])
def test_check_timeout_refuses(value: object) -> None:
    with pytest.raises(InputError, match="--face-timeout must be a number of seconds >= 0"):
        check_timeout(value)


def test_output_path_resolves_links(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    link = tmp_path / "l.json"
    link.symlink_to(target)
    assert check_output_path(link) == target
    assert not target.exists()  # checking writes nothing
    assert sorted(os.listdir(tmp_path)) == ["l.json"]


def test_output_path_refuses_a_file_without_write_bits(tmp_path: Path) -> None:
    """The rule is on the mode bits: root could write the file, and still may not."""
    out = tmp_path / "a.json"
    out.write_text("x")
    out.chmod(0o444)
    with pytest.raises(InputError, match="read-only"):
        check_output_path(out)
    out.chmod(0o200)  # writable by its owner only: allowed
    assert check_output_path(out) == out


def test_write_output_replaces_atomically_and_keeps_the_mode(tmp_path: Path) -> None:
    out = tmp_path / "a.json"
    out.write_text("old")
    out.chmod(0o604)
    before = out.stat().st_ino
    assert write_output(out, "new") == out
    assert out.read_text() == "new"
    assert out.stat().st_ino != before  # a new file renamed onto the name
    assert stat.S_IMODE(out.stat().st_mode) == 0o604
    assert os.listdir(tmp_path) == ["a.json"]


def test_write_output_new_file_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_output(tmp_path / "a.json", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o640


# Issue 31, item 8: a huge exponent is refused when read, not expanded (it hung for minutes).
@pytest.mark.parametrize(
    "text", ["1e999999999", "-1E-999999999", "1e99999999999999999999", "2/1e5000", "1" * 5000]
)
def test_a_number_beyond_the_digit_bound_is_refused_at_once(text: str) -> None:
    with pytest.raises(InputError) as info:
        check_lambda(text)
    message = str(info.value)
    assert message.startswith("lambda has more than 4300 digits") and "\n" not in message
    assert len(message) < 200  # the value is named, a 5000-digit one abbreviated


def test_a_python_number_beyond_the_digit_bound_is_refused() -> None:
    assert parse_rational(10**4300 - 1) == 10**4300 - 1  # 4300 digits: the most allowed
    assert parse_rational(Fraction(-1, 10**4300 - 1)) == Fraction(-1, 10**4300 - 1)
    for value in (10**4300, Fraction(1, 10**4300)):  # too long even for repr
        with pytest.raises(InputError, match=r"y\[0\] has more than 4300 digits"):
            parse_rational(value, what="y[0]")


@pytest.mark.parametrize("text", ["1e400", "-1e-400", "1e4299", "1e-4299", "1_000e-2"])
def test_numbers_inside_the_digit_bound_are_read_exactly(text: str) -> None:
    assert parse_rational(text) == Fraction(text)


# Issue 31, item 9: NumPy scalars and 0-d arrays are numbers wherever the API takes one.
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (np.float64(1.5), Fraction(3, 2)),
        (np.float64(0.1), Fraction(1, 10)),
        (np.float32(0.1), Fraction(1, 10)),  # its own shortest spelling, not 0.100000001...
        (np.float16(0.5), Fraction(1, 2)),
        (np.int64(7), Fraction(7)),
        (np.uint8(3), Fraction(3)),
        (np.array(0.25), Fraction(1, 4)),
        (np.array(np.float32(0.1)), Fraction(1, 10)),
        (np.array(4), Fraction(4)),
    ],
)
def test_numpy_numbers_are_read_at_their_own_spelling(value: object, expected: Fraction) -> None:
    assert parse_rational(value) == expected
    assert check_lambda(value) == expected


@pytest.mark.parametrize("value", [np.float64("nan"), np.float32("inf"), np.array(np.nan)])
def test_numpy_non_finite_numbers_are_refused(value: object) -> None:
    with pytest.raises(InputError, match="lambda must be a finite number"):
        check_lambda(value)


@pytest.mark.parametrize("value", [np.bool_(True), np.array(True), np.array([1.0])])
def test_numpy_booleans_and_arrays_are_not_numbers(value: object) -> None:
    with pytest.raises(InputError, match="lambda must be a number"):
        check_lambda(value)


def test_the_api_takes_numpy_scalars_for_data_lambda_and_hidden() -> None:
    y = list(np.array([1.5, 2, 0]))  # np.float64 entries
    for lam in (np.float64(0.5), np.int64(1), np.array(0.5)):
        p = data.make_problem([[0], [1], [2]], y, hidden=np.int64(1), lam=lam)
        assert p.y == (Fraction(3, 2), Fraction(2), Fraction(0)) and p.hidden == 1
    X = [np.array([np.float32(0.1)]), [np.int32(2)]]
    problem = data.make_problem(X, [0, 1], hidden=1, lam=1)
    assert ((Fraction(1, 10),), (Fraction(2),)) == problem.X


@pytest.mark.parametrize(
    ("value", "expected"), [(np.float64(2.5), 2.5), (np.float32(0.5), 0.5), (np.int64(3), 3.0)]
)
def test_check_timeout_takes_numpy_numbers(value: object, expected: float) -> None:
    assert check_timeout(value) == expected


def test_solve_takes_numpy_scalars_end_to_end() -> None:
    """The calls of issue 31, item 9, through the public API."""
    import reluscape

    y = list(np.array([1.5, 2, 0]))
    plain = reluscape.solve([[0], [1], [2]], [1.5, 2, 0], hidden=1, lam=1)
    same = reluscape.solve([[0], [1], [2]], y, hidden=np.int64(1), lam=np.int64(1))
    assert (same.problem, same.minima) == (plain.problem, plain.minima)
    half = reluscape.solve([[0], [1], [2]], y, hidden=1, lam=np.float64(0.5))
    assert half.problem.lam == Fraction(1, 2) and half.complete

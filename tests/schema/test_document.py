"""Numbers a user computes with: a minimum's parameters as arrays and its network's
predictions, which reproduce the certified loss."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reluscape
from reluscape.schema import Minimum, Result

CENSUS = Path(__file__).with_name("census_d1_n3.json")


def _loss_from_predictions(result: Result, m: Minimum) -> float:
    """1/2 sum (y_i - prediction_i)^2 + lambda/2 |params|^2 in the problem's convention,
    from :meth:`Result.predict` alone (not from the package's loss)."""
    p = result.problem
    X = np.array(p.X, dtype=float)
    y = np.array(p.y, dtype=float)
    residual = y - result.predict(X, minimum=m.id)
    ridge = sum(float(np.sum(v * v)) for v in (m.a_array, m.B_array, m.c_array))
    scale = p.n if p.convention == "mean" else 1
    return (0.5 * float(residual @ residual) + 0.5 * float(p.lam_sum) * ridge) / scale


def _check_against_the_certificate(result: Result) -> None:
    p = result.problem
    scale = p.n if p.convention == "mean" else 1
    for m in result.minima:
        lo, hi = (float(v / scale) for v in m.loss_interval)
        value = _loss_from_predictions(result, m)
        tol = 1e-9 * max(1.0, abs(value))
        assert lo - tol <= value <= hi + tol, (m.id, value, lo, hi)
        # The package's own float loss agrees with the predictions.
        assert p.loss(m.a_array, m.B_array, m.c_array) == pytest.approx(value, rel=1e-12)


_data = st.tuples(
    st.lists(st.integers(0, 6), min_size=3, max_size=4, unique=True),
    st.lists(st.integers(-3, 3), min_size=4, max_size=4),
    st.sampled_from(["1/10", "1/2", "1"]),
    st.sampled_from(["sum", "mean"]),
)


@settings(max_examples=8, deadline=None)
@given(_data)
def test_predictions_reproduce_the_certified_loss(
    data: tuple[list[int], list[int], str, str],
) -> None:
    xs, ys, lam, convention = data
    result = reluscape.solve(
        [[x] for x in xs], ys[: len(xs)], hidden=1, lam=lam, convention=convention
    )
    assert result.minima
    _check_against_the_certificate(result)


def test_predictions_reproduce_the_certified_loss_on_sets_of_minima() -> None:
    """Two hidden units in the mean convention, with two sets of minima: a set's
    prediction is its recorded member's, whose loss is the set's."""
    result = Result.read(CENSUS)
    assert any(m.dimension >= 1 for m in result.minima)
    _check_against_the_certificate(result)


def test_parameters_are_arrays_and_the_document_keeps_its_tuples() -> None:
    m = Result.read(CENSUS).minima[0]
    assert m.a_array.shape == (2,) and m.B_array.shape == (2, 1) and m.c_array.shape == (2,)
    assert m.a_array.tolist() == list(m.point.a)
    assert m.B_array.tolist() == [list(row) for row in m.point.B]
    assert m.c_array.tolist() == list(m.point.c)
    m.a_array[0] = 99.0  # a new array each time: the document is not changed
    assert m.point.a[0] != 99.0 and isinstance(m.point.a, tuple)


def test_predict_is_the_network_output_and_result_predict_adds_the_mean() -> None:
    result = Result.read(CENSUS)
    m = result.minima[0]
    grid = np.linspace(-1.0, 4.0, 11)
    f = np.maximum(np.outer(grid, m.B_array[:, 0]) + m.c_array, 0.0) @ m.a_array
    assert m.predict(grid) == pytest.approx(f, abs=1e-12)  # d = 1: m numbers
    assert m.predict(grid[:, None]) == pytest.approx(f, abs=1e-12)
    mean = float(sum(result.problem.y, Fraction(0)) / result.problem.n)
    assert result.predict(grid) == pytest.approx(mean + f, abs=1e-12)


@pytest.mark.parametrize(
    ("X", "message"),
    [
        ([[0.0, 1.0]], "X must have d = 1 columns"),
        ([[float("nan")]], "X must be finite"),
        ([["a"]], "X must be an array of numbers"),
        ([[[0.0]]], "X must have 1 or 2 dimension"),
    ],
)
def test_bad_inputs_are_named(X: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Result.read(CENSUS).minima[0].predict(X)


def test_no_such_minimum_and_an_overflowing_point_are_named() -> None:
    result = Result.read(CENSUS)
    with pytest.raises(ValueError, match="no minimum with id 7: the ids are 1 to 3"):
        result.predict([0.0], minimum=7)
    doc = result.to_dict()
    doc.pop("critical_points"), doc.pop("landscape")
    doc["minima"][0]["point"]["a"][0] = None
    with pytest.raises(ValueError, match="minimum 1: its parameters overflow a float"):
        Result.from_dict(doc).minima[0].predict([0.0])
    doc["minima"] = []
    with pytest.raises(ValueError, match="no minimum with id 1: it has none"):
        Result.from_dict(doc).predict([0.0])

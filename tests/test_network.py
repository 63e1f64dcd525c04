"""The float loss and gradient a user computes with (:meth:`reluscape.data.Problem.loss`,
:meth:`~reluscape.data.Problem.gradient`, :mod:`reluscape.network`): against finite
differences, against the numerical tools' own loss, in both conventions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import reluscape
from reluscape.data import Problem, make_problem
from reluscape.numerical.loss import full_loss_grad, join_psi

KINK_MARGIN = 1e-3  # finite differences need every unit off every sample's wall

_coords = st.floats(-2.0, 2.0, allow_nan=False, allow_subnormal=False)


@st.composite
def _problems_and_parameters(
    draw: st.DrawFn,
) -> tuple[Problem, np.ndarray, np.ndarray, np.ndarray]:
    n, d, hidden = draw(st.integers(2, 5)), draw(st.integers(1, 2)), draw(st.integers(1, 3))
    X = draw(st.lists(st.lists(st.integers(-4, 4), min_size=d, max_size=d), min_size=n, max_size=n))
    y = draw(st.lists(st.integers(-4, 4), min_size=n, max_size=n))
    lam = draw(st.sampled_from(["1/10", "1/2", "2"]))
    convention = draw(st.sampled_from(["sum", "mean"]))
    problem = make_problem(X, y, hidden=hidden, lam=lam, convention=convention)
    a = draw(arrays(float, (hidden,), elements=_coords))
    B = draw(arrays(float, (hidden, d), elements=_coords))
    c = draw(arrays(float, (hidden,), elements=_coords))
    return problem, a, B, c


@settings(max_examples=60, deadline=None)
@given(_problems_and_parameters())
def test_the_gradient_is_the_derivative_of_the_loss(
    case: tuple[Problem, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    problem, a, B, c = case
    X = np.array(problem.X, dtype=float)
    assume(np.min(np.abs(X @ B.T + c)) > KINK_MARGIN)  # off the kinks: l is smooth there
    grads = problem.gradient(a, B, c)
    h = 1e-6
    params = [a, B, c]
    for which, grad in enumerate(grads):
        assert grad.shape == params[which].shape
        for index in np.ndindex(grad.shape):
            up = [p.copy() for p in params]
            down = [p.copy() for p in params]
            up[which][index] += h
            down[which][index] -= h
            slope = (problem.loss(*up) - problem.loss(*down)) / (2 * h)
            assert slope == pytest.approx(grad[index], rel=1e-5, abs=1e-5)


@settings(max_examples=30, deadline=None)
@given(_problems_and_parameters())
def test_the_loss_is_the_numerical_tools_loss_in_the_problems_convention(
    case: tuple[Problem, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    problem, a, B, c = case
    value, grad_a, grad_psi = full_loss_grad(problem, a, join_psi(B, c))  # sum convention
    scale = problem.n if problem.convention == "mean" else 1
    assert problem.loss(a, B, c) == pytest.approx(value / scale, rel=1e-12, abs=1e-12)
    ga, gB, gc = problem.gradient(a, B, c)
    assert ga == pytest.approx(grad_a / scale, rel=1e-12, abs=1e-12)
    assert np.column_stack([gB, gc]) == pytest.approx(grad_psi / scale, rel=1e-12, abs=1e-12)


def test_the_gradient_vanishes_at_a_certified_minimum_inside_a_chamber() -> None:
    """Inside a chamber the loss is smooth and a minimum is stationary; on a wall (face
    kind "boundary") this one-sided gradient need not vanish, and does not here."""
    result = reluscape.solve(
        [[0], [1], [2], [4]], ["0", "1", "0", "2"], hidden=1, lam="1/10", convention="mean"
    )
    kinds = {m.id: {f.kind for f in m.face} for m in result.minima}
    assert {"chamber"} in kinds.values() and {"boundary"} in kinds.values()
    for m in result.minima:
        largest = max(
            np.abs(g).max() for g in result.problem.gradient(m.a_array, m.B_array, m.c_array)
        )
        assert bool(largest < 1e-9) == (kinds[m.id] == {"chamber"}), (m.id, largest)


@pytest.mark.parametrize(
    ("a", "B", "c", "message"),
    [
        ([1.0, 2.0], [[1.0]], [0.0], r"a must have shape \(L,\) = \(1,\), got shape \(2,\)"),
        ([1.0], [1.0], [0.0], "B must have 2 dimension"),
        ([1.0], [[1.0, 2.0]], [0.0], r"B must have shape \(L, d\) = \(1, 1\)"),
        ([1.0], [[1.0]], [float("inf")], "c must be finite"),
        ([1.0], [["x"]], [0.0], "B must be an array of numbers"),
    ],
)
def test_bad_parameters_are_named(a: object, B: object, c: object, message: str) -> None:
    problem = make_problem([[0], [1], [2]], [1, 2, 6], hidden=1, lam=1)
    with pytest.raises(ValueError, match=message):
        problem.loss(a, B, c)
    with pytest.raises(ValueError, match=message):
        problem.gradient(a, B, c)

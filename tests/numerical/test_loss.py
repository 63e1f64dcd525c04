"""Variable projection: reduced loss, output weights, gradients, exact evaluation."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from reluscape.data import Problem, load_problem, make_problem
from reluscape.exact.projection import reduced_loss_exact
from reluscape.numerical.loss import (
    a_hat,
    full_loss,
    full_loss_grad,
    join_psi,
    omega,
    reduced_loss,
    split_psi,
)

D1_N5 = str(Path(__file__).resolve().parents[1] / "data" / "d1_n5.csv")

small_fractions = st.fractions(min_value=-3, max_value=3, max_denominator=12)


@st.composite
def problems(draw: st.DrawFn, *, max_hidden: int = 3) -> Problem:
    n = draw(st.integers(2, 6))
    d = draw(st.integers(1, 2))
    hidden = draw(st.integers(1, max_hidden))
    X = draw(st.lists(st.lists(small_fractions, min_size=d, max_size=d), min_size=n, max_size=n))
    y = draw(st.lists(small_fractions, min_size=n, max_size=n))
    lam = draw(st.fractions(min_value=Fraction(1, 100), max_value=3, max_denominator=100))
    return make_problem(X, y, hidden=hidden, lam=lam)


@st.composite
def problems_and_psi(draw: st.DrawFn) -> tuple[Problem, np.ndarray]:
    problem = draw(problems())
    values = draw(
        st.lists(
            st.floats(-3, 3, allow_nan=False),
            min_size=problem.hidden * (problem.d + 1),
            max_size=problem.hidden * (problem.d + 1),
        )
    )
    return problem, np.array(values).reshape(problem.hidden, problem.d + 1)


def yt_array(problem: Problem) -> np.ndarray:
    return np.array([float(v) for v in problem.yt])


@given(problems_and_psi())
def test_reduced_loss_is_full_loss_at_a_hat(case: tuple[Problem, np.ndarray]) -> None:
    problem, psi = case
    a = a_hat(problem, psi)
    assert reduced_loss(problem, psi) == pytest.approx(full_loss(problem, a, psi), rel=1e-12)


@given(problems_and_psi(), st.integers(0, 2**32 - 1))
def test_a_hat_is_the_argmin(case: tuple[Problem, np.ndarray], seed: int) -> None:
    problem, psi = case
    a = a_hat(problem, psi)
    delta = np.random.default_rng(seed).standard_normal(problem.hidden) * 0.1
    om = omega(problem, psi)
    gram = om.T @ om + float(problem.lam_sum) * np.eye(problem.hidden)
    gap = full_loss(problem, a + delta, psi) - full_loss(problem, a, psi)
    # l is quadratic in a with Hessian Omega^T Omega + lambda I, minimal at a_hat.
    assert gap > 0
    assert gap == pytest.approx(0.5 * delta @ gram @ delta, rel=1e-6, abs=1e-12)


@given(problems(), st.data())
def test_exact_and_float_reduced_loss_agree(problem: Problem, data: st.DataObject) -> None:
    psi_q = [
        [data.draw(small_fractions) for _ in range(problem.d + 1)] for _ in range(problem.hidden)
    ]
    exact = reduced_loss_exact(problem, psi_q)
    assert isinstance(exact, Fraction)
    approx = reduced_loss(problem, [[float(v) for v in row] for row in psi_q])
    assert abs(float(exact) - approx) <= 1e-12 * max(1.0, abs(float(exact)))


@given(problems())
def test_psi_zero_gives_half_squared_norm_of_yt(problem: Problem) -> None:
    half = sum((v * v for v in problem.yt), Fraction(0)) / 2
    zeros = [[0] * (problem.d + 1) for _ in range(problem.hidden)]
    assert reduced_loss_exact(problem, zeros) == half
    assert reduced_loss(problem, np.zeros((problem.hidden, problem.d + 1))) == pytest.approx(
        float(half), rel=1e-14, abs=1e-15
    )
    assert np.all(a_hat(problem, np.zeros((problem.hidden, problem.d + 1))) == 0)


@given(problems_and_psi(), st.integers(0, 2**32 - 1))
def test_full_loss_grad_matches_finite_differences(
    case: tuple[Problem, np.ndarray], seed: int
) -> None:
    problem, psi = case
    xt = np.array([[float(v) for v in row] for row in problem.xt])
    # Central differences need the segment [psi - h, psi + h] to stay off every kink.
    assume(np.min(np.abs(xt @ psi.T)) > 1e-3)
    a = np.random.default_rng(seed).standard_normal(problem.hidden)
    value, grad_a, grad_psi = full_loss_grad(problem, a, psi)
    assert value == pytest.approx(full_loss(problem, a, psi), rel=1e-14)
    h = 1e-6
    for k in range(a.size):
        step = np.zeros_like(a)
        step[k] = h
        fd = (full_loss(problem, a + step, psi) - full_loss(problem, a - step, psi)) / (2 * h)
        assert fd == pytest.approx(grad_a[k], rel=1e-5, abs=1e-5)
    for idx in np.ndindex(psi.shape):
        step = np.zeros_like(psi)
        step[idx] = h
        fd = (full_loss(problem, a, psi + step) - full_loss(problem, a, psi - step)) / (2 * h)
        assert fd == pytest.approx(grad_psi[idx], rel=1e-5, abs=1e-5)


def test_full_loss_grad_uses_zero_derivative_on_a_kink() -> None:
    problem = make_problem([[-1], [0], [1]], [1, 0, 2], hidden=1, lam=1)
    # theta . xt = (-1, 0, 1): only sample 3 is active, sample 2 sits on the kink.
    _, _, grad_psi = full_loss_grad(problem, [2.0], [[1.0, 0.0]])
    err = np.array([0.0, 0.0, 2.0]) - yt_array(problem)
    expected = 2.0 * err[2] * np.array([1.0, 1.0]) + np.array([1.0, 0.0])
    np.testing.assert_allclose(grad_psi[0], expected, rtol=1e-14)


@given(problems_and_psi(), st.data())
def test_reduced_loss_invariant_under_permuting_hidden_units(
    case: tuple[Problem, np.ndarray], data: st.DataObject
) -> None:
    problem, psi = case
    perm = data.draw(st.permutations(range(problem.hidden)))
    r = reduced_loss(problem, psi)
    assert reduced_loss(problem, psi[list(perm)]) == pytest.approx(r, rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(
        a_hat(problem, psi[list(perm)]), a_hat(problem, psi)[list(perm)], rtol=1e-8, atol=1e-10
    )


@given(problems_and_psi(), st.data())
def test_reduced_loss_invariant_under_permuting_samples(
    case: tuple[Problem, np.ndarray], data: st.DataObject
) -> None:
    problem, psi = case
    perm = data.draw(st.permutations(range(problem.n)))
    shuffled = make_problem(
        [problem.X[i] for i in perm],
        [problem.y[i] for i in perm],
        hidden=problem.hidden,
        lam=problem.lam,
    )
    r = reduced_loss(problem, psi)
    assert reduced_loss(shuffled, psi) == pytest.approx(r, rel=1e-10, abs=1e-12)
    psi_q = [[Fraction(v) for v in row] for row in psi]
    assert reduced_loss_exact(shuffled, psi_q) == reduced_loss_exact(problem, psi_q)


@settings(max_examples=30)
@given(problems_and_psi())
def test_ridge_bounds_the_reduced_loss(case: tuple[Problem, np.ndarray]) -> None:
    problem, psi = case
    r = reduced_loss(problem, psi)
    lam = float(problem.lam_sum)
    # r(psi) = min_a l(a, psi) lies between lambda/2 |psi|^2 and
    # l(0, psi) = 1/2 |yt|^2 + lambda/2 |psi|^2.
    yt = yt_array(problem)
    assert 0.5 * lam * np.sum(psi**2) - 1e-12 <= r
    assert r <= 0.5 * yt @ yt + 0.5 * lam * np.sum(psi**2) + 1e-12


def test_mean_convention_uses_lam_sum() -> None:
    X, y = [[0], [1], [2]], [1, 2, 6]
    mean = make_problem(X, y, hidden=1, lam="1/10", convention="mean")
    total = make_problem(X, y, hidden=1, lam="3/10")
    psi = [[Fraction(1), Fraction(-1, 2)]]
    assert reduced_loss_exact(mean, psi) == reduced_loss_exact(total, psi)
    assert reduced_loss(mean, [[1.0, -0.5]]) == reduced_loss(total, [[1.0, -0.5]])


def test_reference_value_at_a_known_point() -> None:
    problem = load_problem(D1_N5, hidden=2, lam="1/10")
    assert reduced_loss_exact(problem, [[0, 0], [0, 0]]) == Fraction(777, 500)
    assert reduced_loss(problem, np.zeros((2, 2))) == pytest.approx(1.554, rel=1e-15)


def test_wrong_psi_shape_is_named() -> None:
    problem = load_problem(D1_N5, hidden=2, lam="1/10")
    with pytest.raises(ValueError, match=r"shape \(L, d\+1\) = \(2, 2\).*got shape \(2, 3\)"):
        reduced_loss(problem, np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"shape \(L,\) = \(2,\), got shape \(3,\)"):
        full_loss(problem, np.zeros(3), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="finite"):
        a_hat(problem, [[np.nan, 0.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match=r"\(2, 2\), got 1 rows"):
        reduced_loss_exact(problem, [[0, 0]])


def test_exact_refuses_floats() -> None:
    problem = load_problem(D1_N5, hidden=1, lam="1/10")
    with pytest.raises(ValueError, match=r"psi_q\[0\]\[1\] must be an exact rational"):
        reduced_loss_exact(problem, [[Fraction(1), 0.5]])


@given(problems_and_psi())
def test_split_and_join_are_inverse(case: tuple[Problem, np.ndarray]) -> None:
    _, psi = case
    B, c = split_psi(psi)
    assert B.shape == (psi.shape[0], psi.shape[1] - 1)
    assert c.shape == (psi.shape[0],)
    np.testing.assert_array_equal(join_psi(B, c), psi)


def test_split_and_join_validate_shapes() -> None:
    with pytest.raises(ValueError, match=r"got shape \(3,\)"):
        split_psi(np.zeros(3))
    with pytest.raises(ValueError, match=r"c must have shape \(L,\) = \(2,\), got shape \(3,\)"):
        join_psi(np.zeros((2, 1)), np.zeros(3))

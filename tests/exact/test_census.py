"""The census of stationary points (issue 12), against independent computations.

- The index by sign counting (:func:`hessian_index`) against numpy's eigenvalues.
- L = 1: the reduced loss of one unit on a chamber has the closed form
  r(theta) = 1/2 |yt|^2 - s^2 / (2 (q + lambda)) + lambda/2 |theta|^2 with w = ReLU(Xt theta),
  s = w . yt, q = |w|^2; Newton from many starts in every chamber finds its interior
  critical points, classified by float eigenvalues, which must be the census's
  chamber-interior points with the same index; every census point must be stationary
  for float probes of the one-sided directional derivatives.
- The built-in example: the census's minima are ``minima`` (ids, losses, faces).
"""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import root

import reluscape
from reluscape.data import Problem, load_problem, make_problem
from reluscape.exact import algebra
from reluscape.exact.verification import hessian_index
from reluscape.execution.pipeline import solve
from reluscape.numerical.loss import float_data, reduced_loss_array
from reluscape.schema import CriticalPoint, Minimum, Result


@pytest.mark.parametrize("seed", range(6))
def test_index_by_sign_counting_matches_the_eigenvalues(seed: int) -> None:
    """Random symmetric integer matrices A D A^T with a known kernel dimension k."""
    rng = np.random.default_rng(seed)
    R = algebra.ring(["z"])
    point = algebra.real_solutions([R("z^2 - 2")])[1]
    size = 5
    for _ in range(4):
        k = int(rng.integers(0, 3))
        A = rng.integers(-3, 4, size=(size, size))
        while round(np.linalg.det(A)) == 0:
            A = rng.integers(-3, 4, size=(size, size))
        D = np.diag([0] * k + list(rng.choice([-2, -1, 1, 3], size=size - k)))
        H = A @ D @ A.T
        expected = int(np.sum(np.linalg.eigvalsh(H.astype(float)) < -1e-9))
        hess = [[R(int(v)) for v in row] for row in H]
        assert hessian_index(point, hess, k) == expected
        if k > 0:
            # A kernel larger than the stated dimension is degenerate, never guessed.
            assert hessian_index(point, hess, k - 1) is None


# --------------------------------------------------------------------------- L = 1


def _one_unit(problem: Problem) -> tuple[np.ndarray, np.ndarray, float]:
    xt = np.array([[float(v) for v in row] for row in problem.xt])
    yt = np.array([float(v) for v in problem.yt])
    return xt, yt, float(problem.lam_sum)


def _r(theta: np.ndarray, xt: np.ndarray, yt: np.ndarray, lam: float) -> float:
    w = np.maximum(xt @ theta, 0.0)
    s, q = w @ yt, w @ w
    return 0.5 * yt @ yt - s * s / (2 * (q + lam)) + lam / 2 * theta @ theta


def _chamber_grad_hess(
    theta: np.ndarray, X: np.ndarray, yt: np.ndarray, lam: float
) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and Hessian of g_C for the chamber whose active rows are X (others 0).

    With alpha = s / (q + lambda): grad = -alpha X^T yt + alpha^2 X^T X theta + lambda theta,
    Hess = -(q + lambda) grad(alpha) grad(alpha)^T + alpha^2 X^T X + lambda I,
    grad(alpha) = (X^T yt - 2 alpha X^T w) / (q + lambda).
    """
    w = X @ theta
    s, q = w @ yt, w @ w
    alpha = s / (q + lam)
    grad = -alpha * X.T @ yt + alpha**2 * X.T @ w + lam * theta
    dalpha = (X.T @ yt - 2 * alpha * X.T @ w) / (q + lam)
    hess = -(q + lam) * np.outer(dalpha, dalpha) + alpha**2 * X.T @ X + lam * np.eye(len(theta))
    return grad, hess


def _numerical_chamber_points(
    problem: Problem, starts: int = 4000
) -> set[tuple[tuple[int, ...], int, float]]:
    """(activation, index, rounded loss) of every chamber-interior critical point that
    Newton finds from random starts (each start in the chamber it lies in)."""
    xt, yt, lam = _one_unit(problem)
    rng = np.random.default_rng(0)
    found = set()
    for _ in range(starts):
        direction = rng.normal(size=xt.shape[1])
        theta0 = direction / np.linalg.norm(direction) * 10 ** rng.uniform(-1.5, 1.5)
        signs = np.sign(xt @ theta0)
        if np.any(signs == 0):
            continue
        X = xt * (signs > 0)[:, None]

        def grad(t: np.ndarray, X: np.ndarray = X) -> np.ndarray:
            return _chamber_grad_hess(t, X, yt, lam)[0]

        def jac(t: np.ndarray, X: np.ndarray = X) -> np.ndarray:
            return _chamber_grad_hess(t, X, yt, lam)[1]

        sol = root(grad, theta0, jac=jac, method="hybr")
        theta = sol.x
        if not sol.success or np.linalg.norm(grad(theta)) > 1e-10:
            continue
        norm = np.linalg.norm(theta)
        margins = signs * (xt @ theta) / (norm * np.linalg.norm(xt, axis=1) + 1e-300)
        if norm < 1e-8 or np.min(margins) < 1e-7:
            continue  # theta = 0 or outside the chamber it started in
        eig = np.linalg.eigvalsh(jac(theta))
        assert np.min(np.abs(eig)) > 1e-8, "a degenerate chamber critical point"
        activation = tuple(int(s > 0) for s in signs)
        found.add((activation, int(np.sum(eig < 0)), round(_r(theta, xt, yt, lam), 7)))
    return found


def _theta(c: CriticalPoint) -> np.ndarray:
    return np.array([*c.point.B[0], c.point.c[0]], dtype=float)


def _one_sided_min(
    theta: np.ndarray, xt: np.ndarray, yt: np.ndarray, lam: float, h: float = 1e-6
) -> float:
    """The smallest difference quotient (r(theta + h v) - r(theta)) / h over many unit v."""
    rng = np.random.default_rng(1)
    base = _r(theta, xt, yt, lam)
    worst = np.inf
    for _ in range(2000):
        v = rng.normal(size=len(theta))
        v /= np.linalg.norm(v)
        worst = min(worst, (_r(theta + h * v, xt, yt, lam) - base) / h)
    return worst


def _random_problem(seed: int, n: int, d: int, hidden: int) -> Problem:
    rng = random.Random(seed)
    X = [[Fraction(rng.randint(-20, 20), 10) for _ in range(d)] for _ in range(n)]
    y = [Fraction(rng.randint(-20, 20), 10) for _ in range(n)]
    return make_problem(X, y, hidden=hidden, lam="1/10")


@pytest.mark.parametrize(("seed", "n", "d"), [(0, 5, 1), (1, 5, 1), (2, 6, 2)])
def test_one_unit_census_against_newton_and_probes(seed: int, n: int, d: int) -> None:
    problem = _random_problem(seed, n, d, hidden=1)
    result = solve(problem, face_timeout=None, census=True)
    assert result.complete and result.critical_points is not None
    xt, yt, lam = _one_unit(problem)
    census = {
        (c.activation[0], c.index, round(c.loss, 7))
        for c in result.critical_points
        if c.face[0].kind == "chamber"
    }
    assert _numerical_chamber_points(problem) == census
    for c in result.critical_points:
        theta = _theta(c)
        assert _r(theta, xt, yt, lam) == pytest.approx(c.loss, rel=1e-9)
        # Stationary: no one-sided descent beyond the second-order term of the probe.
        assert _one_sided_min(theta, xt, yt, lam) > -1e-4, c


# --------------------------------------------------------------------------- the built-in example

EXAMPLE = Path(reluscape.__file__).parent / "examples" / "d1_n5.csv"


def _faces(c: CriticalPoint | Minimum) -> tuple[str, ...]:
    return tuple(f.signs for f in c.face)


def test_builtin_example_census() -> None:
    problem = load_problem(EXAMPLE, hidden=2, lam="1/10")
    result = solve(problem, face_timeout=None, census=True)
    plain = solve(problem, face_timeout=None)
    census = result.critical_points
    assert census is not None and plain.critical_points is None
    # The census leaves the rest of the result unchanged.
    assert [m.to_dict() for m in result.minima] == [m.to_dict() for m in plain.minima]
    assert result.stats["rejected"] == plain.stats["rejected"]
    assert "critical_points" not in plain.to_dict()
    # Its minima are `minima`: same ids, losses and faces.
    assert sorted((c.id, c.loss_interval, _faces(c)) for c in census if c.kind == "minimum") == [
        (m.id, m.loss_interval, _faces(m)) for m in result.minima
    ]
    assert len({c.id for c in census}) == len(census)
    assert Result.from_json(result.to_json()) == result
    # Every entry is stationary for float probes of the reduced loss (no one-sided
    # descent beyond the probe's second-order term), at its certified loss.
    xt, yt, lam = float_data(problem)
    rng = np.random.default_rng(2)
    for c in census:
        psi = np.array([[*b, cc] for b, cc in zip(c.point.B, c.point.c, strict=True)])
        base = reduced_loss_array(xt, yt, lam, psi)
        assert base == pytest.approx(c.loss, rel=1e-9)
        h = 1e-6
        worst = min(
            (reduced_loss_array(xt, yt, lam, psi + h * v / np.linalg.norm(v)) - base) / h
            for v in rng.normal(size=(2000, *psi.shape))
        )
        assert worst > -1e-4, c
        assert (c.kind == "degenerate") == (c.index is None)

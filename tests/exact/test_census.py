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

import itertools
import random
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import root

import reluscape
from reluscape.data import InputError, Problem, load_problem, make_problem
from reluscape.exact import algebra
from reluscape.exact.verification import hessian_index
from reluscape.execution.pipeline import solve
from reluscape.numerical.loss import float_data, reduced_loss_array
from reluscape.numerical.verify.landscape_checks import hull_distance
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


def _random_problem(seed: int, n: int, d: int, hidden: int) -> Problem:
    rng = random.Random(seed)
    X = [[Fraction(rng.randint(-20, 20), 10) for _ in range(d)] for _ in range(n)]
    y = [Fraction(rng.randint(-20, 20), 10) for _ in range(n)]
    return make_problem(X, y, hidden=hidden, lam="1/10")


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


def _adjacent_gradients(
    psi: np.ndarray, xt: np.ndarray, yt: np.ndarray, lam: float, tol: float = 1e-9
) -> list[np.ndarray]:
    """grad g_C at psi for every product chamber C that may touch it: every sign of every
    group of tight entries (|theta_l . xt_i| <= tol; samples with equal x share a sign).
    Unrealizable patterns only add points to the hull (for d = 1 there are none)."""
    z = psi @ xt.T
    band = tol * max(1.0, float(np.max(np.abs(psi))))
    groups = {
        (unit, tuple(xt[i])): np.all(xt == xt[i], axis=1)
        for unit, i in zip(*np.nonzero(np.abs(z) <= band), strict=True)
    }
    out = []
    for bits in itertools.product((0.0, 1.0), repeat=len(groups)):
        masks = (z > band).astype(float)
        for ((unit, _), same), bit in zip(groups.items(), bits, strict=True):
            masks[unit, same] = bit
        out.append(_chamber_gradient(psi, masks, xt, yt, lam))
    return out


def _assert_census_point(
    fun: Callable[[np.ndarray], float],
    psi: np.ndarray,
    xt: np.ndarray,
    yt: np.ndarray,
    lam: float,
    what: CriticalPoint,
) -> None:
    """A kink: 0 in the hull of the adjacent chambers' gradients (a small QP) and a
    first-order descent (it is not d-stationary). Any other census point: stationary."""
    if what.kind != "kink":
        _assert_stationary(fun, psi, what)
        return
    scale = max(1.0, lam * float(np.max(np.abs(psi))))
    assert hull_distance(_adjacent_gradients(psi, xt, yt, lam)) < 1e-7 * scale, what
    with pytest.raises(AssertionError):
        _assert_stationary(fun, psi, what)


def _assert_stationary(fun: Callable[[np.ndarray], float], x: np.ndarray, what: object) -> None:
    """No one-sided first-order descent: the worst difference quotient
    (f(x + h v) - f(x)) / h over many unit v is >= -tiny or shrinks with h like the
    second-order term (by 100 from h = 1e-4 to 1e-6); a descent keeps it near
    -|r'(x; v)| < 0."""
    rng = np.random.default_rng(1)
    directions = rng.normal(size=(2000, *x.shape))
    base = fun(x)

    def worst(h: float) -> float:
        return min((fun(x + h * v / np.linalg.norm(v)) - base) / h for v in directions)

    coarse, fine = worst(1e-4), worst(1e-6)
    assert fine > -1e-7 or fine > coarse / 30, (what, coarse, fine)


@pytest.mark.slow
@pytest.mark.parametrize(
    "problem",
    [
        _random_problem(0, 5, 1, hidden=1),
        _random_problem(1, 5, 1, hidden=1),
        _random_problem(2, 6, 2, hidden=1),
        # A chamber-interior minimum (activation 11100), found both ways.
        make_problem([[1], [2], [3], [4], [5]], [1, 2, 3, 4, 6], hidden=1, lam="1/10"),
    ],
    ids=["seed0-d1", "seed1-d1", "seed2-d2", "chamber-minimum"],
)
def test_one_unit_census_against_newton_and_probes(problem: Problem) -> None:
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
        one = theta[None, :]
        _assert_census_point(lambda p: _r(p.reshape(-1), xt, yt, lam), one, xt, yt, lam, c)


# --------------------------------------------------------------------------- the built-in example

EXAMPLE = Path(reluscape.__file__).parent / "examples" / "d1_n5.csv"


def _faces(c: CriticalPoint | Minimum) -> tuple[str, ...]:
    return tuple(f.signs for f in c.face)


@pytest.mark.slow  # seconds of whole runs: the fast tier stays under 5 minutes
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
    # Every entry is stationary for float probes of the reduced loss, at its certified loss.
    xt, yt, lam = float_data(problem)
    for c in census:
        psi = np.array([[*b, cc] for b, cc in zip(c.point.B, c.point.c, strict=True)])
        assert reduced_loss_array(xt, yt, lam, psi) == pytest.approx(c.loss, rel=1e-9)
        _assert_census_point(lambda p: reduced_loss_array(xt, yt, lam, p), psi, xt, yt, lam, c)
        if c.kind in ("minimum", "saddle"):
            assert c.index is not None
        if c.kind == "degenerate":
            assert c.index is None


def _chamber_gradient(
    psi: np.ndarray, masks: np.ndarray, xt: np.ndarray, yt: np.ndarray, lam: float
) -> np.ndarray:
    """grad g_C for the product chamber with active masks (L x n): by the envelope theorem
    G_l = lambda theta_l - a_l sum_{i in A_l} e_i xt_i at a = a_hat (docs/METHOD.md
    section 5), with Omega_C linear in psi."""
    om = (xt @ psi.T) * masks.T
    a = np.linalg.solve(om.T @ om + lam * np.eye(len(psi)), om.T @ yt)
    e = yt - om @ a
    return lam * psi - a[:, None] * ((masks * e) @ xt)


def _numerical_product_chamber_points(
    problem: Problem, starts: int
) -> set[tuple[tuple[tuple[int, ...], ...], int, float]]:
    """(sorted activations, index, rounded loss) of the critical points of r inside
    product chambers that Newton finds from random starts; the Hessian by central
    differences of the gradient, the index by float eigenvalues (a zero eigenvalue,
    the tangent of a set of critical points, is not counted)."""
    xt, yt, lam = float_data(problem)
    L, width = problem.hidden, xt.shape[1]
    rng = np.random.default_rng(3)
    found = set()
    for _ in range(starts):
        direction = rng.normal(size=(L, width))
        psi0 = direction / np.linalg.norm(direction, axis=1)[:, None]
        psi0 *= 10 ** rng.uniform(-1, 1, size=(L, 1))
        signs = np.sign(psi0 @ xt.T)
        if np.any(signs == 0):
            continue
        masks = (signs > 0).astype(float)

        def grad(flat: np.ndarray, masks: np.ndarray = masks) -> np.ndarray:
            return _chamber_gradient(flat.reshape(L, width), masks, xt, yt, lam).ravel()

        sol = root(grad, psi0.ravel(), method="hybr")
        psi = sol.x.reshape(L, width)
        if not sol.success or np.linalg.norm(grad(sol.x)) > 1e-10:
            continue
        norms = np.linalg.norm(psi, axis=1)
        margins = signs * (psi @ xt.T) / (norms[:, None] * np.linalg.norm(xt, axis=1) + 1e-300)
        if np.min(norms) < 1e-6 or np.min(margins) < 1e-6:
            continue
        h = 1e-6
        hess = np.array(
            [(grad(sol.x + h * v) - grad(sol.x - h * v)) / (2 * h) for v in np.eye(L * width)]
        )
        eig = np.linalg.eigvalsh((hess + hess.T) / 2)
        activation = tuple(sorted(tuple(int(s) for s in row) for row in masks))
        loss = reduced_loss_array(xt, yt, lam, psi)
        found.add((activation, int(np.sum(eig < -1e-6)), round(loss, 6)))
    return found


@pytest.mark.slow  # seconds of whole runs: the fast tier stays under 5 minutes
def test_builtin_example_chamber_points_against_newton() -> None:
    """Every critical point inside a product chamber that Newton finds is in the census
    with the same index, and conversely."""
    problem = load_problem(EXAMPLE, hidden=2, lam="1/10")
    result = solve(problem, face_timeout=None, census=True)
    census = {
        (tuple(sorted(c.activation)), c.index, round(c.loss, 6))
        for c in result.critical_points or []
        if all(f.kind == "chamber" for f in c.face)
    }
    assert _numerical_product_chamber_points(problem, 1500) == census


def test_the_census_is_the_same_through_workers_and_checkpoints(tmp_path: Path) -> None:
    """Faces run in Dask worker processes and stored in a checkpoint carry their census:
    the result equals the in-process one, and a census run never reuses the faces of a run
    without it (the checkpoint's fingerprint includes the census)."""
    problem = make_problem([[0], [1], [2]], ["0", "1", "0"], hidden=2, lam="1/10")

    def comparable(r: Result) -> dict:
        doc = r.to_dict()
        doc["stats"].pop("timings")
        return doc

    local = solve(problem, face_timeout=None, census=True)
    assert local.critical_points
    plain_store = tmp_path / "plain"
    assert solve(problem, face_timeout=60.0, checkpoint=plain_store).critical_points is None
    with pytest.raises(InputError, match="belongs to a different problem"):
        solve(problem, face_timeout=60.0, checkpoint=plain_store, census=True)
    store = tmp_path / "census"
    workers = solve(problem, face_timeout=60.0, jobs=2, checkpoint=store, census=True)
    assert comparable(workers) == comparable(local)
    resumed = solve(problem, face_timeout=60.0, checkpoint=store, census=True)
    assert comparable(resumed) == comparable(local)


# --------------------------------------------------------------------------- kinks, L = 1


def _ray_points(problem: Problem) -> set[tuple[str, float, bool]]:
    """Brute force, L = 1 and d = 1: every critical point of r on a ray of the arrangement
    that is Clarke-critical, as (signs, rounded loss, whether it is a kink).

    On the ray theta = s w (w = +-(1, -x_j) / |.|, s > 0) the unit computes s z with
    z = ReLU(Xt w), and with u = s^2, c = z . yt, q = |z|^2,
    r = |yt|^2 / 2 - u c^2 / (2 (u q + lambda)) + lambda u / 2, whose derivative in u
    vanishes where (u q + lambda)^2 = c^2: u = (|c| - lambda) / q, one point or none.
    Clarke-critical: 0 in the hull of the two adjacent chambers' gradients (a QP); a kink
    when, besides, one side has a first-order descent."""
    xt, yt, lam = _one_unit(problem)
    found = set()
    for j in range(len(xt)):
        for orientation in (1.0, -1.0):
            w = orientation * np.array([1.0, -xt[j][0]])
            w /= np.linalg.norm(w)
            z = np.maximum(xt @ w, 0.0)
            z[np.abs(xt @ w) < 1e-12] = 0.0
            c, q = float(z @ yt), float(z @ z)
            if q == 0 or abs(c) <= lam:
                continue
            theta = np.sqrt((abs(c) - lam) / q) * w
            psi = theta[None, :]
            grads = _adjacent_gradients(psi, xt, yt, lam)
            if hull_distance(grads) > 1e-9:
                continue
            normal = xt[j] / np.linalg.norm(xt[j])
            # Moving theta by +normal enters the chamber that sees sample j, by -normal
            # the other; the one-sided rates are those chambers' gradients along it.
            seen = _chamber_gradient(psi, _mask(psi, xt, j, 1.0), xt, yt, lam)[0]
            unseen = _chamber_gradient(psi, _mask(psi, xt, j, 0.0), xt, yt, lam)[0]
            kink = min(float(seen @ normal), -float(unseen @ normal)) < -1e-9
            signs = "".join(
                "0" if abs(v) < 1e-12 else ("+" if v > 0 else "-") for v in xt @ theta
            )
            found.add((signs, round(_r(theta, xt, yt, lam), 7), kink))
    return found


def _mask(psi: np.ndarray, xt: np.ndarray, j: int, bit: float) -> np.ndarray:
    """The chamber's mask with sample j (and its duplicates, which share its sign) at bit."""
    masks = (psi @ xt.T > 1e-12).astype(float)
    masks[0, np.all(xt == xt[j], axis=1)] = bit
    return masks


@pytest.mark.parametrize(("seed", "n", "kinks"), [(1, 5, 1), (5, 8, 1), (11, 5, 2), (0, 6, 0)])
def test_one_unit_kinks_against_brute_force(seed: int, n: int, kinks: int) -> None:
    """L = 1, d = 1: the census's points on rays are exactly the Clarke-critical points that
    the closed form finds on every ray, and its kinks exactly those with a descent (the
    seeds are chosen to hold kinks; how many is the brute force's count, pinned so that
    the test cannot pass vacuously)."""
    problem = _random_problem(seed, n, 1, hidden=1)
    result = solve(problem, face_timeout=None, census=True)
    assert result.complete and result.critical_points is not None
    census = {
        (c.face[0].signs, round(c.loss, 7), c.kind == "kink")
        for c in result.critical_points
        if c.face[0].kind not in ("chamber", "origin")
    }
    brute = _ray_points(problem)
    assert census == brute
    assert sum(kink for *_, kink in brute) == kinks

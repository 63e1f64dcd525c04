"""Degenerate data are answered exactly (issue 10): each case against an independent
computation (a closed form, a dense grid of the reduced loss for L = 1, or a multistart
numerical search), never against the enumeration itself."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from scipy.optimize import minimize

from reluscape.data import Problem, make_problem
from reluscape.exact.projection import reduced_loss_exact
from reluscape.execution.pipeline import solve
from reluscape.numerical.loss import reduced_loss
from reluscape.numerical.search import multistart, probe_minimum
from reluscape.schema import Minimum, Result

Y4 = ["1", "0", "3", "2"]  # yt = (-1/2, -3/2, 3/2, 1/2), 1/2 |yt|^2 = 5/2


def _solve(problem: Problem) -> Result:
    result = solve(problem, face_timeout=None)
    assert result.complete, (result.undecided, result.stats["faces_undecided"])
    assert all(m.is_global is not None for m in result.minima)
    return result


def _half_yt2(problem: Problem) -> Fraction:
    return sum((v * v for v in problem.yt), Fraction(0)) / 2


def _psi_exact(m: Minimum, problem: Problem) -> list[list[Fraction]]:
    """theta_l = sum_j t{l}_{j} K_j from the rational approximation of the point."""
    rational = m.point.rational or {}
    psi = []
    for u, face in enumerate(m.face):
        theta = [Fraction(0)] * (problem.d + 1)
        for j, row in enumerate(face.basis):
            t = rational[f"t{u}_{j}"]
            theta = [v + t * b for v, b in zip(theta, row, strict=True)]
        psi.append(theta)
    return psi


def _assert_only_origin(result: Result, problem: Problem) -> None:
    """psi = 0 is the one local minimum, with loss 1/2 |yt|^2 exactly."""
    assert len(result.minima) == 1
    m = result.minima[0]
    assert m.dimension == 0 and m.is_global is True
    assert all(f.kind == "origin" for f in m.face)
    assert m.loss_interval == (_half_yt2(problem), _half_yt2(problem))
    assert m.point.a == (0.0,) * problem.hidden


def _assert_losses_exact(result: Result, problem: Problem) -> None:
    """The exact reduced loss at each minimum's rational point (2^-128 from the point)
    lies within a relative 1e-20 of its certified interval."""
    for m in result.minima:
        r = reduced_loss_exact(problem, _psi_exact(m, problem))
        lo, hi = m.loss_interval
        slack = Fraction(1, 10**20) * max(abs(lo), Fraction(1))
        assert lo - slack <= r <= hi + slack, (r, m.loss_interval)


def _assert_multistart_agrees(result: Result, problem: Problem, starts: int = 60) -> None:
    """Every local minimum a numerical search converges to has the loss of a reported
    minimum, and the lowest of them is the reported global minimum."""
    losses = [float(sum(m.loss_interval) / 2) for m in result.minima]
    runs = [r for r in multistart(problem, starts=starts, seed=3) if r.is_local_min]
    assert runs
    for run in runs:
        assert min(abs(run.loss - v) for v in losses) < 1e-6, (run.loss, losses)
    best = min(losses)
    assert min(r.loss for r in runs) == pytest.approx(best, abs=1e-8)
    assert [m.is_global for m in result.minima] == [v == best for v in losses]


# --- closed forms -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("X", "hidden"),
    [([[1]] * 4, 1), ([[1]] * 4, 2), ([[1, 2]] * 4, 1), ([[1, 2]] * 4, 2)],
)
def test_all_x_equal_has_only_the_origin(X: list, hidden: int) -> None:
    """All x equal: Omega_il = ReLU(theta_l . xt) is one value c_l for every i, so
    Omega^T yt = c sum_i yt_i = 0, a_hat = 0 and r(psi) = 1/2 |yt|^2 + lambda/2 |psi|^2:
    psi = 0 is the unique local minimum, with loss 1/2 |yt|^2 = 5/2."""
    problem = make_problem(X, Y4, hidden=hidden, lam="1/10")
    rng = np.random.default_rng(0)
    for _ in range(5):  # the closed form, checked at random rational points
        psi = [[Fraction(int(v), 7) for v in rng.integers(-9, 10, problem.d + 1)]] * hidden
        norm2 = sum(v * v for row in psi for v in row)
        assert reduced_loss_exact(problem, psi) == Fraction(5, 2) + problem.lam * norm2 / 2
    _assert_only_origin(_solve(problem), problem)


@pytest.mark.parametrize("hidden", [1, 2])
def test_constant_y_has_only_the_origin_with_loss_zero(hidden: int) -> None:
    """yt = 0: r(psi) = lambda/2 |psi|^2, so psi = 0 is the unique minimum, loss 0."""
    problem = make_problem([[-1], [0], [2]], ["3/2"] * 3, hidden=hidden, lam="1/10")
    result = _solve(problem)
    _assert_only_origin(result, problem)
    assert result.minima[0].loss_interval == (0, 0)


@pytest.mark.slow
def test_huge_lambda_has_only_the_origin() -> None:
    """lambda = 1e400: a critical point with theta != 0 has lambda theta =
    a sum_{i in A} e_i xt_i and |a| = |theta|, so lambda <= |e| ||Xt||_F <= |yt| ||Xt||_F;
    with lambda^2 > |yt|^2 ||Xt||_F^2 only psi = 0 is critical, loss 1/2 |yt|^2."""
    problem = make_problem([[1], [2], [-1], [3]], Y4, hidden=1, lam="1e400")
    xt2 = sum((v * v for row in problem.xt for v in row), Fraction(0))
    assert problem.lam_sum**2 > 2 * _half_yt2(problem) * xt2
    _assert_only_origin(_solve(problem), problem)


@pytest.mark.parametrize("X", [[[1, 2]] * 4, [[0, 1], [1, 2], [2, 3], [3, 4]]])
def test_naive_division_agrees_on_degenerate_data(X: list) -> None:
    """The paper's pieces (flats times patterns) and the arrangement's faces, both taken
    in W, give the same minima."""
    problem = make_problem(X, Y4, hidden=1, lam="1/10")
    a = _solve(problem)
    b = solve(problem, partitions="naive", face_timeout=None)
    assert b.complete
    assert [m.loss_interval for m in a.minima] == [m.loss_interval for m in b.minima]


# --- numerical search for L = 2 -----------------------------------------------------------


@pytest.mark.slow
def test_x_on_one_affine_hyperplane() -> None:
    """d = 2, x_2 = x_1 + 1: the minima lie in W = span(xt_i) and agree with multistart."""
    X = [[0, 1], [1, 2], [2, 3], [3, 4]]
    problem = make_problem(X, Y4, hidden=2, lam="1/10")
    result = _solve(problem)
    lineality = (1, -1, 1)  # theta . xt_i = 0 for every i
    for m in result.minima:
        rows = [row for f in m.face for row in f.basis]
        assert all(sum(b * v for b, v in zip(row, lineality, strict=True)) == 0 for row in rows)
    _assert_losses_exact(result, problem)
    _assert_multistart_agrees(result, problem)


def test_two_samples() -> None:
    problem = make_problem([[0], [1]], ["1", "0"], hidden=2, lam="1/10")
    result = _solve(problem)
    _assert_losses_exact(result, problem)
    _assert_multistart_agrees(result, problem)


def test_duplicated_rows() -> None:
    problem = make_problem([[0], [1], [1], [2]], ["1", "0", "0", "2"], hidden=2, lam="1/10")
    result = _solve(problem)
    _assert_losses_exact(result, problem)
    _assert_multistart_agrees(result, problem)


# --- extreme magnitudes, L = 1: a dense grid of the rescaled reduced loss -----------------


def _grid_minimum(problem: Problem, sx: Fraction, sy: Fraction) -> tuple[float, float]:
    """min of r / sy^2 over a grid, and the best grid point refined by Nelder-Mead.

    For L = 1, d = 1, with x_i = sx x'_i, b = beta / sx and theta, a scaled by sqrt(sy)
    (ReLU is positively homogeneous, so the fit scales by sy and the loss by sy^2):

        r / sy^2 = 1/2 |yt'|^2 - 1/2 (Omega . yt')^2 / (|Omega|^2 + lam')
                   + lam'/2 (beta^2 / sx^2 + c^2),

    with Omega_i = ReLU(beta x'_i + c), yt' = yt / sy, lam' = lambda / sy: of order 1 in
    these coordinates, exact rationals rounded to floats once.
    """
    x = np.array([float(row[0] / sx) for row in problem.X])
    yt = np.array([float(v / sy) for v in problem.yt])
    lam = float(problem.lam_sum / sy)
    slope_pen = float(min(problem.lam_sum / sy / (sx * sx), Fraction(10**300)))

    def loss(beta: np.ndarray, c: np.ndarray) -> np.ndarray:
        om = np.maximum(beta[..., None] * x + c[..., None], 0.0)
        denom = np.sum(om * om, axis=-1) + lam
        # With lam' rounded to 0 (lambda = 1e-400) Omega = 0 gives 0 / 0: the fit is 0.
        fit = np.where(denom > 0, (om @ yt) ** 2 / np.where(denom > 0, denom, 1.0), 0.0)
        pen = np.where(beta == 0, 0.0, slope_pen * beta * beta) + lam * c * c
        return 0.5 * yt @ yt - 0.5 * fit + 0.5 * pen

    axis = np.linspace(-4, 4, 801)
    beta, c = np.meshgrid(axis, axis)
    values = loss(beta, c)
    k = np.unravel_index(np.argmin(values), values.shape)
    best = minimize(
        lambda v: float(loss(np.array(v[0]), np.array(v[1]))),
        [beta[k], c[k]],
        method="Nelder-Mead",
        options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 4000},
    )
    return float(values.min()), float(best.fun)


MAGNITUDES = {
    "x 1e-200": (["1e-200", "2e-200", "-1e-200", "3e-200"], Y4, "1/10", "1e-200", "1"),
    "x 1e200": (["1e200", "2e200", "-1e200", "3e200"], Y4, "1/10", "1e200", "1"),
    "y 1e200": (["1", "2", "-1", "3"], ["1e200", "0", "3e200", "2e200"], "1/10", "1", "1e200"),
    "y 1e-200": (["1", "2", "-1", "3"], ["1e-200", "0", "3e-200", "2e-200"], "1/10", "1", "1e-200"),
    "lambda 1e-400": (["1", "2", "-1", "3"], Y4, "1e-400", "1", "1"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(MAGNITUDES))
def test_extreme_magnitudes(case: str) -> None:
    """Complete, and the global minimum agrees with a dense grid of the rescaled loss
    (nothing on the grid is lower; refined, the grid reaches it); every loss matches the
    exact reduced loss at its rational point."""
    xs, ys, lam, sx, sy = MAGNITUDES[case]
    problem = make_problem([[v] for v in xs], ys, hidden=1, lam=lam)
    result = _solve(problem)
    _assert_losses_exact(result, problem)
    scale = Fraction(sy) ** 2
    best = min(sum(m.loss_interval) / 2 for m in result.minima) / scale
    grid, refined = _grid_minimum(problem, Fraction(sx), Fraction(sy))
    assert grid >= float(best) - 1e-9 * max(1.0, abs(float(best)))
    assert refined == pytest.approx(float(best), rel=1e-7, abs=1e-9)
    for m in result.minima:
        assert m.loss is None or np.isfinite(m.loss)
        assert all(v is None or np.isfinite(v) for v in (*m.point.a, *m.point.c))


# --- a zero Farkas multiplier (issue 10, point 9) ---------------------------------------


def test_copositivity_against_the_simplex() -> None:
    """The KKT-support test agrees with the minimum of lam^T M lam over a fine grid of
    the simplex, for random symmetric 3 x 3 matrices (rational, so signs are exact)."""
    from sage.all__sagemath_singular import matrix

    from reluscape.exact import algebra
    from reluscape.exact.verification import copositivity

    R = algebra.ring(["z"])
    point = algebra.real_solutions([R("z - 1")])[0]
    steps = 60
    grid = (
        np.array(
            [(i, j, steps - i - j) for i in range(steps + 1) for j in range(steps + 1 - i)], float
        )
        / steps
    )
    rng = np.random.default_rng(5)
    seen = set()
    for _ in range(40):
        A = rng.integers(-3, 4, (3, 3))
        A = A + A.T + np.diag(rng.integers(0, 4, 3))
        got = copositivity(point, matrix(R, A.tolist()))
        low = float(np.min(np.einsum("ki,ij,kj->k", grid, A, grid)))
        if low < -1e-12:
            assert got == -1, A
        else:
            assert got >= 0, A
        seen.add(got)
    assert seen >= {-1, 1}


@pytest.mark.parametrize(
    ("xs", "ys"),
    [
        ([-1, 2, 1, 0], ["-3/5", "-4/5", "3/5", "0"]),
        ([-1, 0, 2, -2], ["-1/5", "-1/5", "2/5", "-4/5"]),
    ],
)
def test_zero_multiplier_one_unit(xs: list, ys: list) -> None:
    """L = 1 on x in halves: a minimum on a ray with a zero multiplier, accepted by the
    critical-cone test; around it the reduced loss grows on circles of radius 1e-2 ..
    1e-4 (all directions, into both adjacent chambers), quadratically as the test says,
    and the global minimum agrees with a dense grid of r."""
    problem = make_problem([[Fraction(x, 2)] for x in xs], ys, hidden=1, lam="1/10")
    result = _solve(problem)
    decided = [m for m in result.minima if "zero multiplier" in m.verdict.detail]
    assert decided
    for m in decided:
        psi = np.array([[m.point.B[0][0], m.point.c[0]]])
        r0 = reduced_loss(problem, psi)
        angles = np.linspace(0, 2 * np.pi, 4001)
        rises = []
        for radius in (1e-2, 1e-3, 1e-4):
            ring = psi + radius * np.column_stack([np.cos(angles), np.sin(angles)])[:, None, :]
            rises.append(min(reduced_loss(problem, q) for q in ring) - r0)
        assert all(v > 0 for v in rises), rises
        assert rises[1] / rises[0] == pytest.approx(1e-2, rel=0.2)  # quadratic growth
    _assert_losses_exact(result, problem)
    grid, refined = _grid_minimum(problem, Fraction(1), Fraction(1))
    best = float(min(sum(m.loss_interval) / 2 for m in result.minima))
    assert grid >= best - 1e-9 and refined == pytest.approx(best, abs=1e-9)


@pytest.mark.slow
def test_zero_multiplier_is_decided() -> None:
    """The first four rows of the built-in example (L = 2, lambda = 1/10) hold critical
    points where a zero multiplier leaves the first-order test open: the run is complete,
    and its minima are those a multistart search converges to."""
    from reluscape.data import example_path, load_problem

    problem = load_problem(example_path(), hidden=2, lam="1/10")
    problem = make_problem(
        [list(row) for row in problem.X[:4]], list(problem.y[:4]), hidden=2, lam="1/10"
    )
    result = _solve(problem)
    decided = [m for m in result.minima if "zero multiplier" in m.verdict.detail]
    assert decided  # the critical-cone test decided at least one minimum here
    for m in decided:
        psi = np.column_stack([np.array(m.point.B, float), np.array(m.point.c, float)])
        assert probe_minimum(problem, psi).passed
    _assert_losses_exact(result, problem)
    _assert_multistart_agrees(result, problem, starts=80)


# --- incomplete runs (issue 10, point 3) ---------------------------------------------------


def test_an_incomplete_run_marks_no_minimum_global() -> None:
    """With the face holding the global minimum lost, the other minima are listed but
    none is marked global (is_global None); complete, the lowest is global."""
    from reluscape.exact.arrangement import orbit_representatives, pieces
    from reluscape.exact.merge import FaceRecord, assemble, process_face

    problem = make_problem([[-1], [0], [1]], ["1", "-1", "1/2"], hidden=1, lam="1/10")
    n_pieces = len(pieces(problem, "realizable"))
    records = [
        process_face(problem, "realizable", product)
        for product in orbit_representatives(n_pieces, problem.hidden)
    ]
    complete = assemble(problem, "realizable", n_pieces, records, 0.0, 0.0)
    assert complete.complete and len(complete.minima) >= 2
    lows = [m.loss_interval[0] for m in complete.minima]
    assert [m.is_global for m in complete.minima] == [v == min(lows) for v in lows]
    best = next(r for r in records if any(m.is_global for m in r.minima))
    lost = FaceRecord(product=best.product, faces=best.faces, failure="face timed out")
    partial = assemble(
        problem, "realizable", n_pieces, [lost if r is best else r for r in records], 0.0, 0.0
    )
    assert not partial.complete
    assert len(partial.minima) == len(complete.minima) - len(best.minima)
    assert partial.minima and all(m.is_global is None for m in partial.minima)

"""Float piece programs: the direct CLARABEL call against cvxpy, supports against brute force."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from scipy.optimize import nnls

from reluscape.data import make_problem
from reluscape.exact.arrangement import unit_arrangement
from reluscape.exact.certificate import Direction, piece_bound
from reluscape.numerical.convex import PiecePrograms, bound_from_support
from reluscape.numerical.loss import float_data, full_loss


def _programs(d: int, n: int = 7, seed: int = 0, hidden: int = 2):
    rng = np.random.default_rng(seed)
    X = [[str(round(v, 2)) for v in row] for row in rng.normal(size=(n, d))]
    y = [str(round(v, 2)) for v in rng.normal(size=n)]
    problem = make_problem(X, y, hidden=hidden, lam="1/2")
    pairs = [(c.signs, e) for c in unit_arrangement(problem).chambers for e in (1, -1)]
    return problem, PiecePrograms(problem, pairs), rng


@pytest.mark.parametrize("d", [1, 2])
def test_direct_call_agrees_with_cvxpy(d: int) -> None:
    _, programs, rng = _programs(d)
    for _ in range(6):
        piece = [int(c) for c in rng.integers(len(programs.active), size=2)]
        direct, reference = programs.solve(piece), programs.solve_cvxpy(piece)
        assert direct.ok and reference.ok
        assert direct.value == pytest.approx(reference.value, rel=1e-6, abs=1e-8)
        # feasibility of the direct solution in every cone
        for u, c in enumerate(piece):
            g = programs.cone[c][:, None] * programs.xt
            assert (g @ direct.w[u]).min() >= -1e-7


@pytest.mark.parametrize("d", [1, 2])
def test_support_is_the_projection_onto_the_cone(d: int) -> None:
    """rho_c(v) against NNLS over every row, and against sampled unit vectors of the cone."""
    _, programs, rng = _programs(d, seed=1)
    v = rng.normal(size=len(programs.yt))
    for c in range(len(programs.active)):
        rho, mu = programs.support(v, c)
        g = (programs.active[c] * v) @ programs.xt
        rows = programs.cone[c][:, None] * programs.xt
        assert rho == pytest.approx(nnls(rows.T, -g)[1], abs=1e-9)
        assert all(m >= 0 for m in mu.values())
        assert np.linalg.norm(g + sum(m * rows[i] for i, m in mu.items())) == pytest.approx(
            rho, abs=1e-9
        )
        samples = rng.normal(size=(4000, programs.width))
        samples /= np.linalg.norm(samples, axis=1)[:, None]
        inside = samples[(samples @ rows.T).min(axis=1) >= 0]
        if len(inside):
            assert (inside @ g).max() <= rho + 1e-9


@pytest.mark.parametrize("d", [1, 2])
def test_vectorized_supports_match_the_nnls_of_each_pair(d: int) -> None:
    _, programs, rng = _programs(d, n=9, seed=4)
    for _ in range(5):
        v = rng.normal(size=len(programs.yt))
        each = [programs.support(v, c)[0] for c in range(len(programs.active))]
        assert programs.supports(v) == pytest.approx(each, abs=1e-9)


def test_lift_is_balanced_and_has_the_program_value() -> None:
    """At the lifted point with a_l = e_l sqrt|w_l|, the network loss equals F(w)."""
    problem, programs, rng = _programs(1, seed=2)
    xt = float_data(problem)[0]
    for _ in range(5):
        piece = [int(c) for c in rng.integers(len(programs.active), size=2)]
        sol = programs.solve(piece)
        psi = programs.lift(piece, sol.w)
        a = programs.sign[piece] * np.sqrt(np.linalg.norm(sol.w, axis=1))
        for u, c in enumerate(piece):  # theta_l lies in its closed chamber
            assert ((programs.cone[c] * programs.sign[c]) * (xt @ psi[u])).min() >= -1e-9
        assert full_loss(problem, a, psi) == pytest.approx(sol.value, rel=1e-9)


def test_float_bound_matches_the_exact_one() -> None:
    rho = np.array([0.0, 0.5, 2.0, 7.0])
    got = bound_from_support(3.0, 2.0, 1.5, rho)
    want = [float(piece_bound(Fraction(3), Fraction(2), Fraction(3, 2), Fraction(r))) for r in rho]
    assert got == pytest.approx(want)
    assert (bound_from_support(-1.0, 2.0, 1.5, rho) == 0).all()


def _chamber_programs(problem):
    """Every chamber of one unit's arrangement with either sign, and their piece programs."""
    arr = unit_arrangement(problem)
    pairs = [(c, e) for c in arr.chambers for e in (1, -1)]
    return pairs, PiecePrograms.of_signs(
        problem,
        arr.matrix[[c.index for c, _ in pairs]],
        np.array([e for _, e in pairs], dtype=float),
        [arr.chamber_facets[c.index] for c, _ in pairs],
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_closed_form_supports_agree_with_nnls_on_the_arrangements_facets(seed: int) -> None:
    """supports() with the arrangement's exact facets (d = 2: the closed form over facets
    and edges; d = 1: the planar one) against NNLS over every distinct row of each cone,
    on data with repeated coordinates (collinear triples, shared x)."""
    rng = np.random.default_rng(seed)
    for d in (1, 2):
        X = [[str(v) for v in row] for row in rng.integers(-3, 4, size=(10, d)) / 2]
        y = [str(round(v, 2)) for v in rng.normal(size=10)]
        problem = make_problem(X, y, hidden=2, lam="1/2")
        _, programs = _chamber_programs(problem)
        assert programs._spatial if d == 2 else programs._planar is not None
        for _ in range(4):
            v = rng.normal(size=len(programs.yt))
            for c, rho in enumerate(programs.supports(v)):
                g = (programs.active[c] * v) @ programs.xt
                rows = programs.cone[c][:, None] * programs.xt
                assert rho == pytest.approx(nnls(rows.T, -g)[1], abs=1e-9)


@pytest.mark.parametrize("scale", [1, 10**6])
def test_certified_supports_bound_the_exact_norm_at_their_multipliers(scale: int) -> None:
    """certified_supports' q, as a rational, is >= |M^T v + G^T mu| computed exactly
    (Direction.norm2) at the multipliers it chose, for rational v on the 2^-48 grid and
    data with denominators that floats do not hold (sevenths), d = 1 and d = 2, values
    up to 10^6; and it is at most a little above the NNLS support (tight enough to help)."""
    rng = np.random.default_rng(scale)
    for d in (1, 2):
        X = [[f"{int(v)}/7" for v in row] for row in rng.integers(-9 * scale, 9 * scale, (12, d))]
        y = [str(round(v, 2)) for v in rng.normal(size=12)]
        problem = make_problem(X, y, hidden=2, lam="1/2")
        pairs, programs = _chamber_programs(problem)
        for _ in range(3):
            v = [Fraction(round(x * 2**48), 2**48) for x in rng.normal(size=12) * 3]
            v_f = np.array([float(x) for x in v])
            direction = Direction(problem, v)
            every = programs.certified_supports(v_f)
            for c, (chamber, e) in enumerate(pairs):
                q, mu = programs.certified_support(v_f, c)
                assert q == every[c] and np.isfinite(q)
                exact = direction.norm2(chamber.signs, e, {i: Fraction(m) for i, m in mu.items()})
                assert Fraction(q) ** 2 >= exact
                assert q <= programs.support(v_f, c)[0] * (1 + 1e-6) + 1e-9 * scale

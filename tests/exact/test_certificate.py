"""Exact dual certificates: the bound is below the objective at every feasible point."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from reluscape.data import make_problem
from reluscape.exact.arrangement import unit_arrangement
from reluscape.exact.certificate import Direction, piece_bound, sqrt_upper, support_threshold


@pytest.mark.parametrize("seed", range(5))
def test_sqrt_upper_is_a_tight_upper_bound(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(50):
        x = Fraction(rng.randint(1, 10**12), rng.randint(1, 10**12))
        q = sqrt_upper(x)
        assert q * q >= x
        lower = q * (1 - Fraction(1, 2**60))
        assert lower * lower < x


def test_sqrt_upper_exact_on_squares_and_refuses_negatives() -> None:
    assert sqrt_upper(Fraction(49, 121)) == Fraction(7, 11)
    assert sqrt_upper(Fraction(0)) == 0
    with pytest.raises(ValueError, match="x >= 0"):
        sqrt_upper(Fraction(-1))


def test_piece_bound_is_the_constrained_maximum() -> None:
    """Against a fine grid of t in [0, lam/q]: the closed form is the maximum."""
    rng = random.Random(3)
    for _ in range(40):
        a = Fraction(rng.randint(-5, 20), rng.randint(1, 5))
        b = Fraction(rng.randint(1, 20), rng.randint(1, 5))
        lam = Fraction(rng.randint(1, 10), rng.randint(1, 10))
        q = Fraction(rng.randint(0, 30), rng.randint(1, 10))
        best = piece_bound(a, b, lam, q)
        top = lam / q if q else 4 * abs(a) / b + 1
        grid = [top * Fraction(k, 400) for k in range(401)]
        values = [t * a - t * t * b / 2 for t in grid]
        assert best >= max(values)
        assert any(best - v <= top * top * b / 400 for v in values)  # attained up to the grid


def _objective(problem, pieces, w):
    """F(w) = 1/2 |yt - sum_l D_l Xt w_l|^2, without the norms (added by the caller)."""
    resid = list(problem.yt)
    for (signs, _), wl in zip(pieces, w, strict=True):
        for i, x in enumerate(problem.xt):
            if signs[i] > 0:
                resid[i] -= sum((a * b for a, b in zip(x, wl, strict=True)), Fraction(0))
    return sum((r * r for r in resid), Fraction(0)) / 2


@pytest.mark.parametrize("d", [1, 2])
def test_weak_duality_at_random_feasible_points(d: int) -> None:
    """For random v, mu >= 0 and random w in the cones: bound <= F(w) (with the exact norm
    |w| bounded below by a rational, so the comparison stays exact)."""
    rng = random.Random(d)
    X = [[Fraction(rng.randint(-9, 9), 4) for _ in range(d)] for _ in range(6)]
    y = [Fraction(rng.randint(-9, 9), 3) for _ in range(6)]
    problem = make_problem(X, y, hidden=2, lam="1/3")
    chambers = unit_arrangement(problem).chambers
    for _ in range(15):
        piece = [(rng.choice(chambers), rng.choice((1, -1))) for _ in range(2)]
        v = [Fraction(rng.randint(-20, 20), 7) for _ in range(problem.n)]
        direction = Direction(problem, v)
        mus = [{i: Fraction(rng.randint(0, 5), 3) for i in range(problem.n)} for _ in piece]
        q = max(
            direction.support_upper(c.signs, e, mu) for (c, e), mu in zip(piece, mus, strict=True)
        )
        bound = direction.bound(q)
        for _ in range(10):
            w = [[e * Fraction(rng.randint(0, 9), 4) * x for x in c.point] for c, e in piece]
            norms = [sum((x * x for x in wl), Fraction(0)) for wl in w]
            # |w_l| >= |w_l|^2 / sqrt_upper(|w_l|^2): a rational lower bound of the norm.
            lam_norms = sum(
                (problem.lam_sum * n2 / sqrt_upper(n2) for n2 in norms if n2), Fraction(0)
            )
            labelled = [(c.signs, e) for c, e in piece]
            assert bound <= _objective(problem, labelled, w) + lam_norms


def test_norm2_matches_the_matrix_formula_and_refuses_negative_mu() -> None:
    problem = make_problem([[0], [1], [3]], [1, 0, 2], hidden=1, lam="1/2")
    v = [Fraction(1, 3), Fraction(-2), Fraction(5, 7)]
    direction = Direction(problem, v)
    signs, e, mu = (1, -1, 1), -1, {1: Fraction(3, 2)}
    g = [Fraction(0), Fraction(0)]
    for i, x in enumerate(problem.xt):
        coef = (v[i] if signs[i] > 0 else 0) + e * signs[i] * mu.get(i, 0)
        g = [gj + coef * xj for gj, xj in zip(g, x, strict=True)]
    assert direction.norm2(signs, e, mu) == g[0] ** 2 + g[1] ** 2
    assert direction.a == sum((a * b for a, b in zip(problem.yt, v, strict=True)), Fraction(0))
    with pytest.raises(ValueError, match=">= 0"):
        direction.norm2(signs, e, {0: Fraction(-1)})
    with pytest.raises(ValueError, match="n = 3"):
        Direction(problem, v[:2])


@pytest.mark.parametrize("seed", range(4))
def test_support_threshold_is_the_edge_of_the_bounds_above_upper(seed: int) -> None:
    """Every q <= q* gives piece_bound > U (checked at q*, below it and at 0); a little
    above q* (1 + 2^-40) the bound is no longer above U unless the whole range is (q* at
    the regime edge), and None exactly when the largest bound a^2 / (2 b) is <= U."""
    rng = random.Random(seed)
    for _ in range(60):
        a = Fraction(rng.randint(1, 10**6), rng.randint(1, 10**3))
        b = Fraction(rng.randint(1, 10**6), rng.randint(1, 10**3))
        lam = Fraction(rng.randint(1, 100), rng.randint(1, 100))
        top = a * a / (2 * b)
        upper = top * Fraction(rng.randint(1, 1200), 1000)
        q = support_threshold(a, b, lam, upper)
        if upper >= top:
            assert q is None
            continue
        assert q is not None and q > 0
        for point in (q, q * Fraction(rng.randint(0, 999), 1000), Fraction(0)):
            assert piece_bound(a, b, lam, point) > upper
        if lam / q < a / b:  # inside the regime where the bound falls with q
            assert piece_bound(a, b, lam, q * (1 + Fraction(1, 2**40))) <= upper

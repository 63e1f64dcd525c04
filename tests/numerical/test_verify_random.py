"""``solve`` then ``verify`` on seeded random data: every run complete, every verify passing.

The data have the shapes on which ``verify`` once refuted correct results (L = 2,
lambda = 1/10, x in multiples of 1/5, y in multiples of 1/10; d = 1 and d = 2): curves of
minima where both units are parallel in one face, and strict minima with a lower curve of
minima about 0.01 away. A correct result must never be refuted (docs/METHOD.md section 8),
so every claimed minimum must pass; the enumeration must be complete, so no face or
candidate may be left undecided.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from reluscape.data import Problem, make_problem
from reluscape.execution.pipeline import solve
from reluscape.numerical.verify import verify_document

SHAPES = [(4, 1), (5, 1), (6, 1), (4, 1), (5, 1), (4, 2)]
"""(n, d) by seed modulo 6: two thirds d = 1 with n = 4 to 6, one sixth d = 2 with n = 4."""
SEEDS = range(30)
"""Seed 12 has a dead unit whose maximum max |e . ReLU(Xt u)| / |u| is lambda exactly (the
end of a curve of minima), decided by convexity (docs/METHOD.md section 6.7)."""


def random_problem(seed: int) -> Problem:
    """Seeded data: x in {-2, -9/5, ..., 2}^d, y in {-1, -9/10, ..., 1}, L = 2, lambda = 1/10."""
    n, d = SHAPES[seed % len(SHAPES)]
    rng = np.random.default_rng(seed)
    X = [[Fraction(int(v), 5) for v in rng.integers(-10, 11, d)] for _ in range(n)]
    y = [Fraction(int(v), 10) for v in rng.integers(-10, 11, n)]
    return make_problem(X, y, hidden=2, lam="1/10")


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_solve_then_verify_passes(seed: int) -> None:
    problem = random_problem(seed)
    result = solve(problem, face_timeout=None, jobs=1)
    assert result.complete, (seed, result.stats.get("faces_undecided"), result.undecided)
    assert result.minima
    # A stationary point with every unit live is a minimum (docs/METHOD.md section 6.7): the
    # second-order tests, an independent route, must never find a descent that the
    # first-order tests missed.
    rejected = result.stats.get("rejected", {})
    assert not [reason for reason in rejected if reason.startswith("second order")], rejected
    report = verify_document(result)
    assert report.passed, (seed, report.table())

"""Invariants of the enumeration and cross-checks against independent numerical search."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from reluscape.data import make_problem
from reluscape.execution.pipeline import solve
from reluscape.numerical.loss import reduced_loss
from reluscape.numerical.search import multistart
from reluscape.numerical.verify import verify_document


def _signature(result):
    return sorted((round(m.loss, 9), m.dimension, m.orbit_size) for m in result.minima)


def _psi(m):
    return np.column_stack([np.array(m.point.B), np.array(m.point.c)])


small_data = st.lists(
    st.tuples(st.integers(-9, 9), st.integers(-9, 9)),
    min_size=3,
    max_size=4,
    unique_by=lambda r: r[0],
)


@pytest.mark.slow  # three pairs of whole solves
@settings(max_examples=3, deadline=None)
@given(small_data, st.randoms(use_true_random=False))
def test_permuting_samples_changes_nothing(rows, rnd):
    X = [[f"{x}/5"] for x, _ in rows]
    y = [f"{v}/4" for _, v in rows]
    order = list(range(len(rows)))
    rnd.shuffle(order)
    a = solve(make_problem(X, y, hidden=2, lam="1/10"), face_timeout=120)
    b = solve(
        make_problem([X[i] for i in order], [y[i] for i in order], hidden=2, lam="1/10"),
        face_timeout=120,
    )
    assert _signature(a) == _signature(b)
    assert sorted(round(m.loss, 9) for m in a.undecided) == sorted(
        round(m.loss, 9) for m in b.undecided
    )


def test_degenerate_origin_is_decided_as_global_minimum():
    # max |yt . ReLU(Xt u)| / |u| = lambda exactly at psi = 0: no second-order test decides
    # it; convexity does (docs/METHOD.md section 6.7), and it is the one minimum, so global,
    # with loss 1/2 |yt|^2 = 1/16.
    problem = make_problem([["0"], ["-1/5"], ["2/5"]], ["1/4", "0", "-1/4"], hidden=2, lam="1/10")
    result = solve(problem, face_timeout=120)
    assert result.complete
    (m,) = result.minima
    assert m.verdict.decided_by == "convexity"
    assert "= lambda exactly" in m.verdict.detail
    assert m.is_global is True
    assert m.loss == pytest.approx(1 / 16)


def test_minima_are_closed_under_unit_permutation():
    problem = make_problem(
        [["-1"], ["-1/2"], ["0"], ["1/2"], ["1"]],
        ["1/5", "7/10", "1/10", "-7/5", "4/5"],
        hidden=2,
        lam="1/10",
    )
    result = solve(problem, face_timeout=120)
    assert result.complete
    for m in result.minima:
        psi = _psi(m)
        for perm in itertools.permutations(range(problem.hidden)):
            assert reduced_loss(problem, psi[list(perm)]) == pytest.approx(m.loss, abs=1e-9)
        units = {tuple(np.round([a, *row], 9)) for a, row in zip(m.point.a, psi, strict=True)}
        if m.dimension == 0:
            assert m.orbit_size == len(units)  # L = 2: two images iff the units differ
        else:
            assert m.orbit_size in (1, 2)


# One seed in the fast tier, the others in the slow one (each seed solves and searches).
@pytest.mark.parametrize(
    "seed", [0, pytest.param(1, marks=pytest.mark.slow), pytest.param(2, marks=pytest.mark.slow)]
)
def test_one_unit_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    xs = rng.choice(np.arange(-10, 11), size=5, replace=False) / 5
    ys = rng.integers(-10, 11, size=5) / 5
    problem = make_problem([[str(x)] for x in xs], [str(v) for v in ys], hidden=1, lam="1/20")
    result = solve(problem, face_timeout=120)
    assert result.complete
    # Brute force: the reduced loss on a polar grid of theta = (w, b), then Nelder-Mead
    # from the 20 best grid points (r is continuous, so this converges to the minimum).
    grid = [
        np.array([r * np.cos(t), r * np.sin(t)])
        for r in np.linspace(0.05, 6, 120)
        for t in np.linspace(0, 2 * np.pi, 360, endpoint=False)
    ]
    values = [reduced_loss(problem, g[None, :]) for g in grid]
    starts = [grid[i] for i in np.argsort(values)[:20]]
    best = min(
        minimize(
            lambda th: reduced_loss(problem, th[None, :]),
            s,
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 4000},
        ).fun
        for s in starts
    )
    best = min(best, reduced_loss(problem, np.zeros((1, 2))))
    global_loss = min(m.loss for m in result.minima)
    assert global_loss == pytest.approx(best, abs=1e-7)


@pytest.mark.parametrize(
    ("X", "hidden"),
    [
        ([["-1"], ["-3/10"], ["1/5"], ["4/5"], ["7/5"]], 2),
        ([["0", "0"], ["1", "0"], ["0", "1"], ["1", "1"], ["1/2", "-1/2"]], 1),
    ],
    ids=["d1_L2", "d2_L1"],
)
@pytest.mark.parametrize("seed", [3, pytest.param(4, marks=pytest.mark.slow)])
def test_multistart_finds_nothing_missing(X, hidden, seed):
    rng = np.random.default_rng(seed)
    y = [str(v) for v in rng.integers(-10, 11, size=len(X)) / 5]
    problem = make_problem(X, y, hidden=hidden, lam="1/10")
    result = solve(problem, face_timeout=120)
    assert result.complete
    found = [m.loss for m in result.minima]
    runs = [
        r
        for r in multistart(problem, starts=30, seed=seed)
        if r.is_local_min and np.linalg.norm(r.psi, axis=1).min() > 1e-3
    ]
    assert runs, "the numerical search found no local minimum at all"
    for r in runs:
        assert min(abs(r.loss - v) for v in found) < 1e-6, (r.loss, found)
    report = verify_document(result.to_dict(), problem)  # the independent re-check
    assert report.passed, [(r.id, [c for c in r.checks if c.ok is False]) for r in report.minima]

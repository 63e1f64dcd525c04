"""Independent numerical search: multistart, activation patterns and the minimum probe."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import minimize

from reluscape.data import Problem, load_problem, make_problem
from reluscape.numerical.loss import a_hat, reduced_loss
from reluscape.numerical.search import (
    NumericalRun,
    adjacent_sign_patterns,
    multistart,
    probe_minimum,
)

D1_N5 = str(Path(__file__).resolve().parents[1] / "data" / "d1_n5.csv")
# tests/data/d1_n5.expected.md (L = 2, lambda = 1/10), found by two independent methods.
D1_N5_MINIMA = (1.0100660036, 1.2535871327, 1.3611571095, 1.4307968944, 1.4843602152, 1.5429438073)


@pytest.fixture(scope="module")
def d1_n5() -> Problem:
    return load_problem(D1_N5, hidden=2, lam="1/10")


@pytest.fixture(scope="module")
def d1_n5_runs(d1_n5: Problem) -> list[NumericalRun]:
    return multistart(d1_n5, starts=100, seed=0)


def xt_array(problem: Problem) -> np.ndarray:
    return np.array([[float(v) for v in row] for row in problem.xt])


def brute_force_one_unit(problem: Problem, *, grid: int = 801) -> float:
    """Global minimum of r for L = 1, d = 1: dense grid over theta = (b, c), then Nelder-Mead.

    Shares no code with reluscape.numerics. For L = 1 the reduced loss has the closed form
    r = 1/2|yt|^2 - 1/2 (o . yt)^2 / (|o|^2 + lambda) + lambda/2 |theta|^2, o = ReLU(X theta);
    a minimiser has r <= r(0) = 1/2|yt|^2, hence lambda/2 |theta|^2 <= 1/2|yt|^2, which bounds
    the grid box.
    """
    x = np.array([float(row[0]) for row in problem.X])
    yt = np.array([float(v) for v in problem.yt])
    lam = float(problem.lam_sum)
    bound = np.sqrt(yt @ yt / lam)
    axis = np.linspace(-bound, bound, grid)
    b, c = np.meshgrid(axis, axis, indexing="ij")
    o = np.maximum(b[..., None] * x + c[..., None], 0.0)
    fit = np.einsum("...i,i->...", o, yt)
    values = (
        0.5 * yt @ yt
        - 0.5 * fit**2 / (np.einsum("...i,...i->...", o, o) + lam)
        + 0.5 * lam * (b**2 + c**2)
    )
    best = np.inf
    for flat in np.argsort(values, axis=None)[:20]:
        i, j = np.unravel_index(flat, values.shape)
        res = minimize(
            lambda t: reduced_loss(problem, t.reshape(1, 2)),
            np.array([axis[i], axis[j]]),
            method="Nelder-Mead",
            options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 20000},
        )
        best = min(best, float(res.fun))
    return best


@pytest.mark.parametrize(
    "problem",
    [
        load_problem(D1_N5, hidden=1, lam="1/10"),
        make_problem([[0], [1], [2], [3]], [1, 0, 2, 5], hidden=1, lam="1/2"),
        make_problem([[-2], [-1], [1], [3]], [3, 0, 1, 0], hidden=1, lam="1/20", convention="mean"),
    ],
    ids=["d1_n5", "convex", "valley-mean"],
)
def test_multistart_finds_brute_force_global_minimum_for_one_unit(problem: Problem) -> None:
    runs = multistart(problem, starts=20, seed=1)
    best = min(runs, key=lambda run: run.loss)
    assert best.converged
    assert best.is_local_min is True
    assert best.loss == pytest.approx(brute_force_one_unit(problem), abs=1e-6)


def test_d1_n5_local_minima_match_the_reference(d1_n5_runs: list[NumericalRun]) -> None:
    minima = [run for run in d1_n5_runs if run.is_local_min]
    # The probe's polish-and-retry leaves few runs unresolved; most must end at a minimum.
    assert len(minima) >= 80
    for run in minima:
        nearest = min(D1_N5_MINIMA, key=lambda ref: abs(ref - run.loss))
        assert abs(nearest - run.loss) < 1e-6, f"start {run.start}: unexpected loss {run.loss}"
    assert any(abs(run.loss - D1_N5_MINIMA[0]) < 1e-6 for run in minima)


def test_d1_n5_runs_are_lifted_and_balanced(d1_n5: Problem, d1_n5_runs: list[NumericalRun]) -> None:
    for run in d1_n5_runs:
        assert run.start == d1_n5_runs.index(run)
        assert run.psi.shape == (2, 2)
        np.testing.assert_allclose(run.a, a_hat(d1_n5, run.psi), rtol=1e-12, atol=1e-14)
        assert run.loss == pytest.approx(reduced_loss(d1_n5, run.psi), rel=1e-14)
        if run.converged:
            assert run.grad_norm <= 1e-6
            # Every critical point satisfies a_l^2 = |theta_l|^2 (docs/METHOD.md section 4b).
            np.testing.assert_allclose(
                np.abs(run.a), np.linalg.norm(run.psi, axis=1), rtol=1e-4, atol=1e-6
            )


def test_global_minimum_sits_exactly_on_a_kink(
    d1_n5: Problem, d1_n5_runs: list[NumericalRun]
) -> None:
    best = min(d1_n5_runs, key=lambda run: run.loss)
    z = np.abs(best.psi @ xt_array(d1_n5).T)
    # Reference: one unit on a ray of its arrangement. The chamber polish must land on it.
    assert np.sum(z < 1e-12) == 1
    assert np.sort(z.ravel())[1] > 1e-2


def test_multistart_is_deterministic_and_prefix_stable(d1_n5: Problem) -> None:
    first = multistart(d1_n5, starts=4, seed=7, probe=False)
    again = multistart(d1_n5, starts=4, seed=7, probe=False)
    longer = multistart(d1_n5, starts=6, seed=7, probe=False)
    other = multistart(d1_n5, starts=4, seed=8, probe=False)
    for u, v, w in zip(first, again, longer, strict=False):
        np.testing.assert_array_equal(u.psi, v.psi)
        np.testing.assert_array_equal(u.psi, w.psi)
        assert u.is_local_min is None
    assert any(not np.array_equal(u.psi, v.psi) for u, v in zip(first, other, strict=True))


def test_multistart_rejects_bad_starts(d1_n5: Problem) -> None:
    with pytest.raises(ValueError, match="starts must be an integer >= 1, got 0"):
        multistart(d1_n5, starts=0)


def test_probe_rejects_psi_zero(d1_n5: Problem) -> None:
    report = probe_minimum(d1_n5, np.zeros((2, 2)))
    assert not report.passed
    assert report.worst_decrease > 1e-7 * 1.554
    # Both units dead: each unit's 5 lines through the origin cut the plane into 10 chambers.
    assert report.patterns_checked == 100


def test_probe_accepts_the_global_minimiser(d1_n5: Problem, d1_n5_runs: list[NumericalRun]) -> None:
    best = min(d1_n5_runs, key=lambda run: run.loss)
    report = probe_minimum(d1_n5, best.psi)
    assert report.passed
    assert report.worst_pattern is None
    assert report.worst_decrease <= 1e-7
    # On a ray: the unit's one tight entry is either side, the other unit is interior.
    assert report.patterns_checked == 2
    swapped = probe_minimum(d1_n5, best.psi[::-1])
    assert swapped.passed


def test_probe_needs_chamber_descent_where_one_unit_is_dead(d1_n5: Problem) -> None:
    """A point the random probe cannot reject: its descent cone has measure zero.

    Unit 2 sits at its best point on the ray through sample x = 0.5, unit 1 is dead. Moving
    unit 1 gains at second order, but only while unit 2 stays on its ray: any random
    direction also moves unit 2 off the kink, which costs at first order.
    """
    xt = xt_array(d1_n5)
    yt = np.array([float(v) for v in d1_n5.yt])
    lam = float(d1_n5.lam_sum)
    u = np.array([-2.0, 1.0]) / np.sqrt(5.0)  # u . (0.5, 1) = 0
    o = np.maximum(xt @ u, 0.0)
    # min over t of r(t u) for one unit: t^2 = (|o . yt| - lambda) / |o|^2.
    t = np.sqrt((abs(o @ yt) - lam) / (o @ o))
    psi = np.array([[0.0, 0.0], t * u])
    assert reduced_loss(d1_n5, psi) == pytest.approx(D1_N5_MINIMA[4], abs=1e-9)
    report = probe_minimum(d1_n5, psi)
    assert not report.passed
    assert report.worst_pattern is not None
    assert report.random_decrease < report.worst_decrease


def test_adjacent_sign_patterns_enumerate_tight_entries(d1_n5: Problem) -> None:
    u = np.array([-2.0, 1.0])  # on the ray through x = 0.5 (sample 4)
    psi = np.array([[1.0, 3.0], u])
    patterns = adjacent_sign_patterns(d1_n5, psi, tol=1e-12)
    assert [p.tolist() for p in patterns] == [
        [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]],
        [[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]],
    ]
    assert len(adjacent_sign_patterns(d1_n5, np.zeros((2, 2)), tol=1e-12)) == 2**10
    realizable = adjacent_sign_patterns(d1_n5, np.zeros((2, 2)), tol=1e-12, realizable=True)
    assert len(realizable) == 100
    assert len({p.tobytes() for p in realizable}) == 100


def test_realizable_patterns_count_chambers_of_a_central_arrangement() -> None:
    # No three points of a parabola are collinear, so the n planes xt_i^perp in R^3 are in
    # general position and cut it into n^2 - n + 2 chambers (Zaslavsky).
    X = [[t, t * t] for t in range(5)]
    problem = make_problem(X, [0, 1, 0, 1, 0], hidden=1, lam=1)
    realizable = adjacent_sign_patterns(problem, np.zeros((1, 3)), realizable=True)
    assert len(realizable) == 5 * 5 - 5 + 2


def test_too_many_tight_entries_is_refused() -> None:
    problem = make_problem([[i] for i in range(13)], list(range(13)), hidden=2, lam=1)
    with pytest.raises(ValueError, match="26 entries are tight"):
        adjacent_sign_patterns(problem, np.zeros((2, 2)))


@pytest.mark.slow
def test_every_d1_n5_reference_minimum_is_found_and_accepted(d1_n5: Problem) -> None:
    runs = multistart(d1_n5, starts=250, seed=3)
    found = {ref for ref in D1_N5_MINIMA for run in runs if abs(run.loss - ref) < 1e-6}
    assert found == set(D1_N5_MINIMA)
    for run in runs:
        if run.is_local_min:
            assert min(abs(run.loss - ref) for ref in D1_N5_MINIMA) < 1e-6


def test_plane_cells_are_the_lp_cells() -> None:
    """The arcs between sorted angles (d = 1) give the same sign assignments as the
    hyperplane-by-hyperplane LP construction, equal rows taking one sign."""
    from reluscape.numerical.search import _interior_direction, _plane_cells, _unit_cells

    rng = np.random.default_rng(5)
    for _ in range(5):
        x = rng.integers(-6, 7, size=9) / 2
        xt = np.column_stack([x, np.ones(len(x))])
        tight = sorted(rng.choice(len(x), size=6, replace=False).tolist())
        found = {tuple(sorted(signs)) for signs, _ in _unit_cells(xt, tight)}
        rows = {}
        for i in tight:
            rows.setdefault(float(x[i]), i)
        cells = [[]]
        for i in rows.values():  # the LP route over the distinct rows
            cells = [[*c, (i, s)] for c in cells for s in (1, 0)
                     if _interior_direction(xt, [*c, (i, s)]) is not None]  # fmt: skip
        expected = {
            tuple(sorted((j, s) for i, s in c for j in tight if x[j] == x[i])) for c in cells
        }
        assert found == expected
        for signs, v in _plane_cells(xt, list(rows.values())):
            assert all((v @ xt[i] > 0) == (s == 1) and abs(v @ xt[i]) > 1e-9 for i, s in signs)


def test_probe_at_the_origin_of_many_samples_is_bounded() -> None:
    """psi = 0 on 300 distinct samples: every unit is on all 300 walls (over 10^5 adjacent
    patterns for two units); the probe descends in a seeded sample of them and still
    finds the descent below lambda_0 and none far above it."""
    from reluscape.numerical.search import MAX_PROBE_PATTERNS

    rng = np.random.default_rng(1)
    x = [[v] for v in sorted(rng.choice(np.arange(-300, 300), 300, replace=False) / 100)]
    y = [float(np.sin(3 * v[0])) for v in x]
    psi = np.zeros((2, 2))
    low = probe_minimum(make_problem(x, y, hidden=2, lam="1/1000"), psi)
    assert not low.passed and low.patterns_checked <= MAX_PROBE_PATTERNS
    high = probe_minimum(make_problem(x, y, hidden=2, lam=10**4), psi)
    assert high.passed

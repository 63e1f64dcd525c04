"""The landscape (reluscape.numerical.landscape): descent from the census's non-minimal
points to the minima, checked by computations that do not use its formulas: the full loss
along each direction in floats, a dense sample of dead-unit directions, and the enumerated
minima themselves."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import neb
import numpy as np
import pytest
from scipy.optimize import minimize

from reluscape.data import example_path, load_problem, make_problem
from reluscape.execution.pipeline import solve
from reluscape.numerical.landscape import connect, descent_directions, disconnectivity
from reluscape.numerical.loss import float_data, full_loss
from reluscape.numerical.verify import verify_document
from reluscape.schema import Result


@pytest.fixture(scope="module")
def example():
    problem = load_problem(example_path(), hidden=2, lam="1/10")
    result = solve(problem, face_timeout=None, census=True)
    return problem, connect(problem, result)


def _point(c) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(c.point.a, float)
    psi = np.column_stack([np.asarray(c.point.B, float), np.asarray(c.point.c, float)])
    return a, psi


def test_every_point_connects_enumerated_minima(example) -> None:
    _, result = example
    ids = {m.id for m in result.minima}
    assert {c.id for c in result.critical_points if c.kind == "minimum"} == ids
    others = [c for c in result.critical_points if c.kind != "minimum"]
    assert others
    for c in others:
        assert c.connects and sum(x.paths for x in c.connects) >= 1, c.id
        for x in c.connects:
            assert x.minimum in ids
            low = next(m for m in result.minima if m.id == x.minimum)
            # A descent ends lower; the set whose closure holds the point has its loss.
            assert (x.barrier > 1e-9) if x.paths else abs(x.barrier) < 1e-9
            assert x.barrier == pytest.approx(c.loss - low.loss)
    assert result.landscape.lost_paths == ()
    assert result.landscape.components == (tuple(sorted(ids)),)
    assert Result.from_json(result.to_json()) == result
    assert "landscape: " in result.summary()


def test_disconnectivity_joins_every_minimum_once(example) -> None:
    _, result = example
    joins = disconnectivity(result)
    assert len(joins) == len(result.minima) - 1
    heights = [h for h, *_ in joins]
    assert heights == sorted(heights)
    merged = frozenset().union(*(a | b for _, _, a, b in joins))
    assert merged == {m.id for m in result.minima}


# "ridges" solves a larger census first (about 10 s): slow tier.
@pytest.mark.parametrize("case", ["example", pytest.param("ridges", marks=pytest.mark.slow)])
def test_directions_lower_the_loss_at_their_rate(case: str, request) -> None:
    """Along (a_m, theta_m) = t (sign, u) of a dead unit the full loss changes by
    rate t^2 + O(t^3); along theta_m + t u off a ridge, by rate t + O(t^2). The example
    has dead-unit points only, the 8-sample set both kinds."""
    problem, result = request.getfixturevalue(case)
    kinds = set()
    for c in result.critical_points:
        if c.kind == "minimum":
            continue
        a, psi = _point(c)
        base = full_loss(problem, a, psi)
        for d in descent_directions(problem, c):
            assert d.rate < 0
            kinds.add(d.dead)
            changes = []
            for t in (1e-2, 1e-3) if d.dead else (1e-5, 1e-6):
                a1, psi1 = a.copy(), psi.copy()
                if d.dead:
                    a1[d.unit], psi1[d.unit] = d.sign * t, t * d.u
                else:
                    psi1[d.unit] = psi[d.unit] + t * d.u
                changes.append((full_loss(problem, a1, psi1) - base) / (t**2 if d.dead else t))
            assert changes[-1] < 0
            assert changes[-1] == pytest.approx(d.rate, rel=0.05, abs=1e-4)
    assert kinds == ({True} if case == "example" else {True, False})


@pytest.mark.parametrize("seed", range(4))
def test_directions_hold_the_steepest_dead_unit_direction(seed: int) -> None:
    """L = 1 at psi = 0: the best of 20,000 random unit directions u (largest
    |yt . ReLU(Xt u)|) is no better than the best listed direction, and refined it is one."""
    rng = np.random.default_rng(seed)
    X = [[str(round(float(v), 1)) for v in row] for row in rng.normal(size=(5, 2))]
    y = [str(round(float(v), 1)) for v in rng.normal(size=5)]
    problem = make_problem(X, y, hidden=1, lam="1/10")
    result = solve(problem, face_timeout=None, census=True)
    # psi = 0 is not a minimum of these data: some unit fits yt better than none.
    origin = next(c for c in result.critical_points if c.face[0].kind == "origin")
    xt, yt, lam = float_data(problem)
    u = rng.normal(size=(20000, xt.shape[1]))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    h = np.maximum(u @ xt.T, 0.0) @ yt
    listed = descent_directions(problem, origin)
    best = max(listed, key=lambda d: -d.rate)
    assert lam - best.rate >= np.max(np.abs(h)) - 1e-9
    # The best sample, refined (Nelder-Mead on the sphere), is one of the listed directions.
    top = minimize(
        lambda v: -abs(np.maximum(xt @ v, 0.0) @ yt) / np.linalg.norm(v),
        u[np.argmax(np.abs(h))],
        method="Nelder-Mead",
        options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 20000},
    ).x
    top /= np.linalg.norm(top)
    assert min(np.linalg.norm(top - d.u) for d in listed) < 1e-4


@pytest.mark.slow
def test_report_draws_the_disconnectivity_graph(example, tmp_path) -> None:
    from reluscape.numerical.report import write_report

    problem, result = example
    index = write_report(result, problem, tmp_path)
    page = index.read_text(encoding="utf-8")
    assert "<h2>Landscape</h2>" in page and 'src="landscape.png"' in page
    assert (tmp_path / "landscape.png").stat().st_size > 1000
    for c in result.critical_points:
        if c.connects:
            assert f"<td>{c.id}</td>" in page


@pytest.mark.slow
def test_verify_rechecks_the_census(example) -> None:
    """Every non-minimal point passes (stationary, a descent at every scale); a minimum
    passed off as a non-minimal point is refuted (no descent)."""
    from dataclasses import replace

    from reluscape.numerical.verify import verify_document
    from reluscape.schema import CriticalPoint

    _, result = example
    report = verify_document(result)
    assert report.passed and len(report.census) == 4
    low = next(c for c in result.critical_points if c.id == 1)
    fake = CriticalPoint(
        **{
            **{k: getattr(low, k) for k in low.__dataclass_fields__},
            "id": 99,
            "kind": "degenerate",
            "index": None,
        }
    )
    tampered = replace(result, critical_points=[*result.critical_points, fake], landscape=None)
    report = verify_document(tampered)
    assert not report.passed
    assert [c.id for c in report.census if not c.passed] == [99]
    assert "census points [99]" in report.verdict()


def test_verify_refutes_a_join_above_its_paths(example) -> None:
    """The first join's critical value (and its point's loss interval) moved to 7, above
    its paths: verify refutes it with the value in the user's convention. The message
    divided by the join's index, which shadowed the convention's divisor (join 0:
    ZeroDivisionError, a traceback instead of a verdict)."""
    _, result = example
    doc = result.to_dict()
    join = doc["landscape"]["joins"][0]
    point = next(p for p in doc["critical_points"] if p["id"] == join["point"])
    join["critical_interval"] = point["loss_interval"] = ["7", "7"]
    report = verify_document(doc)
    assert not report.passed
    expected = "join 0: its paths stay below its point's critical value 7, from which they start"
    assert expected in report.general, report.general


# --------------------------------------------------------------------------- transition states

DATA = Path(__file__).resolve().parent.parent / "data"


def _claimed_barriers(result: Result) -> dict[frozenset[int], Fraction]:
    """The join height of every pair of minima: where their basins first merge."""
    out = {}
    for join in result.landscape.joins:
        for i in join.basins[0]:
            for j in join.basins[1]:
                out[frozenset((i, j))] = join.critical_interval[1]
    return out


def _band_loss(result: Result) -> tuple[neb.Loss, dict[int, np.ndarray]]:
    p = result.problem
    loss = neb.Loss(
        np.array([[float(v) for v in row] for row in p.X]),
        np.array([float(v) for v in p.y]),
        p.hidden,
        float(p.lam_sum),
    )
    points = {
        m.id: loss.pack(
            np.asarray(m.point.a, float), np.asarray(m.point.B, float), np.asarray(m.point.c, float)
        )
        for m in result.minima
    }
    return loss, points


def _assert_no_band_below(result: Result, pairs: list[tuple[int, int]] | None = None) -> None:
    """An independent NEB between the two minima (every unit permutation of one end) never
    stays below their claimed join: a lower path would refute the minimax barrier."""
    claimed = _claimed_barriers(result)
    loss, points = _band_loss(result)
    for i, j in pairs or list(itertools.combinations(sorted(points), 2)):
        height = neb.lowest_band(loss, points[i], points[j], steps=1500)
        join = float(claimed[frozenset((i, j))])
        assert height >= join - 1e-9 * max(1.0, abs(join)), (i, j, height, join)


@pytest.fixture(scope="module")
def ridges():
    problem = load_problem(DATA / "d1_n8.csv", hidden=2, lam="1/10")
    result = solve(problem, face_timeout=None, census=True)
    return problem, connect(problem, result)


def test_transition_states_are_kinks_and_their_paths_reach_their_heights(ridges) -> None:
    """On the 8-sample set of the issue the lowest joins are kinks of index 1 (a unit on a
    ridge across a wall), every join is the minimax barrier, and every stored path's exact
    height equals its join's critical value."""
    _, result = ridges
    graph = result.landscape
    assert graph.lost_paths == () and graph.components == (tuple(m.id for m in result.minima),)
    by_id = {c.id: c for c in result.critical_points}
    states = [c for c in result.critical_points if c.kind == "kink" and c.index == 1]
    assert states and all(c.descent_components == 2 for c in states)
    first = graph.joins[0]
    assert by_id[first.point].kind == "kink" and by_id[first.point].index == 1
    for join in graph.joins:
        assert join.minimax
        lo, hi = join.path_height
        assert lo <= hi
        tol = Fraction(1, 10**9) * max(1, abs(join.critical_interval[1]))
        assert abs(hi - join.critical_interval[1]) <= tol
    assert len(graph.joins) == len(result.minima) - 1
    assert Result.from_json(result.to_json()) == result


def test_no_elastic_band_is_below_the_transition_states(ridges) -> None:
    """The pairs that the kinks join first (the issue's minima 2 and 3 joined at 0.5121 by
    NEB, where the old graph said 0.6123) and a pair joined through a dead-unit point."""
    _, result = ridges
    pairs = [join.minima for join in result.landscape.joins[:3]]
    _assert_no_band_below(result, pairs)


@pytest.mark.slow
def test_verify_refutes_an_edited_path(ridges) -> None:
    """A vertex of a stored path moved by 1/2: the recomputed exact height (and the float
    samples) disagree with the stored one, and verify fails naming the path."""
    _, result = ridges
    doc = result.to_dict()
    point = next(p for p in doc["critical_points"] if p.get("connects") and p["kind"] == "kink")
    conn = next(c for c in point["connects"] if "path" in c)
    middle = conn["path"][len(conn["path"]) // 2]
    middle[0] = str(Fraction(middle[0]) + Fraction(1, 2))
    report = verify_document(doc)
    assert not report.passed
    assert any("path" in line for line in report.general), report.general


@pytest.mark.slow
@pytest.mark.parametrize(
    ("data", "hidden"),
    [("d1_n8.csv", 2), ("d2_n6.csv", 2), ("d1_n5.csv", 3)],
)
def test_no_elastic_band_below_any_join(data: str, hidden: int) -> None:
    """Every pair of minima, d = 1 and d = 2, L = 2 and 3: no NEB path below the join."""
    problem = load_problem(DATA / data, hidden=hidden, lam="1/10")
    result = connect(problem, solve(problem, face_timeout=None, census=True))
    assert result.landscape.lost_paths == ()
    _assert_no_band_below(result)

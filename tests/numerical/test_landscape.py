"""The landscape (reluscape.numerical.landscape): descent from the census's non-minimal
points to the minima, checked by computations that do not use its formulas: the full loss
along each direction in floats, a dense sample of dead-unit directions, and the enumerated
minima themselves."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from reluscape.data import example_path, load_problem, make_problem
from reluscape.execution.pipeline import solve
from reluscape.numerical.landscape import connect, descent_directions, disconnectivity
from reluscape.numerical.loss import float_data, full_loss
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


def test_directions_lower_the_loss_at_their_rate(example) -> None:
    """Along (a_m, theta_m) = t (sign, u) the full loss changes by rate t^2 + O(t^3)."""
    problem, result = example
    for c in result.critical_points:
        if c.kind == "minimum":
            continue
        a, psi = _point(c)
        base = full_loss(problem, a, psi)
        for d in descent_directions(problem, c):
            assert d.rate < 0
            changes = []
            for t in (1e-2, 1e-3):
                a1, psi1 = a.copy(), psi.copy()
                a1[d.unit], psi1[d.unit] = d.sign * t, t * d.u
                changes.append((full_loss(problem, a1, psi1) - base) / t**2)
            assert changes[-1] < 0
            assert changes[-1] == pytest.approx(d.rate, rel=0.05, abs=1e-4)


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
    origin = next(c for c in result.critical_points if c.kind != "minimum")
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

"""End-to-end enumeration against the reference answer and against brute force."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reluscape.data import load_problem, make_problem
from reluscape.execution.pipeline import solve
from reluscape.numerical.search import multistart

DATA = Path(__file__).resolve().parents[1] / "data"
REFERENCE = {  # tests/data/d1_n5.expected.md, L = 2, lambda = 1/10
    (1.0100660036, 0),
    (1.2535871327, 0),
    (1.3611571095, 0),
    (1.4307968944, 1),
    (1.4843602152, 1),
    (1.5429438073, 1),
}


def _pairs(result):
    return {(round(m.loss, 10), m.dimension) for m in result.minima}


@pytest.mark.slow
def test_reference_d1_n5():
    problem = load_problem(DATA / "d1_n5.csv", hidden=2, lam="1/10")
    result = solve(problem, face_timeout=10)
    assert _pairs(result) == REFERENCE
    assert [m.is_global for m in result.minima] == [True] + [False] * 5
    for m in result.minima:
        lo, hi = (float(v) for v in m.loss_interval)
        assert lo <= m.loss <= hi


def test_one_unit_against_multistart():
    problem = make_problem(
        [[-1], [-0.4], [0.3], [0.9]], ["0.5", "-0.2", "0.7", "0.1"], hidden=1, lam="1/20"
    )
    result = solve(problem, face_timeout=60)
    assert result.complete
    # A run ending with a dead unit is probed at radius 1e-3, where the second-order
    # descent at theta = 0 (here max |yt . ReLU(Xt u)| / |u| = 0.125 > lambda) is below
    # the probe's tolerance: numerics cannot judge those points; the exact test does.
    runs = [
        r
        for r in multistart(problem, starts=40, seed=1)
        if r.is_local_min and np.linalg.norm(r.psi, axis=1).min() > 1e-3
    ]
    assert runs
    assert all(m.face[0].kind != "origin" for m in result.minima)
    found = [m.loss for m in result.minima]
    for r in runs:
        assert min(abs(r.loss - v) for v in found) < 1e-6, (r.loss, found)
    assert min(found) == pytest.approx(min(r.loss for r in runs), abs=1e-8)


def test_naive_and_realizable_agree():
    problem = make_problem([[-1], [0], [1]], ["1", "-1", "0.5"], hidden=1, lam="1/10")
    a = solve(problem, partitions="realizable", face_timeout=60)
    b = solve(problem, partitions="naive", face_timeout=60)
    assert a.complete and b.complete
    assert _pairs(a) == _pairs(b)
    assert b.stats["unit_faces"] > a.stats["unit_faces"]


def test_origin_is_local_min_for_large_lambda():
    problem = make_problem([[-1], [0], [1]], ["1", "-1", "0.5"], hidden=1, lam="100")
    result = solve(problem, face_timeout=60)
    assert result.complete
    assert len(result.minima) == 1
    m = result.minima[0]
    assert m.face[0].kind == "origin"
    assert np.allclose(m.point.a, 0)
    assert m.loss == pytest.approx(0.5 * sum(float(v) ** 2 for v in problem.yt))


def test_duplicate_inputs_merge_hyperplanes():
    # x = 0 twice with different y: one hyperplane, and the minima agree with the
    # numerical search on the same data.
    problem = make_problem(
        [["0"], ["0"], ["1/2"], ["-1"]], ["1", "-1/2", "1/5", "3/5"], hidden=1, lam="1/20"
    )
    result = solve(problem, face_timeout=60)
    assert result.complete
    assert result.stats["unit_faces"] == 4 * 3 + 1  # 3 distinct hyperplanes
    found = [m.loss for m in result.minima]
    runs = [
        r
        for r in multistart(problem, starts=30, seed=2)
        if r.is_local_min and np.linalg.norm(r.psi, axis=1).min() > 1e-3
    ]
    assert runs
    for r in runs:
        assert min(abs(r.loss - v) for v in found) < 1e-6
    for m in result.minima:  # duplicate rows share one sign in every face
        for f in m.face:
            assert f.signs[0] == f.signs[1]


def test_a_face_that_fails_in_process_is_reported(monkeypatch) -> None:
    """jobs = 1 without a time limit runs the faces in this process; a face that raises is
    a failure record (the run incomplete), as in a face process, never a traceback."""
    from reluscape.data import make_problem
    from reluscape.execution import dask, pipeline

    problem = make_problem([[0], [1], [2]], ["0", "3", "0"], hidden=1, lam="1/10")
    real = dask.process_face
    first = []

    def fragile(problem, partitions, product, census=False):
        if not first:
            first.append(product)
            raise RuntimeError("boom")
        return real(problem, partitions, product, census=census)

    monkeypatch.setattr(dask, "process_face", fragile)
    result = pipeline.solve(problem, face_timeout=None, jobs=1)
    assert not result.complete
    assert [f["reason"] for f in result.stats["faces_undecided"]] == ["RuntimeError: boom"]
    assert all(m.is_global is None for m in result.minima)


@pytest.mark.parametrize("jobs", [1, 2])
def test_stage_profile_adds_up(jobs):
    """The per-stage profile (reluscape.exact.stages) of a run: every stage reported,
    exclusive times that add up to the faces' measured time (build is timed outside
    enumerate and verify), in the serial run and in face processes alike."""
    from reluscape.exact.stages import STAGES

    problem = make_problem([[0], [1], [2], [4]], [0, 1, 0, 2], hidden=2, lam="1/10")
    stats = solve(problem, jobs=jobs, face_timeout=60 if jobs > 1 else None).stats
    timings = stats["timings"]
    stages = timings["stages"]
    assert tuple(stages) == STAGES and min(stages.values()) >= 0
    measured = timings["enumerate"] + timings["verify"]
    assert stages["solve"] + stages["exclusion"] + stages["sampling"] > 0 and stages["verify"] > 0
    # Up to a millisecond per face between the clocks' start and stop points.
    slack = 1e-3 * stats["orbits"]
    assert abs(sum(stages.values()) - stages["build"] - measured) <= slack

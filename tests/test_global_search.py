"""The certified global minimum against the full enumeration of ``solve``."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from reluscape import global_search as gm
from reluscape.data import load_problem, make_problem
from reluscape.execution.pipeline import solve
from reluscape.schema import Result

DATA = Path(__file__).parent / "data"


def _same_global(problem) -> Result:
    """``global`` and ``solve`` agree: intervals meet, the same minimizers up to permutation."""
    found = gm.global_minimum(problem, face_timeout=None, starts=4)
    reference = solve(problem, face_timeout=None)
    assert reference.complete and found.complete
    g = found.global_minimum
    assert g.certified and not g.uncertified
    want = [m for m in reference.minima if m.is_global]
    for m in want:
        lo, hi = m.loss_interval
        assert g.lower <= hi and lo <= g.upper
    key = lambda m: (m.signs, m.dimension, m.loss_interval)  # noqa: E731
    assert sorted(map(key, found.minima)) == sorted(map(key, want))
    assert all(m.is_global for m in found.minima)
    assert g.pruned + g.solved >= 1 and g.pruned <= g.pieces
    return found


def test_d1_one_unit_agrees_with_solve() -> None:
    _same_global(load_problem(DATA / "d1_n5.csv", hidden=1, lam="1/10"))


@pytest.mark.slow
def test_d1_two_units_agrees_with_solve() -> None:
    _same_global(load_problem(DATA / "d1_n5.csv", hidden=2, lam="1/10"))


@pytest.mark.slow
def test_d2_one_unit_agrees_with_solve() -> None:
    _same_global(load_problem(DATA / "d2_n6.csv", hidden=1, lam="1/10"))


@pytest.mark.slow
def test_seeded_data_with_a_large_lambda_agrees_with_solve() -> None:
    """A regime where units die: the dead-unit faces are in every piece's closure."""
    rng = np.random.default_rng(5)
    X = [[str(round(v, 1))] for v in rng.normal(size=4)]
    y = [str(round(v, 1)) for v in rng.normal(size=4)]
    _same_global(make_problem(X, y, hidden=2, lam="2"))


@pytest.mark.slow
def test_d1_three_units_agrees_with_solve() -> None:
    full = load_problem(DATA / "d1_n5.csv", hidden=3, lam="1/10")
    _same_global(make_problem(full.X[:4], full.y[:4], hidden=3, lam="1/10"))


@pytest.mark.slow
def test_d2_two_units_agrees_with_solve() -> None:
    _same_global(load_problem(DATA / "d2_n6.csv", hidden=2, lam="1/10"))


def test_document_round_trips_and_solve_documents_are_unchanged() -> None:
    problem = load_problem(DATA / "d1_n5.csv", hidden=1, lam="1/10")
    found = gm.global_minimum(problem, face_timeout=None, starts=2)
    again = Result.from_json(found.to_json())
    assert again == found and again.global_minimum == found.global_minimum
    assert "global_minimum" not in solve(problem, face_timeout=None).to_dict()


@pytest.mark.slow
def test_no_multistart_run_goes_below_the_certified_value() -> None:
    from reluscape.numerical.search import multistart

    problem = load_problem(DATA / "d1_n8.csv", hidden=2, lam="1/10")
    found = gm.global_minimum(problem, face_timeout=None, starts=2)
    g = found.global_minimum
    runs = multistart(problem, starts=40, seed=7, probe=False)
    assert min(r.loss for r in runs) >= float(g.lower) - 1e-9
    from reluscape.numerical.compare import convex_bound

    assert convex_bound(problem)["p_star"] <= float(g.upper) + 1e-6


def test_an_incomplete_exact_path_certifies_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A face the exact path cannot finish (here: it raises, in the serial path) is
    recorded undecided as solve records it, not fatal: the run is uncertified, with its
    pieces listed and the value only bracketed."""
    from reluscape.execution import dask

    def failing(problem, partitions, product, census=False):
        raise RuntimeError("stopped for the test")

    problem = load_problem(DATA / "d1_n5.csv", hidden=1, lam="1/10")
    reference = solve(problem, face_timeout=None)
    monkeypatch.setattr(dask, "process_face", failing)
    found = gm.global_minimum(problem, face_timeout=None, starts=2)
    g = found.global_minimum
    assert not g.certified and not found.complete and g.uncertified
    reasons = {f["reason"] for f in found.stats["faces_undecided"]}
    assert reasons == {"RuntimeError: stopped for the test"}
    assert all(m.is_global is None for m in found.minima)
    best = min(m.loss_interval[0] for m in reference.minima if m.is_global)
    assert g.lower <= best + Fraction(1, 10**30) and best <= g.upper + Fraction(1, 10**30)


def test_the_command_writes_the_document_and_prints_the_interval(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from reluscape.cli import main

    out = tmp_path / "g.json"
    argv = ["global", str(DATA / "d1_n5.csv"), "--hidden", "1", "--lam", "1/10",
            "--face-timeout", "0", "--starts", "2", "--quiet"]  # fmt: skip
    assert main([*argv, "--out", str(out)]) == 0
    text = capsys.readouterr().out
    doc = Result.read(out)
    assert doc.global_minimum is not None and doc.global_minimum.certified
    assert "certified" in text and doc.minima[0].signs in text
    argv[5] = "-1"
    assert main(argv) == 2
    assert "lambda" in capsys.readouterr().err


@pytest.mark.slow
def test_one_neuron_data_with_two_units_agrees_with_solve() -> None:
    """y = ReLU(x - 1): the second unit is dead or shares the first one's neuron, so most
    pieces reach the global value and the faces are sorted by the dead-unit test."""
    found = _same_global(make_problem([[0], [1], [2], [3]], [0, 0, 1, 2], hidden=2, lam="1/10"))
    assert found.stats["exact_faces_skipped"] > 0


def _seeded(n: int, d: int, seed: int):
    """Distinct x on a 1/100 grid in [-2, 2]^d; y a kinked function plus noise (1/100 grid)."""
    import random

    rng = random.Random(f"{seed}:{n}:{d}")
    rows: set[tuple[int, ...]] = set()
    while len(rows) < n:
        rows.add(tuple(rng.randint(-200, 200) for _ in range(d)))
    X = [[Fraction(v, 100) for v in r] for r in sorted(rows)]
    y = [Fraction(round(100 * (abs(sum(r)) + rng.gauss(0, 0.3))), 100) for r in X]
    return X, y


@pytest.mark.slow
@pytest.mark.parametrize(("n", "d", "seed"), [(120, 1, 3), (30, 2, 4)])
def test_large_seeded_data_thousand_starts_never_beat_the_certificate(n, d, seed) -> None:
    """Beyond enumeration scale: a thousand L-BFGS-B starts never end below the certified
    lower bound (decided in exact arithmetic at their points), the best of them is within
    reach of the upper bound, and the convex relaxation never exceeds the certified value."""
    from reluscape.numerical.compare import below_certified, convex_bound
    from reluscape.numerical.search import multistart

    X, y = _seeded(n, d, seed)
    problem = make_problem(X, y, hidden=2, lam="1")
    found = gm.global_minimum(problem, jobs=2)
    g = found.global_minimum
    assert g.certified and found.minima and all(m.is_global for m in found.minima)
    runs = multistart(problem, starts=1000, seed=seed, probe=False)
    assert not any(below_certified(problem, r.psi, g.lower) for r in runs)
    assert min(r.loss for r in runs) >= float(g.lower) - 1e-9
    assert convex_bound(problem)["p_star"] <= float(g.upper) + 1e-6


def _stopped_run(tmp_path: Path, extra: list[str]) -> tuple[int, Result]:
    from reluscape.cli import main

    out = tmp_path / "g.json"
    argv = ["global", str(DATA / "d1_n8.csv"), "--hidden", "2", "--lam", "1/10",
            "--face-timeout", "0", "--starts", "2", "--quiet", "--out", str(out)]  # fmt: skip
    code = main([*argv, *extra])
    return code, Result.read(out)


def _brackets_the_global_minimum(found: Result) -> None:
    g = found.global_minimum
    assert g is not None and not g.certified and not found.complete and g.uncertified
    assert found.stats["open_pieces"] >= len(g.uncertified)
    reference = solve(found.problem, face_timeout=None)
    best = min(m.loss_interval[0] for m in reference.minima if m.is_global)
    assert g.lower <= best <= g.upper


def test_a_stopped_search_writes_the_certified_interval_it_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGTERM during the search (issue 31, item 18; before: the process died and left
    nothing): the command writes the interval it has, the pieces left open, exit 1."""
    import os
    import signal
    import time

    def terminated(self, progress, deadline=None, keep=None):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises KeyboardInterrupt here
        raise AssertionError("SIGTERM did not stop the search")

    monkeypatch.setattr(gm._Search, "run", terminated)
    code, found = _stopped_run(tmp_path, [])
    assert code == 1
    assert found.stats["stopped"] == "interrupted"
    assert "the interval above is certified" in capsys.readouterr().err
    _brackets_the_global_minimum(found)


def test_a_search_out_of_time_writes_the_certified_interval_it_has(tmp_path: Path) -> None:
    code, found = _stopped_run(tmp_path, ["--time-limit", "0.001"])
    assert code == 1
    assert found.stats["stopped"].startswith("out of time")
    _brackets_the_global_minimum(found)


def test_a_stopped_run_resumes_from_its_checkpoint(tmp_path: Path) -> None:
    """--checkpoint (issue 31, item 18): a run out of time keeps its search state; the
    rerun with the same directory continues from it (no multistart again) to the same
    certified result as a run in one go, and a third run reuses the exact path's faces."""
    ck = ["--checkpoint", str(tmp_path / "ck")]
    code, stopped = _stopped_run(tmp_path, [*ck, "--time-limit", "0.001"])
    assert code == 1 and stopped.stats["stopped"].startswith("out of time")
    code, resumed = _stopped_run(tmp_path, ck)
    assert code == 0 and resumed.stats["resumed"] and resumed.global_minimum.certified
    code, fresh = _stopped_run(tmp_path, [])
    assert code == 0 and not fresh.stats["resumed"]
    assert [m.signs for m in resumed.minima] == [m.signs for m in fresh.minima]
    assert resumed.global_minimum.lower <= fresh.global_minimum.upper
    assert fresh.global_minimum.lower <= resumed.global_minimum.upper
    faces = sorted((tmp_path / "ck").glob("face-*.json"))
    assert len(faces) == resumed.global_minimum.exact_faces > 0
    stamps = [f.stat().st_mtime_ns for f in faces]
    code, again = _stopped_run(tmp_path, ck)
    assert code == 0 and [f.stat().st_mtime_ns for f in faces] == stamps  # reused
    assert again.minima == resumed.minima


def test_the_least_bound_of_open_pieces_is_the_least_of_their_bounds() -> None:
    """A stopped search's lower bound is the least certified bound of the pieces left open,
    taken over distinct (direction, pair) rather than piece by piece (98 s over 2.5
    million open pieces at L = 3, n = 442): the same Fraction as the least of each
    piece's own bound, on any set of pieces."""
    problem = load_problem(DATA / "d1_n8.csv", hidden=2, lam="1/10")
    arrangement = gm.cached_arrangement(problem)
    search = gm._Search(problem, [(c, e) for c in arrangement.chambers for e in (1, -1)])
    gm._incumbent(search, 4, 0)
    assert search.upper is not None
    _, least = gm._certify(search, search.upper)
    rng = np.random.default_rng(0)
    for size in (1, 5, len(search.combos)):
        chosen = rng.choice(len(search.combos), size=size, replace=False)
        assert least(chosen) == min(least(np.array([i])) for i in chosen)
    assert least(np.array([], dtype=np.int64)) is None


def test_a_direction_bounds_each_piece_by_its_worst_unit() -> None:
    """add_direction keeps, per piece, the best over directions of the least of its pairs'
    bounds (computed column by column): the definition, evaluated piece by piece."""
    from reluscape.numerical.convex import bound_from_support

    problem = load_problem(DATA / "d1_n8.csv", hidden=3, lam="1/10")
    arrangement = gm.cached_arrangement(problem)
    search = gm._Search(problem, [(c, e) for c in arrangement.chambers for e in (1, -1)])
    p = search.programs
    rng = np.random.default_rng(1)
    expected = np.full(len(search.combos), -np.inf)
    for _ in range(3):
        v = rng.normal(size=len(p.yt))
        search.add_direction(v)
        per_pair = bound_from_support(float(p.yt @ v), float(v @ v), p.lam, p.supports(v))
        pieces = np.array([min(per_pair[c] for c in combo) for combo in search.combos])
        expected = np.maximum(expected, pieces)
    assert np.array_equal(search.best, expected)

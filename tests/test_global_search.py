"""The certified global minimum against the full enumeration of ``solve``."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


class _Recording(gm._Search):
    """The search, keeping every set it prunes (the real one only keeps their pairs)."""

    def __init__(self, *args) -> None:
        self.pruned_sets: list = []
        super().__init__(*args)

    def prune(self, node) -> None:
        self.pruned_sets.append(node)
        super().prune(node)


def _searched(name: str, hidden: int, lam: str = "1/10") -> _Recording:
    problem = load_problem(DATA / name, hidden=hidden, lam=lam)
    arrangement = gm.cached_arrangement(problem)
    search = _Recording(problem, [(c, e) for c in arrangement.chambers for e in (1, -1)])
    gm._incumbent(search, 4, 0)
    assert search.run(None)
    return search


def _piece_bounds(search: gm._Search) -> dict[tuple[int, ...], float]:
    """Brute force: every piece's float bound max_k min_{c in piece} b_k(c)."""
    rows = search.bounds[: len(search.directions)]
    every = itertools.combinations_with_replacement(range(len(search.pairs)), search.problem.hidden)
    return {piece: float(rows[:, list(piece)].min(axis=1).max()) for piece in every}


@pytest.mark.parametrize(("name", "hidden"), [("d1_n8.csv", 2), ("d1_n5.csv", 3)])
def test_the_sets_partition_the_pieces_and_leave_open_exactly_the_unbounded(name, hidden) -> None:
    """Against the explicit list of pieces (the search before issue 32): the pruned sets
    and the open leaves partition the multisets of L pairs, the counts add up to
    C(K + L - 1, L), every member of a pruned set has a float bound above the final
    threshold, and the open leaves are exactly the pieces whose bound over all the
    directions is not above it."""
    search = _searched(name, hidden)
    brute = _piece_bounds(search)
    thr = search.threshold()
    seen: list[tuple[int, ...]] = []
    for node in search.pruned_sets:
        members = list(node.pieces())
        assert len(members) == node.size()
        assert all(brute[piece] > thr for piece in members)
        seen += members
    leaves = sorted(node.chosen for node in search.leaves)
    assert not search.heap and leaves == sorted(p for p, b in brute.items() if b <= thr)
    assert sorted(seen + leaves) == sorted(brute)  # disjoint, and every piece
    assert search.pruned + len(leaves) == gm.piece_count(search.problem) == len(brute)


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_a_set_bound_is_at_most_each_member_piece_bound(data) -> None:
    """_set_bounds of (Q, A, r) is below every piece Q + R (R from A) direction by
    direction, on random per-pair bounds."""
    pairs = data.draw(st.integers(1, 7))
    directions = data.draw(st.integers(1, 4))
    rows = np.array(
        data.draw(
            st.lists(st.floats(0, 10), min_size=pairs * directions, max_size=pairs * directions)
        )
    ).reshape(directions, pairs)
    chosen = tuple(sorted(data.draw(st.lists(st.integers(0, pairs - 1), max_size=2))))
    allowed = np.array(data.draw(st.lists(st.booleans(), min_size=pairs, max_size=pairs)))
    rest = data.draw(st.integers(0 if chosen else 1, 2))  # a piece has a pair at least
    drawn = data.draw(st.sets(st.sampled_from(range(pairs))))
    drop = np.array(sorted(drawn & set(np.flatnonzero(allowed).tolist())), dtype=np.int64)
    node = gm._Node(0.0, chosen, allowed, drop, rest, 0, 0)
    assert not node.allowed[drop].any() and node.size() == len(list(node.pieces()))
    per = gm._set_bounds(rows, chosen, node.allowed if rest else None)
    for piece in node.pieces():
        assert np.all(per <= rows[:, list(piece)].min(axis=1))


def test_every_pruning_is_confirmed_by_the_exact_bound_of_each_member() -> None:
    """_certify checks pairs; here each member piece of each pruned set is checked on its
    own, as the explicit search did: the exact bound of its worst pair's q
    (certificate.Direction, pair by pair) exceeds U."""
    from reluscape.exact.certificate import Direction

    search = _searched("d1_n8.csv", 2)
    upper = search.upper
    exact = gm._ExactBounds(search)
    assert gm._certify(search, upper, exact) == ([], None)
    p = search.programs
    for node in search.pruned_sets[:: max(1, len(search.pruned_sets) // 40)]:
        v_q = [gm._rational(x) for x in search.directions[node.k]]
        direction = Direction(search.problem, v_q)
        v_used = np.array([float(x) for x in v_q])
        for piece in itertools.islice(node.pieces(), 20):
            qs = []
            for c in piece:
                chamber, e = search.pairs[c]
                mu = {i: Fraction(m) for i, m in p.support(v_used, c)[1].items()}
                qs.append(direction.support_upper(chamber.signs, e, mu))
            assert direction.bound(max(qs)) > upper


def test_a_stopped_search_bound_is_below_every_open_piece() -> None:
    """The lower end of a stopped search: _open_bound is at most the exact bound of every
    piece left open (each by its own best direction, computed pair by pair)."""
    problem = load_problem(DATA / "d1_n8.csv", hidden=2, lam="1/10")
    arrangement = gm.cached_arrangement(problem)
    search = gm._Search(problem, [(c, e) for c in arrangement.chambers for e in (1, -1)])
    gm._incumbent(search, 4, 0)
    for _ in range(30):  # a few steps of the search, then stop
        search.step()
    exact = gm._ExactBounds(search)
    low = gm._open_bound(search, exact)
    assert low is not None
    members = [piece for node in search.open_sets() for piece in node.pieces()]
    assert members
    rows = search.bounds[: len(search.directions)]
    for piece in members[:: max(1, len(members) // 50)]:
        k = int(rows[:, list(piece)].min(axis=1).argmax())
        assert low <= exact.least(k, np.array(piece))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(-(2**90), 2**90), st.integers(-(2**70), 2**70)),
        min_size=1,
        max_size=40,
    ),
    st.integers(1, 4),
)
def test_active_sums_are_the_python_integer_sums(rows, chambers) -> None:
    """certificate.active_sums (int64 limb products) against sums of Python integers,
    for integers far beyond 64 bits and any 0/1 matrix."""
    from reluscape.exact.certificate import active_sums

    values = [[a, b] for _, a, b in rows]
    rng = np.random.default_rng(len(rows) * chambers)
    active = rng.integers(0, 2, size=(chambers, len(rows)))
    active[0] = [int(on) for on, _, _ in rows]
    want = [[sum(v[j] for v, on in zip(values, row, strict=True) if on) for j in (0, 1)]
            for row in active.tolist()]  # fmt: skip
    assert active_sums(active, values) == want


@pytest.mark.parametrize(("name", "lam"), [("d1_n8.csv", "1/10"), ("d2_n6.csv", "1/10")])
def test_bulk_certificates_agree_with_the_pair_by_pair_bounds(name: str, lam: str) -> None:
    """least_at_most (the float filter below an exact threshold, then exact pairs)
    decides like the exact bounds one by one, at U and at thresholds between the pairs'
    bounds; lower() is at most the least exact bound."""
    problem = load_problem(DATA / name, hidden=2, lam=lam)
    arrangement = gm.cached_arrangement(problem)
    search = gm._Search(problem, [(c, e) for c in arrangement.chambers for e in (1, -1)])
    gm._incumbent(search, 4, 0)
    for _ in range(20):
        search.step()
    exact = gm._ExactBounds(search)
    every = np.arange(len(search.pairs))
    for k in range(len(search.directions)):
        bounds = sorted(exact.least(k, np.array([c])) for c in every)
        low = exact.lower(k, every)
        assert low is not None and low <= bounds[0]
        for upper in (search.upper, bounds[0], bounds[len(bounds) // 2], bounds[-1] + 1):
            got = exact.least_at_most(k, every, upper)
            assert got == (bounds[0] if bounds[0] <= upper else None)
    assert exact.float_certified > 0

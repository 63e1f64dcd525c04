"""The certified global minimum: best-first search over pieces, exact certificates.

docs/METHOD.md section 10. Notation: xt_i = (x_i, 1), yt centered, lambda = ``lam_sum``.

**Pieces.** A chamber C of one unit's arrangement has sign vector sigma in {-1, +1}^n and
closure cl(C) = {theta : sigma_i theta . xt_i >= 0}; on cl(C) ReLU(Xt theta) = D Xt theta
with D = diag[sigma_i = +1]. A *pair* is (C, e) with e in {-1, +1}; a *piece* is a multiset
of L pairs (units are interchangeable). The closed chambers cover R^{d+1}, so the closed
product chambers cover psi-space, and every (a, psi) lies in some piece with
e_l = sign(a_l) (either sign when a_l = 0).

**One piece is one convex program.** With w_l = a_l theta_l, the output is
sum_l a_l ReLU(Xt theta_l) = sum_l D_l Xt w_l, and lambda/2 (a_l^2 + |theta_l|^2) >=
lambda |a_l| |theta_l| = lambda |w_l| with equality iff |a_l| = |theta_l|. Hence

    min { l(a, psi) : psi in cl C_1 x ... x cl C_L, sign a_l = e_l }
        = min { F(w) = 1/2 |yt - sum_l D_l Xt w_l|^2 + lambda sum_l |w_l| : w_l in e_l cl C_l }:

">=" because each (a, psi) maps to a feasible w with F(w) <= l(a, psi); "<=" because a
feasible w maps back to theta_l = e_l w_l / sqrt|w_l|, a_l = e_l sqrt|w_l| (0 if w_l = 0)
with l = F(w). So min l = min over pieces of their programs' values.

**Lower bounds** come from dual directions checked exactly
(:mod:`reluscape.exact.certificate`: weak duality, the bound
yt . v - |v|^2 / 2 when |M_l^T v + G_l^T mu_l| <= lambda, scaled to feasibility). A
direction is any v in Q^n; one direction bounds every piece at once, through one number per
pair, so directions from solved pieces prune many others. **Upper bounds** are exact
reduced losses r(psi) >= min l at rational points (:func:`reluscape.exact.projection.
reduced_loss_exact`): the multistart's best point and the lifted optima of solved pieces.

**Search.** Best-first: repeatedly solve (in floats, :mod:`reluscape.numerical.convex`)
the open piece with the lowest current bound and add its residual as a direction, until
every piece's bound exceeds the incumbent U or the piece was solved. Floats only choose.

**Verdict (exact).** A piece is *pruned* when its certified bound B satisfies B > U (U an
exact upper bound of min l): it contains no global minimizer. Every other piece is
*processed*: the exact path of ``solve`` (:func:`reluscape.exact.merge.process_face`)
runs on every product face in its closure, except faces whose own program (the piece's
with the face's equalities) has a certified bound > U (:func:`_exact_products`). A
global minimizer (a*, psi*) lies in the relative interior of some face F and in the
piece (C, e) for any product chamber C with F in cl C and e = sign(a*) (either sign for
a dead unit); that piece's value, and F's own program's value, are min l <= U, so
neither is set aside, and the exact path finds (a*, psi*) on F as a certified local
minimum. Hence the global minimizers are the lowest certified minima over the processed
faces, and the run is certified when every processed face is complete. Otherwise the
value is bracketed by [min of the certified bounds of the pieces not pruned, U].
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from reluscape.convention import shown, shown_exact
from reluscape.data import Problem
from reluscape.defaults import GLOBAL_FACE_TIMEOUT, GLOBAL_STARTS
from reluscape.exact.arrangement import UnitFace, cached_arrangement, pieces
from reluscape.exact.certificate import Direction, live_unit_excluded
from reluscape.exact.merge import FaceRecord, assemble
from reluscape.exact.projection import reduced_loss_exact
from reluscape.execution.checkpoint import Checkpoint
from reluscape.execution.dask import face_record
from reluscape.execution.executor import run_faces
from reluscape.schema import GlobalMinimum, Result
from reluscape.validation import check_int, check_seed, check_starts, write_output

__all__ = ["global_minimum", "piece_count", "summary"]

# Rationalized directions and points live on this dyadic grid (any grid is sound: the
# checks are exact; a fine one keeps the certified bounds within rounding of the floats).
GRID_BITS = 48
# Float closeness to the incumbent below which a piece is treated as possibly optimal
# (sent to the exact path rather than pruned); the exact check decides in every case.
NEAR = 1e-7
# Open pieces listed in an uncertified result (all are counted in stats["open_pieces"]): a
# stopped search may leave millions.
OPEN_PIECES_LISTED = 1000
# Seconds between two saves of the search's state in a checkpoint.
KEEP_SECONDS = 30.0

log = logging.getLogger("reluscape")


def _rational(x: float) -> Fraction:
    return Fraction(round(float(x) * 2**GRID_BITS), 2**GRID_BITS)


def _pair_label(pair: tuple[UnitFace, int]) -> str:
    chamber, e = pair
    return f"{chamber.label()} e{'+' if e > 0 else '-'}"


class _Search:
    """State of the best-first search over the pieces (float proposals)."""

    def __init__(self, problem: Problem, pairs: list[tuple[UnitFace, int]]) -> None:
        from reluscape.numerical.convex import PiecePrograms

        self.problem = problem
        self.pairs = pairs
        self.programs = PiecePrograms(problem, [(c.signs, e) for c, e in pairs])
        # Filled from the iterator: a list of tuples first would take ten times the memory.
        size = math.comb(len(pairs) + problem.hidden - 1, problem.hidden)
        self.combos = np.fromiter(
            itertools.chain.from_iterable(
                itertools.combinations_with_replacement(range(len(pairs)), problem.hidden)
            ),
            dtype=np.int32,
            count=size * problem.hidden,
        ).reshape(size, problem.hidden)
        self.best = np.full(size, -np.inf)
        self.best_k = np.full(size, -1, dtype=np.int64)
        self.solved = np.zeros(size, dtype=bool)
        self.failed: dict[int, str] = {}
        self.directions: list[np.ndarray] = []
        self.upper: Fraction | None = None

    def add_direction(self, v: np.ndarray) -> None:
        from reluscape.numerical.convex import bound_from_support

        p = self.programs
        rho = p.supports(v)
        per_pair = bound_from_support(float(p.yt @ v), float(v @ v), p.lam, rho)
        # The bound decreases in max_l rho, so a piece's bound is its worst unit's: the
        # minimum taken column by column, in place (a reduction along the short axis of
        # (pieces, L) took 14 s per direction at 46 million pieces, 6 times longer).
        piece = per_pair[self.combos[:, 0]]
        for unit in range(1, self.combos.shape[1]):
            np.minimum(piece, per_pair[self.combos[:, unit]], out=piece)
        better = piece > self.best
        self.best[better] = piece[better]
        self.best_k[better] = len(self.directions)
        self.directions.append(v)

    def offer(self, psi: np.ndarray) -> None:
        """An exact upper bound r(psi) at the rationalized point."""
        value = reduced_loss_exact(self.problem, [[_rational(x) for x in row] for row in psi])
        if self.upper is None or value < self.upper:
            self.upper = value

    def run(
        self,
        progress: Callable[[str], None] | None,
        deadline: float | None = None,
        keep: Callable[[], None] | None = None,
    ) -> bool:
        """Solve open pieces, lowest bound first, until none is open (True) or the
        ``deadline`` (``time.monotonic``) has passed (False); ``keep`` (the checkpoint)
        is called every :data:`KEEP_SECONDS`."""
        p = self.programs
        kept = time.monotonic()
        while True:
            if keep is not None and time.monotonic() - kept > KEEP_SECONDS:
                keep()
                kept = time.monotonic()
            # The multistart incumbent is set before the search starts (global_minimum).
            assert self.upper is not None
            u = float(self.upper)
            open_ = ~self.solved & (self.best <= u + NEAR * max(1.0, abs(u)))
            if not open_.any():
                return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            i = int(np.flatnonzero(open_)[np.argmin(self.best[open_])])
            piece = [int(c) for c in self.combos[i]]
            self.solved[i] = True
            sol = p.solve(piece)
            if not sol.ok:
                self.failed[i] = f"solver status {sol.status}"
                continue
            if sol.value < u:
                self.offer(p.lift(piece, sol.w))
            self.add_direction(p.residual(piece, sol.w))
            if progress is not None and self.solved.sum() % 100 == 0:
                progress(
                    f"solved {int(self.solved.sum())} pieces, "
                    f"{int((self.best > u).sum())} of {len(self.best)} bounded above {u:.10g}"
                )


class _SearchStore:
    """The search's state in a checkpoint directory, beside the exact path's faces
    (:class:`reluscape.execution.checkpoint.Checkpoint`, whose fingerprint it carries):
    the exact upper bound, the dual directions and which pieces were solved. Restoring
    them gives the same bounds (each direction's bounds are recomputed), so a resumed
    search continues where the stopped one was."""

    NAME = "global-search.json"

    def __init__(self, store: Checkpoint) -> None:
        self.path = store.path / self.NAME
        self.fingerprint = store.fingerprint

    def save(self, search: _Search) -> None:
        doc = {
            "fingerprint": self.fingerprint,
            "upper": str(search.upper),
            "directions": [v.tolist() for v in search.directions],
            "solved": np.flatnonzero(search.solved).tolist(),
            "failed": {str(i): reason for i, reason in search.failed.items()},
        }
        write_output(self.path, json.dumps(doc), name="--checkpoint")

    def restore(self, search: _Search) -> bool:
        """Load a saved state into a new search; False (with a warning if a file was
        there) when there is none of this problem."""
        if not self.path.exists():
            return False
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            if doc["fingerprint"] != self.fingerprint:
                raise ValueError("another problem")
            upper = Fraction(doc["upper"])
            directions = [np.array(v, dtype=float) for v in doc["directions"]]
            solved = np.array(doc["solved"], dtype=np.int64)
            failed = {int(i): str(r) for i, r in doc["failed"].items()}
            if any(v.shape != (search.problem.n,) for v in directions) or (
                solved.size and (solved.min() < 0 or solved.max() >= len(search.solved))
            ):
                raise ValueError("sizes differ")
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("search state %s is unusable (%s); the search starts again", self.path, exc)
            return False
        search.upper = upper
        for v in directions:
            search.add_direction(v)
        search.solved[solved] = True
        search.failed.update(failed)
        return True


def _incumbent(search: _Search, starts: int, seed: int) -> None:
    """Multistart's best point as the first exact upper bound, its residual a direction."""
    from reluscape.numerical.loss import a_hat_array, omega_array
    from reluscape.numerical.search import multistart

    runs = multistart(search.problem, starts=starts, seed=seed, probe=False)
    best = min(runs, key=lambda r: r.loss)
    search.offer(best.psi)
    p = search.programs
    om = omega_array(p.xt, best.psi)
    search.add_direction(p.yt - om @ a_hat_array(om, p.yt, p.lam))
    search.add_direction(p.yt.copy())


def _certify(
    search: _Search, upper: Fraction
) -> tuple[np.ndarray, Callable[[np.ndarray], Fraction | None]]:
    """Exact certified bounds from each piece's best direction; which exceed ``upper``.

    A direction's bound of a piece is the smallest of its pairs' bounds (the bound
    decreases in max_l q_l), so each (direction, pair) is checked once. Returns the pruned
    mask and the least certified bound of a set of pieces, by index (None for none)."""
    p = search.programs
    per_pair: dict[tuple[int, int], Fraction] = {}
    pruned = np.zeros(len(search.combos), dtype=bool)
    for k, v in enumerate(search.directions):
        members = np.flatnonzero(search.best_k == k)
        if members.size == 0:
            continue
        v_q = [_rational(x) for x in v]
        direction = Direction(search.problem, v_q)
        v_used = np.array([float(x) for x in v_q])
        used = np.unique(search.combos[members])
        above = np.zeros(len(search.pairs), dtype=bool)
        for c in used:
            chamber, e = search.pairs[c]
            mu = {i: Fraction(m) for i, m in p.support(v_used, int(c))[1].items()}
            per_pair[k, int(c)] = direction.bound(direction.support_upper(chamber.signs, e, mu))
            above[c] = per_pair[k, int(c)] > upper
        pruned[members] = above[search.combos[members]].all(axis=1)

    def least(pieces: np.ndarray) -> Fraction | None:
        # min_i min_{c in piece i} per_pair[k_i, c] is a min over the distinct (k_i, c):
        # a few thousand Fractions compared instead of millions of pieces (a stopped
        # L = 3 search on 442 samples had 2.5 million open: 98 s).
        width = len(search.pairs)
        keys = search.best_k[pieces][:, None] * width + search.combos[pieces]
        distinct = np.unique(keys)
        return min(
            (per_pair[int(key) // width, int(key) % width] for key in distinct), default=None
        )

    return pruned, least


def _exact_products(search: _Search, members: np.ndarray, upper: Fraction) -> tuple[list, int]:
    """Product faces for the exact path: those in the closures of the pieces ``members``
    whose own program on the closed face is not certified above ``upper``.

    A face F in the closure of a piece (C, e) is a closed polyhedral cone per unit; its
    program (the piece's, with the equalities xt_i . w_l = 0 of F's zero sets) is a lower
    bound of l on (F, e) by the same argument as for a piece. If its certified bound
    exceeds ``upper``, no global minimizer has that face and signs; a global minimizer in
    F with signs e still puts F in the list through the piece (C, e), whose face program
    then has value min l <= upper. A face is also set aside when one of its units is off
    the origin (so live at any local minimum there) and the face program's certified dual
    point proves that unit's w_l = 0 at every point within ``upper`` of the optimum
    (:func:`reluscape.exact.certificate.live_unit_excluded`): a global minimizer on it
    would be such a point with w_l != 0. Returns (sorted canonical products, faces set
    aside)."""
    from reluscape.numerical.convex import PiecePrograms

    problem = search.problem
    arrangement = cached_arrangement(problem)
    faces = pieces(problem, "realizable")
    index = {f.signs: f.index for f in faces}
    closures: dict[int, list[int]] = {}
    keys: set[tuple[tuple[int, int], ...]] = set()
    for i in members:
        per_unit = []
        for c in search.combos[i]:
            chamber, e = search.pairs[int(c)]
            if chamber.index not in closures:
                closures[chamber.index] = [
                    index[f.signs] for f in arrangement.closure_faces(chamber)
                ]
            per_unit.append([(f, e) for f in closures[chamber.index]])
        keys.update(tuple(sorted(t)) for t in itertools.product(*per_unit))
    face_pairs = sorted({fe for key in keys for fe in key})
    position = {fe: j for j, fe in enumerate(face_pairs)}
    programs = PiecePrograms(problem, [(faces[f].signs, e) for f, e in face_pairs])
    keep: set[tuple[int, ...]] = set()
    skipped = 0
    for key in sorted(keys):
        product = tuple(sorted(f for f, _ in key))
        if product in keep:
            continue
        piece = [position[fe] for fe in key]
        sol = programs.solve(piece)
        if sol.ok:
            v = programs.residual(piece, sol.w)
            v_q = [_rational(x) for x in v]
            direction = Direction(problem, v_q)
            v_used = np.array([float(x) for x in v_q])
            qs = [
                direction.support_upper(
                    faces[f].signs,
                    e,
                    {i: Fraction(m) for i, m in programs.support(v_used, j)[1].items()},
                )
                for j, (f, e) in zip(piece, key, strict=True)
            ]
            top = max(qs)
            gap = upper - direction.bound(top)
            if gap < 0:
                skipped += 1
                continue
            # A unit off the origin is live at any local minimum on this face (a_l = 0
            # with theta_l != 0 is never one: shrinking theta_l lowers l), so a certified
            # dead unit at every near-optimal point rules the face out too.
            t = direction.scale(top)
            lam = problem.lam_sum
            if any(
                faces[f].kind != "origin"
                and live_unit_excluded(lam, t * q, direction.m_norm2(faces[f].signs), gap)
                for (f, _), q in zip(key, qs, strict=True)
            ):
                skipped += 1
                continue
        keep.add(product)
    return sorted(keep), skipped


def _search(
    search: _Search,
    progress: Callable[[str], None] | None,
    time_limit: float | None,
    state: _SearchStore | None,
) -> str | None:
    """Run the search; why it stopped early (out of time, interrupted), or None. The
    state is kept in the checkpoint now and then, and at the end however it ends."""
    deadline = None if time_limit is None else time.monotonic() + time_limit
    keep = None if state is None else (lambda: state.save(search))
    try:
        finished = search.run(progress, deadline, keep)
    except KeyboardInterrupt:
        return "interrupted"
    finally:
        if keep is not None:
            keep()
    return None if finished else f"out of time ({time_limit:g} s)"


def piece_count(problem: Problem) -> int:
    """The pieces the search ranges over: multisets of L (chamber, sign) pairs,
    C(2 K + L - 1, L) for K chambers of one unit's arrangement. Computed before any
    program is solved (the arrangement of one unit does not depend on L), so a run too
    large for memory is refused at once (:data:`reluscape.defaults.PIECE_LIMIT`).

    >>> from reluscape.data import make_problem
    >>> piece_count(make_problem([[0], [1], [2]], [0, 1, 0], hidden=2, lam=1))
    78
    """
    pairs = 2 * len(cached_arrangement(problem).chambers)
    return math.comb(pairs + problem.hidden - 1, problem.hidden)


def global_minimum(
    problem: Problem,
    *,
    jobs: int = 1,
    face_timeout: float | None = GLOBAL_FACE_TIMEOUT,
    starts: int = GLOBAL_STARTS,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    time_limit: float | None = None,
    checkpoint: str | Path | None = None,
) -> Result:
    """The global minimum of the RR-MSE, certified, with every global minimizer.

    Parameters
    ----------
    problem : Problem
        Data, number of hidden units and ridge parameter.
    jobs : int
        Product faces of the exact path processed at the same time (Dask, as in
        :func:`reluscape.execution.pipeline.solve`).
    face_timeout : float or None
        Seconds per product face of the exact path (default
        :data:`reluscape.defaults.GLOBAL_FACE_TIMEOUT`); a face over it leaves the run
        uncertified. None: no limit (and, with ``jobs=1``,
        no cluster).
    starts, seed : int
        Multistart runs for the first incumbent.
    progress : callable, optional
        Called with one line of text now and then.
    time_limit : float, optional
        Seconds the search over pieces may take. A search out of time, or stopped
        (KeyboardInterrupt: Ctrl-C, or SIGTERM as ``reluscape global`` maps it), ends
        with what it has: the certified interval [least certified bound of the pieces
        not pruned, best exact upper bound] and those pieces left open
        (``stats["stopped"]`` says why); a stop during the exact path leaves its
        unfinished faces undecided. Either way the result is not certified.
    checkpoint : path, optional
        Directory where the search's state and each finished face of the exact path are
        kept (:class:`reluscape.execution.checkpoint.Checkpoint`; faces are shared with
        ``solve`` runs of the same problem); a run with the same directory, after a
        stop, a kill or a time limit, continues where it was.

    Returns
    -------
    Result
        ``global_minimum`` holds the certified interval and the counts; ``minima`` the
        global minimizers (``is_global`` true) when certified, else the lowest minima the
        exact path found (``is_global`` null); ``stats["complete"]`` is the certificate.

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> r = global_minimum(make_problem([[0], [1], [2]], [0, 1, 0], hidden=1, lam="1/10"),
    ...                    face_timeout=None, starts=4)
    >>> g = r.global_minimum
    >>> g.certified, g.lower <= g.upper, [m.signs for m in r.minima]
    (True, True, ['+0-', '-0+'])
    """
    jobs = check_int(jobs, "jobs", min_val=1)
    starts, seed = check_starts(starts), check_seed(seed)
    start = time.perf_counter()
    unit_faces = pieces(problem, "realizable")
    arrangement = cached_arrangement(problem)
    pairs = [(c, e) for c in arrangement.chambers for e in (1, -1)]
    t_divide = time.perf_counter() - start
    store = Checkpoint.open(checkpoint, problem, "realizable") if checkpoint else None
    state = None if store is None else _SearchStore(store)
    search = _Search(problem, pairs)
    resumed = state is not None and state.restore(search)
    if not resumed:
        _incumbent(search, starts, seed)
    t0 = time.perf_counter()
    stopped = _search(search, progress, time_limit, state)
    t_search = time.perf_counter() - t0
    upper = search.upper
    assert upper is not None
    t0 = time.perf_counter()
    pruned, least = _certify(search, upper)
    t_certify = time.perf_counter() - t0
    failed = set(search.failed)
    # A piece not pruned may hold a global minimizer: the exact path covers it.
    rest = np.flatnonzero(~pruned)
    t0 = time.perf_counter()
    # A stopped search has not bounded every piece it could: no exact path then.
    products, faces_skipped = ([], 0) if stopped else _exact_products(search, rest, upper)
    t_select = time.perf_counter() - t0
    records = [] if store is None else [store.records[p] for p in products if p in store.records]
    todo = [p for p in products if store is None or p not in store.records]

    def collect(record: FaceRecord) -> None:
        records.append(record)
        if store is not None:
            store.save(record)

    t0 = time.perf_counter()
    try:
        # The exact path as solve runs it: one executor, every face wrapped the same way.
        run_faces(problem, "realizable", todo, collect, face_timeout=face_timeout, jobs=jobs)
    except KeyboardInterrupt:
        stopped = "stopped during the exact path"
        done = {r.product for r in records}
        records += [
            face_record(problem, "realizable", prod, stopped)
            for prod in todo
            if tuple(prod) not in done
        ]
    t_exact = time.perf_counter() - t0
    exact = assemble(problem, "realizable", len(unit_faces), records, t_divide, start)
    certified = exact.complete and not stopped
    left_open = (
        f"left open: the search was {stopped}" if stopped and not products else None
    )
    uncertified = [
        {
            "piece": " | ".join(_pair_label(pairs[int(c)]) for c in search.combos[i]),
            "reason": left_open
            or (
                f"{search.failed[i]}; its faces are in the exact path, which is incomplete"
                if i in failed
                else "not pruned, and the exact path on its faces is incomplete"
            ),
        }
        for i in rest[:OPEN_PIECES_LISTED]
    ] if not certified else []  # fmt: skip
    lows = [m for m in exact.minima if m.is_global] if certified else exact.minima[:1]
    if certified and lows:
        lower = min(m.loss_interval[0] for m in lows)
        top = min(min(m.loss_interval[1] for m in lows), upper)
    else:
        least_open = least(rest)
        lower = upper if least_open is None else least_open
        top = min([upper, *(m.loss_interval[1] for m in exact.minima)])
        lower = min(lower, top)
    for k, m in enumerate(lows, start=1):
        m.id = k
    stats: dict[str, Any] = {
        "method": "global",
        "pairs": len(pairs),
        "directions": len(search.directions),
        "exact_faces": len(products),
        "exact_faces_skipped": faces_skipped,
        "exact_minima_found": len(exact.minima),
        "faces_undecided": exact.stats["faces_undecided"],
        "complete": certified,
        "open_pieces": 0 if certified else len(rest),
        "resumed": resumed,
        **({"stopped": stopped} if stopped else {}),
        "timings": {
            "divide": t_divide,
            "search": t_search,
            "certify": t_certify,
            "select_faces": t_select,
            "exact": t_exact,
            "total": time.perf_counter() - start,
        },
        "versions": exact.stats["versions"],
    }
    return Result(
        problem=problem,
        minima=lows,
        undecided=[] if certified else exact.undecided,
        stats=stats,
        global_minimum=GlobalMinimum(
            lower=lower,
            upper=top,
            certified=certified,
            pieces=len(search.combos),
            pruned=int(pruned.sum()),
            solved=int(search.solved.sum()),
            exact_faces=len(products),
            uncertified=tuple(uncertified),
        ),
    )


def summary(result: Result) -> str:
    """The certified interval, the counts and the global minimizers as text.

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> r = global_minimum(make_problem([[0], [1], [2]], [0, 1, 0], hidden=1, lam="1/10"),
    ...                    face_timeout=None, starts=2)
    >>> print(summary(r).splitlines()[1].split(";")[0])
    global minimum 0.3149182299 (certified
    """
    g = result.global_minimum
    if g is None:
        raise ValueError("not a result of reluscape global: it has no global_minimum")
    p = result.problem
    lower, upper = shown_exact(p, g.lower), shown_exact(p, g.upper)
    width = float(upper - lower)
    mid = float((lower + upper) / 2)
    state = "certified" if g.certified else "NOT certified: see the pieces below"
    lines = [
        f"reluscape global: L = {p.hidden}, lambda = {p.lam} ({p.convention} convention), "
        f"n = {p.n}, d = {p.d}",
        f"global minimum {mid:.10f} ({state}; interval width {width:.1e})",
        f"pieces {g.pieces}: {g.pruned} pruned by exact dual bounds, {g.solved} convex "
        f"programs solved, {g.exact_faces} product faces through the exact path",
        "",
        f"{'#':>3} {'loss':>14} {'dim':>3} {'orbit':>5}  face",
    ]
    for m in result.minima:
        loss = "(overflow)" if m.loss is None else f"{shown(p, m.loss):.10f}"
        lines.append(f"{m.id:>3} {loss:>14} {m.dimension:>3} {m.orbit_size:>5}  {m.signs}")
    for e in g.uncertified[:10]:
        lines.append(f"    uncertified piece {e['piece']}: {e['reason']}")
    if len(g.uncertified) > 10:
        lines.append(f"    ... and {len(g.uncertified) - 10} more uncertified pieces")
    return "\n".join(lines)

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

**Search.** Branch and bound over *sets* of pieces (:class:`_Search`), never the list of
pieces: a set (Q, A, r) is the pieces Q + R with R any r pairs from A, bounded below by
max_k min(min_Q b_k, min_A b_k). The set of least bound is taken: pruned when above the
incumbent U, split by the bad pairs of a direction its Q avoids otherwise; a single
piece is solved once in floats (:mod:`reluscape.numerical.convex`) and its residual
added as a direction. Floats only choose.

**Verdict (exact).** A piece is *pruned* when its certified bound B satisfies B > U (U an
exact upper bound of min l): it contains no global minimizer. A set pruned by direction
k is checked pair by pair (:func:`_certify`): B_k(c) > U for every c in Q and A gives
each member's bound, min_c B_k(c), > U. Every other piece is *processed*: the exact
path of ``solve`` (:func:`reluscape.exact.merge.process_face`) runs on every product
face in its closure, except faces whose own program (the piece's with the face's
equalities) has a certified bound > U (:func:`_exact_products`). A
global minimizer (a*, psi*) lies in the relative interior of some face F and in the
piece (C, e) for any product chamber C with F in cl C and e = sign(a*) (either sign for
a dead unit); that piece's value, and F's own program's value, are min l <= U, so
neither is set aside, and the exact path finds (a*, psi*) on F as a certified local
minimum. Hence the global minimizers are the lowest certified minima over the processed
faces, and the run is certified when every processed face is complete. Otherwise the
value is bracketed by [least certified bound of the open sets, U] (:func:`_open_bound`).
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import math
import time
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from reluscape.convention import shown, shown_exact
from reluscape.data import Problem
from reluscape.defaults import GLOBAL_FACE_TIMEOUT, GLOBAL_STARTS
from reluscape.exact.arrangement import UnitFace, cached_arrangement, pieces
from reluscape.exact.certificate import Direction, live_unit_excluded, support_threshold
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
    """State of the best-first branch and bound over sets of pieces (float proposals).

    A *set* (Q, A, r) is the pieces Q + R: the multiset Q of chosen pairs and any multiset
    R of r = L - |Q| pairs from the allowed pairs A. Its bound from direction k is
    min(min_{c in Q} b_k(c), min_{c in A} b_k(c)) (b_k the per-pair bound: a piece's is its
    least pair's), at most every member's; its bound is the best over directions. The
    root is (empty, all pairs, L); the sets of the heap, the open leaves and the pruned
    sets always partition the pieces. Nothing is listed piece by piece but the leaves.
    """

    def __init__(self, problem: Problem, pairs: list[tuple[UnitFace, int]]) -> None:
        from reluscape.numerical.convex import PiecePrograms

        self.problem = problem
        self.pairs = pairs
        # The chambers' sign vectors as the arrangement's int8 rows, and their facets as
        # the arrangement found them (no float search for them per pair).
        arrangement = cached_arrangement(problem)
        known = arrangement.chamber_facets
        self.programs = PiecePrograms.of_signs(
            problem,
            arrangement.matrix[[c.index for c, _ in pairs]],
            np.array([e for _, e in pairs], dtype=float),
            None if known is None else [known[c.index] for c, _ in pairs],
        )
        self.bounds = np.empty((8, len(pairs)))  # row k: b_k(c) of every pair c
        self.directions: list[np.ndarray] = []
        self.upper: Fraction | None = None
        self.solved: set[tuple[int, ...]] = set()
        self.failed: dict[tuple[int, ...], str] = {}
        self.heap: list[tuple[float, int, _Node]] = []
        self.leaves: list[_Node] = []  # solved pieces not pruned (yet): the exact path's
        self.need: dict[int, np.ndarray] = {}  # pairs whose b_k(c) > U pruned a set by k
        self.pruned = 0
        self.sequence = 0
        root = np.ones(len(pairs), dtype=bool)
        self.push(_Node(-math.inf, (), root, _NO_INDEX, problem.hidden, -1, 0))

    def add_direction(self, v: np.ndarray) -> None:
        from reluscape.numerical.convex import bound_from_support

        p = self.programs
        k = len(self.directions)
        if k == len(self.bounds):
            self.bounds = np.vstack([self.bounds, np.empty_like(self.bounds)])
        self.bounds[k] = bound_from_support(float(p.yt @ v), float(v @ v), p.lam, p.supports(v))
        self.directions.append(v)

    def offer(self, psi: np.ndarray) -> None:
        """An exact upper bound r(psi) at the rationalized point."""
        value = reduced_loss_exact(self.problem, [[_rational(x) for x in row] for row in psi])
        if self.upper is None or value < self.upper:
            self.upper = value

    def threshold(self) -> float:
        """Float bounds at most this leave a set open (the exact check decides later)."""
        assert self.upper is not None  # set by the multistart before the search
        u = float(self.upper)
        return u + NEAR * max(1.0, abs(u))

    def push(self, node: _Node) -> None:
        # (bound, sequence, node): compared as floats and ints, never as nodes
        self.sequence += 1
        heapq.heappush(self.heap, (node.bound, self.sequence, node))

    def prune(self, node: _Node) -> None:
        """The set's pieces are pruned by its direction: every pair of Q and A must have
        an exact bound above U there (:func:`_certify`)."""
        mask = self.need.setdefault(node.k, np.zeros(len(self.pairs), dtype=bool))
        mask[list(node.chosen)] = True
        if node.rest:
            mask |= node.allowed
        self.pruned += node.size()

    def refresh(self, node: _Node) -> _Node:
        """The node's bound over the directions added since it was bounded."""
        new = len(self.directions)
        if node.seen == new:
            return node
        rows = self.bounds[node.seen : new]
        per = _set_bounds(rows, node.chosen, node.allowed if node.rest else None)
        k = int(np.argmax(per))
        if per[k] <= node.bound:
            return node._replace(seen=new)
        return node._replace(bound=float(per[k]), k=node.seen + k, seen=new)

    def branch(self, node: _Node, thr: float) -> None:
        """Split an open set by the first pair of S it holds (S in A, in order): child i is
        (Q + s_i, A - {s_1 .. s_(i-1)}, r - 1). S is the bad set in A of a direction that
        Q avoids (b_k > thr on Q), the fewest such pairs: the pieces with no pair of S are
        pruned by that direction as one set. With no such direction S is A."""
        rows = self.bounds[: len(self.directions)]
        mask = node.allowed  # shared by the children (never written): A_i is it minus a prefix
        allowed = np.flatnonzero(mask)
        sub = rows[:, allowed]
        q_min = (
            rows[:, list(node.chosen)].min(axis=1) if node.chosen else np.full(len(rows), np.inf)
        )
        bad = sub <= thr
        counts = np.where(q_min > thr, bad.sum(axis=1), len(allowed) + 1)
        k = int(np.argmin(counts))
        if counts[k] <= len(allowed):
            split = allowed[bad[k]]
            if len(split) < len(allowed):
                self.prune(_Node(0.0, node.chosen, mask, split, node.rest, k, 0))
        else:
            split = allowed
        cols = rows[:, split]
        # min over A - {s_1 .. s_(i-1)}: the pairs outside S, then a suffix minimum of S
        outside = np.setdiff1d(allowed, split, assume_unique=True)
        floor = rows[:, outside].min(axis=1) if outside.size else np.full(len(rows), np.inf)
        suffix = np.minimum.accumulate(cols[:, ::-1], axis=1)[:, ::-1]
        per = np.minimum(np.minimum(q_min, floor)[:, None], suffix)
        best_k = per.argmax(axis=0)
        best = per[best_k, np.arange(len(split))]
        for i, c in enumerate(split.tolist()):
            chosen = tuple(sorted((*node.chosen, c)))
            child = _Node(
                float(best[i]), chosen, mask, split[:i], node.rest - 1, int(best_k[i]), len(rows)
            )
            if child.bound > thr:
                self.prune(child)
            else:
                self.push(child)

    def take(self, node: _Node, thr: float) -> None:
        """A set of leaves (r = 1: the pieces Q + c, c in A) is kept as one entry with the
        bound of each member (a leaf each would be millions of heap entries, each
        refreshed when taken): members above the threshold are pruned, each by its own
        best direction; the least member, if it is the least open bound, is taken as a
        leaf; the others go back as one set."""
        members = np.flatnonzero(node.allowed)
        low, best_k = self._member_bounds(node, members)
        over = low > thr
        for k in np.unique(best_k[over]).tolist():
            by_k = np.zeros(len(self.pairs), dtype=bool)
            by_k[members[over & (best_k == k)]] = True
            self.prune(_Node(0.0, node.chosen, by_k, _NO_INDEX, 1, k, 0))
        members, low, best_k = members[~over], low[~over], best_k[~over]
        if not members.size:
            return
        i = int(np.argmin(low))
        seen = len(self.directions)
        if self.heap and low[i] > self.heap[0][0]:
            i = -1  # none is the least open bound: all go back
        else:
            leaf = tuple(sorted((*node.chosen, int(members[i]))))
            self.take_leaf(
                _Node(float(low[i]), leaf, _NO_PAIRS, _NO_INDEX, 0, int(best_k[i]), seen)
            )
        keep = np.arange(len(members)) != i
        if keep.any():
            mask = np.zeros(len(self.pairs), dtype=bool)
            mask[members[keep]] = True
            k = int(best_k[keep][np.argmin(low[keep])])
            self.push(
                _Node(
                    float(low[keep].min()),
                    node.chosen,
                    mask,
                    _NO_INDEX,
                    1,
                    k,
                    seen,
                    low[keep],
                    best_k[keep],
                )
            )

    def _member_bounds(self, node: _Node, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Bounds and best directions of the pieces Q + c of a set with r = 1, brought up
        to date (computed over every direction the first time)."""
        first = 0 if node.low is None else node.seen
        rows = self.bounds[first : len(self.directions)]
        q_min = (
            rows[:, list(node.chosen)].min(axis=1) if node.chosen else np.full(len(rows), np.inf)
        )
        per = np.minimum(q_min[:, None], rows[:, members])
        if not len(rows):
            per = np.full((1, len(members)), -np.inf)
        k = per.argmax(axis=0)
        low = per[k, np.arange(len(members))]
        k = k + first
        if node.low is not None and node.best_k is not None:
            better = low > node.low
            low = np.where(better, low, node.low)
            k = np.where(better, k, node.best_k)
        return low, k

    def take_leaf(self, node: _Node) -> None:
        """A leaf of least bound: solved the first time, then kept open."""
        if node.chosen not in self.solved:
            assert self.upper is not None
            self.solve(node, float(self.upper))
        else:
            self.leaves.append(node)

    def solve(self, node: _Node, u: float) -> None:
        """Solve a leaf's program: its residual a new direction, its lifted optimum an
        upper bound; the leaf goes back to the heap (a later direction may prune it)."""
        piece = list(node.chosen)
        self.solved.add(node.chosen)
        sol = self.programs.solve(piece)
        if not sol.ok:
            self.failed[node.chosen] = f"solver status {sol.status}"
        else:
            if sol.value < u:
                self.offer(self.programs.lift(piece, sol.w))
            self.add_direction(self.programs.residual(piece, sol.w))
        self.push(node)

    def run(
        self,
        progress: Callable[[str], None] | None,
        deadline: float | None = None,
        keep: Callable[[], None] | None = None,
    ) -> bool:
        """Take the open set of least bound until none is left (True) or the ``deadline``
        (``time.monotonic``) has passed (False); ``keep`` (the checkpoint) is called every
        :data:`KEEP_SECONDS`. A set's bound is brought up to date when it is taken; one
        above the threshold is pruned, a leaf is solved once (then kept open if it stays
        below), any other set is split (:meth:`branch`)."""
        kept = time.monotonic()
        told = len(self.solved)
        while self.heap:
            if keep is not None and time.monotonic() - kept > KEEP_SECONDS:
                keep()
                kept = time.monotonic()
            if deadline is not None and time.monotonic() > deadline:
                return False
            thr = self.step()
            if progress is not None and len(self.solved) >= told + 100:
                told = len(self.solved)
                progress(
                    f"solved {told} pieces, {self.pruned} pruned, {len(self.heap)} sets open, "
                    f"least bound {self.heap[0][0] if self.heap else thr:.10g} "
                    f"(upper {float(self.upper or 0):.10g})"
                )
        # Leaves kept open earlier may be pruned by later directions or a lower U.
        leaves, self.leaves = self.leaves, []
        thr = self.threshold()
        for node in map(self.refresh, leaves):
            if node.bound > thr:
                self.prune(node)
            else:
                self.leaves.append(node)
        return True

    def step(self) -> float:
        """Take the entry of least bound (:meth:`run`); the threshold it was judged by."""
        node = heapq.heappop(self.heap)[2]
        thr = self.threshold()
        if node.rest == 1:
            self.take(node, thr)
            return thr
        node = self.refresh(node)
        if node.bound > thr:
            self.prune(node)
        elif self.heap and node.bound > self.heap[0][0]:
            self.push(node)  # no longer the least: its turn comes later
        elif node.rest:
            self.branch(node, thr)
        else:
            self.take_leaf(node)
        return thr

    def open_sets(self) -> list[_Node]:
        """The sets not pruned: the heap's and the open leaves."""
        return [*(entry[2] for entry in self.heap), *self.leaves]


_NO_PAIRS = np.zeros(0, dtype=bool)
_NO_INDEX = np.zeros(0, dtype=np.int64)


class _Node(NamedTuple):
    """A set of pieces (Q, A, r) with a float bound from direction ``k`` over the first
    ``seen`` directions (:class:`_Search`). A is the mask
    ``base`` without the pairs ``drop``: siblings share their parent's mask, so an open
    set costs a few hundred bytes, not one byte per pair (L = 3 on 442 samples keeps
    about a million sets open at times)."""

    bound: float
    chosen: tuple[int, ...]
    base: np.ndarray
    drop: np.ndarray
    rest: int
    k: int
    seen: int
    low: np.ndarray | None = None  # r = 1: each member's bound (:meth:`_Search.take`)
    best_k: np.ndarray | None = None

    @property
    def allowed(self) -> np.ndarray:
        """The mask of A (the shared ``base`` itself when nothing is dropped: read only)."""
        if not len(self.drop):
            return self.base
        mask = self.base.copy()
        mask[self.drop] = False
        return mask

    def size(self) -> int:
        """Pieces in the set: multisets of ``rest`` pairs from A, C(|A| + r - 1, r)."""
        if not self.rest:
            return 1
        m = int(self.base.sum()) - len(self.drop)
        return math.comb(m + self.rest - 1, self.rest)

    def pieces(self) -> Iterator[tuple[int, ...]]:
        """Its pieces as sorted tuples of pair indices."""
        pool = [int(c) for c in np.flatnonzero(self.allowed)] if self.rest else []
        for extra in itertools.combinations_with_replacement(pool, self.rest):
            yield tuple(sorted((*self.chosen, *extra)))


def _set_bounds(
    rows: np.ndarray, chosen: tuple[int, ...], allowed: np.ndarray | None
) -> np.ndarray:
    """Per direction (row), min(min_{c in Q} b(c), min_{c in A} b(c)): a lower bound of the
    bound of every piece Q + R, R from A (A None: the piece Q alone)."""
    out = np.full(len(rows), np.inf)
    if chosen:
        out = rows[:, list(chosen)].min(axis=1)
    if allowed is not None and allowed.any():
        out = np.minimum(out, rows[:, allowed].min(axis=1))
    return out


class _SearchStore:
    """The search's state in a checkpoint directory, beside the exact path's faces
    (:class:`reluscape.execution.checkpoint.Checkpoint`, whose fingerprint it carries):
    the exact upper bound, the dual directions and which pieces were solved. Restoring
    them gives the same bounds (each direction's bounds are recomputed), so a resumed
    search continues where the stopped one was, solving no piece twice."""

    NAME = "global-search.json"

    def __init__(self, store: Checkpoint) -> None:
        self.path = store.path / self.NAME
        self.fingerprint = store.fingerprint

    def save(self, search: _Search) -> None:
        doc = {
            "fingerprint": self.fingerprint,
            "upper": str(search.upper),
            "directions": [v.tolist() for v in search.directions],
            "solved": sorted(list(piece) for piece in search.solved),
            "failed": [[list(piece), reason] for piece, reason in search.failed.items()],
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
            solved = {tuple(int(c) for c in piece) for piece in doc["solved"]}
            failed = {tuple(int(c) for c in piece): str(r) for piece, r in doc["failed"]}
            size, hidden = len(search.pairs), search.problem.hidden
            if any(v.shape != (search.problem.n,) for v in directions) or any(
                len(piece) != hidden
                or list(piece) != sorted(piece)
                or not min(piece) >= 0
                or max(piece) >= size
                for piece in (*solved, *failed)
            ):
                raise ValueError("sizes differ")
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("search state %s is unusable (%s); the search starts again", self.path, exc)
            return False
        search.upper = upper
        for v in directions:
            search.add_direction(v)
        search.solved |= solved
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


class _ExactBounds:
    """Exact per-pair bounds B_k(c) (:mod:`reluscape.exact.certificate`), cached: the
    direction k rationalized on the grid, mu from the float support's multipliers."""

    def __init__(self, search: _Search) -> None:
        self.search = search
        self.values: dict[tuple[int, int], Fraction] = {}
        self.float_certified = 0  # pairs decided by certified_supports alone

    def least_at_most(self, k: int, pairs: np.ndarray, upper: Fraction) -> Fraction | None:
        """None when every pair has B_k(c) > ``upper``; else the least exact B_k(c) of the
        pairs (then <= ``upper``). Pairs whose rigorous float support bound
        (:meth:`~reluscape.numerical.convex.PiecePrograms.certified_supports`) is at most
        the threshold q* of :func:`~reluscape.exact.certificate.support_threshold` have
        a certificate with q <= q*, so B_k(c) > ``upper``: only the others are bounded
        one by one (at 10^5 pairs per direction, the exact sums per pair took most of
        the run)."""
        p = self.search.programs
        v_q = [_rational(x) for x in self.search.directions[k]]
        direction = Direction(self.search.problem, v_q)
        limit = support_threshold(direction.a, direction.b, self.search.problem.lam_sum, upper)
        if limit is not None and len(pairs):
            cap = float(limit)
            if Fraction(cap) > limit:
                cap = math.nextafter(cap, 0.0)
            q = p.certified_supports(np.array([float(x) for x in v_q]))[pairs]
            done = q <= cap
            self.float_certified += int(done.sum())
            pairs = pairs[~done]
        low = self.least(k, pairs)
        return low if low is not None and low <= upper else None

    def lower(self, k: int, pairs: np.ndarray) -> Fraction | None:
        """A certified lower bound of B_k(c) over ``pairs`` (None for no pair): the bound
        at the largest rigorous support bound q_c (certified_supports: a valid
        certificate's q for each, and the bound falls with q) of the pairs it covers,
        the exact least of the others. One exact bound per direction, not one per pair
        (a stopped search leaves sets of 10^5 pairs open at d = 2)."""
        if not len(pairs):
            return None
        v_q = [_rational(x) for x in self.search.directions[k]]
        q = self.search.programs.certified_supports(np.array([float(x) for x in v_q]))[pairs]
        covered = np.isfinite(q)
        parts = [] if (rest := self.least(k, pairs[~covered])) is None else [rest]
        if covered.any():
            direction = Direction(self.search.problem, v_q)
            parts.append(direction.bound(Fraction(float(q[covered].max()))))
        return min(parts)

    def least(self, k: int, pairs: np.ndarray) -> Fraction | None:
        """min over ``pairs`` of B_k(c), exactly (None for no pair)."""
        todo = [int(c) for c in pairs if (k, int(c)) not in self.values]
        if todo:
            p = self.search.programs
            v_q = [_rational(x) for x in self.search.directions[k]]
            direction = Direction(self.search.problem, v_q)
            v_used = np.array([float(x) for x in v_q])
            mus = [{i: Fraction(m) for i, m in p.support(v_used, c)[1].items()} for c in todo]
            signs = [self.search.pairs[c][1] for c in todo]
            rows = p.signs_of(todo)
            qs = direction.support_uppers(rows, signs, mus)
            for c, q in zip(todo, qs, strict=True):
                self.values[k, c] = direction.bound(q)
        return min((self.values[k, int(c)] for c in pairs), default=None)


def _certify(
    search: _Search, upper: Fraction, exact: _ExactBounds
) -> tuple[list[int], Fraction | None]:
    """Check every pruning exactly: for each direction k, every pair of every set it
    pruned has B_k(c) > ``upper``, so every piece of those sets has a certified bound above
    ``upper``. Returns the directions whose check failed (their sets are then not
    certified pruned) and the least exact bound of the pairs of those checks (a certified
    lower bound of every piece of their sets), None when all passed."""
    failed: list[int] = []
    least: Fraction | None = None
    for k in sorted(search.need):
        low = exact.least_at_most(k, np.flatnonzero(search.need[k]), upper)
        if low is not None:
            failed.append(k)
            least = low if least is None else min(least, low)
    return failed, least


def _open_bound(search: _Search, exact: _ExactBounds) -> Fraction | None:
    """The least certified bound of the open sets: min over them of min_{c in Q u A}
    B_k(c) for the direction k of the set's stored bound (of each member's, for a set
    of leaves), as one exact minimum per direction over the union of its sets' pairs: a
    lower bound of every open piece. Sets are not refreshed (one pass over millions of
    them took minutes); siblings (one mask, different dropped prefixes) enter their
    union once, through the shortest prefix."""
    per: dict[int, np.ndarray] = {}
    unions: dict[tuple[int, int, int], _Node] = {}  # (direction, mask, split): widest A

    def mark(k: int, chosen: tuple[int, ...], pairs: np.ndarray) -> None:
        mask = per.setdefault(k, np.zeros(len(search.pairs), dtype=bool))
        mask[list(chosen)] = True
        mask[pairs] = True

    for node in search.open_sets():
        if node.k < 0:
            node = search.refresh(node)  # the root, before its first bound
        if node.low is not None and node.best_k is not None:
            members = np.flatnonzero(node.allowed)
            for k in np.unique(node.best_k).tolist():
                mark(k, node.chosen, members[node.best_k == k])
        elif not node.rest:
            mark(node.k, node.chosen, _NO_INDEX)
        else:
            mark(node.k, node.chosen, _NO_INDEX)
            # siblings: one mask, prefixes of one split array (a view's .base is that array)
            cut_from = node.drop if node.drop.base is None else node.drop.base
            key = (node.k, id(node.base), id(cut_from))
            if key not in unions or len(node.drop) < len(unions[key].drop):
                unions[key] = node
    for (k, _, _), node in unions.items():
        mark(k, (), node.allowed)
    lows = [exact.lower(k, np.flatnonzero(mask)) for k, mask in sorted(per.items())]
    return min((low for low in lows if low is not None), default=None)


def _exact_products(
    search: _Search, members: list[tuple[int, ...]], upper: Fraction
) -> tuple[list, int]:
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
    for member in members:
        per_unit = []
        for c in member:
            chamber, e = search.pairs[c]
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
    large is refused at once (:data:`reluscape.defaults.PIECE_LIMIT`).

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
    exact_bounds = _ExactBounds(search)
    unconfirmed, least_unconfirmed = _certify(search, upper, exact_bounds)
    t_certify = time.perf_counter() - t0
    # A piece not pruned may hold a global minimizer: the exact path covers it. A stopped
    # search has not bounded every piece it could, and a pruning not confirmed exactly
    # leaves sets too large for it: no exact path then.
    rest = [node.chosen for node in search.leaves]
    t0 = time.perf_counter()
    skip_exact = bool(stopped or unconfirmed)
    products, faces_skipped = ([], 0) if skip_exact else _exact_products(search, rest, upper)
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
    certified = exact.complete and not stopped and not unconfirmed
    open_sets = search.open_sets()
    open_pieces = sum(node.size() for node in open_sets)
    if unconfirmed:
        open_pieces += search.pruned  # not certified pruned after all: counted open
    uncertified = [] if certified else _uncertified(search, stopped, unconfirmed)
    lows = [m for m in exact.minima if m.is_global] if certified else exact.minima[:1]
    if certified and lows:
        lower = min(m.loss_interval[0] for m in lows)
        top = min(min(m.loss_interval[1] for m in lows), upper)
    else:
        bounds = [
            b for b in (_open_bound(search, exact_bounds), least_unconfirmed) if b is not None
        ]
        lower = min(bounds, default=upper)
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
        "open_pieces": 0 if certified else open_pieces,
        "resumed": resumed,
        "exact_pair_bounds": len(exact_bounds.values),
        "float_certified_pair_bounds": exact_bounds.float_certified,
        **({"stopped": stopped} if stopped else {}),
        **({"unconfirmed_directions": unconfirmed} if unconfirmed else {}),
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
            pieces=piece_count(problem),
            pruned=0 if unconfirmed else search.pruned,
            solved=len(search.solved),
            exact_faces=len(products),
            uncertified=tuple(uncertified),
        ),
    )


def _uncertified(
    search: _Search, stopped: str | None, unconfirmed: list[int]
) -> list[dict[str, str]]:
    """The first :data:`OPEN_PIECES_LISTED` pieces not certified, each with its reason."""
    if unconfirmed:
        why = f"a float pruning by direction(s) {unconfirmed[:5]} was not confirmed exactly"
    elif stopped:
        why = f"left open: the search was {stopped}"
    else:
        why = "not pruned, and the exact path on its faces is incomplete"
    out: list[dict[str, str]] = []
    for node in search.open_sets():
        for piece in itertools.islice(node.pieces(), OPEN_PIECES_LISTED - len(out)):
            reason = why
            if piece in search.failed and not stopped and not unconfirmed:
                reason = (
                    f"{search.failed[piece]}; its faces are in the exact path, which is incomplete"
                )
            out.append(
                {"piece": " | ".join(_pair_label(search.pairs[c]) for c in piece), "reason": reason}
            )
        if len(out) >= OPEN_PIECES_LISTED:
            break
    return out


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

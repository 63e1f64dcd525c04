"""The regularization path: every event of the minima over [lo, hi], from the faces'
event polynomials and exact solves between their roots (docs/METHOD.md section 15).

:func:`path` works face by face, as ``solve`` does:

1. *Faces.* The product faces (one per orbit) that can hold a critical point for some
   lambda <= hi: the linear certificate of section 4 step 0a, whose only use of lambda
   is the bound lambda |q_i|, run at hi, excludes the others for every lambda in range.
2. *Event polynomials* of each face (:func:`reluscape.exact.lampath_events.
   face_event_polynomials`): the values of lambda where a branch of minima on the face
   can change. Their real roots in (lo, hi), isolated and separated exactly
   (:mod:`reluscape.exact.lampath`), cut the range into gaps.
3. *Face solves.* Between two consecutive roots of one face's polynomials its minima
   are fixed in number, face and dimension, so each face is solved
   (:func:`reluscape.exact.merge.process_face`, through the executor) at one rational
   lambda per run of gaps between its roots. A root is *active* when some face having
   it changes there.
4. *Samples.* Between consecutive active roots (a *cell*) the minima move as branches;
   one sample per cell assembles the minima of the faces that hold some there. Inside
   a cell the global minimum can move only where two branches' losses are equal: the
   roots of the resultants and discriminants of their faces' loss curves cut the cell
   again, with a sample in each part.
5. *Events.* Consecutive samples have exactly one active or crossing root between
   them; every change between them (:mod:`reluscape.execution.lampath_branches`) is an
   event at that root, exact, with its minimal polynomial.

A face whose conditions do not reduce to polynomials in lambda (not *covered*) is
followed by solves at geometric samples and bisection instead; its changes are brackets
and the event list is then not certified complete. Checkpoints keep each face's event
polynomials and every face solve (one :mod:`reluscape.execution.checkpoint` directory per
value of lambda), so a rerun after a kill keeps every finished piece.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any

from reluscape.data import Problem
from reluscape.exact import lampath as exact_path
from reluscape.exact.lampath import Root
from reluscape.execution.lampath_branches import (
    Entry,
    branches,
    entries,
    events,
    signature,
)
from reluscape.pathresult import Event, PathMinimum, PathResult, Sample
from reluscape.schema import Result
from reluscape.validation import InputError, check_int, check_timeout

Product = tuple[int, ...]
FaceSignature = tuple[tuple[str, int], ...]

ELIMINATION_ROUTE = (
    "exact: {covered} of the {faces} faces that can hold a critical point for some "
    "lambda in [LO, HI] (linear certificate: upper bounds at HI, lower bounds at LO) are "
    "covered by event polynomials and solved "
    "between consecutive roots; each exact event is the one active root of those "
    "polynomials (or of the loss curves' crossing polynomials, for a global switch) "
    "between two samples (docs/METHOD.md section 15)"
)
BRACKET_ROUTE = (
    "bracket: {count} faces not covered by event polynomials were followed by solves at "
    "rational lambdas (geometric, refined by bisection to a relative width of {width}); "
    "their events are brackets, and events between two of their samples that agree can "
    "be missed"
)


@dataclass
class _FaceSolves:
    """One face's minima at sample values of lambda: its signature (faces and
    dimensions of its minima) and whether the solve was complete."""

    product: Product
    polys: list[tuple[int, ...]] | None
    at: dict[Fraction, tuple[FaceSignature, bool]] = field(default_factory=dict)
    own: list[int] | None = None  # the indices of its polynomials' roots in the grid


def path(
    problem: Problem,
    lo: Fraction,
    hi: Fraction,
    *,
    samples: int = 9,
    width: Fraction = Fraction(1, 100),
    max_solves: int = 200,
    jobs: int = 1,
    face_timeout: float | None = None,
    checkpoint: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> PathResult:
    """The minima of ``problem`` for every lambda in [lo, hi] (``problem.lam`` unused).

    Parameters
    ----------
    lo, hi : Fraction
        The range, 0 < lo < hi, in the problem's convention.
    samples, width, max_solves
        For faces not covered by event polynomials only: solves at ``samples``
        geometric values, bisected while a bracket is wider than ``width`` relative to
        its lower end, at most ``max_solves`` solves per face.
    jobs, face_timeout
        As for :func:`reluscape.execution.pipeline.solve`, for each face solve; with
        ``jobs > 1`` the faces' eliminations run in ``jobs`` processes too.
    checkpoint
        A directory holding the faces' event polynomials and one checkpoint directory
        per value of lambda solved at.
    progress : callable, optional
        Called with one line per stage.

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1], [2]], [0, 1, 0], hidden=1, lam=1)
    >>> r = path(p, Fraction(1, 100), Fraction(10))
    >>> [(e.kind, e.minimal_polynomial) for e in r.events]  # doctest: +NORMALIZE_WHITESPACE
    [('death', (18, 0, -1)), ('death', (18, 0, -1)), ('global switch', (18, 0, -1)),
     ('birth', (18, 0, -1))]
    >>> r.event_list_complete
    True
    """
    if not 0 < lo < hi:
        raise InputError(f"the lambda range must have 0 < LO < HI, got {lo}:{hi}")
    samples = check_int(samples, "samples", min_val=2)
    max_solves = check_int(max_solves, "max_solves", min_val=samples)
    jobs = check_int(jobs, "jobs", min_val=1)
    face_timeout = check_timeout(face_timeout, "face_timeout")
    start = time.perf_counter()
    store = _checkpoint_root(checkpoint)
    say = progress or (lambda line: None)
    seconds: dict[str, float] = {}
    clock = _Clock(seconds)
    solver = _Solver(problem, jobs, face_timeout, store)
    with clock("faces"):
        faces = _faces_in_range(problem, lo, hi)
    say(f"{len(faces)} faces can hold a critical point for lambda in [{lo}, {hi}]")
    with clock("event polynomials"):
        polys = solver.event_polynomials(faces, say)
    with clock("roots"):
        roots = exact_path.separated(
            r for p in sorted({p for ps in polys.values() if ps for p in ps})
            for r in exact_path.isolate_roots(p, lo, hi)
        )  # fmt: skip
        grid = _Grid(lo, hi, roots)
    say(f"{len(roots)} roots of event polynomials in ({lo}, {hi})")
    follow = [_FaceSolves(f, polys[f]) for f in faces]
    covered = [f for f in follow if f.polys is not None]
    uncovered = [f for f in follow if f.polys is None]
    with clock("face solves"):
        solver.solve_cells(covered, grid)
        brackets = [
            b
            for f in uncovered
            for b in solver.follow(f, grid, samples, width, max_solves)
        ]
        active = [r for k, r in enumerate(roots) if _active(k, r, covered, grid)]
        boundaries = _boundaries(active, brackets)
    say(f"{len(boundaries)} events' values (active roots) in all")
    solver.follows(covered, uncovered)
    with clock("samples"):
        solved = _samples(solver, grid, boundaries, lo, hi)
    with clock("global switches"):
        crossings, curves_ok = _global_switches(
            problem, solver, grid, boundaries, solved, lo, hi
        )
    say(f"{len(solved)} samples; {len(crossings)} candidate switches of the global minimum")
    lams = sorted(solved)
    branch_of = branches(lams, solved)
    found = _exact_events(events(problem, lams, solved, branch_of), boundaries + crossings)
    routes = [ELIMINATION_ROUTE.format(covered=len(covered), faces=len(faces))]
    if uncovered:
        routes.append(BRACKET_ROUTE.format(count=len(uncovered), width=width))
    complete = not uncovered and curves_ok and all(s[0] for s in solved.values())
    stats = {
        "faces": len(faces),
        "covered_faces": len(covered),
        "event_polynomials": len({p for ps in polys.values() if ps for p in ps}),
        "roots": len(roots),
        "faces_eliminated": solver.faces_eliminated,
        "face_solves": solver.face_solves,
        "loss_curves": len(solver.curves),
        "seconds": round(time.perf_counter() - start, 3),
        "seconds_by_stage": {k: round(v, 3) for k, v in seconds.items()},
    }
    return PathResult(
        problem=problem,
        lam_range=(lo, hi),
        samples=[
            Sample(
                lam,
                solved[lam][0],
                tuple(
                    PathMinimum(branch_of[lam][k], e.signs, e.dimension, e.loss, e.is_global)
                    for k, e in enumerate(solved[lam][1])
                ),
            )
            for lam in lams
        ],
        events=found,
        routes=routes,
        event_list_complete=complete,
        stats=stats,
    )


def _faces_in_range(problem: Problem, lo: Fraction, hi: Fraction) -> list[Product]:
    """The product faces (orbit representatives) not excluded for every lambda in
    [lo, hi]: the linear certificate (docs/METHOD.md section 4 step 0a) uses lambda only
    in upper bounds lambda |q_i| and the sphere's lower bounds, so with the upper bounds
    at hi and the lower ones at lo its conditions hold at every lambda in the range; a
    live unit on a face with no active sample is never critical."""
    from reluscape.exact.arrangement import orbit_representatives, pieces
    from reluscape.exact.exclusion import excluded
    from reluscape.exact.surrogate import FaceSystem

    at = replace(problem, lam=hi)
    unit_faces = pieces(at, "realizable")
    out = []
    for product in orbit_representatives(len(unit_faces), problem.hidden):
        system = FaceSystem.build(at, tuple(unit_faces[i] for i in product))
        lowest = replace(problem, lam=lo).lam_sum
        if system.live and (system.has_idle_live_unit() or excluded(system, lowest=lowest)):
            continue
        out.append(product)
    return out


class _Clock:
    """Adds each ``with clock(stage):`` block's wall time to ``seconds[stage]``."""

    def __init__(self, seconds: dict[str, float]) -> None:
        self.seconds = seconds

    @contextlib.contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - t0


class _Grid:
    """The gaps between the separated roots in (lo, hi): gap k lies between root k - 1
    and root k (gap 0 starts at lo, the last ends at hi), and each has a sample value
    (lo for the first, hi for the last, when no root is exactly there)."""

    def __init__(self, lo: Fraction, hi: Fraction, roots: list[Root]) -> None:
        self.roots = roots
        ends = [lo, *(x for r in roots for x in (r.lower, r.upper)), hi]
        self.samples = [
            exact_path.gap_sample(a, b) if a < b else a
            for a, b in zip(ends[::2], ends[1::2], strict=True)
        ]
        self.samples[0], self.samples[-1] = lo, hi

    def gap_of(self, lam: Fraction) -> int:
        """The gap holding lam (not a root); intervals that hold lam are narrowed."""
        for k, r in enumerate(self.roots):
            while r.lower <= lam <= r.upper:
                if r.lower == r.upper:
                    raise ValueError(f"lambda = {lam} is a root")
                r = r.halved()
            self.roots[k] = r
        uppers = [r.upper for r in self.roots]
        return bisect.bisect_left(uppers, lam)


def _active(k: int, root: Root, covered: list[_FaceSolves], grid: _Grid) -> bool:
    """Whether some face having this root changes there: its minima in the gaps either
    side differ (or a solve there was incomplete)."""
    for f in covered:
        if f.polys is None or root.poly not in f.polys:
            continue
        left, right = _face_at_gap(f, k, grid), _face_at_gap(f, k + 1, grid)
        if left != right or not left[1] or not right[1]:
            return True
    return False


def _face_at_gap(f: _FaceSolves, gap: int, grid: _Grid) -> tuple[FaceSignature, bool]:
    """The face's signature in a gap: that of its solve in the same run of gaps between
    its own roots (its minima do not change there)."""
    own = _own_roots(f, grid)
    first = _run_start(own, gap)
    return f.at[grid.samples[first]]


def _own_roots(f: _FaceSolves, grid: _Grid) -> list[int]:
    """The grid indices of the roots of the face's polynomials (computed once)."""
    if f.own is None:
        assert f.polys is not None
        mine = set(f.polys)
        f.own = [k for k, r in enumerate(grid.roots) if r.poly in mine]
    return f.own


def _run_start(own: list[int], gap: int) -> int:
    """The first gap of the run of gaps (between the face's own roots) holding ``gap``:
    gap k follows root k - 1."""
    at = bisect.bisect_left(own, gap)
    return own[at - 1] + 1 if at else 0


@dataclass(frozen=True)
class _Boundary:
    """Where the minima change: an active root (exact) or a bracket of an uncovered face."""

    lower: Fraction
    upper: Fraction
    root: Root | None


def _boundaries(active: list[Root], brackets: list[tuple[Fraction, Fraction]]) -> list[_Boundary]:
    """Active roots and brackets, by increasing value, disjoint: a root that cannot be
    told apart from a bracket (narrowed 64 times) is inside it and merged into it."""
    # Narrow first: the bounds of the global minimum's pieces next to a root grow with
    # the width of its interval (:func:`_loss_bounds`).
    out = [_Boundary(r.lower, r.upper, r) for r in (a.narrowed(BOUNDARY_BITS) for a in active)]
    for a, b in sorted(brackets):
        keep = []
        for bd in out:
            r = bd.root
            for _ in range(64):
                if r is None or r.upper < a or b < r.lower:
                    break
                r = r.halved()
            if r is not None and (r.upper < a or b < r.lower):
                keep.append(_Boundary(r.lower, r.upper, r))
            else:
                a, b = min(a, bd.lower), max(b, bd.upper)
        out = [*keep, _Boundary(a, b, None)]
    return sorted(out, key=lambda bd: bd.lower)


def _cells(boundaries: list[_Boundary]) -> list[tuple[_Boundary | None, _Boundary | None]]:
    """The cells: the stretches between consecutive boundaries (None at lo and hi)."""
    ends: list[_Boundary | None] = [None, *boundaries, None]
    return list(pairwise(ends))


def _samples(
    solver: _Solver,
    grid: _Grid,
    boundaries: list[_Boundary],
    lo: Fraction,
    hi: Fraction,
) -> dict[Fraction, tuple[bool, list[Entry]]]:
    """One sample per cell (lo in the first, hi in the last), the minima there
    assembled from the faces that hold some; next to a bracket the samples are its
    ends (two exact solves that differ, as the document's brackets are)."""
    lams = []
    for left, right in _cells(boundaries):
        a = lo if left is None else left.upper
        b = hi if right is None else right.lower
        if left is None:
            lams.append(lo)
        elif left.root is None:
            lams.append(left.upper)
        if right is None:
            lams.append(hi)
        elif right.root is None:
            lams.append(right.lower)
        if left is not None and right is not None and left.root and right.root:
            lams.append(_sample_in(grid, a, b))
    return {lam: solver.minima_at(lam, grid) for lam in sorted(set(lams))}


def _sample_in(grid: _Grid, a: Fraction, b: Fraction) -> Fraction:
    """A rational strictly between a < b, a gap sample if one is there (its face solves
    are done), else a short rational that is not a root."""
    for s in grid.samples:
        if a < s < b:
            return s
    return _off_roots(exact_path.gap_sample(a, b), grid, b)


def _off_roots(lam: Fraction, grid: _Grid, toward: Fraction) -> Fraction:
    """lam, or a value between it and ``toward`` that is no root of the grid's
    polynomials: a rational root need not be narrowed to its point yet, and a sample
    there (an event value) says nothing, so :meth:`_Grid.gap_of` refuses it."""
    while any(exact_path.sign_at(r.poly, lam) == 0 for r in grid.roots):
        lam = exact_path.bracket_midpoint(min(lam, toward), max(lam, toward))
    return lam


BOUNDARY_BITS = 40
"""Relative width 2^-40 of an active root's interval while the path is built."""

REFINEMENTS = 4
"""Bisections of a piece of a cell before the global minimum's persistence there is
decided by the loss curves' crossing polynomials instead of the bounds (at once when
those pairs' crossing polynomials are known: near a tangency of two losses bisection
never ends)."""


def _global_switches(
    problem: Problem,
    solver: _Solver,
    grid: _Grid,
    boundaries: list[_Boundary],
    solved: dict[Fraction, tuple[bool, list[Entry]]],
    lo: Fraction,
    hi: Fraction,
) -> tuple[list[_Boundary], bool]:
    """Where, inside the cells, the global minimum moves (:func:`_certify_cell`, cell by
    cell: bounds of the branches' losses, bisection, the crossing polynomials of the
    pairs of branches the bounds cannot separate). Returns the crossing roots cut out
    (exact switch values where the global branch differs either side) and False when
    some loss curve could not be built."""
    found: list[_Boundary] = []
    ok = True
    for left, right in _cells(boundaries):
        a = lo if left is None else left.upper
        b = hi if right is None else right.lower
        inside = [lam for lam in solved if a <= lam <= b]
        if max(len(solved[lam][1]) for lam in inside) < 2:
            continue
        cut, certain = _certify_cell(problem, solver, grid, solved, left, right, a, b)
        found += cut
        ok = ok and certain
    return sorted(found, key=lambda x: x.lower), ok


_End = Fraction | Root
"""An end of a piece of a cell: a sample, or a root where the minima or the order of
two branches' losses may change."""


def _certify_cell(
    problem: Problem,
    solver: _Solver,
    grid: _Grid,
    solved: dict[Fraction, tuple[bool, list[Entry]]],
    left: _Boundary | None,
    right: _Boundary | None,
    a: Fraction,
    b: Fraction,
) -> tuple[list[_Boundary], bool]:
    """:func:`_global_switches` on one cell (a, b) between two boundaries.

    A piece runs between two ends, each a sample or a root (the cell's boundary root, or
    a crossing root cut out of the cell); every piece has a sample at one end at least.
    It is certified when for each global branch g at its sampled end and each other
    branch k, the bounds keep k above g on the piece, or the crossing polynomials of
    g's and k's faces have no root inside it (their losses are then never equal there,
    so their order at the sample holds on the whole piece)."""
    lams = sorted(lam for lam in solved if a <= lam <= b)
    # A cell's end at an exact root is that root; at a bracket it is the bracket's sample.
    ends: list[_End] = [
        *([left.root] if left is not None and left.root is not None else []),
        *lams,
        *([right.root] if right is not None and right.root is not None else []),
    ]
    pieces = [(x, y, 0) for x, y in pairwise(ends)]
    cut: list[_Boundary] = []
    ok = True
    while pieces:
        x, y, depth = pieces.pop()
        sx, sy = (e if isinstance(e, Fraction) else None for e in (x, y))
        start = x if isinstance(x, Fraction) else x.lower
        stop = y if isinstance(y, Fraction) else y.upper
        inner = (
            x if isinstance(x, Fraction) else x.upper,
            y if isinstance(y, Fraction) else y.lower,
        )
        pairs, switch = _uncertified(problem, solved, sx, sy, start, stop)
        if not pairs:
            continue
        if depth < REFINEMENTS and not switch and not solver.has_crossings(pairs):
            mid = _sample_in(grid, *inner)
            solved[mid] = solver.minima_at(mid, grid)
            pieces += [(x, mid, depth + 1), (mid, y, depth + 1)]
            continue
        polys = solver.crossing_polynomials(pairs)
        if polys is None:
            ok = False
            continue
        fences = [e for e in (x, y) if isinstance(e, Root)]
        roots = [r for p in polys for r in exact_path.isolate_roots(p, start, stop)]
        here = [
            inside
            for r in exact_path.separated([*fences, *roots])
            if not any(exact_path.same_root(r, f) for f in fences)
            and (inside := _strictly_in(r, *inner)) is not None
        ]
        if not here:
            continue  # no two of these branches' losses are equal on the piece
        cut += [_Boundary(r.lower, r.upper, r) for r in here]
        # The roots become ends of pieces, with a sample between two roots; each new
        # piece is checked again (branches the bounds kept apart on the whole piece too).
        seq: list[_End] = [x]
        for e in [*here, y]:
            last = seq[-1]
            if isinstance(last, Root) and isinstance(e, Root):
                lam = _sample_in(grid, last.upper, e.lower)
                solved[lam] = solver.minima_at(lam, grid)
                seq.append(lam)
            seq.append(e)
        pieces += [(p, q, depth) for p, q in pairwise(seq)]
    return cut, ok


def _strictly_in(r: Root, a: Fraction, b: Fraction) -> Root | None:
    """The root with an interval inside (a, b), a < b samples, or None when it is not
    strictly between them (outside, or a rational root equal to one of them)."""
    while not (a < r.lower and r.upper < b):
        if r.upper < a or b < r.lower or r.lower == r.upper:
            return None
        r = r.halved()
    return r


def _branch_keys(minima: list[Entry]) -> dict[tuple[str, int, int], Entry]:
    """The minima of a cell by (face, dimension, rank by loss on that face): the same
    key at two samples of one cell is the same branch (their number is fixed there)."""
    out: dict[tuple[str, int, int], Entry] = {}
    for e in sorted(minima, key=lambda e: (e.signs, e.dimension, e.loss)):
        rank = sum(1 for k in out if k[:2] == (e.signs, e.dimension))
        out[(e.signs, e.dimension, rank)] = e
    return out


def _uncertified(
    problem: Problem,
    solved: dict[Fraction, tuple[bool, list[Entry]]],
    x: Fraction | None,
    y: Fraction | None,
    start: Fraction,
    stop: Fraction,
) -> tuple[set[frozenset[str]], bool]:
    """The pairs of faces (a global branch's and another branch's) that the bounds
    (:func:`_loss_bounds`) cannot keep apart on the piece from x to y (None: a root end;
    the piece reaches from start to stop), the global branches being those at the
    piece's first sampled end (ties of equal losses there, mirror images, are global
    together). True with them when the global branches at the two sampled ends differ:
    a switch lies inside."""
    known = [lam for lam in (x, y) if lam is not None]
    keyed = [_branch_keys(solved[lam][1]) for lam in known]
    glob = [{k for k, e in m.items() if e.is_global} for m in keyed]
    ends = {k: [m[k] for m in keyed] for k in keyed[0]}
    bounds = {k: _loss_bounds(problem, e, x, y, start) for k, e in ends.items()}
    pairs = {
        frozenset((g[0], k[0]))
        for g in glob[0]
        for k, (lower, _) in bounds.items()
        if k not in glob[0] and _highest_gap(bounds[g][1], lower, start, stop) >= 0
    }
    switch = len(glob) == 2 and glob[0] != glob[1]
    if switch:  # the bounds fail for these anyway (the other is lower at the far end)
        pairs |= {frozenset((g[0], h[0])) for g in glob[0] for h in glob[1] - glob[0]}
    return pairs, switch


# A line lambda -> value + slope (lambda - at), as (at, value, slope).
_Line = tuple[Fraction, Fraction, Fraction]


def _loss_bounds(
    problem: Problem, ends: list[Entry], x: Fraction | None, y: Fraction | None, start: Fraction
) -> tuple[list[_Line], list[_Line]]:
    """Lines below and lines above a branch's loss on the piece from x to y (``ends``
    its minima there; None: the cell's boundary root, the piece reaching ``start`` on
    the left): the loss is the largest lower line and at most the smallest upper line.

    Along a branch the loss is nondecreasing (slope |a|^2, :func:`loss_slope`) and
    concave (docs/METHOD.md section 15): above the chord between two samples, below the
    tangent at each sample. Towards a root the slope is at most
    D(lambda) = |yt|^2 / (4 lambda_sum) (lambda |params|^2 = 2 e . f <= |yt|^2 / 2), which
    also stands in for an unknown slope.

    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1]], [0, 2], hidden=1, lam=1)
    >>> one, two = Fraction(1), Fraction(2)
    >>> e = [Entry("+-", 0, (one, one), True, (one, one)), Entry("+-", 0, (two, two), True, None)]
    >>> low, high = _loss_bounds(p, e, one, two, one)
    >>> [[tuple(map(str, line)) for line in lines] for lines in (low, high)]
    [[('1', '1', '1')], [('1', '1', '1'), ('2', '2', '0')]]
    """
    scale = problem.n if problem.convention == "mean" else 1
    yy = sum((v * v for v in problem.yt), Fraction(0))

    def most(at: Fraction) -> Fraction:
        return yy / (4 * at * scale)

    lower: list[_Line] = []
    upper: list[_Line] = []
    if x is not None:
        e = ends[0]
        upper.append((x, e.loss[1], e.slope[1] if e.slope is not None else most(x)))
    if y is not None:
        e = ends[-1]
        upper.append((y, e.loss[1], Fraction(0)))
        if e.slope is not None:
            upper.append((y, e.loss[1], e.slope[0]))
    if x is not None and y is not None:
        low_x, low_y = ends[0].loss[0], ends[1].loss[0]
        lower.append((x, low_x, (low_y - low_x) / (y - x)))
    elif x is not None:
        lower.append((x, ends[0].loss[0], Fraction(0)))
    else:
        assert y is not None
        lower.append((y, ends[0].loss[0], most(start)))
    return lower, upper


def _highest_gap(
    upper: list[_Line], lower: list[_Line], start: Fraction, stop: Fraction
) -> Fraction:
    """max over [start, stop] of min(upper lines) - max(lower lines), exactly: that
    function is concave and piecewise linear, so its maximum is at an end or where two
    of the differences of lines cross.

    >>> one = Fraction(1)
    >>> _highest_gap([(one, one, one)], [(one, 3 * one, 0 * one)], one, 3 * one)
    Fraction(0, 1)
    """
    diffs = [
        (u_value - u_slope * u_at - l_value + l_slope * l_at, u_slope - l_slope)
        for u_at, u_value, u_slope in upper
        for l_at, l_value, l_slope in lower
    ]  # each as c + m lambda
    points = [start, stop]
    for (c1, m1), (c2, m2) in combinations(diffs, 2):
        if m1 != m2 and start < (cross := (c2 - c1) / (m1 - m2)) < stop:
            points.append(cross)
    return max(min(c + m * lam for c, m in diffs) for lam in points)


def _exact_events(found: list[Event], boundaries: list[_Boundary]) -> list[Event]:
    """Each event between two samples placed at the one boundary between them: exact,
    with the root's minimal polynomial and a 2^-64 relative interval, or the bracket."""
    ordered = sorted(boundaries, key=lambda bd: bd.lower)
    out = []
    for e in found:
        inside = [bd for bd in ordered if e.lower <= bd.lower and bd.upper <= e.upper]
        if len(inside) != 1:
            out.append(e)  # no single boundary: the samples' bracket stays
            continue
        bd = inside[0]
        if bd.root is None:
            out.append(replace(e, lower=max(e.lower, bd.lower), upper=min(e.upper, bd.upper))
                       if e.lower < bd.lower and bd.upper < e.upper else e)  # fmt: skip
            continue
        r = bd.root.narrowed()
        out.append(
            replace(
                e, lower=r.lower, upper=r.upper, route="exact", minimal_polynomial=r.poly
            )
        )
    return sorted(out, key=lambda e: (e.lower, e.upper))


class _Solver:
    """Face solves and eliminations, cached, checkpointed, serial or on the executor."""

    def __init__(
        self, problem: Problem, jobs: int, face_timeout: float | None, store: Path | None
    ) -> None:
        self.problem, self.jobs, self.face_timeout, self.store = problem, jobs, face_timeout, store
        self.records: dict[tuple[Fraction, Product], Any] = {}
        self.curves: dict[str, Any] = {}
        self.crossings: dict[frozenset[str], list[tuple[int, ...]] | None] = {}
        self._checkpoints: dict[Fraction, Any] = {}
        self.face_solves = 0
        self.faces_eliminated = 0
        self.covered: list[_FaceSolves] = []
        self.uncovered: list[_FaceSolves] = []


    # -- eliminations -------------------------------------------------------------

    def event_polynomials(
        self, faces: list[Product], say: Callable[[str], None]
    ) -> dict[Product, list[tuple[int, ...]] | None]:
        """Each face's event polynomials (None: not covered), from the checkpoint or
        computed (in ``jobs`` processes when jobs > 1)."""
        from reluscape.execution.executor import map_tasks

        known = self._stored_polys()
        todo = [f for f in faces if f not in known]
        t0 = time.perf_counter()
        for product, polys in map_tasks(
            _face_polys, [(self.problem, f) for f in todo], jobs=self.jobs
        ):
            known[product] = polys
            self.faces_eliminated += 1
            self._store_polys(known)
        if todo:
            say(f"event polynomials of {len(todo)} faces: {time.perf_counter() - t0:.1f} s")
        return {f: known[f] for f in faces}

    def crossing_polynomials(
        self, pairs: set[frozenset[str]]
    ) -> list[tuple[int, ...]] | None:
        """Polynomials in lambda whose roots hold every value where the losses of two
        branches on the two faces of a pair (or two on one face) can be equal
        (:func:`reluscape.exact.lampath_events.loss_crossings`), None when a face's
        loss curve is unknown. The faces' curves are computed in ``jobs`` processes."""
        from reluscape.exact.lampath_events import loss_crossings

        self._curves({f for pair in pairs for f in pair})
        out: set[tuple[int, ...]] = set()
        for pair in pairs:
            if pair not in self.crossings:
                curves = [self.curves[f] for f in sorted(pair)]
                self.crossings[pair] = (
                    None if any(c is None for c in curves) else loss_crossings(self.problem, curves)
                )
            found = self.crossings[pair]
            if found is None:
                return None
            out.update(found)
        return sorted(out, key=lambda f: (len(f), f))

    def has_crossings(self, pairs: set[frozenset[str]]) -> bool:
        """Whether the crossing polynomials of these pairs are computed already."""
        return all(p in self.crossings for p in pairs)

    def _curves(self, faces: set[str]) -> None:
        """The loss curves of these faces (:func:`_loss_curve`), those not known yet."""
        from reluscape.exact.lampath_events import loss_ring
        from reluscape.execution.executor import map_tasks

        todo = sorted(f for f in faces if f not in self.curves)
        tasks = [(self.problem, f) for f in todo]
        for signs, text in map_tasks(_loss_curve, tasks, jobs=self.jobs):
            self.curves[signs] = None if text is None else loss_ring()(text)

    # -- face solves --------------------------------------------------------------

    def solve_cells(self, covered: list[_FaceSolves], grid: _Grid) -> None:
        """Solve each covered face once per run of gaps between its own roots."""
        wanted: dict[Fraction, list[_FaceSolves]] = {}
        for f in covered:
            own = _own_roots(f, grid)
            for first in [0, *(k + 1 for k in own)]:
                wanted.setdefault(grid.samples[first], []).append(f)
        self._solve_groups({lam: [f.product for f in wanted[lam]] for lam in sorted(wanted)})
        for lam in sorted(wanted):
            for f in wanted[lam]:
                f.at[lam] = self._signature(lam, f.product)

    def follow(
        self,
        f: _FaceSolves,
        grid: _Grid,
        samples: int,
        width: Fraction,
        max_solves: int,
    ) -> list[tuple[Fraction, Fraction]]:
        """An uncovered face solved at geometric samples, each change bisected to
        ``width``: the brackets where its minima change. No sample is a root of the
        covered faces' polynomials (the brackets' ends are samples of the path)."""
        lo, hi = grid.samples[0], grid.samples[-1]
        values = exact_path.sample_values(lo, hi, samples)
        lams = [lo, *(_off_roots(v, grid, w) for v, w in pairwise(values[1:])), hi]
        for lam in lams:
            self._solve(lam, [f.product])
            f.at[lam] = self._signature(lam, f.product)
        while len(f.at) < max_solves:
            ordered = sorted(f.at)
            wide = [
                (a, b)
                for a, b in pairwise(ordered)
                if f.at[a] != f.at[b] and exact_path.relative_width(a, b) > width
            ]
            if not wide:
                break
            for a, b in wide[: max_solves - len(f.at)]:
                mid = _off_roots(exact_path.bracket_midpoint(a, b), grid, b)
                self._solve(mid, [f.product])
                f.at[mid] = self._signature(mid, f.product)
        ordered = sorted(f.at)
        return [(a, b) for a, b in pairwise(ordered) if f.at[a] != f.at[b]]

    def follows(self, covered: list[_FaceSolves], uncovered: list[_FaceSolves]) -> None:
        """The faces :meth:`minima_at` assembles from."""
        self.covered, self.uncovered = covered, uncovered

    def minima_at(self, lam: Fraction, grid: _Grid) -> tuple[bool, list[Entry]]:
        """The minima at a sample: the faces holding some there (by their solves in the
        same run of gaps), every uncovered face, assembled as ``solve`` assembles."""
        from reluscape.exact.merge import assemble

        gap = grid.gap_of(lam)
        products = [f.product for f in self.uncovered]
        for f in self.covered:
            sig, complete = _face_at_gap(f, gap, grid)
            if sig or not complete:
                products.append(f.product)
        self._solve(lam, products)
        at = replace(self.problem, lam=lam)
        records = [self.records[(lam, p)] for p in products]
        result: Result = assemble(at, "realizable", 0, records, 0.0, time.perf_counter())
        return result.complete, entries(self.problem, result)

    def _signature(self, lam: Fraction, product: Product) -> tuple[FaceSignature, bool]:
        record = self.records[(lam, product)]
        sig = tuple(sorted((m.signs, m.dimension) for m in record.minima))
        return sig, not record.failure and not record.undecided

    def _solve(self, lam: Fraction, products: list[Product]) -> None:
        """Face records at lam (the executor; the checkpoint's first)."""
        self._solve_groups({lam: products})

    def _solve_groups(self, groups: dict[Fraction, list[Product]]) -> None:
        """Face records at several values of lambda: the checkpoint's first; then, with
        ``jobs`` > 1 and no face time limit, each value's faces as one task in ``jobs``
        forked processes (one pool for all: a cluster per value would cost more than its
        faces), else through the executor of ``solve`` value by value."""
        from reluscape.execution.executor import run_face_groups

        todo: dict[Fraction, list[Product]] = {}
        for lam, products in groups.items():
            rest = self._from_checkpoint(lam, products)
            if rest:
                todo[lam] = rest
        run_face_groups(
            self.problem,
            todo,
            self._collect,
            face_timeout=self.face_timeout,
            jobs=self.jobs,
        )

    def _from_checkpoint(self, lam: Fraction, products: list[Product]) -> list[Product]:
        """The faces at lam not known yet (those in the checkpoint are loaded)."""
        from reluscape.execution.checkpoint import Checkpoint

        todo = [p for p in dict.fromkeys(products) if (lam, p) not in self.records]
        if todo and self.store is not None:
            store = self._checkpoints.get(lam)
            if store is None:
                where = self.store / f"lam_{lam.numerator}_{lam.denominator}"
                store = Checkpoint.open(where, replace(self.problem, lam=lam), "realizable")
                self._checkpoints[lam] = store
            for p in list(todo):
                if p in store.records:
                    self.records[(lam, p)] = store.records[p]
                    todo.remove(p)
        return todo

    def _collect(self, lam: Fraction, record: Any) -> None:
        self.records[(lam, record.product)] = record
        self.face_solves += 1
        if lam in self._checkpoints:
            self._checkpoints[lam].save(record)

    # -- the checkpoint of the eliminations --------------------------------------------

    def _polys_file(self) -> Path | None:
        return None if self.store is None else self.store / "event_polynomials.json"

    def _fingerprint(self) -> str:
        from reluscape.execution.checkpoint import fingerprint

        return fingerprint(replace(self.problem, lam=Fraction(1)), "realizable")

    def _stored_polys(self) -> dict[Product, list[tuple[int, ...]] | None]:
        path = self._polys_file()
        if path is None or not path.exists():
            return {}
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if doc.get("fingerprint") != self._fingerprint():
                return {}
            return {
                tuple(e["product"]): None
                if e["polys"] is None
                else [tuple(int(c) for c in p) for p in e["polys"]]
                for e in doc["faces"]
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}  # unreadable: computed again

    def _store_polys(self, known: dict[Product, list[tuple[int, ...]] | None]) -> None:
        """Every face's polynomials known so far, written over the file (the dict in
        memory holds the file's and the new ones: the file is not read again)."""
        path = self._polys_file()
        if path is None:
            return
        from reluscape.execution.checkpoint import write_atomic

        doc = {
            "fingerprint": self._fingerprint(),
            "faces": [
                {"product": list(p), "polys": None if v is None else [list(q) for q in v]}
                for p, v in sorted(known.items())
            ],
        }
        write_atomic(path, json.dumps(doc))


def _face_polys(
    task: tuple[Problem, Product],
) -> tuple[Product, list[tuple[int, ...]] | None]:
    """One face's event polynomials (a task of :func:`executor.map_tasks`)."""
    from reluscape.exact.arrangement import cached_arrangement, pieces
    from reluscape.exact.lampath_events import face_event_polynomials

    problem, product = task
    unit_faces = pieces(problem, "realizable")
    faces = tuple(unit_faces[i] for i in product)
    return product, face_event_polynomials(problem, cached_arrangement(problem), faces)


def _loss_curve(task: tuple[Problem, str]) -> tuple[str, str | None]:
    """A product face's loss curve (:func:`reluscape.exact.lampath_events.face_loss_curve`)
    as text (a task of :func:`executor.map_tasks`), None when it is not known."""
    from reluscape.exact.arrangement import cached_arrangement
    from reluscape.exact.lampath_events import face_loss_curve

    problem, signs = task
    arrangement = cached_arrangement(problem)
    faces = [
        arrangement.face_of(tuple({"+": 1, "-": -1, "0": 0}[c] for c in unit))
        for unit in signs.split(" | ")
    ]
    known = tuple(f for f in faces if f is not None)
    curve = face_loss_curve(problem, known) if len(known) == len(faces) else None
    return signs, None if curve is None else str(curve)


def _checkpoint_root(checkpoint: str | Path | None) -> Path | None:
    """The directory of the path's checkpoints, created before any work."""
    if checkpoint is None:
        return None
    root = Path(checkpoint)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create checkpoint directory {root}: {exc}") from None
    return root


def _solve_at(problem: Problem, lam: Fraction, jobs: int) -> Result:
    from reluscape.execution.pipeline import solve  # lazy: the algebra stack

    return solve(replace(problem, lam=lam), jobs=jobs, face_timeout=None)


@dataclass(frozen=True)
class Check:
    """One re-check of a path document: what, whether it passed, and why not."""

    what: str
    passed: bool
    detail: str = ""


def verify_path(
    doc: PathResult,
    *,
    data: Problem | None = None,
    jobs: int = 1,
    progress: Callable[[str], None] | None = None,
) -> list[Check]:
    """Re-check a path document: every sample re-solved exactly (the same minima: faces,
    dimensions, loss intervals, global marks), every exact event's interval re-isolated
    (its minimal polynomial has exactly one root there, by Sturm's theorem) and every
    bracket's ends re-compared (the minima differ there). ``data``, when given, must be
    the recorded data exactly."""
    problem = doc.problem
    if data is not None and (data.X, data.y) != (problem.X, problem.y):
        raise InputError("the data file differs from the data recorded in the path document")
    checks = []
    for s in doc.samples:
        result = _solve_at(problem, s.lam, jobs)
        found = sorted(
            (e.signs, e.dimension, e.loss, e.is_global) for e in entries(problem, result)
        )
        claimed = sorted((m.signs, m.dimension, m.loss_interval, m.is_global) for m in s.minima)
        ok = found == claimed and result.complete == s.complete
        checks.append(Check(f"sample lambda = {s.lam}", ok, "" if ok else f"solve finds {found}"))
        if progress is not None:
            progress(f"sample lambda = {s.lam}: {'ok' if ok else 'REFUTED'}")
    signatures = {
        s.lam: signature(
            [Entry(m.signs, m.dimension, m.loss_interval, m.is_global) for m in s.minima]
        )
        for s in doc.samples
    }
    for k, e in enumerate(doc.events):
        if e.minimal_polynomial is not None:
            count = exact_path.roots_in(e.minimal_polynomial, e.lower, e.upper)
            ok = count == 1
            detail = "" if ok else f"{count} roots of the minimal polynomial in the interval"
        else:
            ok = (
                signatures[e.lower] != signatures[e.upper]
                if (e.lower in signatures and e.upper in signatures)
                else False
            )
            detail = "" if ok else "the bracket's ends are not two samples whose minima differ"
        checks.append(Check(f"event {k} ({e.kind}, {e.route})", ok, detail))
    return checks

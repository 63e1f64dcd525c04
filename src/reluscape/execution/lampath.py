"""The regularization path: exact solves at rational lambdas, events bracketed between them.

:func:`path` runs the exact :func:`reluscape.execution.pipeline.solve` at sample values of
lambda over [lo, hi] (geometric, then bisection wherever two neighbouring samples differ
in their minima), matches the minima of neighbouring samples into branches, and records
each change as an event (docs/METHOD.md section 15). The value lambda_0 where psi = 0
becomes a minimum is found exactly (:mod:`reluscape.exact.lampath`); the other events
are brackets: two exact solves that differ. Checkpoints are per sample (one
:mod:`reluscape.execution.checkpoint` directory per lambda), so a rerun after a kill
keeps every finished face of every sample.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from itertools import pairwise, permutations
from pathlib import Path
from typing import Any

from reluscape.data import Problem
from reluscape.exact import lampath as exact_path
from reluscape.exact.arrangement import UnitFace
from reluscape.pathresult import Event, PathMinimum, PathResult, Sample
from reluscape.schema import Result
from reluscape.validation import InputError, check_int, check_timeout

BRACKET_ROUTE = (
    "bracket: exact solves at {samples} rational lambdas (geometric, refined by bisection to "
    "a relative width of {width}); events between two samples with the same minima can be "
    "missed"
)
EXACT_ROUTE = "exact: lambda_0 of psi = 0 (docs/METHOD.md section 7), a root of degree <= 2"
ELIMINATION_ROUTE = (
    "exact: a bracket whose faces at both ends are covered holds exactly one root of "
    "those faces' event polynomials (and, for a global switch, of their loss curves' "
    "resultants) (elimination, docs/METHOD.md section 15)"
)


@dataclass(frozen=True)
class _Entry:
    """A minimum of one solve, before branch ids: face, dimension, exact loss (in the
    problem's convention) and whether it is the global one."""

    signs: str
    dimension: int
    loss: tuple[Fraction, Fraction]
    is_global: bool


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
    samples : int
        Geometric samples to start with (>= 2, the two ends included).
    width : Fraction
        Bisect a bracket while (upper - lower) / lower exceeds it.
    max_solves : int
        At most this many solves in all; brackets then stay wider (stated in routes).
    jobs, face_timeout, checkpoint
        As for :func:`reluscape.execution.pipeline.solve`; ``checkpoint`` is a
        directory holding one checkpoint directory per sample value of lambda.
    progress : callable, optional
        Called with one line per finished solve.

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1], [2]], [0, 1, 0], hidden=1, lam=1)
    >>> r = path(p, Fraction(1, 100), Fraction(10), samples=3)
    >>> [(e.kind, e.minimal_polynomial) for e in r.events]  # doctest: +NORMALIZE_WHITESPACE
    [('death', (18, 0, -1)), ('death', (18, 0, -1)), ('global switch', (18, 0, -1)),
     ('birth', (18, 0, -1))]
    """
    if not 0 < lo < hi:
        raise InputError(f"the lambda range must have 0 < LO < HI, got {lo}:{hi}")
    samples = check_int(samples, "samples", min_val=2)
    max_solves = check_int(max_solves, "max_solves", min_val=samples)
    face_timeout = check_timeout(face_timeout, "face_timeout")
    start = time.perf_counter()
    store = _checkpoint_root(checkpoint)

    def run(lam: Fraction) -> tuple[bool, list[_Entry]]:
        result = _solve_at(problem, lam, jobs, face_timeout, store)
        if progress is not None:
            count = len(result.minima)
            progress(f"lambda = {lam}: {count} minim{'um' if count == 1 else 'a'}")
        return result.complete, _entries(problem, result)

    solved: dict[Fraction, tuple[bool, list[_Entry]]] = {
        lam: run(lam) for lam in exact_path.sample_values(lo, hi, samples)
    }
    polys = _FacePolynomials(problem)
    capped = _refine(solved, run, width, max_solves, polys)
    lams = sorted(solved)
    branch_of = _branches(lams, solved)
    events = _isolated(polys, _events(problem, lams, solved, branch_of), lams, solved, branch_of)
    route = BRACKET_ROUTE.format(samples=len(lams), width=width)
    if capped:
        route += f" (stopped at {max_solves} solves: some brackets are wider)"
    routes = [EXACT_ROUTE, ELIMINATION_ROUTE, route]
    stats = {"solves": len(lams), "seconds": round(time.perf_counter() - start, 3)}
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
        events=events,
        routes=routes,
        event_list_complete=False,
        stats=stats,
    )


def _checkpoint_root(checkpoint: str | Path | None) -> Path | None:
    """The directory of the per-sample checkpoints, created before any work."""
    if checkpoint is None:
        return None
    root = Path(checkpoint)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create checkpoint directory {root}: {exc}") from None
    return root


def _solve_at(
    problem: Problem, lam: Fraction, jobs: int, face_timeout: float | None, store: Path | None
) -> Result:
    from reluscape.execution.pipeline import solve  # lazy: the algebra stack

    at = replace(problem, lam=lam)
    where = None if store is None else store / f"lam_{lam.numerator}_{lam.denominator}"
    return solve(at, jobs=jobs, face_timeout=face_timeout, checkpoint=where)


def _entries(problem: Problem, result: Result) -> list[_Entry]:
    """The minima of a solve in the problem's convention; global as the solve marks
    them (exact comparison of the certified intervals; mirror images tie)."""
    n = problem.n if problem.convention == "mean" else 1
    return [
        _Entry(
            m.signs,
            m.dimension,
            (m.loss_interval[0] / n, m.loss_interval[1] / n),
            m.is_global is True,
        )
        for m in result.minima
    ]


def _signature(entries: list[_Entry]) -> tuple:
    """What must agree at two samples for no event to be bracketed between them: the
    faces and dimensions of the minima, and the face of the global one."""
    faces = sorted((e.signs, e.dimension) for e in entries)
    glob = [(e.signs, e.dimension) for e in entries if e.is_global]
    return (tuple(faces), tuple(glob))


def _refine(
    solved: dict[Fraction, tuple[bool, list[_Entry]]],
    run: Callable[[Fraction], tuple[bool, list[_Entry]]],
    width: Fraction,
    max_solves: int,
    polys: _FacePolynomials,
) -> bool:
    """Bisect every bracket whose ends differ until it is ``width`` wide (relative) or
    settled (:meth:`_FacePolynomials.settled`: its event is isolated exactly); True if
    ``max_solves`` stopped it first."""
    while True:
        lams = sorted(solved)
        wide = [
            (a, b)
            for a, b in pairwise(lams)
            if _signature(solved[a][1]) != _signature(solved[b][1])
            and exact_path.relative_width(a, b) > width
            and not polys.settled(solved[a][1], solved[b][1], a, b)
        ]
        if not wide:
            return False
        for a, b in wide:
            if len(solved) >= max_solves:
                return True
            mid = exact_path.bracket_midpoint(a, b)
            solved[mid] = run(mid)


def adjacent(left: str, right: str) -> bool:
    """Whether two product faces (sign strings ``"+0- | ++0"``) touch: up to a
    permutation of units, each unit's sign vectors differ only where one of them is 0
    (one face lies in the closure of the other, unit by unit)."""
    a, b = left.split(" | "), right.split(" | ")
    if len(a) != len(b):
        return False
    return any(
        all(_unit_adjacent(u, v) for u, v in zip(a, perm, strict=True)) for perm in permutations(b)
    )


def _is_origin(signs: str) -> bool:
    """psi = 0: its own branch (a minimum exactly for lambda > lambda_0, constant loss);
    branches that shrink to it end there."""
    return set(signs) <= {"0", " ", "|"}


def _unit_adjacent(u: str, v: str) -> bool:
    below = all(x == "0" or x == y for x, y in zip(u, v, strict=True))
    above = all(y == "0" or x == y for x, y in zip(u, v, strict=True))
    return below or above


def _match(left: list[_Entry], right: list[_Entry]) -> dict[int, int]:
    """Pairs (left index -> right index) of one branch on both sides of a bracket.

    First the same face and dimension, in order of loss; then a face change into an
    adjacent face whose loss is not lower (a branch's loss is nondecreasing in lambda:
    an exact necessary condition), nearest in loss first (floats only order the
    candidates)."""
    pairs: dict[int, int] = {}
    free_right = set(range(len(right)))
    for i in sorted(range(len(left)), key=lambda k: left[k].loss):
        same = [
            j
            for j in sorted(free_right, key=lambda k: right[k].loss)
            if (right[j].signs, right[j].dimension) == (left[i].signs, left[i].dimension)
        ]
        if same:
            pairs[i] = same[0]
            free_right.discard(same[0])
    for i in sorted(set(range(len(left))) - set(pairs), key=lambda k: left[k].loss):
        moved = [
            j
            for j in free_right
            if adjacent(left[i].signs, right[j].signs)
            and right[j].loss[1] >= left[i].loss[0]
            and not _is_origin(left[i].signs)
            and not _is_origin(right[j].signs)
        ]
        if moved:
            j = min(moved, key=lambda k: float(right[k].loss[0] - left[i].loss[0]))
            pairs[i] = j
            free_right.discard(j)
    return pairs


def _branches(
    lams: list[Fraction], solved: dict[Fraction, tuple[bool, list[_Entry]]]
) -> dict[Fraction, list[int]]:
    """Branch ids of every sample's minima: a minimum continues the branch of the
    minimum it is matched with at the previous sample, or starts a new one."""
    ids: dict[Fraction, list[int]] = {}
    next_id = 0
    previous: list[int] = []
    for k, lam in enumerate(lams):
        entries = solved[lam][1]
        here = [-1] * len(entries)
        if k:
            for i, j in _match(solved[lams[k - 1]][1], entries).items():
                here[j] = previous[i]
        for j in range(len(here)):
            if here[j] < 0:
                here[j] = next_id
                next_id += 1
        ids[lam] = here
        previous = here
    return ids


def _events(
    problem: Problem,
    lams: list[Fraction],
    solved: dict[Fraction, tuple[bool, list[_Entry]]],
    branch_of: dict[Fraction, list[int]],
) -> list[Event]:
    """Every change between neighbouring samples, as events; psi = 0's birth or death at
    lambda_0 as an exact event."""
    origin = exact_path.origin_event(problem)
    events: list[Event] = []
    for a, b in pairwise(lams):
        left, right = solved[a][1], solved[b][1]
        ids_a, ids_b = branch_of[a], branch_of[b]
        before = dict(zip(ids_a, left, strict=True))
        after = dict(zip(ids_b, right, strict=True))
        for bid in sorted(set(before) | set(after)):
            event = _branch_event(bid, before.get(bid), after.get(bid), a, b, origin)
            if event is not None:
                events.append(event)
        glob_a = sorted(i for i, e in zip(ids_a, left, strict=True) if e.is_global)
        glob_b = sorted(i for i, e in zip(ids_b, right, strict=True) if e.is_global)
        if glob_a != glob_b:
            events.append(
                Event(
                    "global switch",
                    a,
                    b,
                    "bracket",
                    tuple(sorted(set(glob_a) | set(glob_b))),
                    f"global: branches {glob_a} -> {glob_b}",
                )
            )
    return sorted(events, key=lambda e: (e.lower, e.upper))


class _FacePolynomials:
    """The event polynomials of each product face met, by its sign string (cached)."""

    def __init__(self, problem: Problem) -> None:
        from reluscape.exact.arrangement import unit_arrangement

        self.problem = problem
        self.arrangement = unit_arrangement(problem)
        self.cache: dict[str, list[tuple[int, ...]] | None] = {}
        self.curves: dict[str, Any] = {}

    def __call__(self, signs: str) -> list[tuple[int, ...]] | None:
        from reluscape.exact.lampath_events import face_event_polynomials

        if signs not in self.cache:
            faces = self._faces(signs)
            self.cache[signs] = (
                None
                if faces is None
                else face_event_polynomials(self.problem, self.arrangement, faces)
            )
        return self.cache[signs]

    def _faces(self, signs: str) -> tuple[UnitFace, ...] | None:
        faces = [
            self.arrangement.face_of(tuple({"+": 1, "-": -1, "0": 0}[c] for c in unit))
            for unit in signs.split(" | ")
        ]
        known = tuple(f for f in faces if f is not None)
        return known if len(known) == len(faces) else None

    def loss_curve(self, signs: str) -> Any:
        from reluscape.exact.lampath_events import face_loss_curve

        if signs not in self.curves:
            faces = self._faces(signs)
            self.curves[signs] = None if faces is None else face_loss_curve(self.problem, faces)
        return self.curves[signs]

    def switch(self, old: set[str], new: set[str]) -> list[tuple[int, ...]] | None:
        """Candidates for a switch of the global minimum from faces ``old`` to ``new``:
        every event polynomial of those faces (a branch ends) and the crossings of their
        losses (:func:`reluscape.exact.lampath_events.crossing_polynomials`)."""
        from reluscape.exact.lampath_events import crossing_polynomials

        out: set[tuple[int, ...]] = set()
        for signs in old | new:
            found = self(signs)
            if found is None:
                return None
            out.update(found)
        for f in old:
            for g in new - {f}:
                curves = self.loss_curve(f), self.loss_curve(g)
                if curves[0] is None or curves[1] is None:
                    return None
                crossing = crossing_polynomials(self.problem, curves[0], curves[1])
                if crossing is None:
                    return None
                out.update(crossing)
        return sorted(out)

    def settled(self, left: list[_Entry], right: list[_Entry], a: Fraction, b: Fraction) -> bool:
        """Whether bisecting [a, b] further is useless: the global face is the same at
        both ends, and the faces present at one end only are covered and their event
        polynomials have exactly one root in [a, b] (every event there is that root)."""
        from reluscape.exact.lampath_events import isolate

        count_left = Counter((e.signs, e.dimension) for e in left)
        count_right = Counter((e.signs, e.dimension) for e in right)
        changed = {k[0] for k in count_left | count_right if count_left[k] != count_right[k]}
        found = [self(signs) for signs in changed]
        old = {e.signs for e in left if e.is_global}
        new = {e.signs for e in right if e.is_global}
        if old != new:
            found.append(self.switch(old, new))
        if not found or any(p is None for p in found):
            return False
        return isolate(sorted({f for p in found for f in p or []}), a, b) is not None


def _isolated(
    polys: _FacePolynomials,
    events: list[Event],
    lams: list[Fraction],
    solved: dict[Fraction, tuple[bool, list[_Entry]]],
    branch_of: dict[Fraction, list[int]],
) -> list[Event]:
    """Each bracket of one branch (birth, death, wall crossing, dimension change) made
    exact where the event polynomials of the branch's faces at the two ends
    (:func:`reluscape.exact.lampath_events.face_event_polynomials`) have exactly one root
    in it: some event of the branch lies in the bracket and is a root of them."""
    from reluscape.exact.lampath_events import isolate

    out = []
    for e in events:
        if e.route == "bracket" and e.kind == "global switch":
            out.append(_switch_isolated(polys, e, solved, branch_of))
            continue
        if e.route != "bracket" or len(e.branches) != 1:
            out.append(e)
            continue
        faces = [
            entry.signs
            for lam in (e.lower, e.upper)
            for bid, entry in zip(branch_of[lam], solved[lam][1], strict=True)
            if bid == e.branches[0]
        ]
        found = [polys(signs) for signs in faces]
        if any(p is None for p in found):
            out.append(e)
            continue
        candidates = sorted({f for p in found for f in p or []})
        exact = isolate(candidates, e.lower, e.upper)
        if exact is None:
            out.append(e)
            continue
        poly, lo, hi = exact
        detail = e.detail + "; the one root of the faces' event polynomials"
        out.append(
            replace(e, lower=lo, upper=hi, route="exact", minimal_polynomial=poly, detail=detail)
        )
    return sorted(out, key=lambda e: (e.lower, e.upper))


def _switch_isolated(
    polys: _FacePolynomials,
    e: Event,
    solved: dict[Fraction, tuple[bool, list[_Entry]]],
    branch_of: dict[Fraction, list[int]],
) -> Event:
    """A global switch made exact where its candidates (:meth:`_FacePolynomials.switch`,
    from the global faces at the two ends) have exactly one root in the bracket."""
    from reluscape.exact.lampath_events import isolate

    if e.lower not in solved or e.upper not in solved:
        return e
    old = {x.signs for x in solved[e.lower][1] if x.is_global}
    new = {x.signs for x in solved[e.upper][1] if x.is_global}
    found = polys.switch(old, new)
    exact = None if found is None else isolate(found, e.lower, e.upper)
    if exact is None:
        return e
    poly, lo, hi = exact
    detail = e.detail + "; the one root of the faces' event and loss-crossing polynomials"
    return replace(e, lower=lo, upper=hi, route="exact", minimal_polynomial=poly, detail=detail)


def _branch_event(
    bid: int,
    before: _Entry | None,
    after: _Entry | None,
    a: Fraction,
    b: Fraction,
    origin: tuple[tuple[int, ...], Fraction, Fraction] | None,
) -> Event | None:
    if before is not None and after is not None:
        if before.dimension != after.dimension:
            return Event(
                "dimension change",
                a,
                b,
                "bracket",
                (bid,),
                f"{before.signs} dim {before.dimension} -> {after.signs} dim {after.dimension}",
            )
        if before.signs != after.signs:
            return Event(
                "wall crossing", a, b, "bracket", (bid,), f"{before.signs} -> {after.signs}"
            )
        return None
    entry = after if after is not None else before
    assert entry is not None
    kind = "birth" if after is not None else "death"
    if _is_origin(entry.signs) and origin is not None:
        poly, lo, hi = origin
        if a < lo and hi < b:
            return Event(
                kind,
                lo,
                hi,
                "exact",
                (bid,),
                f"psi = 0 {'becomes' if kind == 'birth' else 'stops being'} a minimum at lambda_0",
                poly,
            )
    what = (
        "appears (a fold, or a point starts being a minimum)"
        if kind == "birth"
        else ("ends (a fold, or the point stops being a minimum)")
    )
    return Event(kind, a, b, "bracket", (bid,), f"{entry.signs} dim {entry.dimension} {what}")


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
        result = _solve_at(problem, s.lam, jobs, None, None)
        found = sorted(
            (e.signs, e.dimension, e.loss, e.is_global) for e in _entries(problem, result)
        )
        claimed = sorted((m.signs, m.dimension, m.loss_interval, m.is_global) for m in s.minima)
        ok = found == claimed and result.complete == s.complete
        checks.append(Check(f"sample lambda = {s.lam}", ok, "" if ok else f"solve finds {found}"))
        if progress is not None:
            progress(f"sample lambda = {s.lam}: {'ok' if ok else 'REFUTED'}")
    signatures = {
        s.lam: _signature(
            [_Entry(m.signs, m.dimension, m.loss_interval, m.is_global) for m in s.minima]
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

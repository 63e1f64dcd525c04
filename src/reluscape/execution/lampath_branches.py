"""Branches and events of the regularization path from its samples (docs/METHOD.md
section 15): the minima of neighbouring samples matched into branches, and each change
between two neighbouring samples told as events (birth, death, wall crossing, dimension
change, global switch). Where the change's value of lambda is known (an isolated root
between the two samples), :mod:`reluscape.execution.lampath` makes the event exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise, permutations

from reluscape.data import Problem
from reluscape.exact import lampath as exact_path
from reluscape.pathresult import Event
from reluscape.schema import Result


@dataclass(frozen=True)
class Entry:
    """A minimum of one solve, before branch ids: face, dimension, exact loss (in the
    problem's convention), whether it is the global one, and the slope of its branch's
    loss there, an interval of d loss / d lambda (:func:`loss_slope`; None: unknown)."""

    signs: str
    dimension: int
    loss: tuple[Fraction, Fraction]
    is_global: bool
    slope: tuple[Fraction, Fraction] | None = None


def entries(problem: Problem, result: Result) -> list[Entry]:
    """The minima of a solve in the problem's convention; global as the solve marks
    them (exact comparison of the certified intervals; mirror images tie)."""
    n = problem.n if problem.convention == "mean" else 1
    return [
        Entry(
            m.signs,
            m.dimension,
            (m.loss_interval[0] / n, m.loss_interval[1] / n),
            m.is_global is True,
            loss_slope(m.point.box, problem.hidden),
        )
        for m in result.minima
    ]


def loss_slope(
    box: dict[str, tuple[Fraction, Fraction]] | None, hidden: int
) -> tuple[Fraction, Fraction] | None:
    """d loss / d lambda = 1/2 (|a|^2 + |psi|^2) = |a|^2 along a branch (the envelope
    theorem; |a_l| = |theta_l| at a critical point, ReLU being positively homogeneous),
    in either convention (l_mean(lambda) = l_sum(n lambda) / n), as an interval from the
    certified box of the point: sum_l a_l^2 with a_l in [lo, hi]. None without a box.

    >>> loss_slope({"a0": (Fraction(-1), Fraction(2)), "t0_0": (Fraction(5), Fraction(5))}, 2)
    (Fraction(0, 1), Fraction(4, 1))
    """
    if box is None:
        return None
    low, high = Fraction(0), Fraction(0)
    for u in range(hidden):
        a, b = box.get(f"a{u}", (Fraction(0), Fraction(0)))  # a dead unit: a_l = 0
        low += Fraction(0) if a <= 0 <= b else min(a * a, b * b)
        high += max(a * a, b * b)
    return low, high


def signature(minima: list[Entry]) -> tuple:
    """What must agree at two samples for no event to lie between them: the faces and
    dimensions of the minima, and the face of the global one."""
    faces = sorted((e.signs, e.dimension) for e in minima)
    glob = [(e.signs, e.dimension) for e in minima if e.is_global]
    return (tuple(faces), tuple(glob))


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


def is_origin(signs: str) -> bool:
    """psi = 0: its own branch (a minimum exactly for lambda > lambda_0, constant loss);
    branches that shrink to it end there."""
    return set(signs) <= {"0", " ", "|"}


def _unit_adjacent(u: str, v: str) -> bool:
    below = all(x == "0" or x == y for x, y in zip(u, v, strict=True))
    above = all(y == "0" or x == y for x, y in zip(u, v, strict=True))
    return below or above


def match(left: list[Entry], right: list[Entry]) -> dict[int, int]:
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
            and not is_origin(left[i].signs)
            and not is_origin(right[j].signs)
        ]
        if moved:
            j = min(moved, key=lambda k: float(right[k].loss[0] - left[i].loss[0]))
            pairs[i] = j
            free_right.discard(j)
    return pairs


def branches(
    lams: list[Fraction], solved: dict[Fraction, tuple[bool, list[Entry]]]
) -> dict[Fraction, list[int]]:
    """Branch ids of every sample's minima: a minimum continues the branch of the
    minimum it is matched with at the previous sample, or starts a new one."""
    ids: dict[Fraction, list[int]] = {}
    next_id = 0
    previous: list[int] = []
    for k, lam in enumerate(lams):
        minima = solved[lam][1]
        here = [-1] * len(minima)
        if k:
            for i, j in match(solved[lams[k - 1]][1], minima).items():
                here[j] = previous[i]
        for j in range(len(here)):
            if here[j] < 0:
                here[j] = next_id
                next_id += 1
        ids[lam] = here
        previous = here
    return ids


def events(
    problem: Problem,
    lams: list[Fraction],
    solved: dict[Fraction, tuple[bool, list[Entry]]],
    branch_of: dict[Fraction, list[int]],
) -> list[Event]:
    """Every change between neighbouring samples, as events; psi = 0's birth or death at
    lambda_0 as an exact event."""
    origin = exact_path.origin_event(problem)
    found: list[Event] = []
    for a, b in pairwise(lams):
        left, right = solved[a][1], solved[b][1]
        ids_a, ids_b = branch_of[a], branch_of[b]
        before = dict(zip(ids_a, left, strict=True))
        after = dict(zip(ids_b, right, strict=True))
        for bid in sorted(set(before) | set(after)):
            event = _branch_event(bid, before.get(bid), after.get(bid), a, b, origin)
            if event is not None:
                found.append(event)
        glob_a = sorted(i for i, e in zip(ids_a, left, strict=True) if e.is_global)
        glob_b = sorted(i for i, e in zip(ids_b, right, strict=True) if e.is_global)
        if glob_a != glob_b:
            found.append(
                Event(
                    "global switch",
                    a,
                    b,
                    "bracket",
                    tuple(sorted(set(glob_a) | set(glob_b))),
                    f"global: branches {glob_a} -> {glob_b}",
                )
            )
    return sorted(found, key=lambda e: (e.lower, e.upper))


def _branch_event(
    bid: int,
    before: Entry | None,
    after: Entry | None,
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
    if is_origin(entry.signs) and origin is not None:
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

"""Re-checks of the census's kinks and of the landscape's stored paths and joins.

A kink claims 0 in the Clarke subdifferential with a first-order descent: the float
gradients of every adjacent realizable chamber at its point must have 0 in their convex hull
(a small least-squares problem over the simplex, independent of the exact test), and the
probe must find a descent (checked with the other census points).

Each stored path (``connects[k].path``) is re-read and its height recomputed: exactly
(:func:`reluscape.exact.paths.path_height`, which must give the stored enclosure) and in
floats by sampling the full loss densely along every segment (which must stay inside that
enclosure, up to rounding). It must start at its point and end at its minimum: exactly on
the minimum's rational point (inside its certified box), up to a permutation of the units,
for an isolated minimum; within the matching tolerance of `compare` for a set. Each join's
critical value must be its point's loss interval, its path height the highest of its two
paths', that height at least the critical value and, for a join called the minimax
barrier, equal to it to 1e-9 (relative); the joins must be the merges of Kruskal's
algorithm over the connections. A failure is a refutation of the document.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
from scipy.optimize import nnls

from reluscape.convention import divisor
from reluscape.exact.paths import path_height, split_vertex
from reluscape.numerical.compare import PARAM_TOL, RunMatcher
from reluscape.numerical.search import adjacent_sign_patterns
from reluscape.numerical.verify.claims import Claim, Context
from reluscape.numerical.verify.local_checks import TIGHT_TOL, _chamber_gradient
from reluscape.numerical.verify.report import CheckOutcome
from reluscape.schema import Connection, CriticalPoint, Point, Result

CLARKE_TOL = 1e-8  # distance of 0 to the gradients' hull, relative to max(1, lambda |psi|)
JOIN_RTOL = 1e-9  # a path's height against its join's critical value
SAMPLES = 32  # float samples per segment of a stored path
HEIGHT_TOL = Fraction(1, 2**50)


def hull_distance(gradients: list[np.ndarray]) -> float:
    """Distance from 0 to the convex hull of the vectors (least |G w|, w in the simplex:
    nonnegative least squares with sum w = 1 as a heavily weighted extra row).

    Examples
    --------
    >>> round(hull_distance([np.array([1.0, 0.0]), np.array([-1.0, 0.0])]), 9)
    0.0
    >>> round(hull_distance([np.array([1.0, 1.0]), np.array([-1.0, 1.0])]), 9)
    1.0
    """
    G = np.array([g.ravel() for g in gradients]).T
    weight = 1e6 * max(1.0, float(np.max(np.abs(G))))
    A = np.vstack([G, weight * np.ones(G.shape[1])])
    b = np.concatenate([np.zeros(G.shape[0]), [weight]])
    w, _ = nnls(A, b)
    return float(np.linalg.norm(G @ (w / np.sum(w))))


def check_clarke(claim: Claim, ctx: Context) -> CheckOutcome:
    """0 in the hull of the adjacent realizable chambers' float gradients at the point."""
    psi = claim.psi
    try:
        patterns = adjacent_sign_patterns(ctx.problem, psi, tol=TIGHT_TOL, realizable=True)
    except ValueError as exc:
        return CheckOutcome("Clarke", None, None, f"adjacent patterns: {exc}")
    distance = hull_distance([_chamber_gradient(ctx, p, psi) for p in patterns])
    tol = CLARKE_TOL * max(1.0, ctx.lam * float(np.max(np.abs(psi))))
    detail = (
        f"0 is {distance:.2g} from the hull of the gradients of {len(patterns)} adjacent "
        f"chamber(s) (tolerance {tol:.1e})"
    )
    return CheckOutcome("Clarke", distance <= tol, distance, detail)


def _flat(point: Point) -> np.ndarray:
    a = np.asarray(point.a, dtype=float)
    psi = np.column_stack([np.asarray(point.B, dtype=float), np.asarray(point.c, dtype=float)])
    return np.concatenate([a, psi.ravel()])


def _float_height(ctx: Context, path: np.ndarray, hidden: int) -> float:
    """The highest full loss at SAMPLES points of every segment, in floats."""
    t = np.linspace(0.0, 1.0, SAMPLES + 1)[:, None]
    best = -np.inf
    for v0, v1 in itertools.pairwise(path):
        for v in (1 - t) * v0 + t * v1:
            a, psi = v[:hidden], v[hidden:].reshape(hidden, -1)
            f = np.maximum(ctx.xt @ psi.T, 0.0) @ a
            value = 0.5 * float(np.sum((ctx.yt - f) ** 2)) + 0.5 * ctx.lam * float(v @ v)
            best = max(best, value)
    return best


def _path_failures(
    ctx: Context, point: CriticalPoint, conn: Connection, result: Result, matcher: RunMatcher
) -> list[str]:
    """What is wrong with one stored path (nothing: an empty list)."""
    assert conn.path is not None and conn.height is not None
    hidden, width = result.problem.hidden, len(ctx.xt_q[0])
    where = f"point {point.id} -> minimum {conn.minimum}"
    out = []
    exact = path_height(
        result.problem, [split_vertex(v, hidden) for v in conn.path], HEIGHT_TOL
    )
    k = divisor(ctx.problem)  # losses in messages are in the user's convention
    if exact.lower > conn.height[1] or exact.upper < conn.height[0]:
        out.append(
            f"{where}: the path's exact height is in [{float(exact.lower / k):.12g}, "
            f"{float(exact.upper / k):.12g}], not the stored [{float(conn.height[0] / k):.12g}, "
            f"{float(conn.height[1] / k):.12g}]"
        )
    path = np.array([[float(x) for x in v] for v in conn.path])
    sampled = _float_height(ctx, path, hidden)
    slack = 1e-9 * max(1.0, abs(sampled))
    if sampled > float(conn.height[1]) + slack:
        out.append(f"{where}: the loss reaches {sampled / k:.12g} on the path, above its height")
    start = _flat(point.point)
    if np.max(np.abs(path[0] - start)) > 1e-9 * max(1.0, float(np.max(np.abs(start)))):
        out.append(f"{where}: the path does not start at the point")
    minimum = next(m for m in result.minima if m.id == conn.minimum)
    rational = minimum.exact_point() if minimum.dimension == 0 else None
    if rational is not None:
        # Exactly on the certified minimum's rational point, up to a unit permutation.
        a_q, psi_q = rational
        ends = {
            (*(a_q[u] for u in order), *(x for u in order for x in psi_q[u]))
            for order in itertools.permutations(range(hidden))
        }
        if tuple(conn.path[-1]) not in ends:
            out.append(f"{where}: the path does not end on its minimum's rational point")
        return out
    end = path[-1]
    a, psi = end[:hidden], end[hidden:].reshape(hidden, width)
    mid, dist = matcher.match(a, psi, PARAM_TOL)
    geometry = dict(matcher.sets).get(conn.minimum)
    if mid != conn.minimum and geometry is not None:
        # An end where one of two parallel units died lies in the closure of the set
        # (the matcher compares no set with a point that has more dead units).
        dist = geometry.distance(a, psi, ctx.yt, ctx.lam)
        if dist <= PARAM_TOL * max(1.0, float(np.max(np.abs(psi)))):
            mid = conn.minimum
    if mid != conn.minimum:
        out.append(
            f"{where}: the path ends {dist:.2g} from the nearest minimum "
            f"({'none' if mid is None else mid}), not at its minimum"
        )
    return out


def _kruskal(result: Result) -> list[tuple[int, frozenset[int], frozenset[int]]]:
    """(point, basin, basin) of each merge, by increasing loss interval of the points."""
    parent = {m.id: m.id for m in result.minima}

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    members = {m.id: frozenset([m.id]) for m in result.minima}
    edges = sorted(
        (p.loss_interval[0], p.id, i, j)
        for p in result.critical_points or []
        if p.kind != "minimum"
        for i, j in itertools.combinations([c.minimum for c in p.connects or []], 2)
    )
    out = []
    for _, pid, i, j in edges:
        ri, rj = find(i), find(j)
        if ri != rj:
            out.append((pid, members[ri], members[rj]))
            parent[rj] = ri
            members[ri] = members[ri] | members[rj]
    return out


def landscape_failures(result: Result, ctx: Context) -> tuple[list[str], str]:
    """Refutations of the landscape (empty if none) and a one-line summary."""
    if result.landscape is None or result.critical_points is None:
        return [], ""
    matcher = RunMatcher(result.minima, ctx.xt, ctx.yt, ctx.lam)
    by_id = {p.id: p for p in result.critical_points}
    k = divisor(ctx.problem)  # losses in messages are in the user's convention
    out: list[str] = []
    paths = 0
    for point in result.critical_points:
        for conn in point.connects or []:
            if conn.path is not None:
                paths += 1
                out += _path_failures(ctx, point, conn, result, matcher)
    merges = _kruskal(result)
    joins = result.landscape.joins
    if [(j.point, frozenset(j.basins[0]), frozenset(j.basins[1])) for j in joins] != merges:
        out.append("the joins are not the merges of the connections in order of height")
    for index, join in enumerate(joins):
        joined = by_id.get(join.point)
        if joined is None or join.critical_interval != joined.loss_interval:
            out.append(f"join {index}: its critical value is not its point's loss interval")
            continue
        conns = {c.minimum: c for c in joined.connects or []}
        if any(m not in conns for m in join.minima):
            out.append(f"join {index}: point {joined.id} does not connect minima {join.minima}")
            continue
        heights = [conns[m].height or joined.loss_interval for m in join.minima]
        expected = (max(h[0] for h in heights), max(h[1] for h in heights))
        if join.path_height != expected:
            out.append(f"join {index}: its path height is not that of its two paths")
            continue
        tol = Fraction(JOIN_RTOL) * max(Fraction(1), abs(join.critical_interval[1]))
        if expected[1] < join.critical_interval[0] - tol:
            out.append(
                f"join {index}: its paths stay below its point's critical value "
                f"{float(join.critical_interval[0] / k):.12g}, from which they start"
            )
        elif join.minimax and expected[0] > join.critical_interval[1] + tol:
            out.append(
                f"join {index}: it is called the minimax barrier, but its paths rise to "
                f"{float(expected[1] / k):.12g}, not to its critical value "
                f"{float(join.critical_interval[1] / k):.12g}"
            )
    summary = (
        f"landscape: {paths} stored path(s) re-computed exactly and sampled in floats, "
        f"{len(joins)} join(s) checked against their critical values"
    )
    return out, summary

"""The landscape: from every stationary point that is not a minimum, down to the minima.

A stationary point with every unit live is a local minimum (docs/METHOD.md section 6.7), so
the census's other stationary points all have a dead unit m (theta_m = 0, a_m = 0) whose
maximum kappa = max |e . ReLU(Xt u)| / |u| exceeds lambda. Along a unit direction u of a
face G of a chamber closure cl(C), with g_C = sum_{i in A_C} e_i xt_i, the dead unit's form
(docs/METHOD.md section 6.1)

    Q(a, u) = lambda/2 (a^2 + |u|^2) - a g_C . u

is lambda - |P_G g_C| < 0 at (a, u) = (sign, P_G g_C / |P_G g_C|) when that direction lies in
cl(G). These are the critical points of |g_C . u| on the unit sphere of each face, so every
connected region where the loss goes down to second order contains one of them: they are the
*descent directions* of the point (:func:`descent_directions`), the analogue of the two
directions along the negative eigenvector of an index-1 saddle of a smooth function.

From each direction a short step of the dead unit (balanced: a_m^2 = |theta_m|^2) lowers the
loss; L-BFGS-B on l with chamber polishing and probing
(:func:`reluscape.numerical.search.descend`) then runs down to a local minimum, which is
named by its parameters up to unit permutation (:class:`reluscape.numerical.compare.RunMatcher`).
The point *connects* the minima its directions reach, each with the *barrier* (its loss minus
the minimum's), and the sets of minima in whose closure it lies (no path, barrier 0: the
end of a curve of minima where one of two parallel units dies is such a point). A path
that ends at no enumerated minimum is recorded and reported loudly: it is a possible bug.
All of this is floats: numerical support of the exact census, never a verdict.

The *landscape graph* has the minima as nodes and an edge for each pair of minima that one
point connects, at the point's loss; its connected components, and the disconnectivity
graph (minima at their loss, joined at the lowest such point that links their basins) follow
from it by Kruskal's union-find (:func:`disconnectivity`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from reluscape.data import Problem
from reluscape.exact.arrangement import cached_arrangement
from reluscape.numerical.compare import PARAM_TOL, RunMatcher
from reluscape.numerical.loss import float_data, full_loss_grad_array
from reluscape.numerical.search import descend
from reluscape.schema import Connection, CriticalPoint, Landscape, Result

__all__ = [
    "DescentDirection",
    "connect",
    "descent_directions",
    "disconnectivity",
    "graph_components",
]

RATE_TOL = 1e-9  # |P_G g_C| must exceed lambda by this relative margin (floats)
INSIDE_TOL = 1e-10  # a projected direction counts as inside cl(G) above -this (floats)
FIRST_STEP = 1e-3  # the first step of the dead unit, relative to max(1, |psi|)
MAX_STEP = 0.3  # the step grows by 3 until the loss is below the point's, up to this


@dataclass(frozen=True)
class DescentDirection:
    """Dead unit ``unit`` moves along (a, theta) = t (sign, u), |u| = 1; ``rate`` is
    lambda - |P_G g_C| < 0, the loss change per t^2."""

    unit: int
    sign: float
    u: np.ndarray
    rate: float
    chamber: str


def _psi(point: CriticalPoint) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(point.point.a, dtype=float)
    psi = np.column_stack(
        [np.asarray(point.point.B, dtype=float), np.asarray(point.point.c, dtype=float)]
    )
    return a, psi


def descent_directions(problem: Problem, point: CriticalPoint) -> list[DescentDirection]:
    """The directions along which a dead unit of ``point`` lowers the loss to second order.

    For every dead unit (its face is the origin), chamber C and face G of cl(C): with
    v = P_G g_C, the direction s v / |v| if it lies in cl(G) (s = +-1) and |v| > lambda.

    Examples
    --------
    One unit, psi = 0, yt = (-1, 2, -1): no ReLU of x sees the middle sample alone, but a
    unit that sees one end sample alone, with a < 0, fits its yt = -1 (rate
    lambda - 1/sqrt(2)):

    >>> from reluscape.data import make_problem
    >>> from reluscape.execution.pipeline import solve
    >>> p = make_problem([[0], [1], [2]], ["0", "3", "0"], hidden=1, lam="1/10")
    >>> r = solve(p, census=True)
    >>> origin = next(c for c in r.critical_points if c.kind != "minimum")
    >>> [(d.chamber, d.sign, round(d.rate, 3)) for d in descent_directions(p, origin)]
    [('--+', -1.0, -0.607), ('+--', -1.0, -0.607)]
    """
    xt, yt, lam = float_data(problem)
    a, psi = _psi(point)
    e = yt - np.maximum(xt @ psi.T, 0.0) @ a
    arrangement = cached_arrangement(problem)
    out: list[DescentDirection] = []
    for unit, face in enumerate(point.face):
        if face.kind != "origin":
            continue
        for chamber in arrangement.chambers:
            g = e[list(chamber.active)] @ xt[list(chamber.active)]
            for sub in arrangement.closure_faces(chamber):
                if sub.dim == 0:
                    continue
                K = np.array([[float(v) for v in row] for row in sub.basis])
                v = K.T @ np.linalg.solve(K @ K.T, K @ g)
                norm = float(np.linalg.norm(v))
                # Rounding must not make a direction of rate 0 (the live unit's own
                # direction at the end of a curve of minima) a descent.
                if norm <= lam * (1 + RATE_TOL):
                    continue
                for s in (1.0, -1.0):
                    u = s * v / norm
                    pre = xt @ u
                    if all(
                        sign * pre[i] >= -INSIDE_TOL for i, sign in enumerate(sub.signs) if sign
                    ):
                        out.append(DescentDirection(unit, s, u, lam - norm, chamber.label()))
    return _distinct(out)


def _distinct(directions: list[DescentDirection]) -> list[DescentDirection]:
    """One direction per (unit, sign, u): a face's direction is found from every chamber
    whose closure holds it."""
    out: list[DescentDirection] = []
    for d in directions:
        if not any(
            d.unit == o.unit and d.sign == o.sign and np.allclose(d.u, o.u, atol=1e-9) for o in out
        ):
            out.append(d)
    return out


def _start(
    problem: Problem, point: CriticalPoint, direction: DescentDirection
) -> np.ndarray | None:
    """(a, psi) one step along the direction, the step grown until the loss is lower."""
    xt, yt, lam = float_data(problem)
    a, psi = _psi(point)
    base, _, _ = full_loss_grad_array(xt, yt, lam, a, psi)
    step = FIRST_STEP * max(1.0, float(np.max(np.abs(psi))))
    while step <= MAX_STEP:
        a1, psi1 = a.copy(), psi.copy()
        a1[direction.unit] = direction.sign * step
        psi1[direction.unit] = step * direction.u
        value, _, _ = full_loss_grad_array(xt, yt, lam, a1, psi1)
        if value < base:
            return np.concatenate([a1, psi1.ravel()])
        step *= 3
    return None


def _connection(point: CriticalPoint, mid: int, loss_of: dict[int, float | None]) -> Connection:
    """No path yet to minimum ``mid``; the barrier is the point's loss minus its loss."""
    low = loss_of[mid]
    barrier = None if point.loss is None or low is None else point.loss - low
    return Connection(minimum=mid, barrier=barrier, paths=0)


def _connections(
    problem: Problem,
    point: CriticalPoint,
    matcher: RunMatcher,
    loss_of: dict[int, float | None],
    lost: list[dict[str, Any]],
    seed: int,
) -> tuple[Connection, ...]:
    """The minima that the descent paths from one point reach (lost paths go to ``lost``),
    and the sets of minima whose closure holds the point itself (``paths`` 0, barrier 0 up
    to rounding: the end of a curve of minima where one unit dies)."""
    reached: dict[int, Connection] = {}
    a, psi = _psi(point)
    for mid, geometry in matcher.sets:
        dist = geometry.distance(a, psi, matcher.yt, matcher.lam)
        if dist <= PARAM_TOL * max(1.0, float(np.max(np.abs(psi)))):
            reached[mid] = _connection(point, mid, loss_of)
    for k, direction in enumerate(descent_directions(problem, point)):
        x0 = _start(problem, point, direction)
        if x0 is None:
            continue
        run = descend(problem, x0, seed=seed + k)
        mid, dist = matcher.match(run.a, run.psi, PARAM_TOL)
        if mid is None or not run.is_local_min:
            lost.append(
                {
                    "from": point.id,
                    "unit": direction.unit,
                    "loss": run.loss,
                    "distance": dist if np.isfinite(dist) else None,
                    "a": run.a.tolist(),
                    "psi": run.psi.tolist(),
                }
            )
            continue
        reached.setdefault(mid, _connection(point, mid, loss_of)).paths += 1
    return tuple(reached[mid] for mid in sorted(reached))


def connect(problem: Problem, result: Result, *, seed: int = 0) -> Result:
    """The result with every non-minimal census point's ``connects`` and the ``landscape``.

    Each descent direction gives one path: a step along it (:func:`descent_directions`),
    then :func:`reluscape.numerical.search.descend` (L-BFGS-B on l, polished in the
    chamber it ends in, probed). The end is named by :class:`RunMatcher` within
    ``PARAM_TOL``; a path that ends elsewhere, or at a point the probe does not accept, is
    lost and listed in ``landscape.lost_paths``.

    Raises
    ------
    ValueError
        If the result has no census.
    """
    if result.critical_points is None:
        raise ValueError("the result has no census (solve with census=True)")
    xt, yt, lam = float_data(problem)
    matcher = RunMatcher(result.minima, xt, yt, lam)
    loss_of = {m.id: m.loss for m in result.minima}
    lost: list[dict[str, Any]] = []
    points = [
        p
        if p.kind == "minimum"
        else replace(p, connects=_connections(problem, p, matcher, loss_of, lost, seed))
        for p in result.critical_points
    ]
    out = replace(result, critical_points=points, landscape=None)
    edges = [{"point": pid, "minima": [i, j], "height": h} for h, pid, i, j in _edges(out)]
    graph = Landscape(
        nodes=tuple(m.id for m in result.minima),
        edges=tuple(edges),
        components=tuple(tuple(c) for c in graph_components(out)),
        lost_paths=tuple(lost),
    )
    return replace(out, landscape=graph)


def _edges(result: Result) -> list[tuple[float, int, int, int]]:
    """(height, point id, minimum, minimum) for every pair of minima one point connects."""
    edges = []
    for point in result.critical_points or []:
        ids = [c.minimum for c in point.connects or []]
        if point.loss is None:
            continue
        for i, j in itertools.combinations(ids, 2):
            edges.append((point.loss, point.id, i, j))
    return sorted(edges)


def _find(parent: dict[int, int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def disconnectivity(result: Result) -> list[tuple[float, int, frozenset[int], frozenset[int]]]:
    """The joins of the disconnectivity graph: (height, point id, basin, basin) in the
    order Kruskal's algorithm merges the basins of the minima, lowest point first.

    Examples
    --------
    >>> from reluscape.schema import Connection
    >>> class P:
    ...     def __init__(self, id, loss, ids):
    ...         self.id, self.loss, self.kind = id, loss, "degenerate"
    ...         self.connects = [Connection(minimum=m, barrier=0.0, paths=1) for m in ids]
    >>> class R:
    ...     minima = [type("M", (), {"id": i})() for i in (1, 2, 3)]
    ...     critical_points = [P(4, 2.0, [1, 2]), P(5, 1.5, [2, 3]), P(6, 3.0, [1, 3])]
    >>> [(h, pid, sorted(a), sorted(b)) for h, pid, a, b in disconnectivity(R)]
    [(1.5, 5, [2], [3]), (2.0, 4, [1], [2, 3])]
    """
    parent = {m.id: m.id for m in result.minima}
    members = {m.id: frozenset([m.id]) for m in result.minima}
    joins = []
    for height, pid, i, j in _edges(result):
        ri, rj = _find(parent, i), _find(parent, j)
        if ri == rj:
            continue
        joins.append((height, pid, members[ri], members[rj]))
        parent[rj] = ri
        members[ri] = members[ri] | members[rj]
    return joins


def graph_components(result: Result) -> list[list[int]]:
    """The connected components of the landscape graph (minima joined by the points that
    connect them), each sorted, by their lowest id."""
    parent = {m.id: m.id for m in result.minima}
    for _, _, i, j in _edges(result):
        parent[_find(parent, j)] = _find(parent, i)
    groups: dict[int, list[int]] = {}
    for m in result.minima:
        groups.setdefault(_find(parent, m.id), []).append(m.id)
    return sorted(sorted(g) for g in groups.values())

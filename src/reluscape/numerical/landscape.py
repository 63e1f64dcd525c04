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
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import numpy as np
from scipy.optimize import nnls

from reluscape.data import Problem
from reluscape.exact.arrangement import Arrangement, cached_arrangement
from reluscape.exact.paths import path_height, split_vertex
from reluscape.numerical.compare import PARAM_TOL, RunMatcher
from reluscape.numerical.descent import wall_descent
from reluscape.numerical.loss import (
    a_hat_array,
    float_data,
    full_loss_grad_array,
    reduced_loss_array,
)
from reluscape.numerical.search import descend
from reluscape.schema import Connection, CriticalPoint, Join, Landscape, Minimum, Result

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
_SIGN = {"+": 1, "0": 0, "-": -1}
VERTEX_BITS = 40  # stored paths' vertices are multiples of 2^-40
HEIGHT_TOL = Fraction(1, 2**50)  # relative width of the exact enclosure of a path's height
KEEP_FIRST = 5  # descent iterates kept next to the point
KEEP_DROP = 0.01  # then one per this fraction of the whole loss drop
ROUNDS = 3  # descents resumed from a polished end that matched no minimum
DEAD_TOL = 1e-3  # |theta_l| below this (relative): a unit dying, to step off from
JOIN_RTOL = Fraction(1, 10**9)  # a join's paths reach its critical value to this (relative)
LOSS_WINDOW = 1e-3  # a run is compared with the minima this close in loss (relative)


@dataclass(frozen=True)
class DescentDirection:
    """A first move of unit ``unit`` down from a census point: theta moves along the unit
    vector ``u``; ``rate`` < 0 is the loss change per t^2 (a dead unit, whose a moves too:
    (a, theta) = t (sign, u)) or per t (a unit on a ridge, ``dead`` False: theta + t u with
    ``sign`` +1 into the side sigma_j = +, -1 into the other)."""

    unit: int
    sign: float
    u: np.ndarray
    rate: float
    chamber: str
    dead: bool = True


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
    >>> origin = next(c for c in r.critical_points if c.face[0].kind == "origin")
    >>> [(d.chamber, d.sign, round(d.rate, 3)) for d in descent_directions(p, origin)]
    [('--+', -1.0, -0.607), ('+--', -1.0, -0.607)]
    """
    xt, yt, lam = float_data(problem)
    a, psi = _psi(point)
    e = yt - np.maximum(xt @ psi.T, 0.0) @ a
    arrangement = cached_arrangement(problem)
    out: list[DescentDirection] = []
    if point.kind == "kink":
        out += _ridge_directions(xt, lam, a, psi, e, point, arrangement)
    for unit, face in enumerate(point.face):
        if face.kind == "origin":
            out += _dead_unit_directions(xt, lam, e, unit, arrangement)
    return _distinct(out)


def _dead_unit_directions(
    xt: np.ndarray, lam: float, e: np.ndarray, unit: int, arrangement: Arrangement
) -> list[DescentDirection]:
    """A dead unit's directions (see :func:`descent_directions`): for every chamber C and
    face G of cl(C), s P_G g_C / |P_G g_C| when it lies in cl(G) and |P_G g_C| > lambda."""
    out = []
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
                if all(sign * pre[i] >= -INSIDE_TOL for i, sign in enumerate(sub.signs) if sign):
                    out.append(DescentDirection(unit, s, u, lam - norm, chamber.label()))
    return out


def _ridge_directions(
    xt: np.ndarray,
    lam: float,
    a: np.ndarray,
    psi: np.ndarray,
    e: np.ndarray,
    point: CriticalPoint,
    arrangement: Arrangement,
) -> list[DescentDirection]:
    """The directions along which a kink's wall units go down to first order: one per
    adjacent chamber that has any.

    Unit l on a face F_l with zero set Z moves into the closure of an adjacent chamber C
    along the tangent cone T_C = {v : sigma^C_i v . xt_i >= 0, i in Z}, where the loss
    changes at the rate G_{l,C} . v, G_{l,C} = lambda theta_l - a_l sum_{i in A_C} e_i xt_i.
    The steepest such v is the projection of -G_{l,C} onto T_C (Moreau: -G minus its
    projection onto the polar cone {-A^T mu : mu >= 0}, a nonnegative least-squares
    problem), with rate -|v|^2 / |v|. The descent directions of T_C form a convex set, so
    every component of the unit's descent set holds one of these (docs/METHOD.md 13): for
    a unit on a facet, the two sides of its ridge.
    """
    out = []
    for unit, face in enumerate(point.face):
        if face.kind in ("origin", "chamber"):
            continue
        real = arrangement.face_of(tuple(_SIGN[ch] for ch in face.signs))
        if real is None:
            continue
        zeros = [i for i, ch in enumerate(face.signs) if ch == "0"]
        for chamber in arrangement.adjacent_chambers(real):
            active = list(chamber.active)
            grad = lam * psi[unit] - a[unit] * (e[active] @ xt[active])
            rows = np.array([chamber.signs[i] * xt[i] for i in zeros])
            mu, _ = nnls(rows.T, grad)
            v = -grad + rows.T @ mu
            norm = float(np.linalg.norm(v))
            if norm <= RATE_TOL * max(1.0, float(np.linalg.norm(grad))):
                continue
            out.append(
                DescentDirection(unit, 1.0, v / norm, -norm, chamber.label(), dead=False)
            )
    return out


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
    problem: Problem, a: np.ndarray, psi: np.ndarray, direction: DescentDirection
) -> np.ndarray | None:
    """(a, psi) one step along the direction, the step grown until the loss is lower."""
    xt, yt, lam = float_data(problem)
    base, _, _ = full_loss_grad_array(xt, yt, lam, a, psi)
    # A ridge goes down to first order: a smaller first step keeps the start on its side.
    scale = FIRST_STEP if direction.dead else FIRST_STEP**2
    step = scale * max(1.0, float(np.max(np.abs(psi))))
    while step <= MAX_STEP:
        a1, psi1 = a.copy(), psi.copy()
        if direction.dead:
            a1[direction.unit] = direction.sign * step
            psi1[direction.unit] = step * direction.u
        else:
            psi1[direction.unit] = psi[direction.unit] + step * direction.u
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


def _flat(a: np.ndarray, psi: np.ndarray) -> np.ndarray:
    return np.concatenate([a, psi.ravel()])


def _rational_vertex(x: np.ndarray) -> tuple[Fraction, ...]:
    """A float vertex as rationals on the grid 2^-VERTEX_BITS (short, and exact from then on)."""
    return tuple(Fraction(round(float(v) * 2**VERTEX_BITS), 2**VERTEX_BITS) for v in x)


def _aligned(a: np.ndarray, psi: np.ndarray, a_m: np.ndarray, psi_m: np.ndarray) -> list[int]:
    """The permutation of the minimum's units that puts (a_m, psi_m) nearest (a, psi)."""
    return min(
        map(list, itertools.permutations(range(len(a)))),
        key=lambda p: max(float(np.max(np.abs(a - a_m[p]))), float(np.max(np.abs(psi - psi_m[p])))),
    )


def _minimum_vertex(minimum: Minimum, order: list[int]) -> tuple[Fraction, ...]:
    """The minimum's point as a path vertex, units in ``order``: its exact rational point
    (point.rational, inside the certified box) when the document has one, so that the path
    ends on the certified minimum itself; else its float point on the 2^-40 grid."""
    exact = minimum.exact_point()
    if exact is None:
        a = np.asarray(minimum.point.a, dtype=float)
        psi = np.column_stack(
            [np.asarray(minimum.point.B, dtype=float), np.asarray(minimum.point.c, dtype=float)]
        )
        return _rational_vertex(_flat(a[order], psi[order]))
    a_q, psi_q = exact
    return tuple([*(a_q[u] for u in order), *(x for u in order for x in psi_q[u])])


def _thinned(xt: np.ndarray, yt: np.ndarray, lam: float, vertices: list[np.ndarray]) -> list:
    """Descent iterates kept for the stored path: the first KEEP_FIRST (the path's highest
    part, next to the point), then one each time the loss has dropped by KEEP_DROP of the
    whole drop, and the last. Chords between kept iterates stay in the basin; their exact
    height is computed anyway."""
    values = [reduced_loss_array(xt, yt, lam, v) for v in vertices]
    drop = max(values[0] - values[-1], 0.0)
    kept, last = [], values[0]
    for k, (v, value) in enumerate(zip(vertices, values, strict=True)):
        if k < KEEP_FIRST or last - value >= KEEP_DROP * drop or k == len(vertices) - 1:
            kept.append(v)
            last = value
    return kept


class _Matcher:
    """:class:`RunMatcher` asked only about the minima whose loss is within LOSS_WINDOW
    (relative) of the run's: a run within ``PARAM_TOL`` of a minimum is that close in loss
    (the loss is Lipschitz), and the projection onto a set of minima (Gauss-Newton on its
    prime) is most of the time of a census otherwise. With none in the window, all are
    asked, so that a far-off end is still reported with its distance. An end in the closure
    of a set of minima (a unit died at the end of the curve) is named by that set."""

    def __init__(self, minima: list[Minimum], xt: np.ndarray, yt: np.ndarray, lam: float):
        self.all = RunMatcher(minima, xt, yt, lam)
        self.minima = {m.id: m for m in minima}
        self.loss = {m.id: m.loss for m in minima}
        self.one = {m.id: RunMatcher([m], xt, yt, lam) for m in minima}

    def match(self, a: np.ndarray, psi: np.ndarray, loss: float) -> tuple[int | None, float]:
        near = [
            mid
            for mid, value in self.loss.items()
            if value is not None and abs(value - loss) <= LOSS_WINDOW * max(1.0, abs(value))
        ]
        if not near:
            return self.all.match(a, psi, PARAM_TOL)
        found = [self.one[mid].match(a, psi, PARAM_TOL) for mid in near]
        hits = [f for f in found if f[0] is not None]
        if not hits:
            # An end with a unit that died at the end of a curve of minima (two parallel
            # units, one gone to 0) lies in the closure of that set, at its loss: the
            # matcher compares no set with a run that has more dead units, so the set's
            # own distance decides here, as for a census point in its closure.
            scale = PARAM_TOL * max(1.0, float(np.max(np.abs(psi))))
            for mid, geometry in self.all.sets:
                if mid in near:
                    dist = geometry.distance(a, psi, self.all.yt, self.all.lam)
                    if dist <= scale:
                        hits.append((mid, dist))
        return min(hits or found, key=lambda f: f[1])


def _descent(
    problem: Problem,
    point: CriticalPoint,
    direction: DescentDirection,
    matcher: _Matcher,
    seed: int,
) -> tuple[int | None, float, np.ndarray, list, list, list] | None:
    """One descent from the point: a step along the direction, the wall-respecting descent
    (:func:`reluscape.numerical.descent.wall_descent`), its end named by the matcher, or
    polished by :func:`reluscape.numerical.search.descend` first when it is not yet close
    enough. Returns (minimum id or None, distance, the end as a flat (a, psi) vector, the
    path's vertices thinned and all of them, as flat vectors from the point to the end,
    and the last vertex: the minimum's own point when it is isolated, else none)."""
    a, psi = _psi(point)
    x0 = _start(problem, a, psi, direction)
    if x0 is None:
        return None
    xt, yt, lam = float_data(problem)
    hidden = problem.hidden

    def lifted(v: np.ndarray) -> np.ndarray:
        return _flat(a_hat_array(np.maximum(xt @ v.T, 0.0), yt, lam), v)

    iterates = [x0[hidden:].reshape(psi.shape)]
    # A descent that stops short of a minimum (at a point where the band's hull of
    # gradients holds 0 but no chamber's does: three walls through one ray, say) is
    # resumed from its polished end; each round only goes down.
    for round_ in range(ROUNDS):
        walk = wall_descent(xt, yt, lam, iterates[-1])
        iterates += walk.vertices[1:]
        end = lifted(walk.end)
        value = reduced_loss_array(xt, yt, lam, walk.end)
        mid, dist = matcher.match(end[:hidden], walk.end, value)
        if mid is not None:
            break
        # Stopped (or crawling) where a unit dies, at a point that goes down at second
        # order only (a curve's end, say): step off along the steepest direction of the
        # dead unit, as from a census point; the descent's small steps keep the path low.
        escape = _dead_escape(problem, end[:hidden], walk.end)
        if escape is not None and round_ < ROUNDS - 1:
            iterates.append(escape)
            continue
        # Otherwise polished (L-BFGS-B, then SLSQP in its chamber, probed in the last
        # round), which can jump: the exact height of the path says whether it stayed low.
        run = descend(problem, end, seed=seed, probe=round_ == ROUNDS - 1)
        iterates.append(run.psi)
        end = _flat(run.a, run.psi)
        mid, dist = matcher.match(run.a, run.psi, run.loss)
        if mid is not None:
            break
    order = next(
        (
            _aligned(end[:hidden], end[hidden:].reshape(psi.shape), a_m, psi_m)
            for i, a_m, psi_m in matcher.all.points
            if i == mid
        ),
        None,
    )
    tail = [] if mid is None or order is None else [_minimum_vertex(matcher.minima[mid], order)]
    head = [_flat(a, psi), lifted(x0[hidden:].reshape(psi.shape))]
    thinned = [*head, *map(lifted, _thinned(xt, yt, lam, iterates[1:-1])), end]
    full = [*head, *map(lifted, iterates[1:-1]), end]
    return mid, dist, end, thinned, full, tail


def _dead_escape(problem: Problem, a: np.ndarray, psi: np.ndarray) -> np.ndarray | None:
    """psi one step down along the steepest direction of a unit that is dead or dying at
    (a, psi) (|theta_l| below DEAD_TOL times max(1, |psi|); it is set to 0 first), None if
    no unit is or none goes down."""
    xt, yt, lam = float_data(problem)
    scale = max(1.0, float(np.max(np.abs(psi))))
    dead = [u for u in range(len(a)) if np.linalg.norm(psi[u]) < DEAD_TOL * scale]
    if not dead:
        return None
    arrangement = cached_arrangement(problem)
    a0, psi0 = a.copy(), psi.copy()
    a0[dead], psi0[dead] = 0.0, 0.0
    e = yt - np.maximum(xt @ psi0.T, 0.0) @ a0
    found = [d for u in dead for d in _dead_unit_directions(xt, lam, e, u, arrangement)]
    if not found:
        return None
    start = _start(problem, a0, psi0, min(found, key=lambda d: d.rate))
    return None if start is None else start[len(a) :].reshape(psi.shape)


def _connections(
    problem: Problem,
    point: CriticalPoint,
    matcher: _Matcher,
    loss_of: dict[int, float | None],
    lost: list[dict[str, Any]],
    seed: int,
) -> tuple[Connection, ...]:
    """The minima that the descent paths from one point reach (lost paths go to ``lost``),
    each with its first path and that path's exact height, and the sets of minima whose
    closure holds the point itself (``paths`` 0, barrier 0 up to rounding: the end of a
    curve of minima where one unit dies)."""
    reached: dict[int, Connection] = {}
    a, psi = _psi(point)
    for set_id, geometry in matcher.all.sets:
        set_loss = loss_of[set_id]
        if point.loss is not None and set_loss is not None and abs(
            point.loss - set_loss
        ) > LOSS_WINDOW * max(1.0, abs(point.loss)):
            continue  # a set's closure holds only points at its loss
        dist = geometry.distance(a, psi, matcher.all.yt, matcher.all.lam)
        if dist <= PARAM_TOL * max(1.0, float(np.max(np.abs(psi)))):
            reached[set_id] = _connection(point, set_id, loss_of)
    directions = descent_directions(problem, point)
    if point.descent_components == 1 and directions:
        # One component (decided exactly): every descent from it lands in the one
        # sublevel component that meets the point, so the steepest suffices.
        directions = [min(directions, key=lambda d: d.rate)]
    for k, direction in enumerate(directions):
        found = _descent(problem, point, direction, matcher, seed + k)
        if found is None:
            continue
        mid, dist, end, thinned, full, tail = found
        if mid is None:
            end_psi = end[problem.hidden :].reshape(psi.shape)
            lost.append(
                {
                    "from": point.id,
                    "unit": direction.unit,
                    "loss": reduced_loss_array(*float_data(problem), end_psi),
                    "distance": dist if np.isfinite(dist) else None,
                    "a": end[: problem.hidden].tolist(),
                    "psi": end_psi.tolist(),
                }
            )
            continue
        conn = reached.setdefault(mid, _connection(point, mid, loss_of))
        conn.paths += 1
        if conn.path is None:
            conn.path, conn.height = _stored_path(problem, point, thinned, full, tail)
    return tuple(reached[mid] for mid in sorted(reached))


def _stored_path(
    problem: Problem,
    point: CriticalPoint,
    thinned: list[np.ndarray],
    full: list[np.ndarray],
    tail: list[tuple[Fraction, ...]],
) -> tuple[tuple[tuple[Fraction, ...], ...], tuple[Fraction, Fraction]]:
    """The thinned path as rationals, ending on ``tail``, with its exact height; when a
    chord between kept iterates rises above the point's loss, every iterate is kept."""
    for vertices in (thinned, full):
        path = (*(_rational_vertex(v) for v in vertices), *tail)
        height = path_height(problem, [split_vertex(v, problem.hidden) for v in path], HEIGHT_TOL)
        if _reaches(height.upper, point.loss_interval):
            break
    return path, (height.lower, height.upper)


def connect(
    problem: Problem,
    result: Result,
    *,
    seed: int = 0,
    progress: Callable[[int, int, float], None] | None = None,
) -> Result:
    """The result with every non-minimal census point's ``connects`` and the ``landscape``.

    Each descent direction gives one path: a step along it (:func:`descent_directions`),
    the wall-respecting descent, then :func:`reluscape.numerical.search.descend` (polished
    in the chamber it ends in, probed). The end is named by :class:`RunMatcher` within
    ``PARAM_TOL``; a path that ends elsewhere, or at a point the probe does not accept, is
    lost and listed in ``landscape.lost_paths``. Each connection keeps its first path as
    rational vertices with the exact height of the loss along it, and the landscape lists
    the joins of the disconnectivity graph (:func:`joins`). ``progress(done, total,
    seconds)`` is called after each point; the seconds are added to ``stats.timings``
    (``landscape``, and ``total``).

    Raises
    ------
    ValueError
        If the result has no census.
    """
    if result.critical_points is None:
        raise ValueError("the result has no census (solve with census=True)")
    start = time.perf_counter()
    xt, yt, lam = float_data(problem)
    matcher = _Matcher(result.minima, xt, yt, lam)
    loss_of = {m.id: m.loss for m in result.minima}
    lost: list[dict[str, Any]] = []
    points = []
    for done, p in enumerate(result.critical_points, start=1):
        if p.kind != "minimum":
            p = replace(p, connects=_connections(problem, p, matcher, loss_of, lost, seed))
        points.append(p)
        if progress is not None:
            progress(done, len(result.critical_points), time.perf_counter() - start)
    seconds = time.perf_counter() - start
    timings = dict(result.stats.get("timings") or {})
    timings["landscape"] = seconds
    timings["total"] = float(timings.get("total", 0.0)) + seconds
    stats = {**result.stats, "timings": timings}
    out = replace(result, critical_points=points, landscape=None, stats=stats)
    edges = [{"point": pid, "minima": [i, j], "height": h} for h, pid, i, j in _edges(out)]
    graph = Landscape(
        nodes=tuple(m.id for m in result.minima),
        edges=tuple(edges),
        components=tuple(tuple(c) for c in graph_components(out)),
        lost_paths=tuple(lost),
        joins=tuple(joins(out, lost=bool(lost))),
    )
    return replace(out, landscape=graph)


def _reaches(height: Fraction, critical: tuple[Fraction, Fraction]) -> bool:
    """Whether a path of this exact height realises the critical value (to JOIN_RTOL)."""
    return height <= critical[1] + JOIN_RTOL * max(Fraction(1), abs(critical[1]))


def joins(result: Result, *, lost: bool) -> list[Join]:
    """The merges of the disconnectivity graph (:func:`disconnectivity`), each with the
    exact critical value of its point, the exact height of its stored paths and whether
    it is the minimax barrier (see :class:`reluscape.schema.Join`)."""
    by_id = {p.id: p for p in result.critical_points or []}
    out = []
    for _, pid, first, second in disconnectivity(result):
        point = by_id[pid]
        conns = {c.minimum: c for c in point.connects or []}
        i = min(m for m in first if m in conns)
        j = min(m for m in second if m in conns)
        heights = [conns[m].height or point.loss_interval for m in (i, j)]
        below = [
            q
            for q in by_id.values()
            if q.kind != "minimum" and q.loss_interval[0] < point.loss_interval[1]
        ]
        out.append(
            Join(
                point=pid,
                height=point.loss,
                critical_interval=point.loss_interval,
                minima=(i, j),
                basins=(tuple(sorted(first)), tuple(sorted(second))),
                path_height=(max(h[0] for h in heights), max(h[1] for h in heights)),
                minimax=result.complete
                and not lost
                and all(q.descents_cover for q in below)
                and _reaches(max(h[1] for h in heights), point.loss_interval),
            )
        )
    return out


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

"""The landscape of a census with connections: the disconnectivity graph and its tables.

:func:`disconnectivity_graph` draws, on a Matplotlib axis, the minima at their loss joined
at the exact critical values of the joins (``Result.landscape.joins``, Kruskal over the
connections): the energy-landscape picture of chemistry (Becker and Karplus; Wales; pele's
``DisconnectivityGraph``), here from an exact census, certified joins solid and upper
bounds dashed. :func:`landscape_section` is the report's section: the figure, the joins
(transition states and the other joining points, with their walls and the barrier from
each side) and the connections of every census point.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from reluscape.convention import shown
from reluscape.numerical.report.common import loss_text, new_axes, table
from reluscape.schema import Result, walls_text

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from reluscape.data import Problem

Basin = frozenset[int]


def _leaf_order(result: Result, joins: list[tuple[float, int, Basin, Basin]]) -> list[int]:
    """Minima ordered so that every join's two basins are adjacent (depth-first through
    the joins, the later join on the outside)."""
    groups: dict[Basin, tuple[Basin, Basin] | None] = {
        frozenset([m.id]): None for m in result.minima
    }
    for _, _, a, b in joins:
        groups[a | b] = (a, b)

    def leaves(group: frozenset[int]) -> list[int]:
        parts = groups[group]
        return sorted(group) if parts is None else leaves(parts[0]) + leaves(parts[1])

    tops = [g for g in groups if not any(g < other for other in groups)]
    return [i for g in sorted(tops, key=min) for i in leaves(g)]


def _barrier(problem: Problem, height: float | None, lows: list[float | None]) -> float | None:
    """A basin's barrier: the join's height above the basin's lowest minimum, in the
    problem's convention; None (shown as an overflow) when one of these losses overflowed.

    >>> from types import SimpleNamespace
    >>> p = SimpleNamespace(convention="mean", n=4)
    >>> _barrier(p, 3.0, [1.0, 2.0]), _barrier(p, 3.0, [None, 2.0]), _barrier(p, None, [1.0])
    (0.5, None, None)
    """
    known = [v for v in lows if v is not None]
    if height is None or len(known) < len(lows):
        return None
    return shown(problem, height - min(known))


def disconnectivity_graph(result: Result, ax: Axes | None = None) -> Axes:
    """The disconnectivity graph on a Matplotlib axis (a new figure when ``ax`` is None),
    in the style of pele's: each minimum a leaf ending at its loss, each join a horizontal
    bar at its critical value from which the two basins' lines hang, labelled with the
    point; joins that are the certified minimax barrier solid, upper bounds dashed. Losses
    in the problem's convention. The minima are named on the horizontal axis (tick
    labels, which the layout never clips); the figure widens with their number."""
    if ax is None:
        ax = new_axes((max(6.5, 0.9 * len(result.minima) + 3.0), 5.5))
    graph = result.landscape
    joins = graph.joins if graph is not None else ()
    loss = {m.id: shown(result.problem, m.loss) for m in result.minima}
    order = _leaf_order(
        result, [(0.0, j.point, frozenset(j.basins[0]), frozenset(j.basins[1])) for j in joins]
    )
    x = {mid: float(k) for k, mid in enumerate(order)}
    where: dict[Basin, tuple[float, float | None]] = {
        frozenset([mid]): (x[mid], loss[mid]) for mid in order
    }
    for mid in order:
        y = loss[mid]
        if y is not None:  # a loss that overflows a float has no place on the axis
            ax.plot([x[mid]], [y], "o", color="C0", ms=6, zorder=3)
    labelled: set[int] = set()
    for j in joins:
        height = shown(result.problem, j.height)
        style = "-" if j.minimax else "--"
        a, b = frozenset(j.basins[0]), frozenset(j.basins[1])
        (xa, ya), (xb, yb) = where[a], where[b]
        where[a | b] = ((xa + xb) / 2, height)
        if height is None:  # overflowed: the bar and its lines cannot be drawn
            continue
        for xs, ys in ((xa, ya), (xb, yb)):
            if ys is not None:
                ax.plot([xs, xs], [ys, height], style, color="C0", lw=1.3)
        ax.plot([xa, xb], [height, height], style, color="C0", lw=1.3)
        if j.point not in labelled:  # one point can join several basins at its height
            labelled.add(j.point)
            ax.annotate(f"point {j.point}", ((xa + xb) / 2, height), textcoords="offset points",
                        xytext=(0, 3), ha="center", fontsize=9, color="C3")  # fmt: skip
    convention = result.problem.convention
    ax.set_ylabel(f"loss ({convention} convention)")
    ax.set_xticks([x[mid] for mid in order], [f"#{mid}" for mid in order], fontsize=10)
    ax.set_xlabel("minimum")
    ax.grid(axis="y", alpha=0.3)
    ax.margins(x=0.1, y=0.15)
    certified = all(j.minimax for j in joins)
    ax.set_title(
        "disconnectivity graph"
        + ("" if certified else " (dashed: upper bounds)")
        + ("" if graph is None or len(graph.components) == 1 else ", several components"),
        fontsize=10,
    )
    return ax


def landscape_section(result: Result, figure: str) -> str:
    """The figure (its HTML element), the table of joins (the transition states and
    other joining points) and the census points' connections."""
    graph = result.landscape
    assert graph is not None
    by_id = {c.id: c for c in result.critical_points or []}
    low = {m.id: m.loss for m in result.minima}
    p = result.problem
    joins = []
    for j in graph.joins:
        point = by_id[j.point]
        state = point.kind == "kink" and point.index == 1
        kind = point.kind + (" (transition state)" if state else "")
        barriers = " | ".join(
            "{" + ", ".join(f"#{m}" for m in basin) + "} "
            + loss_text(_barrier(p, j.height, [low[m] for m in basin]), 6)
            for basin in j.basins
        )
        joins.append([
            loss_text(shown(p, j.height), 10), j.point, kind, walls_text(point), barriers,
            "minimax (certified)" if j.minimax else "upper bound",
        ])  # fmt: skip
    rows = []
    for c in result.critical_points or []:
        if c.connects is None:
            continue
        reached = ", ".join(
            f"#{x.minimum} "
            + (
                "(its closure)"
                if x.paths == 0
                else f"(barrier {loss_text(shown(p, x.barrier), 6)})"
            )
            for x in c.connects
        )
        rows.append([c.id, loss_text(shown(p, c.loss), 10), c.kind, reached])
    parts = "; ".join("{" + ", ".join(f"#{i}" for i in comp) + "}" for comp in graph.components)
    lost = (
        f"<p><b>{len(graph.lost_paths)} descent path(s) ended at no enumerated minimum</b> "
        "(a bug; see landscape.lost_paths in the result).</p>\n"
        if graph.lost_paths
        else ""
    )
    return (
        "<h2>Landscape</h2>\n"
        "<p>The census lists every Clarke-critical point: besides the minima, points with a "
        "dead unit and <i>kinks</i>, where a unit sits on a ridge across a wall (its "
        "chambers' gradients point away from the wall on both sides). From each descent "
        "direction a descent that respects the walls ends at an enumerated minimum; a "
        "join's height is the exact critical value of its point, and an explicit path of "
        "that exact height is stored. A join is the minimax barrier when the census is "
        "complete, no path was lost and every point below it is decided; otherwise it is an "
        f"upper bound (dashed). Components of the graph: {html.escape(parts)}.</p>\n"
        f"{lost}"
        f"{figure}\n"
        "<h3>Joins (transition states)</h3>\n"
        + table(["height", "point", "kind", "walls", "basins, barrier from each", ""], joins)
        + "<h3>Connections</h3>\n"
        + table(["point", "loss", "kind", "leads to"], rows)
    )

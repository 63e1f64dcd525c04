"""The landscape of a census with connections: the disconnectivity graph and its table.

:func:`disconnectivity_figure` draws the minima at their loss, each as a vertical line
from its loss up, joined (Kruskal, :func:`reluscape.numerical.landscape.disconnectivity`)
at the loss of the lowest census point that links their basins: the energy-landscape
picture of chemistry (Becker and Karplus; Wales), here from an exact census.
:func:`landscape_section` is the report's section: the figure and one row per point that
connects minima.
"""

from __future__ import annotations

import html
from pathlib import Path

from reluscape.numerical.landscape import disconnectivity
from reluscape.numerical.report.common import loss_text, save
from reluscape.numerical.report.page import table
from reluscape.schema import Result

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


def disconnectivity_figure(path: Path, result: Result) -> None:
    """Minima as lines rising from their loss, joined at the heights of the joins."""
    import matplotlib.pyplot as plt

    loss = {m.id: m.loss for m in result.minima}
    joins = disconnectivity(result)
    order = _leaf_order(result, joins)
    x = {mid: float(k) for k, mid in enumerate(order)}
    top = {mid: loss[mid] for mid in order}  # current top of each basin's drawn line
    where = {frozenset([mid]): (x[mid], mid) for mid in order}
    fig, ax = plt.subplots(figsize=(max(4.5, 0.7 * len(order) + 2), 4.0))
    for mid in order:
        ax.plot([x[mid]], [loss[mid]], "o", color="C0")
        ax.annotate(f"#{mid}", (x[mid], loss[mid]), textcoords="offset points",
                    xytext=(0, -12), ha="center", fontsize=8)  # fmt: skip
    labelled: set[int] = set()
    for height, pid, a, b in joins:
        (xa, ka), (xb, kb) = where[a], where[b]
        for xs, key in ((xa, ka), (xb, kb)):
            ax.plot([xs, xs], [top[key], height], color="C0", lw=1.2)
        ax.plot([xa, xb], [height, height], color="C0", lw=1.2)
        if pid not in labelled:  # one point can join several basins at its height
            labelled.add(pid)
            ax.annotate(
                f"point {pid}",
                ((xa + xb) / 2, height),
                textcoords="offset points",
                xytext=(0, 3),
                ha="center",
                fontsize=7,
                color="C3",
            )
        merged = (xa + xb) / 2
        where[a | b] = (merged, pid)
        top[pid] = height
    if result.landscape is not None and len(result.landscape.components) > 1:
        ax.set_title("disconnectivity graph (minima in several components)", fontsize=10)
    else:
        ax.set_title("disconnectivity graph", fontsize=10)
    ax.set_xticks([])
    ax.set_ylabel("loss")
    fig.tight_layout()
    save(fig, path)


def landscape_section(result: Result, figure: str) -> str:
    """The figure and a table of the census points that connect minima."""
    graph = result.landscape
    rows = []
    for c in result.critical_points or []:
        if c.connects is None:
            continue
        reached = ", ".join(
            f"#{x.minimum} " + ("(its closure)" if x.paths == 0 else f"(barrier {x.barrier:.6g})")
            for x in c.connects
        )
        rows.append([c.id, loss_text(c.loss, 10), c.kind, c.detail.split(";")[0], reached])
    parts = "; ".join("{" + ", ".join(f"#{i}" for i in comp) + "}" for comp in graph.components)
    lost = (
        f"<p><b>{len(graph.lost_paths)} descent path(s) ended at no enumerated minimum</b> "
        "(possible bugs; see landscape.lost_paths in the result).</p>\n"
        if graph.lost_paths
        else ""
    )
    return (
        "<h2>Landscape</h2>\n"
        "<p>Every stationary point that is not a minimum has a dead unit whose form "
        "lambda/2 (a^2 + |u|^2) - a g . u is negative in some direction; from each such "
        "direction a numerical descent ends at an enumerated minimum. Minima joined by one "
        f"point are in one basin above its loss. Components of the graph: "
        f"{html.escape(parts)}.</p>\n"
        f"{lost}"
        f'<div class="fig"><img src="{figure}" alt="disconnectivity graph"></div>\n'
        + table(["point", "loss", "kind", "why not a minimum", "leads to"], rows)
    )

"""Rendering a result: the text summary, the notebook's HTML and the pandas frame.

The functions read a :class:`~reluscape.schema.Result` and never change it; its methods
(:meth:`~reluscape.schema.Result.summary`, ``_repr_html_``,
:meth:`~reluscape.schema.Result.to_frame`) call them.
"""

from __future__ import annotations

import html
from collections import Counter
from typing import TYPE_CHECKING, Any

from reluscape.convention import shown, shown_exact

if TYPE_CHECKING:
    from reluscape.schema.document import CriticalPoint, Minimum, Result


def walls_text(point: CriticalPoint) -> str:
    """Which walls the point's units sit on: 'u2: 3' for unit 2 on the wall of sample 3
    (1-based, as the data's rows); dead units are 'u1: 0' (theta = 0)."""
    parts = []
    for u, face in enumerate(point.face, start=1):
        if face.kind == "origin":
            parts.append(f"u{u}: 0")
        elif face.kind != "chamber":
            zeros = [str(i + 1) for i, ch in enumerate(face.signs) if ch == "0"]
            parts.append(f"u{u}: " + ",".join(zeros))
    return "; ".join(parts) or "-"


def _global_mark(result: Result, m: Minimum) -> str:
    """``"yes"`` for a certified global minimum; ``"lowest found"`` for the lowest
    minimum of an incomplete run (not certified global); empty otherwise."""
    if m.is_global:
        return "yes"
    if m.is_global is None and result.minima and m is result.minima[0]:
        return "lowest found"
    return ""


def _rows(result: Result) -> list[dict[str, Any]]:
    return [
        {
            "id": m.id,
            "loss": shown(result.problem, m.loss),
            "dimension": m.dimension,
            "global": _global_mark(result, m),
            "orbit_size": m.orbit_size,
            "face": m.signs,
            "decided_by": m.verdict.decided_by,
        }
        for m in result.minima
    ]


def summary(result: Result) -> str:
    """Human-readable table of the minima."""
    p = result.problem
    lines = [
        f"reluscape: L = {p.hidden}, lambda = {p.lam} ({p.convention} convention), "
        f"n = {p.n}, d = {p.d}",
        f"{len(result.minima)} local minima up to unit permutation "
        + ", ".join(f"{c} of dimension {k}" for k, c in result.counts_by_dimension().items()),
        "",
        f"{'#':>3} {'loss':>14} {'dim':>3} {'global':>6} {'orbit':>5}  {'face':<24} decided by",
    ]
    for row in _rows(result):
        lines.append(
            f"{row['id']:>3} {_loss_text(row['loss']):>14} {row['dimension']:>3} "
            f"{row['global']:>6} {row['orbit_size']:>5}  {row['face']:<24} {row['decided_by']}"
        )
    if result.undecided:
        lines += ["", f"{len(result.undecided)} candidates undecided:"]
        for m in result.undecided:
            loss = _loss_text(shown(p, m.loss))
            lines.append(f"    loss {loss}  {m.signs}: {m.verdict.detail}")
    lines += _census_lines(result)
    s = result.stats
    lines += [
        "",
        f"faces {s.get('faces')}, orbits processed {s.get('orbits')}, candidates "
        f"{s.get('candidates')}, rejected {sum(s.get('rejected', {}).values())}, "
        f"time {s.get('timings', {}).get('total', 0):.1f} s"
        + (
            ""
            if result.complete
            else "  [INCOMPLETE: see undecided; no minimum is certified global]"
        ),
    ]
    return "\n".join(lines)


def _census_lines(result: Result) -> list[str]:
    """The census's counts and, with connections, the landscape (``solve --census``)."""
    if result.critical_points is None:
        return []
    kinds = Counter(c.kind for c in result.critical_points)
    saddles = Counter(c.index for c in result.critical_points if c.kind == "saddle")
    by_index = ", ".join(f"{n} of index {i}" for i, n in sorted(saddles.items()))
    kinks = sum(1 for c in result.critical_points if c.kind == "kink" and c.index == 1)
    lines = [
        "",
        f"census: {len(result.critical_points)} Clarke-critical points up to unit permutation: "
        f"{kinds['minimum']} minima, {kinds['saddle']} saddles"
        + (f" ({by_index})" if by_index else "")
        + f", {kinds['kink']} kinks ({kinks} transition states)"
        + f", {kinds['degenerate']} degenerate (a dead unit, or the reason in 'detail')",
    ]
    if result.landscape is None:
        return lines
    graph = result.landscape
    parts = "; ".join("{" + ", ".join(map(str, c)) + "}" for c in graph.components)
    lines.append(
        f"landscape: {len(graph.edges)} joins of two minima, {len(graph.components)} "
        f"connected component(s) of minima: {parts}"
    )
    if len(graph.components) > 1:
        lines.append(
            "  more than one component: the points that join them are not in the census "
            "(a path was lost, or a join needs a point of higher index)"
        )
    for c in result.critical_points:
        if c.connects is None:
            continue
        reached = ", ".join(
            f"{x.minimum} ("
            + ("its closure" if x.paths == 0 else _loss_text(shown(result.problem, x.barrier)))
            + ")"
            for x in c.connects
        )
        at = _loss_text(shown(result.problem, c.loss))
        lines.append(f"  point {c.id} at {at} ({c.kind}) leads to {reached or 'none'}")
    if graph.lost_paths:
        lines.append(
            f"  ERROR: {len(graph.lost_paths)} descent path(s) ended at no enumerated "
            "minimum (a bug; see landscape.lost_paths)"
        )
    return lines + _join_lines(result)


def _join_lines(result: Result) -> list[str]:
    """The disconnectivity graph's joins as a table: height, the point (its kind and
    walls), the two basins and the barrier from each (the join's height minus the
    basin's lowest minimum), minimax or upper bound."""
    assert result.landscape is not None and result.critical_points is not None
    joins = result.landscape.joins
    if not joins:
        return []
    by_id = {c.id: c for c in result.critical_points}
    loss_of = {m.id: m.loss for m in result.minima}
    exact = sum(j.minimax for j in joins)
    lines = [
        "",
        f"disconnectivity graph: {len(joins)} join(s), {exact} of them the minimax barrier "
        f"(certified), {len(joins) - exact} upper bound(s) (the height of a stored path)",
        f"  {'height':>14}  point  {'kind':<17} {'walls':<28} basins, barrier from each",
    ]
    for j in joins:
        point = by_id[j.point]
        kind = point.kind + (" (TS)" if point.kind == "kink" and point.index == 1 else "")
        sides = []
        for basin in j.basins:
            low = min((loss_of[m] for m in basin if loss_of[m] is not None), default=None)
            barrier = None if low is None or j.height is None else j.height - low
            ids = "{" + ", ".join(map(str, basin)) + "}"
            sides.append(f"{ids} {_loss_text(shown(result.problem, barrier))}")
        height = _loss_text(shown(result.problem, j.height))
        path_top = None if j.path_height is None else float(j.path_height[1])
        top_text = _loss_text(shown(result.problem, path_top))
        bound = "" if j.minimax else f"  (upper bound: a path of height {top_text})"
        lines.append(
            f"  {height:>14}  {j.point:>5}  {kind:<17} {walls_text(point):<28} "
            f"{' | '.join(sides)}{bound}"
        )
    return lines


def frame(result: Result) -> Any:
    """The minima as a pandas DataFrame, one row per minimum (pandas is optional:
    ``pip install 'reluscape[pandas]'``).

    Columns: ``id``, ``loss``, ``dimension``, ``global``, ``orbit_size``, ``face``,
    ``decided_by``, ``loss_lower`` and ``loss_upper`` (the certified interval, exact).

    Raises
    ------
    ImportError
        If pandas is not installed, with the command that installs it.
    """
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "Result.to_frame needs pandas: pip install 'reluscape[pandas]'"
        ) from None
    rows = _rows(result)
    for row, m in zip(rows, result.minima, strict=True):
        row["loss_lower"], row["loss_upper"] = (
            shown_exact(result.problem, v) for v in m.loss_interval
        )
    columns = [
        "id", "loss", "dimension", "global", "orbit_size", "face", "decided_by",
        "loss_lower", "loss_upper",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns).set_index("id")


def html_table(result: Result) -> str:
    """A notebook shows a result as its table of minima."""
    p = result.problem
    head = (
        f"<p>reluscape: L = {p.hidden}, &lambda; = {html.escape(str(p.lam))} "
        f"({html.escape(p.convention)} convention), n = {p.n}, d = {p.d}; "
        f"{len(result.minima)} local minima up to unit permutation"
        + ("" if result.complete else " <b>(incomplete: nothing is certified global)</b>")
        + "</p>"
    )
    cells = ["#", "loss", "dim", "global", "orbit", "face", "decided by"]
    rows = [
        "<tr>" + "".join(f"<th>{c}</th>" for c in cells) + "</tr>",
        *(
            "<tr>"
            + "".join(
                f"<td>{html.escape(str(v))}</td>"
                for v in (
                    r["id"],
                    _loss_text(r["loss"]),
                    r["dimension"],
                    r["global"],
                    r["orbit_size"],
                    r["face"],
                    r["decided_by"],
                )
            )
            + "</tr>"
            for r in _rows(result)
        ),
    ]
    return head + "<table>" + "".join(rows) + "</table>"


def _loss_text(loss: float | None) -> str:
    return "(overflow)" if loss is None else f"{loss:.10f}"

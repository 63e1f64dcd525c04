"""Rendering a result: the text summary, the short reprs, the notebook's HTML and the
faces' short codes (the pandas tables are :mod:`reluscape.schema.frames`).

The functions read a :class:`~reluscape.schema.Result` and never change it; its methods
(:meth:`~reluscape.schema.Result.summary`, ``__repr__``, ``_repr_html_``) call them.
"""

from __future__ import annotations

import decimal
import html
import itertools
import math
import re
import sys
from collections import Counter
from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from reluscape.convention import shown, shown_exact

if TYPE_CHECKING:
    from reluscape.schema.document import CriticalPoint, Minimum, Result

REPR_FACE_WIDTH = 40
"""The longest face code a minimum's repr shows (longer ones are cut with "...")."""


def face_code(signs: str) -> str:
    """A unit's sign vector, run-length coded: each run of one sign is the sign, followed
    by ``^k`` and a space when it repeats k >= 2 times. A face of 442 samples whose unit
    is positive on the first 200 and negative on the rest is ``"+^200 -^242"``; short
    vectors stay as they are. No hashing: :func:`signs_from_code` reads it back.

    >>> face_code("+++++00---"), face_code("+-0"), face_code("0+++")
    ('+^5 0^2 -^3', '+-0', '0+^3')
    """
    parts = []
    for sign, run in itertools.groupby(signs):
        k = len(list(run))
        parts.append(sign if k == 1 else f"{sign}^{k} ")
    return "".join(parts).rstrip(" ")


_RUN = re.compile(r"([+0-])(?:\^([1-9][0-9]*)(?: |$))?")


def signs_from_code(code: str) -> str:
    """The sign vector a :func:`face_code` stands for.

    >>> signs_from_code("+^5 0^2 -^3")
    '+++++00---'
    >>> signs_from_code("+^x")
    Traceback (most recent call last):
    ...
    ValueError: not a face code: '+^x'
    """
    out, end = [], 0
    for match in _RUN.finditer(code):
        if match.start() != end:
            break
        out.append(match.group(1) * int(match.group(2) or 1))
        end = match.end()
    if end != len(code) or not code:
        raise ValueError(f"not a face code: {code!r}")
    return "".join(out)


def minimum_face_code(m: Minimum | CriticalPoint) -> str:
    """The face of a minimum (or census point) as codes, one per unit: ``"+^3 | +0-"``."""
    return " | ".join(face_code(f.signs) for f in m.face)


def _plural(count: int, one: str, many: str) -> str:
    """``"1 local minimum"``, ``"3 local minima"``."""
    return f"{count} {one if count == 1 else many}"


def minima_count(result: Result) -> str:
    """How many local minima the result lists, in words: ``"1 local minimum"``."""
    return _plural(len(result.minima), "local minimum", "local minima")


def _time_text(timings: Mapping[str, Any]) -> str:
    """The run's wall time and each stage's (``stats.timings``): the total is the whole
    run, the faces' stages are summed over faces (processes, when jobs > 1).

    >>> _time_text({"divide": 0.01, "enumerate": 2.5, "verify": 0.5, "total": 9.0,
    ...             "landscape": 6.0})
    'time 9.0 s (divide 0.0 s, enumerate 2.5 s, verify 0.5 s summed over faces, landscape 6.0 s)'
    """
    stages = [
        f"{name} {float(timings[name]):.1f} s" + (" summed over faces" if name == "verify" else "")
        for name in ("divide", "enumerate", "verify", "landscape")
        if isinstance(timings.get(name), int | float)
    ]
    detail = f" ({', '.join(stages)})" if stages else ""
    return f"time {float(timings.get('total', 0) or 0):.1f} s{detail}"


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
        f"{minima_count(result)} up to unit permutation "
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
        f"{_time_text(s.get('timings') or {})}"
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
            lows = [v for v in (loss_of[m] for m in basin) if v is not None]
            low = min(lows) if lows else None
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


def float_below(v: Fraction) -> float:
    """The largest float <= v (-inf below the floats): a lower end rounded outward.

    >>> float_below(Fraction(1, 3)) <= Fraction(1, 3) < float_above(Fraction(1, 3))
    True
    >>> float_below(Fraction(-(10**400))), float_below(Fraction(10**400)) == sys.float_info.max
    (-inf, True)
    """
    try:
        x = float(v)
    except OverflowError:
        return -math.inf if v < 0 else sys.float_info.max
    return math.nextafter(x, -math.inf) if Fraction(x) > v else x


def float_above(v: Fraction) -> float:
    """The smallest float >= v (inf above the floats): an upper end rounded outward."""
    return -float_below(-v)


def _lam_text(lam: Fraction) -> str:
    """lambda as given, or as a float when its exact spelling would not fit a line."""
    text = str(lam)
    return text if len(text) <= 20 else f"{float(lam):.6g} (rounded)"


def _decimal(v: Fraction, rounding: str) -> str:
    """v to 10 significant digits, rounded in the direction ``rounding`` (exactly: the
    decimal division is correctly rounded), so a printed interval still holds the value."""
    with decimal.localcontext(prec=10, rounding=rounding, Emax=10**6, Emin=-(10**6)):
        return str(+(decimal.Decimal(v.numerator) / decimal.Decimal(v.denominator)))


def _interval_text(result: Result, lo: Fraction, hi: Fraction) -> str:
    """A certified interval in the problem's convention, its ends rounded outward.

    >>> from types import SimpleNamespace as NS
    >>> r = NS(problem=NS(convention="sum", n=3))
    >>> _interval_text(r, Fraction(1, 3), Fraction(1, 3))
    '[0.3333333333, 0.3333333334]'
    """
    lo, hi = shown_exact(result.problem, lo), shown_exact(result.problem, hi)
    return f"[{_decimal(lo, decimal.ROUND_FLOOR)}, {_decimal(hi, decimal.ROUND_CEILING)}]"


def _census_counts(result: Result) -> str:
    assert result.critical_points is not None
    kinds = Counter(c.kind for c in result.critical_points)
    return (
        f"{_plural(len(result.critical_points), 'critical point', 'critical points')}: "
        f"{_plural(kinds['minimum'], 'minimum', 'minima')}, "
        f"{_plural(kinds['saddle'], 'saddle', 'saddles')}, "
        f"{_plural(kinds['kink'], 'kink', 'kinks')}, {kinds['degenerate']} degenerate"
    )


def _landscape_counts(result: Result) -> str:
    assert result.landscape is not None
    graph = result.landscape
    return (
        f"{_plural(len(graph.edges), 'edge', 'edges')}, "
        f"{_plural(len(graph.joins), 'join', 'joins')} "
        f"({sum(j.minimax for j in graph.joins)} certified minimax), "
        f"{_plural(len(graph.components), 'component', 'components')}"
        + (f", {len(graph.lost_paths)} lost paths" if graph.lost_paths else "")
    )


def _global_text(result: Result) -> str:
    g = result.global_minimum
    assert g is not None
    state = "certified" if g.certified else f"not certified: {len(g.uncertified)} pieces open"
    return f"{_interval_text(result, g.lower, g.upper)} ({state})"


def _lowest_text(result: Result) -> str:
    """The lowest minimum and whether it is certified global."""
    m = result.minima[0]
    mark = {True: "certified global", False: "not global", None: "not certified global"}
    return (
        f"#{m.id}, loss {_loss_text(shown(result.problem, m.loss))} in "
        f"{_interval_text(result, *m.loss_interval)} ({mark[m.is_global]})"
    )


def result_repr(result: Result) -> str:
    """A short repr in the style of SciPy's ``OptimizeResult``: the problem, then one
    line per field that says how many, never the objects themselves (those are
    ``result.minima``, ``result.summary()``, ``result.to_frame()``)."""
    p = result.problem
    by_dim = ", ".join(
        f"{c} of dimension {k}" for k, c in result.counts_by_dimension().items()
    )
    fields = {
        "minima": f"{len(result.minima)}" + (f" ({by_dim})" if by_dim else ""),
        "lowest": _lowest_text(result) if result.minima else "none",
        "undecided": str(len(result.undecided)),
        "complete": str(result.complete),
    }
    if result.global_minimum is not None:
        fields["global_minimum"] = _global_text(result)
    if result.critical_points is not None:
        fields["census"] = _census_counts(result)
    if result.landscape is not None:
        fields["landscape"] = _landscape_counts(result)
    total = result.stats.get("timings", {}).get("total")
    if isinstance(total, int | float):
        fields["time"] = f"{total:.1f} s"
    width = max(map(len, fields))
    head = (
        f"Result(L={p.hidden}, lambda={_lam_text(p.lam)} ({p.convention} convention), "
        f"n={p.n}, d={p.d})"
    )
    return "\n".join([head, *(f"  {k:>{width}}: {v}" for k, v in fields.items())])


def _short_code(m: Minimum | CriticalPoint) -> str:
    code = minimum_face_code(m)
    return code if len(code) <= REPR_FACE_WIDTH else code[: REPR_FACE_WIDTH - 3] + "..."


def _short_loss(loss: float | None) -> str:
    return "None" if loss is None else f"{loss:.10g}"


def minimum_repr(m: Minimum) -> str:
    """A short repr in the style of scikit-learn's estimators: the fields a reader scans
    for, with the face as its code (cut to :data:`REPR_FACE_WIDTH` characters); the
    exact data stay on the object (``m.point``, ``m.system``, ``m.to_dict()``). A minimum
    holds its loss in the sum convention (it does not know the problem's), so the field is
    named ``loss_sum``: a mean-convention reader is never shown an unlabelled sum loss."""
    return (
        f"Minimum(id={m.id}, dimension={m.dimension}, loss_sum={_short_loss(m.loss)}, "
        f"is_global={m.is_global}, orbit_size={m.orbit_size}, face={_short_code(m)!r}, "
        f"decided_by={m.verdict.decided_by!r})"
    )


def critical_point_repr(c: CriticalPoint) -> str:
    """A census point's short repr, as :func:`minimum_repr`'s (its loss, too, labelled as
    of the sum convention)."""
    return (
        f"CriticalPoint(id={c.id}, kind={c.kind!r}, index={c.index}, "
        f"dimension={c.dimension}, loss_sum={_short_loss(c.loss)}, orbit_size={c.orbit_size}, "
        f"face={_short_code(c)!r}, decided_by={c.decided_by!r})"
    )


def _html_table(header: list[str], rows: list[list[tuple[str, str]]]) -> str:
    """A table; each cell is (text, title), the title shown on hover when not empty."""
    head = "<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in header) + "</tr>"
    body = "".join(
        "<tr>"
        + "".join(
            f"<td title=\"{html.escape(title)}\">{html.escape(text)}</td>"
            if title
            else f"<td>{html.escape(text)}</td>"
            for text, title in row
        )
        + "</tr>"
        for row in rows
    )
    return f"<table>{head}{body}</table>"


def _minima_html(result: Result) -> str:
    rows = [
        [
            (str(r["id"]), ""),
            (_loss_text(r["loss"]), ""),
            (_interval_text(result, *m.loss_interval), ""),
            (str(r["dimension"]), ""),
            (r["global"], ""),
            (str(r["orbit_size"]), ""),
            (minimum_face_code(m), m.signs),
            (r["decided_by"], ""),
        ]
        for r, m in zip(_rows(result), result.minima, strict=True)
    ]
    header = ["#", "loss", "certified interval", "dim", "global", "orbit", "face", "decided by"]
    return _html_table(header, rows)


def _joins_html(result: Result) -> str:
    """The disconnectivity graph's joins: height, point, the two basins, minimax or not."""
    assert result.landscape is not None
    rows = [
        [
            (_loss_text(shown(result.problem, j.height)), ""),
            (str(j.point), ""),
            (" | ".join("{" + ", ".join(map(str, b)) + "}" for b in j.basins), ""),
            ("minimax barrier" if j.minimax else "upper bound", ""),
        ]
        for j in result.landscape.joins
    ]
    return _html_table(["height", "point", "basins joined", "barrier"], rows)


def html_table(result: Result) -> str:
    """A notebook shows a result as its table of minima (a face as its code, the full
    signs on hover), then, when present, the certified global interval, the census's
    counts and the landscape with its joins."""
    p = result.problem
    head = (
        f"<p>reluscape: L = {p.hidden}, &lambda; = {html.escape(_lam_text(p.lam))} "
        f"({html.escape(p.convention)} convention), n = {p.n}, d = {p.d}; "
        f"{minima_count(result)} up to unit permutation"
        + ("" if result.complete else " <b>(incomplete: nothing is certified global)</b>")
        + "</p>"
    )
    parts = [head, _minima_html(result)]
    if result.global_minimum is not None:
        text = html.escape(_global_text(result))
        parts.append(f"<p>global minimum value in {text}</p>")
    if result.critical_points is not None:
        parts.append(f"<p>census: {html.escape(_census_counts(result))}</p>")
    if result.landscape is not None:
        parts.append(f"<p>landscape: {html.escape(_landscape_counts(result))}</p>")
        if result.landscape.joins:
            parts.append(_joins_html(result))
    return "".join(parts)


def _loss_text(loss: float | None) -> str:
    return "(overflow)" if loss is None else f"{loss:.10f}"

"""The HTML page of a report: summary tables, one section per minimum, the basins.

Every figure is referenced by a relative path, so the report directory is
self-contained. A minimum is called global only when the run certified it
(docs/METHOD.md section 6.6); in an incomplete run the lowest minima found are marked
"lowest found, not certified" (:func:`reluscape.numerical.compare.global_status`).

Examples
--------
>>> from reluscape.schema import Face
>>> chamber = Face(signs="++", kind="chamber", basis=[[1, 0], [0, 1]])
>>> origin = Face(signs="00", kind="origin", basis=[])
>>> face_type([chamber, origin])
'interior'
>>> face_type([chamber, Face(signs="+0", kind="boundary", basis=[[1, -1]])])
'boundary'
>>> table(["#", "loss"], [[1, "<0.5"]]).splitlines()[2]
'<tbody><tr><td>1</td><td>&lt;0.5</td></tr></tbody>'
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from typing import Any

from reluscape.numerical.compare import certified_interval, global_status
from reluscape.numerical.report.common import loss_text
from reluscape.schema import Face, Minimum, Result

CSS = (
    "body{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}"
    "table{border-collapse:collapse;margin:0.5em 0}"
    "td,th{border:1px solid #bbb;padding:2px 8px;text-align:right}"
    ".fig{display:inline-block;margin:0 1em 1em 0;vertical-align:top}"
    ".incomplete{color:#a00;font-weight:bold}"
)

_HEADING_STATUS = {
    "global": ", global",
    "spurious": "",
    "lowest found, not certified": ", lowest found, not certified global",
}


def face_type(face: Sequence[Face]) -> str:
    """``"interior"`` if every unit lies in a chamber or at the origin, else ``"boundary"``."""
    kinds = {f.kind for f in face}
    return "interior" if kinds <= {"chamber", "origin"} else "boundary"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An HTML table, every cell escaped."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n</table>\n"


def minimum_section(
    m: Minimum, status: str, figures: Sequence[tuple[str, str]], notes: Sequence[str]
) -> str:
    """The section of one minimum: heading, face, figures (file, alt text) and notes."""
    face = " | ".join(f"{u.signs} ({u.kind})" for u in m.face)
    notes_html = "".join(f"<p>{html.escape(n)}</p>" for n in notes)
    images = "".join(
        f'<div class="fig"><img src="{f}" alt="{html.escape(alt)}"></div>' for f, alt in figures
    )
    return (
        f'<h3 id="m{m.id}">Minimum #{m.id}: loss {loss_text(m.loss, 10)}, dimension '
        f"{m.dimension}{_HEADING_STATUS[status]}</h3>\n"
        f"<p>Face: <code>{html.escape(face)}</code>; orbit size {m.orbit_size}; decided by "
        f"{html.escape(m.verdict.decided_by)}.</p>\n"
        f"{images}\n{notes_html}\n"
    )


def basins_section(comparison: dict[str, Any], result: Result, figure: str) -> str:
    """The basins of attraction: the bar chart ``figure`` and the runs per minimum."""
    ms = comparison["multistart"]
    adam = comparison.get("adam", {})
    rows = [
        [m.id, ms["basins"][m.id], adam["basins"][m.id] if "basins" in adam else "-"]
        for m in result.minima
    ]
    return (
        "<h2>Basins of attraction</h2>\n"
        f"<p>From the <code>reluscape compare</code> document: {ms['runs']} seeded "
        "random starts per optimizer, each run assigned to the enumerated minimum it "
        "reached by its parameters.</p>\n"
        f'<div class="fig"><img src="{figure}" alt="basin frequencies"></div>\n'
        + table(["#", "L-BFGS-B runs", "Adam runs"], rows)
    )


def global_section(result: Result, comparison: dict[str, Any] | None) -> str:
    """The certified global minimum beside the multistart best and the convex bound.

    The exact interval is the result's (:func:`reluscape.numerical.compare.
    certified_interval`); the multistart best and p* come from the ``compare`` document
    when one is given, with their gaps to the certified value.
    """
    interval = certified_interval(result)
    if interval is None:
        return (
            "<h2>Global minimum</h2>\n<p>Not certified: the enumeration is incomplete, "
            "so the lowest minimum found is only an upper bound.</p>\n"
        )
    lower, upper, source = interval
    rows = [["certified interval (exact)", f"[{float(lower):.12g}, {float(upper):.12g}]", ""]]
    section = None if comparison is None else comparison.get("global")
    if section is not None:
        rows += [
            [
                f"multistart best ({comparison['multistart']['runs']} starts)",
                f"{section['multistart_best']:.12g}",
                f"{section['multistart_gap']:+.3e}",
            ],
            ["convex bound p* (Pilanci-Ergen)", f"{section['convex_p_star']:.12g}",
             f"{-section['convex_gap']:+.3e}"],
        ]  # fmt: skip
    g = result.global_minimum
    note = "" if g is None or g.certified else (
        " The interval is exact, but not every global minimizer was certified."
    )  # fmt: skip
    return (
        f"<h2>Global minimum</h2>\n<p>Certified by {html.escape(source)}.{note} Gaps are "
        "to the certified value (the upper bound).</p>\n" + table(["", "value", "gap"], rows)
    )


def _completeness(result: Result) -> str:
    if result.global_minimum is not None:
        state = "certified" if result.complete else "NOT certified"
        return (
            f"<p>A <code>reluscape global</code> result ({state}): it lists the global "
            "minimizers only, not every local minimum.</p>"
        )
    if result.complete:
        return (
            "<p>The enumeration is <b>complete</b>: every face was enumerated and every "
            "candidate decided.</p>"
        )
    return (
        '<p class="incomplete">The enumeration is INCOMPLETE: '
        f"{len(result.undecided)} candidate(s) undecided, "
        f"{len(result.stats.get('faces_undecided') or [])} face(s) undecided; "
        "the listed minima are certified, but others may exist, so none is certified "
        "global.</p>"
    )


def page(result: Result, sections: Sequence[str], basins: str = "", global_html: str = "") -> str:
    """The whole index.html: title, completeness, summary, ``global_html``
    (:func:`global_section`), table of minima, ``basins`` (:func:`basins_section` or empty)
    and the minima's ``sections``."""
    p = result.problem
    status = {m.id: global_status(m, result.minima) for m in result.minima}
    by_dim = Counter(m.dimension for m in result.minima)
    by_face = Counter(face_type(m.face) for m in result.minima)
    by_status = Counter(status.values())
    shown = ["global", "spurious"] + ([] if result.complete else ["lowest found, not certified"])
    summary = table(
        ["", "count"],
        [[f"dimension {k}", c] for k, c in sorted(by_dim.items())]
        + [[f"{k} face", c] for k, c in sorted(by_face.items())]
        + [[k, by_status[k]] for k in shown]
        + [["undecided candidates", len(result.undecided)]],
    )
    minima_table = table(
        ["#", "loss", "dim", "face", "type", "orbit"],
        [
            [
                m.id,
                loss_text(m.loss, 10),
                m.dimension,
                face_type(m.face),
                status[m.id],
                m.orbit_size,
            ]
            for m in result.minima
        ],
    )
    title = (
        f"reluscape report: L = {p.hidden}, lambda = {p.lam} ({p.convention}), n = {p.n}, d = {p.d}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n"
        f"<p>Data: <code>{html.escape(str(p.source))}</code>. "
        f"{len(result.minima)} local minima up to unit permutation.</p>\n"
        f"{_completeness(result)}\n<h2>Summary</h2>\n{summary}\n{global_html}<h2>Minima</h2>\n"
        f"{minima_table}\n{basins}" + "".join(sections) + "</body>\n</html>\n"
    )

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

from reluscape.numerical.compare import global_status
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


def _completeness(result: Result) -> str:
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


def page(result: Result, sections: Sequence[str], basins: str = "") -> str:
    """The whole index.html: title, completeness, summary, table of minima, ``basins``
    (:func:`basins_section` or empty) and the minima's ``sections``."""
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
        f"{_completeness(result)}\n<h2>Summary</h2>\n{summary}\n<h2>Minima</h2>\n"
        f"{minima_table}\n{basins}" + "".join(sections) + "</body>\n</html>\n"
    )

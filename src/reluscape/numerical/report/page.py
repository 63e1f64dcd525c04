"""The HTML page of a report: summary tables, one section per minimum, the basins.

The page calls the drawing functions of the other modules (each draws on a Matplotlib
axis and returns it) and saves each figure as a PNG beside index.html
(:func:`figure_html`), captioned with its axis labels, the data's column names among
them. Every figure is referenced by a relative path, so the report directory is
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
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from reluscape.convention import shown, shown_exact
from reluscape.data import InputError, Problem
from reluscape.numerical.compare import certified_interval, global_status
from reluscape.numerical.report.basins import plot_basins
from reluscape.numerical.report.common import (
    Floats,
    axis_labels,
    loss_text,
    psi_of,
    root_figure,
    save,
    table,
)
from reluscape.numerical.report.family import family_members, set_samples
from reluscape.numerical.report.function import plot_function, same_function
from reluscape.numerical.report.landscape import disconnectivity_graph, landscape_section
from reluscape.numerical.report.projection import Projection, plot_projection
from reluscape.numerical.report.slices import plot_slice, slice_note
from reluscape.progress import ProgressCallback
from reluscape.schema import Face, Minimum, Result
from reluscape.schema.render import minima_count

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["figure_html", "table", "write_page"]

CSS = (
    "body{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}"
    "table{border-collapse:collapse;margin:0.5em 0}"
    "td,th{border:1px solid #bbb;padding:2px 8px;text-align:right}"
    ".fig{display:inline-block;margin:0 1em 1em 0;vertical-align:top}"
    "figcaption{font-size:smaller;color:#555}"
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


def figure_html(ax: Axes, out: Path, name: str, alt: str) -> str:
    """Save the figure of ``ax`` as ``out/name`` (PNG) and return its ``<figure>``
    element, captioned with the figure's axis labels (:func:`reluscape.numerical.report.
    common.axis_labels`) so that a reader of the page, or a test, sees what is drawn."""
    labels = axis_labels(ax)
    save(root_figure(ax), out / name)
    caption = "Axes: " + "; ".join(labels) if labels else ""
    return (
        f'<figure class="fig"><img src="{html.escape(name)}" alt="{html.escape(alt)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def minimum_section(
    m: Minimum, status: str, figures: Sequence[str], notes: Sequence[str], divisor: int = 1
) -> str:
    """The section of one minimum: heading, face, figures (:func:`figure_html`) and notes;
    its loss divided by ``divisor`` (the problem's convention, :func:`reluscape.convention.
    divisor`)."""
    face = " | ".join(f"{u.signs} ({u.kind})" for u in m.face)
    notes_html = "".join(f"<p>{html.escape(n)}</p>" for n in notes)
    loss = None if m.loss is None else m.loss / divisor
    images = "".join(figures)
    return (
        f'<h3 id="m{m.id}">Minimum #{m.id}: loss {loss_text(loss, 10)}, '
        f"dimension {m.dimension}{_HEADING_STATUS[status]}</h3>\n"
        f"<p>Face: <code>{html.escape(face)}</code>; orbit size {m.orbit_size}; decided by "
        f"{html.escape(m.verdict.decided_by)}.</p>\n"
        f"{images}\n{notes_html}\n"
    )


def basins_section(comparison: dict[str, Any], result: Result, figure: str) -> str:
    """The basins of attraction: the bar chart ``figure`` (:func:`figure_html`) and the
    runs per minimum."""
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
        f"{figure}\n"
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
    lower, upper, source = (*(shown_exact(result.problem, v) for v in interval[:2]), interval[2])
    rows = [["certified interval (exact)", f"[{float(lower):.12g}, {float(upper):.12g}]", ""]]
    if comparison is not None and (section := comparison.get("global")) is not None:
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
    kinds = ["global", "spurious"] + ([] if result.complete else ["lowest found, not certified"])
    summary = table(
        ["", "count"],
        [[f"dimension {k}", c] for k, c in sorted(by_dim.items())]
        + [[f"{k} face", c] for k, c in sorted(by_face.items())]
        + [[k, by_status[k]] for k in kinds]
        + [["undecided candidates", len(result.undecided)]],
    )
    minima_table = table(
        ["#", f"loss ({p.convention} convention)", "dim", "face", "type", "orbit"],
        [
            [
                m.id,
                loss_text(shown(p, m.loss), 10),
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
        f"{minima_count(result)} up to unit permutation.</p>\n"
        f"{_completeness(result)}\n<h2>Summary</h2>\n{summary}\n{global_html}<h2>Minima</h2>\n"
        f"{minima_table}\n{basins}" + "".join(sections) + "</body>\n</html>\n"
    )


def _family_notes(
    floats: Floats, members: list[np.ndarray], samples: int, same: bool, diff: float
) -> list[str]:
    """What the page says about the members drawn of a positive-dimensional set."""
    if len(members) < 2:
        return ["Family: the component could not be sampled; only the sample point is drawn."]
    losses = [floats.r(psi) for psi in members]
    return [
        f"Family: {len(members)} members drawn, chosen far apart among {samples} points "
        "sampled on the set (random tangent steps, Newton-projected onto the component's "
        "equations inside the face). Reduced loss along the members varies by "
        f"{max(losses) - min(losses):.2e}.",
        (
            "All members drawn compute the same function on the data grid "
            if same
            else "The members drawn compute different functions on the data grid "
        )
        + f"(max difference {diff:.2e}).",
    ]


def minimum_figures(
    out: Path, floats: Floats, m: Minimum, pairs: Sequence[tuple[int, int]]
) -> tuple[list[str], list[str]]:
    """Draw and save every figure of one minimum into ``out``; return the figures'
    elements (:func:`figure_html`) and the notes."""
    geometry, samples = set_samples(m, floats) if m.dimension > 0 else (None, [])
    others = family_members(samples)[1:]
    ax = plot_function(floats, m, others)
    figures = [figure_html(ax, out, f"minimum_{m.id}_function.png", f"function of minimum {m.id}")]
    notes = []
    if m.dimension > 0:
        same, diff = same_function(floats, m, others)
        notes = _family_notes(floats, [psi_of(m), *others], len(samples), same, diff)
    if geometry is not None and len(samples) > 1:
        projection = Projection.of(geometry, samples)
        notes.append(projection.note())
        ax = plot_projection(m, projection)
        name = f"minimum_{m.id}_projection.png"
        figures.append(figure_html(ax, out, name, f"projection of the set of minimum {m.id}"))
    for k, pair in enumerate(pairs):
        ax = plot_slice(floats, m, pair)
        name = f"minimum_{m.id}_slice_{k}.png"
        figures.append(figure_html(ax, out, name, f"loss slice {k} of minimum {m.id}"))
    notes.append(
        "Slices: reduced loss r through the minimum (the other coordinates of psi fixed; "
        "a re-fitted by a_hat) on the planes "
        + "; ".join(slice_note(floats, m, pair) for pair in pairs)
        + ". Contour levels are uniform (labelled lines every other level). Coloured lines "
        "are the activation-pattern boundaries of the moved units."
    )
    return figures, notes


def write_page(
    result: Result,
    problem: Problem,
    out: Path,
    pairs: Sequence[tuple[int, int]],
    comparison: dict[str, Any] | None = None,
    progress: ProgressCallback | None = None,
) -> Path:
    """Draw every figure into the directory ``out`` and write ``out/index.html``; return
    its path (:func:`reluscape.numerical.report.write_report` checks the arguments).
    ``progress(minima_drawn, minima, seconds)`` is called before the first minimum and
    after each."""
    start = time.perf_counter()
    floats = Floats.of(problem)
    sections = []
    for k, m in enumerate(result.minima):
        if progress is not None:
            progress(k, len(result.minima), time.perf_counter() - start)
        figures, notes = minimum_figures(out, floats, m, pairs)
        status = global_status(m, result.minima)
        sections.append(minimum_section(m, status, figures, notes, floats.divisor))
    if progress is not None:
        progress(len(result.minima), len(result.minima), time.perf_counter() - start)
    extra = ""
    if comparison is not None:
        ax = plot_basins(comparison, result)
        figure = figure_html(ax, out, "basins.png", "basin frequencies")
        extra = basins_section(comparison, result, figure)
    if result.landscape is not None:
        ax = disconnectivity_graph(result)
        extra += landscape_section(
            result, figure_html(ax, out, "landscape.png", "disconnectivity graph")
        )
    index = out / "index.html"
    try:
        index.write_text(
            page(result, sections, extra, global_section(result, comparison)), encoding="utf-8"
        )
    except OSError as exc:
        raise InputError(f"cannot write {index}: {exc.strerror or exc}") from None
    return index

"""HTML report of a result: figures of every minimum and a summary table.

:func:`write_report` writes ``DIR/index.html`` and the PNG figures it references by
relative path (Matplotlib, Agg backend), so the directory is self-contained. One module
per kind of figure, each a function that draws one PNG and returns what the page says
about it:

- :mod:`~reluscape.numerical.report.function`: per minimum, the function the network
  computes, f(x) = sum_l a_l ReLU(B_l x + c_l) + mean(y), over the data range with the
  data points; for a positive-dimensional set, several members of the family
  (:mod:`~reluscape.numerical.report.family`: sampled numerically on the set) and whether
  they compute the same function;
- :mod:`~reluscape.numerical.report.projection`: per positive-dimensional set of
  dimension k <= 2, its projection to k + 1 coordinates of psi with the implicit
  equation F = 0 of the projection (elimination from the component's prime);
- :mod:`~reluscape.numerical.report.slices`: per minimum, 2-D slices of the reduced loss
  r through psi* (by default one per hidden unit l, moving B_l[0] and c_l) with the
  activation-pattern boundaries of the moved units;
- :mod:`~reluscape.numerical.report.basins`: with a ``reluscape compare`` document, a bar
  chart of the basin frequencies of each optimizer per minimum;
- :mod:`~reluscape.numerical.report.landscape`: with a census and its connections
  (``solve --census``), the disconnectivity graph of the minima and a table of the points
  that connect them;
- :mod:`~reluscape.numerical.report.page`: the HTML page, with a summary table (counts by
  dimension, face type, global / spurious, losses, and whether the enumeration is
  complete; an incomplete run calls no minimum global).

The data are those recorded in the result document, which holds its problem exactly;
:func:`report_from_files` checks a DATA.csv, when one is given, against them.

Examples
--------
>>> from reluscape.numerical.report import parse_slices
>>> parse_slices(["B_0,c_0"], hidden=1, d=1)
[(0, 1)]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reluscape.data import InputError, Problem, load_problem
from reluscape.numerical.compare import global_status, problem_difference
from reluscape.numerical.report.basins import basin_figure, read_compare
from reluscape.numerical.report.common import Floats, a_of, psi_of
from reluscape.numerical.report.family import family_members, set_samples
from reluscape.numerical.report.function import function_figure
from reluscape.numerical.report.landscape import disconnectivity_figure, landscape_section
from reluscape.numerical.report.page import (
    basins_section,
    face_type,
    global_section,
    minimum_section,
    page,
)
from reluscape.numerical.report.projection import projection_figure
from reluscape.numerical.report.slices import default_slices, parse_slices, slice_figure
from reluscape.schema import Minimum, Result

__all__ = [
    "default_slices",
    "face_type",
    "family_members",
    "parse_slices",
    "read_compare",
    "report_from_files",
    "write_report",
]


def _writable_directory(out_dir: str | Path) -> Path:
    """``out_dir``, created if missing, after checking a file can be written in it."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"the report directory {out} is a file, need a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".reluscape-write-test"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise InputError(
            f"cannot write the report directory {out}: {exc.strerror or exc}"
        ) from None
    return out


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


def _minimum_figures(
    out: Path, floats: Floats, m: Minimum, pairs: Sequence[tuple[int, int]]
) -> tuple[list[tuple[str, str]], list[str]]:
    """Draw every figure of one minimum into ``out``; return (file, alt text) and notes."""
    fname = f"minimum_{m.id}_function.png"
    geometry, samples = set_samples(m, floats) if m.dimension > 0 else (None, [])
    members = family_members(samples) or [psi_of(m)]
    same, diff = function_figure(out / fname, floats, m, members)
    figures = [(fname, f"function of minimum {m.id}")]
    notes = _family_notes(floats, members, len(samples), same, diff) if m.dimension > 0 else []
    if geometry is not None and len(samples) > 1:
        pname = f"minimum_{m.id}_projection.png"
        notes.append(projection_figure(out / pname, m, geometry, samples))
        figures.append((pname, f"projection of the set of minimum {m.id}"))
    planes = []
    for k, pair in enumerate(pairs):
        sname = f"minimum_{m.id}_slice_{k}.png"
        planes.append(slice_figure(out / sname, floats, m, pair))
        figures.append((sname, f"loss slice {k} of minimum {m.id}"))
    notes.append(
        "Slices: reduced loss r through the minimum (the other coordinates of psi fixed; "
        "a re-fitted by a_hat) on the planes " + "; ".join(planes) + ". Coloured lines are "
        "the activation-pattern boundaries of the moved units."
    )
    return figures, notes


def write_report(
    result: Result,
    problem: Problem,
    out_dir: str | Path,
    *,
    comparison: dict[str, Any] | None = None,
    slices: Sequence[tuple[int, int]] | None = None,
) -> Path:
    """Write ``out_dir/index.html`` and its PNG figures; return the path of index.html.

    Parameters
    ----------
    result : Result
        A result (:func:`reluscape.solve` or :meth:`reluscape.schema.Result.read`).
    problem : Problem
        The problem it was computed for (``result.problem``).
    out_dir : str or Path
        Output directory; created if missing.
    comparison : dict, optional
        A ``reluscape compare`` document for the same problem (:func:`read_compare`):
        adds the bar chart of basin frequencies and, beside the certified global minimum,
        the multistart best and the convex bound.
    slices : sequence of (int, int), optional
        Pairs of flat indices into psi (:func:`parse_slices`) along which every minimum's
        loss slices are drawn; default :func:`default_slices`, one per unit.

    Raises
    ------
    InputError
        If the directory cannot be created or written, or a point or the data overflow
        a float.
    """
    import matplotlib

    matplotlib.use("Agg")

    out = _writable_directory(out_dir)
    for m in result.minima:  # before any figure: a point that cannot be drawn
        psi_of(m)
        a_of(m)
    floats = Floats.of(problem)
    pairs = list(slices) if slices else default_slices(problem.hidden, problem.d)
    sections = []
    for m in result.minima:
        figures, notes = _minimum_figures(out, floats, m, pairs)
        sections.append(minimum_section(m, global_status(m, result.minima), figures, notes))
    basins = ""
    if comparison is not None:
        basin_figure(out / "basins.png", comparison, result)
        basins = basins_section(comparison, result, "basins.png")
    if result.landscape is not None:
        disconnectivity_figure(out / "landscape.png", result)
        basins += landscape_section(result, "landscape.png")
    index = out / "index.html"
    try:
        index.write_text(
            page(result, sections, basins, global_section(result, comparison)), encoding="utf-8"
        )
    except OSError as exc:
        raise InputError(f"cannot write {index}: {exc.strerror or exc}") from None
    return index


def report_from_files(
    result_path: str | Path,
    data: str | Path | None,
    out_dir: str | Path,
    *,
    compare_path: str | Path | None = None,
    slices: Sequence[str] = (),
) -> Path:
    """Read RESULT.json and write the report of it to ``out_dir``.

    The data are those recorded in the result document (its ``problem`` holds X and y
    exactly). A DATA.csv given as ``data`` is read with the recorded settings and must
    equal the recorded data exactly. ``compare_path`` names a ``reluscape compare --out``
    document of the same problem (:func:`read_compare`); ``slices`` are coordinate pairs
    for :func:`parse_slices`.

    Raises
    ------
    InputError
        If the result or the comparison cannot be read or is malformed, the data differ
        from the recorded data, a slice is not a pair of coordinates, or the directory
        cannot be written.
    """
    result = Result.read(result_path)
    problem = result.problem
    if data is not None:
        given = load_problem(
            data, hidden=problem.hidden, lam=problem.lam, convention=problem.convention
        )
        difference = problem_difference(
            problem, given, fields=("X", "y"), labels=("in the result", "in the data file")
        )
        if difference is not None:
            raise InputError(
                f"{result_path} was computed on different data than {data}: {difference}"
            )
    comparison = read_compare(compare_path, result) if compare_path is not None else None
    pairs = parse_slices(slices, problem.hidden, problem.d) if slices else None
    return write_report(result, problem, out_dir, comparison=comparison, slices=pairs)

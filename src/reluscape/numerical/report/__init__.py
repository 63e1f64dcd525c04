"""HTML report of a result: figures of every minimum and a summary table.

:func:`write_report` writes ``DIR/index.html`` and the PNG figures it references by
relative path (Matplotlib, Agg backend), so the directory is self-contained. One module
per kind of figure, each a function ``plot_*(..., ax=None)`` that draws on a Matplotlib
axis (a new figure when ``ax`` is None) and returns it, so that a figure can be drawn
inline in a notebook or into a figure of one's own; the page
(:mod:`~reluscape.numerical.report.page`) calls them and saves the PNGs. Axes are
labelled with the data's column names (the CSV header, :attr:`reluscape.data.Problem.
columns`):

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
- :mod:`~reluscape.numerical.report.page`: draws and saves the figures and writes the
  HTML page, with a summary table (counts by
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

from reluscape.data import InputError, Problem, load_problem
from reluscape.numerical.compare import problem_difference
from reluscape.numerical.report.basins import plot_basins, read_compare
from reluscape.numerical.report.common import a_of, psi_of
from reluscape.numerical.report.family import family_members
from reluscape.numerical.report.function import plot_function, same_function
from reluscape.numerical.report.landscape import disconnectivity_graph
from reluscape.numerical.report.page import face_type, write_page
from reluscape.numerical.report.projection import Projection, plot_projection
from reluscape.numerical.report.slices import default_slices, parse_slices, plot_slice
from reluscape.progress import ProgressCallback, close, progress_bar
from reluscape.schema import Result

__all__ = [
    "Projection",
    "default_slices",
    "disconnectivity_graph",
    "face_type",
    "family_members",
    "parse_slices",
    "plot_basins",
    "plot_function",
    "plot_projection",
    "plot_slice",
    "read_compare",
    "report_from_files",
    "same_function",
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


def write_report(
    result: Result,
    problem: Problem,
    out_dir: str | Path,
    *,
    comparison: dict[str, Any] | None = None,
    slices: Sequence[tuple[int, int]] | None = None,
    progress: bool | ProgressCallback | None = None,
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
    progress : bool or callable, optional
        True: a progress bar of the minima drawn (:mod:`reluscape.progress`); a callable
        is called as ``progress(minima_drawn, minima, seconds)``.

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
    pairs = list(slices) if slices else default_slices(problem.hidden, problem.d)
    bar = progress_bar(progress, "report: minima drawn", unit="minimum")
    try:
        return write_page(result, problem, out, pairs, comparison, bar)
    finally:
        close(bar)


def report_from_files(
    result_path: str | Path,
    data: str | Path | None,
    out_dir: str | Path,
    *,
    compare_path: str | Path | None = None,
    slices: Sequence[str] = (),
    progress: bool | ProgressCallback | None = None,
) -> Path:
    """Read RESULT.json and write the report of it to ``out_dir``.

    The data are those recorded in the result document (its ``problem`` holds X and y
    exactly). A DATA.csv given as ``data`` is read with the recorded settings and must
    equal the recorded data exactly. ``compare_path`` names a ``reluscape compare --out``
    document of the same problem (:func:`read_compare`); ``slices`` are coordinate pairs
    for :func:`parse_slices`; ``progress`` as in :func:`write_report`.

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
    return write_report(
        result, problem, out_dir, comparison=comparison, slices=pairs, progress=progress
    )

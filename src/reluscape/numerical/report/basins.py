"""Basins of attraction from a ``reluscape compare`` document: where random starts ended.

:func:`read_compare` reads and checks the document (same problem, same minima);
:func:`plot_basins` draws, per optimizer, the number of runs that reached each
enumerated minimum and the runs that reached none (stuck at a saddle or kink, a dead
unit, not converged).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from reluscape.data import InputError, read_text
from reluscape.numerical.compare import problem_difference
from reluscape.numerical.report.common import new_axes
from reluscape.schema import MalformedResult, Result, load_json, problem_from_dict

if TYPE_CHECKING:
    from matplotlib.axes import Axes

LOSS_MATCH_TOL = 1e-9  # a compare document's minima must have the result's losses


def read_compare(path: str | Path, result: Result) -> dict[str, Any]:
    """Read a ``reluscape compare --out`` document and check it belongs to ``result``.

    The recorded problem (data, hidden units, lambda and convention) must equal the
    result's exactly, and the compared minima must be the result's (same ids and
    losses); basin counts are read with integer minimum ids.

    Raises
    ------
    InputError
        If the file cannot be read, is not a comparison document, or was computed for a
        different problem or enumeration.
    """
    name = str(path)
    text = read_text(Path(path), kind="comparison", expected="a JSON file")
    try:
        doc = load_json(text)
    except MalformedResult as exc:
        raise InputError(f"{name}: {exc}") from None
    try:
        try:
            theirs = problem_from_dict(doc["problem"])
        except InputError as exc:
            raise InputError(f"{name} is not a reluscape compare document: {exc}") from None
        difference = problem_difference(
            result.problem, theirs, labels=("in the result", "in the comparison")
        )
        if difference is not None:
            raise InputError(
                f"{name} was computed for a different problem than the result ({difference}); "
                "pass the compare document of the same data and settings"
            )
        compared = {int(m["id"]): m["loss"] for m in doc["enumeration"]["minima"]}
        mine = {m.id: m.loss for m in result.minima}
        if set(compared) != set(mine) or any(not _same_loss(compared[i], mine[i]) for i in mine):
            raise InputError(f"{name} compares a different list of minima than the result")
        sections = ["multistart"] + (["adam"] if doc.get("adam", {}).get("status") == "ok" else [])
        for key in sections:
            sec = doc[key]
            sec["basins"] = {int(k): int(v) for k, v in sec["basins"].items()}
            if set(sec["basins"]) != set(mine) or min(sec["basins"].values(), default=0) < 0:
                raise InputError(f"{name} is malformed: {key}.basins do not match the minima")
            for field in ("runs", "stuck_at_saddles_or_kinks", "not_converged"):
                sec[field] = int(sec[field])
            len(sec["dead_unit_runs"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(
            f"{name} is not a reluscape compare document: {type(exc).__name__}: {exc}"
        ) from None
    return doc


def _same_loss(theirs: Any, mine: float | None) -> bool:
    """The same float loss, to ``LOSS_MATCH_TOL`` relative; both None when it overflowed."""
    if mine is None or theirs is None:
        return mine is None and theirs is None
    return abs(float(theirs) - mine) <= LOSS_MATCH_TOL * max(1.0, abs(mine))


def plot_basins(comparison: dict[str, Any], result: Result, *, ax: Axes | None = None) -> Axes:
    """Bars on ``ax`` (a new figure when None): runs of each optimizer per enumerated
    minimum, and runs at no minimum; return the axis."""
    sections = [("L-BFGS-B", comparison["multistart"])]
    if comparison.get("adam", {}).get("status") == "ok":
        sections.append(("Adam", comparison["adam"]))
    labels = [f"#{m.id}" for m in result.minima] + ["stuck", "dead unit", "not conv."]
    if ax is None:
        ax = new_axes((max(5.5, 0.6 * len(labels) + 2), 4.0))
    x = np.arange(len(labels))
    width = 0.8 / len(sections)
    for k, (name, sec) in enumerate(sections):
        counts = [sec["basins"][m.id] for m in result.minima] + [
            sec["stuck_at_saddles_or_kinks"],
            len(sec["dead_unit_runs"]),
            sec["not_converged"],
        ]
        ax.bar(x + (k - (len(sections) - 1) / 2) * width, counts, width, label=name)
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_xlabel("where the run ended (enumerated minimum #)")
    ax.set_ylabel(f"runs (of {comparison['multistart']['runs']})")
    ax.set_title("basin frequencies: where each random start ended", fontsize=10)
    ax.legend(fontsize=8)
    return ax

"""The two tables of a study, built from the typed result (never from ``to_frame``): one
row per run, and one row per minimum per run (tidy, long), each tagged with the run's
parameters. Losses are floats for plotting; the exact intervals stay in the run's
result (solve the run again, or ``reluscape solve`` its data set, for the document).

A minimum is *spurious* when it is a local minimum that is not global (``is_global``
false); in an incomplete run nothing is known to be global, so both are missing (NA).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reluscape.convention import divisor, shown, shown_exact
from reluscape.studies.grid import Run

if TYPE_CHECKING:
    import pandas as pd

    from reluscape.data import Problem
    from reluscape.schema import Minimum, Result

PARAM_COLUMNS = {
    "data": "string",
    "n": "Int64",
    "d": "Int64",
    "seed": "Int64",
    "hidden": "Int64",
    "lam": "string",
    "lam_float": "float64",
    "convention": "string",
}
"""The run's parameters (:meth:`Run.params`), first in both tables."""

RUN_COLUMNS = {
    **PARAM_COLUMNS,
    "minima": "Int64",
    "spurious": "Int64",
    "undecided": "Int64",
    "global_loss": "float64",
    "complete": "boolean",
    "faces": "Int64",
    "orbits": "Int64",
    "seconds": "float64",
    "cpu_seconds": "float64",
    "error": "string",
    # Where asked (study(starts=K, convex=True)): training's basins and the convex bound.
    "multistart_starts": "Int64",
    "global_share": "float64",
    "unmatched_share": "float64",
    "multistart_best": "float64",
    "convex_bound": "float64",
}
"""The per-run table; ``minima_dim<k>`` columns (minima of dimension k) follow, one per
dimension found in the study."""

ADDED_COLUMNS = {
    "runs": (
        "cpu_seconds", "multistart_starts", "global_share", "unmatched_share",
        "multistart_best", "convex_bound",
    ),
    "minima": ("basin_share",),
}  # fmt: skip
"""Columns of each table added after the first tables were written: missing (NA) when
reading those."""

DIM_PREFIX = "minima_dim"

MINIMA_COLUMNS = {
    **PARAM_COLUMNS,
    "minimum": "Int64",
    "loss": "float64",
    "loss_lower": "float64",
    "loss_upper": "float64",
    "is_global": "boolean",
    "spurious": "boolean",
    "dimension": "Int64",
    "face": "string",
    "orbit_size": "Int64",
    "decided_by": "string",
    "basin_share": "float64",
}


def run_row(run: Run, result: Result, seconds: float) -> dict[str, Any]:
    """The per-run row of a finished run (``seconds``: its wall time)."""
    complete = result.complete
    minima = result.minima
    # Losses in the run's convention, as every table and summary shows them (issue 31).
    global_losses = [
        m.loss / divisor(result.problem) for m in minima if m.is_global and m.loss is not None
    ]
    row: dict[str, Any] = {
        **run.params(),
        "minima": len(minima),
        "spurious": sum(m.is_global is False for m in minima) if complete else None,
        "undecided": len(result.undecided),
        "global_loss": min(global_losses) if complete and global_losses else None,
        "complete": complete,
        "faces": result.stats.get("faces"),
        "orbits": result.stats.get("orbits"),
        "seconds": seconds,
        "error": "",
    }
    for m in minima:
        key = f"{DIM_PREFIX}{m.dimension}"
        row[key] = row.get(key, 0) + 1
    return row


def failed_row(run: Run, error: str) -> dict[str, Any]:
    """The row of a run that raised or whose worker died: incomplete, the error named."""
    return {**run.params(), "complete": False, "error": error}


def minimum_row(
    run: Run, m: Minimum, problem: Problem, share: float | None = None
) -> dict[str, Any]:
    """One minimum's row, its losses in the run's convention; ``share``: the fraction of
    the multistart runs that reached it, where asked."""
    lower, upper = (shown_exact(problem, v) for v in m.loss_interval)
    return {
        **run.params(),
        "minimum": m.id,
        "loss": shown(problem, m.loss),
        "loss_lower": float(lower),
        "loss_upper": float(upper),
        "is_global": m.is_global,
        "spurious": None if m.is_global is None else not m.is_global,
        "dimension": m.dimension,
        "face": m.signs,
        "orbit_size": m.orbit_size,
        "decided_by": m.verdict.decided_by,
        "basin_share": share,
    }


def minima_rows(
    run: Run, result: Result, shares: dict[int, float] | None = None
) -> list[dict[str, Any]]:
    shares = shares or {}
    return [minimum_row(run, m, result.problem, shares.get(m.id)) for m in result.minima]


def dimension_columns(columns: Any) -> list[str]:
    """The ``minima_dim<k>`` columns among ``columns``, by increasing k."""
    dims = [c for c in columns if str(c).startswith(DIM_PREFIX) and str(c)[10:].isdigit()]
    return sorted(dims, key=lambda c: int(str(c)[len(DIM_PREFIX):]))


def runs_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The per-run table; a dimension no minimum of a run has counts 0 there (NA for a
    run that failed)."""
    import pandas as pd

    dims = dimension_columns({k for row in rows for k in row})
    columns = {**RUN_COLUMNS, **dict.fromkeys(dims, "Int64")}
    filled = [
        {**row, **{k: row.get(k, 0) for k in dims}} if not row.get("error") else row
        for row in rows
    ]
    return typed(pd.DataFrame(filled, columns=list(columns)), columns)


def minima_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    return typed(pd.DataFrame(rows, columns=list(MINIMA_COLUMNS)), MINIMA_COLUMNS)


def typed(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """``frame`` with the columns' dtypes (nullable integers and booleans: NA where a run
    says nothing, as the spurious count of an incomplete run)."""
    out = frame.astype({k: v for k, v in columns.items() if k in frame.columns})
    return out.reset_index(drop=True)

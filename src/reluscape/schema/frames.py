"""A result as tidy pandas tables: the minima, the census and the landscape's edges.

Tidy: one row per object, one column per variable, a numeric or boolean dtype for every
number and truth value, so that ``frame.query("spurious")``, ``frame.loss.max()`` and a
concatenation over runs work without conversions. Losses are floats in the problem's
convention; the certified interval's endpoints are floats rounded outward (the float
interval contains the certified one) with the exact endpoints, Fractions, beside them in
the ``*_exact`` columns. Truth values a run may leave open (``is_global`` of an
incomplete run) use pandas' nullable ``boolean`` dtype, so one column has one dtype in
every run. A face is its short code (:func:`reluscape.schema.render.face_code`); the full
sign vectors stay on the objects (:attr:`reluscape.schema.Minimum.signs`).

pandas is optional (``pip install 'reluscape[pandas]'``) and imported when a frame is made.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from reluscape.convention import shown, shown_exact
from reluscape.schema.render import float_above, float_below, minimum_face_code

if TYPE_CHECKING:
    from reluscape.schema.document import CriticalPoint, Minimum, Result

__all__ = [
    "CENSUS_COLUMNS",
    "EXACT_COLUMNS",
    "LANDSCAPE_COLUMNS",
    "MINIMA_COLUMNS",
    "critical_points_frame",
    "landscape_frame",
    "minima_frame",
]

# column -> dtype; the one place the tables' columns and types are written.
_LOSS = {"loss": "float64", "loss_lower": "float64", "loss_upper": "float64"}
EXACT_COLUMNS = {"loss_lower_exact": "object", "loss_upper_exact": "object"}
"""With ``exact=True``: the certified interval's exact ends, Fractions (long: they are
off by default, so that a table fits a screen)."""
MINIMA_COLUMNS = {
    **_LOSS,
    "dimension": "int64",
    "is_global": "boolean",
    "spurious": "boolean",
    "orbit_size": "int64",
    "face": "object",
    "decided_by": "object",
}
CENSUS_COLUMNS = {
    "kind": "object",
    "index": "Int64",
    **_LOSS,
    "dimension": "int64",
    "transition_state": "bool",
    "descent_components": "Int64",
    "descents_cover": "bool",
    "orbit_size": "int64",
    "face": "object",
    "decided_by": "object",
}
LANDSCAPE_COLUMNS = {
    "point": "int64",
    "source": "int64",
    "target": "int64",
    "height": "float64",
    "barrier_source": "float64",
    "barrier_target": "float64",
    "kind": "object",
    "index": "Int64",
    "join": "bool",
    "minimax": "boolean",
}


def _pandas() -> Any:
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "a result's tables need pandas: pip install 'reluscape[pandas]'"
        ) from None
    return pd


def _frame(rows: list[dict[str, Any]], columns: dict[str, str], index: str | None) -> Any:
    """The rows as a DataFrame with exactly ``columns``, each of its dtype (an empty
    table too), indexed by ``index`` (other keys of the rows are left out)."""
    pd = _pandas()
    names = ([index] if index else []) + list(columns)
    frame = pd.DataFrame(rows, columns=names)
    frame = frame.astype({**({index: "int64"} if index else {}), **columns})
    return frame.set_index(index) if index else frame


def _with_exact(columns: dict[str, str], exact: bool) -> dict[str, str]:
    return {**columns, **EXACT_COLUMNS} if exact else columns


def _loss_columns(result: Result, m: Minimum | CriticalPoint) -> dict[str, Any]:
    """The loss (NaN where it overflows a float) and its certified interval, in the
    problem's convention: floats rounded outward, and exact."""
    lo, hi = (shown_exact(result.problem, v) for v in m.loss_interval)
    loss = shown(result.problem, m.loss)
    return {
        "loss": math.nan if loss is None else loss,
        "loss_lower": float_below(lo),
        "loss_upper": float_above(hi),
        "loss_lower_exact": lo,
        "loss_upper_exact": hi,
    }


def minima_frame(result: Result, exact: bool = False) -> Any:
    """The minima, one row per orbit, indexed by ``id``; columns and dtypes
    :data:`MINIMA_COLUMNS` (and :data:`EXACT_COLUMNS` with ``exact``). ``is_global`` and
    ``spurious`` (a local minimum that is not global) are NA in an incomplete run, which
    claims neither."""
    rows = []
    for m in result.minima:
        spurious = None if m.is_global is None else not m.is_global
        rows.append(
            {
                "id": m.id,
                **_loss_columns(result, m),
                "dimension": m.dimension,
                "is_global": m.is_global,
                "spurious": spurious,
                "orbit_size": m.orbit_size,
                "face": minimum_face_code(m),
                "decided_by": m.verdict.decided_by,
            }
        )
    return _frame(rows, _with_exact(MINIMA_COLUMNS, exact), "id")


def _census(result: Result) -> list[CriticalPoint]:
    if result.critical_points is None:
        raise ValueError("this result has no census: run `reluscape solve --census`")
    return result.critical_points


def critical_points_frame(result: Result, exact: bool = False) -> Any:
    """The census, one row per Clarke-critical point up to unit permutation, indexed by
    ``id`` (a minimum's is its id in :func:`minima_frame`); columns and dtypes
    :data:`CENSUS_COLUMNS` (and :data:`EXACT_COLUMNS` with ``exact``).
    ``transition_state``: a kink of index 1.

    Raises
    ------
    ValueError
        If the result has no census (``solve --census`` makes one).
    """
    rows = [
        {
            "id": c.id,
            "kind": c.kind,
            "index": c.index,
            **_loss_columns(result, c),
            "dimension": c.dimension,
            "transition_state": c.kind == "kink" and c.index == 1,
            "descent_components": c.descent_components,
            "descents_cover": c.descents_cover,
            "orbit_size": c.orbit_size,
            "face": minimum_face_code(c),
            "decided_by": c.decided_by,
        }
        for c in _census(result)
    ]
    return _frame(rows, _with_exact(CENSUS_COLUMNS, exact), "id")


def landscape_frame(result: Result) -> Any:
    """The landscape graph's edges, one row per pair of minima (``source`` < ``target``,
    their ids) that a census ``point`` connects: the ``height`` (the point's loss), the
    ``barrier_source`` and ``barrier_target`` (the height minus each minimum's loss), the
    point's ``kind`` and ``index``, ``join`` (the edge is a join of the disconnectivity
    graph) and ``minimax`` (that join's height is the certified minimax barrier; NA for
    an edge that is no join). Columns and dtypes :data:`LANDSCAPE_COLUMNS`; an edge list
    for ``networkx.from_pandas_edgelist``.

    Raises
    ------
    ValueError
        If the result has no landscape (``solve --census`` makes one).
    """
    census = {c.id: c for c in _census(result)}
    if result.landscape is None:
        raise ValueError("this result has no landscape: run `reluscape solve --census`")
    loss = {m.id: m.loss for m in result.minima}
    joins = {(j.point, frozenset(j.minima)): j.minimax for j in result.landscape.joins}
    rows = []
    for e in result.landscape.edges:
        source, target = sorted(e["minima"])
        point = census[e["point"]]
        height = e["height"]
        minimax = joins.get((e["point"], frozenset((source, target))))
        rows.append(
            {
                "point": e["point"],
                "source": source,
                "target": target,
                "height": _shown_float(result, height),
                "barrier_source": _barrier(result, height, loss[source]),
                "barrier_target": _barrier(result, height, loss[target]),
                "kind": point.kind,
                "index": point.index,
                "join": minimax is not None,
                "minimax": minimax,
            }
        )
    return _frame(rows, LANDSCAPE_COLUMNS, None)


def _shown_float(result: Result, value: float | None) -> float:
    shown_value = shown(result.problem, value)
    return math.nan if shown_value is None else shown_value


def _barrier(result: Result, height: float | None, low: float | None) -> float:
    if height is None or low is None:
        return math.nan
    return _shown_float(result, height - low)

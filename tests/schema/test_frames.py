"""The tidy tables of a result: one dtype per column in every run, booleans that are
booleans, floats that contain the certified interval, and the census and the landscape
as tables of their own.

The property tests draw result documents from two real runs (a census run in the mean
convention, tests/schema/census_d1_n3.json, and a small solve in the sum convention):
any subset of their minima, complete or not, with any globality a complete run may
claim, is a valid document, and its tables keep their types."""

from __future__ import annotations

import copy
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reluscape
from reluscape.schema import Result
from reluscape.schema.frames import (
    CENSUS_COLUMNS,
    EXACT_COLUMNS,
    LANDSCAPE_COLUMNS,
    MINIMA_COLUMNS,
)
from reluscape.schema.render import float_above, float_below

CENSUS = Path(__file__).with_name("census_d1_n3.json")


@pytest.fixture(scope="module")
def census() -> Result:
    return Result.read(CENSUS)


@pytest.fixture(scope="module")
def bases(census: Result) -> list[dict[str, Any]]:
    """Documents without a census (a subset of minima has none), one per convention."""
    solved = reluscape.solve([[0], [1], [2], [4]], ["0", "1", "0", "2"], hidden=1, lam="1/10")
    docs = [census.to_dict(), solved.to_dict()]
    for doc in docs:
        doc.pop("critical_points", None)
        doc.pop("landscape", None)
    return docs


@st.composite
def _documents(draw: st.DrawFn, bases: list[dict[str, Any]]) -> dict[str, Any]:
    doc = copy.deepcopy(draw(st.sampled_from(bases)))
    count = len(doc["minima"])
    keep = draw(st.lists(st.integers(0, count - 1), unique=True, max_size=count))
    complete = draw(st.booleans())
    minima = [doc["minima"][k] for k in sorted(keep)]
    for new_id, m in enumerate(minima, start=1):
        m["id"] = new_id
        m["is_global"] = draw(st.booleans()) if complete else None
    doc["minima"] = minima
    doc["stats"]["complete"] = complete
    return doc


def _dtypes(frame: pd.DataFrame) -> dict[str, str]:
    return {name: str(dtype) for name, dtype in frame.dtypes.items()}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_the_minima_frame_has_one_dtype_per_column_in_every_run(
    bases: list[dict[str, Any]], data: st.DataObject
) -> None:
    result = Result.from_dict(data.draw(_documents(bases)))
    frame = result.to_frame(exact=True)
    assert _dtypes(frame) == {**MINIMA_COLUMNS, **EXACT_COLUMNS}
    assert frame.index.name == "id" and str(frame.index.dtype) == "int64"
    assert list(frame.index) == [m.id for m in result.minima]
    assert str(frame["is_global"].dtype) == "boolean" and str(frame["spurious"].dtype) == "boolean"
    for m in result.minima:
        row = frame.loc[m.id]
        if m.is_global is None:  # an incomplete run claims neither
            assert row["is_global"] is pd.NA and row["spurious"] is pd.NA
        else:
            assert bool(row["is_global"]) is m.is_global
            assert bool(row["spurious"]) is (not m.is_global)
        # The floats contain the exact interval (in the problem's convention).
        assert row["loss_lower"] <= row["loss_lower_exact"] <= row["loss_upper_exact"]
        assert row["loss_upper_exact"] <= row["loss_upper"]
    # The default table leaves the long Fractions out; the rest is the same.
    plain = result.to_frame()
    assert _dtypes(plain) == MINIMA_COLUMNS
    pd.testing.assert_frame_equal(plain, frame[list(MINIMA_COLUMNS)])
    # Tidy tables of different runs concatenate without changing a dtype.
    both = pd.concat([plain, plain])
    assert _dtypes(both) == MINIMA_COLUMNS


def test_the_query_a_user_writes_works(census: Result) -> None:
    frame = census.to_frame()
    assert list(frame.query("is_global").index) == [1]
    assert list(frame.query("spurious").index) == [2, 3]
    assert list(frame[frame["dimension"] > 0].index) == [2, 3]


def test_losses_are_in_the_problems_convention(census: Result) -> None:
    """The census run is in the mean convention: the table shows the document's losses,
    not the object's sum-convention ones."""
    assert census.problem.convention == "mean"
    frame = census.to_frame(exact=True)
    n = census.problem.n
    for m in census.minima:
        assert frame.loc[m.id, "loss"] == pytest.approx(m.loss / n, rel=1e-15)
        assert frame.loc[m.id, "loss_lower_exact"] == m.loss_interval[0] / n


def test_faces_are_short_codes_and_the_signs_stay_on_the_object(census: Result) -> None:
    frame = census.to_frame()
    assert frame.loc[1, "face"] == "+^3 | +0-"
    assert census.minima[0].signs == "+++ | +0-"


def test_an_overflowing_loss_is_nan_and_its_bounds_are_rounded_outward(
    census: Result,
) -> None:
    doc = census.to_dict()
    doc.pop("critical_points"), doc.pop("landscape")
    doc["minima"] = doc["minima"][:1]
    huge = str(Fraction(10**400, 3))
    doc["minima"][0].update(loss=None, loss_sum=None, loss_interval=[huge, huge])
    frame = Result.from_dict(doc).to_frame()
    row = frame.loc[1]
    assert math.isnan(row["loss"])
    assert row["loss_upper"] == math.inf and row["loss_lower"] > 1e300


@given(st.fractions())
def test_float_bounds_are_the_floats_next_to_the_value(v: Fraction) -> None:
    below, above = float_below(v), float_above(v)
    assert below <= v <= above
    # No float lies strictly between them and v.
    assert math.nextafter(below, math.inf) >= v and math.nextafter(above, -math.inf) <= v


def test_the_census_frame(census: Result) -> None:
    frame = census.critical_points_frame()
    assert _dtypes(frame) == CENSUS_COLUMNS
    assert census.critical_points is not None
    assert list(frame.index) == [c.id for c in census.critical_points]
    assert list(frame["kind"]) == [c.kind for c in census.critical_points]
    minima = frame[frame["kind"] == "minimum"]
    assert sorted(minima.index) == [m.id for m in census.minima]
    assert (minima["index"] == 0).all()
    assert frame["index"].isna().sum() == sum(c.index is None for c in census.critical_points)
    exact = census.critical_points_frame(exact=True)
    assert _dtypes(exact) == {**CENSUS_COLUMNS, **EXACT_COLUMNS}


def test_the_landscape_frame_lists_the_edges_and_marks_the_joins(census: Result) -> None:
    graph = census.landscape
    assert graph is not None and census.critical_points is not None
    frame = census.landscape_frame()
    assert _dtypes(frame) == LANDSCAPE_COLUMNS
    assert len(frame) == len(graph.edges)
    assert (frame["source"] < frame["target"]).all()
    edges = frame[["point", "source", "target"]].itertuples(index=False, name=None)
    assert set(edges) == {(e["point"], *sorted(e["minima"])) for e in graph.edges}
    joins = frame[frame["join"]]
    assert len(joins) == len(graph.joins)
    assert list(joins["minimax"]) == [j.minimax for j in graph.joins]
    assert frame.loc[~frame["join"], "minimax"].isna().all()
    # A barrier is the point's height above the minimum, in the problem's convention.
    losses = census.to_frame()["loss"]
    for row in frame.itertuples():
        assert row.barrier_source == pytest.approx(row.height - losses[row.source], abs=1e-12)
        assert row.barrier_target == pytest.approx(row.height - losses[row.target], abs=1e-12)


def test_a_result_without_a_census_says_so(census: Result) -> None:
    doc = census.to_dict()
    doc.pop("critical_points"), doc.pop("landscape")
    plain = Result.from_dict(doc)
    with pytest.raises(ValueError, match="no census"):
        plain.critical_points_frame()
    with pytest.raises(ValueError, match="no census"):
        plain.landscape_frame()
    doc = census.to_dict()
    doc.pop("landscape")
    with pytest.raises(ValueError, match="no landscape"):
        Result.from_dict(doc).landscape_frame()

"""Figures of the regularization path: what is drawn is what the path document says."""

from __future__ import annotations

from fractions import Fraction

import matplotlib.pyplot as plt
import pytest

import reluscape
from reluscape.numerical.report.lampath import (
    EVENT_MARKERS,
    bifurcation_diagram,
    minima_count,
)
from reluscape.pathresult import PathResult


@pytest.fixture(scope="module")
def tiny() -> PathResult:
    return reluscape.path([[0], [1], [2]], [0, 1, 0], hidden=1, lam=("1/100", "10"),
                          samples=4, width=Fraction(1, 10))  # fmt: skip


def test_bifurcation_diagram_draws_every_branch_event_and_the_global_path(tiny) -> None:
    _, ax = plt.subplots()
    assert bifurcation_diagram(tiny, ax=ax) is ax
    labels = [line.get_label() for line in ax.get_lines()]
    assert [f"branch {b.id}" for b in tiny.branches] == labels[: len(tiny.branches)]
    assert "global minimum" in labels
    for b, line in zip(tiny.branches, ax.get_lines(), strict=False):
        assert list(line.get_xdata()) == [float(v) for v in b.lams]
    markers = [line for line in ax.get_lines() if line.get_marker() in
               {m for m, _ in EVENT_MARKERS.values()} and len(line.get_xdata()) == 1]  # fmt: skip
    assert len(markers) == len(tiny.events)
    assert ax.get_xscale() == "log"
    plt.close("all")


def test_minima_count_steps_through_the_samples(tiny) -> None:
    ax = minima_count(tiny)
    (total,) = [line for line in ax.get_lines() if line.get_label() == "all"]
    assert list(total.get_ydata()) == [len(s.minima) for s in tiny.samples]
    plt.close("all")

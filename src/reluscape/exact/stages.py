"""Seconds spent in each stage of the exact path, for the benchmark's per-stage profile.

The stages of one product face (docs/METHOD.md sections 4 to 6) are

- ``build``: the face's polynomial system (:class:`reluscape.exact.surrogate.FaceSystem`);
- ``exclusion``: tests that rule a face out before its own critical system is solved
  (an idle live unit, a Motzkin certificate of the linear sign conditions, the merged
  effective-weight system with no realizable solution);
- ``solve``: real roots and prime decompositions of the critical system;
- ``sampling``: the points of positive-dimensional components (slices, projection tests);
- ``verify``: the exact local-minimum tests of the candidates.

Time is *exclusive*: a stage entered inside another is not counted in the outer one, so
the stages of a face add up to its wall time in the stages. The clock belongs to the
process (a face process or the serial run) and is read, and reset, by
:func:`take` once per face.

Examples
--------
>>> import time
>>> _ = take()
>>> with stage("solve"):
...     with stage("verify"):
...         time.sleep(0.01)
>>> seconds = take()
>>> seconds["verify"] >= 0.01 > seconds["solve"]
True
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["STAGES", "stage", "take"]

STAGES = ("build", "exclusion", "solve", "sampling", "verify")

_totals: dict[str, float] = {}
# The open stages, innermost last, each with the time its clock last started.
_open: list[list[Any]] = []


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Count the time inside the block as ``name`` (and not as the enclosing stage)."""
    if name not in STAGES:
        raise ValueError(f"unknown stage {name!r}; expected one of {STAGES}")
    now = time.perf_counter()
    if _open:
        outer, started = _open[-1]
        _totals[outer] = _totals.get(outer, 0.0) + now - started
    _open.append([name, now])
    try:
        yield
    finally:
        now = time.perf_counter()
        _, started = _open.pop()
        _totals[name] = _totals.get(name, 0.0) + now - started
        if _open:
            _open[-1][1] = now


def take() -> dict[str, float]:
    """The seconds per stage since the last call (every stage, zeros included)."""
    out = {name: _totals.get(name, 0.0) for name in STAGES}
    _totals.clear()
    return out

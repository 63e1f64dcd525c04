"""Compare the exact enumeration with numerical training and with the convex reformulation.

Three methods on one problem (docs/METHOD.md sections 1, 2 and 7):

- the exact enumeration, :func:`reluscape.execution.pipeline.solve`;
- multistart training of the full loss l(a, B, c) from K seeded starts
  (:func:`reluscape.numerical.search.multistart`: L-BFGS-B plus chamber polishing and
  probing), and, if torch is importable, plain Adam on l from the same starts;
- the convex reformulation of two-layer ReLU training with weight decay (Pilanci and Ergen,
  2020) over the activation patterns of the arrangement's chambers, solved with cvxpy.

This module is the library :func:`compare` (a :class:`Comparison`) and the reading of a
result for it; its parts live by what they hold: training with Adam
(:mod:`reluscape.numerical.training`), the convex bound
(:mod:`reluscape.numerical.convex_bound`), matching runs to the certified minima
(:mod:`reluscape.numerical.matching`) and the text table
(:mod:`reluscape.numerical.compare_table`). Their public names are re-exported here.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from reluscape.convention import divisor
from reluscape.data import InputError, Problem
from reluscape.defaults import COMPARE_JOBS, COMPARE_STARTS, FACE_TIMEOUT
from reluscape.numerical.compare_table import table
from reluscape.numerical.convex_bound import CONVEX_SLACK, convex_bound
from reluscape.numerical.loss import float_data
from reluscape.numerical.matching import (
    ADAM_PARAM_TOL,
    DEAD_TOL,
    PARAM_TOL,
    RunMatcher,
    below_certified,
    classify_runs,
)
from reluscape.numerical.training import adam_runs
from reluscape.progress import ProgressCallback, close, progress_bar
from reluscape.schema import Minimum, Result

__all__ = [
    "ADAM_PARAM_TOL",
    "CONVEX_SLACK",
    "DEAD_TOL",
    "PARAM_TOL",
    "Comparison",
    "RunMatcher",
    "adam_runs",
    "below_certified",
    "certified_interval",
    "classify_runs",
    "compare",
    "convex_bound",
    "global_comparison",
    "global_status",
    "in_convention",
    "load_result",
    "problem_difference",
    "table",
]

COMPARE_STAGES = 4  # enumeration, multistart, Adam, convex bound: the steps of its progress


@dataclass
class Comparison:
    """The three methods on one problem, as :func:`compare` returns them.

    Attributes mirror the keys of the ``compare --out`` document (:meth:`to_dict`, read
    back by :func:`reluscape.numerical.report.read_compare`): ``problem`` (its
    description), ``starts``, ``seed``, ``enumeration`` (the minima), ``multistart`` and
    ``adam`` (basins by minimum id, runs stuck at non-minima, not converged, dead-unit
    runs, possible bugs), ``convex`` (p*, gap, neurons needed), ``global_comparison``
    (:func:`global_comparison`, key ``global``; None when the result certifies no global
    minimum), ``possible_bugs`` (of both methods), ``unmatchable_sets`` and ``timings``.
    Losses are in the problem's convention (``problem["convention"]``).
    """

    problem: dict[str, Any]
    starts: int
    seed: int
    enumeration: dict[str, Any]
    multistart: dict[str, Any]
    adam: dict[str, Any]
    convex: dict[str, Any]
    global_comparison: dict[str, Any] | None
    possible_bugs: list[dict[str, Any]]
    unmatchable_sets: list[int]
    timings: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """The ``compare --out`` document."""
        return {
            "problem": self.problem,
            "starts": self.starts,
            "seed": self.seed,
            "enumeration": self.enumeration,
            "multistart": self.multistart,
            "adam": self.adam,
            "convex": self.convex,
            "global": self.global_comparison,
            "possible_bugs": self.possible_bugs,
            "unmatchable_sets": self.unmatchable_sets,
            "timings": self.timings,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def table(self) -> str:
        """The side-by-side text table (:func:`table`)."""
        return table(self.to_dict())

    @property
    def consistent(self) -> bool:
        """No possible bug: no run outside the listed minima or below the certified
        value, and the convex bound p* not above the global (or lowest listed) minimum."""
        return not self.findings()

    def findings(self) -> list[str]:
        """One line per possible bug, for the command's stderr."""
        lines = []
        section = self.global_comparison
        for bug in self.possible_bugs:
            if bug.get("below_certified_global_minimum"):
                assert section is not None  # only found against a certified value
                lines.append(
                    f"POSSIBLE BUG: {bug['method']} run {bug['start']} ends at a point whose "
                    f"exact reduced loss is below the certified global minimum's lower bound "
                    f"{section['lower']:.12f}: a={bug['a']}, B={bug['B']}, c={bug['c']}"
                )
                continue
            lines.append(
                f"POSSIBLE BUG: {bug['method']} run {bug['start']} converged to a probed "
                f"local minimum with loss {bug['loss']:.12f} that matches no enumerated "
                f"minimum (nearest at distance {bug['distance']:.2e}): "
                f"a={bug['a']}, B={bug['B']}, c={bug['c']}"
            )
        if section is not None and not section["convex_bound_holds"]:
            lines.append(
                f"POSSIBLE BUG: convex optimum p* = {section['convex_p_star']:.12f} "
                f"exceeds the certified global minimum's upper bound {section['upper']:.12f}"
            )
        elif not self.convex["bound_holds"]:
            lines.append(
                f"POSSIBLE BUG: convex optimum p* = {self.convex['p_star']:.12f} "
                f"exceeds the lowest enumerated loss {self.convex['global_minimum']:.12f}"
            )
        return lines


def compare(
    problem: Problem,
    *,
    starts: int = COMPARE_STARTS,
    seed: int = 0,
    result: Result | None = None,
    face_timeout: float | None = FACE_TIMEOUT,
    jobs: int = COMPARE_JOBS,
    global_search: bool = False,
    progress: bool | ProgressCallback | None = None,
) -> Comparison:
    """Run (or reuse) the exact enumeration, multistart training and the convex bound.

    Parameters
    ----------
    problem : Problem
        Data and settings.
    starts : int
        Random starts of L-BFGS-B and of Adam (the same starts for both).
    seed : int
        Seed of the starts.
    result : Result, optional
        A result for this problem: of the enumeration (every minimum) or of ``reluscape
        global`` (the global minimizers and the certified value); computed if missing.
    face_timeout, jobs
        Passed to :func:`reluscape.execution.pipeline.solve`; ``jobs`` also to
        :func:`reluscape.global_search.global_minimum`, which keeps its own face limit.
    global_search : bool
        When no result is given, certify the global minimum
        (:func:`reluscape.global_search.global_minimum`) instead of enumerating every
        minimum: for problems beyond enumeration scale.
    progress : bool or callable, optional
        True: a progress bar of the stages (enumeration, multistart, Adam, convex
        bound; :mod:`reluscape.progress`); a callable is called as
        ``progress(stages_done, stages, seconds)``.

    Returns
    -------
    Comparison
        The enumeration's minima, the training runs assigned to them, the convex bound,
        the certified global minimum beside both, and the possible bugs.
    """
    bar = progress_bar(progress, "compare: stages", unit="stage")
    try:
        return _compare(problem, starts, seed, result, face_timeout, jobs, global_search, bar)
    finally:
        close(bar)


def _compare(
    problem: Problem,
    starts: int,
    seed: int,
    result: Result | None,
    face_timeout: float | None,
    jobs: int,
    global_search: bool,
    progress: ProgressCallback | None,
) -> Comparison:
    """:func:`compare` with its progress callback (or None), called after each stage."""
    from reluscape.execution import pipeline
    from reluscape.numerical import search as numerics

    start = time.perf_counter()

    def stage(done: int) -> None:
        if progress is not None:
            progress(done, COMPARE_STAGES, time.perf_counter() - start)

    stage(0)
    timings: dict[str, float] = {}
    if result is None:
        t0 = time.perf_counter()
        if global_search:
            from reluscape.global_search import global_minimum

            result = global_minimum(problem, jobs=jobs)  # its own per-face limit
        else:
            result = pipeline.solve(problem, face_timeout=face_timeout, jobs=jobs)
        timings["enumeration"] = time.perf_counter() - t0
    else:
        timings["enumeration"] = float(result.stats.get("timings", {}).get("total", math.nan))
    stage(1)
    minima = list(result.minima)
    # A global result lists only the global minimizers: other minima are no bug there.
    global_lower = None if result.global_minimum is None else result.global_minimum.lower
    t0 = time.perf_counter()
    runs = numerics.multistart(problem, starts=starts, seed=seed)
    timings["multistart"] = time.perf_counter() - t0
    stage(2)
    matcher = RunMatcher(minima, *float_data(problem))
    classified = classify_runs(runs, minima, matcher, problem, global_lower)
    adam = adam_runs(problem, starts, seed, minima, matcher, global_lower)
    if "seconds" in adam:
        timings["adam"] = adam["seconds"]
    stage(3)
    convex = convex_bound(problem)
    timings["convex"] = convex["seconds"]
    stage(4)

    # In an incomplete run this is the lowest minimum found: p* still bounds it from below.
    gmin = min((m.loss for m in minima if m.loss is not None), default=math.nan)
    slack = CONVEX_SLACK * max(1.0, abs(gmin))
    gap = gmin - convex["p_star"]
    convex.update(
        {
            "global_minimum": gmin,
            "gap": gap,
            "slack": slack,
            # No listed minimum (a global run whose exact path found none): nothing to refute.
            "bound_holds": not bool(gap < -slack),
            "L_large_enough": problem.hidden >= convex["neurons_needed"],
            "equal_to_global": bool(abs(gap) <= slack),
            "note": "p* is numerical (solver tolerance); compared with relative slack 1e-6",
        }
    )
    best_run = min((r.loss for r in runs if r.converged), default=math.nan)
    comparison = Comparison(
        problem=result.problem.describe(),
        starts=starts,
        seed=seed,
        enumeration={
            "method": "global" if result.global_minimum is not None else "enumeration",
            "complete": result.complete,
            "minima": [
                {
                    "id": m.id,
                    "loss": m.loss,
                    "dimension": m.dimension,
                    "is_global": m.is_global,
                    "global": global_status(m, minima),
                    "orbit_size": m.orbit_size,
                    "faces": [f.signs for f in m.face],
                }
                for m in minima
            ],
        },
        multistart={**classified, "best_loss": best_run, "match_tolerance": PARAM_TOL},
        adam=adam,
        convex=convex,
        global_comparison=global_comparison(result, best_run, convex["p_star"]),
        possible_bugs=classified["possible_bugs"] + adam.get("possible_bugs", []),
        unmatchable_sets=matcher.unusable,
        timings=timings,
    )
    return in_convention(comparison, problem)


# Float losses of a comparison, by section; the differences of losses (gaps) and the
# slack scale with them. Exact bounds are strings of rationals.
_LOSS_KEYS = {
    "multistart": ("best_loss",),
    "convex": ("p_star", "global_minimum", "gap", "slack"),
    "global": (
        "lower", "upper", "width", "multistart_best", "multistart_gap", "convex_p_star",
        "convex_gap",
    ),
}  # fmt: skip


def in_convention(comparison: Comparison, problem: Problem) -> Comparison:
    """The comparison with every loss in the problem's convention (computed in the sum
    convention, as everything inside reluscape: :mod:`reluscape.convention`); in a
    ``mean`` comparison each scaled float keeps its sum-convention value as
    ``<key>_sum``. A ``sum`` comparison is returned as is.

    Examples
    --------
    >>> from types import SimpleNamespace as P
    >>> c = Comparison({}, 1, 0, {"minima": [{"loss": 3.0}]}, {"best_loss": 3.0,
    ...     "possible_bugs": [], "dead_unit_runs": []}, {}, {"p_star": 1.5}, None, [], [], {})
    >>> in_convention(c, P(convention="mean", n=3)).convex
    {'p_star': 0.5, 'p_star_sum': 1.5}
    """
    n = divisor(problem)
    if n == 1:
        return comparison

    def scale(section: dict[str, Any] | None, keys: Sequence[str]) -> None:
        for key in keys:
            if section is not None and isinstance(section.get(key), float):
                section[f"{key}_sum"] = section[key]
                section[key] = section[key] / n

    for name, keys in _LOSS_KEYS.items():
        scale(comparison.global_comparison if name == "global" else getattr(comparison, name), keys)
    g = comparison.global_comparison
    if g is not None:
        for key in ("lower_exact", "upper_exact"):
            g[key] = str(Fraction(g[key]) / n)
    runs = [comparison.multistart, comparison.adam]
    for entry in comparison.enumeration.get("minima", []):
        scale(entry, ("loss",))
    for section in runs:
        for point in [*section.get("possible_bugs", []), *section.get("dead_unit_runs", [])]:
            scale(point, ("loss",))
    return comparison


def certified_interval(result: Result) -> tuple[Fraction, Fraction, str] | None:
    """Exact bounds [lower, upper] of the global minimum that ``result`` certifies, and
    their source; None if it certifies none.

    A ``reluscape global`` result brackets the value even when its minimizers are not all
    certified; a complete enumeration brackets it by its global minima's loss intervals;
    an incomplete enumeration bounds it from above only, and certifies nothing.

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> from reluscape.execution.pipeline import solve
    >>> r = solve(make_problem([[0], [1], [2]], [0, 1, 0], hidden=1, lam="1/10"), jobs=1,
    ...           face_timeout=None)
    >>> lower, upper, source = certified_interval(r)
    >>> source, lower <= upper, float(upper - lower) < 1e-30
    ('enumeration', True, True)
    """
    g = result.global_minimum
    if g is not None:
        return g.lower, g.upper, "reluscape global"
    lows = [m for m in result.minima if m.is_global]
    if not result.complete or not lows:
        return None
    return (
        min(m.loss_interval[0] for m in lows),
        min(m.loss_interval[1] for m in lows),
        "enumeration",
    )


def global_comparison(result: Result, best_run: float, p_star: float) -> dict[str, Any] | None:
    """The certified global minimum beside the multistart best and the convex bound.

    ``multistart_gap`` = best - upper (how far training stayed above the certified value;
    a run below ``lower`` is refuted exactly, see :func:`below_certified`) and
    ``convex_gap`` = lower - p* (how far the convex bound lies below it; p* above
    ``upper`` beyond the solver's slack is a possible bug, ``bound_holds``). Floats of
    exact bounds; ``lower_exact`` and ``upper_exact`` keep them as rationals.
    """
    interval = certified_interval(result)
    if interval is None:
        return None
    lower, upper, source = interval
    slack = CONVEX_SLACK * max(1.0, abs(float(upper)))
    g = result.global_minimum
    return {
        "source": source,
        "lower": float(lower),
        "upper": float(upper),
        "lower_exact": str(lower),
        "upper_exact": str(upper),
        "width": float(upper - lower),
        "minimizers_certified": result.complete if g is None else g.certified,
        "multistart_best": best_run,
        "multistart_gap": best_run - float(upper),
        "convex_p_star": p_star,
        "convex_gap": float(lower) - p_star,
        "convex_bound_holds": bool(p_star <= float(upper) + slack),
    }


def global_status(m: Minimum, minima: Sequence[Minimum]) -> str:
    """How ``m`` stands to the global minimum, as far as the result certifies it.

    A complete run decides ``is_global`` (docs/METHOD.md section 6.6): ``"global"`` or
    ``"spurious"``. An incomplete run decides nothing (``is_global`` None), but a minimum
    whose certified loss interval lies above another found minimum's is not global
    whatever was missed: ``"spurious"``; the others are ``"lowest found, not certified"``.

    Examples
    --------
    >>> from types import SimpleNamespace as M
    >>> low = M(is_global=None, loss_interval=(1, 2))
    >>> high = M(is_global=None, loss_interval=(3, 4))
    >>> global_status(low, [low, high]), global_status(high, [low, high])
    ('lowest found, not certified', 'spurious')
    """
    if m.is_global is not None:
        return "global" if m.is_global else "spurious"
    if any(m.loss_interval[0] > other.loss_interval[1] for other in minima):
        return "spurious"
    return "lowest found, not certified"


PROBLEM_FIELDS = ("X", "y", "hidden", "lam", "convention")


def problem_difference(
    recorded: Problem,
    given: Problem,
    *,
    fields: Sequence[str] = PROBLEM_FIELDS,
    labels: tuple[str, str] = ("recorded", "given"),
) -> str | None:
    """The first of ``fields`` in which two problems differ, as text; None if they agree.

    Exact comparison (the data are rationals): a result applies to its problem only.

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1]], [0, 1], hidden=1, lam="1/10")
    >>> problem_difference(p, p) is None
    True
    >>> problem_difference(p, make_problem([[0], [1]], [0, "1/2"], hidden=2, lam="1/10"))
    'y[1] is 1 recorded, 1/2 given'
    >>> problem_difference(p, make_problem([[0], [1]], [0, 1], hidden=2, lam="1/10"))
    'hidden is 1 recorded, 2 given'
    """
    first, second = labels
    for name in fields:
        a, b = getattr(recorded, name), getattr(given, name)
        if name == "X" and (len(a), len(a[0])) != (len(b), len(b[0])):
            return (
                f"{len(a)} samples of dimension {len(a[0])} {first}, "
                f"{len(b)} of dimension {len(b[0])} {second}"
            )
        if name == "X":
            for i, (row_a, row_b) in enumerate(zip(a, b, strict=True)):
                for j, (u, v) in enumerate(zip(row_a, row_b, strict=True)):
                    if u != v:
                        return f"X[{i}][{j}] is {u} {first}, {v} {second}"
        elif name == "y":
            if len(a) != len(b):
                return f"{len(a)} outcomes {first}, {len(b)} {second}"
            for i, (u, v) in enumerate(zip(a, b, strict=True)):
                if u != v:
                    return f"y[{i}] is {u} {first}, {v} {second}"
        elif a != b:
            return f"{name} is {a} {first}, {b} {second}"
    return None


def load_result(path: str | Path, problem: Problem) -> Result:
    """Read a result document (:meth:`reluscape.schema.Result.read`, which validates it)
    and check that it was computed for ``problem``: the same X, y, L, lambda, convention.

    Raises
    ------
    InputError
        If the file cannot be read, is not a valid result, or is of another problem.
    """
    result = Result.read(path)
    difference = problem_difference(result.problem, problem)
    if difference is not None:
        raise InputError(
            f"--result {path} was computed for a different problem: {difference} "
            "(recorded in the result, given on the command line)"
        )
    return result

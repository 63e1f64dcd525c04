"""Matching training runs to the certified minima they reached (docs/METHOD.md section 7).

A run is assigned to the enumerated minimum it reached by its parameters
(:class:`RunMatcher`): the distance of (a, psi), up to permutation of the hidden units, to
the minimum's point, or to the nearest point of a positive-dimensional set through the
equations of its component (every minimum an optimizer converges to must be in the
enumerated set). Polished L-BFGS-B runs end on the minimum to rounding and are matched
within ``PARAM_TOL``; Adam, with a decaying learning rate, ends about 1e-3 from minima that
sit on walls and is matched within ``ADAM_PARAM_TOL``. A run at a (probed) local minimum
that matches nothing is a possible bug and is reported loudly, with its point; runs stuck
at non-minima are counted; runs with a dead unit (|theta_l| < 1e-3) are listed separately
as numerically unjudgeable, since the probe is too weak there (r is flat to first order in
every direction of a dead unit).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from reluscape.data import Problem
from reluscape.schema import Minimum

if TYPE_CHECKING:
    from reluscape.numerical.search import NumericalRun

PARAM_TOL = 1e-4  # polished L-BFGS-B runs: max |(a, psi) difference| to the point or the set
# Adam alone ends about 1e-3 from minima that sit on walls (d1_n5, 1000 starts: medians 1e-4
# to 2e-3, 910 runs within 1e-2): its second-moment estimate is dominated by the gradient jump
# across the wall, so its steps along the wall shrink with the learning rate.
ADAM_PARAM_TOL = 1e-2
DEAD_TOL = 1e-3  # |theta_l| below this: a dead unit, the probe cannot judge the run


class RunMatcher:
    """Assigns an end point (a, psi) of training to the enumerated minimum it reached.

    The distance of (a, psi) to a minimum is, minimised over permutations of the hidden
    units, max |a - a*|, |psi - psi*| (entrywise) to its point for an isolated minimum,
    and to the nearest point psi* of its set (with a* = a_hat(psi*)) for a
    positive-dimensional one (:meth:`reluscape.numerical.components.ComponentGeometry.distance`:
    Gauss-Newton onto the component's prime in the face coordinates, kept only inside the
    closed face). A run is assigned to the nearest minimum if that distance is at most
    ``tol * max(1, max |psi|)``. The loss plays no part: minima of nearly equal loss are
    told apart, and a run near a minimum with a slightly higher loss still matches.

    Parameters
    ----------
    minima : list of Minimum
        The enumerated minima (orbit representatives).
    xt, yt, lam
        Float data (:func:`reluscape.numerical.loss.float_data`).
    """

    def __init__(self, minima: list[Minimum], xt: np.ndarray, yt: np.ndarray, lam: float) -> None:
        from reluscape.numerical.components import ComponentGeometry

        self.xt, self.yt, self.lam = xt, yt, lam
        self.dead: dict[int, int] = {
            m.id: sum(1 for unit in m.face if unit.kind == "origin") for m in minima
        }
        self.points: list[tuple[int, np.ndarray, np.ndarray]] = []
        self.sets: list[tuple[int, ComponentGeometry]] = []
        self.unusable: list[int] = []
        for m in minima:
            a = np.asarray(m.point.a, dtype=float)
            psi = np.column_stack(
                [np.asarray(m.point.B, dtype=float), np.asarray(m.point.c, dtype=float)]
            )
            if m.dimension == 0:
                self.points.append((m.id, a, psi))
                continue
            try:
                self.sets.append((m.id, ComponentGeometry(m, xt)))
            except ValueError:
                # Without usable equations only the sample point can be matched; runs
                # elsewhere on the set then show up as possible bugs, never as silent matches.
                self.points.append((m.id, a, psi))
                self.unusable.append(m.id)

    def distances(self, a: np.ndarray, psi: np.ndarray) -> dict[int, float]:
        """Distance of (a, psi) to every enumerated minimum with as many dead units, by id.

        A run with more dead units (|theta_l| < ``DEAD_TOL``) than a minimum has origin
        units is not compared with it: it can be close to the closure of a set (the end of
        a curve where one unit dies) while being a different, non-minimal point.
        """
        dead = int(np.sum(np.linalg.norm(psi, axis=1) < DEAD_TOL))
        out = {}
        for mid, a_m, psi_m in self.points:
            if self.dead[mid] != dead:
                continue
            out[mid] = min(
                max(float(np.max(np.abs(a[p] - a_m))), float(np.max(np.abs(psi[p] - psi_m))))
                for p in map(list, itertools.permutations(range(len(a_m))))
            )
        for mid, geometry in self.sets:
            if self.dead[mid] == dead:
                out[mid] = geometry.distance(a, psi, self.yt, self.lam)
        return out

    def match(self, a: np.ndarray, psi: np.ndarray, tol: float) -> tuple[int | None, float]:
        """(id of the nearest minimum within tolerance or None, distance to the nearest)."""
        dist = self.distances(a, psi)
        if not dist:
            return None, math.inf
        mid = min(dist, key=dist.__getitem__)
        within = dist[mid] <= tol * max(1.0, float(np.max(np.abs(psi))))
        return (mid if within else None), dist[mid]


def _run_point(start: int, loss: float, a: np.ndarray, psi: np.ndarray, **extra: Any) -> dict:
    return {
        "start": start,
        "loss": loss,
        "a": a.tolist(),
        "B": psi[:, :-1].tolist(),
        "c": psi[:, -1].tolist(),
        **extra,
    }


def _has_dead_unit(psi: np.ndarray) -> bool:
    return float(np.min(np.linalg.norm(psi, axis=1))) < DEAD_TOL


def _tally(minima: list[Minimum], runs: int) -> dict[str, Any]:
    return {
        "runs": runs,
        "basins": {m.id: 0 for m in minima},
        "stuck_at_saddles_or_kinks": 0,
        "not_converged": 0,
        "not_probed": 0,
        "possible_bugs": [],
        "dead_unit_runs": [],
        "other_local_minima": 0,
        "max_assigned_distance": 0.0,
    }


def below_certified(problem: Problem, psi: np.ndarray, lower: Fraction) -> bool:
    """Whether r(psi) < ``lower`` exactly, at the float point psi read as a rational.

    r(psi) = min_a l(a, psi) is a value of the loss, so r(psi) below a certified lower
    bound of the global minimum would refute the certificate: decided in rationals
    (every float is one), never by a float comparison.

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1]], [0, 1], hidden=1, lam=1)
    >>> below_certified(p, np.array([[0.0, 0.0]]), Fraction(1, 5))   # r(0) = 1/4
    False
    >>> below_certified(p, np.array([[0.0, 0.0]]), Fraction(1, 3))
    True
    """
    from reluscape.exact.projection import reduced_loss_exact

    psi_q = [[Fraction(float(v)) for v in row] for row in psi]
    return reduced_loss_exact(problem, psi_q) < lower


def _unmatched_minimum(
    out: dict[str, Any],
    point: dict[str, Any],
    problem: Problem,
    psi: np.ndarray,
    global_lower: Fraction | None,
) -> None:
    """Record a probed local minimum that matches no listed minimum.

    Against a result that lists every minimum it is a possible bug. A ``reluscape
    global`` result lists only the global minimizers (``global_lower`` is its certified
    lower bound): the run is another local minimum, and a possible bug only if it lies
    below the certified bound (:func:`below_certified`).
    """
    if global_lower is None:
        out["possible_bugs"].append(point)
    elif below_certified(problem, psi, global_lower):
        out["possible_bugs"].append({**point, "below_certified_global_minimum": True})
    else:
        out["other_local_minima"] += 1


def classify_runs(
    runs: list[NumericalRun],
    minima: list[Minimum],
    matcher: RunMatcher,
    problem: Problem,
    global_lower: Fraction | None = None,
) -> dict[str, Any]:
    """Basin frequencies of L-BFGS-B runs per enumerated minimum; saddles, possible bugs.

    A run is judged by its own convergence and probe
    (:func:`reluscape.numerical.search.multistart`): not converged, or descent found (stuck
    at a saddle or kink), or not probed; a run the probe calls a local minimum is matched
    by parameters within ``PARAM_TOL``. Unmatched, it is a possible bug, unless it has a
    dead unit (|theta_l| < ``DEAD_TOL``): there r is flat to first order along the dead
    unit, the probe is too weak, and the run is listed as numerically unjudgeable.
    With ``global_lower`` (a ``reluscape global`` result, which lists only the global
    minimizers) an unmatched minimum is counted as another local minimum unless it lies
    below the certified bound (:func:`_unmatched_minimum`).
    """
    out = _tally(minima, len(runs))
    for run in runs:
        if not run.converged:
            out["not_converged"] += 1
            continue
        if run.is_local_min is False:
            out["stuck_at_saddles_or_kinks"] += 1
            continue
        if run.is_local_min is None:
            out["not_probed"] += 1
            continue
        mid, dist = matcher.match(run.a, run.psi, PARAM_TOL)
        point = _run_point(
            run.start, run.loss, run.a, run.psi, grad_norm=run.grad_norm, distance=dist
        )
        if mid is not None:
            out["basins"][mid] += 1
            out["max_assigned_distance"] = max(out["max_assigned_distance"], dist)
        elif _has_dead_unit(run.psi):
            out["dead_unit_runs"].append(point)
        else:
            _unmatched_minimum(out, {"method": "L-BFGS-B", **point}, problem, run.psi, global_lower)
    return out

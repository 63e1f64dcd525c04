"""Compare the exact enumeration with numerical training and with the convex reformulation.

Three methods on one problem (docs/METHOD.md sections 1, 2 and 7):

- the exact enumeration, :func:`reluscape.execution.pipeline.solve`;
- multistart training of the full loss l(a, B, c) from K seeded starts
  (:func:`reluscape.numerical.search.multistart`: L-BFGS-B plus chamber polishing and
  probing), and, if torch is importable, plain Adam on l from the same starts;
- the convex reformulation of two-layer ReLU training with weight decay (Pilanci and Ergen,
  2020) over the activation patterns of the arrangement's chambers, solved with cvxpy.

A run is assigned to the enumerated minimum it reached by its parameters
(:class:`RunMatcher`): the distance of (a, psi), up to permutation of the hidden units, to
the minimum's point, or to the nearest point of a positive-dimensional set through the
equations of its component (docs/METHOD.md section 7: every minimum an optimizer converges to
must be in the enumerated set). Polished L-BFGS-B runs end on the minimum to rounding and
are matched within ``PARAM_TOL``; Adam, with a decaying learning rate, ends about 1e-3 from
minima that sit on walls and is matched within ``ADAM_PARAM_TOL``. A run at a (probed)
local minimum that matches nothing is a possible bug and is reported loudly, with its
point; runs stuck at non-minima are counted; runs with a dead unit (|theta_l| < 1e-3) are
listed separately as numerically unjudgeable, since the probe is too weak there (r is flat
to first order in every direction of a dead unit).

The convex optimum p* is numerical (an interior-point solver), so it is compared with the
exact global minimum with a relative slack of 1e-6; it lower-bounds every local minimum for
any L and equals the global minimum once L >= the number of nonzero blocks it uses.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from reluscape.convention import divisor
from reluscape.data import InputError, Problem
from reluscape.defaults import COMPARE_JOBS, COMPARE_STARTS, FACE_TIMEOUT
from reluscape.numerical.loss import a_hat_array, float_data, omega_array, reduced_loss_array
from reluscape.progress import ProgressCallback, close, progress_bar
from reluscape.schema import Minimum, Result

if TYPE_CHECKING:
    from reluscape.numerical.search import NumericalRun

__all__ = [
    "ADAM_PARAM_TOL",
    "CONVEX_SLACK",
    "DEAD_TOL",
    "PARAM_TOL",
    "Comparison",
    "RunMatcher",
    "adam_runs",
    "classify_runs",
    "compare",
    "convex_bound",
    "global_status",
    "in_convention",
    "load_result",
    "problem_difference",
    "table",
]

PARAM_TOL = 1e-4  # polished L-BFGS-B runs: max |(a, psi) difference| to the point or the set
# Adam alone ends about 1e-3 from minima that sit on walls (d1_n5, 1000 starts: medians 1e-4
# to 2e-3, 910 runs within 1e-2): its second-moment estimate is dominated by the gradient jump
# across the wall, so its steps along the wall shrink with the learning rate.
ADAM_PARAM_TOL = 1e-2
DEAD_TOL = 1e-3  # |theta_l| below this: a dead unit, the probe cannot judge the run
KKT_TOL = 1e-6  # a polished run is converged below this KKT residual (as in numerics)
POLISH_TIGHT_TOL = 1e-8  # |theta_l . xt_i| below this after polishing: on a wall
CONVEX_SLACK = 1e-6  # relative slack when comparing the numerical p* with exact losses
BLOCK_TOL = 1e-6  # a convex block counts as nonzero above this fraction of the largest
NEURON_DIR_TOL = 1e-4  # parallel blocks (unit directions this close, same sign): one neuron
ADAM_STEPS = 8000
ADAM_LR = 1e-2
ADAM_LR_FINAL = 1e-7
ADAM_HOLD = 0.3  # fraction of the steps at the initial learning rate before the decay
COMPARE_STAGES = 4  # enumeration, multistart, Adam, convex bound: the steps of its progress


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


def _torch_losses(X: Any, Y: Any, lam: float, a: Any, psi: Any) -> Any:
    """l(a_k, psi_k) for every start k at once, as a torch tensor (for autograd).

    The formula of :func:`reluscape.numerical.loss.full_loss`, batched: ``X`` (n x d+1)
    and ``Y`` (n) are the float data, ``a`` (K x L) and ``psi`` (K x L x d+1) the
    parameters of K starts. Autograd needs it written in torch; the tests check that it
    agrees with the NumPy loss.
    """
    import torch

    om = torch.relu(torch.einsum("ij,klj->kil", X, psi))
    res = Y[None, :] - torch.einsum("kil,kl->ki", om, a)
    return 0.5 * (res * res).sum(dim=1) + 0.5 * lam * (
        (a * a).sum(dim=1) + (psi * psi).sum(dim=(1, 2))
    )


def _adam_train(
    inits: np.ndarray, xt: np.ndarray, yt: np.ndarray, lam: float, hidden: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Adam on the full loss from every start at once; returns (a, psi, loss) per start.

    The runs are independent: the batched objective is the sum of the per-start losses,
    whose gradient in one start's parameters is that start's gradient, and Adam acts
    entrywise. Learning rate: ``ADAM_LR`` for the first ``ADAM_HOLD`` of the steps, then an
    exponential decay to ``ADAM_LR_FINAL``: at a constant rate Adam keeps oscillating
    across the wall a minimum sits on (about 4e-4 above its loss), and the decay shrinks
    the oscillation.
    """
    import torch

    threads = torch.get_num_threads()
    # The batched tensors are small (starts x n x L): extra threads only add overhead on
    # a machine whose cores are shared.
    torch.set_num_threads(1)
    try:
        X = torch.tensor(xt, dtype=torch.float64)
        Y = torch.tensor(yt, dtype=torch.float64)
        starts = inits.shape[0]
        a = torch.tensor(inits[:, :hidden], dtype=torch.float64, requires_grad=True)
        psi = torch.tensor(
            inits[:, hidden:].reshape(starts, hidden, -1), dtype=torch.float64, requires_grad=True
        )
        opt = torch.optim.Adam([a, psi], lr=ADAM_LR)
        hold = int(ADAM_HOLD * ADAM_STEPS)
        ratio = ADAM_LR_FINAL / ADAM_LR
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda k: 1.0 if k < hold else ratio ** ((k - hold) / (ADAM_STEPS - hold))
        )

        for _ in range(ADAM_STEPS):
            opt.zero_grad()
            _torch_losses(X, Y, lam, a, psi).sum().backward()
            opt.step()
            sched.step()
        with torch.no_grad():
            losses = _torch_losses(X, Y, lam, a, psi).numpy().copy()
        return a.detach().numpy().copy(), psi.detach().numpy().copy(), losses
    finally:
        torch.set_num_threads(threads)


def adam_runs(
    problem: Problem,
    starts: int,
    seed: int,
    minima: list[Minimum],
    matcher: RunMatcher,
    global_lower: Fraction | None = None,
) -> dict[str, Any]:
    """Plain Adam on the full loss l(a, B, c) from the multistart starts, then a polish.

    Adam (:func:`_adam_train`) ends near, not on, minima that sit on walls. Its end point
    is matched within ``ADAM_PARAM_TOL`` (``basins_before_polish``: what Adam alone
    reached), then polished the way the L-BFGS-B runs are: the chamber surrogate g_s of
    its activation pattern s is minimised on the closed chamber of s by SLSQP, which lands
    exactly on the wall, and a = a_hat(psi). The polished run is then judged like an
    L-BFGS-B run: not converged if its KKT residual on the chamber exceeds 1e-6, assigned
    if within ``PARAM_TOL`` of an enumerated minimum, a dead-unit run, or else probed
    (:func:`reluscape.numerical.search.probe_minimum`): descent found means stuck at a
    non-minimum, none means a local minimum outside the enumerated set, a possible bug
    (against a ``reluscape global`` result, see :func:`classify_runs`).

    Returns ``{"status": "torch not installed"}`` when torch cannot be imported.
    """
    try:
        import torch  # noqa: F401
    except ImportError:
        return {"status": "torch not installed"}
    # The same starts and the same chamber polish as the L-BFGS-B path, so that the two
    # optimizers differ only in how they travel to a basin.
    from reluscape.numerical.search import (
        initial_points,
        kkt_residual,
        polish_in_chamber,
        probe_minimum,
    )

    t0 = time.perf_counter()
    xt, yt, lam = float_data(problem)
    inits = initial_points(xt, yt, problem.hidden, starts, seed)
    a_end, psi_end, losses = _adam_train(inits, xt, yt, lam, problem.hidden)
    out = _tally(minima, starts)
    before = {m.id: 0 for m in minima}
    for k in range(starts):
        if not (np.all(np.isfinite(psi_end[k])) and np.all(np.isfinite(a_end[k]))):
            out["not_converged"] += 1
            continue
        mid, _ = matcher.match(a_end[k], psi_end[k], ADAM_PARAM_TOL)
        if mid is not None:
            before[mid] += 1
        pattern = (psi_end[k] @ xt.T > 0).astype(int)
        psi = polish_in_chamber(xt, yt, lam, pattern, psi_end[k])
        a = a_hat_array(omega_array(xt, psi), yt, lam)
        if kkt_residual(xt, yt, lam, pattern, psi, POLISH_TIGHT_TOL) > KKT_TOL:
            out["not_converged"] += 1
            continue
        mid, dist = matcher.match(a, psi, PARAM_TOL)
        if mid is not None:
            out["basins"][mid] += 1
            out["max_assigned_distance"] = max(out["max_assigned_distance"], dist)
            continue
        point = _run_point(k, reduced_loss_array(xt, yt, lam, psi), a, psi, distance=dist)
        if _has_dead_unit(psi):
            out["dead_unit_runs"].append(point)
        elif probe_minimum(problem, psi, tight_tol=POLISH_TIGHT_TOL, seed=k).passed:
            _unmatched_minimum(out, {"method": "Adam", **point}, problem, psi, global_lower)
        else:
            out["stuck_at_saddles_or_kinks"] += 1
    finite = losses[np.isfinite(losses)]
    return {
        "status": "ok",
        **out,
        "basins_before_polish": before,
        "best_loss_before_polish": float(finite.min()) if finite.size else math.nan,
        "steps": ADAM_STEPS,
        "schedule": (
            f"lr {ADAM_LR:g} for {ADAM_HOLD:.0%} of the steps, then exponential decay to "
            f"{ADAM_LR_FINAL:g}"
        ),
        "match_tolerance": PARAM_TOL,
        "match_tolerance_before_polish": ADAM_PARAM_TOL,
        "seconds": time.perf_counter() - t0,
    }


def convex_bound(problem: Problem, *, solver: str = "CLARABEL") -> dict[str, Any]:
    """Optimal value of the convex reformulation (Pilanci and Ergen, 2020).

    min 1/2 |yt - sum_j D_j X~ (v_j - w_j)|^2 + lam sum_j (|v_j|_2 + |w_j|_2)
    s.t. (2 D_j - I) X~ v_j >= 0, (2 D_j - I) X~ w_j >= 0,

    over the activation patterns D_j of the chambers of the unit arrangement. The ridge on
    (a, B, c) gives the group norm: min over rescalings of lam/2 (a^2 + |theta|^2) is
    lam |a| |theta|. The value is numerical (solver tolerance).
    """
    import cvxpy as cp

    from reluscape.exact.arrangement import unit_arrangement

    t0 = time.perf_counter()
    xt, yt, lam = float_data(problem)
    patterns = [
        np.array([1.0 if s > 0 else 0.0 for s in ch.signs])
        for ch in unit_arrangement(problem).chambers
    ]
    patterns = [s for s in patterns if s.any()]  # D = 0 contributes nothing
    k = len(patterns)
    width = xt.shape[1]
    V = cp.Variable((k, width))
    W = cp.Variable((k, width))
    pred = 0
    cons = []
    for j, s in enumerate(patterns):
        DX = s[:, None] * xt
        pred = pred + DX @ (V[j] - W[j])
        G = (2 * s - 1)[:, None] * xt
        cons += [G @ V[j] >= 0, G @ W[j] >= 0]
    obj = 0.5 * cp.sum_squares(yt - pred) + lam * (
        cp.sum(cp.norm(V, 2, axis=1)) + cp.sum(cp.norm(W, 2, axis=1))
    )
    prob = cp.Problem(cp.Minimize(obj), cons)
    prob.solve(solver=solver)
    if prob.status not in ("optimal", "optimal_inaccurate"):
        raise RuntimeError(f"convex reformulation: solver status {prob.status}")
    norms = np.concatenate([np.linalg.norm(V.value, axis=1), np.linalg.norm(W.value, axis=1)])
    vectors = np.concatenate([V.value, W.value])
    signs = [1] * k + [-1] * k
    top = float(norms.max()) if norms.size else 0.0
    live = [i for i in range(2 * k) if top > 0 and norms[i] > BLOCK_TOL * top]
    # Blocks that are parallel with the same sign are one neuron: a block v on a wall lies
    # in the closure of both adjacent chambers, where D_j X~ v = ReLU(X~ v) for either
    # pattern, so the optimum may split one neuron over several patterns.
    directions: list[tuple[int, np.ndarray]] = []
    for i in live:
        u = vectors[i] / norms[i]
        if not any(
            sg == signs[i] and np.linalg.norm(u - w) < NEURON_DIR_TOL for sg, w in directions
        ):
            directions.append((signs[i], u))
    return {
        "p_star": float(prob.value),
        "status": prob.status,
        "solver": solver,
        "patterns": k,
        "nonzero_blocks": len(live),
        "neurons_needed": len(directions),
        "block_norms": sorted((float(v) for v in norms), reverse=True),
        "seconds": time.perf_counter() - t0,
    }


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


def _loss_text(loss: float | None) -> str:
    return "(overflow)" if loss is None else f"{loss:.10f}"


def _outcomes(section: dict[str, Any]) -> str:
    return (
        f"stuck at non-minima {section['stuck_at_saddles_or_kinks']}, "
        f"not converged {section['not_converged']}, not probed {section['not_probed']}, "
        f"dead-unit runs (numerically unjudgeable) {len(section['dead_unit_runs'])}, "
        + (
            f"other local minima (not listed by a global run) {section['other_local_minima']}, "
            if section.get("other_local_minima")
            else ""
        )
        + f"possible bugs {len(section['possible_bugs'])}; assigned runs lie within "
        f"{section['max_assigned_distance']:.1e} of their minimum "
        f"(tolerance {section['match_tolerance']:.0e})"
    )


_GLOBAL_COLUMN = {"global": "yes", "spurious": "", "lowest found, not certified": "lowest"}


def table(report: dict[str, Any]) -> str:
    """Side-by-side text table of a :func:`compare` report.

    The ``global`` column says ``yes`` for the certified global minimum; in an incomplete
    run no minimum is certified global and the candidates for the lowest say ``lowest``.
    """
    ms = report["multistart"]
    adam = report["adam"]
    cv = report["convex"]
    t = report["timings"]
    complete = report["enumeration"]["complete"]
    adam_on = adam.get("status") == "ok"
    lines = [
        f"{'#':>3} {'loss':>14} {'dim':>3} {'global':>6}  {'L-BFGS-B basin':>14}  "
        f"{'Adam basin':>14}  {'convex':>8}",
    ]
    for m in report["enumeration"]["minima"]:
        freq = f"{ms['basins'][m['id']]}/{ms['runs']}"
        adam_col = f"{adam['basins'][m['id']]}/{adam['runs']}" if adam_on else "-"
        cv_col = "= p*" if m["is_global"] and cv["equal_to_global"] else ""
        lines.append(
            f"{m['id']:>3} {_loss_text(m['loss']):>14} {m['dimension']:>3} "
            f"{_GLOBAL_COLUMN[m['global']]:>6}  {freq:>14}  "
            f"{adam_col:>14}  {cv_col:>8}"
        )
    lowest = "global minimum" if complete else "lowest minimum found (not certified global)"
    lines += [
        *(
            []
            if complete
            else ["lowest: the lowest minimum found, not certified global (run incomplete)"]
        ),
        "",
        f"L-BFGS-B ({ms['runs']} starts): " + _outcomes(ms),
        (
            f"Adam ({adam['runs']} starts, {adam['steps']} steps, {adam['schedule']}): "
            + _outcomes(adam)
            if adam_on
            else f"Adam: {adam['status']}"
        ),
        *(
            [
                f"Adam before the polish: {sum(adam['basins_before_polish'].values())} runs "
                f"within {adam['match_tolerance_before_polish']:.0e} of an enumerated minimum"
            ]
            if adam_on
            else []
        ),
        f"convex (Pilanci-Ergen, {cv['solver']}, {cv['patterns']} patterns): p* = "
        f"{cv['p_star']:.10f}, gap to {lowest} {cv['gap']:.3e} (slack {cv['slack']:.0e}), "
        f"neurons needed {cv['neurons_needed']}, L large enough: "
        f"{'yes' if cv['L_large_enough'] else 'no'}, "
        f"bound holds: {'yes' if cv['bound_holds'] else 'NO'}",
        *_global_lines(report.get("global")),
        "time: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in t.items())
        + ("" if complete else "  [enumeration INCOMPLETE]"),
    ]
    if report.get("unmatchable_sets"):
        lines.append(
            "sets matched by their sample point only (no usable equations): "
            + ", ".join(f"#{i}" for i in report["unmatchable_sets"])
        )
    return "\n".join(lines)


def _global_lines(section: dict[str, Any] | None) -> list[str]:
    if section is None:
        return ["certified global minimum: none (the enumeration is incomplete)"]
    mid = (section["lower"] + section["upper"]) / 2
    state = "" if section["minimizers_certified"] else "; minimizers NOT all certified"
    return [
        f"certified global minimum ({section['source']}): {mid:.10f}, exact interval width "
        f"{section['width']:.1e}{state}",
        f"  multistart best {section['multistart_best']:.10f}: "
        f"{section['multistart_gap']:+.3e} from the certified value",
        f"  convex p* {section['convex_p_star']:.10f}: {section['convex_gap']:.3e} below it"
        + ("" if section["convex_bound_holds"] else "  [p* ABOVE the certified value]"),
    ]


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

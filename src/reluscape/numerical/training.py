"""Training the full loss from the multistart starts with plain Adam (torch), then judging
each run like an L-BFGS-B run of :func:`reluscape.numerical.search.multistart`: polished in
its chamber, matched to an enumerated minimum (:mod:`reluscape.numerical.matching`), or
probed. torch is optional: without it the Adam section says so.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction
from typing import Any

import numpy as np

from reluscape.data import Problem
from reluscape.numerical.loss import a_hat_array, float_data, omega_array, reduced_loss_array
from reluscape.numerical.matching import (
    ADAM_PARAM_TOL,
    PARAM_TOL,
    RunMatcher,
    _has_dead_unit,
    _run_point,
    _tally,
    _unmatched_minimum,
)
from reluscape.schema import Minimum

KKT_TOL = 1e-6  # a polished run is converged below this KKT residual (as in numerics)
POLISH_TIGHT_TOL = 1e-8  # |theta_l . xt_i| below this after polishing: on a wall
ADAM_STEPS = 8000
ADAM_LR = 1e-2
ADAM_LR_FINAL = 1e-7
ADAM_HOLD = 0.3  # fraction of the steps at the initial learning rate before the decay


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

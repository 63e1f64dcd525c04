"""Steepest descent of r that respects the walls, with its path (docs/METHOD.md section 13).

r is piecewise smooth: on the closure of each chamber it is the smooth g_C, whose
theta_l-gradient is G_{l,C} = lambda theta_l - a_l sum_{i in A_C} e_i xt_i (the envelope
theorem, a = a_hat). Gradient descent on one g_C stalls on a wall where the chamber's
gradient points out of it, and L-BFGS-B on l stalls at such kinks too (the lost paths of
earlier versions). The epsilon-steepest descent used here treats a sample as *on the wall*
of unit l when |theta_l . xt_i| <= eps; its direction is minus the least-norm element of

    conv { G_{l,C} : C near theta_l }  ~  { g0_l - sum_{i near} s_i a_l e_i xt_i : s in [0,1] }

(g0_l the gradient with the near samples inactive), unit by unit: inside a chamber it is
the chamber's gradient, on a wall that both sides push into it is the gradient along the
wall, and on a wall that one side pushes away from it is that side's gradient. A step is
taken by backtracking (Armijo) on r itself; when no step decreases r, eps shrinks. The
iterates decrease r, so the descent ends near a point where 0 is in the Clarke
subdifferential; started off a ridge (a kink, :mod:`reluscape.exact.census`) it does not
land on another ridge except by accident, and its end is then polished and judged by
:func:`reluscape.numerical.search.descend` and named by the matcher of `compare`. Floats
throughout: this proposes paths; their heights are computed exactly by
:mod:`reluscape.exact.paths`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from reluscape.numerical.loss import a_hat_array, reduced_loss_array

MAX_STEPS = 2000
ARMIJO = 1e-4  # sufficient decrease: r(psi + t d) <= r(psi) - ARMIJO t |d|^2
EPS_START = 1e-4  # the wall band, relative to max(1, |psi|)
EPS_END = 1e-12
STATIONARY = 1e-9  # |d| below this (relative to max(1, lambda |psi|)) with the least band


@dataclass(frozen=True, eq=False)
class Descent:
    """The iterates of :func:`wall_descent` (``vertices``, the start first; the loss
    decreases strictly along them) and whether it ended at a numerically Clarke-critical
    point (``stationary``) or after ``MAX_STEPS``."""

    vertices: list[np.ndarray]
    stationary: bool

    @property
    def end(self) -> np.ndarray:
        return self.vertices[-1]


def _least_norm(g0: np.ndarray, h: np.ndarray) -> np.ndarray:
    """g0 - h^T s at the s in [0, 1]^k that makes it shortest (k = rows of h, small).

    Every choice of which s_i sit at 0, at 1 or are free is tried (3^k, k <= 4 here; more
    near samples are handled by a bounded least-squares solver), keeping the feasible
    stationary one of least norm.

    Examples
    --------
    >>> _least_norm(np.array([1.0, 0.0]), np.array([[2.0, 0.0]]))   # s = 1/2
    array([0., 0.])
    >>> _least_norm(np.array([1.0, 0.0]), np.array([[-2.0, 0.0]]))  # s = 0
    array([1., 0.])
    """
    k = len(h)
    if k == 0:
        return g0
    if k > 4:
        from scipy.optimize import lsq_linear

        s = lsq_linear(h.T, g0, bounds=(0.0, 1.0)).x
        return g0 - h.T @ s
    best = g0
    for states in itertools.product((0, 1, 2), repeat=k):
        fixed = np.array([1.0 if st == 1 else 0.0 for st in states])
        free = [i for i, st in enumerate(states) if st == 2]
        rhs = g0 - h.T @ fixed
        s = fixed.copy()
        if free:
            sol, *_ = np.linalg.lstsq(h[free].T, rhs, rcond=None)
            if np.any(sol < 0) or np.any(sol > 1):
                continue
            s[free] = sol
        g = g0 - h.T @ s
        if np.linalg.norm(g) < np.linalg.norm(best):
            best = g
    return best


def descent_direction(
    xt: np.ndarray, yt: np.ndarray, lam: float, psi: np.ndarray, eps: float
) -> np.ndarray:
    """Minus the least-norm element of the eps-band's hull of chamber gradients, by unit."""
    z = xt @ psi.T
    om = np.maximum(z, 0.0)
    a = a_hat_array(om, yt, lam)
    e = yt - om @ a
    out = np.empty_like(psi)
    for unit in range(psi.shape[0]):
        near = np.abs(z[:, unit]) <= eps
        active = z[:, unit] > eps
        g0 = lam * psi[unit] - a[unit] * (e[active] @ xt[active])
        # Samples with equal xt share their side of every wall: one s per distinct row
        # (a separate s for each copy would widen the hull past the chambers that exist
        # and could stop the descent where it still goes down).
        rows: dict[tuple[float, ...], np.ndarray] = {}
        for i in np.flatnonzero(near):
            key = tuple(xt[i])
            rows[key] = rows.get(key, 0.0) + a[unit] * e[i] * xt[i]
        h = np.array(list(rows.values())).reshape(len(rows), xt.shape[1])
        out[unit] = -_least_norm(g0, h)
    return out


def wall_descent(
    xt: np.ndarray, yt: np.ndarray, lam: float, psi0: np.ndarray, *, max_steps: int = MAX_STEPS
) -> Descent:
    """Epsilon-steepest descent of r from psi0 (see the module doc).

    Examples
    --------
    One unit on x = 0, 1, 2 with y = 0, 3, 0 (lambda = 1/10): from a unit that sees only
    x = 2 it goes down to the minimum at r = 2.631421 (:func:`reluscape.numerical.search.descend`
    reaches the same).

    >>> xt = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]])
    >>> yt = np.array([-1.0, 2.0, -1.0])
    >>> run = wall_descent(xt, yt, 0.1, np.array([[1.0, -1.5]]))
    >>> round(reduced_loss_array(xt, yt, 0.1, run.end), 6), run.stationary
    (2.631421, True)
    """
    psi = np.array(psi0, dtype=float)
    value = reduced_loss_array(xt, yt, lam, psi)
    vertices = [psi.copy()]
    scale = max(1.0, float(np.linalg.norm(psi)))
    eps = EPS_START * scale
    step = 1e-3 * scale
    for _ in range(max_steps):
        d = descent_direction(xt, yt, lam, psi, eps)
        norm2 = float(np.sum(d * d))
        if np.sqrt(norm2) <= STATIONARY * max(1.0, lam * scale):
            if eps <= EPS_END * scale:
                return Descent(vertices, True)
            eps /= 10
            continue
        t = step * 2 / np.sqrt(norm2)
        while t * np.sqrt(norm2) > 1e-15 * scale:
            trial = psi + t * d
            new = reduced_loss_array(xt, yt, lam, trial)
            if new <= value - ARMIJO * t * norm2:
                break
            t /= 2
        else:
            # No step goes down along the band's direction: the band is too wide here.
            if eps <= EPS_END * scale:
                return Descent(vertices, True)
            eps /= 10
            continue
        psi, value, step = trial, new, t * np.sqrt(norm2)
        vertices.append(psi.copy())
    return Descent(vertices, False)

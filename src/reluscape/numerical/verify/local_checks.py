"""Local checks of a claimed minimum: first order, descent probe, component.

These look for a descent from the claimed point, or for a set of minima that is not what
the document says. They are numerical searches, so they may miss a problem; what they must
never do is refute a correct claim (docs/METHOD.md section 8). A refutation therefore
needs a witness that does not depend on the scale at which it was looked for:

- first order: an exact one-sided derivative at the rational point, below minus the most
  the certified box allows (a proof), or, without a rational point, a finite-difference
  derivative that stays negative as the step shrinks 100-fold;
- probe: a decrease of r at every radius of :data:`PROBE_RADII` (1e-2 down to 1e-5),
  shrinking no faster than the square of the radius (a saddle's or a slope's signature);
  a decrease only at the larger radii is a lower point some distance away, which a strict
  local minimum may well have: it is reported as a note with that distance;
- component: the tangent space of the prime's variety at the point has at least the
  claimed dimension (true at every point of a variety of that dimension, singular ones
  included), the tangent spaces at nearby generic points of the variety have exactly the
  claimed dimension, and r is constant along the variety.

A suspicion that is examined and not confirmed passes with a note (``ok*`` in the table).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
from scipy.optimize import linprog

from reluscape.exact import linalg
from reluscape.numerical.loss import reduced_loss
from reluscape.numerical.search import adjacent_sign_patterns, probe_minimum
from reluscape.numerical.verify.claims import Claim, Context
from reluscape.numerical.verify.exact_checks import (
    LOSS_RTOL,
    a_hat_exact,
    a_lipschitz,
    box_delta,
    box_in_face,
    root_excluded,
)
from reluscape.numerical.verify.report import CheckOutcome

__all__ = [
    "FD_STEP",
    "FIRST_ORDER_TOL",
    "PROBE_RADII",
    "PROBE_TOL",
    "check_component",
    "check_first_order",
    "check_probe",
    "directional_derivative_exact",
    "multiscale_probe",
]

FIRST_ORDER_TOL = 1e-8
TIGHT_TOL = 1e-9
FD_STEP = 1e-5
FD_CONFIRM = (10, 100)
RANDOM_DIRECTIONS = 3
PROBE_RADII = (1e-2, 1e-3, 1e-4, 1e-5)
PROBE_TOL = 1e-12
SCALING_SLACK = 10.0
PRIME_RTOL = 1e-12
TANGENT_RTOL = 1e-5
RANK_RTOL = 1e-9
GENERIC_STEPS = (1e-3, 1e-2, 1e-3, 1e-2)
GENERIC_RTOL = 1e-10
WALK_STEP = 1e-2


# --------------------------------------------------------------------------- first order


def _chamber_gradient(ctx: Context, pattern: np.ndarray, psi: np.ndarray) -> np.ndarray:
    """Gradient of g_s(psi) = min_a l_s(a, psi) (envelope theorem), (Omega_s)_il = s_li z_il."""
    s_t = pattern.T.astype(float)
    om = (ctx.xt @ psi.T) * s_t
    a = np.linalg.solve(om.T @ om + ctx.lam * np.eye(om.shape[1]), om.T @ ctx.yt)
    err = om @ a - ctx.yt
    return ((err[:, None] * a[None, :]) * s_t).T @ ctx.xt + ctx.lam * psi


def _cone_matrix(ctx: Context, pattern: np.ndarray, tight: np.ndarray) -> np.ndarray:
    """Rows sigma_li xt_i (in unit l's block) for the tight entries: the tangent cone A v >= 0."""
    hidden, width = pattern.shape[0], ctx.xt.shape[1]
    rows = []
    for u, i in zip(*np.nonzero(tight), strict=True):
        row = np.zeros(hidden * width)
        row[u * width : (u + 1) * width] = (1.0 if pattern[u, i] else -1.0) * ctx.xt[i]
        rows.append(row)
    return np.array(rows).reshape(len(rows), hidden * width)


def _feasible_directions(
    ctx: Context, pattern: np.ndarray, tight: np.ndarray, psi: np.ndarray, rng: np.random.Generator
) -> list[np.ndarray]:
    """Unit directions into the closed chamber of ``pattern`` at psi: the steepest descent
    of the chamber surrogate over the tangent cone (a small LP), an interior direction and
    a few seeded random feasible ones."""
    size = psi.size
    mat = _cone_matrix(ctx, pattern, tight)
    grad = _chamber_gradient(ctx, pattern, psi).ravel()
    bounds = [(-1.0, 1.0)] * size
    dirs = []
    if len(mat):
        steep = linprog(grad, A_ub=-mat, b_ub=np.zeros(len(mat)), bounds=bounds, method="highs")
        if steep.status == 0:
            dirs.append(steep.x)
        inner = linprog(
            np.zeros(size),
            A_ub=-mat,
            b_ub=-np.ones(len(mat)),
            bounds=[(None, None)] * size,
            method="highs",
        )
        interior = inner.x if inner.status == 0 else None
    else:
        dirs.append(-np.sign(grad))
        interior = None
    if interior is not None:
        interior = interior / np.linalg.norm(interior)
        dirs.append(interior)
    for _ in range(RANDOM_DIRECTIONS):
        w = rng.standard_normal(size)
        w /= np.linalg.norm(w)
        if interior is None:
            dirs.append(w if not len(mat) else np.zeros(size))
            continue
        for mix in (1.0, 0.5, 0.25, 0.1, 0.0):
            v = interior + mix * w
            if np.all(mat @ v >= 0):
                dirs.append(v)
                break
    return [v / np.linalg.norm(v) for v in dirs if np.linalg.norm(v) > 0]


def _fd_derivative(ctx: Context, psi: np.ndarray, v: np.ndarray, step: float, r0: float) -> float:
    """One-sided derivative of r along v by Richardson extrapolation of steps h and h/2
    (which cancels the curvature term)."""
    d1 = (reduced_loss(ctx.problem, psi + step * v) - r0) / step
    d2 = (reduced_loss(ctx.problem, psi + step / 2 * v) - r0) / (step / 2)
    return 2 * d2 - d1


def directional_derivative_exact(
    ctx: Context, psi_q: list[list[Fraction]], v: list[list[Fraction]]
) -> Fraction:
    """The one-sided derivative of r at psi_q along v, in rational arithmetic.

    Along the ray psi_q + h v (h > 0 small) the activation pattern is fixed, so r is the
    smooth chamber function g_s there, and by the envelope theorem

        D_v r(psi) = sum_il err_i a_l dReLU(z_li; v_l . xt_i) + lambda <psi, v>,

    with a = a_hat(psi) (exact solve), err = Omega a - yt, z_li = theta_l . xt_i and
    dReLU(z; w) = w if z > 0, 0 if z < 0, max(w, 0) if z = 0.

    Examples
    --------
    One unit, data (0, 0), (1, 3), (2, 0), at theta = (1, -1) where theta . xt_1 = 0: the
    one-sided derivatives along +-(0, 1) agree with one-sided finite differences, and do
    not sum to zero (a kink).

    >>> from reluscape.data import make_problem
    >>> from reluscape.numerical.loss import reduced_loss
    >>> p = make_problem([[0], [1], [2]], [0, 3, 0], hidden=1, lam="1/10")
    >>> psi, up, down = [[1, -1]], [[0, 1]], [[0, -1]]
    >>> exact = [
    ...     directional_derivative_exact(Context.of(p), psi, [[Fraction(v) for v in w[0]]])
    ...     for w in (up, down)
    ... ]
    >>> h = 1e-7
    >>> fd = [(reduced_loss(p, [[1, -1 + s * h]]) - reduced_loss(p, psi)) / h for s in (1, -1)]
    >>> [abs(float(e) - f) < 1e-5 for e, f in zip(exact, fd)], exact[0] + exact[1] != 0
    ([True, True], True)
    """
    lam = ctx.problem.lam_sum
    z = [[linalg.dot(theta, xi) for xi in ctx.xt_q] for theta in psi_q]
    a = a_hat_exact(ctx, psi_q)
    err = [
        linalg.dot([max(z[u][i], Fraction(0)) for u in range(len(psi_q))], a) - y
        for i, y in enumerate(ctx.problem.yt)
    ]
    total = lam * sum((linalg.dot(t, w) for t, w in zip(psi_q, v, strict=True)), Fraction(0))
    for u in range(len(psi_q)):
        for i, xi in enumerate(ctx.xt_q):
            w = linalg.dot(v[u], xi)
            zi = z[u][i]
            d = w if zi > 0 else Fraction(0) if zi < 0 else max(w, Fraction(0))
            total += err[i] * a[u] * d
    return total


def _gradient_lipschitz(ctx: Context, psi_q: list[list[Fraction]], delta: float) -> float:
    """A bound K on |grad g_s(psi) - grad g_s(psi')| / |psi - psi'| over the box.

    grad_theta_l g_s = a_l sum_i s_li err_i xt_i + lambda theta_l. With A = |yt| /
    sqrt(lambda) >= |a_hat|, |err| <= |yt|, W = |Xt| (spectral), P = |psi_q| + delta and
    Da from :func:`~reluscape.numerical.verify.exact_checks.a_lipschitz`, the product rule
    (d err = dOmega a + Omega da) gives K = Da W |yt| + A W^2 (A + P Da) + lambda.
    """
    lam = ctx.lam
    norm_yt = float(np.linalg.norm(ctx.yt))
    w = float(np.linalg.norm(ctx.xt, 2))
    a_max = norm_yt / math.sqrt(lam)
    p = math.sqrt(sum(float(v) ** 2 for row in psi_q for v in row)) + delta
    da = a_lipschitz(ctx, psi_q, delta)
    return da * w * norm_yt + a_max * w * w * (a_max + p * da) + lam


def _bounded(claim: Claim, ctx: Context) -> bool:
    """Every t coordinate has a certified interval (box or precision)."""
    return all(
        claim.t_interval(name) is not None
        for u in range(ctx.problem.hidden)
        for name in claim.t_names(u)
    )


def check_first_order(
    claim: Claim, ctx: Context, psi_q: list[list[Fraction]] | None, seed: int
) -> CheckOutcome:
    """One-sided derivatives of r along feasible directions of every adjacent chamber.

    Finite differences (step h <= 1e-5, Richardson) in a few directions per adjacent
    realizable pattern look for a derivative below -1e-8 max(1, |r|). A direction that
    shows one is then confirmed or dismissed: exactly at the rational point
    (:func:`directional_derivative_exact`, against the largest change the box allows,
    2 K delta |v|, K from :func:`_gradient_lipschitz`; valid when the box lies in the
    face), or otherwise by finite differences at steps h/10 and h/100, all below the
    tolerance.
    """
    psi = claim.psi
    problem = ctx.problem
    z = psi @ ctx.xt.T
    tight = np.abs(z) <= TIGHT_TOL
    norms = np.linalg.norm(ctx.xt, axis=1)
    loose = (np.abs(z) / norms[None, :])[~tight]
    step = min(FD_STEP, 0.1 * float(loose.min())) if loose.size else FD_STEP
    r0 = reduced_loss(problem, psi)
    try:
        patterns = adjacent_sign_patterns(problem, psi, tol=TIGHT_TOL, realizable=True)
    except ValueError as exc:
        return CheckOutcome("1st-order", None, None, f"adjacent patterns: {exc}")
    rng = np.random.default_rng(seed)
    found = [
        (_fd_derivative(ctx, psi, v.reshape(psi.shape), step, r0), v.reshape(psi.shape))
        for pattern in patterns
        for v in _feasible_directions(ctx, pattern, tight, psi, rng)
    ]
    if not found:
        return CheckOutcome("1st-order", None, None, "no feasible direction found")
    tol = FIRST_ORDER_TOL * max(1.0, abs(r0))
    worst = min(d for d, _ in found)
    summary = (
        f"smallest one-sided derivative {worst:.3g} over {len(found)} directions in "
        f"{len(patterns)} adjacent chamber(s) (step {step:.1e}, tolerance -{tol:.1e})"
    )
    if worst >= -tol:
        return CheckOutcome("1st-order", True, worst, summary)
    suspects = sorted(((d, v) for d, v in found if d < -tol), key=lambda dv: dv[0])[:5]
    # The exact derivative at psi_q bounds the one at psi* only if the segment between them
    # stays in the face (the same tight entries and signs along it).
    if psi_q is not None and _bounded(claim, ctx) and not box_in_face(claim, ctx):
        delta = box_delta(claim)
        lip = _gradient_lipschitz(ctx, psi_q, delta)
        for _, v in suspects:
            v_q = [[Fraction(float(x)) for x in row] for row in v]
            slack = 2.0 * lip * delta * float(np.linalg.norm(v))
            exact = directional_derivative_exact(ctx, psi_q, v_q)
            if exact < -Fraction(slack):
                return CheckOutcome(
                    "1st-order",
                    False,
                    float(exact),
                    f"{summary}; exactly at the rational point the one-sided derivative "
                    f"along v = {np.round(v, 6).tolist()} is {float(exact):.3g} (the box "
                    f"allows a change of at most {slack:.2g}): a descent direction",
                )
        how = (
            "the exact one-sided derivatives at the rational point along those directions "
            "are >= 0 up to the box's error bound"
        )
    else:
        for d, v in suspects:
            confirm = [_fd_derivative(ctx, psi, v, step / k, r0) for k in FD_CONFIRM]
            if all(c < -tol for c in confirm):
                return CheckOutcome(
                    "1st-order",
                    False,
                    d,
                    f"{summary}; confirmed at steps {step / FD_CONFIRM[0]:.0e} and "
                    f"{step / FD_CONFIRM[1]:.0e} ({', '.join(f'{c:.3g}' for c in confirm)})",
                )
        how = "finite differences at 10 and 100 times smaller steps do not confirm it"
    return CheckOutcome(
        "1st-order", True, worst, summary, note=f"{summary}, but {how}: not a descent direction"
    )


# --------------------------------------------------------------------------- probe


def multiscale_probe(ctx: Context, psi: np.ndarray, seed: int) -> tuple[bool | None, str, float]:
    """Descent at every scale (True: refuted), a lower point at a distance only (None: a
    note), or no decrease at the largest radius (False); a description, and the decrease
    at the smallest radius reached.

    :func:`reluscape.numerical.search.probe_minimum` runs at each radius of
    :data:`PROBE_RADII`, largest first, with a decrease threshold of 1e-12 max(1, |r|)
    (rounding). It stops at the first radius with no decrease. A refutation needs a
    decrease at every radius, each at least (rho_{k+1} / rho_k)^2 / 10 times the previous
    one: near a saddle or on a slope the decrease shrinks like rho^2 or rho; beside a
    strict minimum whose neighbour is lower the decrease vanishes once the radius is
    smaller than the distance to the neighbour.
    """
    seen: list[tuple[float, float]] = []
    for radius in PROBE_RADII:
        report = probe_minimum(ctx.problem, psi, radius=radius, tol=PROBE_TOL, seed=seed)
        if report.passed:
            break
        seen.append((radius, report.worst_decrease))
    text = "; ".join(f"radius {r:g}: decrease {d:.3g}" for r, d in seen)
    if not seen:
        return False, f"no decrease at radius {PROBE_RADII[0]:g}", 0.0
    last = seen[-1][1]
    if len(seen) < len(PROBE_RADII):
        stop = PROBE_RADII[len(seen)]
        return (
            None,
            f"{text}; none at radius {stop:g}: a lower point about {seen[-1][0]:g} away, "
            "not a descent from the point",
            last,
        )
    for (r1, d1), (r2, d2) in itertools.pairwise(seen):
        if d2 < d1 * (r2 / r1) ** 2 / SCALING_SLACK:
            return (
                None,
                f"{text}: the decrease shrinks faster than the radius squared, not a "
                "descent from the point",
                last,
            )
    return True, f"{text}: a descent at every scale", last


def check_probe(claim: Claim, ctx: Context, seed: int) -> CheckOutcome:
    """The multi-scale descent probe at the claimed float point."""
    refuted, text, decrease = multiscale_probe(ctx, claim.psi, seed)
    if refuted:
        return CheckOutcome("probe", False, decrease, text)
    return CheckOutcome("probe", True, decrease, text, note=text if refuted is None else "")


# --------------------------------------------------------------------------- component


def _psi_of_t(claim: Claim, names: list[str], values: np.ndarray, base: np.ndarray) -> np.ndarray:
    """base + sum over the named t coordinates of value * (its basis row) in theta coordinates."""
    out = base.copy()
    for name, value in zip(names, values, strict=True):
        unit, j = (int(k) for k in name[1:].split("_"))
        out[unit] += value * np.array([float(k) for k in claim.minimum.face[unit].basis[j]])
    return out


def _kernel(jac: np.ndarray, rtol: float) -> tuple[np.ndarray, np.ndarray]:
    """(kernel, normal) orthonormal bases of a Jacobian, rows scaled to unit length first
    (scaling a generator changes nothing), rank decided at ``rtol`` of the largest
    singular value."""
    k = jac.shape[1]
    norms = np.linalg.norm(jac, axis=1)
    rows = jac[norms > 0] / norms[norms > 0][:, None]
    if not rows.size:
        return np.eye(k), np.zeros((0, k))
    _, sing, vt = np.linalg.svd(rows)
    rank = int(np.sum(sing > rtol * sing[0]))
    return vt[rank:], vt[:rank]


def _project(claim: Claim, t: np.ndarray) -> np.ndarray | None:
    """Gauss-Newton (minimum-norm steps) from t onto the prime's variety; None if it does
    not converge to a relative residual below 1e-13.

    Each generator is divided by the length of its gradient at the current point: the
    generators' coefficients may differ by 50 orders of magnitude, and an unscaled
    least-squares step would ignore the small ones. The residual of p is measured against
    max(sum of |terms|, |grad p| max(1, |t|)), so that a coordinate generator such as
    ``t1_0`` counts as solved at 1e-19.
    """
    for _ in range(60):
        values = np.array([p.evaluate_float(t) for p in claim.prime])
        if not values.size:
            return t
        jac = np.array([p.gradient_float(t) for p in claim.prime]).reshape(len(values), t.size)
        lengths = np.linalg.norm(jac, axis=1)
        magnitude = np.array([p.magnitude_float(t) for p in claim.prime])
        reach = np.maximum(magnitude, lengths * max(1.0, float(np.linalg.norm(t))))
        if np.all(np.abs(values) <= 1e-13 * reach):
            return t
        scale = np.where(lengths > 0, lengths, np.maximum(magnitude, 1e-300))
        if not (np.all(np.isfinite(jac)) and np.all(np.isfinite(values))):
            return None  # overflowed on the way: not converging
        try:
            t = t - np.linalg.lstsq(jac / scale[:, None], values / scale, rcond=None)[0]
        except np.linalg.LinAlgError:
            # A step LAPACK cannot take (an ill-scaled Jacobian far from the variety) is a
            # projection that did not converge, which the callers already handle.
            return None
        if not np.all(np.isfinite(t)):
            return None
    return None


def _signs_of(psi: np.ndarray, ctx: Context) -> list[str]:
    z = psi @ ctx.xt.T
    return ["".join("+" if v > 1e-12 else "-" if v < -1e-12 else "0" for v in row) for row in z]


def check_component(claim: Claim, ctx: Context, seed: int) -> CheckOutcome:
    """A claimed set of minima of dimension k >= 1 (see the module docstring).

    1. The point is on the prime's variety: each generator is evaluated exactly at the
       rational point and :func:`root_excluded` proves, or not, that it has no root in the
       box (without a box: relative residual <= 1e-12).
    2. Dimension. At every point of a variety of dimension k, singular points included,
       the kernel of the Jacobian of its prime's generators (the Zariski tangent space)
       has dimension >= k: a smaller kernel at the point refutes the claim. The kernel may
       be larger at a singular point (e.g. where two units are parallel, theta_2 = 2
       theta_1), so equality is tested at generic points: Gauss-Newton projections of
       random perturbations (relative sizes :data:`GENERIC_STEPS`) of the point onto the
       variety are smooth points with probability one, where the kernel dimension is the
       local dimension (rank decided at 1e-10 of the largest singular value: at a
       projection, converged to a residual of 1e-13, the tangent directions' singular
       values are at that level, while near a singular point the others shrink only like
       a power of the distance, 1e-3 or 1e-2). The claim is refuted only if every
       converged projection (at least two) has a kernel smaller than k, or every one a
       larger one. Generators are scaled to unit gradient first: their coefficients may
       span 50 orders of magnitude, and unscaled they show a spurious kernel.
    3. At a smooth point (the point itself if its kernel has dimension k, else a
       projection that stayed in the face), r is constant to second order along the
       tangent space, and at a point 1e-2 further along the variety r is the same: r is a
       rational function of t on the face, constant on a Zariski-dense part of the
       irreducible variety (the set of minima), so constant on all of it in the face.
       A walk that leaves the face, or a descent the probe finds there (the set of minima
       may be a proper part of the variety), is a note.
    """
    if claim.dimension == 0:
        return CheckOutcome("component", None)
    rational = claim.rational
    if rational is None:
        return CheckOutcome("component", None, None, "no rational point in the document")
    names = list(claim.minimum.component.variables)  # type: ignore[union-attr]
    t_q = [rational[name] for name in names]
    intervals = [claim.t_interval(name) for name in names]
    residual = 0.0
    for k, p in enumerate(claim.prime):
        if all(iv is not None for iv in intervals):
            excluded = root_excluded(p, t_q, intervals)  # type: ignore[arg-type]
            if excluded is not None:
                return CheckOutcome(
                    "component",
                    False,
                    float(excluded[0]),
                    f"generator {k} of the prime is {float(excluded[0]):.3g} at the rational "
                    f"point, at most {float(excluded[1]):.3g} if a root lay in the box: the "
                    "point is not on the component",
                )
        scale = p.magnitude(t_q)
        if scale:
            residual = max(residual, float(abs(p(t_q)) / scale))
    if residual > PRIME_RTOL and not all(iv is not None for iv in intervals):
        return CheckOutcome(
            "component",
            False,
            residual,
            f"the prime's generators do not vanish at the point: relative residual "
            f"{residual:.3g} > {PRIME_RTOL:g}",
        )
    dim = claim.dimension
    jac_q = np.array(
        [[float(g) for g in p.gradient(t_q)] for p in claim.prime], dtype=float
    ).reshape(len(claim.prime), len(names))
    kernel, normal = _kernel(jac_q, RANK_RTOL)
    if len(kernel) < dim:
        return CheckOutcome(
            "component",
            False,
            float(len(kernel)),
            f"the Jacobian of the prime has a kernel of dimension {len(kernel)} at the point: "
            f"no variety of the claimed dimension {dim} passes through it",
        )
    rng = np.random.default_rng(seed)
    t_f = np.array([float(v) for v in t_q])
    psi0 = claim.psi
    base_psi = psi0 - _psi_of_t(claim, names, t_f, np.zeros_like(psi0))
    generic: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []
    for size in GENERIC_STEPS:
        w = rng.standard_normal(len(names))
        start = t_f + size * max(1.0, float(np.linalg.norm(t_f))) * w / np.linalg.norm(w)
        q = _project(claim, start)
        if q is not None:
            jac = np.array([p.gradient_float(q) for p in claim.prime]).reshape(
                len(claim.prime), len(names)
            )
            ker, nor = _kernel(jac, GENERIC_RTOL)
            generic.append((len(ker), q, ker, nor))
    dims = sorted({g[0] for g in generic})
    if len(generic) >= 2 and (max(dims) < dim or min(dims) > dim):
        return CheckOutcome(
            "component",
            False,
            float(dims[0]),
            f"at {len(generic)} generic points of the prime's variety near the point the "
            f"tangent space has dimension {dims}, claimed dimension {dim}",
        )
    smooth = len(kernel) == dim
    if smooth:
        t_base = t_f
    else:
        inside = [
            g
            for g in generic
            if g[0] == dim
            and _signs_of(_psi_of_t(claim, names, g[1], base_psi), ctx) == claim.signs
        ]
        if not inside:
            return CheckOutcome(
                "component",
                True,
                None,
                "dimension consistent",
                note=f"the point is a singular point of the variety (tangent space of dimension "
                f"{len(kernel)}) and no smooth point near it in the face was found: the loss "
                "along the component was not tested",
            )
        _, t_base, kernel, normal = inside[0]
    return _loss_along(claim, ctx, names, t_base, base_psi, kernel, normal, rng, smooth, residual)


def _loss_along(
    claim: Claim,
    ctx: Context,
    names: list[str],
    t_base: np.ndarray,
    base_psi: np.ndarray,
    kernel: np.ndarray,
    normal: np.ndarray,
    rng: np.random.Generator,
    smooth: bool,
    residual: float,
) -> CheckOutcome:
    """Step 3 of :func:`check_component`, at the smooth point t_base."""
    problem = ctx.problem
    psi0 = _psi_of_t(claim, names, t_base, base_psi)
    r0 = reduced_loss(problem, psi0)
    z = psi0 @ ctx.xt.T
    nonzero = np.array([[s != "0" for s in signs] for signs in claim.signs])
    norms = np.linalg.norm(ctx.xt, axis=1)
    margin = float(np.min((np.abs(z) / norms[None, :])[nonzero])) if nonzero.any() else 1.0

    def curvature(tau: np.ndarray) -> float:
        v = _psi_of_t(claim, names, tau, np.zeros_like(psi0))
        v /= np.linalg.norm(v)
        s = min(1e-4, 0.1 * margin)
        up, down = reduced_loss(problem, psi0 + s * v), reduced_loss(problem, psi0 - s * v)
        return (up + down - 2 * r0) / s**2

    along = max(abs(curvature(tau)) for tau in kernel)
    across = max((abs(curvature(tau)) for tau in normal), default=1.0)
    tol = TANGENT_RTOL * max(1.0, across)
    where = "at the point" if smooth else "at a smooth point of the variety near the point"
    if along > tol:
        return CheckOutcome(
            "component",
            False,
            along,
            f"r is not constant to second order along the component {where}: second "
            f"difference {along:.3g} (tolerance {tol:.1e}; across the component {across:.3g})",
        )
    tau = rng.standard_normal(len(kernel)) @ kernel
    tau /= np.linalg.norm(_psi_of_t(claim, names, tau, np.zeros_like(psi0)))
    # A shorter step when Gauss-Newton does not converge from the longer one (the variety
    # may curve away within 1e-2).
    t_new = None
    for step in (min(WALK_STEP, 0.2 * margin) / k for k in (1, 10, 100)):
        t_new = _project(claim, t_base + step * tau)
        if t_new is not None:
            break
    summary = (
        f"residual {residual:.2g}, second difference along {along:.2g} (across {across:.3g}) "
        f"{where}"
    )
    if t_new is None:
        return CheckOutcome(
            "component", True, along, summary, note="the walk along the component did not converge"
        )
    psi1 = _psi_of_t(claim, names, t_new, base_psi)
    moved = float(np.linalg.norm(psi1 - psi0))
    if _signs_of(psi1, ctx) != claim.signs:
        return CheckOutcome(
            "component", True, along, summary, note=f"a step of {moved:.2g} left the face"
        )
    r1 = reduced_loss(problem, psi1)
    change = abs(r1 - r0) / max(1.0, abs(r0))
    if change > LOSS_RTOL:
        return CheckOutcome(
            "component",
            False,
            change,
            f"the loss is not constant along the component: r changes by {change:.3g} "
            f"(relative) over a step of {moved:.2g} {where}",
        )
    refuted, text, _ = multiscale_probe(ctx, psi1, int(rng.integers(1 << 30)))
    summary += f", loss change {change:.2g} over a step of {moved:.2g}"
    if not refuted:
        return CheckOutcome("component", True, along, summary + ", no descent from there")
    return CheckOutcome(
        "component",
        True,
        along,
        summary,
        note=f"at a point {moved:.2g} further along the variety the probe found: {text} "
        "(the set of minima may be a proper part of the variety there)",
    )

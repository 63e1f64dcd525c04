"""Independent numerical search: the floating-point cross-check of the algebraic pipeline.

Nothing here decides anything. :func:`multistart` finds local minima of the full loss
l(a, B, c) from random starts; :func:`probe_minimum` looks for descent around a point of the
reduced loss r(psi). Their answers are evidence that the exact enumeration must explain
(docs/METHOD.md section 7: every minimum an optimizer converges to must be in the enumerated set),
never a verdict (docs/METHOD.md section 5, measured pitfall: random probing accepted a false
minimum whose descent directions formed a narrow cone).

Why the chamber machinery: r is smooth inside each chamber of the activation arrangement but
has kinks on its walls, and the interesting minima of small problems sit on walls (one unit
on a ray). On the closed chamber of an activation pattern s (s_li = 1 where
theta_l . xt_i >= 0, s_li = 0 where theta_l . xt_i <= 0), r equals the smooth surrogate

    g_s(psi) = min_a 1/2 |yt - Omega_s a|^2 + lambda/2 (|a|^2 + |psi|_F^2),
    (Omega_s)_il = s_li * theta_l . xt_i,

so a constrained smooth solver on each closed chamber converges precisely where a smooth
solver on r stalls, and a point is a local minimum of r exactly when it is one of every g_s
on every closed chamber that contains it.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy
from scipy.optimize import linprog, minimize, nnls

from reluscape.data import Problem
from reluscape.defaults import MULTISTART_STARTS
from reluscape.numerical.loss import (
    a_hat_array,
    check_psi,
    float_data,
    full_loss_grad_array,
    reduced_loss_array,
)
from reluscape.validation import check_seed, check_starts

__all__ = [
    "NumericalRun",
    "ProbeReport",
    "adjacent_sign_patterns",
    "initial_points",
    "kkt_residual",
    "multistart",
    "polish_in_chamber",
    "probe_minimum",
]

# A polished point counts as converged when its KKT residual on its closed chamber is this
# small; SLSQP on these low-dimensional smooth surrogates reaches about 1e-10.
_KKT_TOL = 1e-6
# Entries |theta_l . xt_i| below this after polishing are taken as lying on a wall: SLSQP keeps
# active linear constraints to rounding, so genuine walls end up far below it.
_RUN_TIGHT_TOL = 1e-8
# Rounds of "probe finds descent, polish again from the better point" per start.
_MAX_HOPS = 8
# Enumerating all 2^k assignments beyond this many tight entries is refused as impractical.
_MAX_TIGHT = 24


def _openblas_thread_controls() -> list[tuple[Callable[[], int], Callable[[int], None]]]:
    """(get, set) thread-count functions of the OpenBLAS copies bundled with NumPy and SciPy."""
    controls: list[tuple[Callable[[], int], Callable[[int], None]]] = []
    for package in (np, scipy):
        if package.__file__ is None:  # not installed from files: no bundled OpenBLAS to find
            continue
        libs = Path(package.__file__).parent.parent / f"{package.__name__}.libs"
        for path in sorted(libs.glob("libscipy_openblas*.so")):
            try:
                lib = ctypes.CDLL(str(path))
            except OSError:
                continue
            for suffix in ("", "64_"):
                getter = getattr(lib, f"scipy_openblas_get_num_threads{suffix}", None)
                setter = getattr(lib, f"scipy_openblas_set_num_threads{suffix}", None)
                if getter is not None and setter is not None:
                    controls.append((getter, setter))
                    break
    return controls


@contextlib.contextmanager
def _single_threaded_blas() -> Iterator[None]:
    """Run BLAS single-threaded inside the block, restoring the previous setting after.

    Every linear-algebra call here is tiny (L x L systems, L-BFGS-B on a few dozen variables),
    so OpenBLAS threads only add wake-up and spin costs: measured on 2 busy cores, L-BFGS-B was
    10 to 100 times slower threaded, and results varied with the thread count. Without
    the bundled OpenBLAS (another BLAS, another platform) this does nothing.
    """
    controls = _openblas_thread_controls()
    previous = [getter() for getter, _ in controls]
    for _, setter in controls:
        setter(1)
    try:
        yield
    finally:
        for (_, setter), count in zip(controls, previous, strict=True):
            setter(count)


@dataclass(frozen=True, eq=False)
class NumericalRun:
    """One start of :func:`multistart`, after polishing.

    Attributes
    ----------
    psi : numpy.ndarray, shape (L, d+1)
        End point; row l is theta_l = (B_l, c_l).
    a : numpy.ndarray, shape (L,)
        Output weights a_hat(psi) (the lift, so ``loss`` is l(a, psi) = r(psi)).
    loss : float
        Reduced loss r(psi).
    grad_norm : float
        KKT residual of the chamber surrogate on the closed chamber the run ended in: the
        distance from grad g_s(psi) to the cone spanned by the active wall normals.
    converged : bool
        ``grad_norm`` is below 1e-6.
    is_local_min : bool or None
        :func:`probe_minimum` at the end point: ``False`` if it found descent, ``True`` if it
        found none at a converged point, ``None`` if not converged (nothing to claim) or not
        probed. Numerical support only.
    start : int
        Index of the random start (0-based), so a run can be reproduced.
    """

    psi: np.ndarray
    a: np.ndarray
    loss: float
    grad_norm: float
    converged: bool
    is_local_min: bool | None
    start: int


@dataclass(frozen=True, eq=False)
class ProbeReport:
    """Outcome of :func:`probe_minimum`; numerical support, never a verdict.

    Attributes
    ----------
    passed : bool
        No check found a decrease of r larger than ``tol * max(1, |r(psi)|)``.
    worst_decrease : float
        Largest r(psi) - r(psi') found over all checks (chamber descents and random
        directions); <= 0 up to rounding at a strict local minimum.
    patterns_checked : int
        Number of adjacent activation patterns (nonempty chambers at psi) descended in.
    worst_pattern : list of list of int or None
        The pattern s (L rows of n entries s_li) in whose chamber the largest decrease above
        the threshold was found, ``None`` if no chamber descent exceeded it.
    random_decrease : float
        Largest decrease found by the random-direction probe alone.
    """

    passed: bool
    worst_decrease: float
    patterns_checked: int
    worst_pattern: list[list[int]] | None
    random_decrease: float


def _surrogate(
    xt: np.ndarray, yt: np.ndarray, lam: float, s_t: np.ndarray, psi: np.ndarray
) -> tuple[float, np.ndarray]:
    """Value and gradient of g_s at psi; ``s_t`` is the pattern transposed (n x L)."""
    om = (xt @ psi.T) * s_t
    a = a_hat_array(om, yt, lam)
    err = om @ a - yt
    value = 0.5 * float(err @ err) + 0.5 * lam * (float(a @ a) + float(np.sum(psi * psi)))
    # Envelope theorem: a = a_hat minimises the inner problem, so only the explicit psi
    # dependence of the unprojected surrogate contributes.
    grad = ((err[:, None] * a[None, :]) * s_t).T @ xt + lam * psi
    return value, grad


def _chamber_matrix(xt: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """Rows sigma_li * xt_i in block l, so that closed chamber of s = {psi : A psi.ravel() >= 0}."""
    hidden, n = pattern.shape
    width = xt.shape[1]
    sigma = np.where(pattern == 1, 1.0, -1.0)
    mat = np.zeros((hidden * n, hidden * width))
    for unit in range(hidden):
        mat[unit * n : (unit + 1) * n, unit * width : (unit + 1) * width] = (
            sigma[unit][:, None] * xt
        )
    return mat


def kkt_residual(
    xt: np.ndarray,
    yt: np.ndarray,
    lam: float,
    pattern: np.ndarray,
    psi: np.ndarray,
    tight_tol: float,
) -> float:
    """Distance of grad g_s(psi) from the cone of active wall normals (0 at a KKT point)."""
    _, grad = _surrogate(xt, yt, lam, pattern.T.astype(float), psi)
    mat = _chamber_matrix(xt, pattern)
    active = np.abs(mat @ psi.ravel()) <= tight_tol
    if not np.any(active):
        return float(np.linalg.norm(grad))
    _, residual = nnls(mat[active].T, grad.ravel())
    return float(residual)


def polish_in_chamber(
    xt: np.ndarray, yt: np.ndarray, lam: float, pattern: np.ndarray, psi: np.ndarray
) -> np.ndarray:
    """Minimise g_s on the closed chamber of s by SLSQP, starting from psi."""
    s_t = pattern.T.astype(float)
    mat = _chamber_matrix(xt, pattern)
    shape = psi.shape

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = _surrogate(xt, yt, lam, s_t, x.reshape(shape))
        return value, grad.ravel()

    res = minimize(
        fun,
        psi.ravel(),
        jac=True,
        method="SLSQP",
        constraints=[{"type": "ineq", "fun": lambda x: mat @ x, "jac": lambda x: mat}],
        options={"ftol": 1e-16, "maxiter": 2000},
    )
    out = res.x.reshape(shape)
    # SLSQP may end marginally outside the chamber; r and g_s agree only inside it.
    if np.min(mat @ out.ravel()) < -1e-12 or not np.isfinite(res.fun):
        return psi
    return out


def _interior_direction(xt: np.ndarray, signs: list[tuple[int, int]]) -> np.ndarray | None:
    """A unit direction v with sign(v . xt_i) as prescribed, or None if there is none.

    The cone is open and homogeneous, so strict inequalities may be replaced by a margin 1.
    """
    rows = np.array([(1.0 if s == 1 else -1.0) * xt[i] for i, s in signs])
    res = linprog(
        np.zeros(xt.shape[1]),
        A_ub=-rows,
        b_ub=-np.ones(len(signs)),
        bounds=[(None, None)] * xt.shape[1],
        method="highs",
    )
    if res.status != 0:
        return None
    return res.x / np.linalg.norm(res.x)


def _unit_cells(xt: np.ndarray, tight: list[int]) -> list[tuple[list[tuple[int, int]], np.ndarray]]:
    """Nonempty sign assignments of one unit's tight entries, with an interior direction.

    Equal rows xt_i take one sign, so the cells are those of the distinct rows. In the
    plane (d = 1) they are the arcs between consecutive directions perpendicular to a row,
    sorted by angle; otherwise they are built one hyperplane at a time, splitting only the
    cells found so far (k rows cost at most 2k LPs per final cell instead of 2^k).
    """
    if not tight:
        return [([], np.zeros(xt.shape[1]))]
    groups: dict[tuple[float, ...], list[int]] = {}
    for i in tight:
        groups.setdefault(tuple(xt[i]), []).append(i)
    rows = list(groups.values())
    if xt.shape[1] == 2:
        cells = _plane_cells(xt, [g[0] for g in rows])
    else:
        cells = [([], np.zeros(xt.shape[1]))]
        for g in rows:
            grown = []
            for signs, _ in cells:
                for s in (1, 0):
                    cand = [*signs, (g[0], s)]
                    direction = _interior_direction(xt, cand)
                    if direction is not None:
                        grown.append((cand, direction))
            cells = grown
    first = {g[0]: g for g in rows}
    return [([(i, s) for j, s in signs for i in first[j]], v) for signs, v in cells]


def _plane_cells(xt: np.ndarray, rows: list[int]) -> list[tuple[list[tuple[int, int]], np.ndarray]]:
    """The cells of the lines v . xt_i = 0 (i in rows, pairwise distinct) in the plane: one
    per arc between consecutive angles of the directions +-perp(xt_i), its midpoint as
    interior direction.

    >>> xt = np.array([[0.0, 1.0], [1.0, 1.0]])
    >>> sorted(signs for signs, _ in _plane_cells(xt, [0, 1]))
    [[(0, 0), (1, 0)], [(0, 0), (1, 1)], [(0, 1), (1, 0)], [(0, 1), (1, 1)]]
    """
    angles = np.sort(np.concatenate([
        np.arctan2(xt[rows, 0], -xt[rows, 1]), np.arctan2(-xt[rows, 0], xt[rows, 1])
    ]))  # fmt: skip
    ends = np.append(angles, angles[0] + 2 * np.pi)
    out = []
    for a, b in itertools.pairwise(ends):
        if b - a <= 1e-12:  # rows parallel up to rounding: no arc between them
            continue
        mid = (a + b) / 2
        v = np.array([np.cos(mid), np.sin(mid)])
        out.append(([(i, 1 if float(v @ xt[i]) > 0 else 0) for i in rows], v))
    return out


def _tight_entries(xt: np.ndarray, psi: np.ndarray, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Base pattern (1 where theta_l . xt_i > tol) and the mask of tight entries, both L x n."""
    z = psi @ xt.T
    return (z > tol).astype(int), np.abs(z) <= tol


def _realizable_patterns(
    xt: np.ndarray, psi: np.ndarray, tol: float, limit: int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Adjacent patterns with a nonempty chamber at psi, each with a unit interior direction;
    with ``limit``, at most that many: a seeded sample when there are more (units on many
    walls at once, e.g. psi = 0 on many samples, where the patterns are the product of
    every unit's arrangement)."""
    base, tight = _tight_entries(xt, psi, tol)
    per_unit = [_unit_cells(xt, list(np.flatnonzero(row))) for row in tight]
    combos: Iterable[tuple[int, ...]] = itertools.product(*(range(len(c)) for c in per_unit))
    if limit is not None and math.prod(len(c) for c in per_unit) > limit:
        rng = np.random.default_rng(0)
        combos = sorted({tuple(int(rng.integers(len(c))) for c in per_unit) for _ in range(limit)})
    out = []
    for combo in combos:
        pattern = base.copy()
        direction = np.zeros_like(psi)
        for unit, k in enumerate(combo):
            signs, v = per_unit[unit][k]
            for i, s in signs:
                pattern[unit, i] = s
            direction[unit] = v
        norm = np.linalg.norm(direction)
        out.append((pattern, direction / norm if norm > 0 else direction))
    return out


def adjacent_sign_patterns(
    problem: Problem, psi: object, *, tol: float = 1e-9, realizable: bool = False
) -> list[np.ndarray]:
    """Activation patterns of the chambers that may touch psi.

    Entries with |theta_l . xt_i| <= tol are tight; every other entry keeps its activity
    s_li = 1[theta_l . xt_i > 0]. Every 0/1 assignment to the tight entries is returned
    (2^k patterns for k tight entries). Some of them have an empty chamber at psi; their
    closed "chamber" is then a face of psi's neighbourhood, which is harmless for probing.

    Parameters
    ----------
    problem : Problem
        Data and settings.
    psi : array_like, shape (L, d+1)
        Row l is theta_l = (B_l, c_l).
    tol : float
        Tightness threshold on |theta_l . xt_i|.
    realizable : bool
        Keep only patterns whose open chamber meets every neighbourhood of psi (checked by
        one small LP per cell of each unit's arrangement of tight hyperplanes, so a dead unit
        costs O(cells), not 2^n).

    Returns
    -------
    list of numpy.ndarray, each of shape (L, n), entries s_li in {0, 1}

    Raises
    ------
    ValueError
        If ``psi`` has the wrong shape, or more than 24 entries are tight and
        ``realizable`` is False.

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> p = make_problem([[-1], [0], [1]], [0, 1, 0], hidden=1, lam=1)
    >>> [s.tolist() for s in adjacent_sign_patterns(p, [[1.0, 0.0]])]
    [[[0, 0, 1]], [[0, 1, 1]]]
    >>> len(adjacent_sign_patterns(p, [[0.0, 0.0]])), len(
    ...     adjacent_sign_patterns(p, [[0.0, 0.0]], realizable=True))
    (8, 6)
    """
    xt, _, _ = float_data(problem)
    arr = check_psi(problem, psi)
    if realizable:
        return [pattern for pattern, _ in _realizable_patterns(xt, arr, tol)]
    base, tight = _tight_entries(xt, arr, tol)
    positions = list(zip(*np.nonzero(tight), strict=True))
    if len(positions) > _MAX_TIGHT:
        raise ValueError(
            f"{len(positions)} entries are tight (more than {_MAX_TIGHT}): 2^{len(positions)} "
            "patterns is impractical; pass realizable=True to enumerate nonempty chambers only"
        )
    out = []
    for bits in itertools.product((0, 1), repeat=len(positions)):
        pattern = base.copy()
        for (unit, i), bit in zip(positions, bits, strict=True):
            pattern[unit, i] = bit
        out.append(pattern)
    return out


def _batched_reduced_loss(
    xt: np.ndarray, yt: np.ndarray, lam: float, psis: np.ndarray
) -> np.ndarray:
    """r at many points at once; ``psis`` has shape (K, L, d+1)."""
    om = np.maximum(np.einsum("ij,klj->kil", xt, psis), 0.0)
    gram = np.einsum("kil,kim->klm", om, om) + lam * np.eye(psis.shape[1])
    rhs = np.einsum("kil,i->kl", om, yt)
    a = np.linalg.solve(gram, rhs[..., None])[..., 0]
    return (
        0.5 * float(yt @ yt)
        - 0.5 * np.einsum("kl,kl->k", rhs, a)
        + 0.5 * lam * np.einsum("klj,klj->k", psis, psis)
    )


def _chamber_descent(
    xt: np.ndarray,
    yt: np.ndarray,
    lam: float,
    psi: np.ndarray,
    pattern: np.ndarray,
    direction: np.ndarray,
    radius: float,
    rng: np.random.Generator,
) -> tuple[float, np.ndarray | None]:
    """Lowest g_s value SLSQP reaches on cl(C_s) within the ball |psi' - psi| <= radius.

    Only points that satisfy the constraints (to rounding) count, so the value is a value
    of r itself, whatever SLSQP's exit status.
    """
    s_t = pattern.T.astype(float)
    mat = _chamber_matrix(xt, pattern)
    shape = psi.shape
    center = psi.ravel()
    best: list[tuple[float, np.ndarray | None]] = [(np.inf, None)]

    def feasible(x: np.ndarray) -> bool:
        return bool(np.min(mat @ x) >= -1e-12 and np.linalg.norm(x - center) <= radius * (1 + 1e-9))

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = _surrogate(xt, yt, lam, s_t, x.reshape(shape))
        if value < best[0][0] and feasible(x):
            best[0] = (value, x.copy())
        return value, grad.ravel()

    noise = rng.standard_normal(center.size)
    noise /= np.linalg.norm(noise)
    start = center
    # A start off psi matters: psi = 0 is stationary for every g_s and SLSQP would not move.
    for w in (direction.ravel() + 0.3 * noise, direction.ravel()):
        if not np.any(w):
            continue
        w = w / np.linalg.norm(w)
        step = radius / 4
        while step > radius * 1e-6 and np.min(mat @ (center + step * w)) < 0:
            step /= 2
        if np.min(mat @ (center + step * w)) >= 0:
            start = center + step * w
            break
    minimize(
        fun,
        start,
        jac=True,
        method="SLSQP",
        constraints=[
            {"type": "ineq", "fun": lambda x: mat @ x, "jac": lambda x: mat},
            {
                "type": "ineq",
                "fun": lambda x: np.array([radius**2 - float((x - center) @ (x - center))]),
                "jac": lambda x: -2.0 * (x - center)[None, :],
            },
        ],
        options={"ftol": 1e-12, "maxiter": 200},
    )
    value, point = best[0]
    return value, None if point is None else point.reshape(shape)


MAX_PROBE_PATTERNS = 128
"""Adjacent chambers one probe descends in at most (a seeded sample beyond)."""


def _probe(
    xt: np.ndarray,
    yt: np.ndarray,
    lam: float,
    psi: np.ndarray,
    *,
    radius: float,
    tol: float,
    tight_tol: float,
    directions: int,
    seed: int,
) -> tuple[ProbeReport, np.ndarray | None, np.ndarray | None]:
    """:func:`probe_minimum` on float arrays; also returns the lowest point found and the
    pattern of the chamber it was found in (None if it came from the random probe)."""
    rng = np.random.default_rng(seed)
    r0 = reduced_loss_array(xt, yt, lam, psi)
    threshold = tol * max(1.0, abs(r0))
    best_value, best_point, best_pattern = np.inf, None, None
    worst_chamber = -np.inf
    worst_pattern = None
    patterns = _realizable_patterns(xt, psi, tight_tol, MAX_PROBE_PATTERNS)
    for pattern, direction in patterns:
        value, point = _chamber_descent(xt, yt, lam, psi, pattern, direction, radius, rng)
        if r0 - value > worst_chamber:
            worst_chamber = r0 - value
            worst_pattern = pattern
        if value < best_value:
            best_value, best_point, best_pattern = value, point, pattern
    dirs = rng.standard_normal((directions, *psi.shape))
    dirs /= np.linalg.norm(dirs.reshape(directions, -1), axis=1)[:, None, None]
    random_decrease = -np.inf
    for rho in (radius, radius / 10):
        points = psi[None] + rho * dirs
        values = _batched_reduced_loss(xt, yt, lam, points)
        k = int(np.argmin(values))
        random_decrease = max(random_decrease, r0 - float(values[k]))
        if values[k] < best_value:
            best_value, best_point, best_pattern = float(values[k]), points[k], None
    worst = max(worst_chamber, random_decrease)
    report = ProbeReport(
        passed=bool(worst <= threshold),
        worst_decrease=float(worst),
        patterns_checked=len(patterns),
        worst_pattern=(
            worst_pattern.tolist()
            if worst_pattern is not None and worst_chamber > threshold
            else None
        ),
        random_decrease=float(random_decrease),
    )
    return report, best_point, best_pattern


def probe_minimum(
    problem: Problem,
    psi: object,
    *,
    radius: float = 1e-3,
    tol: float = 1e-7,
    tight_tol: float = 1e-9,
    directions: int = 200,
    seed: int = 0,
) -> ProbeReport:
    """Numerically test whether psi is a local minimum of the reduced loss r.

    This is numerical support, never a verdict (docs/METHOD.md section 5): a probe can miss a
    descent direction, and one that finds none proves nothing. Exact verification decides.

    For every activation pattern s adjacent to psi (0/1 assignments to the tight entries
    |theta_l . xt_i| <= ``tight_tol`` whose chamber is nonempty at psi), SLSQP minimises the
    chamber surrogate g_s(psi') (r with (Omega_s)_il = s_li * theta_l . xt_i) subject to the
    closed chamber (theta_l . xt_i >= 0 where s_li = 1, <= 0 where s_li = 0) and
    |psi' - psi| <= ``radius``, from psi plus a small step into the chamber. Descending in
    each chamber, rather than sampling directions, is what catches narrow descent cones
    (the measured pitfall). Where there are more than :data:`MAX_PROBE_PATTERNS` patterns
    (units on many walls at once: at psi = 0 on the 442 diabetes samples, two units have
    over 10^5), a seeded sample of that many is descended in (``patterns_checked`` says
    how many). In addition r is evaluated at ``directions`` random points on the spheres
    of radius ``radius`` and ``radius / 10``.

    Parameters
    ----------
    problem : Problem
        Data and settings.
    psi : array_like, shape (L, d+1)
        Candidate; row l is theta_l = (B_l, c_l).
    radius : float
        Size of the neighbourhood searched.
    tol : float
        Decreases up to ``tol * max(1, |r(psi)|)`` are ignored as rounding.
    tight_tol : float
        Entries |theta_l . xt_i| up to this lie on a wall.
    directions : int
        Random directions per radius.
    seed : int
        Seed of the random start perturbations and directions (deterministic per seed).

    Returns
    -------
    ProbeReport

    Raises
    ------
    ValueError
        If ``psi`` does not have shape (L, d+1) or is not finite.

    Examples
    --------
    One unit, data (0, 0), (1, 1), (2, 0): at psi = 0 the loss goes down along
    theta = (0, 1), so psi = 0 is rejected.

    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1], [2]], [0, 3, 0], hidden=1, lam="1/10")
    >>> report = probe_minimum(p, [[0.0, 0.0]], radius=0.1)
    >>> report.passed, report.patterns_checked
    (False, 6)
    """
    xt, yt, lam = float_data(problem)
    arr = check_psi(problem, psi)
    with _single_threaded_blas():
        report, _, _ = _probe(
            xt,
            yt,
            lam,
            arr,
            radius=radius,
            tol=tol,
            tight_tol=tight_tol,
            directions=directions,
            seed=seed,
        )
    return report


def initial_points(
    xt: np.ndarray, yt: np.ndarray, hidden: int, starts: int, seed: int
) -> np.ndarray:
    """Random (a, psi) starts scaled so that a_l ReLU(theta_l . xt_i) is of the size of yt.

    Scaling a and theta alike respects the balance a_l^2 = |theta_l|^2 that every critical
    point satisfies (docs/METHOD.md section 4b).
    """
    y_rms = max(float(np.sqrt(np.mean(yt**2))), 1e-3)
    x_rms = float(np.sqrt(np.mean(np.sum(xt**2, axis=1))))
    scale = np.sqrt(y_rms / x_rms)
    width = xt.shape[1]
    rng = np.random.default_rng(seed)
    raw = rng.standard_normal((starts, hidden * (1 + width)))
    raw[:, :hidden] *= scale
    raw[:, hidden:] *= scale / np.sqrt(width)
    return raw


def multistart(
    problem: Problem,
    *,
    starts: int = MULTISTART_STARTS,
    seed: int = 0,
    gtol: float = 1e-9,
    probe: bool = True,
) -> list[NumericalRun]:
    """Local minima of the full loss l(a, B, c) from ``starts`` seeded random starts.

    Each start runs L-BFGS-B on l (gradient with ReLU'(0) = 0). l has kinks on the walls of
    the activation arrangement and minima often sit on them, where L-BFGS-B stalls; so the
    end point is then polished: with its activation pattern s, SLSQP minimises the chamber
    surrogate g_s on the closed chamber of s (a smooth problem with linear constraints), which
    converges precisely onto a wall. If :func:`probe_minimum` then finds a lower point nearby,
    polishing restarts from there (at most a few times).

    Parameters
    ----------
    problem : Problem
        Data and settings.
    starts : int
        Number of random starts.
    seed : int
        Seed of the starts; the same seed gives the same runs (the first k starts do not
        depend on ``starts``).
    gtol : float
        L-BFGS-B projected-gradient tolerance.
    probe : bool
        Run :func:`probe_minimum` at each end point (sets ``is_local_min``).

    Returns
    -------
    list of NumericalRun
        One per start, in start order.

    Raises
    ------
    ValueError
        If ``starts`` < 1.

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1], [2]], [0, 3, 0], hidden=1, lam="1/10")
    >>> runs = multistart(p, starts=5)
    >>> best = min(runs, key=lambda run: run.loss)
    >>> round(best.loss, 6), best.converged, best.is_local_min
    (2.631421, True, True)
    """
    # The one validator of each setting (InputError: one line at the CLI, exit 2).
    starts, seed = check_starts(starts), check_seed(seed)
    xt, yt, lam = float_data(problem)
    inits = initial_points(xt, yt, problem.hidden, starts, seed)
    with _single_threaded_blas():
        return [
            _one_run(xt, yt, lam, x0, start=k, gtol=gtol, probe=probe) for k, x0 in enumerate(inits)
        ]


def descend(
    problem: Problem, x0: object, *, seed: int = 0, gtol: float = 1e-9, probe: bool = True
) -> NumericalRun:
    """One run of :func:`multistart` from the given start x0 = (a, psi row by row); without
    ``probe`` the end is polished in its chamber but not probed (``is_local_min`` None),
    for callers that judge the end otherwise (the landscape names it by the certified
    minima).

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1], [2]], [0, 3, 0], hidden=1, lam="1/10")
    >>> run = descend(p, [0.1, 0.1, 0.0])
    >>> round(run.loss, 6), run.is_local_min
    (2.631421, True)
    """
    xt, yt, lam = float_data(problem)
    start = np.asarray(x0, dtype=float)
    if start.shape != (problem.hidden * (1 + xt.shape[1]),):
        raise ValueError(f"x0 must have {problem.hidden * (1 + xt.shape[1])} entries")
    with _single_threaded_blas():
        return _one_run(xt, yt, lam, start, start=seed, gtol=gtol, probe=probe)


def _one_run(
    xt: np.ndarray,
    yt: np.ndarray,
    lam: float,
    x0: np.ndarray,
    *,
    start: int,
    gtol: float,
    probe: bool,
) -> NumericalRun:
    """One start of :func:`multistart`: L-BFGS-B on l, then polish (and probe) in a chamber."""
    width = xt.shape[1]
    hidden = x0.size // (1 + width)
    shape = (hidden, width)

    def fun(x: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad_a, grad_psi = full_loss_grad_array(
            xt, yt, lam, x[:hidden], x[hidden:].reshape(shape)
        )
        return value, np.concatenate([grad_a, grad_psi.ravel()])

    res = minimize(
        fun,
        x0,
        jac=True,
        method="L-BFGS-B",
        options={"gtol": gtol, "ftol": 1e-15, "maxiter": 10000},
    )
    psi = res.x[hidden:].reshape(shape)
    pattern = (psi @ xt.T > 0).astype(int)
    is_local_min: bool | None = None
    for hop in range(_MAX_HOPS):
        psi = polish_in_chamber(xt, yt, lam, pattern, psi)
        if not probe:
            break
        report, better, better_pattern = _probe(
            xt,
            yt,
            lam,
            psi,
            radius=1e-3,
            tol=1e-7,
            tight_tol=_RUN_TIGHT_TOL,
            directions=200,
            seed=start,
        )
        is_local_min = report.passed
        if report.passed or better is None or hop == _MAX_HOPS - 1:
            break
        psi = better
        # Polish next in the chamber where the probe went down (the random probe names none).
        pattern = better_pattern if better_pattern is not None else (psi @ xt.T > 0).astype(int)
    grad_norm = kkt_residual(xt, yt, lam, pattern, psi, _RUN_TIGHT_TOL)
    converged = grad_norm <= _KKT_TOL
    if is_local_min and not converged:
        is_local_min = None
    return NumericalRun(
        psi=psi,
        a=a_hat_array(np.maximum(xt @ psi.T, 0.0), yt, lam),
        loss=reduced_loss_array(xt, yt, lam, psi),
        grad_norm=grad_norm,
        converged=bool(converged),
        is_local_min=is_local_min,
        start=start,
    )

"""Exclusion by a linear certificate: a product face with no critical point, proved before
any Groebner work (docs/METHOD.md section 4, step 0a).

At a critical point in relint(F), every live unit l has (see
:mod:`reluscape.exact.surrogate`, effective weights w_l, v_l = K_l^T w_l = a_l theta_l)

    v_l = c_l Pi_l g_l,   c_l = rho_l / lambda > 0,   |Pi_l g_l| = lambda,

with Pi_l the orthogonal projection onto span(F_l), g_l = sum_{i in A_l} e_i xt_i and
e = yt - sum_l D_{A_l} Xt v_l; g_l is affine in w:

    g_l = b_l - sum_m G_lm v_m,   b_l = sum_{i in A_l} yt_i xt_i,
    G_lm = sum_{i in A_l and A_m} xt_i xt_i^T.

With s_l = sign(a_l), theta_l lies in relint(F_l) iff s_l sigma_li xt_i . v_l > 0 for every
nonzero sign sigma_li. As c_l > 0, Pi_l g_l has the same signs, and by Cauchy-Schwarz
|xt_i . Pi_l g_l| = |q_i . g_l| <= lambda |q_i| with q_i = Pi_l xt_i. For each sign vector s
these are linear conditions on w, strict and non-strict:

    s_l sigma_li xt_i . v_l > 0,   s_l sigma_li q_i . g_l > 0,
    s_l sigma_li q_i . g_l <= lambda |q_i|.

The strict conditions are needed for the facets of F_l alone
(:func:`~reluscape.exact.arrangement.facet_samples`): v_l and Pi_l g_l lie in span(F_l),
where the facets' open halfspaces cut out relint(F_l); the bounds are kept for every
direction of sample (a chamber at n = 100, d = 1 has two facets and a hundred samples).

The sphere |Pi_l g_l| = lambda adds one row where the extreme rays r_j of F_l are known
(span(F_l) of dimension 1, or 2 with two facets): s_l n . g_l >= lambda min_j n . r_j / |r_j|
for a form n near the cone's bisector (:func:`_arc`).

When they are infeasible for every s, F holds no critical point. Dropping the coupling
v_l = c_l Pi_l g_l and relaxing the sphere keeps only necessary conditions, so the test
never excludes a face with a critical point; on seeded data it excludes nearly all the
faces that the effective-weight system (step 0b) would exclude (docs/METHOD.md).

*Families.* The other units enter unit l's rows only through sum_{i in A_l} p_i xt_i with
p_i = sum_m [i in A_m] xt_i . v_m, and tau p_i >= 0 when every other unit has the sign
tau. Unit l's rows with such a free p are necessary on every product face holding F_l:
proved infeasible once per unit face and pair (s_l, tau) (:func:`_lone_infeasible`), they
settle the sign vector on all of them without a program of their own.

Infeasibility is proved by Motzkin's transposition theorem: the system alpha_k . w < beta_k
(k strict), alpha_k . w <= beta_k (k non-strict) has no solution iff some y >= 0 has

    sum_k y_k alpha_k = 0,   beta . y <= 0,   and   beta . y < 0  or  y_k > 0 for a strict k.

A float linear program (HiGHS) proposes y, maximising sum_{k strict} y_k - beta . y over
{y >= 0, sum_k y_k alpha_k = 0, beta . y <= 0, sum_k y_k = 1}; when that proposal fails
the exact check below, a second one maximises -beta . y alone. The proposal only guides:
its support's rows are scaled to integers, their kernel is found by fraction-free
elimination, y is rebuilt there from its rounded free entries, and the three conditions
are checked in rationals. A proposal that fails
the check excludes nothing, and the exact test of step 0b runs. The coefficients
alpha, beta are exact rationals from the data; lambda |q_i| is replaced by a rational
upper bound, which keeps the condition necessary.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from reluscape.data import Problem, sample_gram, sample_moment
from reluscape.exact import linalg
from reluscape.exact.arrangement import UnitFace, direction_samples, facet_samples
from reluscape.exact.surrogate import FaceSystem

SUPPORT = 1e-9  # entries of the float proposal below this are outside its support
DENOMINATOR = 10**12  # the free entries of the proposal are rounded to such fractions
NORM_BITS = 40  # the upper bound of |q_i| is within 2^-40 of it


@dataclass(frozen=True, eq=False)
class _Unit:
    """One unit face's forms before the sign s_l, exactly and as floats: for each direction
    group i (:func:`~reluscape.exact.arrangement.direction_samples`, the facets first) the
    form sigma_i q_i of g (q_i = Pi xt_i) and a rational upper bound of lambda |q_i|; for
    each facet the form sigma_i xt_i of v. The sign conditions of the other groups follow
    from the facets' (an open cone is the intersection of its open facet halfspaces, and
    v_l and Pi_l g_l lie in span(F_l)); their bounds do not, and are kept."""

    basis: tuple[tuple[Fraction, ...], ...]
    active: tuple[int, ...]
    v_forms: tuple[tuple[Fraction, ...], ...]
    g_forms: tuple[tuple[Fraction, ...], ...]
    bounds: tuple[Fraction, ...]
    arc: Fraction | None  # a lower bound of s_l n . g_l (the last g-form is n), or None
    b: tuple[Fraction, ...]  # b_l = sum_{i in A_l} yt_i xt_i
    basis_f: np.ndarray
    v_forms_f: np.ndarray
    g_forms_f: np.ndarray
    bounds_f: np.ndarray
    arc_f: float
    mask: np.ndarray  # the active samples, as a 0/1 vector

    @property
    def facets(self) -> int:
        """The number of facets: the first rows of g_forms."""
        return len(self.v_forms)

    @property
    def arcs(self) -> int:
        """1 with a sphere bound (:func:`_arc`, the last row of g_forms), else 0."""
        return int(self.arc is not None)


def excluded(system: FaceSystem, *, lowest: Fraction | None = None) -> bool:
    """Whether the linear conditions above are infeasible for every sign vector, proved
    by an exact Motzkin certificate for each; False when any is feasible or unproved.

    ``lowest`` (a lambda in the sum convention, at most the problem's): the sphere's
    lower bounds use it instead, so that every condition holds at every lambda in
    [lowest, lambda] (the upper bounds grow with lambda, the lower bounds with it too),
    and a face excluded has no critical point for any of them (the regularization path
    sets aside faces for a whole range so).

    Examples
    --------
    One unit, two samples x = 0, 1 with y = 0, 1, so yt = (-1/2, 1/2). Where both
    samples are active, both predictions a theta . xt_i have the sign of a, and the
    certificate proves that no critical point is there; on the ray where only x = 1 is
    active, the ridge fit of that sample is one, and nothing is excluded.

    >>> from reluscape.data import make_problem
    >>> from reluscape.exact.arrangement import unit_arrangement
    >>> p = make_problem([[0], [1]], [0, 1], hidden=1, lam="1/10")
    >>> arr = unit_arrangement(p)
    >>> [excluded(FaceSystem.build(p, (arr.face_of(s),))) for s in [(1, 1), (0, 1)]]
    [True, False]
    """
    problem = system.problem
    try:
        units = [_unit(problem, system.faces[u], lowest) for u in system.live]
        # Families first: cached per unit face, they often settle every sign vector, and
        # then the face's own forms are never built.
        unsettled = [
            signs
            for signs in itertools.product((1, -1), repeat=len(units))
            if not _family_infeasible(problem, units, signs)
        ]
        if not unsettled:
            return True
        offsets = list(itertools.accumulate((len(u.basis) for u in units), initial=0))
        with np.errstate(over="ignore", invalid="ignore"):
            phi, gamma, gamma0 = _float_forms(problem, units, offsets, _xt_float(problem))
    except OverflowError:
        # Data beyond the float range (|x| ~ 1e200, lambda ~ 1e400) cannot guide a float
        # program; the exact test (step 0b) decides such faces.
        return False
    if not all(np.isfinite(a).all() for a in (*phi, *gamma, *gamma0)):
        return False  # overflow inside the products: the same
    return all(
        _infeasible(problem, units, offsets, signs, phi, gamma, gamma0) for signs in unsettled
    )


def _family_infeasible(problem: Problem, units: list[_Unit], signs: tuple[int, ...]) -> bool:
    """Whether one unit's rows alone are proved infeasible for every companion of the
    companions' common sign (:func:`_lone_infeasible`); False when the companions' signs
    differ (their predictions then have no sign) or there is no companion."""
    for l_, unit in enumerate(units):
        others = {s for m, s in enumerate(signs) if m != l_}
        if len(others) == 1 and _lone_infeasible(problem, unit, signs[l_], others.pop()):
            return True
    return False


@functools.lru_cache(maxsize=8)
def _xt_float(problem: Problem) -> np.ndarray:
    return np.array([[float(v) for v in row] for row in problem.xt])


@functools.lru_cache(maxsize=65536)
def _unit(problem: Problem, face: UnitFace, lowest: Fraction | None = None) -> _Unit:
    basis = tuple(tuple(Fraction(v) for v in b) for b in face.basis)
    project = _projector(basis)
    lam = problem.lam_sum
    facets = facet_samples(problem, face)
    others = [i for i in direction_samples(problem, face) if i not in facets]
    v_forms, g_forms, bounds = [], [], []
    for i in (*facets, *others):
        s = face.signs[i]
        xt = problem.xt[i]
        q = project(xt)
        if i in facets:
            v_forms.append(tuple(s * v for v in xt))
        g_forms.append(tuple(s * v for v in q))
        bounds.append(lam * _sqrt_upper(linalg.dot(q, q)))
    arc = _arc(problem, face, facets, problem.lam_sum if lowest is None else lowest)
    if arc is not None:
        g_forms.append(arc[0])
        bounds.append(lam * _sqrt_upper(linalg.dot(arc[0], arc[0])))
    return _Unit(
        basis=basis,
        active=face.active,
        v_forms=tuple(v_forms),
        g_forms=tuple(g_forms),
        bounds=tuple(bounds),
        arc=None if arc is None else arc[1],
        b=sample_moment(problem, face.active),
        basis_f=np.array(basis, dtype=float),
        v_forms_f=np.array(v_forms, dtype=float),
        g_forms_f=np.array(g_forms, dtype=float),
        bounds_f=np.array(bounds, dtype=float),
        arc_f=0.0 if arc is None else float(arc[1]),
        mask=np.array([s > 0 for s in face.signs], dtype=float),
    )


def _arc(
    problem: Problem, face: UnitFace, facets: Sequence[int], lam: Fraction
) -> tuple[tuple[Fraction, ...], Fraction] | None:
    """A form n in span(F) and a rational L with n . x >= L for every x in relint(F) with
    |x| >= lambda = ``lam`` (sum convention; docs/METHOD.md section 4, step 0a, *the
    sphere*: |x| = lambda there), where span(F) has dimension 1 or 2 with two facets;
    None otherwise (extreme rays unknown).

    The extreme rays r_j of the closed cone of F (its facets, in dimension 2) have
    n . r_j > 0, so n . x > 0 on the cone and the section {n . x = 1} is a polytope whose
    vertices are the rays; |x| is convex on it, hence largest at a vertex, and
    n . x / |x| is smallest at an extreme ray: n . x >= lambda min_j n . r_j / |r_j|.
    n = U_2 r_1 + U_1 r_2 with U_j >= |r_j| rational is near the bisector, where that
    bound is largest; L uses U_j for |r_j|.

    >>> from reluscape.data import make_problem
    >>> from reluscape.exact.arrangement import unit_arrangement
    >>> p = make_problem([[-1], [1]], [0, 0], hidden=1, lam=1)
    >>> face = unit_arrangement(p).face_of((1, 1))
    >>> n, low = _arc(p, face, (0, 1), p.lam_sum)
    >>> 0.70 < float(low) / float(linalg.dot(n, n)) ** 0.5 <= 2**-0.5  # cos(pi / 4)
    True
    """
    basis = face.basis
    if not facets:
        return None
    if len(basis) == 1:
        ray = basis[0]
        if face.signs[facets[0]] * linalg.dot(problem.xt[facets[0]], ray) < 0:
            ray = tuple(-v for v in ray)
        return tuple(Fraction(v) for v in ray), lam * _sqrt_lower(
            linalg.dot(ray, ray)
        )
    if len(basis) != 2 or len(facets) != 2:
        return None
    # Facet i is c_i . t > 0 on x = K^T t; its ray is the t orthogonal to c_i on the
    # other facet's side.
    c = [[face.signs[i] * linalg.dot(problem.xt[i], kb) for kb in basis] for i in facets]
    rays = []
    for j in (0, 1):
        t = (-c[j][1], c[j][0])
        if linalg.dot(c[1 - j], t) < 0:
            t = (c[j][1], -c[j][0])
        rays.append(tuple(t[0] * a + t[1] * b for a, b in zip(*basis, strict=True)))
    upper = [_sqrt_upper(linalg.dot(r, r)) for r in rays]
    n = tuple(upper[1] * a + upper[0] * b for a, b in zip(*rays, strict=True))
    along = [linalg.dot(n, r) for r in rays]
    if min(along) <= 0:
        return None  # a cone too wide for the rounding of n: no bound
    return n, lam * min(a / u for a, u in zip(along, upper, strict=True))


def _projector(
    basis: tuple[tuple[Fraction, ...], ...],
) -> Callable[[Sequence[Fraction]], tuple[Fraction, ...]]:
    """x -> Pi x = K^T (K K^T)^{-1} K x, the orthogonal projection onto the span of the rows
    of K, applied without forming Pi: O(k (d + 1)) per vector for k rows, where Pi itself
    has (d + 1)^2 entries (5 x 3,000 data: 9 million Fractions per unit face).

    >>> project = _projector(((Fraction(1), Fraction(1)),))
    >>> [str(v) for v in project((Fraction(1), Fraction(0)))]
    ['1/2', '1/2']
    """
    k = len(basis)
    gram = [[linalg.dot(a, b) for b in basis] for a in basis]
    inverse = [linalg.solve(gram, [int(r == c) for r in range(k)]) for c in range(k)]

    def project(x: Sequence[Fraction]) -> tuple[Fraction, ...]:
        c = [linalg.dot(row, x) for row in basis]
        # w = M^-1 c, then Pi x = sum_a w_a K_a (the columns of M^-1 are ``inverse``).
        w = [sum((inverse[b][a] * c[b] for b in range(k)), Fraction(0)) for a in range(k)]
        return tuple(
            sum((w[a] * basis[a][j] for a in range(k)), Fraction(0)) for j in range(len(x))
        )

    return project


def _sqrt_upper(value: Fraction) -> Fraction:
    """A rational r >= sqrt(value) with r - sqrt(value) <= 1 / (2^NORM_BITS den(value)).

    >>> _sqrt_upper(Fraction(4)), _sqrt_upper(Fraction(2)) ** 2 >= 2
    (Fraction(2, 1), True)
    """
    scale = 4**NORM_BITS
    num, den = value.numerator, value.denominator
    # sqrt(num/den) = sqrt(num * den * scale) / (den * 2^NORM_BITS)
    root = math.isqrt(num * den * scale)
    if root * root < num * den * scale:
        root += 1
    return Fraction(root, den * 2**NORM_BITS)


def _sqrt_lower(value: Fraction) -> Fraction:
    """A rational r <= sqrt(value) with sqrt(value) - r <= 1 / (2^NORM_BITS den(value)).

    >>> _sqrt_lower(Fraction(4)), _sqrt_lower(Fraction(2)) ** 2 <= 2
    (Fraction(2, 1), True)
    """
    num, den = value.numerator, value.denominator
    return Fraction(math.isqrt(num * den * 4**NORM_BITS), den * 2**NORM_BITS)


def _float_forms(
    problem: Problem, units: list[_Unit], offsets: list[int], xt: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """For each unit l, in floats: phi_l with xt_i . v_l = phi_l[i] . w, and gamma_l,
    gamma0_l with q_i . g_l = gamma0_l[i] - gamma_l[i] . w (signs sigma_i included):

        phi_l = V_l K_l^T (block l),   gamma_l = (Q_l G_lm K_m^T)_m,   gamma0_l = Q_l b_l.
    """
    yt = np.array([float(v) for v in problem.yt])
    width = offsets[-1]
    phi, gamma, gamma0 = [], [], []
    for l_, unit in enumerate(units):
        row = np.zeros((len(unit.v_forms_f), width))
        row[:, offsets[l_] : offsets[l_ + 1]] = unit.v_forms_f @ unit.basis_f.T
        phi.append(row)
        g = np.zeros((len(unit.g_forms_f), width))
        for m, other in enumerate(units):
            # Q_l G_lm K_m^T as (Q_l Xt_S^T)(Xt_S K_m^T): never the (d + 1)^2 matrix G_lm.
            both = xt * (unit.mask * other.mask)[:, None]
            g[:, offsets[m] : offsets[m + 1]] = (unit.g_forms_f @ both.T) @ (
                xt @ other.basis_f.T
            )
        gamma.append(g)
        gamma0.append(unit.g_forms_f @ (xt.T @ (unit.mask * yt)))
    return phi, gamma, gamma0


def _infeasible(
    problem: Problem,
    units: list[_Unit],
    offsets: list[int],
    signs: tuple[int, ...],
    phi: list[np.ndarray],
    gamma: list[np.ndarray],
    gamma0: list[np.ndarray],
) -> bool:
    """Whether a Motzkin certificate proves the rows of the sign vector s infeasible:

    strict   -s phi . w < 0,   s gamma . w < s gamma0   (the facets' rows of gamma);
    loose    -s gamma . w <= bound - s gamma0           (every row);
    loose    s gamma . w <= s gamma0 - arc              (the last row, with a sphere bound).
    """
    with_arc = [(u, g, g0, s) for u, g, g0, s in zip(units, gamma, gamma0, signs, strict=True)]
    with_arc = [t for t in with_arc if t[0].arc is not None]
    alpha = np.vstack(
        [
            *(-s * p for p, s in zip(phi, signs, strict=True)),
            *(s * g[: u.facets] for u, g, s in zip(units, gamma, signs, strict=True)),
            *(-s * g for g, s in zip(gamma, signs, strict=True)),
            *(s * g[-1:] for _, g, _, s in with_arc),
        ]
    )
    beta = np.concatenate(
        [
            *(np.zeros(len(p)) for p in phi),
            *(s * g0[: u.facets] for u, g0, s in zip(units, gamma0, signs, strict=True)),
            *(u.bounds_f - s * g0 for u, g0, s in zip(units, gamma0, signs, strict=True)),
            *(s * g0[-1:] - u.arc_f for u, _, g0, s in with_arc),
        ]
    )
    n_strict = 2 * sum(u.facets for u in units)
    return _motzkin(
        alpha, beta, n_strict, lambda k: _exact_row(problem, units, offsets, signs, k)
    )


def _motzkin(
    alpha: np.ndarray,
    beta: np.ndarray,
    n_strict: int,
    exact_row: Callable[[int], IntegerRow],
) -> bool:
    """Whether a Motzkin certificate proves alpha_k . x < beta_k (the first ``n_strict``
    rows) and alpha_k . x <= beta_k (the others) infeasible: float proposals from
    :func:`_proposal`, each checked exactly on its support's rows ``exact_row(k)``."""
    # Rows are scaled to unit size for the float program; y of the scaled rows divided
    # by the scale is a proposal for the rows themselves.
    scale = np.maximum(np.abs(alpha).max(axis=1, initial=0), np.abs(beta))
    scale[scale == 0] = 1
    # The first program rewards strict rows too. Its optimum can be a certificate only up
    # to rounding (beta . y = 0 in floats, > 0 exactly); the second asks for the most
    # negative beta . y, which rounding does not undo.
    for strict_weight in (1.0, 0.0):
        found = _proposal(alpha / scale[:, None], beta / scale, n_strict, strict_weight)
        if found is None:
            # The second program has the first's feasible set and an objective no larger
            # (the strict rows' weight is >= 0): it finds none either, and the rows are
            # most likely feasible (a tenth of the programs on L = 2, n = 8).
            return False
        proposal = found / scale
        support = np.flatnonzero(proposal > SUPPORT * proposal.max()).tolist()
        rows = [exact_row(k) for k in support]
        if _certified(rows, [k < n_strict for k in support], proposal[support]):
            return True
    return False


def _proposal(
    alpha: np.ndarray, beta: np.ndarray, n_strict: int, strict_weight: float
) -> np.ndarray | None:
    """A float y >= 0 with sum_k y_k alpha_k = 0, beta . y <= 0, sum_k y_k = 1 and
    c sum_{k strict} y_k - beta . y > 0, c = ``strict_weight`` (maximised by HiGHS); None
    if there is none.

    HiGHS's pybind class is used directly: a fraction of the time per program of scipy's
    ``linprog`` (whose import also costs each face process), and unlike
    ``highspy.Highs`` it prints no banner on standard output. The program is passed as
    arrays (HiGHS's ``passLp`` form), faster than through a ``HighsLp``.
    """
    from highspy._core import (
        HighsModelStatus,
        HighsStatus,
        MatrixFormat,
        ObjSense,
        _Highs,
        kHighsInf,
    )

    rows, width = alpha.shape
    # Columns are the y_k; constraint rows: sum_k y_k alpha_k = 0, sum_k y_k = 1, beta . y <= 0.
    height = width + 2
    matrix = np.empty((rows, height))
    matrix[:, :width] = alpha
    matrix[:, width] = 1.0
    matrix[:, width + 1] = beta
    row_lower = np.zeros(height)
    row_upper = np.zeros(height)
    row_lower[width] = row_upper[width] = 1.0
    row_lower[width + 1] = -kHighsInf
    highs = _Highs()
    highs.setOptionValue("output_flag", False)
    # Presolve costs more than it saves on programs this small (about 6 rows): 1.0 ->
    # 0.6 ms per program.
    highs.setOptionValue("presolve", "off")
    passed = highs.passModel(
        rows,
        height,
        rows * height,
        int(MatrixFormat.kColwise),
        int(ObjSense.kMinimize),
        0.0,
        beta - strict_weight * (np.arange(rows) < n_strict),  # cost
        np.zeros(rows),
        np.full(rows, kHighsInf),
        row_lower,
        row_upper,
        np.arange(0, rows * height, height, dtype=np.int32),  # column starts
        np.tile(np.arange(height, dtype=np.int32), rows),
        matrix.ravel(),
        np.zeros(rows, dtype=np.int32),  # every column continuous
    )
    # Warnings (tiny or huge entries) are HiGHS's business; a malformed program, which
    # would look like "no proposal", is a bug.
    if passed == HighsStatus.kError:
        raise RuntimeError(f"HiGHS refused the certificate's program: {passed}")
    highs.run()
    if highs.getModelStatus() != HighsModelStatus.kOptimal:
        return None
    if -highs.getInfo().objective_function_value <= SUPPORT:
        return None
    return np.array(highs.getSolution().col_value)


@functools.lru_cache(maxsize=1 << 16)
def _lone_infeasible(problem: Problem, unit: _Unit, s: int, tau: int) -> bool:
    """Whether unit l with sign s_l = s cannot be live beside any companions that all have
    the sign tau, proved by a Motzkin certificate (docs/METHOD.md section 4, step 0a,
    *families*). Once per unit face and pair of signs, for every product face holding it.

    The companions enter unit l's rows only through sum_m G_lm v_m = sum_{i in A_l} p_i
    xt_i with p_i = sum_m [i in A_m] xt_i . v_m, and tau xt_i . v_m = |a_m| xt_i . theta_m
    > 0 for i in A_m: tau p_i >= 0. With p free apart from that sign, the rows of unit l
    in (w_l, p) are

        strict  -s phi . w_l < 0,   s (gamma_w . w_l + gamma_p . p) < s gamma0   (facets);
        loose   -s (gamma_w . w_l + gamma_p . p) <= bound - s gamma0              (groups);
        loose   -tau p_i <= 0                                                     (i in A_l);
        loose   s (gamma_w . w_l + gamma_p . p) <= s gamma0 - arc    (the sphere's form n);

    gamma_w = Q_l G_ll K_l^T, gamma_p = (q_i . xt_j)_{j in A_l}, gamma0 = Q_l b_l, each a
    necessary condition of a critical point on every product face with these signs.
    """
    xt = _xt_float(problem)[list(unit.active)]
    yt = np.array([float(problem.yt[i]) for i in unit.active])
    k = len(unit.basis)
    with np.errstate(over="ignore", invalid="ignore"):
        gamma_p = unit.g_forms_f @ xt.T
        gamma = np.hstack([gamma_p @ (xt @ unit.basis_f.T), gamma_p])
        gamma0 = gamma_p @ yt
        phi = unit.v_forms_f @ unit.basis_f.T
    alpha = np.vstack(
        [
            np.hstack([-s * phi, np.zeros((unit.facets, len(unit.active)))]),
            s * gamma[: unit.facets],
            -s * gamma,
            np.hstack([np.zeros((len(unit.active), k)), -tau * np.eye(len(unit.active))]),
            s * gamma[len(gamma) - unit.arcs :],
        ]
    )
    beta = np.concatenate(
        [np.zeros(unit.facets), s * gamma0[: unit.facets], unit.bounds_f - s * gamma0,
         np.zeros(len(unit.active)), s * gamma0[len(gamma0) - unit.arcs :] - unit.arc_f]
    )  # fmt: skip
    if not (np.isfinite(alpha).all() and np.isfinite(beta).all()):
        return False  # beyond the float range: the product's own test decides

    return _motzkin(alpha, beta, 2 * unit.facets, lambda r: _lone_row(problem, unit, s, tau, r))


def _lone_row(problem: Problem, unit: _Unit, s: int, tau: int, r: int) -> IntegerRow:
    """Row r of :func:`_lone_infeasible`'s system in (w_l, p), exactly (blocks: v-forms
    and g-forms of the facets, bounds of every g-form, signs of p, the sphere)."""
    facets, groups, k = unit.facets, len(unit.g_forms), len(unit.basis)
    if r < facets:
        block, scale = _v_row(unit, r)
        return [-s * a for a in block] + [0] * len(unit.active), 0, scale
    if r >= 2 * facets + groups + len(unit.active):
        return _arc_row(unit, s, _lone_g_row(problem, unit, groups - 1))
    if r >= 2 * facets + groups:
        row = [0] * (k + len(unit.active))
        row[k + r - 2 * facets - groups] = -tau
        return row, 0, 1
    i = r - facets if r < 2 * facets else r - 2 * facets
    g_row, g0, bound, scale = _lone_g_row(problem, unit, i)
    if r < 2 * facets:
        return [s * a for a in g_row], s * g0, scale
    return [-s * a for a in g_row], bound - s * g0, scale


@functools.lru_cache(maxsize=1 << 18)
def _lone_g_row(problem: Problem, unit: _Unit, i: int) -> tuple[list[int], int, int, int]:
    """q_i . g_l = q_i . b_l - q_i . G_ll K_l^T w_l - sum_{j in A_l} p_j q_i . xt_j and
    the bound lambda |q_i| (:func:`_lone_infeasible`), as integers (A, G0, B) over one
    positive denominator D: the coefficients of (w_l, p), q_i . b_l and the bound."""
    w_row, g0, bound, scale = _g_row(problem, (unit,), 0, i)
    along = [linalg.dot(unit.g_forms[i], problem.xt[j]) for j in unit.active]
    values, common = linalg.clear_denominators(
        [*(Fraction(a, scale) for a in w_row), *along, Fraction(g0, scale), Fraction(bound, scale)]
    )
    return values[:-2], values[-2], values[-1], common


IntegerRow = tuple[list[int], int, int]
"""A row (alpha, beta) of :func:`_infeasible` as integers (A, B) and a positive integer D
with alpha = A / D, beta = B / D: the same condition, and Motzkin's conditions are
unchanged when a row is multiplied by a positive number (y_k becomes y_k / D_k)."""


def _exact_row(
    problem: Problem, units: list[_Unit], offsets: list[int], signs: tuple[int, ...], k: int
) -> IntegerRow:
    """Row k of :func:`_infeasible`'s system, exactly (see :data:`IntegerRow`)."""
    kind, l_, i = _position(
        k, [u.facets for u in units], [len(u.g_forms) for u in units], [u.arcs for u in units]
    )
    s = signs[l_]
    if kind == 0:
        block, scale = _v_row(units[l_], i)
        alpha = [0] * offsets[-1]
        alpha[offsets[l_] : offsets[l_ + 1]] = [-s * a for a in block]
        return alpha, 0, scale
    if kind == 3:
        return _arc_row(units[l_], s, _g_row(problem, tuple(units), l_, len(units[l_].g_forms) - 1))
    g_row, g0, bound, scale = _g_row(problem, tuple(units), l_, i)
    if kind == 1:
        return [s * a for a in g_row], s * g0, scale
    return [-s * a for a in g_row], bound - s * g0, scale


def _arc_row(unit: _Unit, s: int, g_row: tuple[list[int], int, int, int]) -> IntegerRow:
    """s n . g_l >= arc (:func:`_arc`) as s gamma . x <= s gamma0 - arc, from the integer
    row (A, G0, B, D) of the form n; over D times the denominator of arc D."""
    coefficients, g0, _, scale = g_row
    assert unit.arc is not None
    arc = unit.arc * scale
    m = arc.denominator
    return [s * a * m for a in coefficients], s * g0 * m - arc.numerator, scale * m


@functools.lru_cache(maxsize=1 << 16)
def _v_row(unit: _Unit, i: int) -> tuple[list[int], int]:
    """sigma_i xt_i . v_l as a form in w_l (v_l = K_l^T w_l), as integers over a positive
    common denominator."""
    return linalg.clear_denominators([linalg.dot(kb, unit.v_forms[i]) for kb in unit.basis])


@functools.lru_cache(maxsize=1 << 18)
def _g_row(
    problem: Problem, units: tuple[_Unit, ...], l_: int, i: int
) -> tuple[list[int], int, int, int]:
    """q_i . g_l = q_i . b_l - sum_m q_i . G_lm K_m^T w_m (sign sigma_i included) and the
    bound lambda |q_i|, as integers (A, G0, B) over one positive denominator D: the
    coefficients of w, q_i . b_l and the bound. Cached: one row serves both signs of a_l,
    the strict row and the bound, and both proposals."""
    unit = units[l_]
    coefficients = [c for other in units for c in _g_block(problem, unit, other, i)]
    values, scale = linalg.clear_denominators(
        [*coefficients, linalg.dot(unit.g_forms[i], unit.b), unit.bounds[i]]
    )
    return values[:-2], values[-2], values[-1], scale


@functools.lru_cache(maxsize=1 << 18)
def _g_block(problem: Problem, unit: _Unit, other: _Unit, i: int) -> tuple[Fraction, ...]:
    """q_i . G_lm K_m^T (sign sigma_i included), the coefficients of w_m in -q_i . g_l.
    Cached per pair of unit faces: the block of w_l itself (m = l) serves every product
    face holding unit l."""
    g_form = unit.g_forms[i]
    if _wide(problem):
        along = {p: linalg.dot(g_form, problem.xt[p]) for p in unit.active}
        return tuple(
            sum((along[p] * value for p, value in column), Fraction(0))
            for column in _cross_columns(problem, unit, other)
        )
    block = _cross_gram(problem, unit, other)
    return tuple(
        sum((q * row[j] for q, row in zip(g_form, block, strict=True)), Fraction(0))
        for j in range(len(other.basis))
    )


def _wide(problem: Problem) -> bool:
    """Whether the samples are fewer than the coordinates of xt (n < d + 1). Then
    q . G_lm K_m^T is summed over the samples (:func:`_cross_columns`, O(n (d + 1)) per
    row), else through G_lm K_m^T (:func:`_cross_gram`, O((d + 1)^2) once per pair of unit
    faces, then O(d + 1) per row): at 5 x 3,000 the matrix G_lm alone has 9 million
    entries, at n = 100, d = 1 a sum over the samples had cost 200 products per entry."""
    return problem.n < problem.d + 1


@functools.lru_cache(maxsize=65536)
def _cross_gram(problem: Problem, unit: _Unit, other: _Unit) -> tuple[tuple[Fraction, ...], ...]:
    """G_lm K_m^T = sum_{p in A_l and A_m} xt_p (K_m xt_p)^T, exactly, one row per
    coordinate of xt: q . G_lm K_m^T is the row of w_m in q . g_l for any form q.

    Once per pair of unit faces rather than once per row: at n = 100 a row had taken 200
    rational products per coordinate of w.
    """
    common = tuple(sorted(set(unit.active) & set(other.active)))
    gram = sample_gram(problem, common)
    return tuple(tuple(linalg.dot(row, kb) for kb in other.basis) for row in gram)


@functools.lru_cache(maxsize=65536)
def _cross_columns(
    problem: Problem, unit: _Unit, other: _Unit
) -> tuple[tuple[tuple[int, Fraction], ...], ...]:
    """For each row k_j of K_m, the pairs (p, k_j . xt_p) over the samples p active on both
    unit faces: q . G_lm K_m^T has entry j sum_p (q . xt_p) (k_j . xt_p) for any form q
    (wide data, :func:`_wide`)."""
    common = sorted(set(unit.active) & set(other.active))
    return tuple(
        tuple((p, linalg.dot(kb, problem.xt[p])) for p in common) for kb in other.basis
    )


def _position(
    k: int, facets: list[int], groups: list[int], arcs: list[int]
) -> tuple[int, int, int]:
    """Where row k of :func:`_infeasible` lies: its block (0: v-forms, 1: g-forms, 2:
    g-bounds, 3: sphere bounds), its unit and its index in the block's rows of the unit.
    The first two blocks have one row per facet of every unit, the third one per g-form
    (direction groups, then the sphere's form n), the fourth one per sphere bound.

    >>> [_position(k, [1, 2], [3, 2], [0, 1]) for k in (0, 2, 3, 6, 8, 11)]
    [(0, 0, 0), (0, 1, 1), (1, 0, 0), (2, 0, 0), (2, 0, 2), (3, 1, 0)]
    """
    for kind, sizes in enumerate((facets, facets, groups, arcs)):
        for unit, size in enumerate(sizes):
            if k < size:
                return kind, unit, k
            k -= size
    raise IndexError("row beyond the system")


def _certified(rows: list[IntegerRow], strict: list[bool], proposal: np.ndarray) -> bool:
    """Rebuild y exactly on the proposal's support and check Motzkin's conditions.

    y solves sum_k y_k alpha_k = 0 exactly, with the free entries of an echelon form
    taken from the proposal (rounded). When beta . y = 0 at the proposal (the bound
    beta . y <= 0 is active), that equation joins them: rounding would otherwise push
    beta . y above 0. The rows are integers (:data:`IntegerRow`), eliminated without
    fractions (:func:`~reluscape.exact.linalg.integer_echelon`): at n = 100 the data's
    denominators had made rational elimination most of the check's time.
    """
    width = len(rows[0][0])
    equations = [[alpha[j] for alpha, _, _ in rows] for j in range(width)]
    betas = [beta for _, beta, _ in rows]
    # The rationals beta_k = B_k / D_k, in floats (int division does not overflow).
    beta_f = np.array([b / scale for _, b, scale in rows])
    if abs(beta_f @ proposal) <= SUPPORT * max(float(np.abs(beta_f) @ proposal), 1.0):
        equations.append(betas)
    echelon, pivots = linalg.integer_echelon(equations, len(rows))
    y = [Fraction(0)] * len(rows)
    for c, (_, _, scale) in enumerate(rows):
        if c not in pivots:
            # y of an integer row is the proposal's y (for beta_k = B_k / D_k) over D_k.
            y[c] = Fraction(float(proposal[c])).limit_denominator(DENOMINATOR) / scale
    # Back substitution, last pivot first: each echelon row then holds exactly.
    for row, pc in reversed(list(zip(echelon, pivots, strict=True))):
        rest = sum((row[c] * y[c] for c in range(pc + 1, len(rows)) if row[c]), Fraction(0))
        y[pc] = -rest / row[pc]
    if any(v < 0 for v in y) or not any(v > 0 for v in y):
        return False
    value = linalg.dot(betas, y)
    return value < 0 or (value == 0 and any(v > 0 for v, st in zip(y, strict, strict=True) if st))

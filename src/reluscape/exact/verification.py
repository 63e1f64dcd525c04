"""Merge, part 1: decide exactly whether a candidate is a local minimum of r.

A point p in relint(F) is a local minimum of r iff, for every chamber C whose closure
contains F, p is a local minimum of the chamber surrogate g_C on cl(C) (docs/METHOD.md
section 5). With e = yt - Omega(p) a_hat(p) the residual at p and A_{C,l} the active set
of unit l in C, the envelope theorem gives the theta_l-gradient

    G_{l,C} = lambda theta_l - a_l sum_{i in A_{C,l}} e_i xt_i.

Tests, each decided by exact signs at the certified point (:meth:`RealPoint.sign`):

1. *First order (boundary faces).* For a live unit on a face with zero set Z, and every
   adjacent chamber C, G_{l,C} must lie in the dual of the tangent cone
   {v : sigma^C_i v . xt_i >= 0, i in Z}, i.e. G = sum_{i in B} mu_i sigma^C_i xt_i with
   mu >= 0 for some basis B of the rows of Z (Farkas and Caratheodory). Some mu < 0 in
   every basis: descent into C, not a minimum. All mu > 0 in some basis: strict, and the
   critical cone is span(F). Otherwise some mu_i = 0: test 4.
2. *Dead units* (theta_l = 0, so a_l = 0). Their Hessian block decouples, and on cl(C) it
   is lambda I - g_C g_C^T / lambda with g_C = sum_{i in A_C} e_i xt_i. It is positive on
   cl(C) minus 0 iff max_{u in cl C, |u| = 1} |g_C . u| < lambda; that maximum is
   max |P_G g_C| over faces G of cl(C) with the projection P_G g_C in cl(G) (and the same
   for -g_C). Larger than lambda in some chamber: second-order descent, not a minimum.
3. *Second order on span(F).* With N variables (a, t) and k the dimension of the
   component the point samples (0 for isolated points), let e_j be the coefficients of
   det(x I + Hess l_F(p)) = sum_j e_j x^{N-j}. Since Hess_aa = Omega^T Omega + lambda I is
   positive definite, Hess l_F and Hess g_F have the same number of negative and of zero
   eigenvalues (Haynsworth inertia additivity). e_1, ..., e_{N-k} > 0 then means Hess g_F
   is positive semidefinite with kernel of dimension exactly k: positive definite for
   k = 0 (strict minimum), and for k > 0 a Morse-Bott minimum whose kernel is the tangent
   space of the component. Some e_j < 0 means a negative eigenvalue: not a minimum.

4. *Second order on the critical cone (a zero multiplier).* When test 1 holds in a
   chamber C only with some mu_i = 0 (i in Z), the critical cone of unit l towards C,

       K_{l,C} = {v in W : v . xt_i = 0 (mu_i > 0),  sigma^C_i v . xt_i >= 0 (i in Z)},

   leaves span(F_l) into C (W the row space, :mod:`reluscape.exact.arrangement`; the
   cone does not depend on which nonnegative representation of G_{l,C} is used, since
   G . v = sum_i mu_i sigma_i v . xt_i with every term >= 0 on the tangent cone). For a
   product chamber C the critical cone is K = prod_l K_{l,C_l} (dead units are tested
   by 2 and decouple), and the second-order conditions for a smooth function on a
   polyhedron say: q(v) = v^T S v >= 0 on K is necessary, and q > 0 on K minus 0
   sufficient, where S = Hess g_C(p) is the Schur complement
   H_tt - H_ta H_aa^{-1} H_at of the Hessian of the chamber's polynomial loss l_C(a, psi)
   (g_C = min_a l_C). With K = Lin + cone(r_1, ..., r_m) (Lin = span(F), rays r_j
   modulo Lin, exact over Q) and Lin positive definite for q (test 3), minimising over
   Lin leaves M = Q_RR - Q_RL Q_LL^{-1} Q_LR, and q > 0 on K minus 0 iff M is strictly
   copositive on R^m_+ (:func:`copositivity`). For a sample of a k-dimensional component,
   Q_LL has a k-dimensional kernel, the tangent of the component; the coupling of the
   kernel to the rays must vanish (else q < 0 on K), Lin is replaced by a complement of
   the kernel, and the zero multipliers must vanish on the whole component (ideal
   membership), so that the first-order condition holds with the same critical cone
   along it; a strictly copositive M then makes the component locally a set of minima
   (docs/METHOD.md section 6).

Where these tests are silent (a dead-unit maximum equal to lambda, a Hessian with a
larger kernel, a form vanishing on a direction of the critical cone, a zero multiplier
that does not vanish along the component), no test found a descent, and convexity
decides: the first-order conditions of tests 1 and 2 (with equality allowed) are those of
the convex program of every adjacent piece, so the candidate is the minimum of each piece
and a local minimum of r, with its whole component (docs/METHOD.md section 6.7). So
the first-order tests alone decide every candidate; tests 3 and 4 refine the verdict's
name, and can never refute a candidate that passes tests 1 and 2.

The census (:mod:`reluscape.exact.census`) reuses tests 1 and 2 and the index
(:func:`hessian_index`) to classify every Clarke-critical candidate (docs/METHOD.md 11-12).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from reluscape.exact import algebra, linalg
from reluscape.exact.algebra import RealPoint
from reluscape.exact.arrangement import Arrangement, UnitFace
from reluscape.exact.enumeration import Candidate, t_ring_map
from reluscape.exact.linalg import kernel_basis
from reluscape.exact.verdicts import DecidedBy, Reason

Poly = Any


SMALLER_KERNEL = "the Hessian's kernel at the sample is smaller than the component dimension"


@dataclass(frozen=True)
class LocalVerdict:
    """Whether a candidate is a local minimum, which test decided it, and (undecided
    only) why the tests were silent: decisions read ``reason``, never ``detail``, which is
    for people (the result document's ``verdict.detail``)."""

    is_minimum: bool | None
    decided_by: DecidedBy
    detail: str = ""
    reason: Reason | None = None

    def __post_init__(self) -> None:
        if (self.is_minimum is None) != (self.reason is not None):
            raise ValueError("a reason is given exactly for an undecided verdict")


class _Context:
    """Polynomials of one candidate in its point's ring, and the arrangement."""

    def __init__(self, cand: Candidate, arrangement: Arrangement) -> None:
        self.cand = cand
        self.system = cand.system
        self.problem = cand.system.problem
        self.arrangement = arrangement
        self.point: RealPoint = cand.point
        self.R = self.point.ring
        sysR = self.system.ring
        if sysR is None:
            self.embed = None
        else:
            names = [str(v) for v in self.R.gens()]
            self.embed = sysR.hom([self.R(str(v)) if str(v) in names else 0 for v in sysR.gens()])
        self.lam = algebra.to_qq(self.problem.lam_sum)
        self.xt = [[algebra.to_qq(v) for v in row] for row in self.problem.xt]
        # Critical cones of the live units on boundary faces, one per adjacent chamber.
        self.cones: dict[int, list[_ChamberCone]] = {}

    def lift(self, f: Poly) -> Poly:
        return self.R(f) if self.embed is None else self.embed(self.system.ring(f))

    @functools.cached_property
    def residual(self) -> list[Poly]:
        """e_i = yt_i - sum_l a_l [i in A_l] theta_l . xt_i, in the face system's ring."""
        out = []
        for i, yt in enumerate(self.problem.yt):
            pred = 0
            for u in self.system.live:
                if self.system.faces[u].signs[i] > 0:
                    pred += self.system.a_var(u) * self.system.preactivation(u, i)
            out.append(algebra.to_qq(yt) - pred)
        return out


@dataclass(frozen=True)
class _ChamberCone:
    """The critical cone K_{l,C} of a live unit towards an adjacent chamber C (test 4).

    ``tight``: samples i with mu_i > 0 (v . xt_i = 0 on K); ``zero_multipliers``: the
    mu_i that vanish at the point, as polynomials in the face system's ring.
    """

    chamber: UnitFace
    tight: tuple[int, ...]
    zero_multipliers: tuple[Poly, ...]


def verify_candidate(cand: Candidate, arrangement: Arrangement) -> LocalVerdict:
    """Decide whether a candidate critical point is a local minimum of r (see module doc).

    Where the tests are undecided, no test found a descent, so every live unit passed
    test 1 (multipliers >= 0) in every adjacent chamber and the dead-unit maximum is
    <= lambda: the first-order conditions of every adjacent piece's convex program hold,
    and the candidate, with its whole component, is a local minimum by convexity
    (docs/METHOD.md section 6.7). One case stays undecided: a sample whose Hessian kernel
    is smaller than its component's dimension, where that dimension may not be the real
    one.
    """
    verdict = _local_minimum_tests(_Context(cand, arrangement))
    # A kernel smaller than the component's dimension is a singular sample where the
    # real set may be lower-dimensional: a minimum, but of a dimension not known. (An
    # uncertified sign is raised as algebra.Undecided, not returned; excluded all the same.)
    if verdict.reason not in (None, Reason.SMALLER_KERNEL, Reason.PRECISION):
        return LocalVerdict(
            True,
            DecidedBy.CONVEXITY,
            f"{verdict.detail}; the first-order conditions of every adjacent piece's "
            "convex program hold, so it is the minimum of each piece",
        )
    return verdict


def _local_minimum_tests(ctx: _Context) -> LocalVerdict:
    """Tests 1 to 4 in order; a refutation as soon as one is found."""
    cand = ctx.cand
    e = [ctx.lift(v) for v in ctx.residual]
    pending: LocalVerdict | None = None
    for u, face in enumerate(cand.system.faces):
        if face.dim == 0:
            verdict = _dead_unit_test(ctx, e, u)
        elif face.zeros:
            verdict = _first_order_test(ctx, u, face)
        else:
            continue
        # Every unit is tested before an undecided verdict is returned: a refutation by
        # another unit decides the candidate.
        if verdict is not None and verdict.is_minimum is False:
            return verdict
        pending = pending or verdict
    second = _second_order_test(ctx)
    if second.is_minimum is False:
        return second
    if pending is not None:
        return pending
    degenerate = [u for u, cones in ctx.cones.items() if any(c.zero_multipliers for c in cones)]
    if not degenerate:
        return second
    if second.is_minimum is None:
        return replace(second, detail=f"{second.detail}; and a zero multiplier")
    return _critical_cone_test(ctx, second)


def _vec_dot(u: list[Any], v: list[Any]) -> Any:
    return sum((a * b for a, b in zip(u, v, strict=True)), 0)


def chamber_gradients(ctx: _Context, u: int, face: UnitFace) -> list[tuple[UnitFace, list[Poly]]]:
    """G_{l,C} = lambda theta_l - a_l sum_{i in A_C} e_i xt_i for every chamber C whose
    closure holds the unit's face, as polynomials of the face system (docs/METHOD.md 5)."""
    real_face = ctx.arrangement.face_of(face.signs)
    if real_face is None:
        # Every adjacent chamber must be seen: an unknown face would pass test 1 vacuously
        # (and convexity would then accept the candidate).
        raise algebra.Undecided(f"unit {u}: face {face.label()} is not in the arrangement")
    a_u = ctx.system.a_var(u)
    out = []
    for chamber in ctx.arrangement.adjacent_chambers(real_face):
        grad = [ctx.lam * th for th in ctx.system.theta[u]]
        for i in chamber.active:
            for k in range(len(grad)):
                grad[k] -= a_u * ctx.residual[i] * ctx.xt[i][k]
        out.append((chamber, grad))
    return out


def _first_order_test(ctx: _Context, u: int, face: UnitFace) -> LocalVerdict | None:
    """Test 1 for a live unit on a boundary face; records its critical cones in ``ctx``.

    Returns a refutation, or None when G_{l,C} lies in the dual of the tangent cone for
    every adjacent chamber C (a zero multiplier is left to test 4).
    """
    zero_rows = list(dict.fromkeys(tuple(ctx.xt[i]) for i in face.zeros))
    rank = len(ctx.xt[0]) - len(kernel_basis([_frac(r) for r in zero_rows], len(ctx.xt[0])))
    cones = []
    for chamber, grad in chamber_gradients(ctx, u, face):
        cone = _cone_membership(ctx, grad, face, chamber, rank)
        if cone is None:
            return LocalVerdict(
                False,
                DecidedBy.FIRST_ORDER,
                f"unit {u}: the gradient has a descent direction into chamber {chamber.label()}",
            )
        cones.append(cone)
    ctx.cones[u] = cones
    return None


def _frac(row: Sequence[Any]) -> tuple[Fraction, ...]:
    return tuple(algebra.from_qq(v) for v in row)


def _cone_membership(
    ctx: _Context, grad: list[Poly], face: UnitFace, chamber: UnitFace, rank: int
) -> _ChamberCone | None:
    """Is G = grad in cone{sigma^C_i xt_i : i in Z}? None if not, else the critical cone.

    G = sum_{i in B} mu_i sigma^C_i xt_i for a basis B of the zero rows; a basis with
    every mu_i > 0 is preferred (critical cone span(F)), else one with mu_i >= 0, whose
    zero multipliers are returned (as polynomials of the face system).
    """
    rows: dict[tuple[Any, ...], tuple[int, int]] = {}
    for i in face.zeros:
        rows.setdefault(tuple(ctx.xt[i]), (i, chamber.signs[i]))
    items = list(rows.items())
    best: _ChamberCone | None = None
    for basis in itertools.combinations(items, rank):
        M = [_frac(r) for r, _ in basis]
        if linalg.rank(M) < rank:
            continue
        # grad lies in the row space of Z (it is orthogonal to span F), so the
        # coefficients solve the normal equations exactly.
        gram_inv = linalg.inverse([[linalg.dot(a, b) for b in M] for a in M])
        proj = [_vec_dot(list(r), grad) for r, _ in basis]
        mus = [
            sigma * _vec_dot([algebra.to_qq(v) for v in gram_inv[j]], proj)
            for j, (_, (_, sigma)) in enumerate(basis)
        ]
        signs = [ctx.point.sign(ctx.lift(mu)) for mu in mus]
        if any(sg < 0 for sg in signs):
            continue
        tight = tuple(i for (_, (i, _)), sg in zip(basis, signs, strict=True) if sg > 0)
        zero = tuple(mu for mu, sg in zip(mus, signs, strict=True) if sg == 0)
        if not zero:
            return _ChamberCone(chamber, tight, ())
        best = best or _ChamberCone(chamber, tight, zero)
    return best


def _dead_unit_test(ctx: _Context, e: list[Poly], u: int) -> LocalVerdict | None:
    lam2 = ctx.lam**2
    equal = False
    dim = len(ctx.xt[0])
    for chamber in ctx.arrangement.chambers:
        g = [sum((e[i] * ctx.xt[i][k] for i in chamber.active), ctx.R(0)) for k in range(dim)]
        for face in ctx.arrangement.closure_faces(chamber):
            if face.dim == 0:
                continue
            Pm = linalg.projection(face.basis)
            proj = [_vec_dot([algebra.to_qq(v) for v in Pm[k]], g) for k in range(dim)]
            norm2 = _vec_dot(proj, g)
            for sgn in (1, -1):
                inside = all(
                    ctx.point.sign(sgn * s * _vec_dot(ctx.xt[i], proj)) >= 0
                    for i, s in enumerate(face.signs)
                    if s != 0
                )
                if not inside:
                    continue
                cmp = ctx.point.sign(norm2 - lam2)
                if cmp > 0:
                    return LocalVerdict(
                        False,
                        DecidedBy.DEAD_UNIT,
                        f"unit {u} (theta = 0): max |e . ReLU(Xt u)| / |u| > lambda on face "
                        f"{face.label()}: second-order descent",
                    )
                equal = equal or cmp == 0
    if equal:
        return LocalVerdict(
            None,
            DecidedBy.DEAD_UNIT,
            f"unit {u} (theta = 0): max |e . ReLU(Xt u)| / |u| = lambda exactly",
            Reason.DEAD_UNIT_AT_LAMBDA,
        )
    return None


def _loss_hessian(ctx: _Context) -> tuple[list[list[Poly]], int, int]:
    """Hess l_F in (a, t) of the live units at the point's ring, its size N and the
    dimension k of the sampled component (0 for an isolated point)."""
    system = ctx.system
    comp = ctx.cand.component
    k = comp.dimension if comp is not None else 0
    variables = [*system.all_a_vars, *system.all_t_vars]
    hess = [
        [ctx.lift(system.loss.derivative(v).derivative(w)) for w in variables] for v in variables
    ]
    return hess, len(variables), k


def _second_order_test(ctx: _Context) -> LocalVerdict:
    if not ctx.system.live:
        return LocalVerdict(
            True, DecidedBy.DEAD_UNITS, "psi = 0 and every dead-unit test is strict"
        )
    hess, N, k = _loss_hessian(ctx)
    coeffs: dict[int | str, list[Any]] = {}
    for j in range(1, N - k + 1):
        s = _coefficient_sign(ctx.point, hess, coeffs, j)
        if s < 0:
            return LocalVerdict(
                False, DecidedBy.SECOND_ORDER, "the Hessian on span(F) has a negative eigenvalue"
            )
        if s == 0:
            for jj in range(j + 1, N + 1):
                if _coefficient_sign(ctx.point, hess, coeffs, jj) < 0:
                    return LocalVerdict(
                        False,
                        DecidedBy.SECOND_ORDER,
                        "the Hessian on span(F) has a negative eigenvalue",
                    )
            return LocalVerdict(
                None,
                DecidedBy.SECOND_ORDER,
                f"the Hessian on span(F) is singular beyond the component dimension {k}",
                Reason.SINGULAR_BEYOND_COMPONENT,
            )
    if k == 0:
        return LocalVerdict(
            True, DecidedBy.SECOND_ORDER, "the Hessian on span(F) is positive definite"
        )
    # Morse-Bott needs the kernel to be exactly the component's tangent space: with
    # e_1..e_{N-k} > 0, the charpoly is x^k times a polynomial with positive coefficients
    # only when e_{N-k+1} = ... = e_N = 0 (at a singular sample the kernel can be smaller).
    # At a smooth point of the component they are 0 (:func:`_smooth_on_component`), which
    # spares their exact computation (minutes for three units).
    if _smooth_on_component(ctx):
        tail = [0] * k
    else:
        tail = [_coefficient_sign(ctx.point, hess, coeffs, j) for j in range(N - k + 1, N + 1)]
    if any(s < 0 for s in tail):
        return LocalVerdict(
            False, DecidedBy.SECOND_ORDER, "the Hessian on span(F) has a negative eigenvalue"
        )
    if any(s > 0 for s in tail):
        return LocalVerdict(
            None, DecidedBy.MORSE_BOTT, f"{SMALLER_KERNEL} {k}", Reason.SMALLER_KERNEL
        )
    return LocalVerdict(
        True,
        DecidedBy.MORSE_BOTT,
        f"the Hessian on span(F) is positive semidefinite with kernel of dimension {k}, "
        "the dimension of the component",
    )


def _smooth_on_component(ctx: _Context) -> bool:
    """Whether the sample is certified a smooth point of its component's variety V(P).

    With c the codimension of the prime P in the t-variables, the Jacobian of P has rank
    <= c at every point of V(P), with equality exactly at its smooth points; a c x c minor
    whose interval at the point excludes 0 proves rank c. Near a smooth real point, V(P)
    is a k-manifold of critical points of l_F (lifted by a = a_hat(t), a graph), so Hess
    l_F vanishes on its k-dimensional tangent space: the kernel has dimension >= k, i.e.
    e_{N-k+1} = ... = e_N = 0, exactly. False means only "not certified": the caller then
    decides those coefficients exactly.
    """
    comp = ctx.cand.component
    assert comp is not None  # called for samples of a component (k > 0) only
    Rt, _, from_t = t_ring_map(ctx.system)
    variables = Rt.gens()
    c = len(variables) - comp.dimension
    if c == 0:
        return True
    jac = [
        [ctx.point.evaluate(ctx.lift(from_t(g.derivative(v)))) for v in variables]
        for g in comp.prime
    ]
    return _interval_rank_at_least(jac, c)


def _interval_rank_at_least(rows: list[list[Any]], c: int) -> bool:
    """Whether every real matrix in the interval matrix ``rows`` has rank >= c.

    Gaussian elimination in interval arithmetic with full pivoting on the entry of largest
    magnitude: each step's intervals enclose the true eliminated entries, so c pivots whose
    intervals exclude 0 are c nonzero pivots of the true elimination with the same choice.

    Examples
    --------
    >>> F = algebra.interval_field(64)
    >>> _interval_rank_at_least([[F(1), F(2)], [F(2), F(4)]], 2)   # singular
    False
    >>> _interval_rank_at_least([[F(1), F(2)], [F(2), F(5)]], 2)
    True
    """
    m = [list(r) for r in rows]
    for _ in range(c):
        best = None
        for i, row in enumerate(m):
            for j, v in enumerate(row):
                if not v.contains_zero() and (best is None or v.abs().lower() > best[0]):
                    best = (v.abs().lower(), i, j)
        if best is None:
            return False
        _, i, j = best
        pivot = m.pop(i)
        m = [[v - row[j] / pivot[j] * w for v, w in zip(row, pivot, strict=True)] for row in m]
        m = [[v for k, v in enumerate(row) if k != j] for row in m]
    return True


def hessian_index(point: RealPoint, hess: list[list[Poly]], k: int) -> int | None:
    """Number of negative eigenvalues of a symmetric Hess(p) whose kernel has dimension
    exactly k, or None if it has another dimension; decided exactly.

    With det(x I + H) = sum_j e_j x^{N-j} = x^k q(x), the positive roots of q are the
    negative eigenvalues. q is real-rooted (H is symmetric), so Descartes' rule of signs
    is exact: their number is the number of sign changes of e_0, ..., e_{N-k} (zeros
    skipped), provided e_{N-k} = q(0) != 0, i.e. the kernel has dimension exactly k.
    By Haynsworth's inertia additivity (Hess_aa positive definite) this is also the index
    of Hess g_F on span(F).

    Examples
    --------
    >>> from reluscape.exact import algebra
    >>> R = algebra.ring(["z"])
    >>> p = algebra.real_solutions([R("z^2 - 2")])[1]     # z = sqrt(2)
    >>> hessian_index(p, [[R(1), R("z")], [R("z"), R(1)]], 0)   # eigenvalues 1 -+ sqrt(2)
    1
    >>> hessian_index(p, [[R(-1), R(0)], [R(0), R("z^2 - 2")]], 0) is None   # singular
    True
    >>> hessian_index(p, [[R(-1), R(0)], [R(0), R("z^2 - 2")]], 1)
    1
    >>> hessian_index(p, [[R(1), R("z")], [R("z"), R(1)]], 1) is None   # no kernel
    True
    """
    N = len(hess)
    coeffs: dict[int | str, list[Any]] = {}
    signs = [_coefficient_sign(point, hess, coeffs, j) for j in range(1, N - k + 1)]
    if signs and signs[-1] == 0:
        return None
    # The kernel's dimension is checked, not assumed: e_{N-k+1} = ... = e_N = 0.
    if any(_coefficient_sign(point, hess, coeffs, j) for j in range(N - k + 1, N + 1)):
        return None
    nonzero = [1, *(s for s in signs if s)]
    return sum(1 for a, b in itertools.pairwise(nonzero) if a != b)


def _coefficient_sign(
    point: RealPoint, hess: list[list[Poly]], cache: dict[int | str, list[Any]], j: int
) -> int:
    """Exact sign of e_j(p), the j-th coefficient of det(x I + Hess(p))."""
    for prec in (point.precision, 4 * point.precision):
        if prec not in cache:
            cache[prec] = _leverrier(
                [[point.evaluate(h, precision=prec) for h in row] for row in hess]
            )
        v = cache[prec][j]
        if v > 0:
            return 1
        if v < 0:
            return -1
    if "exact" not in cache:
        H = algebra.matrix_over(point.ring, hess)
        cp = H.charpoly()
        N = H.nrows()
        # det(xI + H) = (-1)^N charpoly(-x): coefficient of x^{N-j} is (-1)^j c_{N-j}.
        cache["exact"] = [(-1) ** jj * cp[N - jj] for jj in range(N + 1)]
    return point.sign(point.ring(cache["exact"][j]))


def _leverrier(H: list[list[Any]]) -> list[Any]:
    """Coefficients e_0..e_N of det(x I + H) by the Faddeev-LeVerrier recursion."""
    N = len(H)
    field_ = H[0][0].parent()
    ident = [[field_(1 if i == j else 0) for j in range(N)] for i in range(N)]
    M = [[field_(0)] * N for _ in range(N)]
    c = [field_(1)]
    for step in range(1, N + 1):
        M = [
            [
                sum((H[i][m] * M[m][j] for m in range(N)), field_(0)) + c[-1] * ident[i][j]
                for j in range(N)
            ]
            for i in range(N)
        ]
        HM = [
            [sum((H[i][m] * M[m][j] for m in range(N)), field_(0)) for j in range(N)]
            for i in range(N)
        ]
        c.append(-sum((HM[i][i] for i in range(N)), field_(0)) / step)
    # c are the coefficients of det(x I - H); e_j = (-1)^j c_j.
    return [(-1) ** j * cj for j, cj in enumerate(c)]


def _critical_cone_test(ctx: _Context, second: LocalVerdict) -> LocalVerdict:
    """Test 4: the second-order form on the critical cone of every product chamber.

    ``second`` is the (positive) verdict of test 3 on span(F). Units whose cones are all
    span(F_l) contribute one chamber (the Hessian on span(F_l) does not depend on it:
    v . xt_i = 0 there for every i in Z); units with a zero multiplier contribute each
    chamber where it occurs.
    """
    live = list(ctx.system.live)
    options: list[list[_ChamberCone | None]] = []
    for u in live:
        cones = ctx.cones.get(u)
        if not cones:
            options.append([None])
        else:
            options.append([c for c in cones if c.zero_multipliers] or [cones[0]])
    comp = ctx.cand.component
    k = comp.dimension if comp is not None else 0
    for combo in itertools.product(*options):
        chosen = dict(zip(live, combo, strict=True))
        verdict = _cone_combination(ctx, chosen, k)
        if verdict is not None:
            return verdict
    if k > 0:
        zeros = [mu for cones in ctx.cones.values() for c in cones for mu in c.zero_multipliers]
        if not all(_vanishes_on_component(ctx, mu) for mu in zeros):
            return LocalVerdict(
                None,
                DecidedBy.MORSE_BOTT,
                "a zero multiplier does not vanish identically on the component: whether "
                "it keeps its sign along the component is not decided",
                Reason.MULTIPLIER_ALONG_COMPONENT,
            )
    where = ", ".join(
        f"unit {u} into {c.chamber.label()}"
        for u, cones in sorted(ctx.cones.items())
        for c in cones
        if c.zero_multipliers
    )
    return LocalVerdict(
        True,
        second.decided_by,
        f"{second.detail}; a zero multiplier ({where}): the Hessian is positive on the "
        "critical cone minus the component's tangent space",
    )


def _chamber_hessian(ctx: _Context, chosen: dict[int, _ChamberCone | None]) -> Any:
    """S' = D H_tt - H_ta adj(H_aa) H_at at the point, D = det H_aa > 0.

    H is the Hessian of the chamber's polynomial loss
    l_C(a, psi) = 1/2 sum_i (yt_i - sum_l a_l [i in A_{C,l}] theta_l . xt_i)^2
    + lambda/2 sum_l (a_l^2 + |theta_l|^2) in (a_l, theta_l) of the live units, so S' is
    D times the Hessian of g_C = min_a l_C (the Schur complement), in full theta
    coordinates (d + 1 per live unit).
    """
    system = ctx.system
    live = list(ctx.system.live)
    width = len(ctx.xt[0])
    a_names = [f"a{u}" for u in live]
    h_names = [f"h{u}_{j}" for u in live for j in range(width)]
    Rh = algebra.ring([*a_names, *h_names])
    active = {
        u: set((c.chamber if (c := chosen[u]) is not None else system.faces[u]).active)
        for u in live
    }
    loss = Rh(0)
    for i, yt in enumerate(ctx.problem.yt):
        pred = sum(
            (
                Rh(f"a{u}") * sum((x * Rh(f"h{u}_{j}") for j, x in enumerate(ctx.xt[i])), Rh(0))
                for u in live
                if i in active[u]
            ),
            Rh(0),
        )
        loss += (algebra.to_qq(yt) - pred) ** 2
    loss = loss / 2 + ctx.lam * sum((v**2 for v in Rh.gens()), Rh(0)) / 2
    images = [ctx.lift(system.a_var(u)) for u in live] + [
        ctx.lift(system.theta[u][j]) for u in live for j in range(width)
    ]
    at_point = Rh.hom(images, ctx.R)
    names = list(Rh.gens())
    hess = algebra.matrix_over(
        ctx.R, [[at_point(loss.derivative(v).derivative(w)) for w in names] for v in names]
    )
    na = len(a_names)
    H_aa = hess.submatrix(0, 0, na, na)
    H_at = hess.submatrix(0, na, na, hess.ncols() - na)
    H_tt = hess.submatrix(na, na)
    return H_aa.det() * H_tt - H_at.transpose() * H_aa.adjugate() * H_at


def _cone_generators(
    ctx: _Context, chosen: dict[int, _ChamberCone | None]
) -> tuple[list[list[Any]], list[list[Any]]]:
    """Lineality (span(F_l) bases) and rays of K = prod_l K_{l,C_l}, in full theta
    coordinates of the live units; exact over Q (:func:`algebra.cone_rays`)."""
    live = list(ctx.system.live)
    width = len(ctx.xt[0])
    lineality = [list(b) for b in ctx.arrangement.lineality]
    lines: list[list[Any]] = []
    rays: list[list[Any]] = []

    def place(pos: int, vec: list[Fraction]) -> list[Any]:
        out = [algebra.to_qq(0)] * (width * len(live))
        out[pos * width : (pos + 1) * width] = [algebra.to_qq(v) for v in vec]
        return out

    for pos, u in enumerate(live):
        face = ctx.system.faces[u]
        lines += [place(pos, list(b)) for b in face.basis]
        cone = chosen[u]
        if cone is None or not cone.zero_multipliers:
            continue
        eqns = [[0, *ctx.xt[i]] for i in cone.tight] + [
            [0, *(algebra.to_qq(v) for v in b)] for b in lineality
        ]
        ieqs = [[0, *(cone.chamber.signs[i] * x for x in ctx.xt[i])] for i in face.zeros]
        rays += [place(pos, list(r)) for r in algebra.cone_rays(eqns, ieqs)]
    return lines, rays


def _cone_combination(
    ctx: _Context, chosen: dict[int, _ChamberCone | None], k: int
) -> LocalVerdict | None:
    """Test 4 for one product chamber: None if q > 0 on its critical cone minus the
    component's tangent space, else a refutation or an undecided verdict."""
    lines, rays = _cone_generators(ctx, chosen)
    if not rays:
        return None
    S = _chamber_hessian(ctx, chosen)
    Lm = algebra.matrix_over(ctx.R, lines).transpose()
    Rm = algebra.matrix_over(ctx.R, rays).transpose()
    Q_LL = Lm.transpose() * S * Lm
    Q_LR = Lm.transpose() * S * Rm
    Q_RR = Rm.transpose() * S * Rm
    chambers = " x ".join(
        (c.chamber if c is not None else ctx.system.faces[u]).label() for u, c in chosen.items()
    )
    # A complement J of the kernel (the component's tangent, dimension k) inside Lin:
    # a principal submatrix of Q_LL of size rank that is positive definite.
    size = Q_LL.nrows() - k
    J = next(
        (
            list(J)
            for J in itertools.combinations(range(Q_LL.nrows()), size)
            if ctx.point.sign(Q_LL.matrix_from_rows_and_columns(list(J), list(J)).det()) > 0
        ),
        None,
    )
    if J is None:
        return LocalVerdict(
            None,
            DecidedBy.SECOND_ORDER,
            f"the Hessian on span(F) has no definite part of rank {size}",
            Reason.NO_DEFINITE_PART,
        )
    Q_JJ = Q_LL.matrix_from_rows_and_columns(J, J)
    Q_JR = Q_LR.matrix_from_rows(J)
    det_J = Q_JJ.det()
    adj_J = Q_JJ.adjugate()
    if k > 0:
        # Columns of Q_LR must lie in range(Q_LL) = range(Q_LJ): otherwise a tangent
        # vector kappa has kappa^T S r != 0 and q(s kappa + r) < 0 for some s.
        residual = det_J * Q_LR - Q_LL.matrix_from_columns(J) * adj_J * Q_JR
        if any(ctx.point.sign(v) != 0 for v in residual.list()):
            return LocalVerdict(
                False,
                DecidedBy.SECOND_ORDER,
                f"in chamber {chambers} the component's tangent couples with a direction of "
                "the critical cone: second-order descent",
            )
    M = det_J * Q_RR - Q_JR.transpose() * adj_J * Q_JR
    status = copositivity(ctx.point, M)
    if status < 0:
        return LocalVerdict(
            False,
            DecidedBy.SECOND_ORDER,
            f"the Hessian is negative on a direction of the critical cone into chamber "
            f"{chambers}: second-order descent",
        )
    if status == 0:
        return LocalVerdict(
            None,
            DecidedBy.SECOND_ORDER,
            f"the Hessian vanishes on a direction of the critical cone into chamber {chambers}",
            Reason.FORM_VANISHES_ON_CONE,
        )
    return None


def copositivity(point: RealPoint, M: Any) -> int:
    """Sign of min { lam^T M lam : lam >= 0, sum lam = 1 } for a symmetric matrix M whose
    entries are polynomials evaluated at the point: -1, 0 or +1 (strictly copositive).

    A minimiser with the smallest support J satisfies the KKT system

        M_JJ lam_J = mu 1,   1^T lam_J = 1,   lam_J > 0,

    whose matrix N_J = [[M_JJ, -1], [1^T, 0]] is nonsingular (a kernel vector (delta, eps)
    has delta != 0, 1^T delta = 0 and q constant along lam + s delta, which reaches a
    smaller support), and the minimum is mu = lam^T M lam. So the minimum is the least mu
    over the supports J with det N_J != 0 and every lam_j > 0, all by Cramer's rule and
    exact signs.

    Examples
    --------
    >>> from reluscape.exact import algebra
    >>> R = algebra.ring(["z"])
    >>> p = algebra.real_solutions([R("z^2 - 2")])[1]     # z = sqrt(2)
    >>> M = algebra.matrix_over(R, [[1, R("-z")], [R("-z"), 2]])    # (1, -z; -z, 2) >= 0
    >>> copositivity(p, M)
    0
    >>> copositivity(p, algebra.matrix_over(R, [[1, -1], [-1, 2]]))
    1
    >>> copositivity(p, algebra.matrix_over(R, [[1, 2], [2, -1]]))
    -1
    """
    R = M.base_ring()
    m = M.nrows()
    worst = 1
    for size in range(1, m + 1):
        for J in itertools.combinations(range(m), size):
            block = M.matrix_from_rows_and_columns(list(J), list(J))
            # N_J = [[M_JJ, -1], [1^T, 0]]
            N = algebra.matrix_over(
                R, [*([*block.row(j), -1] for j in range(size)), [*([1] * size), 0]]
            )
            s_det = point.sign(N.det())
            if s_det == 0:
                continue
            if all(_cramer_sign(point, N, j) * s_det > 0 for j in range(size)):
                worst = min(worst, _cramer_sign(point, N, size) * s_det)
                if worst < 0:
                    return -1
    return worst


def _cramer_sign(point: RealPoint, N: Any, col: int) -> int:
    """Sign of det N_col, N with column ``col`` replaced by the last unit vector (the
    right-hand side (0, ..., 0, 1) of the KKT system): x_col = det N_col / det N."""
    Nc = N.__copy__()
    last = N.nrows() - 1
    for row in range(N.nrows()):
        Nc[row, col] = 1 if row == last else 0
    return point.sign(Nc.det())


def _vanishes_on_component(ctx: _Context, mu: Poly) -> bool:
    """Whether mu(a, t) vanishes on the whole component: mu in <P(t), M(t) a - b(t)> : D^oo.

    P is the component's prime in t; on it a = a_hat(t) wherever D = det M != 0 (every
    real point), so that saturated ideal is the ideal of the component lifted to (a, t).
    """
    system = ctx.system
    comp = ctx.cand.component
    assert comp is not None  # called for samples of a component (k > 0) only
    _, _, from_t = t_ring_map(system)
    gens = [from_t(g) for g in comp.prime]
    lifted = algebra.saturate([*gens, *system.a_equations], [system.gram_det])
    return algebra.contains(lifted, mu)

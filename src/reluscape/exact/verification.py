"""Merge, part 1: decide exactly whether a candidate is a local minimum of r.

A point p in relint(F) is a local minimum of r iff, for every chamber C whose closure
contains F, p is a local minimum of the chamber surrogate g_C on cl(C) (METHOD.md
section 5). With e = yt - Omega(p) a_hat(p) the residual at p and A_{C,l} the active set
of unit l in C, the envelope theorem gives the theta_l-gradient

    G_{l,C} = lambda theta_l - a_l sum_{i in A_{C,l}} e_i xt_i.

Tests, each decided by exact signs at the certified point (:meth:`RealPoint.sign`):

1. *First order (boundary faces).* For a live unit on a face with zero set Z, and every
   adjacent chamber C, G_{l,C} must lie in the dual of the tangent cone
   {v : sigma^C_i v . xt_i >= 0, i in Z}, i.e. G = sum_{i in B} mu_i sigma^C_i xt_i with
   mu >= 0 for some basis B of the rows of Z (Farkas and Caratheodory). Some mu < 0 in
   every basis: descent into C, not a minimum. All mu > 0 in some basis: strict, and the
   critical cone is span(F).
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

Anything else (a zero multiplier, a dead-unit maximum equal to lambda, a Hessian with a
larger kernel) is reported as undecided with the reason; it is never guessed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from reluscape.exact import algebra
from reluscape.exact.algebra import RealPoint
from reluscape.exact.arrangement import Arrangement, UnitFace, kernel_basis
from reluscape.exact.enumeration import Candidate

Poly = Any


@dataclass(frozen=True)
class Verdict:
    """Whether a candidate is a local minimum, and which test decided it."""

    is_minimum: bool | None
    decided_by: str
    detail: str = ""


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

    def lift(self, f: Poly) -> Poly:
        return self.R(f) if self.embed is None else self.embed(f)

    def residual(self) -> list[Poly]:
        """e_i = yt_i - sum_l a_l [i in A_l] theta_l . xt_i at the point."""
        out = []
        for i, yt in enumerate(self.problem.yt):
            pred = self.R(0)
            for u in self.system.live:
                if self.system.faces[u].signs[i] > 0:
                    pred += self.lift(self.system.a_var(u) * self.system.preactivation(u, i))
            out.append(algebra.to_qq(yt) - pred)
        return out


def verify_candidate(cand: Candidate, arrangement: Arrangement) -> Verdict:
    """Decide whether a candidate critical point is a local minimum of r (see module doc)."""
    ctx = _Context(cand, arrangement)
    e = ctx.residual()
    for u, face in enumerate(cand.system.faces):
        if face.dim == 0:
            verdict = _dead_unit_test(ctx, e, u)
        elif face.zeros:
            verdict = _first_order_test(ctx, e, u, face)
        else:
            continue
        if verdict is not None:
            return verdict
    return _second_order_test(ctx)


def _vec_dot(u: list, v: list) -> Any:
    return sum((a * b for a, b in zip(u, v, strict=True)), 0)


def _first_order_test(ctx: _Context, e: list[Poly], u: int, face: UnitFace) -> Verdict | None:
    system = ctx.system
    theta = [ctx.lift(th) for th in system.theta[u]]
    a_u = ctx.lift(system.a_var(u))
    real_face = ctx.arrangement.face_of(face.signs)
    chambers = ctx.arrangement.adjacent_chambers(real_face) if real_face else ()
    zero_rows = list(dict.fromkeys(tuple(ctx.xt[i]) for i in face.zeros))
    rank = len(ctx.xt[0]) - len(kernel_basis([_frac(r) for r in zero_rows], len(ctx.xt[0])))
    degenerate = False
    for chamber in chambers:
        grad = [ctx.lam * th for th in theta]
        for i in chamber.active:
            for k in range(len(grad)):
                grad[k] -= a_u * e[i] * ctx.xt[i][k]
        status = _cone_membership(ctx.point, grad, face, chamber, ctx.xt, rank)
        if status == "outside":
            return Verdict(
                False,
                "first order",
                f"unit {u}: the gradient has a descent direction into chamber {chamber.label()}",
            )
        degenerate = degenerate or status == "degenerate"
    if degenerate:
        return Verdict(
            None,
            "first order",
            f"unit {u}: a zero Lagrange multiplier (degenerate first-order condition)",
        )
    return None


def _frac(row: tuple) -> tuple[Fraction, ...]:
    return tuple(algebra.from_qq(v) for v in row)


def _cone_membership(
    point: RealPoint,
    grad: list[Poly],
    face: UnitFace,
    chamber: UnitFace,
    xt: list[list[Any]],
    rank: int,
) -> str:
    """'strict', 'degenerate' or 'outside': is grad in cone{sigma^C_i xt_i : i in Z}?"""
    rows: dict[tuple, int] = {}
    for i in face.zeros:
        rows.setdefault(tuple(xt[i]), chamber.signs[i])
    items = list(rows.items())
    best = "outside"
    from sage.all__sagemath_singular import QQ, matrix

    for basis in itertools.combinations(items, rank):
        M = matrix(QQ, [list(r) for r, _ in basis])
        if M.rank() < rank:
            continue
        # grad lies in the row space of Z (it is orthogonal to span F), so the
        # coefficients solve the normal equations exactly.
        gram_inv = (M * M.transpose()).inverse()
        proj = [_vec_dot(list(M.row(j)), grad) for j in range(rank)]
        mus = [sigma * _vec_dot(list(gram_inv.row(j)), proj) for j, (_, sigma) in enumerate(basis)]
        signs = [point.sign(mu) for mu in mus]
        if all(s > 0 for s in signs):
            return "strict"
        if all(s >= 0 for s in signs):
            best = "degenerate"
    return best


def _dead_unit_test(ctx: _Context, e: list[Poly], u: int) -> Verdict | None:
    lam2 = ctx.lam**2
    equal = False
    dim = len(ctx.xt[0])
    for chamber in ctx.arrangement.chambers:
        g = [sum((e[i] * ctx.xt[i][k] for i in chamber.active), ctx.R(0)) for k in range(dim)]
        for face in ctx.arrangement.closure_faces(chamber):
            if face.dim == 0:
                continue
            K = [[algebra.to_qq(v) for v in b] for b in face.basis]
            from sage.all__sagemath_singular import QQ, matrix

            Km = matrix(QQ, K)
            Pm = Km.transpose() * (Km * Km.transpose()).inverse() * Km
            proj = [_vec_dot(list(Pm.row(k)), g) for k in range(dim)]
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
                    return Verdict(
                        False,
                        "dead unit",
                        f"unit {u} (theta = 0): max |e . ReLU(Xt u)| / |u| > lambda on face "
                        f"{face.label()}: second-order descent",
                    )
                equal = equal or cmp == 0
    if equal:
        return Verdict(
            None,
            "dead unit",
            f"unit {u} (theta = 0): max |e . ReLU(Xt u)| / |u| = lambda exactly",
        )
    return None


def _second_order_test(ctx: _Context) -> Verdict:
    system = ctx.system
    comp = ctx.cand.component
    k = comp.dimension if comp is not None else 0
    if not system.live:
        return Verdict(True, "dead units", "psi = 0 and every dead-unit test is strict")
    variables = [*system.all_a_vars, *system.all_t_vars]
    hess = [
        [ctx.lift(system.loss.derivative(v).derivative(w)) for w in variables] for v in variables
    ]
    N = len(variables)
    coeffs: dict = {}
    for j in range(1, N - k + 1):
        s = _coefficient_sign(ctx.point, hess, coeffs, j)
        if s < 0:
            return Verdict(
                False, "second order", "the Hessian on span(F) has a negative eigenvalue"
            )
        if s == 0:
            for jj in range(j + 1, N + 1):
                if _coefficient_sign(ctx.point, hess, coeffs, jj) < 0:
                    return Verdict(
                        False, "second order", "the Hessian on span(F) has a negative eigenvalue"
                    )
            return Verdict(
                None,
                "second order",
                f"the Hessian on span(F) is singular beyond the component dimension {k}",
            )
    if k == 0:
        return Verdict(True, "second order", "the Hessian on span(F) is positive definite")
    return Verdict(
        True,
        "Morse-Bott",
        f"the Hessian on span(F) is positive semidefinite with kernel of dimension {k}, "
        "the dimension of the component",
    )


def _coefficient_sign(
    point: RealPoint, hess: list[list[Poly]], cache: dict[int, list], j: int
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
        from sage.all__sagemath_singular import matrix

        H = matrix(point.ring, hess)
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

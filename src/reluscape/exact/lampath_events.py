"""Exact event values of the branches of one face (docs/METHOD.md section 15).

On a product face F the effective-weight system E (docs/METHOD.md section 4b) is
polynomial in (w, rho, z) and linear in lambda. A branch of isolated critical points on F
continues, in relint(F) and as a minimum, while none of these vanishes at its point: the
Jacobian determinant of E in (w, rho, z) (a fold), a facet form of a unit (a wall), rho_l
(a unit dies), a live unit's multipliers in each adjacent chamber (a boundary unit stops
being a minimum, first-order test of section 5) and, for each dead unit, |P_G g_C|^2 -
lambda^2 (kappa reaches lambda, section 6.1). Eliminating the weights from E plus each
condition leaves a polynomial in lambda whose roots hold every value where a branch of F
changes (:func:`face_event_polynomials`).

A boundary unit's multipliers are those of section 5, test 1: at a critical point
G_{u,C} lies in span{xt_i : i in Z_u}, and the unit passes in chamber C iff G_{u,C} is in
cone{sigma^C_i xt_i : i in Z_u}, the union (Caratheodory) of the simplicial cones of the
bases B of that span chosen among the zero samples. Along a branch G_{u,C} moves
continuously, so membership changes only where G_{u,C} meets the boundary of the cone,
hence of some simplicial cone: where a coefficient mu_{B,i} (i in B) of G_{u,C} in the
basis B is 0 (:func:`_multipliers`).

A face is *covered* when these conditions are all there is: no condition holds
identically (a zero elimination ideal: a positive-dimensional critical set for every
lambda, or a multiplier that vanishes along a whole branch, e.g. one that is the zero
polynomial when G_{u,C} always lies on a face of the cone). psi = 0 is covered by
lambda_0. Two live units on one unit face have a positive-dimensional orbit of critical
points for every lambda (section 4 step 4); their face is covered by the merged face.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from fractions import Fraction
from typing import Any

from reluscape.data import Problem
from reluscape.exact import algebra
from reluscape.exact.arrangement import Arrangement, UnitFace
from reluscape.exact.lampath import origin_event, projection_matrix
from reluscape.exact.linalg import dot, inverse, rank
from reluscape.exact.surrogate import FaceSystem

Poly = Any


def face_event_polynomials(
    problem: Problem, arrangement: Arrangement, faces: tuple[UnitFace, ...]
) -> list[tuple[int, ...]] | None:
    """The distinct irreducible polynomials (integer coefficients, highest degree first,
    in lambda of the problem's convention) whose real roots hold every event of a branch
    of isolated minima on the face; None if the face is not covered (module docstring).

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> from reluscape.exact.arrangement import unit_arrangement
    >>> p = make_problem([[0], [1], [2]], [0, 1, 0], hidden=1, lam=1)
    >>> arr = unit_arrangement(p)
    >>> face_event_polynomials(p, arr, (arr.face_of((1, 0, -1)),))
    [(1, 0), (9, 0, -8), (18, 0, -1)]

    The last is lambda_0's (18 lambda^2 = 1): the branch of this face shrinks into
    psi = 0 there.
    """
    one = FaceSystem.build(replace(problem, lam=Fraction(1), convention="sum"), faces)
    if not one.live:
        # psi = 0 is stationary for every lambda and a minimum iff lambda >= lambda_0.
        origin = origin_event(problem)
        return [] if origin is None else [origin[0]]
    if one.unit_groups:
        # Units on one unit face: the critical set is the orbit of the splits of the
        # merged face's critical points, each with the merged point's loss and
        # first-order conditions (FaceSystem.merged, docs/METHOD.md sections 6.7, 15).
        return face_event_polynomials(problem, arrangement, _merged_faces(one))
    two = FaceSystem.build(replace(problem, lam=Fraction(2), convention="sum"), faces)
    R = one.effective_ring
    S = algebra.extended_ring(R, "lam")
    lam = S("lam")
    # E(lambda) = E(1) + (lambda - 1) (E(2) - E(1)): lambda enters E linearly.
    eqs = [
        S(e1) + (lam - 1) * (S(e2) - S(e1))
        for e1, e2 in zip(one.effective_equations, two.effective_equations, strict=True)
    ]
    weights = [S(v) for v in R.gens()]
    theta = {u: _theta(S, faces[u], u) for u in one.live}
    residual = _residual(problem, S, faces, theta)
    conditions = [algebra.jacobian_determinant(eqs, weights)]
    conditions += [S(f) for u in one.live for f in one.effective_unit_forms(u)]
    conditions += _multipliers(problem, arrangement, S, faces, theta, residual, lam)
    out: set[tuple[int, ...]] = set()
    for c in conditions:
        found = _in_lambda([*eqs, c], weights, lam)
        if found is None:
            return None
        out.update(found)
    for c in _dead_unit_maxima(problem, arrangement, S, faces, residual, lam):
        found = _in_lambda([*eqs, c], weights, lam)
        if found is None:
            # The term equals lambda on whole components (a live unit's own chamber:
            # |Pi_l g_l| = lambda at every critical point). kappa, the norm of g's
            # projection onto the cone, is continuous, so kappa <= lambda changes only
            # where a term crosses lambda: on those components never by this one; the
            # other components are what is left after saturating by it.
            found = _in_lambda([*algebra.saturate(eqs, [c]), c], weights, lam)
            if found is None:
                return None
        out.update(found)
    # A unit dies: rho_u -> 0 on the closure of the branch (z eliminated first, which
    # saturates E by the product of the rho).
    closure = algebra.eliminate(eqs, [S("z")])
    for u in one.live:
        found = _in_lambda([*closure, S(f"r{u}")], [w for w in weights if str(w) != "z"], lam)
        if found is None:
            return None
        out.update(found)
    n = problem.n if problem.convention == "mean" else 1
    return sorted({_scaled(f, n) for f in out}, key=lambda f: (len(f), f))


def _merged_faces(system: FaceSystem) -> tuple[UnitFace, ...]:
    """The unit faces of the face with one unit per unit group (FaceSystem.merged)."""
    return tuple(system.faces[u] for u in system.merged_units)


def _theta(S: Any, face: UnitFace, u: int) -> list[Poly]:
    """K_u w_u in S."""
    w = [S(f"w{u}_{j}") for j in range(face.dim)]
    return [sum((wj * algebra.to_qq(row[k]) for wj, row in zip(w, face.basis, strict=True)), S(0))
            for k in range(len(face.basis[0]))]  # fmt: skip


def _residual(
    problem: Problem, S: Any, faces: tuple[UnitFace, ...], theta: dict[int, list[Poly]]
) -> list[Poly]:
    """e_i = yt_i - sum_m [i in A_m] (K_m w_m) . xt_i, the residual in effective weights."""
    out = []
    for i, x in enumerate(problem.xt):
        e = S(algebra.to_qq(problem.yt[i]))
        for u, th in theta.items():
            if faces[u].signs[i] > 0:
                e -= sum((algebra.to_qq(v) * t for v, t in zip(x, th, strict=True)), S(0))
        out.append(e)
    return out


def _g(problem: Problem, S: Any, active: tuple[int, ...], residual: list[Poly]) -> list[Poly]:
    """g_C = sum_{i in A_C} e_i xt_i."""
    dim = len(problem.xt[0])
    return [sum((residual[i] * algebra.to_qq(problem.xt[i][k]) for i in active), S(0))
            for k in range(dim)]  # fmt: skip


def _multipliers(
    problem: Problem,
    arrangement: Arrangement,
    S: Any,
    faces: tuple[UnitFace, ...],
    theta: dict[int, list[Poly]],
    residual: list[Poly],
    lam: Poly,
) -> list[Poly]:
    """c_{B,i} . (lambda K_u w_u - rho_u g_C) = c_{B,i} . a_u G_{u,C} for each boundary
    unit u, adjacent chamber C and coefficient (B, i) of :func:`_basis_coefficients`, each
    polynomial once. At a critical point G_{u,C} lies in span{xt_j : j in Z_u}, where it
    is a nonzero multiple of a_u mu_{B,i}: zero exactly where the multiplier is (a_u != 0
    on the branch)."""
    out: dict[Poly, None] = {}
    for u, th in theta.items():
        face = faces[u]
        if not face.zeros:
            continue
        covectors = _basis_coefficients(problem, face)
        for chamber in arrangement.adjacent_chambers(face):
            g = _g(problem, S, chamber.active, residual)
            grad = [lam * t - S(f"r{u}") * gk for t, gk in zip(th, g, strict=True)]
            for c in covectors:
                out.setdefault(sum((v * algebra.to_qq(x) for v, x in zip(grad, c, strict=True)),
                                   S(0)))  # fmt: skip
    return list(out)


def _basis_coefficients(problem: Problem, face: UnitFace) -> list[tuple[Fraction, ...]]:
    """The vectors c_{B,i} with mu_{B,i} = c_{B,i} . G for G in span{xt_j : j in Z}, over
    the bases B of that span chosen among the zero samples' distinct xt_j and i in B:
    c_{B,i} = sum_{b in B} Gram(B)^-1_{i,b} xt_b (Cramer: det Gram(B) c_{B,i} =
    sum_b adj(Gram(B))_{i,b} xt_b), each once up to a nonzero factor (the first nonzero
    entry made 1).

    c_{B,i} is orthogonal to xt_b (b in B, b != i) within the span, so it is fixed up to
    scale by B minus i; for rank 1 it is xt_j up to a factor (G . xt_j).

    >>> from reluscape.data import make_problem
    >>> from reluscape.exact.arrangement import unit_arrangement
    >>> p = make_problem([[0, 0], [1, 0], [0, 1], [2, 1]], [0, 1, 1, 3], hidden=1, lam=1)
    >>> ray = next(f for f in unit_arrangement(p).faces if f.zeros == (0, 1))
    >>> [[str(v) for v in c] for c in _basis_coefficients(p, ray)]  # xt = (0, 0, 1), (1, 0, 1)
    [['1', '0', '-1'], ['1', '0', '0']]
    """
    rows = list(dict.fromkeys(tuple(problem.xt[i]) for i in face.zeros))
    size = rank(rows)
    out: dict[tuple[Fraction, ...], None] = {}
    for basis in itertools.combinations(rows, size):
        if rank(basis) < size:
            continue
        gram_inv = inverse([[dot(a, b) for b in basis] for a in basis])
        for coefficients in gram_inv:
            c = [sum((m * x[k] for m, x in zip(coefficients, basis, strict=True)), Fraction(0))
                 for k in range(len(rows[0]))]  # fmt: skip
            scale = next(v for v in c if v != 0)
            out.setdefault(tuple(v / scale for v in c))
    return list(out)


def _dead_unit_maxima(
    problem: Problem,
    arrangement: Arrangement,
    S: Any,
    faces: tuple[UnitFace, ...],
    residual: list[Poly],
    lam: Poly,
) -> list[Poly]:
    """|P_G g_C|^2 - lambda^2 for every chamber C and face G of cl(C): kappa, the largest
    of those with +-P_G g_C in cl(G), reaches lambda only where one of them does."""
    if all(f.dim > 0 for f in faces):
        return []
    out = []
    for chamber in arrangement.chambers:
        g = _g(problem, S, chamber.active, residual)
        for face in arrangement.closure_faces(chamber):
            if face.dim == 0:
                continue
            P = projection_matrix(face.basis)
            proj = [sum((algebra.to_qq(p) * gk for p, gk in zip(row, g, strict=True)), S(0))
                    for row in P]  # fmt: skip
            out.append(sum((v * gk for v, gk in zip(proj, g, strict=True)), S(0)) - lam**2)
    return out


MSOLVE_SECONDS = 10.0
"""msolve's time for one condition's eliminant before Singular's elimination decides."""


def _in_lambda(gens: list[Poly], weights: list[Poly], lam: Poly) -> list[tuple[int, ...]] | None:
    """The irreducible factors of the elimination ideal's generators in lambda (a superset
    of its roots); [] for the unit ideal, None for the zero ideal (the condition holds on
    a whole component: no finite set of values)."""
    # msolve's eliminant when the system is zero-dimensional (the usual case: a
    # condition cuts the face's curve of critical points in finitely many points), else
    # the elimination ideal (Singular), which also tells the zero ideal apart. Neither is
    # always faster: msolve is tens of times faster on most conditions (three-unit faces:
    # 10 s -> 0.25 s) but took minutes on a Jacobian condition Singular does in seconds.
    quick = algebra.eliminant(gens, lam, timeout=MSOLVE_SECONDS)
    found = [quick] if quick is not None else algebra.eliminate(gens, weights)
    if not found:
        return None
    out: list[tuple[int, ...]] = []
    for f in found:
        if f.is_constant():
            return []
        out += algebra.integer_factors(f, lam)
    return out


def _scaled(poly: tuple[int, ...], n: int) -> tuple[int, ...]:
    """p(n x) made primitive: a polynomial in lambda_sum as one in lambda = lambda_sum / n."""
    degree = len(poly) - 1
    coeffs = [c * n ** (degree - k) for k, c in enumerate(poly)]
    content = 0
    for c in coeffs:
        content = _gcd(content, c)
    return tuple(c // content for c in coeffs)


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return abs(a)


def face_loss_curve(problem: Problem, faces: tuple[UnitFace, ...]) -> Poly | None:
    """P(lam, ell) with P = 0 where ell is the loss (sum convention) of a critical point
    of the face at lam = lambda_sum: the weights eliminated from the effective system
    plus ell - (1/2 |yt|^2 - 1/2 |f|^2), the loss at a critical point (below). None when
    the face is not covered or the elimination ideal is not principal. In
    :func:`loss_ring`."""
    one = FaceSystem.build(replace(problem, lam=Fraction(1), convention="sum"), faces)
    if not one.live:  # psi = 0: the loss is 1/2 |yt|^2 for every lambda
        T = loss_ring()
        return T("ell") - algebra.to_qq(sum((v * v for v in problem.yt), Fraction(0)) / 2)
    if one.unit_groups:
        return face_loss_curve(problem, _merged_faces(one))
    two = FaceSystem.build(replace(problem, lam=Fraction(2), convention="sum"), faces)
    R = one.effective_ring
    S = algebra.extended_ring(algebra.extended_ring(R, "lam"), "ell")
    lam, ell = S("lam"), S("ell")
    eqs = [
        S(e1) + (lam - 1) * (S(e2) - S(e1))
        for e1, e2 in zip(one.effective_equations, two.effective_equations, strict=True)
    ]
    theta = {u: _theta(S, faces[u], u) for u in one.live}
    fit = [algebra.to_qq(y) - e for y, e in zip(problem.yt, _residual(problem, S, faces, theta),
                                                strict=True)]  # fmt: skip
    # At a critical point the loss is 1/2 |yt|^2 - 1/2 |f|^2 (f the prediction): scaling
    # every a_l gives lambda sum_l a_l^2 = e . f, so the penalty lambda sum_l rho_l is
    # e . f and 1/2 |e|^2 + e . f = 1/2 (|yt|^2 - |f|^2). f is linear in the effective
    # weights, lambda and rho do not enter: the elimination is 2-3 times faster.
    half = algebra.to_qq(sum((v * v for v in problem.yt), Fraction(0)) / 2)
    loss = half - sum((f * f for f in fit), S(0)) / 2
    found = algebra.eliminate([*eqs, ell - loss], [S(v) for v in R.gens()])
    if len(found) != 1:
        return None
    return loss_ring()(found[0])


def loss_ring() -> Any:
    """The ring Q[lam, ell] of :func:`face_loss_curve`."""
    return algebra.ring(["lam", "ell"])


def loss_crossings(problem: Problem, curves: list[Poly]) -> list[tuple[int, ...]]:
    """Irreducible polynomials in lambda (problem's convention) whose roots hold every
    value where the losses of two critical points on faces with these loss curves
    (:func:`face_loss_curve`) can be equal or a loss can leave every bound.

    The curves are split into their distinct irreducible factors f_k in Q[lam, ell] of
    positive degree in ell. Two points on different factors have equal losses only at
    roots of Res_ell(f_j, f_k) (nonzero: no common factor), two on one factor only at
    roots of its discriminant in ell (nonzero: f_k is squarefree), and a loss escapes
    only where the leading coefficient in ell vanishes. Losses of points on one
    factor that are equal for every lambda (mirror images) are one curve and tie.

    >>> T = loss_ring()
    >>> lam, ell = T("lam"), T("ell")
    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1]], [0, 1], hidden=1, lam=1)
    >>> loss_crossings(p, [ell - lam, ell - 1, ell - 1])
    [(1, -1)]
    """
    T = loss_ring()
    ell, lam = T("ell"), T("lam")
    factors = list(dict.fromkeys(f for c in curves for f in algebra.factors(c)))
    factors = [f for f in factors if f.degree(ell) > 0]
    found: list[Poly] = []
    for j, f in enumerate(factors):
        found.append(f.polynomial(ell).leading_coefficient())
        found.append(algebra.discriminant(f, ell))
        found += [algebra.resultant(f, g, ell) for g in factors[j + 1 :]]
    n = problem.n if problem.convention == "mean" else 1
    out = {
        _scaled(q, n)
        for p in found
        if not T(p).is_constant()
        for q in algebra.integer_factors(T(p), lam)
    }
    return sorted(out, key=lambda f: (len(f), f))

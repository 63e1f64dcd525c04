"""The census: every Clarke-critical point of r, classified exactly (docs/METHOD.md 11-13).

A point p in relint(F) where r is not differentiable has, in place of a gradient, the Clarke
subdifferential. r equals the smooth g_C on each closed chamber cl(C) meeting a small ball
around p (the chambers with F in cl(C)), so r is piecewise smooth and

    d_C r(p) = conv { grad g_C(p) : F in cl(C) }.

At p the residual e and a_hat are the same for every adjacent chamber (r is continuous), so
the theta_l-block of grad g_C(p) is G_{l,C_l} = lambda theta_l - a_l sum_{i in A_{C_l}} e_i xt_i
and depends on C only through the unit's own chamber C_l; the adjacent product chambers are
all products of unit chambers, and the hull of a product of sets is the product of hulls:

    0 in d_C r(p)   iff   for every unit l,   0 in conv { G_{l,C} : F_l in cl(C) }.

A unit inside a chamber has one gradient, 0 at a critical point of g_F; a dead unit
(theta_l = a_l = 0) has G = 0 in every chamber. So p is *Clarke-critical* iff it is a
critical point of g_F on span(F) (the projections of all G_{l,C} onto span(F_l) are the
gradient of g_F, so the enumeration's candidates contain every Clarke-critical point) and
every live unit on a boundary face passes :func:`zero_in_hull`. *d-stationary* (no
first-order descent, test 1 of :mod:`reluscape.exact.verification`) is the stronger
condition that every G_{l,C} lies in the dual of the tangent cone of its chamber.

The candidates that are Clarke-critical but not d-stationary are the *kinks*: a unit on a
wall whose adjacent chambers' gradients point away from the wall on both sides (a ridge of
r across the wall). They are where the mountain passes of r between minima lie (a
mountain-pass point of a locally Lipschitz function is Clarke-critical), and the census
keeps them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from reluscape.exact import algebra, linalg
from reluscape.exact.algebra import RealPoint
from reluscape.exact.arrangement import Arrangement, UnitFace
from reluscape.exact.enumeration import Candidate
from reluscape.exact.linalg import kernel_basis
from reluscape.exact.verdicts import DecidedBy, Kind
from reluscape.exact.verification import (
    _Context,
    _dead_unit_test,
    _first_order_test,
    _frac,
    _loss_hessian,
    _vec_dot,
    chamber_gradients,
    copositivity,
    hessian_index,
)

Poly = Any


@dataclass(frozen=True)
class Classification:
    """A census point's kind, its index and the test that decided it.

    For a minimum or saddle the index is the number of negative eigenvalues of Hess g_F on
    span(F); for a kink it is 1 when the local descent set has exactly two contractible
    components (a transition state, :func:`_kink`), ``descent_components`` says how many it
    has (None: not decided); None when degenerate. ``descents_cover``: every component of
    the local descent set holds one of the directions the landscape descends from (a kink
    with decided components; a dead-unit point by :func:`_dead_unit_point_covered`).
    """

    kind: Kind
    index: int | None
    decided_by: DecidedBy
    detail: str = ""
    descent_components: int | None = None
    descents_cover: bool = False


@dataclass(frozen=True)
class _Wall:
    """A live unit on a boundary face at the candidate: its adjacent chambers' gradients
    G_{l,C} (polynomials of the face system), whether test 1 holds in every chamber
    (``valley``, d-stationary for this unit) and with every multiplier > 0 (``strict``)."""

    unit: int
    face: UnitFace
    gradients: tuple[tuple[UnitFace, tuple[Poly, ...]], ...]
    valley: bool
    strict: bool


def zero_in_hull(point: RealPoint, vectors: list[list[Poly]]) -> bool:
    """Whether 0 lies in the convex hull of the vectors' values at the point, exactly.

    0 is in conv{y_1, ..., y_m} iff min { |sum_j w_j y_j|^2 : w >= 0, sum w = 1 } = 0, the
    minimum over the simplex of w^T M w with M the Gram matrix M_jk = y_j . y_k. M is
    positive semidefinite, so that minimum is >= 0, and :func:`copositivity` decides
    whether it is 0 by Cramer's rule and exact signs (no float, no tolerance).

    Examples
    --------
    >>> from reluscape.exact import algebra
    >>> R = algebra.ring(["z"])
    >>> p = algebra.real_solutions([R("z^2 - 2")])[1]     # z = sqrt(2)
    >>> zero_in_hull(p, [[R("z"), R(1)], [R("-z"), R(-1)]])     # +-(sqrt 2, 1)
    True
    >>> zero_in_hull(p, [[R("z"), R(1)], [R("-z"), R(0)]])
    False
    >>> zero_in_hull(p, [[R("z^2 - 2"), R(0)], [R(1), R(1)]])  # the first one is 0
    True
    """
    R = point.ring
    gram = algebra.matrix_over(R, [[R(_vec_dot(y, z)) for z in vectors] for y in vectors])
    return copositivity(point, gram) == 0


def _walls(ctx: _Context) -> list[_Wall]:
    """The live units on boundary faces, with test 1 run in each of their chambers."""
    out = []
    for u, face in enumerate(ctx.system.faces):
        if face.dim == 0 or not face.zeros:
            continue
        valley = _first_order_test(ctx, u, face) is None
        strict = valley and not any(c.zero_multipliers for c in ctx.cones[u])
        grads = chamber_gradients(ctx, u, face)
        lifted = tuple((c, tuple(ctx.lift(g) for g in grad)) for c, grad in grads)
        out.append(_Wall(u, face, lifted, valley, strict))
    return out


def _rate(ctx: _Context, wall: _Wall, v: list[Fraction]) -> int:
    """The exact sign of the first-order change of r when theta_l moves along v (a vector
    normal to the unit's face): G_{l,C} . v for a chamber C whose closure p + eps v enters
    (sigma^C_i v . xt_i >= 0 on the zero set; all such chambers agree on v, r being
    continuous)."""
    zs = {i: linalg.dot(_frac(ctx.xt[i]), v) for i in wall.face.zeros}
    for chamber, grad in wall.gradients:
        if all(chamber.signs[i] * z >= 0 for i, z in zs.items()):
            return ctx.point.sign(_vec_dot(list(grad), [ctx.R(algebra.to_qq(x)) for x in v]))
    raise algebra.Undecided(f"no chamber around face {wall.face.label()} holds a normal ray")


def _normal_components(ctx: _Context, wall: _Wall) -> int | None:
    """The number of components of a wall unit's first-order descent set on the unit
    sphere of its face's normal space N (span of the zero rows), exactly; None where it is
    not decided (a normal ray where the rate is 0, or dim N >= 3).

    On N the change of r is phi(v) = G_{l,C(v)} . v, linear on each cone of the fan the
    zero rows cut N into, and continuous. dim N = 1: the two normals +-xt_j, each its own
    component where phi < 0. dim N = 2: the fan's rays +-d_r (d_r in N orthogonal to row r)
    in circular order; a cone holds descent directions iff one of its two rays does (phi is
    linear on it), so the components are the maximal circular runs of rays with phi < 0
    (all of them: the whole circle, one component).
    """
    rows = list(dict.fromkeys(_frac(ctx.xt[i]) for i in wall.face.zeros))
    if len(rows) == 1:
        j = list(rows[0])
        signs = [_rate(ctx, wall, j), _rate(ctx, wall, [-x for x in j])]
        return None if 0 in signs else signs.count(-1)
    basis = _independent_pair(rows)
    if basis is None or len(kernel_basis(list(rows), len(rows[0]))) != len(rows[0]) - 2:
        return None
    m1, m2 = basis
    rays = []
    for r in rows:
        # N-coordinates of a vector of N orthogonal to r.
        c = (-linalg.dot(m2, r), linalg.dot(m1, r))
        for s in (1, -1):
            rays.append((s * c[0], s * c[1]))
    rays = sorted(set(rays), key=functools.cmp_to_key(_angle_order))
    signs = [
        _rate(ctx, wall, [c1 * x + c2 * y for x, y in zip(m1, m2, strict=True)])
        for c1, c2 in rays
    ]
    if 0 in signs:
        return None
    if all(sg < 0 for sg in signs):
        return 1
    # Runs of negative rays around the circle: count the starts (negative after non-negative).
    return sum(1 for k, sg in enumerate(signs) if sg < 0 and signs[k - 1] > 0)


def _independent_pair(
    rows: list[tuple[Fraction, ...]],
) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]] | None:
    """Two linearly independent rows, the first one and the first not proportional to it."""
    first = rows[0]
    for r in rows[1:]:
        if len(kernel_basis([first, r], len(first))) == len(first) - 2:
            return first, r
    return None


def _angle_order(u: tuple[Fraction, Fraction], v: tuple[Fraction, Fraction]) -> int:
    """Counter-clockwise order of plane vectors by angle in [0, 2 pi), exactly."""

    def half(w: tuple[Fraction, Fraction]) -> int:
        return 0 if w[1] > 0 or (w[1] == 0 and w[0] > 0) else 1

    if half(u) != half(v):
        return half(u) - half(v)
    cross = u[0] * v[1] - u[1] * v[0]
    return -1 if cross > 0 else (1 if cross < 0 else 0)


def _dead_unit_point_covered(ctx: _Context, walls: list[_Wall]) -> bool:
    """Whether every descent region of a d-stationary point with dead units holds one of
    the dead units' critical directions (docs/METHOD.md section 13).

    With every multiplier positive the live units' normal terms are first-order positive,
    and the second-order model near p is the dead units' forms (each decoupled,
    docs/METHOD.md 6.1) plus Hess g_F of the live units on span(F). When the latter is
    positive definite (or Morse-Bott along the component), a direction descends only where
    some dead unit's form is negative, and each such region holds a critical point of that
    form on the sphere's strata: one of the landscape's directions.
    """
    if not all(w.strict for w in walls):
        return False
    if not ctx.system.live:
        return True
    hess, _, k = _loss_hessian(ctx)
    return hessian_index(ctx.point, hess, k) == 0


def classify_stationary(cand: Candidate, arrangement: Arrangement) -> Classification | None:
    """The census verdict on a candidate: None if it is not Clarke-critical, else its kind.

    d-stationary candidates (test 1 in every adjacent chamber for every live unit on a
    boundary face; dead units always pass it) are classified as before: the index is the
    tangential one, decided by :func:`hessian_index`, where it is the stratified Morse index
    (every multiplier positive, no dead unit); otherwise "degenerate" with the reason
    (docs/METHOD.md section 12). Candidates with a first-order descent are kept as kinks
    when 0 is in the Clarke subdifferential (:func:`zero_in_hull` for each wall unit),
    and their index is decided by :func:`_kink`.
    """
    ctx = _Context(cand, arrangement)
    walls = _walls(ctx)
    dead = [u for u, face in enumerate(cand.system.faces) if face.dim == 0]
    ridges = [w for w in walls if not w.valley]
    if ridges:
        if not all(zero_in_hull(ctx.point, [list(g) for _, g in w.gradients]) for w in ridges):
            return None
        return _kink(ctx, walls, ridges, dead)
    if dead:
        covered = _dead_unit_point_covered(ctx, walls)
        return Classification(
            Kind.DEGENERATE,
            None,
            DecidedBy.DEAD_UNIT,
            f"unit(s) {dead} have theta = 0: the normal Morse data are not trivial"
            + (
                "; every multiplier is positive and the live units' Hessian on span(F) "
                "positive definite, so its descent regions are the dead units'"
                if covered
                else ""
            ),
            descents_cover=covered,
        )
    zero = [w.unit for w in walls if not w.strict]
    if zero:
        return Classification(
            Kind.DEGENERATE,
            None,
            DecidedBy.ZERO_MULTIPLIER,
            f"unit(s) {zero}: a Farkas multiplier is 0, the first-order test is not strict",
        )
    hess, _, k = _loss_hessian(ctx)
    index = hessian_index(ctx.point, hess, k)
    if index is None:
        return Classification(
            Kind.DEGENERATE,
            None,
            DecidedBy.SECOND_ORDER,
            f"the Hessian on span(F) is singular beyond the component dimension {k}",
        )
    test = DecidedBy.MORSE_BOTT if k > 0 else DecidedBy.SECOND_ORDER
    if index == 0:
        return Classification(Kind.MINIMUM, 0, test, "the Hessian on span(F) is positive definite")
    return Classification(
        Kind.SADDLE,
        index,
        test,
        f"{index} negative eigenvalue(s) of the Hessian on span(F) (kernel of dimension {k})",
    )


def _kink(
    ctx: _Context, walls: list[_Wall], ridges: list[_Wall], dead: list[int]
) -> Classification:
    """A Clarke-critical candidate with a first-order descent: a kink, with the number of
    components of its local descent set (2: a transition state, index 1).

    Near p, r(p + v) = r(p) + sum_l phi_l(v_l) + O(|v|^2), phi_l(v_l) = G_{l,C(v_l)} . v_l
    positively homogeneous and 0 along span(F_l). Suppose the components of every ridge
    unit's descent set on its normal sphere are decided (:func:`_normal_components`: no
    normal ray of rate 0, normal space of dimension 1 or 2), every other wall unit is
    strict (phi_l > 0 off span(F_l)), every dead unit
    has kappa != lambda (its form is definite, or has a descent when kappa > lambda), and
    Hess g_F on span(F) has index m with kernel the component's tangent (along which r is
    constant). With r ridges, the descent set on the unit sphere contains every direction
    with a ridge normal part, and:

    - r = 1, m = 0 and no dead unit with kappa > lambda: the set is
      {v : phi_ridge(v) + sum_others phi_l(v_l) < 0} (second order cannot descend where the
      strict terms are positive or along span(F)); it has as many components as the ridge's
      own descent set on its normal sphere (each component of that set, together with the
      directions whose ridge part lies in it, is one; for a facet the two sides of the wall,
      each star-shaped about its pole +-n). Two contractible components: index 1, the
      analogue of a smooth saddle whose unstable manifold has two branches;
    - otherwise (two ridges, a negative tangential eigenvalue, a dead unit going down): the
      two sides of one ridge are joined through the other descents (e.g. s n_1 + t n_2 or
      s n + t w with the tangential or dead-unit direction w descend for all s, t >= 0 not
      both 0), one component: the point joins no basins. Its index is r + m when no dead
      unit descends, and None otherwise.

    Any other configuration (a normal ray of rate 0, a zero multiplier, kappa = lambda, a
    Hessian singular beyond the component, a normal space of dimension >= 3) is reported
    undecided, with the reason.
    """
    units = [w.unit for w in ridges]
    where = "; ".join(f"unit {w.unit} on face {w.face.label()}" for w in ridges)
    kink = f"{where}: 0 is in the Clarke subdifferential, not d-stationary (unit(s) {units})"
    reason = None
    components = [_normal_components(ctx, w) for w in ridges]
    if any(c is None for c in components):
        reason = "a normal ray of first-order rate 0, or a normal space of dimension >= 3"
    elif not all(w.strict for w in walls if w.valley):
        reason = "a zero Farkas multiplier on another wall"
    descending = []
    if reason is None:
        e = [ctx.lift(v) for v in ctx.residual]
        for u in dead:
            verdict = _dead_unit_test(ctx, e, u)
            if verdict is not None and verdict.is_minimum is None:
                reason = f"dead unit {u} has kappa = lambda"
            elif verdict is not None:
                descending.append(u)
    if reason is None:
        hess, _, k = _loss_hessian(ctx)
        m = hessian_index(ctx.point, hess, k) if ctx.system.live else 0
        if m is None:
            reason = "the Hessian on span(F) is singular beyond the component"
        elif len(ridges) == 1 and m == 0 and not descending:
            count = components[0]
            assert count is not None
            what = {
                1: "one descent component: it joins no basins",
                2: "a transition state (two descent components)",
            }.get(count, f"{count} descent components: it joins as many basins")
            return Classification(
                Kind.KINK,
                1 if count == 2 else None,
                DecidedBy.CLARKE,
                f"{kink}; the ridge's descent set has {count} component(s) and there is "
                f"none along span(F): {what}",
                descent_components=count,
                descents_cover=True,
            )
        else:
            return Classification(
                Kind.KINK,
                None if descending else len(ridges) + m,
                DecidedBy.CLARKE,
                f"{kink}; {len(ridges)} ridge(s), {m} negative tangential eigenvalue(s), "
                f"dead unit(s) going down {descending}: one descent component, it joins no "
                "basins",
                descent_components=1,
                descents_cover=True,
            )
    undecided = f"{kink}; descent components not decided: {reason}"
    return Classification(Kind.KINK, None, DecidedBy.CLARKE, undecided)

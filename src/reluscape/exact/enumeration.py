"""Enumerate: every critical point of a face's surrogate in the face's relative interior.

For a product face F with polynomial system (see :mod:`reluscape.exact.surrogate`):

0. *Exclusion.* (a) Linear necessary conditions of a critical point (sign conditions on
   the effective weights and on the projected residual gradients) are proved infeasible by
   an exact Motzkin certificate (:mod:`reluscape.exact.exclusion`): no Groebner work at
   all, and most faces end here. (b) Otherwise msolve solves the quadratic
   effective-weight system (w_l = a_l t_l, rho_l = a_l^2), written in the directions
   v_l = w_l / rho_l (:attr:`FaceSystem.direction_equations`, no Rabinowitsch variable,
   whose height set msolve's cost). Its real solutions with every
   rho_l > 0 and s_l K_l w_l in relint(F_l) for a sign s_l are in bijection with the
   critical points of l_F in relint(F) up to the signs (a_l, t_l) -> (-a_l, -t_l); when
   there is none, F holds no candidate and the larger critical system of l_F is never
   solved. A face with
   groups of units on one unit face is tested through its merged system (one unit per
   group, step 4 and :attr:`FaceSystem.merged`), which is zero-dimensional where the
   face's own critical set is a union of orbits.
1. Without unit groups, each realizable effective-weight solution is lifted to its
   critical point (a_l = s_l sqrt(rho_l), t_l = w_l / a_l), a certified point of the
   critical system of l_F with z a_1 ... a_L = 1 (:func:`_critical_points`); that system,
   2^L times larger, is solved by msolve only when a lift cannot be certified. Each point
   in relint(F) is a candidate.
2. If the system is positive-dimensional, the a-variables are eliminated (a = a_hat(t)
   is determined by t wherever D = det(Omega^T Omega + lambda I) != 0, which holds at
   every real point), and the
   critical set in t-space is decomposed into minimal primes P. Zero-dimensional primes
   give isolated candidates as in step 1.
3. For a positive-dimensional prime P of codimension c, with relint(F) = {h_j > 0}, every
   connected component S of V_R(P) intersected with relint(F) contains a maximiser of the
   barrier function

       psi_q(t) = sum_j log h_j(t) - |t - q|^2 / 2,

   because psi_q tends to -infinity at the walls of F and at infinity, so its supremum
   over S is attained inside S. At a maximiser that is a smooth point of V(P), grad psi_q
   lies in the row space of the Jacobian of P: with H = prod_j h_j and
   w = H grad psi_q = sum_j (H / h_j) grad h_j - H (t - q), every (c+1)-minor of
   [Jac P; w] vanishes. These equations, saturated by H (off the walls) and by the
   c-minors of Jac P (off the singular locus), form a zero-dimensional system for a
   generic rational q (another q is tried when it is not). Maximisers on the singular
   locus are found by the same method applied to each prime of P + <c-minors of Jac P>,
   whose dimension is smaller, so the recursion ends. Hence at least one sample point per
   connected component is found: the method cannot miss a component, which sampling
   critical points of the distance on V(P) alone can (docs/METHOD.md section 4, pitfall).
   Primes containing a wall form h_j lie outside relint(F) and are skipped.
4. *Orbit slice.* Units of a group G on the same unit face (basis K, residual gradient
   g = sum_{i in A} e_i xt_i) have the critical equations lambda K^T K t_l = a_l K^T g and
   lambda a_l = t_l . K^T g, so t_l = a_l w for all l in G with one vector w. Rotating
   (a_l)_{l in G} by R in SO(|G|) keeps sum_l a_l t_l = |a_G|^2 w, the loss and the
   critical equations; in relint(F) all a_l (l in G) have one sign (theta_l = a_l K w lies
   in an open half-space), and rotating inside that open orthant stays in relint(F). V(P)
   is SO(|G|)-invariant (a connected group permutes no components), so every connected
   component of V_R(P) in relint(F) meets the slice Lambda = {t_l = k t_{l_1}: l the k-th
   unit of G}, where |G| - 1 dimensions of the orbit are cut away. P + Lambda is sampled
   instead of P: its barrier systems are far smaller.
   Conversely (:attr:`FaceSystem.merged`) merging each group into one unit with
   s_G = sigma |a_G| w maps the critical set onto the merged one, and t_l = u_{G,k} s_G
   with |u_G| = 1 inverts it. When the merged critical set is zero-dimensional (the
   usual case), the primes P are therefore the orbit primes of its zero-dimensional
   primes (:func:`_orbit_prime`, written down from the Gram prime P cap
   Q[s_G s_G^T, y] as its image under q_G -> T_G T_G^T plus the 2-minors of T_G, where
   eliminating s and u was the bottleneck of a face of degree 64), each sampled by the
   zero-dimensional system P + Lambda, and steps 2-3 never decompose the face's own
   critical set, whose primary decomposition is the costliest computation of a face with
   three units (far costlier than the orbit primes). The samples are not
   solved for: each realizable merged solution is lifted to its point on Lambda and
   certified there (:func:`_slice_point`), and the merged prime that holds it is told
   apart from the others by interval evaluation (:func:`_prime_of`).
5. Relative-interior membership (h_j > 0) is decided exactly at each certified point.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from reluscape.exact import algebra, exclusion
from reluscape.exact.algebra import PositiveDimensional, RealPoint
from reluscape.exact.stages import stage
from reluscape.exact.surrogate import FaceSystem

Poly = Any
BARRIER_TRIES = 4


@dataclass(frozen=True)
class PrimeComponent:
    """A positive-dimensional irreducible component (over Q) of a face's critical set.

    ``prime`` are generators of the prime ideal in the t-variables; ``dimension`` is
    its dimension, which at smooth real points is the real local dimension.
    """

    index: int
    dimension: int
    prime: tuple[Poly, ...]


@dataclass
class Candidate:
    """A critical point of g_F in relint(F): a certified real point of a zero-dim system.

    ``point`` lives in the ring of ``system`` (variables a and t). ``component`` is None
    for an isolated critical point, else the positive-dimensional component it samples.
    """

    system: FaceSystem
    point: RealPoint
    component: PrimeComponent | None = None


@dataclass
class FaceOutcome:
    """What enumeration found on one product face."""

    faces: tuple[int, ...]
    candidates: list[Candidate] = field(default_factory=list)
    positive_dimensional: bool = False
    components: int = 0
    skipped: str | None = None
    undecided: str | None = None


def enumerate_face(system: FaceSystem, *, seed: int = 0) -> FaceOutcome:
    """Critical points of the surrogate of one product face inside its relative interior.

    Examples
    --------
    x = 0, 1, 2 and y = 0, 1, 3, so yt = (-4/3, -1/3, 5/3); on the face sigma = (0, +, +)
    one unit computes a B x with c = 0. At a critical point a^2 = B^2 = |w| for the
    effective weight w = a B, which minimises 1/2 ((-1/3 - w)^2 + (5/3 - 2 w)^2) + lambda |w|:
    w = (3 - lambda) / 5 = 29/50, so a = sqrt(29/50) (or -a with -B, outside the face).

    >>> from reluscape.data import make_problem
    >>> from reluscape.exact.arrangement import unit_arrangement
    >>> p = make_problem([[0], [1], [2]], [0, 1, 3], hidden=1, lam="1/10")
    >>> face = unit_arrangement(p).face_of((0, 1, 1))
    >>> outcome = enumerate_face(FaceSystem.build(p, (face,)))
    >>> [candidate.point.box["a0"] for candidate in outcome.candidates]
    [0.7615773105863908286?]
    >>> round((29 / 50) ** 0.5, 15)
    0.761577310586391

    A face with no critical point inside ends at step 0:

    >>> enumerate_face(FaceSystem.build(p, (unit_arrangement(p).face_of((1, 1, 1)),))).candidates
    []
    """
    outcome = FaceOutcome(faces=tuple(f.index for f in system.faces))
    if not system.live:
        outcome.candidates.append(_origin_candidate(system))
        return outcome
    with stage("exclusion"):
        if system.has_idle_live_unit():
            outcome.skipped = (
                "a unit with theta != 0 has no active sample: grad = lambda*theta != 0"
            )
            return outcome
        if exclusion.excluded(system.merged):
            outcome.skipped = "a Motzkin certificate: the linear sign conditions are infeasible"
            return outcome
    try:
        with stage("exclusion"):
            merged = system.merged
            points = _effective_solutions(merged)
            realized = [
                (pt, signs) for pt in points if (signs := _realizing_signs(pt, merged)) is not None
            ]
            if not realized:
                return outcome
        if not system.unit_groups:
            _keep_inside(system, _critical_points(system, points, realized), None, outcome)
            return outcome
        # With a group of units, a realizable merged solution spreads into an orbit of
        # critical points (step 4): the critical set is positive-dimensional.
        if _enumerate_orbits(system, points, realized, outcome):
            return outcome
    except PositiveDimensional:
        pass
    _enumerate_positive_dimensional(system, outcome, seed)
    return outcome


def _origin_candidate(system: FaceSystem) -> Candidate:
    # psi = 0: every unit dead. Its certified "point" is the solution of z = 0, so that
    # every candidate carries a RealPoint.
    R = algebra.ring(["z"])
    return Candidate(system=system, point=algebra.real_solutions(list(R.gens()))[0])


def _keep_inside(
    system: FaceSystem,
    points: list[RealPoint],
    component: PrimeComponent | None,
    outcome: FaceOutcome,
) -> None:
    outcome.candidates += [
        Candidate(system=system, point=pt, component=component)
        for pt in points
        if _inside(pt, system.constraints)
    ]


def _effective_solutions(system: FaceSystem) -> list[RealPoint]:
    """The real solutions of the effective-weight system (step 0b): of
    :attr:`FaceSystem.direction_equations`, or, when that is positive-dimensional (a
    branch with some rho_l = 0 can be), of :attr:`FaceSystem.effective_equations`.

    Raises PositiveDimensional when the effective system itself is."""
    try:
        return algebra.real_solutions(system.direction_equations)
    except PositiveDimensional:
        return algebra.real_solutions(system.effective_equations)


def _realizing_signs(pt: RealPoint, system: FaceSystem) -> tuple[int, ...] | None:
    """The signs s_l = sign(a_l) of the critical point in relint(F) that a solution of
    the effective-weight system (:attr:`FaceSystem.effective_equations`, or
    :attr:`FaceSystem.direction_equations`) stands for, or None if it stands for none:
    rho_l > 0 and s_l h > 0 for every face form h of unit l (step 0)."""
    R = pt.ring
    directions = f"v{system.live[0]}_0" in R.variable_names()
    signs = []
    for u in system.live:
        if pt.sign(R(f"r{u}")) <= 0:
            return None
        forms = system.direction_unit_forms(u) if directions else system.effective_unit_forms(u)
        s = pt.sign(forms[0])
        if s == 0 or not _inside(pt, [s * h for h in forms]):
            return None
        signs.append(s)
    return tuple(signs)


def _critical_points(
    system: FaceSystem,
    points: list[RealPoint],
    realized: list[tuple[RealPoint, tuple[int, ...]]],
) -> list[RealPoint]:
    """The critical points of l_F in relint(F), as points of :attr:`FaceSystem.regular_equations`,
    from the realizable effective-weight solutions (a face without unit groups).

    Each is the lift a_l = s_l sqrt(rho_l), t_l = w_l / a_l = a_l v_l, z = 1 / prod_l a_l of its
    solution (surrogate docstring), certified by :func:`algebra.lifted_point` against
    the map w_l = a_l t_l, rho_l = a_l^2 (v_l = t_l / a_l for the points of
    :attr:`FaceSystem.direction_equations`), which sends every real solution of the
    regular system (where every a_l != 0) to one of the effective system. The signs of
    the a_l separate the lifts of one solution. This replaces solving the regular system,
    whose degree is 2^L times larger (an order of magnitude slower on a face of three
    units, n = 12). When a lift cannot be certified, the regular system is solved.
    """
    gens = system.regular_equations
    lifted: list[RealPoint] = []
    for pt, signs in realized:
        if any(pt.box[f"r{u}"].lower() <= 0 for u in system.live):
            return algebra.real_solutions(gens)  # no interval square root of rho
        others = [q for q in points if q is not pt]
        lift, project = _lift_maps(system, signs)
        point = algebra.lifted_point(pt, others, gens, lift, project)
        if point is None:
            return algebra.real_solutions(gens)
        lifted.append(point)
    return lifted


def _lift_maps(system: FaceSystem, signs: tuple[int, ...]) -> tuple[Any, Any]:
    """Interval maps between boxes of the effective system (w and r, or v and r) and of
    the regular system (a, t, z) for the sign vector s (see :func:`_critical_points`)."""
    units = [_LiftedUnit(u, (u,), system.faces[u].dim) for u in system.live]

    def lift(box: dict[str, Any]) -> dict[str, Any]:
        out, product = _lift_units(box, units, signs)
        out["z"] = 1 / product
        return out

    return lift, lambda box: _project_units(box, units)


@dataclass(frozen=True)
class _LiftedUnit:
    """Unit ``unit`` of an effective-weight system (variables r, w) standing for the
    units ``group`` of a regular system (variables a, t): one unit alone, or the units of
    a group merged into one (step 4); ``dim`` is the dimension of their unit face."""

    unit: int
    group: tuple[int, ...]
    dim: int

    @property
    def scale(self) -> int:
        """c = 1^2 + 2^2 + ... + m^2 for a group of m units (1 for a unit alone)."""
        return sum(k * k for k in range(1, len(self.group) + 1))


def _lift_units(
    box: dict[str, Any], units: list[_LiftedUnit], signs: tuple[int, ...]
) -> tuple[dict[str, Any], Any]:
    """The a and t of every unit over a box of (r, w), and the product of the a_l.

    The k-th unit l of a group G with sign s and scale c gets a_l = k s sqrt(rho_G / c)
    and t_l = k w_G / (s sqrt(rho_G c)) (a unit alone: a_l = s sqrt(rho_l),
    t_l = w_l / a_l), the point of the orbit slice t_l = k t_{l_1} over (rho_G, w_G).
    """
    out: dict[str, Any] = {}
    product = None
    for lifted, s in zip(units, signs, strict=True):
        a_merged = box[f"r{lifted.unit}"].sqrt() * s
        root = a_merged.parent()(lifted.scale).sqrt()
        for position, unit in enumerate(lifted.group, start=1):
            a = a_merged * position / root
            out[f"a{unit}"] = a
            product = a if product is None else product * a
            for j in range(lifted.dim):
                # s_G = w_G / a_G = a_G v_G (rho_G = a_G^2)
                if f"v{lifted.unit}_{j}" in box:
                    s_j = box[f"v{lifted.unit}_{j}"] * a_merged
                else:
                    s_j = box[f"w{lifted.unit}_{j}"] / a_merged
                out[f"t{unit}_{j}"] = s_j * position / root
    return out, product


def _project_units(box: dict[str, Any], units: list[_LiftedUnit]) -> dict[str, Any]:
    """The (r, w, v) of every unit over a box of (a, t): rho_G = c a_{l_1}^2,
    w_G = c a_{l_1} t_{l_1} and v_G = w_G / rho_G = t_{l_1} / a_{l_1} from the first
    unit l_1 of each group (the inverse of :func:`_lift_units` on the orbit slice).
    v_G is a rational function, defined at every solution of the lifted systems (there
    every a_l != 0); an interval of a_l that holds 0 gives an unbounded v_G, which meets
    every box."""
    out = {}
    for lifted in units:
        a = lifted.group[0]
        out[f"r{lifted.unit}"] = box[f"a{a}"] ** 2 * lifted.scale
        for j in range(lifted.dim):
            out[f"w{lifted.unit}_{j}"] = box[f"a{a}"] * box[f"t{a}_{j}"] * lifted.scale
            out[f"v{lifted.unit}_{j}"] = box[f"t{a}_{j}"] / box[f"a{a}"]
    return out


def _inside(pt: RealPoint, constraints: list[Poly]) -> bool:
    """h > 0 at the point for every h, decided exactly."""
    # One interval evaluation per form first: a form certainly negative settles the
    # question without the (costly) exact zero test of another form's ambiguous sign.
    if any(pt.evaluate(h) < 0 for h in constraints):
        return False
    return all(pt.sign(h) > 0 for h in constraints)


def t_ring_map(system: FaceSystem) -> tuple[Any, Any, Any]:
    """The ring of t-variables alone, with maps to and from the full ring."""
    names = [str(v) for v in system.all_t_vars]
    Rt = algebra.ring(names)
    R = system.ring
    to_t = R.hom([Rt(0)] * len(system.all_a_vars) + list(Rt.gens()), Rt)
    from_t = Rt.hom(system.all_t_vars, R)
    return Rt, to_t, from_t


def _enumerate_positive_dimensional(system: FaceSystem, outcome: FaceOutcome, seed: int) -> None:
    outcome.positive_dimensional = True
    Rt, to_t, from_t = t_ring_map(system)
    eliminated = algebra.eliminate(system.equations, system.all_a_vars)
    t_gens = [to_t(g) for g in eliminated]
    if not t_gens:
        t_gens = [Rt(0)]
    facets = system.facets
    if facets is None:
        outcome.skipped = "the face is empty"
        return
    constraints_t = [to_t(h) for h in facets]
    orbit_slice = _orbit_slice(system, to_t)
    rng = random.Random(f"{seed}:{outcome.faces}")
    for prime in algebra.minimal_primes(t_gens):
        dim = algebra.dimension(prime)
        if dim < 0:
            continue
        if dim == 0:
            lifted = system.lift_with_a([from_t(g) for g in prime])
            _keep_inside(system, algebra.real_solutions(lifted), None, outcome)
            continue
        with stage("sampling"):
            if _on_a_wall(prime, constraints_t) or _misses_face_by_projection(
                system, prime, Rt, to_t, rng
            ):
                continue
            outcome.components += 1
            comp = PrimeComponent(index=outcome.components, dimension=dim, prime=tuple(prime))
            try:
                samples = _sample_prime(prime, orbit_slice, constraints_t, rng)
            except algebra.Undecided as exc:
                outcome.undecided = f"component of dimension {dim}: {exc}"
                continue
            for sample_gens in samples:
                lifted = system.lift_with_a([from_t(g) for g in sample_gens])
                _keep_inside(system, algebra.real_solutions(lifted), comp, outcome)


def _enumerate_orbits(
    system: FaceSystem,
    points: list[RealPoint],
    realized: list[tuple[RealPoint, tuple[int, ...]]],
    outcome: FaceOutcome,
) -> bool:
    """Components of a face with unit groups, one per orbit prime (step 4).

    The merged critical set in t-space, E = <critical system, z a_1 ... a_K - 1> with a
    and z eliminated, is decomposed into primes P (zero-dimensional: returns False
    otherwise, and the caller decomposes the face's own critical set). The primes with a
    point in relint(merged F) are those holding the lift of a realizable effective-weight
    solution (step 0), found by :func:`_prime_of`; each gives the component
    :func:`_orbit_prime` (P), of dimension sum_G (|G| - 1). Distinct P can give one orbit
    prime (p and -p in different primes have one orbit): those with one Gram prime
    (:func:`_gram_prime`, which determines the orbit set) are counted once. The
    component's samples are the lifts to the orbit slice of its realizable solutions
    (:func:`_slice_point`).
    """
    merged = system.merged
    eliminated = merged_critical_set(merged)
    if not eliminated or algebra.dimension(eliminated) > 0:
        return False
    to_tm = t_ring_map(merged)[1]
    outcome.positive_dimensional = True
    Rt, to_t, from_t = t_ring_map(system)
    orbit_slice = _orbit_slice(system, to_t)
    primes = algebra.minimal_primes(eliminated)
    members: dict[int, list[tuple[RealPoint, tuple[int, ...]]]] = {}
    for pt, signs in realized:
        members.setdefault(_prime_of(merged, pt, signs, primes), []).append((pt, signs))
    orbits: list[_Orbit] = []
    dimension = sum(len(group) - 1 for group in system.unit_groups)
    for index in sorted(members):
        gram = _gram_prime(system, primes[index])
        gram_ideal = algebra.ideal(gram)
        known = [entry for entry in orbits if entry.ideal == gram_ideal]
        if known:
            known[0].solutions += members[index]
            continue
        orbit = _orbit_prime(system, Rt, gram)
        outcome.components += 1
        comp = PrimeComponent(index=outcome.components, dimension=dimension, prime=tuple(orbit))
        determined = not algebra.contains(primes[index], to_tm(merged.gram_det))
        gens = system.lift_with_a(
            [from_t(g) for g in [*orbit, *orbit_slice]], determined=determined
        )
        orbits.append(_Orbit(gram_ideal, comp, gens, list(members[index]), determined))
    for entry in orbits:
        sliced = [
            _slice_point(system, pt, points, signs, entry.slice_system, entry.determined)
            for pt, signs in entry.solutions
        ]
        samples = [q for q in sliced if q is not None]
        if len(samples) < len(sliced):
            # orbit + slice is zero-dimensional (u_G = +-(1, ..., |G|) / norm, s in V(P)),
            # so its points are solved for directly rather than decomposed first.
            samples = algebra.real_solutions(entry.slice_system)
        _keep_inside(system, samples, entry.component, outcome)
    return True


@dataclass
class _Orbit:
    """One component of :func:`_enumerate_orbits`: the ideal of its Gram prime (merged
    primes with equal Gram primes give one component), the component, its slice system
    (orbit prime + slice, a = a_hat(t)), the realizable merged solutions over it and
    whether the slice system has z = 1 (:func:`_slice_point`)."""

    ideal: Any
    component: PrimeComponent
    slice_system: list[Poly]
    solutions: list[tuple[RealPoint, tuple[int, ...]]]
    determined: bool


def merged_critical_set(merged: FaceSystem) -> list[Poly]:
    """Generators of E = <critical system, z a_1 ... a_K - 1> with a and z eliminated: the
    merged system's critical set in its t-variables (the ring of :func:`t_ring_map`)."""
    Rm, to_tm, _ = t_ring_map(merged)
    lift = merged.lift_ring
    to_tm_lift = lift.hom([to_tm(v) for v in merged.ring.gens()] + [Rm(0)], Rm)
    a_and_z = [lift(str(v)) for v in merged.all_a_vars] + [lift("z")]
    return [to_tm_lift(g) for g in algebra.eliminate(merged.regular_equations, a_and_z)]


def _prime_of(
    merged: FaceSystem, pt: RealPoint, signs: tuple[int, ...], primes: list[list[Poly]]
) -> int:
    """The index of the prime of the merged critical set E that holds the lift of a
    realizable effective-weight solution (a_l = s_l sqrt(rho_l), t_l = w_l / a_l).

    The lift is a real point of V(E), the union of the V(P), which are disjoint (distinct
    zero-dimensional primes are maximal ideals), so it lies in exactly one of them. A
    prime is ruled out when one of its generators has an interval without 0 on the lift's
    box; the box is refined until one prime is left.
    """
    lift, _ = _lift_maps(merged, signs)
    precision = pt.precision
    while precision <= algebra.MAX_PRECISION:
        box = lift(pt.at_precision(precision))
        left = [
            k
            for k, prime in enumerate(primes)
            if all(algebra.box_value(g, box).contains_zero() for g in prime)
        ]
        if len(left) == 1:
            return left[0]
        if not left:
            raise algebra.Undecided("a merged critical point lies in no prime of its critical set")
        precision *= 2
    raise algebra.Undecided("could not tell which prime holds a merged critical point")


def _slice_point(
    system: FaceSystem,
    pt: RealPoint,
    points: list[RealPoint],
    signs: tuple[int, ...],
    gens: list[Poly],
    determined: bool,
) -> RealPoint | None:
    """The point of the orbit slice over a realizable merged solution, as a point of
    ``gens`` = (orbit prime + slice, a = a_hat(t)), certified by :func:`algebra.lifted_point`.

    For the k-th unit l of a group G of m units, with c = 1^2 + ... + m^2, the slice point
    over the merged unit (a_G, s_G) is a_l = k a_G / sqrt(c), t_l = k s_G / sqrt(c); a unit
    alone keeps a_l = s_l sqrt(rho_l), t_l = w_l / a_l, and z = 1 / (D(t) a_1 ... a_L).
    Every real solution of ``gens`` maps to a real effective-weight solution of the merged
    system by w_G = c a_{l_1} t_{l_1}, rho_G = c a_{l_1}^2 (w_l = a_l t_l, rho_l = a_l^2
    alone): its t lies on the orbit of a merged critical point, which the slice meets at
    t_{l_1} = +-s_G / sqrt(c). The signs of the a_l separate the solutions over one merged
    solution. None when the check fails; the caller then solves ``gens``.

    ``determined``: the merged D does not vanish on V(P) (D not in the maximal ideal P
    of the merged prime). Then ``gens`` ends with z - 1 rather than z D a_1 ... a_L - 1
    (:meth:`FaceSystem.lift_with_a`), because D a_1 ... a_L != 0 at every complex
    solution of the slice system: there t_l = u_{G,k} s_G with u_G . u_G = 1 and (s, y)
    in V(P) (up to the signs of the s_G, which leave D unchanged), and in a basis that
    is orthogonal for the bilinear form with u_G as first vector, M = Omega^T Omega +
    lambda I becomes the merged matrix plus lambda on the other |G| - 1 coordinates, so
    D = lambda^(sum_G (|G| - 1)) D_merged(s, y) != 0; a is then a_hat(t), which is
    a_l = u_{G,k} a_G (this solves the a-equations: the prediction is the merged one and
    dl/da_l = u_{G,k} dl_merged/da_G), and a_G != 0 at every point of V(P), the merged
    critical points having been eliminated from z a_1 ... a_K = 1.
    """
    merged = system.merged
    groups = {group[0]: group for group in system.unit_groups}
    units = []
    for k in merged.live:
        unit = system.merged_units[k]
        units.append(_LiftedUnit(k, groups.get(unit, (unit,)), system.faces[unit].dim))
    if any(pt.box[f"r{k}"].lower() <= 0 for k in merged.live):
        return None  # no interval square root of rho
    gram_det = system.gram_det

    def lift(box: dict[str, Any]) -> dict[str, Any]:
        out, product = _lift_units(box, units, signs)
        if determined:
            out["z"] = product.parent()(1)
        else:
            out["z"] = 1 / (algebra.box_value(gram_det, out) * product)
        return out

    others = [q for q in points if q is not pt]
    return algebra.lifted_point(pt, others, gens, lift, lambda box: _project_units(box, units))


def _orbit_prime(system: FaceSystem, Rt: Any, gram: list[Poly]) -> list[Poly]:
    """The prime of the orbit set of a zero-dimensional merged prime P (step 4), written
    down from its Gram prime ``gram`` (:func:`_gram_prime`) rather than eliminated.

    With s_G the merged unit's t of group G and u_G in the unit sphere of R^|G|, the set
    is the image of V(P) x prod_G S^(|G|-1) under t_l = u_{G,k} s_G (l the k-th unit of
    G); its ideal I is prime, of dimension sum_G (|G| - 1) (V(P) is one Galois orbit of
    points and each quadric |u|^2 = 1 is geometrically irreducible). Let T_G be the
    matrix of columns t_l (l in G) and P2 = P intersected with Q[s_G s_G^T, y] (y the t of
    the units alone; :func:`_gram_prime`). Then

        I = P2(T_G T_G^T, y) + <2-minors of every T_G> =: J.

    *Proof.* J is in I: on the set T_G T_G^T = s_G s_G^T |u_G|^2 = s_G s_G^T and T_G has
    rank 1. Over the algebraic closure P2 is the intersection of the pairwise comaximal
    ideals m_p of its points p = (q_G = s_G s_G^T, y), so J is the intersection of the
    J_p = m_p(T T^T, y) + minors (comaximal: their sum holds m_p + m_p' = <1>). At every
    point |s_G|^2 != 0: it is an element of the field Q[q, y]/P2, positive at the real
    point of a realizable solution (s_G real, nonzero on a live unit), so nonzero at
    every conjugate. In orthogonal coordinates with s_G along the first axis, T T^T =
    s s^T and the minors say that the rows r_i of T_G are r_0 . r_0 = |s|^2, r_i = 0
    (i > 0): r_ib |s|^2 = sum_a r_0a r_0a r_ib = sum_a r_0a r_0b r_ia = r_0b (r_0 . r_i)
    = 0 modulo J_p. That quadric in |G| >= 2 variables with a nonzero constant is
    irreducible, so J_p is prime (a sum of primes in disjoint variables over an
    algebraically closed field) and J is radical; J is in I, and V(J) = V(I) (a rank-1
    T_G = v w^T with T T^T = |w|^2 v v^T = s s^T != 0 is s_G u^T with |u| = 1). So J = I.

    This replaces the elimination of s and u from P(s, y) + <t_l - u_{G,k} s_G, |u_G|^2 - 1>:
    on a face of three units, two of them sharing a chamber (L = 3, n = 4, a merged prime
    of degree 64), about seventy times faster.
    """
    groups = system.unit_groups
    leaders = {group[0] for group in groups}
    images = []
    for m_unit in system.merged.live:
        unit = system.merged_units[m_unit]
        dim = system.faces[unit].dim
        images += [Rt(0) if unit in leaders else Rt(f"t{unit}_{j}") for j in range(dim)]
    blocks = []
    for group in groups:
        rows = [[Rt(f"t{unit}_{j}") for unit in group] for j in range(system.faces[group[0]].dim)]
        blocks.append(rows)
        images += [
            sum((a * b for a, b in zip(rows[i], rows[j], strict=True)), Rt(0))
            for i in range(len(rows))
            for j in range(i, len(rows))
        ]
    to_t = gram[0].parent().hom(images, Rt)
    out = [to_t(g) for g in gram]
    for rows in blocks:
        if len(rows) > 1:
            out += algebra.minors(rows, 2)
    return out


def _gram_prime(system: FaceSystem, merged_prime: list[Poly]) -> list[Poly]:
    """P2 = P intersected with Q[q_G = s_G s_G^T, y] for a zero-dimensional merged prime P
    (:func:`_orbit_prime`), in the ring of the merged t-variables followed by the entries
    q{G}_{i}_{j} (i <= j) of every group's q_G. It determines the orbit set (the image
    of V(P2) under t -> (T_G T_G^T, y) is V(P2)), so merged primes that differ by the
    signs of the s_G (p and -p) give one. An elimination of the s_G alone, from a
    zero-dimensional ideal."""
    merged = system.merged
    Rm = merged_prime[0].parent()
    names = [
        f"q{g}_{i}_{j}"
        for g, group in enumerate(system.unit_groups)
        for i in range(system.faces[group[0]].dim)
        for j in range(i, system.faces[group[0]].dim)
    ]
    S = algebra.ring([*(str(v) for v in Rm.gens()), *names])
    gens = [Rm.hom(list(S.gens())[: Rm.ngens()], S)(g) for g in merged_prime]
    hidden = []
    for g, group in enumerate(system.unit_groups):
        k = system.merged_units.index(group[0])
        s = [S(f"t{k}_{j}") for j in range(merged.faces[k].dim)]
        hidden += s
        gens += [S(f"q{g}_{i}_{j}") - s[i] * s[j] for i in range(len(s)) for j in range(i, len(s))]
    return algebra.eliminate(gens, hidden)


def _orbit_slice(system: FaceSystem, to_t: Any) -> list[Poly]:
    """Linear forms k t_{l_1} - t_l cutting the orbit of each group of units on one face.

    For a group (l_1, ..., l_m), the k-th unit is tied to the first by t_l = k t_{l_1}
    (direction u = (1, 2, ..., m): positive, so the slice meets relint(F), and with
    distinct entries, so the sample is not a fixed point of a unit swap).
    """
    forms = []
    for group in system.unit_groups:
        first = system.t_vars(group[0])
        for k, unit in enumerate(group[1:], start=2):
            forms += [to_t(k * x - y) for x, y in zip(first, system.t_vars(unit), strict=True)]
    return forms


def _sample_prime(
    prime: list[Poly], orbit_slice: list[Poly], constraints: list[Poly], rng: random.Random
) -> list[list[Poly]]:
    """Zero-dimensional systems meeting every connected component of V_R(prime) in relint(F),
    through the orbit slice when the face has groups of units (module docstring, step 4)."""
    if not orbit_slice:
        return sample_components(prime, constraints, rng)
    systems = []
    for sub in algebra.minimal_primes([*prime, *orbit_slice]):
        if not _on_a_wall(sub, constraints):
            systems += sample_components(sub, constraints, rng)
    return systems


def _on_a_wall(prime: list[Poly], constraints: list[Poly]) -> bool:
    """True if some wall form h lies in the prime: then h = 0 on V(prime), outside relint(F)."""
    return any(algebra.contains(prime, h) for h in constraints)


def _misses_face_by_projection(
    system: FaceSystem, prime: list[Poly], Rt: Any, to_t: Any, rng: random.Random
) -> bool:
    """True if V_R(prime) has no point in relint(F), shown through one unit's projection.

    For a live unit u, the elimination ideal E_u = prime intersected with Q[t_u] contains
    the projection of V(prime) to the t_u coordinates; relint(F) projects into
    relint(F_u). If E_u has no real point in relint(F_u) (decided by the same exact
    methods, in fewer variables), neither has V(prime) in relint(F).
    """
    for u in system.live:
        own = [to_t(v) for v in system.t_vars(u)]
        others = [v for v in Rt.gens() if v not in own]
        if not others:
            continue
        projected = algebra.eliminate(prime, others)
        if not projected:
            continue
        Ru = algebra.ring([str(v) for v in own])
        to_u = Rt.hom([Ru(str(v)) if v in own else Ru(0) for v in Rt.gens()], Ru)
        gens_u = [to_u(g) for g in projected]
        facets = system.unit_facets(u)
        if facets is None:  # an empty naive piece: no point of V(prime) lies in it
            return True
        facets_u = [to_u(to_t(h)) for h in facets]
        if not _real_points_inside(gens_u, facets_u, rng):
            return True
    return False


def _real_points_inside(gens: list[Poly], facets: list[Poly], rng: random.Random) -> bool:
    """Whether V_R(gens) meets {h > 0 : h in facets} (exact; gens in their own ring)."""
    for prime in algebra.minimal_primes(gens):
        for sample in sample_components(prime, facets, rng):
            for pt in algebra.real_solutions(sample):
                if _inside(pt, facets):
                    return True
    return False


def sample_components(
    prime: list[Poly], constraints: list[Poly], rng: random.Random
) -> list[list[Poly]]:
    """Zero-dimensional systems whose real solutions meet every connected component of
    V_R(prime) intersected with {h > 0 for h in constraints} (barrier critical points).

    With k = dim V(prime) and c = N - k, take c random integer combinations g of the
    generators. Where Jac g has rank c, V(g) and V(prime) agree near the point, and the
    maximiser p of the barrier psi_q on a connected component satisfies
    rank [Jac g; w] <= c, i.e. all (c+1)-minors vanish (w = H grad psi_q). Where Jac g
    has rank < c (a proper subvariety of V(prime), containing its singular points) the
    maximiser is found by the same method applied to that subvariety, whose dimension
    is smaller. Returns the systems; the caller solves them and keeps the solutions
    with all h > 0.
    """
    R = prime[0].parent()
    tvars = list(R.gens())
    dim = algebra.dimension(prime)
    if dim <= 0:
        return [prime] if dim == 0 else []
    codim = len(tvars) - dim
    H = R(1)
    for h in constraints:
        H *= h
    for _ in range(BARRIER_TRIES):
        combos = (
            prime
            if len(prime) == codim
            else [sum((rng.randint(-9, 9) * g for g in prime), R(0)) for _ in range(codim)]
        )
        jac = [[g.derivative(v) for v in tvars] for g in combos]
        q = [algebra.to_qq(rng.randint(-97, 97)) / 89 for _ in tvars]
        w = [
            sum(((H // h) * h.derivative(v) for h in constraints), R(0)) - H * (v - qk)
            for v, qk in zip(tvars, q, strict=True)
        ]
        tangency = list(prime) + algebra.minors([*jac, w], codim + 1)
        if not _zero_dimensional(tangency):
            tangency = algebra.saturate(tangency, [H])
            if not _zero_dimensional(tangency):
                continue
        rank_drop = list(prime) + (algebra.minors(jac, codim) if codim > 0 else [])
        if _zero_dimensional(rank_drop):
            return [tangency, rank_drop]
        if algebra.dimension(rank_drop) >= dim:
            continue
        systems = [tangency]
        for sub in algebra.minimal_primes(rank_drop):
            systems += sample_components(sub, constraints, rng)
        return systems
    raise algebra.Undecided("barrier critical points stayed positive-dimensional")


def _zero_dimensional(gens: list[Poly]) -> bool:
    try:
        algebra.real_solutions(gens)
    except PositiveDimensional:
        return False
    return True

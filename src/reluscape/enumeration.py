"""Enumerate: every critical point of a face's surrogate in the face's relative interior.

For a product face F with polynomial system (see :mod:`reluscape.surrogate`):

1. msolve is asked for the certified real solutions of the critical system of l_F. If it
   is zero-dimensional, each real solution in relint(F) is a candidate.
2. Otherwise the a-variables are eliminated (a = a_hat(t) is determined by t wherever
   D = det(Omega^T Omega + lambda I) != 0, which holds at every real point), and the
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
   critical points of the distance on V(P) alone can (METHOD.md section 4, pitfall).
4. Relative-interior membership (h_j > 0) is decided exactly at each certified point.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from reluscape import algebra
from reluscape.algebra import PositiveDimensional, RealPoint
from reluscape.surrogate import FaceSystem

Poly = Any
BARRIER_TRIES = 4


@dataclass(frozen=True)
class Component:
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
    component: Component | None = None


@dataclass
class FaceOutcome:
    """What enumeration found on one product face."""

    faces: tuple[int, ...]
    candidates: list[Candidate] = field(default_factory=list)
    solutions_outside: int = 0
    positive_dimensional: bool = False
    components: int = 0
    components_outside: int = 0
    skipped: str | None = None
    undecided: str | None = None


def enumerate_face(system: FaceSystem, *, seed: int = 0) -> FaceOutcome:
    """Critical points of the surrogate of one product face inside its relative interior."""
    outcome = FaceOutcome(faces=tuple(f.index for f in system.faces))
    if not system.live:
        outcome.candidates.append(_origin_candidate(system))
        return outcome
    if system.has_idle_live_unit():
        outcome.skipped = "a unit with theta != 0 has no active sample: grad = lambda*theta != 0"
        return outcome
    try:
        points = algebra.real_solutions(system.equations)
    except PositiveDimensional:
        _enumerate_positive_dimensional(system, outcome, seed)
        return outcome
    _keep_inside(system, points, None, outcome)
    return outcome


def _origin_candidate(system: FaceSystem) -> Candidate:
    # psi = 0: every unit dead. Its certified "point" is the origin of a dummy system
    # (two variables: Sage's univariate ideals have no msolve interface).
    R = algebra.ring(["z0", "z1"])
    return Candidate(system=system, point=algebra.real_solutions(list(R.gens()))[0])


def _keep_inside(
    system: FaceSystem,
    points: list[RealPoint],
    component: Component | None,
    outcome: FaceOutcome,
) -> None:
    for pt in points:
        if all(pt.sign(h) > 0 for h in system.constraints):
            outcome.candidates.append(Candidate(system=system, point=pt, component=component))
        else:
            outcome.solutions_outside += 1


def _t_ring_map(system: FaceSystem) -> tuple[Any, Any, Any]:
    """The ring of t-variables alone, with maps to and from the full ring."""
    names = [str(v) for v in system.all_t_vars]
    Rt = algebra.ring(names)
    R = system.ring
    to_t = R.hom([Rt(0)] * len(system.all_a_vars) + list(Rt.gens()), Rt)
    from_t = Rt.hom(system.all_t_vars, R)
    return Rt, to_t, from_t


def _enumerate_positive_dimensional(system: FaceSystem, outcome: FaceOutcome, seed: int) -> None:
    outcome.positive_dimensional = True
    Rt, to_t, from_t = _t_ring_map(system)
    eliminated = algebra.eliminate(system.equations, system.all_a_vars)
    t_gens = [to_t(g) for g in eliminated if g != 0]
    if not t_gens:
        t_gens = [Rt(0)]
    facets = system.facets
    if facets is None:
        outcome.skipped = "the face is empty"
        return
    constraints_t = [to_t(h) for h in facets]
    rng = random.Random(f"{seed}:{outcome.faces}")
    for prime in algebra.minimal_primes(t_gens):
        dim = algebra.dimension(prime)
        if dim < 0:
            continue
        if dim == 0:
            lifted = system.lift_with_a([from_t(g) for g in prime])
            _keep_inside(system, algebra.real_solutions(lifted), None, outcome)
            continue
        if _misses_face_by_projection(system, prime, Rt, to_t, rng):
            outcome.components_outside += 1
            continue
        outcome.components += 1
        comp = Component(index=outcome.components, dimension=dim, prime=tuple(prime))
        try:
            samples = sample_components(prime, constraints_t, rng)
        except algebra.Undecided as exc:
            outcome.undecided = f"component of dimension {dim}: {exc}"
            continue
        for sample_gens in samples:
            lifted = system.lift_with_a([from_t(g) for g in sample_gens])
            _keep_inside(system, algebra.real_solutions(lifted), comp, outcome)


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
        projected = [g for g in algebra.eliminate(prime, others) if g != 0]
        if not projected:
            continue
        Ru = algebra.ring([str(v) for v in own])
        to_u = Rt.hom([Ru(str(v)) if v in own else Ru(0) for v in Rt.gens()], Ru)
        gens_u = [to_u(g) for g in projected]
        facets_u = [to_u(to_t(h)) for h in system.unit_facets(u)]
        if not _real_points_inside(gens_u, facets_u, rng):
            return True
    return False


def _real_points_inside(gens: list[Poly], facets: list[Poly], rng: random.Random) -> bool:
    """Whether V_R(gens) meets {h > 0 : h in facets} (exact; gens in their own ring)."""
    for prime in algebra.minimal_primes(gens):
        for sample in sample_components(prime, facets, rng):
            for pt in algebra.real_solutions(sample):
                if all(pt.sign(h) > 0 for h in facets):
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

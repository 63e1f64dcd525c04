"""Enumeration: the exclusion test, the merged system and the orbit slice against the
unreduced computations they replace."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from reluscape.data import example_path, load_problem, make_problem
from reluscape.exact import algebra, enumeration
from reluscape.exact.arrangement import unit_arrangement
from reluscape.exact.enumeration import (
    FaceOutcome,
    _critical_points,
    _enumerate_orbits,
    _enumerate_positive_dimensional,
    _keep_inside,
    _lift_maps,
    _prime_of,
    _realizing_signs,
    enumerate_face,
    merged_critical_set,
    t_ring_map,
)
from reluscape.exact.surrogate import FaceSystem


def _seeded_problem(n: int, hidden: int, seed: int) -> object:
    rng = random.Random(seed)
    xs = rng.sample(range(-15, 16), n)
    X = [[Fraction(x, 10)] for x in xs]
    y = [Fraction(rng.randint(-15, 15), 10) for _ in xs]
    return make_problem(X, y, hidden=hidden, lam="1/10")


def _live_faces(problem: object) -> list:
    """Unit faces with theta != 0 and an active sample (those enumeration solves on)."""
    return [f for f in unit_arrangement(problem).faces if f.dim > 0 and f.active]


def _realizable_count(system: FaceSystem) -> int:
    points = algebra.real_solutions(system.effective_equations)
    return sum(_realizing_signs(pt, system) is not None for pt in points)


def _patterned_products(problem: object, pattern: tuple[int, ...]) -> list[tuple]:
    """Products of two distinct live faces, unit k on face pattern[k] of the two."""
    faces = _live_faces(problem)
    products = dict.fromkeys(
        tuple((first, second)[k] for k in pattern)
        for first in faces
        for second in faces
        if second.index != first.index
    )
    return list(products)


def _inside_count(system: FaceSystem) -> int:
    """Critical points of l_F in relint(F) from the cubic system itself (no exclusion)."""
    outcome = FaceOutcome(faces=())
    _keep_inside(system, algebra.real_solutions(system.equations), None, outcome)
    return len(outcome.candidates)


@pytest.mark.parametrize("seed", [0, 1])
def test_effective_weights_count_the_critical_points_in_the_face(seed: int) -> None:
    """Realizable effective-weight solutions correspond one to one to the critical points
    of l_F in relint(F) (up to the unit sign symmetries, which relint(F) breaks)."""
    problem = _seeded_problem(4, 2, seed)
    faces = _live_faces(problem)
    rng = random.Random(seed)
    checked = with_points = 0
    for _ in range(40):
        u, v = rng.sample(faces, 2)
        system = FaceSystem.build(problem, (u, v))
        try:
            expected = _inside_count(system)
        except algebra.PositiveDimensional:
            continue
        assert _realizable_count(system) == expected, [f.label() for f in (u, v)]
        checked += 1
        with_points += expected > 0
    assert checked >= 20
    assert with_points >= 1


def test_merged_system_drops_the_duplicate_units() -> None:
    problem = _seeded_problem(4, 3, 0)
    arr = unit_arrangement(problem)
    chamber = next(f for f in arr.faces if f.kind == "chamber" and f.active)
    other = next(f for f in arr.faces if f.kind == "chamber" and f.index != chamber.index)
    system = FaceSystem.build(problem, (chamber, chamber, other))
    assert system.unit_groups == [(0, 1)]
    merged = system.merged
    assert [f.index for f in merged.faces] == [chamber.index, other.index]
    assert merged.merged is merged
    no_group = FaceSystem.build(problem, (chamber, other))
    assert no_group.unit_groups == [] and no_group.merged is no_group


def test_a_pair_of_units_on_one_face_gives_arcs_sampled_through_the_slice() -> None:
    """On d1_n5, both units on one face: the critical points form curves (orbits of
    SO(2)), found through the merged system and sampled on the slice t_1 = 2 t_0."""
    problem = load_problem(example_path(), hidden=2, lam="1/10")
    found = 0
    for face in _live_faces(problem):
        system = FaceSystem.build(problem, (face, face))
        outcome = enumerate_face(system)
        for cand in outcome.candidates:
            assert cand.component is not None and cand.component.dimension >= 1
            t0 = [cand.point.evaluate(system.lift_ring(str(v))) for v in system.t_vars(0)]
            t1 = [cand.point.evaluate(system.lift_ring(str(v))) for v in system.t_vars(1)]
            for x, y in zip(t0, t1, strict=True):
                assert (2 * x - y).contains_zero()
            found += 1
    assert found >= 1


def test_merged_exclusion_agrees_with_the_full_computation() -> None:
    """Faces with a unit group that the merged system excludes have no candidate when
    computed without the exclusion (elimination, primes and barrier sampling)."""
    problem = _seeded_problem(4, 2, 2)
    excluded = 0
    for face in _live_faces(problem):
        system = FaceSystem.build(problem, (face, face))
        if _realizable_count(system.merged):
            continue
        outcome = FaceOutcome(faces=())
        _enumerate_positive_dimensional(system, outcome, seed=0)
        assert outcome.candidates == [], face.label()
        excluded += 1
    assert excluded >= 2


@pytest.mark.parametrize(
    ("problem", "pattern"),
    [
        (load_problem(example_path(), hidden=2, lam="1/10"), (0, 0)),
        (_seeded_problem(4, 3, 2), (0, 0, 1)),
        (_seeded_problem(4, 3, 2), (0, 0, 0)),
    ],
    ids=["pair", "pair+other", "triple"],
)
def test_orbit_primes_agree_with_the_decomposition(
    problem: object, pattern: tuple[int, ...]
) -> None:
    """Orbit primes built from the merged system (step 4) are the minimal primes of the
    face's own critical set in relint(F), with as many candidates, on faces where units
    share a face (pattern: which of two faces each unit sits on)."""
    compared = 0
    for product in _patterned_products(problem, pattern):
        system = FaceSystem.build(problem, product)
        if not _realizable_count(system.merged):
            continue
        orbits = enumerate_face(system)
        full = FaceOutcome(faces=())
        _enumerate_positive_dimensional(system, full, seed=0)
        assert orbits.components == full.components
        assert len(orbits.candidates) == len(full.candidates) > 0
        for cand in orbits.candidates:
            assert any(
                algebra.ideal(cand.component.prime) == algebra.ideal(other.component.prime)
                and cand.component.dimension == other.component.dimension
                for other in full.candidates
            )
        compared += 1
        if compared == 3:
            return
    assert compared >= 1


@pytest.mark.parametrize(
    ("problem", "pattern"),
    [
        (load_problem(example_path(), hidden=2, lam="1/10"), (0, 0)),
        (_seeded_problem(4, 3, 2), (0, 0, 1)),
    ],
    ids=["pair", "pair+other"],
)
def test_slice_points_and_their_primes_are_those_msolve_finds(
    problem: object, pattern: tuple[int, ...]
) -> None:
    """The samples of a face with a unit group are lifted from the merged solutions
    (:func:`_slice_point`), not solved for: each is certified, and the real solutions of
    its system (orbit prime + slice + a = a_hat(t)) in relint(F), solved by msolve, are
    as many, each box meeting one lifted box. The prime :func:`_prime_of` picks for a
    realizable merged solution holds its lift: msolve's solutions of that prime (with a)
    include a point in the lift's box."""
    compared = 0
    for product in _patterned_products(problem, pattern):
        system = FaceSystem.build(problem, product)
        merged = system.merged
        points = algebra.real_solutions(merged.effective_equations)
        realized = [(p, s) for p in points if (s := _realizing_signs(p, merged)) is not None]
        if not realized:
            continue
        outcome = FaceOutcome(faces=())
        assert _enumerate_orbits(system, points, realized, outcome)
        assert outcome.candidates
        by_prime: dict = {}
        for cand in outcome.candidates:
            assert isinstance(cand.point, algebra.LiftedPoint)
            by_prime.setdefault(cand.component.prime, []).append(cand.point)
        for samples in by_prime.values():
            direct = [
                q
                for q in algebra.real_solutions(list(samples[0].gens))
                if all(q.sign(h) > 0 for h in system.constraints)
            ]
            assert len(direct) == len(samples)
            for q in samples:
                assert sum(algebra._overlaps(q.box, d.box) for d in direct) == 1
        from_tm = t_ring_map(merged)[2]
        primes = algebra.minimal_primes(merged_critical_set(merged))
        for pt, signs in realized:
            prime = primes[_prime_of(merged, pt, signs, primes)]
            box = _lift_maps(merged, signs)[0](pt.box)
            del box["z"]  # z a_1 ... a_K = 1 here, z D a_1 ... a_K = 1 in the lifted prime
            solved = algebra.real_solutions(merged.lift_with_a([from_tm(g) for g in prime]))
            assert any(algebra._overlaps(box, q.box) for q in solved)
        compared += 1
        if compared == 2:
            return
    assert compared >= 1


@pytest.mark.slow
def test_slice_systems_are_solved_when_a_lift_is_not_certified(monkeypatch) -> None:
    """Without certified lifts (_slice_point returns None) the slice systems are solved by
    msolve: the same components, with as many samples in relint(F), one per component."""
    problem = _seeded_problem(4, 3, 2)
    lifted, solved = [], []
    for product in _patterned_products(problem, (0, 0, 1)):
        system = FaceSystem.build(problem, product)
        if _realizable_count(system.merged):
            lifted.append(enumerate_face(FaceSystem.build(problem, product)))
    assert any(outcome.candidates for outcome in lifted)
    monkeypatch.setattr(enumeration, "_slice_point", lambda *args: None)
    for product in _patterned_products(problem, (0, 0, 1)):
        system = FaceSystem.build(problem, product)
        if _realizable_count(system.merged):
            solved.append(enumerate_face(FaceSystem.build(problem, product)))
    for a, b in zip(lifted, solved, strict=True):
        assert a.components == b.components
        assert [c.component.prime for c in a.candidates] == [
            c.component.prime for c in b.candidates
        ]
        assert not any(isinstance(c.point, algebra.LiftedPoint) for c in b.candidates)


@pytest.mark.parametrize(
    ("n", "hidden", "seed"), [(5, 2, 3), pytest.param(4, 3, 4, marks=pytest.mark.slow)]
)
def test_lifted_critical_points_are_those_of_the_regular_system(
    n: int, hidden: int, seed: int
) -> None:
    """The lifts of the realizable effective-weight solutions (step 1) are exactly the real
    solutions of the regular system in relint(F): as many, each box meeting one of
    msolve's, and an equation of the system decided to vanish at each lift (the exact
    zero test of a lifted point)."""
    problem = _seeded_problem(n, hidden, seed)
    faces = _live_faces(problem)
    rng = random.Random(seed)
    compared = 0
    for _ in range(60):
        system = FaceSystem.build(problem, tuple(rng.sample(faces, hidden)))
        if system.unit_groups:
            continue
        points = algebra.real_solutions(system.effective_equations)
        realized = [(p, s) for p in points if (s := _realizing_signs(p, system)) is not None]
        if not realized:
            continue
        lifted = _critical_points(system, points, realized)
        direct = [
            p
            for p in algebra.real_solutions(system.regular_equations)
            if all(p.sign(h) > 0 for h in system.constraints)
        ]
        assert len(lifted) == len(direct)
        for p in lifted:
            assert isinstance(p, algebra.LiftedPoint)
            assert sum(algebra._overlaps(p.box, q.box) for q in direct) == 1
            assert p.sign(system.regular_equations[0]) == 0
            assert all(p.sign(h) > 0 for h in system.constraints)
        compared += 1
    assert compared >= (3 if hidden == 2 else 1)


def _eliminated_orbit_prime(system: FaceSystem, Rt: object, merged_prime: list) -> list:
    """The orbit prime by the route _orbit_prime replaced: s and u eliminated from
    P(s, y) + <t_l - u_{G,k} s_G, |u_G|^2 - 1> (docs/METHOD.md section 4, step 4)."""
    groups = system.unit_groups
    leaders = {group[0]: g for g, group in enumerate(groups)}
    t_names = [str(v) for v in Rt.gens()]
    dims = [system.faces[group[0]].dim for group in groups]
    s_names = [f"s{g}_{j}" for g, dim in enumerate(dims) for j in range(dim)]
    u_names = [f"u{g}_{k}" for g, group in enumerate(groups) for k in range(len(group))]
    S = algebra.ring([*t_names, *s_names, *u_names])
    merged_t = []
    for m_unit in system.merged.live:
        unit = system.merged_units[m_unit]
        stem = f"s{leaders[unit]}" if unit in leaders else f"t{unit}"
        merged_t += [S(f"{stem}_{j}") for j in range(system.faces[unit].dim)]
    gens = [g(*merged_t) for g in merged_prime]
    for g, group in enumerate(groups):
        us = [S(f"u{g}_{k}") for k in range(len(group))]
        gens.append(sum((u**2 for u in us), S(0)) - 1)
        for u, unit in zip(us, group, strict=True):
            gens += [S(f"t{unit}_{j}") - u * S(f"s{g}_{j}") for j in range(dims[g])]
    hidden = [S(name) for name in [*s_names, *u_names]]
    to_t = S.hom([*Rt.gens(), *([Rt(0)] * len(hidden))], Rt)
    return [to_t(g) for g in algebra.eliminate(gens, hidden)]


@pytest.mark.parametrize(
    ("problem", "pattern", "kind"),
    [
        (load_problem(example_path(), hidden=2, lam="1/10"), (0, 0), None),
        (_seeded_problem(4, 3, 2), (0, 0, 1), "chamber"),
        (_seeded_problem(4, 3, 2), (0, 0, 1), None),
        (_seeded_problem(4, 3, 2), (0, 0, 0), None),
    ],
    ids=["pair", "pair+other on chambers", "pair+other", "triple"],
)
def test_written_orbit_primes_are_the_eliminated_ones(
    problem: object, pattern: tuple[int, ...], kind: str | None
) -> None:
    """The orbit prime written down from the merged prime's Gram prime (P2(T T^T, y) +
    2-minors of T) is the ideal the elimination of s and u gives, with the dimension
    sum_G (|G| - 1), for every realizable merged prime; and merged primes with one Gram
    prime have one eliminated orbit prime. "pair+other on chambers" is the shape of the
    held-out face that took 232 s (two units sharing a chamber, a third on a chamber)."""
    compared = 0
    for product in _patterned_products(problem, pattern):
        if kind is not None and any(f.kind != kind for f in product):
            continue
        system = FaceSystem.build(problem, product)
        merged = system.merged
        points = algebra.real_solutions(merged.effective_equations)
        realized = [(p, s) for p in points if (s := _realizing_signs(p, merged)) is not None]
        if not realized:
            continue
        Rt = t_ring_map(system)[0]
        primes = algebra.minimal_primes(merged_critical_set(merged))
        grams: dict = {}
        for index in {_prime_of(merged, pt, signs, primes) for pt, signs in realized}:
            gram = enumeration._gram_prime(system, primes[index])
            written = algebra.ideal(enumeration._orbit_prime(system, Rt, gram))
            eliminated = algebra.ideal(_eliminated_orbit_prime(system, Rt, primes[index]))
            assert written == eliminated, [f.label() for f in product]
            assert written.dimension() == sum(len(g) - 1 for g in system.unit_groups)
            for other, ideal in grams.items():
                assert (other == algebra.ideal(gram)) == (ideal == eliminated)
            grams[algebra.ideal(gram)] = eliminated
            compared += 1
        if compared >= 2:
            return
    assert compared >= 1


@pytest.mark.slow
def test_the_held_out_face_of_two_units_on_a_chamber_ends_within_the_face_limit() -> None:
    """Issue 32: on bench/run.py's seeded L = 3, n = 4 data (seed 5) the face
    ++-- | ++-- | ++++ ran past the default 60 s limit (232 s, 210 s of them eliminating
    the orbit prime); written down from the merged prime it takes seconds, with its one
    minimum (a circle of dimension 1)."""
    import time

    from reluscape.exact.merge import process_face

    rows = [("-1", "-9/10"), ("-2/5", "3/10"), ("-1/5", "1/5"), ("1", "1/5")]
    problem = make_problem([[x] for x, _ in rows], [y for _, y in rows], hidden=3, lam="1/10")
    labels = {f.label(): f.index for f in unit_arrangement(problem).faces}
    product = tuple(sorted(labels[s] for s in ("++--", "++--", "++++")))
    start = time.perf_counter()
    record = process_face(problem, "realizable", product)
    assert time.perf_counter() - start < 60
    assert [(m.dimension, round(m.loss, 9)) for m in record.minima] == [(1, 0.19791527)]


def _effective_route(monkeypatch: pytest.MonkeyPatch) -> None:
    """Enumeration as it was before the direction system: solving the effective system
    with w, rho and z = 1 / prod rho (the helpers take the points of either)."""
    monkeypatch.setattr(
        FaceSystem, "direction_equations", property(lambda system: system.effective_equations)
    )


def _same_outcomes(new: FaceOutcome, old: FaceOutcome) -> None:
    assert (new.skipped, new.undecided, new.positive_dimensional, new.components) == (
        old.skipped, old.undecided, old.positive_dimensional, old.components)  # fmt: skip
    assert len(new.candidates) == len(old.candidates)
    for cand in new.candidates:
        (match,) = [c for c in old.candidates if algebra._overlaps(cand.point.box, c.point.box)]
        assert (cand.component is None) == (match.component is None)
        if cand.component is not None:
            assert cand.component.dimension == match.component.dimension


@pytest.mark.parametrize(
    ("n", "hidden", "seed"), [(5, 2, 1), pytest.param(4, 3, 0, marks=pytest.mark.slow)]
)
def test_the_direction_system_gives_the_outcomes_of_the_effective_system(
    monkeypatch: pytest.MonkeyPatch, n: int, hidden: int, seed: int
) -> None:
    """Step 0b solves the effective system in v_l = w_l / rho_l: on the faces of seeded
    data that the linear certificate leaves (units drawn with repetition, so unit groups
    occur; drawn until three have candidates), the outcomes equal those of the effective
    system with rho and z: the same verdicts, components and candidates (each box
    meeting exactly one of the other route's)."""
    problem = _seeded_problem(n, hidden, seed)
    live = _live_faces(problem)
    rng = random.Random(seed)
    products, new = [], []
    while sum(bool(o.candidates) for o in new) < 3 and len(products) < 60:
        product = tuple(sorted(rng.choices(live, k=hidden), key=lambda f: f.index))
        system = FaceSystem.build(problem, product)
        if product not in products and not enumeration.exclusion.excluded(system.merged):
            products.append(product)
            new.append(enumerate_face(system))
    _effective_route(monkeypatch)
    old = [enumerate_face(FaceSystem.build(problem, p)) for p in products]
    for a, b in zip(new, old, strict=True):
        _same_outcomes(a, b)
    assert sum(bool(o.candidates) for o in new) >= 3
    assert any(o.components for o in new) or hidden == 2


@pytest.mark.slow
@pytest.mark.parametrize(("n", "seed"), [(4, 5), (5, 4)])
def test_solves_through_the_direction_system_equal_those_through_the_effective_system(
    monkeypatch: pytest.MonkeyPatch, n: int, seed: int
) -> None:
    """Whole L = 3 solves of seeded data (held-out shapes of issue 32: units sharing a
    chamber, four-unit-like effective systems) find the same minima by both routes of
    step 0b: dimensions and certified loss intervals that meet, each run complete."""
    from reluscape.execution.pipeline import solve

    problem = _seeded_problem(n, 3, seed)
    new = solve(problem, face_timeout=None)
    _effective_route(monkeypatch)
    old = solve(problem, face_timeout=None)
    assert new.complete and old.complete
    assert len(new.minima) == len(old.minima) >= 1
    for m in new.minima:
        matches = [
            o for o in old.minima
            if o.dimension == m.dimension and o.loss_interval[0] <= m.loss_interval[1]
            and m.loss_interval[0] <= o.loss_interval[1] and o.face == m.face
        ]  # fmt: skip
        assert len(matches) == 1


@pytest.mark.parametrize(
    ("problem", "pattern"),
    [
        (load_problem(example_path(), hidden=2, lam="1/10"), (0, 0)),
        pytest.param(_seeded_problem(4, 3, 2), (0, 0, 1), marks=pytest.mark.slow),
    ],
    ids=["pair", "pair+other"],
)
def test_pinned_slice_systems_have_the_solutions_of_the_rabinowitsch_ones(
    problem: object, pattern: tuple[int, ...]
) -> None:
    """Where the merged D is not in the merged prime, the slice system ends with z - 1
    (FaceSystem.lift_with_a, determined): its real solutions are those of the system
    with z D a_1 ... a_L - 1, as many, each (a, t) box meeting exactly one of the
    other's, and its samples carry z = 1."""
    compared = 0
    for product in _patterned_products(problem, pattern):
        system = FaceSystem.build(problem, product)
        outcome = enumerate_face(system)
        for cand in outcome.candidates[:1]:
            gens = list(cand.point.gens)
            z = system.lift_ring("z")
            if gens[-1] != z - 1:
                continue
            assert cand.point.box["z"].contains_zero() is False
            assert cand.point.box["z"].center() == 1
            full = [*gens[:-1], z * system._embed(system.gram_det) * system._a_product - 1]
            pinned = algebra.real_solutions(gens)
            rabinowitsch = algebra.real_solutions(full)
            assert len(pinned) == len(rabinowitsch) >= 1
            for q in pinned:
                at = {k: v for k, v in q.box.items() if k != "z"}
                assert sum(algebra._overlaps(at, r.box) for r in rabinowitsch) == 1
            compared += 1
        if compared == 2:
            return
    assert compared >= 1


def test_a_positive_dimensional_direction_system_falls_back_to_the_effective_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where the direction system is positive-dimensional (a branch with some rho_l = 0
    can be), step 0b solves the effective system with z instead: the outcomes are those
    of the direction route (here the direction system is made the empty one, which is
    positive-dimensional)."""
    problem = _seeded_problem(5, 2, 1)
    live = _live_faces(problem)
    rng = random.Random(3)
    products: list[tuple] = []
    new: list[FaceOutcome] = []
    while sum(bool(o.candidates) for o in new) < 2 and len(products) < 60:
        product = tuple(sorted(rng.choices(live, k=2), key=lambda f: f.index))
        system = FaceSystem.build(problem, product)
        if product not in products and not enumeration.exclusion.excluded(system.merged):
            products.append(product)
            new.append(enumerate_face(system))
    monkeypatch.setattr(FaceSystem, "direction_equations", property(lambda system: []))
    with pytest.raises(algebra.PositiveDimensional):
        algebra.real_solutions(FaceSystem.build(problem, products[0]).direction_equations)
    for product, outcome in zip(products, new, strict=True):
        _same_outcomes(enumerate_face(FaceSystem.build(problem, product)), outcome)
    assert sum(bool(o.candidates) for o in new) >= 2

"""The face polynomials: the expanded loss and effective system against their
definitions, sample by sample."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from reluscape.data import make_problem
from reluscape.exact import algebra
from reluscape.exact.arrangement import orbit_representatives, unit_arrangement
from reluscape.exact.surrogate import FaceSystem


def _problem(n: int, d: int, hidden: int, seed: int) -> object:
    rng = random.Random(seed)
    rows: set[tuple[int, ...]] = set()
    while len(rows) < n:
        rows.add(tuple(rng.randint(-15, 15) for _ in range(d)))
    X = [[Fraction(v, 10) for v in r] for r in sorted(rows)]
    y = [Fraction(rng.randint(-15, 15), 10) for _ in X]
    return make_problem(X, y, hidden=hidden, lam="1/10")


def _systems(problem: object, count: int) -> list[FaceSystem]:
    faces = unit_arrangement(problem).faces
    products = orbit_representatives(len(faces), problem.hidden)
    chosen = random.Random(0).sample(products, min(count, len(products)))
    systems = [FaceSystem.build(problem, tuple(faces[i] for i in p)) for p in chosen]
    return [s for s in systems if s.live]


@pytest.mark.parametrize(("n", "d", "hidden"), [(7, 1, 2), (6, 1, 3), (5, 2, 2)])
def test_expanded_polynomials_are_their_definitions(n: int, d: int, hidden: int) -> None:
    """l_F = 1/2 sum_i (yt_i - sum_l a_l [i in A_l] theta_l . xt_i)^2 + ridge, and the
    effective system with g_l = sum_{i in A_l} e_i xt_i, summed over the samples here;
    the face system sums them through Gram matrices."""
    problem = _problem(n, d, hidden, seed=n + d)
    qq = algebra.to_qq
    xt = [[qq(v) for v in row] for row in problem.xt]
    lam = qq(problem.lam_sum)
    systems = _systems(problem, 30)
    assert len(systems) > 10
    for system in systems:
        R, live, faces = system.ring, system.live, system.faces
        residuals = [
            qq(yt)
            - sum(
                (system.a_var(u) * _dot(xt[i], system.theta[u]) for u in live
                 if faces[u].signs[i] > 0),
                R(0),
            )
            for i, yt in enumerate(problem.yt)
        ]  # fmt: skip
        ridge = sum(system.a_var(u) ** 2 + _dot(system.theta[u], system.theta[u]) for u in live)
        assert system.loss == sum(e**2 for e in residuals) / 2 + lam * ridge / 2
        E = system.effective_ring
        theta = {
            u: [sum(qq(b[k]) * E(f"w{u}_{j}") for j, b in enumerate(faces[u].basis))
                for k in range(d + 1)]
            for u in live
        }  # fmt: skip
        e = [
            qq(yt) - sum((_dot(xt[i], theta[u]) for u in live if faces[u].signs[i] > 0), E(0))
            for i, yt in enumerate(problem.yt)
        ]
        expected = []
        for u in live:
            g = [sum((e[i] * xt[i][k] for i in faces[u].active), E(0)) for k in range(d + 1)]
            for b in faces[u].basis:
                kb = [qq(v) for v in b]
                expected.append(E(f"r{u}") * _dot(kb, g) - lam * _dot(kb, theta[u]))
            expected.append(E(f"r{u}") ** 2 - _dot(theta[u], theta[u]))
        rho = 1
        for u in live:
            rho *= E(f"r{u}")
        expected.append(E("z") * rho - 1)
        assert system.effective_equations == expected


def _dot(u: list, v: list) -> object:
    return sum((a * b for a, b in zip(u, v, strict=True)), 0)


@pytest.mark.parametrize(("n", "d", "hidden"), [(6, 1, 3), (5, 2, 2)])
def test_direction_equations_are_the_effective_ones_divided_by_rho(
    n: int, d: int, hidden: int
) -> None:
    """Each equation of the direction system is the effective one at w_l = rho_l v_l,
    substituted in the fraction field, divided by rho_l (the w-equations) or rho_l^2
    (the balance); z = 1 / prod rho is dropped."""
    problem = _problem(n, d, hidden, seed=n + d)
    for system in _systems(problem, 30):
        E, V = system.effective_ring, system.direction_ring
        K = V.fraction_field()
        images = {f"r{u}": K(f"r{u}") for u in system.live}
        for u in system.live:
            images.update(
                {f"w{u}_{j}": K(f"r{u}") * K(f"v{u}_{j}") for j in range(system.faces[u].dim)}
            )
        values = [images.get(name, K(0)) for name in E.variable_names()]  # z: unused
        effective = iter(system.effective_equations)
        expected = []
        for u in system.live:  # per unit: its dim w-equations, then its balance
            powers = [1] * system.faces[u].dim + [2]
            expected += [V(next(effective)(*values) / K(f"r{u}") ** k) for k in powers]
        assert system.direction_equations == expected


@pytest.mark.parametrize(
    ("n", "hidden", "seed"),
    [(4, 2, 0), (5, 2, 1), pytest.param(4, 3, 2, marks=pytest.mark.slow)],
)
def test_direction_solutions_are_the_effective_solutions(n: int, hidden: int, seed: int) -> None:
    """msolve's real solutions of the direction system with every rho_l != 0 (decided
    exactly) map one to one onto those of the effective system by w_l = rho_l v_l: as
    many, each image box (rho v, rho) meeting exactly one effective box (w, rho); the
    direction system is zero-dimensional where the effective one is."""
    problem = _problem(n, 1, hidden, seed)
    compared = with_points = 0
    for system in _systems(problem, 40):
        try:
            effective = algebra.real_solutions(system.effective_equations)
        except algebra.PositiveDimensional:
            continue
        direction = [
            q
            for q in algebra.real_solutions(system.direction_equations)
            if all(q.sign(system.direction_ring(f"r{u}")) != 0 for u in system.live)
        ]
        assert len(direction) == len(effective)
        for q in direction:
            image = {f"r{u}": q.box[f"r{u}"] for u in system.live}
            for u in system.live:
                for j in range(system.faces[u].dim):
                    image[f"w{u}_{j}"] = q.box[f"r{u}"] * q.box[f"v{u}_{j}"]
            assert sum(algebra._overlaps(image, p.box) for p in effective) == 1
        compared += 1
        with_points += bool(direction)
    assert compared >= 10 and with_points >= 3

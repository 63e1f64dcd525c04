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

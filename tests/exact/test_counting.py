"""Face and orbit counts by formula agree with the listings they replace (dry runs)."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from reluscape.data import make_problem
from reluscape.exact import counting
from reluscape.exact.arrangement import naive_pieces, orbit_representatives, unit_arrangement


def _random_data(rng: random.Random, n: int, d: int, shape: str) -> list[list[Fraction]]:
    """Seeded data with small denominators, so coincidences (three points on a line,
    parallel differences) happen often; ``shape`` adds a degenerate structure."""
    X = [[Fraction(rng.randint(-3, 3), rng.choice([1, 2])) for _ in range(d)] for _ in range(n)]
    if shape == "duplicates":
        X[-1] = list(X[0])
        X[-2] = list(X[1])
    elif shape == "all-equal":
        X = [list(X[0]) for _ in range(n)]
    elif shape == "on-a-line":  # x = p + t v: rank 2 in every d
        p, v = X[0], [Fraction(rng.randint(1, 3)) for _ in range(d)]
        ts = [Fraction(rng.randint(-4, 4), 2) for _ in range(n)]
        X = [[a + t * b for a, b in zip(p, v, strict=True)] for t in ts]
    elif shape == "on-a-plane" and d == 3:  # x_3 = x_1 + 2 x_2: rank 3 in R^4
        X = [[a, b, a + 2 * b] for a, b, _ in X]
    return X


CASES = [
    (d, n, shape, seed)
    for d, n in [(1, 6), (2, 6), (2, 8), (3, 6)]
    for shape in ["random", "duplicates", "all-equal", "on-a-line", "on-a-plane"]
    for seed in range(2)
    if not (shape == "on-a-plane" and d != 3)
]


@pytest.mark.parametrize(("d", "n", "shape", "seed"), CASES)
def test_face_count_equals_the_arrangement_listing(d: int, n: int, shape: str, seed: int) -> None:
    X = _random_data(random.Random(1000 * d + 10 * n + seed), n, d, shape)
    problem = make_problem(X, [0] * n, hidden=1, lam=1)
    listed = len(unit_arrangement(problem).faces)
    assert counting.unit_face_count(X) == (listed, True)
    assert counting.naive_piece_count(X) == (len(naive_pieces(problem)), True)


@pytest.mark.parametrize("seed", range(6))
def test_rank_three_formula_equals_the_moebius_sum(seed: int) -> None:
    """The closed form for points spanning a plane against the lattice enumerated."""
    rng = random.Random(seed)
    X = _random_data(rng, rng.randint(3, 12), 2, rng.choice(["random", "duplicates"]))
    points = counting.distinct_points(X)
    if counting.affine_rank(points) != 3:
        pytest.skip("points on a line")
    flats = counting.lattice_of_flats(points, limit=10_000)
    assert flats is not None
    assert counting.unit_face_count(X) == (counting.face_count_of_lattice(flats), True)


def test_line_counts_numpy_equals_python_and_every_pair_is_on_one_line() -> None:
    rng = random.Random(7)
    points = list({(rng.randint(0, 9), rng.randint(0, 9)) for _ in range(60)})
    groups = counting._direction_groups_numpy(points)
    assert groups == counting._direction_groups_python(points)
    lines = counting._line_sizes(points)
    assert lines is not None and 3 in lines  # a 10 x 10 grid has lines of 3 and more
    m = len(points)
    assert sum(c * k * (k - 1) // 2 for k, c in lines.items()) == m * (m - 1) // 2


@pytest.mark.parametrize("seed", range(4))
def test_general_position_count_bounds_every_arrangement(seed: int) -> None:
    rng = random.Random(seed)
    for d in (1, 2, 3):
        X = _random_data(rng, 7, d, rng.choice(["random", "duplicates", "on-a-line"]))
        points = counting.distinct_points(X)
        m, r = len(points), counting.affine_rank(points)
        exact, _ = counting.unit_face_count(X)
        assert exact <= counting.general_position_face_count(m, r)


def test_general_position_count_is_attained() -> None:
    """Points on the moment curve (t, t^2, t^3) are in general position."""
    X = [[Fraction(t), Fraction(t * t), Fraction(t**3)] for t in range(6)]
    assert counting.unit_face_count(X) == (counting.general_position_face_count(6, 4), True)


def test_large_rank_four_data_give_the_bound() -> None:
    X = [[Fraction(t), Fraction(t * t), Fraction(t**3)] for t in range(60)]
    count, exact = counting.unit_face_count(X)
    assert not exact and count == counting.general_position_face_count(60, 4)


@pytest.mark.parametrize(("faces", "hidden"), [(1, 3), (5, 1), (13, 2), (9, 4)])
def test_orbit_count_equals_the_listing(faces: int, hidden: int) -> None:
    assert counting.orbit_count(faces, hidden) == len(orbit_representatives(faces, hidden))


def test_estimate_for_large_data_is_fast_and_exact() -> None:
    rng = random.Random(3)
    X = [
        [Fraction(rng.randint(-500, 500), 7), Fraction(rng.randint(-500, 500), 3)]
        for _ in range(300)
    ]
    counts = counting.estimate(X, hidden=50)
    assert counts.exact and counts.orbits == counting.orbit_count(counts.unit_faces, 50)
    assert counts.faces == counts.unit_faces**50

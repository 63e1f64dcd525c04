"""Exact linear algebra: rank, kernel and solve agree with independent computations."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reluscape.exact import linalg


def _random_matrix(rng: np.random.Generator, rows: int, cols: int, rank: int) -> list[list[int]]:
    """An integer matrix of the given rank: a product of random rows x rank and rank x cols."""
    left = rng.integers(-3, 4, (rows, rank))
    right = rng.integers(-3, 4, (rank, cols))
    return (left @ right).tolist()


@pytest.mark.parametrize("seed", range(20))
def test_rank_and_kernel_against_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows, cols = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    m = _random_matrix(rng, rows, cols, int(rng.integers(0, min(rows, cols) + 1)))
    r = linalg.rank(m)
    assert r == np.linalg.matrix_rank(np.array(m, dtype=float))  # small integers: exact in floats
    kernel = linalg.kernel_basis(m, cols)
    assert len(kernel) == cols - r
    for v in kernel:
        assert all(linalg.dot(row, v) == 0 for row in m)
    assert linalg.rank(kernel) == len(kernel)  # independent


@pytest.mark.parametrize("seed", range(10))
def test_solve_is_exact(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 5))
    m = [
        [Fraction(int(v), int(rng.integers(1, 5))) for v in row]
        for row in rng.integers(-5, 6, (size, size))
    ]
    if linalg.rank(m) < size:
        m = [[v + (10 if i == j else 0) for j, v in enumerate(row)] for i, row in enumerate(m)]
    rhs = [Fraction(int(v), 7) for v in rng.integers(-5, 6, size)]
    x = linalg.solve(m, rhs)
    assert [linalg.dot(row, x) for row in m] == rhs


def test_singular_and_misshaped_systems_are_refused() -> None:
    with pytest.raises(ValueError, match="singular"):
        linalg.solve([[1, 1], [1, 1]], [0, 0])
    with pytest.raises(ValueError, match="2 x 2"):
        linalg.solve([[1, 1]], [0, 0])
    with pytest.raises(ValueError, match="rows of 2"):
        linalg.rank([[1, 2], [3]])


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 5).flatmap(
        lambda w: st.lists(
            st.lists(st.integers(-6, 6), min_size=w, max_size=w), min_size=0, max_size=5
        ).map(lambda m: (m, w))
    )
)
def test_integer_echelon_is_an_echelon_form_of_the_same_rows(case) -> None:
    """Against rational Gauss-Jordan (linalg.echelon): the same pivots and row space, and
    the rows are in echelon form with their pivots' entries nonzero."""
    matrix, width = case
    rows, pivots = linalg.integer_echelon(matrix, width)
    reduced, expected = linalg.echelon(matrix, width)
    assert pivots == expected
    assert linalg.rank([*rows, *matrix]) == len(rows) == len(reduced)
    for r, (row, pc) in enumerate(zip(rows, pivots, strict=True)):
        assert row[pc] != 0 and not any(row[:pc])
        assert all(later[pc] == 0 for later in rows[r + 1 :])
    # Bareiss: the entries stay minors, so the last pivot of a nonsingular square matrix
    # is its determinant up to sign (plain fraction-free elimination grows beyond it).
    if len(matrix) == width and len(pivots) == width:
        assert abs(rows[-1][-1]) == abs(_determinant(matrix))


def _determinant(matrix: list[list[int]]) -> int:
    """Leibniz's formula, independent of any elimination."""
    size = len(matrix)
    total = 0
    for perm in itertools.permutations(range(size)):
        inversions = sum(perm[a] > perm[b] for a in range(size) for b in range(a + 1, size))
        total += (-1) ** inversions * math.prod(matrix[r][perm[r]] for r in range(size))
    return total


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fractions(max_denominator=50), min_size=1, max_size=6))
def test_clear_denominators_is_the_least_integer_scaling(values: list[Fraction]) -> None:
    ints, scale = linalg.clear_denominators(values)
    assert scale > 0
    assert [Fraction(v, scale) for v in ints] == values
    # Least: the valid scales are the multiples k D of the least one D, and k divides the
    # scale and every integer; so the least one is the one with no common factor.
    assert math.gcd(scale, *ints) == 1


@given(st.integers(1, 4).flatmap(lambda k: st.lists(
    st.lists(st.fractions(min_value=-3, max_value=3, max_denominator=10), min_size=k, max_size=k),
    min_size=k, max_size=k)))  # fmt: skip
@settings(max_examples=60, deadline=None)
def test_inverse_times_the_matrix_is_the_identity(m: list[list[Fraction]]) -> None:
    k = len(m)
    if linalg.rank(m) < k:
        with pytest.raises(ValueError, match="singular"):
            linalg.inverse(m)
        return
    inv = linalg.inverse(m)
    product = [[linalg.dot(row, [r[j] for r in inv]) for j in range(k)] for row in m]
    assert product == [[int(i == j) for j in range(k)] for i in range(k)]


@pytest.mark.parametrize("seed", range(10))
def test_projection_is_the_orthogonal_projection_onto_the_rows(seed: int) -> None:
    """P is symmetric, idempotent, fixes each row of K and kills the kernel of K."""
    rng = np.random.default_rng(seed)
    width = int(rng.integers(2, 5))
    k = int(rng.integers(1, width + 1))
    K = _random_matrix(rng, k, width, k)
    if linalg.rank(K) < k:
        pytest.skip("the random rows are dependent")
    P = linalg.projection(K)
    cols = [[P[i][j] for i in range(width)] for j in range(width)]
    assert all(P[i][j] == P[j][i] for i in range(width) for j in range(width))
    assert [[linalg.dot(row, c) for c in cols] for row in P] == [list(r) for r in P]
    for row in K:
        assert [linalg.dot(p, row) for p in P] == [Fraction(v) for v in row]
    for v in linalg.kernel_basis(K, width):
        assert all(linalg.dot(p, v) == 0 for p in P)

"""Exact linear algebra: rank, kernel and solve agree with independent computations."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

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

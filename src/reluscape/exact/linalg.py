"""Exact linear algebra over Q: dot products, rank, kernel bases and linear solves.

Every function works on :class:`~fractions.Fraction` entries (ints are accepted and
converted) by Gauss-Jordan elimination, so every rank, zero test and solution is exact:
nothing here is ever decided by a float tolerance (docs/METHOD.md section 3 uses these
for the faces' spans, section 8 for the re-check of a result). Matrices are sequences of
rows; the sizes met in reluscape are small (a few dozen rows and columns).
:func:`integer_echelon` is the exception: integer matrices, eliminated fraction-free
(the certificate checks of docs/METHOD.md section 9, where rational entries grew large).

Examples
--------
>>> from fractions import Fraction as Q
>>> rank([[1, 2], [2, 4]]), kernel_basis([[1, 2], [2, 4]], 2)
(1, ((Fraction(-2, 1), Fraction(1, 1)),))
>>> solve([[2, 1], [1, 3]], [3, 5])
(Fraction(4, 5), Fraction(7, 5))
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import TypeVar

__all__ = [
    "Matrix",
    "Number",
    "Vector",
    "clear_denominators",
    "dot",
    "echelon",
    "integer_echelon",
    "inverse",
    "kernel_basis",
    "projection",
    "rank",
    "solve",
]

# The rationals as Python holds them exactly (mypy does not see int and Fraction as
# numbers.Rational).
Number = Fraction | int
Vector = tuple[Fraction, ...]
Matrix = Sequence[Sequence[Number]]
_Entry = TypeVar("_Entry", Fraction, int)


def _rows(matrix: Matrix) -> list[list[Fraction]]:
    return [[Fraction(v) for v in row] for row in matrix]


def dot(u: Sequence[Number], v: Sequence[Number]) -> Fraction:
    """The exact scalar product sum_k u_k v_k.

    Examples
    --------
    >>> from fractions import Fraction as Q
    >>> dot([Q(1, 2), 3], [4, Q(1, 3)])
    Fraction(3, 1)
    """
    # Fractions and ints multiply exactly as they are; wrapping each one in a new Fraction
    # was most of the time of the exact certificate checks at n = 100.
    total = Fraction(0)
    for a, b in zip(u, v, strict=True):
        total += _q(a) * _q(b)
    return total


def clear_denominators(values: Sequence[Number]) -> tuple[list[int], int]:
    """The values times the least common multiple D > 0 of their denominators, and D.

    >>> clear_denominators([Fraction(1, 2), Fraction(-2, 3), 0])
    ([3, -4, 0], 6)
    """
    scale = math.lcm(*(v.denominator for v in values))
    return [v.numerator * (scale // v.denominator) for v in values], scale


def _q(v: Number) -> Number:
    return v if type(v) is Fraction or type(v) is int else Fraction(v)


def echelon(matrix: Matrix, width: int | None = None) -> tuple[list[list[Fraction]], list[int]]:
    """The reduced row echelon form of ``matrix`` (its nonzero rows) and the pivot columns.

    ``width`` is the number of columns (needed only when ``matrix`` has no rows).

    Examples
    --------
    >>> rows, pivots = echelon([[2, 4, 2], [1, 2, 3]])
    >>> [[str(v) for v in r] for r in rows], pivots
    ([['1', '2', '0'], ['0', '0', '1']], [0, 2])
    """
    m = _rows(matrix)
    cols = width if width is not None else (len(m[0]) if m else 0)
    if any(len(row) != cols for row in m):
        raise ValueError(f"expected rows of {cols} entries")
    pivots: list[int] = []
    for r, col in _pivot_steps(m, cols):
        inv = 1 / m[r][col]
        m[r] = [v * inv for v in m[r]]
        for i in range(len(m)):
            if i != r and m[i][col] != 0:
                f = m[i][col]
                m[i] = [a - f * b for a, b in zip(m[i], m[r], strict=True)]
        pivots.append(col)
    return m[: len(pivots)], pivots


def integer_echelon(
    matrix: Sequence[Sequence[int]], width: int
) -> tuple[list[list[int]], list[int]]:
    """A row echelon form of an integer matrix and its pivot columns, by fraction-free
    (Bareiss) elimination: after the pivot p_k of step k, entry (i, j) becomes

        (p_k m_ij - m_ic m_kj) / p_{k-1},

    a minor of the matrix, so the division is exact and the entries stay integers
    (:func:`echelon` works in rationals: a gcd at every operation).

    >>> integer_echelon([[2, 4, 2], [1, 2, 3], [3, 6, 5]], 3)
    ([[2, 4, 2], [0, 0, 4]], [0, 2])
    """
    m = [list(r) for r in matrix]
    pivots: list[int] = []
    previous = 1
    for r, col in _pivot_steps(m, width):
        p = m[r][col]
        for i in range(r + 1, len(m)):
            f = m[i][col]
            m[i] = [(p * a - f * b) // previous for a, b in zip(m[i], m[r], strict=True)]
        previous = p
        pivots.append(col)
    return m[: len(pivots)], pivots


def _pivot_steps(m: list[list[_Entry]], width: int) -> Iterator[tuple[int, int]]:
    """The pivots of Gaussian elimination on ``m``, in place: for each column with a
    nonzero entry at or below row r, that row is swapped to r and (r, column) yielded;
    the caller eliminates with it before the next step."""
    r = 0
    for col in range(width):
        if r == len(m):
            return
        piv = next((i for i in range(r, len(m)) if m[i][col] != 0), None)
        if piv is None:
            continue
        m[r], m[piv] = m[piv], m[r]
        yield r, col
        r += 1


def rank(matrix: Matrix) -> int:
    """The rank over Q.

    Examples
    --------
    >>> rank([[1, 1, 0], [0, 1, 1], [1, 2, 1]]), rank([])
    (2, 0)
    """
    return len(echelon(matrix)[1])


def kernel_basis(matrix: Matrix, width: int) -> tuple[Vector, ...]:
    """A basis of {v in Q^width : row . v = 0 for every row}, one vector per free column.

    The basis vector of free column f has a 1 at f, zeros at the other free columns and
    minus the echelon entries at the pivots (the reduced echelon basis, unique).

    Examples
    --------
    >>> from fractions import Fraction as Q
    >>> kernel_basis([(Q(2), Q(1))], 2)
    ((Fraction(-1, 2), Fraction(1, 1)),)
    >>> kernel_basis([], 2)
    ((Fraction(1, 1), Fraction(0, 1)), (Fraction(0, 1), Fraction(1, 1)))
    """
    m, pivots = echelon(matrix, width)
    basis = []
    for free in (c for c in range(width) if c not in pivots):
        v = [Fraction(0)] * width
        v[free] = Fraction(1)
        for row, pc in zip(m, pivots, strict=True):
            v[pc] = -row[free]
        basis.append(tuple(v))
    return tuple(basis)


def inverse(matrix: Matrix) -> tuple[Vector, ...]:
    """The inverse of a nonsingular square matrix, by one Gauss-Jordan elimination of
    [matrix | I] (one pass for every column, where :func:`solve` per column would repeat it).

    Raises
    ------
    ValueError
        If the matrix is not square, or is singular.

    Examples
    --------
    >>> [[str(v) for v in row] for row in inverse([[2, 1], [1, 1]])]
    [['1', '-1'], ['-1', '2']]
    >>> inverse([[1, 2], [2, 4]])
    Traceback (most recent call last):
    ...
    ValueError: singular matrix
    """
    m = _rows(matrix)
    size = len(m)
    if any(len(row) != size for row in m):
        raise ValueError(f"expected a {size} x {size} matrix")
    augmented = [[*row, *(Fraction(int(i == j)) for j in range(size))] for i, row in enumerate(m)]
    reduced, pivots = echelon(augmented, 2 * size)
    if pivots != list(range(size)):
        raise ValueError("singular matrix")
    return tuple(tuple(row[size:]) for row in reduced)


def projection(basis: Matrix) -> tuple[Vector, ...]:
    """The orthogonal projection K^T (K K^T)^{-1} K onto the span of the rows of K (which
    must be independent), as a square matrix of the rows' width.

    Examples
    --------
    >>> [[str(v) for v in row] for row in projection([[1, 1]])]
    [['1/2', '1/2'], ['1/2', '1/2']]
    """
    rows = _rows(basis)
    width = len(rows[0])
    gram_inv = inverse([[dot(a, b) for b in rows] for a in rows])
    # (K^T G^-1 K)_ab = sum_i K_ia (G^-1 K)_ib
    gk = [
        [dot(g_row, [r[b] for r in rows]) for b in range(width)] for g_row in gram_inv
    ]
    return tuple(
        tuple(dot([r[a] for r in rows], [g[b] for g in gk]) for b in range(width))
        for a in range(width)
    )


def solve(matrix: Matrix, rhs: Sequence[Number]) -> Vector:
    """The solution x of ``matrix @ x = rhs`` for a nonsingular square matrix.

    Raises
    ------
    ValueError
        If the matrix is not square of the size of ``rhs``, or is singular.

    Examples
    --------
    >>> from fractions import Fraction as Q
    >>> solve([[Q(1, 2), 0], [0, 4]], [1, 1])
    (Fraction(2, 1), Fraction(1, 4))
    >>> solve([[1, 2], [2, 4]], [1, 1])
    Traceback (most recent call last):
    ...
    ValueError: singular matrix
    """
    size = len(rhs)
    m = _rows(matrix)
    if len(m) != size or any(len(row) != size for row in m):
        raise ValueError(f"expected a {size} x {size} matrix")
    reduced, pivots = echelon([[*row, Fraction(b)] for row, b in zip(m, rhs, strict=True)])
    if pivots != list(range(size)):
        raise ValueError("singular matrix")
    return tuple(row[size] for row in reduced)

"""Counting faces and orbits by formula, without listing them (``solve --dry-run``).

The faces of one unit are the faces of the central arrangement of the hyperplanes
H_i = {theta : theta . xt_i = 0}, xt_i = (x_i, 1), in R^{d+1} (docs/METHOD.md section 3).
Two samples give the same hyperplane exactly when their x are equal, so only the m
distinct points x_i matter, and the arrangement's intersection lattice L is the lattice
of flats of their affine dependencies: a flat is a set of points closed under affine
span, its rank r(X) the dimension of the span of its vectors xt_i. By Zaslavsky's face
count theorem (Zaslavsky 1975), the number of faces of all dimensions is

    f = sum_{X <= Y in L} |mu(X, Y)|,

mu the Moebius function of L. Here it is evaluated in closed form by the rank r of all
points (r - 1 is the dimension of their affine hull):

- r = 1 (all x equal): f = 3 (one hyperplane, its two sides);
- r = 2 (d = 1, or all x on one line): f = 4 m + 1 (m lines through the origin of a
  plane: 2 m sectors, 2 m rays and the origin);
- r = 3 (x span a plane): with T the lines of the plane through two or more points,
  k_t points on line t, S = sum_t (k_t - 1) and P = sum_t k_t,

      f = 2 + 2 m + 2 |T| + S + |1 - m + S| + 2 P - m,

  the sum over the intervals of L (one term per pair of ranks);
- r >= 4: the Moebius function of the lattice of flats, enumerated, when it is small;
  otherwise the count of points in general position, which is an upper bound (below).

Upper bound. The number of faces is sum_X R(A^X) over flats X, R(A^X) the number of
chambers of the restriction to X. There are at most C(m, s) flats of rank s < r (each is
spanned by s of the points) and one of rank r, and A^X has at most m - s hyperplanes in
rank r - s, so R(A^X) <= R(m - s, r - s) = 2 sum_{i < r - s} C(m - s - 1, i) (Buck's
bound on chambers, increasing in both arguments). Points in general position attain all
of these, so their count sum_{s < r} C(m, s) R(m - s, r - s) + 1 bounds every f.

The paper's naive division has one piece per flat X and sign pattern of the points
outside it: sum_X 2^(m - |X|) pieces, bounded the same way by sum_{s < r} C(m, s)
2^(m - s) + 1.

Orbits of product faces under unit permutations are multisets of L faces out of F:
C(F + L - 1, L), never listed.

All arithmetic is on Python integers and Fractions; NumPy's int64 is used only when
every coordinate difference fits in 31 bits, so nothing overflows or rounds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

Point = tuple[Fraction, ...]

# Work allowed before the general-position bound replaces an exact count: numbers of
# pairs of points (rank 3) and of candidate flats (rank >= 4) that are examined.
_MAX_PAIRS_NUMPY = 8_000_000
_MAX_PAIRS_PYTHON = 400_000
_MAX_FLATS = 500


@dataclass(frozen=True)
class Counts:
    """How much work a run is, computed without listing faces.

    Attributes
    ----------
    hidden : int
        Number of hidden units L.
    unit_faces : int
        Faces F of one unit's division (arrangement faces or naive pieces).
    faces : int
        Product faces F^L.
    orbits : int
        Product faces up to unit permutation, C(F + L - 1, L): what a run processes.
    activation_patterns : int
        2^(L n), the paper's count of activation patterns, for comparison.
    exact : bool
        False when ``unit_faces`` (and so the others) is the general-position upper bound.
    """

    hidden: int
    unit_faces: int
    faces: int
    orbits: int
    activation_patterns: int
    exact: bool = True


def orbit_count(n_faces: int, hidden: int) -> int:
    """Multisets of ``hidden`` faces out of ``n_faces``: C(F + L - 1, L).

    Examples
    --------
    >>> from reluscape.exact.arrangement import orbit_representatives
    >>> orbit_count(13, 2) == len(orbit_representatives(13, 2)) == 91
    True
    >>> orbit_count(21, 50) > 10**17
    True
    """
    return math.comb(n_faces + hidden - 1, hidden)


def distinct_points(X: Sequence[Sequence[Fraction]]) -> list[Point]:
    """The distinct rows of X, in order of first appearance."""
    return list(dict.fromkeys(tuple(Fraction(v) for v in row) for row in X))


def affine_rank(points: Sequence[Point]) -> int:
    """Rank of the vectors (x, 1): one more than the dimension of the affine hull.

    Examples
    --------
    >>> from fractions import Fraction as Q
    >>> affine_rank([(Q(0), Q(0)), (Q(1), Q(1)), (Q(2), Q(2))])
    2
    """
    if not points:
        return 0
    full = len(points[0]) + 1
    return len(_echelon(((*p, Fraction(1)) for p in points), full=full))


def unit_face_count(X: Sequence[Sequence[Fraction]]) -> tuple[int, bool]:
    """Number of faces of one unit's arrangement, and whether it is exact (not a bound).

    Examples
    --------
    >>> from fractions import Fraction as Q
    >>> unit_face_count([[Q(0)], [Q(1)], [Q(2)], [Q(2)]])     # 4 m + 1, m = 3
    (13, True)
    >>> unit_face_count([[Q(0), Q(0)], [Q(1), Q(0)], [Q(0), Q(1)]])   # 3^3: coordinate planes
    (27, True)
    >>> unit_face_count([[Q(1)], [Q(1)]])                      # all x equal
    (3, True)
    """
    points = distinct_points(X)
    m, r = len(points), affine_rank(points)
    if r == 1:
        return 3, True
    if r == 2:
        return 4 * m + 1, True
    if r == 3:
        sizes = _line_sizes(_plane_coordinates(points))
        if sizes is None:
            return general_position_face_count(m, r), False
        lines = sum(sizes.values())
        total = sum(k * c for k, c in sizes.items())
        excess = total - lines
        return 2 + 2 * m + 2 * lines + excess + abs(1 - m + excess) + 2 * total - m, True
    flats = _small_lattice(points, r)
    if flats is None:
        return general_position_face_count(m, r), False
    return face_count_of_lattice(flats), True


def naive_piece_count(X: Sequence[Sequence[Fraction]]) -> tuple[int, bool]:
    """Pieces of the paper's naive division (:func:`reluscape.exact.arrangement.naive_pieces`):
    sum over flats X of 2^(m - |X|), and whether the count is exact.

    Examples
    --------
    >>> from fractions import Fraction as Q
    >>> unit = [[Q(0)], [Q(1)], [Q(2)]]        # 2^3 + 3 * 2^2 + 1
    >>> naive_piece_count(unit)
    (21, True)
    """
    points = distinct_points(X)
    m, r = len(points), affine_rank(points)
    if r == 1:
        return 2**m + 1, True
    if r == 2:
        return 2**m + m * 2 ** (m - 1) + 1, True
    if r == 3:
        sizes = _line_sizes(_plane_coordinates(points))
        if sizes is not None:
            lines = sum(c * 2 ** (m - k) for k, c in sizes.items())
            return 2**m + m * 2 ** (m - 1) + lines + 1, True
    elif (flats := _small_lattice(points, r)) is not None:
        return sum(2 ** (m - len(f)) for f in flats), True
    return sum(math.comb(m, s) * 2 ** (m - s) for s in range(r)) + 1, False


def general_position_face_count(m: int, r: int) -> int:
    """Faces of m hyperplanes through the origin in general position, of rank r:
    sum_{s < r} C(m, s) R(m - s, r - s) + 1, R(k, q) = 2 sum_{i < q} C(k - 1, i).

    It bounds the face count of every central arrangement of m hyperplanes of rank r
    (module docstring).

    Examples
    --------
    >>> general_position_face_count(3, 3), general_position_face_count(5, 2)
    (27, 21)
    """

    def chambers(k: int, q: int) -> int:
        return 2 * sum(math.comb(k - 1, i) for i in range(q))

    return sum(math.comb(m, s) * chambers(m - s, r - s) for s in range(r)) + 1


def estimate(
    X: Sequence[Sequence[Fraction]], *, hidden: int, partitions: str = "realizable"
) -> Counts:
    """The faces and orbits a run on data X with L = ``hidden`` units will process.

    Examples
    --------
    >>> from fractions import Fraction as Q
    >>> estimate([[Q(0)], [Q(1)], [Q(2)]], hidden=2)
    Counts(hidden=2, unit_faces=13, faces=169, orbits=91, activation_patterns=64, exact=True)
    """
    if partitions == "naive":
        unit, exact = naive_piece_count(X)
    else:
        unit, exact = unit_face_count(X)
    return Counts(
        hidden=hidden,
        unit_faces=unit,
        faces=unit**hidden,
        orbits=orbit_count(unit, hidden),
        activation_patterns=2 ** (hidden * len(X)),
        exact=exact,
    )


def lattice_of_flats(points: Sequence[Point], *, limit: int) -> list[frozenset[int]] | None:
    """Every flat (affinely closed set of point indices), or None past ``limit`` flats.

    The flats of rank s + 1 are the closures of a flat of rank s and one more point.

    Examples
    --------
    >>> from fractions import Fraction as Q
    >>> flats = lattice_of_flats([(Q(0),), (Q(1),), (Q(2),)], limit=100)
    >>> sorted(sorted(f) for f in flats)
    [[], [0], [0, 1, 2], [1], [2]]
    """
    vectors = [(*p, Fraction(1)) for p in points]
    empty: frozenset[int] = frozenset()
    flats = [empty]
    seen = {empty}
    level: list[tuple[frozenset[int], list[tuple[int, Point]]]] = [(empty, [])]
    while level:
        following = []
        for flat, basis in level:
            covered = set(flat)
            for i, v in enumerate(vectors):
                if i in covered:
                    continue
                extended = _echelon([v], basis)
                closure = frozenset(
                    j for j, w in enumerate(vectors) if j in flat or _in_span(w, extended)
                )
                # Every point of this closure extends the flat to the same closure.
                covered |= closure
                if closure not in seen:
                    seen.add(closure)
                    flats.append(closure)
                    following.append((closure, extended))
                    if len(flats) > limit:
                        return None
        level = following
    return flats


def _small_lattice(points: Sequence[Point], rank: int) -> list[frozenset[int]] | None:
    """The lattice of flats when points in general position would have at most
    ``_MAX_FLATS`` flats (so that enumerating it takes well under a second), else None."""
    m = len(points)
    if sum(math.comb(m, s) for s in range(rank)) + 1 > _MAX_FLATS:
        return None
    return lattice_of_flats(points, limit=_MAX_FLATS)


def face_count_of_lattice(flats: Sequence[frozenset[int]]) -> int:
    """Zaslavsky's face count sum_{X <= Y} |mu(X, Y)| over a lattice of flats.

    Flats are ordered by inclusion of their point sets (the reverse inclusion of the
    subspaces they stand for); mu(X, X) = 1 and mu(X, Y) = -sum_{X <= Z < Y} mu(X, Z).

    Examples
    --------
    >>> from fractions import Fraction as Q
    >>> face_count_of_lattice(lattice_of_flats([(Q(0),), (Q(1),), (Q(2),)], limit=100))
    13
    """
    order = sorted(flats, key=len)  # a proper subset is smaller: a linear extension
    total = 0
    for x in order:
        mu: dict[frozenset[int], int] = {}
        for y in order:
            if x <= y:
                mu[y] = 1 if y == x else -sum(v for z, v in mu.items() if z < y)
                total += abs(mu[y])
    return total


def _echelon(
    rows: Iterable[Point], basis: Sequence[tuple[int, Point]] = (), *, full: int | None = None
) -> list[tuple[int, Point]]:
    """``basis`` (pivot, row) pairs extended by ``rows``, each new row reduced against the
    previous ones and scaled to 1 at its pivot; dependent rows are dropped. Stops once
    the basis has ``full`` rows (nothing more can be independent)."""
    out = list(basis)
    for row in rows:
        if len(out) == full:
            break
        v = _reduce(row, out)
        pivot = next((k for k, a in enumerate(v) if a != 0), None)
        if pivot is not None:
            out.append((pivot, tuple(a / v[pivot] for a in v)))
    return out


def _reduce(v: Point, basis: Sequence[tuple[int, Point]]) -> Point:
    for pivot, row in basis:
        if v[pivot] != 0:
            f = v[pivot]
            v = tuple(a - f * b for a, b in zip(v, row, strict=True))
    return v


def _in_span(v: Point, basis: Sequence[tuple[int, Point]]) -> bool:
    return not any(_reduce(v, basis))


def _plane_coordinates(points: Sequence[Point]) -> list[tuple[int, int]]:
    """Integer points of the plane, affinely equivalent to ``points`` (which span a plane).

    Two coordinates on which the plane projects one to one are kept (an affine bijection
    keeps lines and distinct points), then every value is scaled by the common
    denominator and shifted to start at 0.
    """
    p0 = points[0]
    diffs = (tuple(a - b for a, b in zip(p, p0, strict=True)) for p in points)
    basis = _echelon(diffs, full=2)
    u, w = basis[0][1], basis[1][1]
    a, b = next(
        (a, b)
        for a in range(len(p0))
        for b in range(a + 1, len(p0))
        if u[a] * w[b] - u[b] * w[a] != 0
    )
    columns = [[p[a] for p in points], [p[b] for p in points]]
    ints = []
    for col in columns:
        scale = math.lcm(*(v.denominator for v in col))
        low = min(col)
        ints.append([int((v - low) * scale) for v in col])
    return list(zip(ints[0], ints[1], strict=True))


def _line_sizes(points: Sequence[tuple[int, int]]) -> dict[int, int] | None:
    """How many lines through two or more of ``points`` (distinct) carry k points, for
    every k, or None when that is more work than a dry run should take.

    From every point i the later points j > i are grouped by their direction from i,
    reduced by the gcd. A line with k points p_1 < ... < p_k is seen from p_1 as a group
    of k - 1, from p_2 as one of k - 2, ..., from p_(k-1) as one of 1; so the number
    G(s) of groups of size s is the number of lines with more than s points, and the
    lines with exactly k points number G(k - 1) - G(k).
    """
    m = len(points)
    pairs = m * (m - 1) // 2
    fits = all(0 <= c < 1 << 31 for p in points for c in p)
    if fits and pairs <= _MAX_PAIRS_NUMPY:
        groups = _direction_groups_numpy(points)
    elif pairs <= _MAX_PAIRS_PYTHON:
        groups = _direction_groups_python(points)
    else:
        return None
    lines = {}
    for k in range(2, m + 1):
        count = groups.get(k - 1, 0) - groups.get(k, 0)
        if count:
            lines[k] = count
    return lines


def _direction_groups_python(points: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Number of direction groups of each size, from each point to the later ones
    (:func:`_line_sizes`)."""
    groups: dict[int, int] = {}
    for i, (xi, yi) in enumerate(points):
        here: dict[tuple[int, int], int] = {}
        for x, y in points[i + 1 :]:
            key = _direction(x - xi, y - yi)
            here[key] = here.get(key, 0) + 1
        for size in here.values():
            groups[size] = groups.get(size, 0) + 1
    return groups


def _direction(dx: int, dy: int) -> tuple[int, int]:
    g = math.gcd(dx, dy)
    dx, dy = dx // g, dy // g
    return (-dx, -dy) if dx < 0 or (dx == 0 and dy < 0) else (dx, dy)


def _direction_groups_numpy(points: Sequence[tuple[int, int]]) -> dict[int, int]:
    """:func:`_direction_groups_python` on int64 arrays, a block of points at a time.

    Coordinates are in [0, 2^31), so differences fit in 32 bits and a reduced direction
    (dx, dy), made positive (dx > 0, or dx = 0 < dy), in the positive key dx 2^32 + dy.
    Block rows a <= i < b take the columns j >= a; the entries with j <= i get the key
    -1 - j, distinct within a row and from every direction, and so form runs of length
    1, taken off at the end. Each row of keys is sorted; its runs are the groups.
    """
    import numpy as np

    xs = np.array([p[0] for p in points], dtype=np.int64)
    ys = np.array([p[1] for p in points], dtype=np.int64)
    m = len(points)
    hist = np.zeros(m + 1, dtype=np.int64)
    block = max(1, (1 << 20) // m)
    padding = 0
    for a in range(0, m, block):
        b = min(a + block, m)
        dx = xs[None, a:] - xs[a:b, None]
        dy = ys[None, a:] - ys[a:b, None]
        earlier = np.arange(a, m)[None, :] <= np.arange(a, b)[:, None]
        g = np.gcd(dx, dy)
        g[earlier] = 1
        dx //= g
        dy //= g
        flip = (dx < 0) | ((dx == 0) & (dy < 0))
        key = np.where(flip, -dx, dx) * (1 << 32) + np.where(flip, -dy, dy)
        key = np.where(earlier, -1 - np.arange(a, m)[None, :], key)
        padding += int(earlier.sum())
        key.sort(axis=1)
        flat = key.ravel()
        new = np.ones(flat.size, dtype=bool)
        new[1:] = flat[1:] != flat[:-1]
        new[:: m - a] = True  # every row starts a run
        lengths = np.diff(np.append(np.flatnonzero(new), flat.size))
        hist += np.bincount(lengths, minlength=m + 1)
    hist[1] -= padding
    return {size: int(c) for size, c in enumerate(hist) if c and size > 0}

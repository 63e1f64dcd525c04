"""Divide: faces of the hyperplane arrangement of one hidden unit, and their products.

For a unit with weights theta in R^{d+1} and sample i, the hyperplane

    H_i = {theta : theta . xt_i = 0},   xt_i = (x_i, 1),

passes through the origin. A sign vector sigma in {-1, 0, +1}^n with
sigma_i = sign(theta . xt_i) picks a *face*: a relatively open polyhedral cone.
Full-dimensional faces (no zero entry, or only zeros forced by duplicate rows) are the
*chambers*; the paper's activation patterns s in {0,1}^n are the sign vectors of chambers
(s_i = 1 iff sigma_i = +1), most of the 2^n patterns being empty.

*Lineality space.* When the xt_i do not span R^{d+1} (all x equal; for d >= 2 all x on
one affine hyperplane; n <= d), every hyperplane contains

    L0 = {theta : theta . xt_i = 0 for all i} != 0,

and every face is invariant under translation by L0: the arrangement has no face {0}.
Omega depends on theta only through its component in the row space W = L0^perp =
span(xt_i), so with P the orthogonal projection onto W (applied to every unit)

    r(psi) = r(P psi) + lambda/2 |psi - P psi|^2,

and psi is a local minimum of r iff every theta_l lies in W and P psi is a local minimum
of r restricted to W^L (docs/METHOD.md section 6). Faces are therefore taken in W: the
faces of the essential arrangement F cap W, whose minimal face is the origin {0} of W
(the dead unit theta_l = 0). For data spanning R^{d+1}, W = R^{d+1} and nothing changes.

On a face F with zero set Z = {i : sigma_i = 0} and active set A = {i : sigma_i = +1},

    span(F) = {theta in W : theta . xt_i = 0 for i in Z} = {K t : t in Q^k},

with K a rational basis (k = dim F = rank(Xt) - rank(Xt_Z)), and on span(F) the hidden
activation of the unit is the linear function [i in A] (theta . xt_i). Faces of
psi-space are products of one face per unit; permuting units permutes the factors, so
one representative per orbit (a non-decreasing tuple of face indices) is enough.

All of this is exact: faces are enumerated in integer arithmetic (:func:`face_points`:
chambers found around the rays of the arrangement, by recursion on the dimension), and
sign vectors are computed from an exact interior point.
"""

from __future__ import annotations

import functools
import itertools
import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from reluscape.data import Problem
from reluscape.exact.linalg import clear_denominators, dot, echelon, kernel_basis, rank

Vector = tuple[Fraction, ...]


@dataclass(frozen=True)
class UnitFace:
    """One face of a single unit's arrangement.

    Attributes
    ----------
    index : int
        Position in the list of faces.
    signs : tuple of int
        sigma_i in {-1, 0, 1} for every sample i (duplicate samples share a sign).
    basis : tuple of vectors
        Rational basis K of span(F) (inside the row space W), as k vectors of length
        d + 1 (empty for the origin).
    point : vector or None
        An exact point of the relative interior (None when the face was not checked to be
        non-empty, as in the naive division).
    """

    index: int
    signs: tuple[int, ...]
    basis: tuple[Vector, ...]
    point: Vector | None

    @property
    def dim(self) -> int:
        """Dimension k of span(F)."""
        return len(self.basis)

    @property
    def active(self) -> tuple[int, ...]:
        """Active set A = {i : sigma_i = +1}."""
        return tuple(i for i, s in enumerate(self.signs) if s > 0)

    @property
    def zeros(self) -> tuple[int, ...]:
        """Zero set Z = {i : sigma_i = 0} (the tight constraints)."""
        return tuple(i for i, s in enumerate(self.signs) if s == 0)

    @property
    def is_chamber(self) -> bool:
        """Whether no constraint is tight (a full-dimensional face)."""
        return not self.zeros

    @property
    def kind(self) -> str:
        """``"origin"``, ``"chamber"``, or ``"boundary"`` (a lower-dimensional face)."""
        if self.dim == 0:
            return "origin"
        return "chamber" if self.is_chamber else "boundary"

    def label(self) -> str:
        """Sign vector as text, e.g. ``"+0--+"``."""
        return "".join("+" if s > 0 else "-" if s < 0 else "0" for s in self.signs)


@dataclass(frozen=True)
class Arrangement:
    """All faces of one unit's arrangement for a data set (shared by every unit).

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> arr = unit_arrangement(make_problem([[0], [1], [2]], [0, 1, 0], hidden=1, lam=1))
    >>> len(arr.faces), len(arr.chambers)   # (4n + 1) faces, 2n chambers for d = 1
    (13, 6)

    All x equal: one hyperplane, L0 = span((1, -1)), faces origin and two half-lines of W.

    >>> arr = unit_arrangement(make_problem([[1], [1]], [0, 1], hidden=1, lam=1))
    >>> [(f.label(), f.kind, f.basis) for f in arr.faces]  # doctest: +NORMALIZE_WHITESPACE
    [('--', 'chamber', ((Fraction(1, 1), Fraction(1, 1)),)),
     ('++', 'chamber', ((Fraction(1, 1), Fraction(1, 1)),)),
     ('00', 'origin', ())]
    """

    xt: tuple[Vector, ...]
    faces: tuple[UnitFace, ...]
    lineality: tuple[Vector, ...] = ()

    @cached_property
    def chambers(self) -> tuple[UnitFace, ...]:
        """The full-dimensional faces."""
        return tuple(f for f in self.faces if f.is_chamber)

    @cached_property
    def _by_signs(self) -> dict[tuple[int, ...], UnitFace]:
        return {f.signs: f for f in self.faces}

    def face_of(self, signs: tuple[int, ...]) -> UnitFace | None:
        """The realizable face with this sign vector, or None if it is empty."""
        return self._by_signs.get(tuple(signs))

    def adjacent_chambers(self, face: UnitFace) -> tuple[UnitFace, ...]:
        """Chambers C with F in the closure of C: sigma_C agrees with sigma_F off Z."""
        return tuple(
            c
            for c in self.chambers
            if all(sf == 0 or sf == sc for sf, sc in zip(face.signs, c.signs, strict=True))
        )

    def closure_faces(self, chamber: UnitFace) -> tuple[UnitFace, ...]:
        """All faces in the closure of a chamber (sign vectors below it)."""
        return tuple(
            f
            for f in self.faces
            if all(sf == 0 or sf == sc for sf, sc in zip(f.signs, chamber.signs, strict=True))
        )


def _sign(v: numbers.Rational) -> int:
    return (v > 0) - (v < 0)


# --- faces of a central arrangement, exactly -------------------------------------------
#
# Integer vectors throughout: a face is a cone, so any positive multiple of a point is a
# point of the same face, and Python integers are exact and much faster than Fractions.

IntVector = tuple[int, ...]


def _primitive(v: Sequence[numbers.Rational]) -> IntVector:
    """The integer vector with the direction of v and coprime entries (a positive multiple).

    >>> _primitive((Fraction(1, 2), Fraction(-3, 4), 0))
    (2, -3, 0)
    """
    ints, _ = clear_denominators(v)
    g = math.gcd(*ints) or 1
    return tuple(x // g for x in ints)


def _idot(u: IntVector, v: IntVector) -> int:
    return sum(a * b for a, b in zip(u, v, strict=True))


def _line(h: IntVector) -> IntVector:
    """A canonical normal of the hyperplane {h . t = 0}: h or -h, first nonzero entry > 0."""
    first = next(x for x in h if x != 0)
    return h if first > 0 else tuple(-x for x in h)


def _hyperplanes(normals: Iterable[IntVector]) -> list[IntVector]:
    """Distinct hyperplanes among nonzero normals (h and -h, or multiples, are one)."""
    return list(dict.fromkeys(_line(_primitive(h)) for h in normals if any(h)))


def _rays(normals: list[IntVector], k: int) -> list[IntVector]:
    """One direction of every one-dimensional flat: the kernel of k - 1 independent normals."""
    found: dict[IntVector, None] = {}
    for subset in itertools.combinations(normals, k - 1):
        kern = kernel_basis(subset, k)
        if len(kern) == 1:
            found.setdefault(_line(_primitive(kern[0])), None)
    return list(found)


def _step(v: IntVector, u: IntVector, normals: list[IntVector]) -> IntVector:
    """A point v + eps u with eps > 0 small enough that no sign h . v != 0 changes.

    Where h . u has the opposite sign of h . v the bound is eps < |h . v| / |h . u|;
    half the smallest bound keeps every such sign.
    """
    eps = Fraction(1)
    for h in normals:
        hv, hu = _idot(h, v), _idot(h, u)
        if hv * hu < 0:
            eps = min(eps, Fraction(abs(hv), 2 * abs(hu)))
    return tuple(eps.denominator * a + eps.numerator * b for a, b in zip(v, u, strict=True))


def chamber_points(normals: list[IntVector], k: int) -> list[IntVector]:
    """One interior point of every chamber of an essential central arrangement in Q^k.

    Every chamber of an essential arrangement (k >= 2) has a ray v in its closure, and
    near v it meets the chambers of the arrangement of the hyperplanes through v. Those
    intersect in span(v), so restricted to the complement U = {t : t_p = 0} (v_p != 0)
    they form an essential arrangement in k - 1 dimensions: for each of its chambers u,
    v + eps u lies in a chamber around v (:func:`_step`), and every chamber around v is
    reached. So the chambers are found by recursion on the dimension, k = 1 being the two
    half-lines.

    Examples
    --------
    Two lines in the plane cut it into four quadrants:

    >>> sorted(chamber_points([(1, 0), (0, 1)], 2))
    [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    """
    if k == 1:
        return [(1,), (-1,)]
    found: dict[tuple[int, ...], IntVector] = {}
    for ray in _rays(normals, k):
        p = next(j for j, x in enumerate(ray) if x != 0)
        local = _hyperplanes(h[:p] + h[p + 1 :] for h in normals if _idot(h, ray) == 0)
        around = chamber_points(local, k - 1)
        for v in (ray, tuple(-x for x in ray)):
            for low in around:
                point = _step(v, (*low[:p], 0, *low[p:]), normals)
                signs = tuple(_sign(_idot(h, point)) for h in normals)
                found.setdefault(signs, _primitive(point))
    return list(found.values())


def face_points(normals: list[IntVector], k: int) -> list[IntVector]:
    """One relative-interior point of every face of an essential central arrangement in Q^k.

    A face is a chamber of the arrangement restricted to its flat X (the subspace cut out
    by the hyperplanes containing the face): in coordinates t -> K t of a basis K of X,
    the hyperplanes not containing X form an essential arrangement of X, whose chambers
    :func:`chamber_points` lists. Flats are the kernels of up to k - 1 independent
    normals, found once each by their zero sets; the origin is the flat of rank k.

    Examples
    --------
    Two lines in the plane: the origin, four half-lines and four quadrants.

    >>> len(face_points([(1, 0), (0, 1)], 2))
    9
    """
    points: list[IntVector] = [(0,) * k, *chamber_points(normals, k)]
    seen: set[tuple[int, ...]] = set()
    for size in range(1, k):
        for subset in itertools.combinations(range(len(normals)), size):
            kern = [_primitive(b) for b in kernel_basis([normals[i] for i in subset], k)]
            if len(kern) != k - size:
                continue
            zeros = tuple(i for i, h in enumerate(normals) if all(_idot(h, b) == 0 for b in kern))
            if zeros in seen:
                continue
            seen.add(zeros)
            rest = _hyperplanes(
                tuple(_idot(h, b) for b in kern) for i, h in enumerate(normals) if i not in zeros
            )
            points += [_combine(t, kern) for t in chamber_points(rest, k - size)]
    return points


def _combine(t: Sequence[int], basis: Sequence[Sequence[numbers.Rational]]) -> IntVector:
    """The point sum_j t_j basis_j, as a primitive integer vector (the same face).

    >>> _combine((1, 2), [(Fraction(1, 2), 0), (0, 1)])
    (1, 4)
    """
    width = len(basis[0])
    return _primitive(
        [sum((c * b[j] for c, b in zip(t, basis, strict=True)), Fraction(0)) for j in range(width)]
    )


def unit_arrangement(problem: Problem) -> Arrangement:
    """Every face of the central arrangement {H_i} in the row space W, exactly.

    In coordinates t -> B t of a basis B of W the hyperplanes are {h_i . t = 0} with
    h_i = (xt_i . B_j)_j, an essential arrangement whose faces :func:`face_points` lists
    (duplicate samples give one hyperplane); each face's sign vector, indexed by sample,
    is computed from its exact point B t.
    """
    xt = problem.xt
    dim = problem.d + 1
    lineality = kernel_basis(list(xt), dim)
    if lineality:
        basis = [tuple(row) for row in echelon(list(xt))[0]]
    else:
        basis = [tuple(Fraction(int(i == j)) for j in range(dim)) for i in range(dim)]
    normals = _hyperplanes(_primitive([dot(row, b) for b in basis]) for row in xt)
    scaled = [_primitive(row) for row in xt]
    faces = []
    for t in face_points(normals, len(basis)):
        pt = _combine(t, basis)
        signs = tuple(_sign(_idot(pt, row)) for row in scaled)
        zero_rows = [row for row, s in zip(xt, signs, strict=True) if s == 0]
        faces.append(
            (signs, kernel_basis([*zero_rows, *lineality], dim), tuple(Fraction(v) for v in pt))
        )
    faces.sort(key=lambda f: (-len(f[1]), f[0]))
    return Arrangement(
        xt=xt,
        faces=tuple(
            UnitFace(index=i, signs=s, basis=b, point=p) for i, (s, b, p) in enumerate(faces)
        ),
        lineality=lineality,
    )


def flats(xt: tuple[Vector, ...], dim: int) -> list[tuple[int, ...]]:
    """Closed zero sets Z (flats): Z = {i : xt_i in span(xt_j : j in Z)}, rank <= dim.

    These are the possible zero sets of faces, found without deciding which faces are
    non-empty; used by the naive division.
    """
    n = len(xt)
    found: set[tuple[int, ...]] = set()
    for size in range(dim + 1):
        for subset in itertools.combinations(range(n), size):
            rows = [xt[i] for i in subset]
            r = rank(rows)
            closure = tuple(i for i in range(n) if rank([*rows, xt[i]]) == r)
            found.add(closure)
    return sorted(found, key=lambda z: (len(z), z))


def naive_pieces(problem: Problem) -> tuple[UnitFace, ...]:
    """The paper's division for one unit: every activation pattern with its boundary pieces.

    For each pattern s in {0,1}^n (2^n of them, realizable or not) and each flat Z, the
    piece has sign vector sigma_i = 0 on Z, +1 where s_i = 1, -1 where s_i = 0, and span
    {theta in W : theta . xt_i = 0, i in Z} (W the row space, module docstring). Pieces
    shared by several patterns are listed once. Nothing is checked for emptiness: the
    algebra finds no point inside an empty piece.
    """
    xt = problem.xt
    dim = problem.d + 1
    lineality = kernel_basis(list(xt), dim)
    pieces: dict[tuple[int, ...], tuple[Vector, ...]] = {}
    for z in flats(xt, dim):
        basis = kernel_basis([*(xt[i] for i in z), *lineality], dim)
        if not basis:
            pieces.setdefault(tuple(0 for _ in xt), ())
            continue
        for pattern in itertools.product((-1, 1), repeat=problem.n):
            signs = tuple(0 if i in z else pattern[i] for i in range(problem.n))
            # Duplicate rows must carry one sign; other combinations are empty pieces
            # of the same pattern family and would be counted twice.
            if any(
                xt[i] == xt[j] and signs[i] != signs[j] for i in range(problem.n) for j in range(i)
            ):
                continue
            pieces.setdefault(signs, basis)
    ordered = sorted(pieces.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return tuple(
        UnitFace(index=i, signs=s, basis=b, point=None) for i, (s, b) in enumerate(ordered)
    )


def orbit_representatives(n_faces: int, hidden: int) -> list[tuple[int, ...]]:
    """One product face per orbit of unit permutations: non-decreasing index tuples.

    Examples
    --------
    >>> orbit_representatives(3, 2)
    [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    """
    return list(itertools.combinations_with_replacement(range(n_faces), hidden))


def orbit_size(product: tuple[int, ...]) -> int:
    """Number of distinct unit permutations of a product face: L! / prod(multiplicity!).

    >>> orbit_size((0, 0)), orbit_size((0, 1)), orbit_size((1, 1, 2))
    (1, 2, 3)
    """
    from math import factorial

    counts: dict[int, int] = {}
    for i in product:
        counts[i] = counts.get(i, 0) + 1
    size = factorial(len(product))
    for c in counts.values():
        size //= factorial(c)
    return size


@functools.lru_cache(maxsize=65536)
def facet_samples(problem: Problem, face: UnitFace) -> tuple[int, ...]:
    """One sample per facet of the cone F in span(F): relint(F) is the set of theta in
    span(F) with sigma_i theta . xt_i > 0 for these i alone.

    On span(F) = {K t}, the form of sample i is c_i . t with c_i = sigma_i K^T xt_i; samples
    with positively proportional c_i give one condition (a *direction group*). For a face
    of the arrangement (one with an interior point), a group is a facet iff zeroing its
    signs gives another face of the arrangement G: then G lies in the closure of F and
    span(G) is the group's hyperplane in span(F). Conversely every facet of F is such a
    G, whose zero set is Z_F plus exactly one group (a sample that vanishes on span(G)
    has c_j proportional to c_i; a negative multiple would make F empty). An open
    polyhedral cone is the intersection of its open facet halfspaces, so the other
    conditions follow from these. For a piece of the naive division (not checked to be
    non-empty) every group is kept. The first sample of each group stands for it.

    Examples
    --------
    Samples x = 0, 1, 2: the chamber where all three are active is bounded by the
    hyperplanes of x = 0 and x = 2 (its rays are those where one of them is zero); the
    ray where x = 1 is zero has one condition for both others.

    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1], [2]], [0, 1, 0], hidden=1, lam=1)
    >>> arr = cached_arrangement(p)
    >>> facet_samples(p, arr.face_of((1, 1, 1))), facet_samples(p, arr.face_of((-1, 0, 1)))
    ((0, 2), (0,))
    """
    groups = _direction_groups(problem, face)
    if face.point is None:
        return tuple(g[0] for g in groups)
    arrangement = cached_arrangement(problem)
    facets = []
    for group in groups:
        signs = list(face.signs)
        for i in group:
            signs[i] = 0
        if arrangement.face_of(tuple(signs)) is not None:
            facets.append(group[0])
    return tuple(facets)


def direction_samples(problem: Problem, face: UnitFace) -> tuple[int, ...]:
    """One sample per direction group of F (see :func:`facet_samples`): the distinct
    conditions sigma_i theta . xt_i > 0 on span(F), facets or not.

    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1], [2]], [0, 1, 0], hidden=1, lam=1)
    >>> direction_samples(p, cached_arrangement(p).face_of((1, 1, 1)))
    (0, 1, 2)
    """
    return tuple(g[0] for g in _direction_groups(problem, face))


@functools.lru_cache(maxsize=65536)
def _direction_groups(problem: Problem, face: UnitFace) -> tuple[tuple[int, ...], ...]:
    """The samples with sigma_i != 0 grouped by the direction of c_i = sigma_i K^T xt_i."""
    groups: dict[IntVector, list[int]] = {}
    for i, s in enumerate(face.signs):
        if s != 0:
            c = _primitive([s * dot(problem.xt[i], k) for k in face.basis])
            groups.setdefault(c, []).append(i)
    return tuple(tuple(g) for g in groups.values())


PARTITIONS = ("realizable", "naive")


@functools.lru_cache(maxsize=4)
def cached_arrangement(problem: Problem) -> Arrangement:
    """:func:`unit_arrangement`, computed once per problem in a process."""
    return unit_arrangement(problem)


@functools.lru_cache(maxsize=4)
def pieces(problem: Problem, partitions: str) -> tuple[UnitFace, ...]:
    """The unit faces a run divides by: the arrangement's faces (``"realizable"``) or the
    paper's activation patterns with their boundary pieces (``"naive"``)."""
    if partitions not in PARTITIONS:
        raise ValueError(f"partitions must be one of {PARTITIONS}, got {partitions!r}")
    if partitions == "naive":
        return naive_pieces(problem)
    return cached_arrangement(problem).faces

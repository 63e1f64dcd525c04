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
import gc
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import numpy as np

from reluscape.data import Problem
from reluscape.exact.linalg import (
    Number,
    clear_denominators,
    dot,
    echelon,
    integer_echelon,
    kernel_basis,
    rank,
    solve,
)

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
    # The faces' sign vectors as rows of an int8 matrix, when the construction made one
    # (else built on first use): closure and adjacency are then one vectorized
    # comparison over all faces instead of a Python loop over faces times samples.
    signs_matrix: np.ndarray | None = field(default=None, compare=False, repr=False)
    # facet_samples of every chamber (by face index), when the construction knew them.
    chamber_facets: Mapping[int, tuple[int, ...]] | None = field(
        default=None, compare=False, repr=False
    )

    @cached_property
    def matrix(self) -> np.ndarray:
        """sigma_F of every face F, row F.index (int8, faces x n)."""
        if self.signs_matrix is not None:
            return self.signs_matrix
        return np.array([f.signs for f in self.faces], dtype=np.int8).reshape(
            len(self.faces), len(self.xt)
        )

    @cached_property
    def chambers(self) -> tuple[UnitFace, ...]:
        """The full-dimensional faces (no zero sign: one test over the sign matrix, not
        a Python pass over n signs per face)."""
        return tuple(self.faces[k] for k in self._chamber_rows)

    @cached_property
    def _chamber_rows(self) -> np.ndarray:
        return np.flatnonzero((self.matrix != 0).all(axis=1))

    @cached_property
    def _by_signs(self) -> dict[tuple[int, ...], UnitFace]:
        return {f.signs: f for f in self.faces}

    def face_of(self, signs: tuple[int, ...]) -> UnitFace | None:
        """The realizable face with this sign vector, or None if it is empty."""
        return self._by_signs.get(tuple(signs))

    def adjacent_chambers(self, face: UnitFace) -> tuple[UnitFace, ...]:
        """Chambers C with F in the closure of C: sigma_C agrees with sigma_F off Z."""
        # From the signs, not face.index: the face may be a naive piece (another list).
        s = np.asarray(face.signs, dtype=np.int8)
        off = np.flatnonzero(s)
        rows = self.matrix[self._chamber_rows][:, off]
        hit = (rows == s[off]).all(axis=1)
        return tuple(self.chambers[k] for k in np.flatnonzero(hit))

    def closure_faces(self, chamber: UnitFace) -> tuple[UnitFace, ...]:
        """All faces in the closure of a chamber (sign vectors below it)."""
        s = np.asarray(chamber.signs, dtype=np.int8)
        hit = ((self.matrix == 0) | (self.matrix == s)).all(axis=1)
        return tuple(self.faces[k] for k in np.flatnonzero(hit))


def _sign(v: Number) -> int:
    return (v > 0) - (v < 0)


# --- faces of a central arrangement, exactly -------------------------------------------
#
# Integer vectors throughout: a face is a cone, so any positive multiple of a point is a
# point of the same face, and Python integers are exact and much faster than Fractions.

IntVector = tuple[int, ...]


def _primitive(v: Sequence[Number]) -> IntVector:
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


def _combine(t: Sequence[int], basis: Sequence[Sequence[Number]]) -> IntVector:
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

    For d = 1 and d = 2 with data spanning R^{d+1} (W = R^{d+1}, the usual case) the faces
    come from a sweep (:func:`line_faces`, :func:`plane_faces`) in O(n log n) and
    O(n^2 log n) exact steps; otherwise :func:`recursive_faces`. Either way each face's
    sign vector is computed from its exact point (:func:`_assemble`).
    """
    xt = problem.xt
    if problem.d in (1, 2) and not kernel_basis(list(xt), problem.d + 1):
        # One normal per hyperplane, with the first sample on it (its facet sample). For
        # d = 1 the normal (p, q), x = p / q, keeps q > 0, as line_faces needs.
        owner: dict[IntVector, int] = {}
        for i, row in enumerate(xt):
            h = _primitive(row)
            owner.setdefault(h if problem.d == 1 else _line(h), i)
        sweep = line_faces if problem.d == 1 else plane_faces
        return _assemble(xt, sweep(list(owner)), list(owner.values()))
    return recursive_faces(problem)


def recursive_faces(problem: Problem) -> Arrangement:
    """Every face of the central arrangement {H_i} in the row space W, by recursion on
    the dimension (any d, any data).

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
    int_basis = _common_scale(basis)
    in_w = _coordinates(scaled, int_basis)
    spans: dict[tuple[int, ...], tuple[Vector, ...]] = {}  # faces of one zero set share it
    faces = []
    for t in face_points(normals, len(basis)):
        pt = _primitive(_integer_combination(t, int_basis))  # = _combine(t, basis)
        signs = tuple(_sign(_idot(pt, row)) for row in scaled)
        zeros = tuple(i for i, s in enumerate(signs) if s == 0)
        if zeros not in spans:
            spans[zeros] = span_basis([in_w[i] for i in zeros], int_basis)
        faces.append((signs, spans[zeros], tuple(Fraction(v) for v in pt)))
    faces.sort(key=lambda f: (-len(f[1]), f[0]))
    return Arrangement(
        xt=xt,
        faces=tuple(
            UnitFace(index=i, signs=s, basis=b, point=p) for i, (s, b, p) in enumerate(faces)
        ),
        lineality=lineality,
    )


# --- d = 1 and d = 2, W = R^{d+1}: the faces by a sweep ----------------------------------
#
# A sweep yields (point, basis, walls) for every face, chambers possibly more than once;
# the bases are those span_basis gives (the tests compare both constructions face by
# face). ``walls`` lists, for a chamber, hyperplanes (indices of the normals) of facets
# of it: over all the times a chamber is found, every facet (facet_samples' answer,
# known without a test per sample).

FacePoint = tuple[IntVector, tuple[Vector, ...], tuple[int, ...]]


def _reduced(v: Sequence[int]) -> IntVector:
    """An integer vector divided by the gcd of its entries (same direction).

    >>> _reduced((4, -6, 0))
    (2, -3, 0)
    """
    g = math.gcd(*v) or 1
    return tuple(x // g for x in v)


def _ray_basis(r: IntVector) -> tuple[Vector, ...]:
    """span_basis of a one-dimensional flat span(r): r / r_f, f its last nonzero entry.

    The free column of the elimination from the left of the flat's equations is the
    first column that depends on the columns before it, i.e. the last column of the
    support of the kernel vector r; kernel_basis's vector has a 1 there.

    >>> _ray_basis((2, -3))
    ((Fraction(-2, 3), Fraction(1, 1)),)
    """
    f = max(j for j, v in enumerate(r) if v)
    return (tuple(Fraction(v, r[f]) for v in r),)


def _full_basis(k: int) -> tuple[Vector, ...]:
    """span_basis of a chamber of an essential arrangement of R^k: the unit vectors."""
    return tuple(tuple(Fraction(int(i == j)) for j in range(k)) for i in range(k))


def line_faces(normals: list[IntVector]) -> list[FacePoint]:
    """The faces of an essential central arrangement of lines in Q^2 (d = 1, n >= 2
    distinct x), with normals (x_i, 1) scaled to coprime integers (p_i, q_i), q_i > 0.

    theta = (b, c) has sign(b x_i + c): sorted u_1 < ... < u_m, the rays are
    +-(q_j, -p_j) (b x + c = 0 at x = u_j), and the 2m chambers are the sectors between
    angularly consecutive rays: r_j + r_(j+1) = (q_j + q_(j+1), -(p_j + p_(j+1))) (the
    mediant of u_j and u_(j+1) is the cut) with walls u_j, u_(j+1), its negation, and
    (0, 1), (0, -1) (all samples active, none) with walls u_1, u_m. O(m log m), against
    the O(m^2) of :func:`face_points`.

    >>> [(p, w) for p, _, w in line_faces([(1, 1), (0, 1)])]  # x = 1, x = 0
    ... # doctest: +NORMALIZE_WHITESPACE
    [((0, 0), ()), ((1, 0), ()), ((-1, 0), ()), ((1, -1), ()), ((-1, 1), ()),
     ((0, 1), (1, 0)), ((0, -1), (1, 0)), ((2, -1), (1, 0)), ((-2, 1), (1, 0))]
    """
    order = sorted(range(len(normals)), key=lambda k: Fraction(*normals[k]))
    rays = [(normals[k][1], -normals[k][0]) for k in order]
    out: list[FacePoint] = [((0, 0), (), ())]
    for r in rays:
        basis = _ray_basis(r)
        out += [(r, basis, ()), ((-r[0], -r[1]), basis, ())]
    full = _full_basis(2)
    ends = (order[0], order[-1])
    out += [((0, 1), full, ends), ((0, -1), full, ends)]
    for k, (a, b) in enumerate(itertools.pairwise(rays)):
        mid = _reduced((a[0] + b[0], a[1] + b[1]))
        walls = (order[k], order[k + 1])
        out += [(mid, full, walls), ((-mid[0], -mid[1]), full, walls)]
    return out


def _cross(a: IntVector, b: IntVector) -> IntVector:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _around(h: IntVector, rays: list[IntVector]) -> list[IntVector]:
    """Rays in the plane {h . t = 0}, sorted counterclockwise seen from h.

    Coordinates (r . a, r . b) in the plane's orthogonal integer frame a = rays[0],
    b = h x a are exact integers (positive rescalings of the two axes, which keep the
    cyclic order); a float angle orders them first, and an exact sort (half-plane, then
    the sign of the 2-D cross product) corrects any float tie in about one comparison
    per ray, the list being nearly sorted already.
    """
    a = rays[0]
    b = _cross(h, a)
    flat = [(_idot(r, a), _idot(r, b), r) for r in rays]

    def half(x: int, y: int) -> int:
        return 0 if y > 0 or (y == 0 and x > 0) else 1

    def exact(p: tuple[int, int, IntVector], q: tuple[int, int, IntVector]) -> int:
        hp, hq = half(p[0], p[1]), half(q[0], q[1])
        if hp != hq:
            return hp - hq
        return -_sign(p[0] * q[1] - p[1] * q[0])

    flat.sort(key=lambda f: math.atan2(f[1], f[0]) % math.tau)
    flat.sort(key=functools.cmp_to_key(exact))
    return [r for _, _, r in flat]


def plane_faces(normals: list[IntVector]) -> list[FacePoint]:
    """The faces of an essential central arrangement of planes in Q^3 (d = 2, data not
    on one line), chambers possibly repeated.

    The rays are +-(h_i x h_j) for non-parallel planes. In each plane h they cut out
    2k sectors, k >= 2 (one k = 1 would put every plane through one line, W != Q^3), so
    each sector is less than a half-plane and r_a + r_b, consecutive rays, lies inside
    it. A chamber touches some plane h in a sector of interior point p, and is then
    2 M p + e h (e = +-1) with M = max_j |h_j . h|: for h_j . p != 0 (an integer, so
    |h_j . p| >= 1) 2 M |h_j . p| > |h_j . h| keeps its sign, and h_j . p = 0 inside the
    sector only for h_j parallel to h, whose sign is then e sign(h_j . h). So every
    chamber is reached; a chamber reached from several sectors is one face
    (:func:`_assemble` keeps one per sign vector). O(n^2 log n) exact steps.

    The coordinate planes: the origin, 6 rays, 12 quarter-planes, and each of the 8
    octants found from its 3 walls.

    >>> len(plane_faces([(1, 0, 0), (0, 1, 0), (0, 0, 1)]))
    43
    """
    on: dict[int, dict[IntVector, None]] = {i: {} for i in range(len(normals))}
    for i, j in itertools.combinations(range(len(normals)), 2):
        r = _line(_reduced(_cross(normals[i], normals[j])))
        on[i][r] = None
        on[j][r] = None
    out: list[FacePoint] = [((0, 0, 0), (), ())]
    seen: set[IntVector] = set()
    full = _full_basis(3)
    tops = _largest_products(normals)
    for i, h in enumerate(normals):
        lines = list(on[i])
        for r in lines:
            if r not in seen:
                seen.add(r)
                basis = _ray_basis(r)
                out += [(r, basis, ()), ((-r[0], -r[1], -r[2]), basis, ())]
        ring = _around(h, [*lines, *(tuple(-v for v in r) for r in lines)])
        span = span_basis([h], [(1, 0, 0), (0, 1, 0), (0, 0, 1)])
        big = 2 * tops[i]
        for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
            p = _reduced((a[0] + b[0], a[1] + b[1], a[2] + b[2]))
            out.append((p, span, ()))
            for e in (1, -1):
                point = _reduced([big * x + e * y for x, y in zip(p, h, strict=True)])
                out.append((point, full, (i,)))
    return out


def _largest_products(normals: list[IntVector]) -> list[int]:
    """max_j |h_j . h_i| for every i (int64 when no product can overflow)."""
    top = max(abs(v) for h in normals for v in h) ** 2 * len(normals[0])
    kind = np.int64 if top < 2**62 else object
    hs = np.array(normals, dtype=kind)
    return [int(v) for v in np.abs(hs @ hs.T).max(axis=1)]


def _sign_rows(points: Sequence[IntVector], rows: Sequence[IntVector]) -> np.ndarray:
    """sign(point . row) for every point and row (int8, points x rows), exactly: an int64
    product when no sum can overflow, else Python integers."""
    width = len(rows[0])
    top = max(abs(v) for p in points for v in p) * max(abs(v) for r in rows for v in r)
    kind = np.int64 if width * top < 2**62 else object
    pts, xs = np.array(points, dtype=kind), np.array(rows, dtype=kind).T
    out = np.empty((len(points), len(rows)), dtype=np.int8)
    step = max(1, 2**22 // max(1, len(rows)))  # chunks of a few million products
    for k in range(0, len(points), step):
        # A sum of width outer products: numpy's integer matmul has no fast kernel.
        block = pts[k : k + step]
        acc = block[:, 0, None] * xs[None, 0, :]
        for j in range(1, width):
            acc += block[:, j, None] * xs[None, j, :]
        out[k : k + step] = np.sign(acc).astype(np.int8)
    return out


def _assemble(xt: tuple[Vector, ...], found: list[FacePoint], owner: list[int]) -> Arrangement:
    """The arrangement (W = Q^{d+1}) of faces given by exact points: sign vectors from
    the points, one face per sign vector, sorted by (-dim, signs) as
    :func:`recursive_faces` sorts them; each chamber's facet samples are the first
    samples (``owner``) of its walls."""
    # Millions of new lists and tuples below hold no reference cycles, but each would
    # make the cyclic collector traverse all of them again (half the time at n = 5,000).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _assemble_faces(xt, found, owner)
    finally:
        if collecting:
            gc.enable()


def _assemble_faces(
    xt: tuple[Vector, ...], found: list[FacePoint], owner: list[int]
) -> Arrangement:
    matrix = _sign_rows([p for p, _, _ in found], [_primitive(row) for row in xt])
    keys = (matrix + 1).astype(np.uint8)  # bytes order = sign-vector order (-1 < 0 < 1)
    first: dict[bytes, int] = {}
    walls: dict[int, set[int]] = {}
    for k, (_, _, wall) in enumerate(found):
        at = first.setdefault(keys[k].tobytes(), k)
        if wall:
            walls.setdefault(at, set()).update(wall)
    order = sorted(first.items(), key=lambda kv: (-len(found[kv[1]][1]), kv[0]))
    rows = np.array([k for _, k in order], dtype=np.int64)
    matrix = matrix[rows]
    faces: list[UnitFace] = []
    facets: dict[int, tuple[int, ...]] = {}
    step = 4096  # rows to Python tuples a block at a time (one list of all would double it)
    for at in range(0, len(rows), step):
        block = matrix[at : at + step].tolist()
        for i, (k, signs) in enumerate(
            zip(rows[at : at + step].tolist(), block, strict=True), start=at
        ):
            point = tuple(Fraction(v) for v in found[k][0])
            faces.append(UnitFace(index=i, signs=tuple(signs), basis=found[k][1], point=point))
            if k in walls:
                facets[i] = tuple(sorted(owner[w] for w in walls[k]))
    return Arrangement(xt=xt, faces=tuple(faces), signs_matrix=matrix, chamber_facets=facets)


def _common_scale(rows: Sequence[Sequence[Number]]) -> list[IntVector]:
    """The rows times one common denominator: integer rows whose combinations have the
    directions of the same combinations of ``rows`` (a basis of the same space).

    >>> _common_scale([(Fraction(1, 2), 1), (0, Fraction(1, 3))])
    [(3, 6), (0, 2)]
    """
    ints, _ = clear_denominators([v for row in rows for v in row])
    width = len(rows[0]) if rows else 0
    return [tuple(ints[i * width : (i + 1) * width]) for i in range(len(rows))]


def _integer_combination(t: Sequence[int], rows: Sequence[IntVector]) -> IntVector:
    """sum_j t_j rows_j, in integers.

    >>> _integer_combination((1, 2), [(1, 0, 3), (0, 1, 1)])
    (1, 2, 5)
    """
    # Row by row: k list passes over d + 1 entries, where a sum per column costs a
    # generator per entry.
    out = [0] * len(rows[0])
    for c, row in zip(t, rows, strict=True):
        if c:
            out = [a + c * v for a, v in zip(out, row, strict=True)]
    return tuple(out)


def _coordinates(rows: Sequence[IntVector], row_basis: Sequence[IntVector]) -> list[IntVector]:
    """The rows (x . B_j)_j: the linear forms theta . x in the coordinates t of
    theta = B^T t (:func:`span_basis`).

    >>> _coordinates([(1, 2, 1)], [(1, 0, 0), (0, 1, 1)])
    [(1, 3)]
    """
    return [tuple(_idot(x, b) for b in row_basis) for x in rows]


def span_basis(tight: Sequence[IntVector], row_basis: Sequence[IntVector]) -> tuple[Vector, ...]:
    """The reduced basis of span(F) = {theta in W : theta . xt_i = 0 for i in Z}, from an
    integer basis B of the row space W (``row_basis``, r vectors) and, for each i in Z,
    the form theta . xt_i in the coordinates t of theta = B^T t (``tight``, the rows of
    :func:`_coordinates` of multiples of the xt_i).

    The result is ``kernel_basis([*xt_Z, *L0], d + 1)`` (L0 a basis of W^perp), the basis
    K written in result documents; but that elimination, in Fractions, works on a matrix
    of |Z| + d + 1 - r rows and d + 1 columns, O(d^3) per face: with 5 samples and 3,000
    features, the bottleneck of every face before the first one was enumerated (issue 31). Here, in
    integers and O(r^2 d): the t in Q^r with (xt_i . B_j)_j . t = 0 for i in Z (an r-column
    system), mapped to theta = B^T t, then brought to kernel_basis's form, whose vector
    for a free column f has a 1 at f and zeros at the other free columns. Those free
    columns are the complement of the pivot columns of the elimination from the left, a
    basis of the column matroid of [xt_Z; L0]; the columns of a basis of its kernel form
    the dual matroid, in which the complement of the greedy basis from the left is the
    greedy basis from the right: the pivots of the elimination of the span's basis with
    its columns reversed. The vectors are then A S, S the span's basis and A the inverse
    of its k x k submatrix on the free columns (the tests check the result against
    kernel_basis itself).

    Examples
    --------
    >>> from fractions import Fraction as Q
    >>> xt = [(1, 2, 1), (2, 4, 1)]   # W = span(xt), of dimension 2 in Q^3
    >>> B = _common_scale(echelon(xt)[0])
    >>> lineality = kernel_basis(xt, 3)
    >>> span_basis(_coordinates([xt[0]], B), B) == kernel_basis([xt[0], *lineality], 3)
    True
    >>> span_basis([], B) == kernel_basis(lineality, 3), span_basis(_coordinates(xt, B), B)
    (True, ())
    """
    coordinates = kernel_basis(tight, len(row_basis))
    if not coordinates:
        return ()
    span = [_integer_combination(_primitive(t), row_basis) for t in coordinates]
    width = len(span[0])
    _, pivots = integer_echelon([v[::-1] for v in span], width)
    free = sorted(width - 1 - p for p in pivots)
    on_free = [[v[f] for v in span] for f in free]
    basis = []
    for i in range(len(free)):
        # The combination a of the span's basis with on_free . a = e_i: 1 at free[i], 0 at
        # the other free columns.
        row = solve(on_free, [int(j == i) for j in range(len(free))])
        ints, scale = clear_denominators(row)
        basis.append(tuple(Fraction(v, scale) for v in _integer_combination(ints, span)))
    return tuple(basis)


def flats(xt: Sequence[Sequence[Number]], dim: int) -> list[tuple[int, ...]]:
    """Closed zero sets Z (flats): Z = {i : xt_i in span(xt_j : j in Z)}, rank <= dim.

    These are the possible zero sets of faces, found without deciding which faces are
    non-empty; used by the naive division, with the xt_i in coordinates of the row space
    (:func:`_coordinates`, rows of r <= n entries: the same ranks, without eliminating on
    d + 1 columns for each subset).
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
    row_basis = _common_scale(echelon(list(xt), dim)[0])
    in_w = _coordinates([_primitive(row) for row in xt], row_basis)
    pieces: dict[tuple[int, ...], tuple[Vector, ...]] = {}
    for z in flats(in_w, len(row_basis)):
        basis = span_basis([in_w[i] for i in z], row_basis)
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
    if face.point is None:
        return tuple(g[0] for g in _direction_groups(problem, face))
    arrangement = cached_arrangement(problem)
    known = arrangement.chamber_facets
    real = arrangement.face_of(face.signs)
    if known is not None and real is not None and real.index in known:
        return known[real.index]
    groups = _direction_groups(problem, face)
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

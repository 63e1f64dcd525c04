"""Divide: faces of the arrangement, naive pieces and orbits."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reluscape.data import make_problem
from reluscape.exact.arrangement import (
    _direction_groups,
    _primitive,
    direction_samples,
    facet_samples,
    kernel_basis,
    naive_pieces,
    orbit_representatives,
    orbit_size,
    recursive_faces,
    unit_arrangement,
)

distinct_x = st.lists(st.integers(-20, 20), min_size=2, max_size=6, unique=True).map(
    lambda xs: [[Fraction(v, 7)] for v in xs]
)


@settings(max_examples=15, deadline=None)
@given(distinct_x)
def test_d1_face_counts(X):
    n = len(X)
    arr = unit_arrangement(make_problem(X, [0] * n, hidden=1, lam=1))
    kinds = [f.kind for f in arr.faces]
    assert kinds.count("chamber") == 2 * n
    assert kinds.count("boundary") == 2 * n
    assert kinds.count("origin") == 1


@settings(max_examples=15, deadline=None)
@given(distinct_x)
def test_signs_match_interior_point(X):
    arr = unit_arrangement(make_problem(X, [0] * len(X), hidden=1, lam=1))
    for f in arr.faces:
        for xt, s in zip(arr.xt, f.signs, strict=True):
            v = sum(a * b for a, b in zip(f.point, xt, strict=True))
            assert (v > 0) - (v < 0) == s
        for b in f.basis:  # the basis spans the zero set's kernel
            for i in f.zeros:
                assert sum(x * y for x, y in zip(b, arr.xt[i], strict=True)) == 0


def test_duplicate_rows_share_a_hyperplane():
    arr = unit_arrangement(make_problem([[0], [0], [1]], [1, 2, 3], hidden=1, lam=1))
    assert len(arr.chambers) == 4  # two distinct hyperplanes
    assert all(f.signs[0] == f.signs[1] for f in arr.faces)


def test_d2_euler_relation():
    X = [[0, 0], [1, 0], [0, 1], [1, 1], ["1/2", "1/3"]]
    arr = unit_arrangement(make_problem(X, [0] * 5, hidden=1, lam=1))
    counts = [sum(1 for f in arr.faces if f.dim == k) for k in range(4)]
    # A complete fan in R^3 cuts the sphere S^2 into cells: f0 - f1 + f2 - f3 = (-1)^3.
    assert counts[0] == 1
    assert counts[0] - counts[1] + counts[2] - counts[3] == -1


def test_naive_pieces_contain_realizable_faces():
    problem = make_problem([[-1], [0], [1]], [0, 1, 0], hidden=1, lam=1)
    naive = {f.signs for f in naive_pieces(problem)}
    real = {f.signs for f in unit_arrangement(problem).faces}
    assert real <= naive
    assert len(naive) > len(real)


def test_orbits_cover_all_products():
    reps = orbit_representatives(5, 3)
    assert sum(orbit_size(r) for r in reps) == 5**3


@pytest.mark.parametrize(
    "X",
    [
        [[1], [1], [1]],  # all x equal, d = 1
        [[1, 2], [1, 2], [1, 2]],  # all x equal, d = 2
        [[0, 1], [1, 2], [3, 4]],  # on the line x_2 = x_1 + 1
        [[0, 0], [1, 1]],  # n = 2 < d + 1
    ],
)
def test_faces_live_in_the_row_space(X):
    """When the xt_i do not span R^{d+1}, faces are taken in W = span(xt_i): the bases
    are orthogonal to L0 = {theta : theta . xt_i = 0 for all i}, dim F = rank(Xt) -
    rank(Xt_Z), the minimal face is the origin, and the Euler relation of a complete fan
    in W holds: sum_k (-1)^k f_k = (-1)^dim W."""
    problem = make_problem(X, [0] * len(X), hidden=1, lam=1)
    arr = unit_arrangement(problem)
    xt = [list(r) for r in arr.xt]
    rank_w = len(xt[0]) - len(kernel_basis(xt, len(xt[0])))
    assert arr.lineality and len(arr.lineality) == len(xt[0]) - rank_w
    for f in arr.faces:
        for b in f.basis:
            assert all(sum(x * y for x, y in zip(b, v, strict=True)) == 0 for v in arr.lineality)
        zero_rows = [xt[i] for i in f.zeros]
        rank_z = len(xt[0]) - len(kernel_basis(zero_rows, len(xt[0]))) if zero_rows else 0
        assert f.dim == rank_w - rank_z
    origins = [f for f in arr.faces if f.kind == "origin"]
    assert len(origins) == 1 and set(origins[0].signs) == {0}
    counts = [sum(1 for f in arr.faces if f.dim == k) for k in range(rank_w + 1)]
    assert sum((-1) ** k * c for k, c in enumerate(counts)) == (-1) ** rank_w


def _sage_sign_vectors(problem):
    """Sign vectors of the faces by another route: Sage's ``closed_faces`` over Q."""
    import sage.all__sagemath_polyhedra  # noqa: F401
    from sage.geometry.hyperplane_arrangement.arrangement import HyperplaneArrangements
    from sage.rings.rational_field import QQ

    dim = problem.d + 1
    H = HyperplaneArrangements(QQ, tuple(f"u{j}" for j in range(dim)))
    rows = list(dict.fromkeys(problem.xt))
    arr = H([[0, *row] for row in rows])
    found = set()
    for _, poly in arr.closed_faces():
        pt = [Fraction(str(v)) for v in poly.representative_point()]
        values = (sum(a * b for a, b in zip(pt, row, strict=True)) for row in problem.xt)
        found.add(tuple((v > 0) - (v < 0) for v in values))
    return found


# Small integer coordinates make collinear, coplanar and repeated points common.
degenerate_x = st.integers(1, 3).flatmap(
    lambda d: st.lists(st.lists(st.integers(-2, 2), min_size=d, max_size=d), min_size=2, max_size=7)
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(degenerate_x)
def test_faces_agree_with_sage_closed_faces(X):
    """Every face, and no other, by an independent route, on degenerate data too."""
    problem = make_problem(X, [0] * len(X), hidden=1, lam=1)
    arr = unit_arrangement(problem)
    mine = [f.signs for f in arr.faces]
    assert len(set(mine)) == len(mine)
    assert set(mine) == _sage_sign_vectors(problem)


@pytest.mark.parametrize(("n", "d"), [(60, 1), (12, 2), (7, 3)])
def test_face_count_matches_the_lattice_of_flats(n, d):
    """Larger data: the number of faces equals Zaslavsky's count from the flats."""
    import random

    from reluscape.exact.counting import unit_face_count

    rng = random.Random(n + d)
    X = [[Fraction(rng.randint(-50, 50), rng.randint(1, 9)) for _ in range(d)] for _ in range(n)]
    count, exact = unit_face_count(X)
    assert exact
    assert len(unit_arrangement(make_problem(X, [0] * n, hidden=1, lam=1)).faces) == count


def _restricted(problem, face, i):
    """sigma_i K^T xt_i: sample i's condition on span(F) = {K t}, as a primitive vector."""
    xt = problem.xt[i]
    return _primitive(
        [face.signs[i] * sum(a * b for a, b in zip(xt, k, strict=True)) for k in face.basis]
    )


@pytest.mark.slow  # seconds of whole runs: the fast tier stays under 5 minutes
@settings(max_examples=40, deadline=None)
@given(degenerate_x)
def test_facet_samples_agree_with_the_cones_irredundant_inequalities(X):
    """The facets from the arrangement's neighbours are the irredundant inequalities of
    the cone found by Sage's Polyhedron (another route), on degenerate data too; every
    sample's condition is one of the direction groups'."""
    from reluscape.exact.algebra import cone_facets

    problem = make_problem(X, [0] * len(X), hidden=1, lam=1)
    for face in unit_arrangement(problem).faces:
        nonzero = [i for i, s in enumerate(face.signs) if s != 0]
        groups = {_restricted(problem, face, i) for i in direction_samples(problem, face)}
        assert groups == {_restricted(problem, face, i) for i in nonzero}
        assert len(groups) == len(direction_samples(problem, face))
        mine = {_restricted(problem, face, i) for i in facet_samples(problem, face)}
        if not nonzero:
            assert mine == set()
            continue
        sage = cone_facets([_restricted(problem, face, i) for i in nonzero])
        assert sage is not None  # a face of the arrangement is never empty
        assert mine == {_primitive(f) for f in sage}


def test_naive_pieces_keep_every_direction_group():
    """A naive piece may be empty, so no condition is dropped as redundant."""
    problem = make_problem([[0], [1], [2]], [0, 1, 0], hidden=1, lam=1)
    piece = next(f for f in naive_pieces(problem) if f.signs == (1, 1, 1))
    assert facet_samples(problem, piece) == direction_samples(problem, piece) == (0, 1, 2)


# ------------------------------------------------ span(F) in the row space's coordinates

# Wide, rank-deficient data: more columns than samples, repeated and dependent rows.
wide_x = st.integers(2, 5).flatmap(
    lambda n: st.integers(1, 7).flatmap(
        lambda d: st.lists(
            st.lists(st.integers(-2, 2), min_size=d, max_size=d), min_size=n, max_size=n
        )
    )
)


@settings(max_examples=40, deadline=None)
@given(wide_x)
def test_face_bases_are_the_kernel_bases_of_their_definition(X):
    """The basis K of every face (and of every naive piece), written in result documents,
    is kernel_basis([xt_Z; L0]) itself: the reduced basis of span(F), whatever route
    computes it (the route of O(d^3) per face, replaced, took minutes at d = 3,000)."""
    problem = make_problem(X, [0] * len(X), hidden=1, lam=1)
    xt = [list(r) for r in problem.xt]
    dim = problem.d + 1
    lineality = kernel_basis(xt, dim)

    def definition(zeros):
        return kernel_basis([*(xt[i] for i in zeros), *lineality], dim)

    for f in unit_arrangement(problem).faces:
        assert f.basis == definition(f.zeros)
    for piece in naive_pieces(problem):
        assert piece.basis == definition(piece.zeros)


@pytest.mark.parametrize("division", ["realizable", "naive"])
def test_no_elimination_grows_with_the_number_of_features(monkeypatch, division):
    """Issue 31: 5 rows x 3,000 columns spent minutes in exact elimination before the first
    face: each face's basis was the kernel of its tight rows stacked on a basis of L0
    (d + 1 - rank rows), an O(d^3) elimination per face. Every elimination of the divide
    step now has at most n + 1 rows (the data's, in the row space's coordinates)."""
    import random

    from reluscape.exact import arrangement

    rng = random.Random(0)
    n, d = 5, 200
    X = [[rng.randint(-9, 9) for _ in range(d)] for _ in range(n)]
    problem = make_problem(X, [0] * n, hidden=1, lam=1)
    sizes: list[int] = []

    def recording(function):
        def wrapped(matrix, *args, **kwargs):
            sizes.append(len(matrix))
            return function(matrix, *args, **kwargs)

        return wrapped

    for name in ("kernel_basis", "echelon", "integer_echelon", "rank"):
        monkeypatch.setattr(arrangement, name, recording(getattr(arrangement, name)))
    faces = arrangement.pieces(problem, division)
    assert len(faces) == 243  # 3^5: five samples in general position in R^201
    assert sizes and max(sizes) <= n + 1


def _grid_data(rng: random.Random, d: int) -> list[list[Fraction]]:
    """Few points on a coarse grid: duplicates, collinear triples and equal x are common."""
    n = rng.randint(2, 8)
    return [
        [Fraction(rng.randint(-3, 3), rng.choice([1, 2, 3])) for _ in range(d)] for _ in range(n)
    ]


@pytest.mark.parametrize("d", [1, 2])
def test_sweep_gives_the_faces_of_the_recursive_construction(d):
    """line_faces / plane_faces against recursive_faces, an independent construction:
    the same sign vectors in the same order, the same bases, closure and adjacency, and
    the chambers' facets against facet samples found by zeroing each direction group."""
    rng = random.Random(d)
    swept = 0
    for _ in range(120):
        X = _grid_data(rng, d)
        problem = make_problem(X, [0] * len(X), hidden=1, lam=1)
        new, old = unit_arrangement(problem), recursive_faces(problem)
        assert [f.signs for f in new.faces] == [f.signs for f in old.faces]
        assert [f.basis for f in new.faces] == [f.basis for f in old.faces]
        for f in new.faces:  # each point lies in its face
            for xt, s in zip(new.xt, f.signs, strict=True):
                v = sum(a * b for a, b in zip(f.point, xt, strict=True))
                assert (v > 0) - (v < 0) == s
        for c in new.chambers:
            assert [f.signs for f in new.closure_faces(c)] == [
                f.signs for f in old.closure_faces(c)
            ]
        for f in new.faces:
            assert [c.signs for c in new.adjacent_chambers(f)] == [
                c.signs for c in old.adjacent_chambers(f)
            ]
        if new.chamber_facets is None:  # data not spanning R^{d+1}: recursive itself
            continue
        swept += 1
        for c in new.chambers:
            want = []
            for group in _direction_groups(problem, c):
                signs = list(c.signs)
                for i in group:
                    signs[i] = 0
                if old.face_of(tuple(signs)) is not None:
                    want.append(group[0])
            assert new.chamber_facets[c.index] == tuple(want) == facet_samples(problem, c)
    assert swept > 60


def test_sweep_signs_are_exact_beyond_int64():
    """Inputs whose products pass 2^63 take the Python-integer route, same faces."""
    X = [[Fraction(10**12 + 1, 3), Fraction(-(10**11), 7)], [1, 2], [3, Fraction(1, 10**9)], [0, 0]]
    problem = make_problem(X, [0] * 4, hidden=1, lam=1)
    assert [f.signs for f in unit_arrangement(problem).faces] == [
        f.signs for f in recursive_faces(problem).faces
    ]

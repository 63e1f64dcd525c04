"""The face driver: the orbit size of a set of minima (merge._orbit_size)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

from reluscape.data import load_problem
from reluscape.exact import algebra
from reluscape.exact.arrangement import pieces
from reluscape.exact.enumeration import Candidate, enumerate_face
from reluscape.exact.merge import _orbit_size
from reluscape.exact.surrogate import FaceSystem


def _stabiliser_by_ideal_equality(candidate: Candidate) -> int:
    """The definition: permutations of units on equal faces whose image of the prime is
    the prime, compared as ideals (two Groebner bases each)."""
    prime = algebra.ideal(candidate.component.prime)
    R = prime.ring()
    faces = candidate.system.faces
    count = 0
    for perm in itertools.permutations(range(len(faces))):
        if any(faces[perm[u]].index != faces[u].index for u in range(len(faces))):
            continue
        # t{u}_{j} -> t{perm[u]}_{j}
        images = [R(f"t{perm[int(u)]}_{j}") for u, j in
                  (str(v)[1:].split("_") for v in R.gens())]
        phi = R.hom(images, R)
        count += R.ideal([phi(g) for g in prime.gens()]) == prime
    return count


def test_orbit_size_of_a_set_is_that_of_its_stabiliser() -> None:
    """Two units on one unit face of tests/data/d1_n5.csv: each set's orbit size is
    L! / |stabiliser| with the stabiliser by ideal equality, whether the prime's
    generators are the orbit prime's own (permuted up to scalars by the swap), the same
    ideal with a generator g t0_0 that the swap does not permute (decided by membership),
    or a prime that the swap moves."""
    problem = load_problem(Path(__file__).parents[1] / "data" / "d1_n5.csv", hidden=2, lam="1/10")
    faces = pieces(problem, "realizable")
    system = FaceSystem.build(problem, (faces[17], faces[17]))
    sets = [c for c in enumerate_face(system).candidates if c.component is not None]
    assert sets
    prime = algebra.ideal(sets[0].component.prime)
    R = prime.ring()
    t0, t1 = R("t0_0"), R("t1_0")
    variants = [
        sets[0],
        replace(sets[0], component=replace(sets[0].component,
                                           prime=(*prime.gens(), prime.gens()[0] * t0))),
        replace(sets[0], component=replace(sets[0].component,
                                           prime=(t0 - 2 * t1 - 1, *prime.gens()[1:]))),
    ]
    sizes = [_orbit_size(c) for c in variants]
    assert sizes == [2 // _stabiliser_by_ideal_equality(c) for c in variants]
    assert sizes[0] == sizes[1] == 1 and sizes[2] == 2

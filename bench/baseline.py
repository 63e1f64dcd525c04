"""The straightforward exact enumerator that `reluscape solve` is measured against.

Every product face of the arrangement (all L-tuples, no orbits under unit permutation),
the unprojected critical system of each solved as it is (no exclusion before the
algebra: no idle-unit test, no merged effective-weight system, no orbit decomposition of
faces with repeated units), and the same exact verdicts. It prints the minima it finds
by dimension (one per component and unit permutation), as bench/run.py reads them, so a
benchmark row shows that both enumerators agree.

Usage::

    python bench/baseline.py DATA.csv L LAMBDA
"""

from __future__ import annotations

import itertools
import sys
import time
from collections import Counter

from reluscape.data import load_problem
from reluscape.exact import algebra
from reluscape.exact.arrangement import cached_arrangement
from reluscape.exact.enumeration import (
    FaceOutcome,
    _enumerate_positive_dimensional,
    _keep_inside,
    _origin_candidate,
)
from reluscape.exact.merge import is_canonical
from reluscape.exact.surrogate import FaceSystem
from reluscape.exact.verification import verify_candidate


def enumerate_face_plainly(system: FaceSystem) -> FaceOutcome:
    """Critical points in relint(F) from the face's own system, with no shortcut."""
    outcome = FaceOutcome(faces=tuple(f.index for f in system.faces))
    if not system.live:
        outcome.candidates.append(_origin_candidate(system))
        return outcome
    try:
        _keep_inside(system, algebra.real_solutions(system.regular_equations), None, outcome)
    except algebra.PositiveDimensional:
        _enumerate_positive_dimensional(system, outcome, seed=0)
    return outcome


def main() -> int:
    path, hidden, lam = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    start = time.perf_counter()
    problem = load_problem(path, hidden=hidden, lam=lam)
    arrangement = cached_arrangement(problem)
    faces = arrangement.faces
    by_dimension: Counter[int] = Counter()
    products = 0
    for product in itertools.product(range(len(faces)), repeat=hidden):
        products += 1
        outcome = enumerate_face_plainly(
            FaceSystem.build(problem, tuple(faces[i] for i in product))
        )
        minima = [
            cand
            for cand in outcome.candidates
            if is_canonical(cand) and verify_candidate(cand, arrangement).is_minimum
        ]
        # Every product is solved and verified (that is the baseline's work); minima are
        # counted on non-decreasing products only, whose permutations hold the same ones.
        if list(product) != sorted(product):
            continue
        components = {
            cand.component.index: cand.component.dimension for cand in minima if cand.component
        }
        by_dimension[0] += sum(1 for cand in minima if cand.component is None)
        for dim in components.values():
            by_dimension[dim] += 1
    minima = " ".join(f"{c}x dim {k}" for k, c in sorted(by_dimension.items()) if c)
    print(f"products {products} minima {minima} seconds {time.perf_counter() - start:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

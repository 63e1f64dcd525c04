"""The global minimum's certification inside the regularization path's cells
(reluscape.execution.lampath, docs/METHOD.md section 15): the bounds of a branch's
loss between samples (nondecreasing, concave, slope |a|^2) against exact solves, and
the exact maximum of a concave piecewise linear gap against brute force."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import hypothesis.strategies as st
from hypothesis import given, settings

import reluscape
from reluscape.execution.lampath import _highest_gap
from reluscape.execution.lampath_branches import entries

X = [[0], [1], [2], [4], [5]]
Y = [0, 1, 0, 2, -1]

small = st.fractions(min_value=-10, max_value=10, max_denominator=20)
line = st.tuples(small, small, small)


@settings(max_examples=200, deadline=None)
@given(
    upper=st.lists(line, min_size=1, max_size=3),
    lower=st.lists(line, min_size=1, max_size=2),
    start=small,
    width=st.fractions(min_value=Fraction(1, 20), max_value=10, max_denominator=20),
)
def test_highest_gap_is_the_maximum_over_the_piece(upper, lower, start, width) -> None:
    """Brute force: min(upper) - max(lower) is concave and piecewise linear, so its
    maximum is at an end or where two upper (or two lower) lines cross; and no value on
    a grid of the piece exceeds it."""
    stop = start + width

    def gap(lam: Fraction) -> Fraction:
        return min(v + m * (lam - a) for a, v, m in upper) - max(
            v + m * (lam - a) for a, v, m in lower
        )

    points = [start, stop]
    for lines in (upper, lower):
        for (a1, v1, m1), (a2, v2, m2) in combinations(lines, 2):
            if m1 != m2:
                cross = ((v2 - m2 * a2) - (v1 - m1 * a1)) / (m1 - m2)
                if start <= cross <= stop:
                    points.append(cross)
    found = _highest_gap(upper, lower, start, stop)
    assert found == max(gap(p) for p in points)
    assert all(gap(start + width * k / 50) <= found for k in range(51))


def _minima(lam: Fraction) -> dict[tuple[str, int], object]:
    result = reluscape.solve(X, Y, hidden=1, lam=lam)
    problem = reluscape.make_problem(X, Y, hidden=1, lam=lam)
    out = {}
    for e in sorted(entries(problem, result), key=lambda e: (e.signs, e.dimension, e.loss)):
        out.setdefault((e.signs, e.dimension), e)
    return out


def test_branch_losses_are_nondecreasing_concave_with_slope_a_squared() -> None:
    """Three exact solves close together (no event between them on this data): every
    minimum's loss is nondecreasing, above the chord, below the tangents whose slopes
    are |a|^2 from its certified box, and the slope agrees with the difference
    quotient (floats, a supporting check)."""
    lams = [Fraction(10, 100), Fraction(101, 1000), Fraction(102, 1000)]
    at = [_minima(lam) for lam in lams]
    assert at[0].keys() == at[1].keys() == at[2].keys() and len(at[0]) >= 2
    for key in at[0]:
        (l0, l1, l2) = (m[key].loss for m in at)
        s0, s1, s2 = (m[key].slope for m in at)
        assert s0 is not None and s1 is not None and s2 is not None
        assert l0[1] <= l1[0] <= l1[1] <= l2[0]  # nondecreasing
        chord = l0[1] + (l2[1] - l0[1]) * (lams[1] - lams[0]) / (lams[2] - lams[0])
        assert l1[0] >= chord - (l2[1] - l2[0]), key  # concave: above the chord
        for (la, sa, x), (lb, _, y) in (((l0, s0, lams[0]), (l2, s2, lams[2])),
                                        ((l1, s1, lams[1]), (l2, s2, lams[2]))):  # fmt: skip
            assert lb[0] <= la[1] + sa[1] * (y - x), key  # below the tangent at x
            assert la[0] <= lb[1] - s2[0] * (y - x), key  # below the tangent at y
        quotient = float((l2[0] - l0[0]) / (lams[2] - lams[0]))
        assert abs(quotient - float(s1[0])) < 1e-2 * max(1.0, float(s1[0])), key

"""The exact height of a path (reluscape.exact.paths) against the full loss in floats,
written here again from docs/METHOD.md section 1 (no code of the package's loss)."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reluscape.data import Problem, make_problem
from reluscape.exact.paths import (
    crossings,
    interval_maximum,
    path_height,
    piece_loss,
    split_vertex,
)

F = Fraction


def _loss(problem: Problem, v: np.ndarray) -> float:
    """l(a, psi) at a flat float vertex (a, theta_1, ..., theta_L)."""
    L = problem.hidden
    xt = np.array([[float(x) for x in row] for row in problem.xt])
    yt = np.array([float(x) for x in problem.yt])
    a, psi = v[:L], v[L:].reshape(L, -1)
    f = np.maximum(xt @ psi.T, 0.0) @ a
    return 0.5 * float(np.sum((yt - f) ** 2)) + 0.5 * float(problem.lam_sum) * float(v @ v)


small = st.fractions(min_value=-2, max_value=2, max_denominator=8)


@settings(max_examples=40, deadline=None)
@given(
    hidden=st.integers(1, 2),
    ys=st.lists(st.integers(-3, 3), min_size=4, max_size=4),
    data=st.data(),
)
def test_the_height_encloses_the_sampled_loss(hidden: int, ys: list[int], data) -> None:
    """Random polylines of 2 to 4 rational vertices: every float sample of the loss lies
    below the exact upper end (rounding aside), the enclosure is as narrow as asked, and
    its lower end is at most the largest sample plus the slope times the sample spacing."""
    problem = make_problem([[-1], [0], [1], [2]], ys, hidden=hidden, lam="1/4")
    width = 2
    size = hidden * (1 + width)
    count = data.draw(st.integers(2, 4))
    path = [tuple(data.draw(st.lists(small, min_size=size, max_size=size))) for _ in range(count)]
    tol = F(1, 2**40)
    height = path_height(problem, [split_vertex(v, hidden) for v in path], tol)
    floats = np.array([[float(x) for x in v] for v in path])
    t = np.linspace(0, 1, 401)[:, None]
    samples = [
        _loss(problem, v) for v0, v1 in itertools.pairwise(floats) for v in (1 - t) * v0 + t * v1
    ]
    assert max(samples) <= float(height.upper) + 1e-9 * max(1.0, max(samples))
    assert height.upper - height.lower <= tol * max(1, abs(height.upper)) * 4
    assert float(height.lower) <= max(samples) + 1e-3 * max(1.0, max(samples))


def test_a_piece_is_the_loss_along_its_segment() -> None:
    """The quartic of a piece equals the float loss at points of the segment, in a closed
    chamber (the segment crosses no wall: both ends see x = 1, 2 only)."""
    problem = make_problem([[-1], [0], [1], [2]], [1, 0, 2, -1], hidden=2, lam="1/10")
    v0 = ([F(1), F(-1, 2)], [[F(1), F(-1, 2)], [F(2), F(-3, 2)]])
    v1 = ([F(3, 2), F(1, 4)], [[F(3, 2), F(-1)], [F(1), F(-1, 2)]])
    assert crossings(problem, v0, v1) == []
    active = [[False, False, True, True], [False, False, True, True]]
    poly = piece_loss(problem, v0, v1, active)
    assert len(poly) == 5
    flat0 = np.array([float(x) for x in [*v0[0], *v0[1][0], *v0[1][1]]])
    flat1 = np.array([float(x) for x in [*v1[0], *v1[1][0], *v1[1][1]]])
    for t in (0.0, 0.3, 0.7, 1.0):
        value = float(sum(c * F(t) ** k for k, c in enumerate(poly)))
        assert value == _approx(_loss(problem, (1 - t) * flat0 + t * flat1))


def _approx(x: float) -> object:
    return pytest.approx(x, rel=1e-12, abs=1e-12)


def test_a_segment_is_split_where_it_crosses_a_wall() -> None:
    """theta = (1, -t') crosses the wall of x = 1 at t' = 1: the segment from
    c = -1/2 to c = -3/2 is cut at its middle, and the height is that of the true loss."""
    problem = make_problem([[0], [1], [2]], [0, 3, 0], hidden=1, lam="1/10")
    v0 = ([F(2)], [[F(1), F(-1, 2)]])
    v1 = ([F(2)], [[F(1), F(-3, 2)]])
    assert crossings(problem, v0, v1) == [F(1, 2)]
    height = path_height(problem, [v0, v1], F(1, 2**50))
    floats = [np.array([2.0, 1.0, -0.5 - s]) for s in np.linspace(0, 1, 2001)]
    assert float(height.upper) == _approx(max(_loss(problem, v) for v in floats))


def test_interval_maximum_of_an_interior_peak() -> None:
    """-(s - 1/3)^2 (s - 2)^2 has its maximum 0 at s = 1/3, inside [0, 1]."""
    coeffs = np.polynomial.polynomial.polyfromroots([1 / 3, 1 / 3, 2, 2]) * -1
    p = [F(c).limit_denominator(1000) for c in coeffs]
    lower, upper = interval_maximum(p, F(1, 10**12))
    assert lower <= 0 <= upper and upper - lower <= F(1, 10**12)

"""The exact height of a path in parameter space (docs/METHOD.md section 13).

A path is a polyline of rational points v_k = (a_k, psi_k). Split at every point where a
pre-activation theta_l . xt_i changes sign strictly inside a segment (a rational parameter,
z0 / (z0 - z1)), each piece lies in one closed chamber, where ReLU(theta_l . xt_i) is
either theta_l . xt_i or 0 all along it (its sign at the piece's midpoint says which; a
pre-activation that vanishes at the midpoint vanishes on the whole piece). On such a piece,
with v(t) = v_k + t (v_{k+1} - v_k),

    l(v(t)) = 1/2 sum_i (yt_i - sum_{l active} a_l(t) theta_l(t) . xt_i)^2
              + lambda/2 (|a(t)|^2 + |psi(t)|^2)

is a polynomial of degree <= 4 in t with rational coefficients. Its maximum on an interval
is enclosed exactly by Bernstein coefficients: writing p(s) = sum_k b_k B_k(s) on [0, 1],
p(0) = b_0 and p(1) = b_4 are values and max p <= max_k b_k; halving the interval (exact
rational substitution) tightens the enclosure until it is as narrow as asked. Everything is
in rationals: the height of a path is a certified interval, never a float.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import comb

from reluscape.data import Problem

Vertex = tuple[Sequence[Fraction], Sequence[Sequence[Fraction]]]  # (a, psi rows)
Poly = list[Fraction]  # coefficients, lowest degree first

MAX_HALVINGS = 40  # an enclosure narrower than 2^-40 of the interval is never needed


@dataclass(frozen=True)
class PathHeight:
    """The maximum of l along a path: ``lower`` is a value l takes on it, ``upper`` a
    bound it never exceeds (both exact), over ``pieces`` pieces in closed chambers."""

    lower: Fraction
    upper: Fraction
    pieces: int


def _add(p: Poly, q: Poly) -> Poly:
    n = max(len(p), len(q))
    return [
        (p[k] if k < len(p) else Fraction(0)) + (q[k] if k < len(q) else Fraction(0))
        for k in range(n)
    ]


def _mul(p: Poly, q: Poly) -> Poly:
    out = [Fraction(0)] * (len(p) + len(q) - 1)
    for i, x in enumerate(p):
        if x:
            for j, y in enumerate(q):
                out[i + j] += x * y
    return out


def _value(p: Poly, t: Fraction) -> Fraction:
    out = Fraction(0)
    for c in reversed(p):
        out = out * t + c
    return out


def _dot(u: Sequence[Fraction], v: Sequence[Fraction]) -> Fraction:
    return sum((x * y for x, y in zip(u, v, strict=True)), Fraction(0))


def piece_loss(problem: Problem, v0: Vertex, v1: Vertex, active: Sequence[Sequence[bool]]) -> Poly:
    """l(v0 + t (v1 - v0)) as a polynomial in t when unit l sees sample i iff
    ``active[l][i]`` all along the segment (it then lies in that closed chamber).

    Examples
    --------
    One unit, x = 1, -1 and y = 0, 0 (so yt = 0), lambda = 1: from (a, theta) =
    (0, (0, 0)) to (1, (1, 0)) the unit sees x = 1 alone, predicts t^2 there, and the loss
    is t^4 / 2 + (t^2 + t^2) / 2.

    >>> from reluscape.data import make_problem
    >>> p = make_problem([[1], [-1]], [0, 0], hidden=1, lam=1)
    >>> F = Fraction
    >>> piece_loss(p, ([F(0)], [[F(0), F(0)]]), ([F(1)], [[F(1), F(0)]]), [[True, False]])
    [Fraction(0, 1), Fraction(0, 1), Fraction(1, 1), Fraction(0, 1), Fraction(1, 2)]
    """
    lam = problem.lam_sum
    a0, psi0 = v0
    a1, psi1 = v1
    lines_a = [[a0[u], a1[u] - a0[u]] for u in range(len(a0))]
    loss: Poly = [Fraction(0)]
    for i, (xt, yt) in enumerate(zip(problem.xt, problem.yt, strict=True)):
        residual: Poly = [Fraction(yt)]
        for u, line_a in enumerate(lines_a):
            if not active[u][i]:
                continue
            z0 = _dot(psi0[u], xt)
            z = [z0, _dot(psi1[u], xt) - z0]
            residual = _add(residual, [-c for c in _mul(line_a, z)])
        loss = _add(loss, [c / 2 for c in _mul(residual, residual)])
    squares: Poly = [Fraction(0)]
    for x0, x1 in _coordinates(v0, v1):
        line = [x0, x1 - x0]
        squares = _add(squares, _mul(line, line))
    return _add(loss, [lam * c / 2 for c in squares])


def _coordinates(v0: Vertex, v1: Vertex) -> list[tuple[Fraction, Fraction]]:
    """The pairs (start, end) of every parameter: the a_l, then psi row by row."""
    pairs = list(zip(v0[0], v1[0], strict=True))
    for row0, row1 in zip(v0[1], v1[1], strict=True):
        pairs += list(zip(row0, row1, strict=True))
    return pairs


def crossings(problem: Problem, v0: Vertex, v1: Vertex) -> list[Fraction]:
    """The parameters t in (0, 1), in order, where some theta_l . xt_i changes sign strictly
    along the segment: 0 and 1 and these bound the pieces in closed chambers."""
    out = set()
    for row0, row1 in zip(v0[1], v1[1], strict=True):
        for xt in problem.xt:
            z0, z1 = _dot(row0, xt), _dot(row1, xt)
            if z0 * z1 < 0:
                out.add(z0 / (z0 - z1))
    return sorted(out)


def _restrict(p: Poly, lo: Fraction, hi: Fraction) -> Poly:
    """p(lo + (hi - lo) s) as a polynomial in s."""
    out: Poly = [Fraction(0)]
    line = [lo, hi - lo]
    power: Poly = [Fraction(1)]
    for c in p:
        out = _add(out, [c * x for x in power])
        power = _mul(power, line)
    return out


def _bernstein(p: Poly) -> list[Fraction]:
    """Bernstein coefficients of p on [0, 1] (degree len(p) - 1)."""
    n = len(p) - 1
    return [
        sum((Fraction(comb(k, j), comb(n, j)) * p[j] for j in range(k + 1)), Fraction(0))
        for k in range(n + 1)
    ]


def interval_maximum(p: Poly, tol: Fraction) -> tuple[Fraction, Fraction]:
    """(lower, upper) with lower = p(s) for some s in [0, 1] and p <= upper on [0, 1],
    upper - lower <= tol unless 2^-40-wide pieces do not get there.

    Examples
    --------
    >>> F = Fraction
    >>> interval_maximum([F(0), F(1), F(-1)], F(1, 10**6))   # s - s^2: max 1/4 at 1/2
    (Fraction(1, 4), Fraction(1, 4))
    >>> interval_maximum([F(1), F(-1)], F(0))                 # decreasing: the start
    (Fraction(1, 1), Fraction(1, 1))
    """
    lower = max(_value(p, Fraction(0)), _value(p, Fraction(1)))
    pending = [(Fraction(0), Fraction(1), 0)]
    upper = lower
    while pending:
        lo, hi, depth = pending.pop()
        b = _bernstein(_restrict(p, lo, hi))
        mid = (lo + hi) / 2
        lower = max(lower, _value(p, mid))
        top = max(b)
        if top <= lower + tol or depth >= MAX_HALVINGS:
            upper = max(upper, top)
            continue
        pending += [(lo, mid, depth + 1), (mid, hi, depth + 1)]
    return lower, max(upper, lower)


def path_height(problem: Problem, vertices: Sequence[Vertex], rel_tol: Fraction) -> PathHeight:
    """The maximum of l along the polyline, as a certified interval (see the module doc);
    each piece's enclosure is as narrow as ``rel_tol`` times max(1, |value|)."""
    lower: Fraction | None = None
    upper: Fraction | None = None
    pieces = 0
    for v0, v1 in itertools.pairwise(vertices):
        cuts = [Fraction(0), *crossings(problem, v0, v1), Fraction(1)]
        for lo, hi in itertools.pairwise(cuts):
            mid = (lo + hi) / 2
            active = [
                [_dot(_lerp(r0, r1, mid), xt) > 0 for xt in problem.xt]
                for r0, r1 in zip(v0[1], v1[1], strict=True)
            ]
            poly = _restrict(piece_loss(problem, v0, v1, active), lo, hi)
            scale = max(Fraction(1), abs(poly[0]))
            lo_max, hi_max = interval_maximum(poly, rel_tol * scale)
            lower = lo_max if lower is None else max(lower, lo_max)
            upper = hi_max if upper is None else max(upper, hi_max)
            pieces += 1
    if lower is None or upper is None:
        raise ValueError("a path needs at least two vertices")
    return PathHeight(lower, upper, pieces)


def _lerp(r0: Sequence[Fraction], r1: Sequence[Fraction], t: Fraction) -> list[Fraction]:
    return [x0 + t * (x1 - x0) for x0, x1 in zip(r0, r1, strict=True)]

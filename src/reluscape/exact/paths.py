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
import math
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


def split_vertex(v: Sequence[Fraction], hidden: int) -> Vertex:
    """A flat vertex (a_1..a_L, theta_1, ..., theta_L), as result documents store paths,
    as (a, psi rows).

    >>> split_vertex([1, 2, 3, 4, 5, 6], 2)
    ([1, 2], [[3, 4], [5, 6]])
    """
    width = (len(v) - hidden) // hidden
    rows = [list(v[hidden + u * width : hidden + (u + 1) * width]) for u in range(hidden)]
    return list(v[:hidden]), rows


class _Segment:
    """One segment v0 -> v1 in integers: every coordinate times the least common
    denominator q of both vertices, the data times theirs (dx for xt, dy for yt), so that
    the pre-activations, the crossings and the loss's coefficients are integer arithmetic
    (a Fraction per operation was most of the time of a census's paths)."""

    def __init__(self, problem: Problem, v0: Vertex, v1: Vertex) -> None:
        coords = [x for v in (v0, v1) for x in (*v[0], *(c for row in v[1] for c in row))]
        q = math.lcm(*(Fraction(x).denominator for x in coords))
        dx = math.lcm(*(Fraction(x).denominator for row in problem.xt for x in row))
        dy = math.lcm(*(Fraction(y).denominator for y in problem.yt))
        xt = [[int(x * dx) for x in row] for row in problem.xt]
        self.q, self.dx, self.dy, self.lam = q, dx, dy, problem.lam_sum
        self.yt = [int(y * dy) for y in problem.yt]
        self.a0 = [int(x * q) for x in v0[0]]
        self.da = [int(x * q) - a for x, a in zip(v1[0], self.a0, strict=True)]
        self.z0 = [[_idot([int(x * q) for x in row], r) for r in xt] for row in v0[1]]
        z1 = [[_idot([int(x * q) for x in row], r) for r in xt] for row in v1[1]]
        self.dz = [
            [b - a for a, b in zip(r0, r1, strict=True)]
            for r0, r1 in zip(self.z0, z1, strict=True)
        ]
        penalty = [0, 0, 0]
        n = len(coords) // 2
        for x0, x1 in zip(coords[:n], coords[n:], strict=True):
            c0, dc = int(x0 * q), int(x1 * q) - int(x0 * q)
            penalty = [penalty[0] + c0 * c0, penalty[1] + 2 * c0 * dc, penalty[2] + dc * dc]
        self.penalty = penalty

    def crossings(self) -> list[Fraction]:
        out = set()
        for r0, rd in zip(self.z0, self.dz, strict=True):
            for z0, dz in zip(r0, rd, strict=True):
                if z0 * (z0 + dz) < 0:
                    out.add(Fraction(z0, -dz))
        return sorted(out)

    def active_at(self, t: Fraction) -> list[list[bool]]:
        """Which pre-activations are > 0 at the parameter t."""
        return [
            [z0 * t.denominator + t.numerator * dz > 0 for z0, dz in zip(r0, rd, strict=True)]
            for r0, rd in zip(self.z0, self.dz, strict=True)
        ]

    def loss(self, active: Sequence[Sequence[bool]]) -> Poly:
        """The loss's coefficients along the segment in the closed chamber of ``active``."""
        q, dx, dy = self.q, self.dx, self.dy
        squares = [0] * 5
        for i, y in enumerate(self.yt):
            f = [0, 0, 0]
            for u, (a0, da) in enumerate(zip(self.a0, self.da, strict=True)):
                if active[u][i]:
                    z0, dz = self.z0[u][i], self.dz[u][i]
                    f = [f[0] + a0 * z0, f[1] + a0 * dz + da * z0, f[2] + da * dz]
            r = [y * q * q * dx - dy * f[0], -dy * f[1], -dy * f[2]]
            for j, rj in enumerate(r):
                for k, rk in enumerate(r):
                    squares[j + k] += rj * rk
        scale = 2 * (q * q * dx * dy) ** 2
        out = [Fraction(c, scale) for c in squares]
        for k, c in enumerate(self.penalty):
            out[k] += self.lam * Fraction(c, 2 * q * q)
        return out


def _idot(u: Sequence[int], v: Sequence[int]) -> int:
    return sum(x * y for x, y in zip(u, v, strict=True))


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
    return _Segment(problem, v0, v1).loss(active)


def crossings(problem: Problem, v0: Vertex, v1: Vertex) -> list[Fraction]:
    """The parameters t in (0, 1), in order, where some theta_l . xt_i changes sign strictly
    along the segment: 0 and 1 and these bound the pieces in closed chambers."""
    return _Segment(problem, v0, v1).crossings()


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
        segment = _Segment(problem, v0, v1)
        cuts = [Fraction(0), *segment.crossings(), Fraction(1)]
        for lo, hi in itertools.pairwise(cuts):
            active = segment.active_at((lo + hi) / 2)
            poly = _restrict(segment.loss(active), lo, hi)
            scale = max(Fraction(1), abs(poly[0]))
            lo_max, hi_max = interval_maximum(poly, rel_tol * scale)
            lower = lo_max if lower is None else max(lower, lo_max)
            upper = hi_max if upper is None else max(upper, hi_max)
            pieces += 1
    if lower is None or upper is None:
        raise ValueError("a path needs at least two vertices")
    return PathHeight(lower, upper, pieces)

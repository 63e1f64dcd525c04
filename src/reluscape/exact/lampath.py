"""The exact parts of the regularization path (docs/METHOD.md section 15).

Everything here is decided in rationals: the value lambda_0 at which psi = 0 becomes a
local minimum (section 7) as a real algebraic number with its minimal polynomial and an
isolating interval, the rational sample values of lambda, the midpoint of a bracket, and
the signature of a solve (its minima by face and dimension) whose change between two
samples brackets an event. Matching minima of neighbouring samples into branches is in
:mod:`reluscape.execution.lampath`; floats only support it there.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from reluscape.data import Problem
from reluscape.exact.arrangement import unit_arrangement
from reluscape.exact.linalg import dot, solve

ISOLATION_BITS = 64
"""Relative width 2^-64 of the isolating interval of an exact event value."""


def origin_threshold_squared(problem: Problem) -> Fraction:
    """lambda_0^2 in the sum convention: the largest |P_G g_C|^2 over chambers C of one
    unit's arrangement and faces G of cl(C) where +-P_G g_C lies in cl(G), g_C the sum of
    yt_i xt_i over C's active samples (docs/METHOD.md sections 6.1 and 7: the dead-unit
    maximum kappa at psi = 0, where the residual is yt).

    psi = 0 is a local minimum for lambda > lambda_0 and not for lambda < lambda_0; the
    square is rational, so lambda_0 is the positive root of a polynomial of degree <= 2.

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> origin_threshold_squared(make_problem([[0], [1]], [1, 0], hidden=1, lam=1))
    Fraction(1, 4)
    """
    arrangement = unit_arrangement(problem)
    yt, xt = problem.yt, arrangement.xt
    best = Fraction(0)
    for chamber in arrangement.chambers:
        g = [
            sum((yt[i] * xt[i][k] for i in chamber.active), Fraction(0)) for k in range(len(xt[0]))
        ]
        for face in arrangement.closure_faces(chamber):
            if face.dim == 0:
                continue
            proj = _projection(face.basis, g)
            sides = [s * dot(xt[i], proj) for i, s in enumerate(face.signs) if s != 0]
            if all(v >= 0 for v in sides) or all(v <= 0 for v in sides):
                best = max(best, dot(proj, proj))
    return best


def _projection(basis: Sequence[Sequence[Fraction]], g: Sequence[Fraction]) -> list[Fraction]:
    """The orthogonal projection of g onto the span of ``basis`` (independent rows)."""
    return [dot(row, g) for row in projection_matrix(basis)]


def projection_matrix(basis: Sequence[Sequence[Fraction]]) -> list[list[Fraction]]:
    """K^T (K K^T)^-1 K for the rows K of ``basis`` (independent): the orthogonal
    projection onto their span, exactly.

    >>> projection_matrix([[Fraction(1), Fraction(1)]])
    [[Fraction(1, 2), Fraction(1, 2)], [Fraction(1, 2), Fraction(1, 2)]]
    """
    gram = [[dot(u, v) for v in basis] for u in basis]
    size = len(basis[0])
    columns = []
    for k in range(size):
        coef = solve(gram, [row[k] for row in basis])  # (K K^T)^-1 K e_k
        columns.append([sum((c * row[i] for c, row in zip(coef, basis, strict=True)), Fraction(0))
                        for i in range(size)])  # fmt: skip
    return [[columns[k][i] for k in range(size)] for i in range(size)]


def sqrt_event(square: Fraction) -> tuple[tuple[int, ...], Fraction, Fraction]:
    """The positive square root of a rational > 0 as (minimal polynomial, lower, upper).

    The polynomial has integer coefficients, highest degree first, and is irreducible
    over Q (b x - a when the root a/b is rational, else q_den x^2 - q_num); [lower, upper]
    contains exactly one of its roots and is 2^-ISOLATION_BITS wide relative to it.

    Examples
    --------
    >>> sqrt_event(Fraction(9, 4))
    ((2, -3), Fraction(3, 2), Fraction(3, 2))
    >>> poly, lo, hi = sqrt_event(Fraction(2))
    >>> poly, lo * lo < 2 < hi * hi, float(hi - lo) < 1e-18
    ((1, 0, -2), True, True)
    """
    if square <= 0:
        raise ValueError(f"expected a positive rational, got {square}")
    p, q = square.numerator, square.denominator
    rp, rq = math.isqrt(p), math.isqrt(q)
    if rp * rp == p and rq * rq == q:
        root = Fraction(rp, rq)
        return (root.denominator, -root.numerator), root, root
    # floor(sqrt(p q 4^k)) / (q 2^k) <= sqrt(p / q) < (that + 1) / (q 2^k).
    bits = ISOLATION_BITS + max(0, (q.bit_length() - p.bit_length()) // 2 + 2)
    scale = 1 << bits
    low = math.isqrt(p * q * scale * scale)
    return (q, 0, -p), Fraction(low, q * scale), Fraction(low + 1, q * scale)


def origin_event(problem: Problem) -> tuple[tuple[int, ...], Fraction, Fraction] | None:
    """lambda_0 in the problem's convention (lambda_sum / n for "mean") as
    :func:`sqrt_event` gives it; None when lambda_0 = 0 (yt = 0: psi = 0 is a minimum for
    every lambda)."""
    square = origin_threshold_squared(problem)
    if square == 0:
        return None
    n = problem.n if problem.convention == "mean" else 1
    return sqrt_event(square / (n * n))


def sample_values(lo: Fraction, hi: Fraction, count: int) -> list[Fraction]:
    """``count`` >= 2 rationals from lo to hi, geometrically spaced (short rationals:
    each rounded to 3 significant digits, kept strictly increasing), ends exact.

    >>> sample_values(Fraction(1, 1000), Fraction(10), 5)
    [Fraction(1, 1000), Fraction(1, 100), Fraction(1, 10), Fraction(1, 1), Fraction(10, 1)]
    """
    values = [lo]
    ratio = (hi / lo) ** (1 / (count - 1)) if count > 1 else 1.0
    for k in range(1, count - 1):
        v = _short(float(lo) * ratio**k)
        if values[-1] < v < hi:
            values.append(v)
    if hi != lo:
        values.append(hi)
    return values


def _short(value: float) -> Fraction:
    """A rational with 3 significant digits close to ``value`` > 0."""
    exponent = math.floor(math.log10(value)) - 2
    mantissa = round(value / 10.0**exponent)
    return Fraction(mantissa) * Fraction(10) ** exponent


def bracket_midpoint(lo: Fraction, hi: Fraction) -> Fraction:
    """A short rational strictly between lo < hi, near their geometric mean (events are
    looked for on a log scale, as lambda spans decades).

    >>> bracket_midpoint(Fraction(1, 10), Fraction(10))
    Fraction(1, 1)
    >>> bracket_midpoint(Fraction(1), Fraction(1000001, 1000000))
    Fraction(2000001, 2000000)
    """
    target = math.sqrt(lo) * math.sqrt(hi)
    for digits in range(3, 40):
        exponent = math.floor(math.log10(target)) - digits + 1
        v = Fraction(round(target / 10.0**exponent)) * Fraction(10) ** exponent
        if lo < v < hi:
            return v
    return (lo + hi) / 2


def relative_width(lo: Fraction, hi: Fraction) -> Fraction:
    """(hi - lo) / lo: the size of a bracket on a log scale."""
    return (hi - lo) / lo


def roots_in(poly: Sequence[int], lo: Fraction, hi: Fraction) -> int:
    """The number of distinct real roots of ``poly`` (coefficients highest degree first)
    in the closed interval [lo, hi], exactly, by Sturm's theorem: V(lo) - V(hi) counts
    the roots in (lo, hi], and lo is checked on its own.

    >>> x2 = (1, 0, -2)
    >>> roots_in(x2, Fraction(1), Fraction(2)), roots_in(x2, Fraction(-2), Fraction(2))
    (1, 2)
    >>> roots_in((2, -3), Fraction(3, 2), Fraction(3, 2))
    1
    """
    p = _trim([Fraction(c) for c in poly])
    chain = [p, _trim(_derivative(p))]
    while len(chain[-1]) > 1:
        rem = _remainder(chain[-2], chain[-1])
        if not rem:
            break
        chain.append([-c for c in rem])
    at_lo = _evaluate(p, lo) == 0
    return _sign_changes(chain, lo) - _sign_changes(chain, hi) + int(at_lo)


def _trim(p: list[Fraction]) -> list[Fraction]:
    while p and p[0] == 0:
        p = p[1:]
    return p


def _derivative(p: list[Fraction]) -> list[Fraction]:
    n = len(p) - 1
    return [c * (n - k) for k, c in enumerate(p[:-1])]


def _remainder(a: list[Fraction], b: list[Fraction]) -> list[Fraction]:
    """The remainder of a divided by b (b with a nonzero leading coefficient)."""
    a = list(a)
    while len(a) >= len(b) and a:
        factor = a[0] / b[0]
        for k in range(len(b)):
            a[k] -= factor * b[k]
        a = _trim(a[1:] if a[0] == 0 else a)
    return a


def _evaluate(p: list[Fraction], x: Fraction) -> Fraction:
    value = Fraction(0)
    for c in p:
        value = value * x + c
    return value


def _sign_changes(chain: list[list[Fraction]], x: Fraction) -> int:
    signs = [v for v in (_evaluate(p, x) for p in chain) if v != 0]
    return sum((a > 0) != (b > 0) for a, b in itertools.pairwise(signs))


@dataclass(frozen=True)
class Root:
    """A real root of an irreducible integer polynomial (highest degree first): the only
    root of ``poly`` in [lower, upper] (a point when the root is rational).

    The polynomial is squarefree and, of degree >= 2, has no rational root, so the ends
    of the interval are never roots and the polynomial changes sign across it: halving
    needs one sign, not a Sturm sequence."""

    poly: tuple[int, ...]
    lower: Fraction
    upper: Fraction

    def halved(self) -> Root:
        """The half of [lower, upper] holding the root (a point for a linear poly)."""
        if self.lower == self.upper:
            return self
        mid = (self.lower + self.upper) / 2
        if sign_at(self.poly, mid) == sign_at(self.poly, self.lower):
            return Root(self.poly, mid, self.upper)
        return Root(self.poly, self.lower, mid)

    def narrowed(self, bits: int = ISOLATION_BITS) -> Root:
        """The same root in an interval 2^-bits wide relative to its lower end."""
        root = self
        while root.upper - root.lower > abs(root.lower) / 2**bits:
            root = root.halved()
        return root


def sign_at(poly: Sequence[int], x: Fraction) -> int:
    """The sign of poly(x), exactly: d^deg poly(n / d) = sum_k c_k n^(deg - k) d^k by
    Horner's rule in integers (v_k = v_(k-1) n + c_k d^k).

    >>> [sign_at((1, 0, -2), v) for v in (Fraction(3, 2), Fraction(1))]
    [1, -1]
    >>> sign_at((2, -1), Fraction(1, 2))
    0
    """
    n, d = x.numerator, x.denominator
    value, power = 0, 1
    for c in poly:
        value = value * n + c * power
        power *= d
    return (value > 0) - (value < 0)


def isolate_roots(poly: Sequence[int], lo: Fraction, hi: Fraction) -> list[Root]:
    """Every root of the irreducible ``poly`` strictly between lo and hi, each in its own
    interval, by increasing value (:func:`descartes_intervals`).

    >>> roots = isolate_roots((1, 0, -2), Fraction(-2), Fraction(2))
    >>> [(r.lower * r.lower < 2 < r.upper * r.upper or r.upper * r.upper < 2 < r.lower * r.lower)
    ...  for r in roots]
    [True, True]
    >>> isolate_roots((2, -1), Fraction(0), Fraction(1))
    [Root(poly=(2, -1), lower=Fraction(1, 2), upper=Fraction(1, 2))]
    """
    poly = tuple(poly)
    if len(poly) == 2:
        root = Fraction(-poly[1], poly[0])
        return [Root(poly, root, root)] if lo < root < hi else []
    return [Root(poly, a, b) for a, b in descartes_intervals(poly, lo, hi)]


def descartes_intervals(
    poly: Sequence[int], lo: Fraction, hi: Fraction
) -> list[tuple[Fraction, Fraction]]:
    """Isolating intervals of the roots in (lo, hi) of a squarefree integer polynomial
    with no rational root there (coefficients highest degree first), by increasing
    value: Descartes' rule of signs with bisection (Collins and Akritas), in integers.

    On (a, b) the polynomial is q(t) = p(a + (b - a) t), t in (0, 1); the number of sign
    variations of the coefficients of (1 + t)^n q(1 / (1 + t)) bounds the number of roots
    in (0, 1) and has its parity, so 0 variations: no root, 1: exactly one; otherwise
    the two halves 2^n q(t / 2) and 2^n q((t + 1) / 2) are looked at. A stack, not
    recursion: clustered roots go deep.

    >>> descartes_intervals((1, 0, -2), Fraction(0), Fraction(4))
    [(Fraction(0, 1), Fraction(4, 1))]
    >>> golden = descartes_intervals((1, 0, -3, 0, 1), Fraction(-2), Fraction(2))
    >>> [(float(a), float(b)) for a, b in golden]
    [(-2.0, -1.0), (-1.0, 0.0), (0.0, 1.0), (1.0, 2.0)]
    """
    out: list[tuple[Fraction, Fraction]] = []
    stack = [(_on_unit_interval(poly, lo, hi), lo, hi)]
    while stack:
        q, a, b = stack.pop()
        variations = _sign_variations(_taylor_shift(q[::-1]))
        if variations == 1:
            out.append((a, b))
        elif variations > 1:
            n = len(q) - 1
            left = _primitive([c << (n - k) for k, c in enumerate(q)])  # 2^n q(t / 2)
            mid = (a + b) / 2
            stack.append((_primitive(_taylor_shift(left)), mid, b))
            stack.append((left, a, mid))
    return sorted(out)


def _on_unit_interval(poly: Sequence[int], lo: Fraction, hi: Fraction) -> list[int]:
    """The integer coefficients (lowest degree first) of a positive multiple of
    p(lo + (hi - lo) t)."""
    coeffs = [Fraction(c) for c in reversed(poly)]  # lowest first
    n = len(coeffs) - 1
    # Taylor shift by lo (Horner-like synthetic division), then scale t by hi - lo.
    for i in range(n):
        for k in range(n - 1, i - 1, -1):
            coeffs[k] += lo * coeffs[k + 1]
    width = hi - lo
    scaled = [c * width**k for k, c in enumerate(coeffs)]
    den = 1
    for c in scaled:
        den = den * c.denominator // math.gcd(den, c.denominator)
    return _primitive([int(c * den) for c in scaled])


def _taylor_shift(q: list[int]) -> list[int]:
    """The coefficients (lowest degree first) of q(t + 1)."""
    c = list(q)
    n = len(c) - 1
    for i in range(n):
        for k in range(n - 1, i - 1, -1):
            c[k] += c[k + 1]
    return c


def _sign_variations(c: list[int]) -> int:
    signs = [v > 0 for v in c if v != 0]
    return sum(x != y for x, y in itertools.pairwise(signs))


def _primitive(c: list[int]) -> list[int]:
    g = 0
    for v in c:
        g = math.gcd(g, v)
    return [v // g for v in c] if g > 1 else c


def separated(roots: Iterable[Root]) -> list[Root]:
    """The roots (distinct numbers: roots of distinct irreducible polynomials, or
    different roots of one) by increasing value, their intervals halved until no two
    meet; a root listed twice (same polynomial, intervals holding the same root) is kept
    once.

    >>> r2 = isolate_roots((1, 0, -2), Fraction(0), Fraction(2))[0]
    >>> r3 = isolate_roots((1, 0, -3), Fraction(0), Fraction(2))[0]
    >>> [float(r.upper) <= float(s.lower) for r, s in itertools.pairwise(separated([r3, r2, r2]))]
    [True]
    """
    work = sorted(set(roots), key=lambda r: (r.lower, r.upper))
    changed = True
    while changed:
        changed = False
        out: list[Root] = []
        for r in work:
            if out and same_root(out[-1], r):
                out[-1] = _intersection(out[-1], r)
                changed = True
            elif out and _meet(out[-1], r):
                out[-1], r = out[-1].halved(), r.halved()
                out.append(r)
                changed = True
            else:
                out.append(r)
        work = sorted(out, key=lambda r: (r.lower, r.upper))
    return work


def _meet(a: Root, b: Root) -> bool:
    return a.lower <= b.upper and b.lower <= a.upper


def same_root(a: Root, b: Root) -> bool:
    """Whether two intervals of one polynomial hold the same root: they meet and their
    intersection holds a root (it then is the one root of each)."""
    if a.poly != b.poly or not _meet(a, b):
        return False
    low, high = max(a.lower, b.lower), min(a.upper, b.upper)
    if low == high:
        return sign_at(a.poly, low) == 0
    return sign_at(a.poly, low) != sign_at(a.poly, high)


def _intersection(a: Root, b: Root) -> Root:
    """One root known by two intervals of the same polynomial that meet (one root each):
    the root lies in both, hence in their intersection."""
    return Root(a.poly, max(a.lower, b.lower), min(a.upper, b.upper))


def gap_sample(left: Fraction, right: Fraction) -> Fraction:
    """A short rational strictly between two roots' intervals (left < right): the
    sample value of lambda of the gap between them."""
    return bracket_midpoint(left, right)

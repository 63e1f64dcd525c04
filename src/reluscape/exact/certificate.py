"""Exact checks of dual certificates: certified lower bounds of the loss on a piece.

docs/METHOD.md section 10. A *pair* c = (C, e) is a chamber C of one unit's arrangement
(sign vector sigma in {-1, +1}^n, activation D = diag[sigma_i = +1]) and a sign
e in {-1, +1}; a *piece* is a multiset of L pairs. With w_l = a_l theta_l, on the closed
product chamber the network output is sum_l D_l Xt w_l and, by
lambda/2 (a_l^2 + |theta_l|^2) >= lambda |a_l| |theta_l| (equality iff |a_l| = |theta_l|),

    min { l(a, psi) : psi in cl C_1 x ... x cl C_L, sign(a_l) = e_l }
        = min { F(w) : w_l in K_l },     F(w) = 1/2 |yt - sum_l M_l w_l|^2 + lambda sum_l |w_l|,

with M_l = D_l Xt and K_l = e_l cl(C_l) = {w : G_l w >= 0}, G_l = diag(e_l sigma_l) Xt.
(">=": every (a, psi) gives a feasible w with F(w) <= l(a, psi); "<=": a feasible w gives
theta_l = w_l / sqrt|w_l|, a_l = e_l sqrt|w_l| with l = F(w).)

Weak duality. For any v in Q^n and mu_l >= 0 in Q^n, since 1/2 |r|^2 >= v . r - 1/2 |v|^2
(expand 1/2 |r - v|^2 >= 0) and mu_l . G_l w_l >= 0 on K_l,

    F(w) >= yt . v - 1/2 |v|^2 + sum_l (lambda |w_l| - (M_l^T v + G_l^T mu_l) . w_l)
         >= yt . v - 1/2 |v|^2                 if |M_l^T v + G_l^T mu_l| <= lambda for all l

(Cauchy-Schwarz). If only q_l >= |M_l^T v + G_l^T mu_l| is known, then (t v, t mu) is
feasible for every 0 <= t <= lambda / max_l q_l (the conditions are homogeneous), and the
best such t gives the certified bound

    B = t a - t^2 b / 2,   a = yt . v,  b = |v|^2,  t = min(a / b, lambda / max_l q_l)

(B = 0 when a <= 0: the loss is never negative). Everything here is exact: v, mu and the
data are rationals, |g|^2 is a rational, and q_l is a rational upper bound of its square
root (:func:`sqrt_upper`). A float solver proposes (v, mu); only this module decides.

One direction v serves every piece: the bound of a piece depends on v only through
max_l q(v, c_l), one number per pair, so :class:`Direction` computes q per pair once.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

import numpy as np

from reluscape.data import Problem

__all__ = [
    "Direction",
    "active_sums",
    "feasible_scale",
    "live_unit_excluded",
    "piece_bound",
    "sqrt_upper",
]


def sqrt_upper(x: Fraction, bits: int = 64) -> Fraction:
    """A rational upper bound of sqrt(x), exact for perfect squares, relative error < 2^-bits.

    With x = p/q: sqrt(x) = sqrt(p q 4^s) / (q 2^s) <= ceil(sqrt(p q 4^s)) / (q 2^s), and the
    integer square root decides the ceiling exactly.

    Examples
    --------
    >>> sqrt_upper(Fraction(9, 4))
    Fraction(3, 2)
    >>> q = sqrt_upper(Fraction(2))
    >>> q * q >= 2, float(q - Fraction(14142135623730951, 10**16)) < 1e-15
    (True, True)
    """
    x = Fraction(x)
    if x < 0:
        raise ValueError(f"sqrt_upper needs x >= 0, got {x}")
    if x == 0:
        return Fraction(0)
    big = x.numerator * x.denominator
    shift = max(0, bits - big.bit_length() // 2)
    scaled = big << (2 * shift)
    root = math.isqrt(scaled)
    if root * root != scaled:
        root += 1
    return Fraction(root, x.denominator << shift)


def piece_bound(a: Fraction, b: Fraction, lam: Fraction, q: Fraction) -> Fraction:
    """Certified lower bound max_{0 <= t <= lam / q} (t a - t^2 b / 2) (module docstring).

    ``a`` = yt . v, ``b`` = |v|^2, ``q`` >= max over the piece's units of
    |M_l^T v + G_l^T mu_l| (q = 0: no limit on t).

    Examples
    --------
    >>> piece_bound(Fraction(4), Fraction(2), Fraction(1), Fraction(1, 4))  # t = a/b = 2
    Fraction(4, 1)
    >>> piece_bound(Fraction(4), Fraction(2), Fraction(1), Fraction(1))     # t = lam/q = 1
    Fraction(3, 1)
    >>> piece_bound(Fraction(-1), Fraction(2), Fraction(1), Fraction(1))
    Fraction(0, 1)
    """
    t = feasible_scale(a, b, lam, q)
    return t * a - t * t * b / 2


def support_threshold(a: Fraction, b: Fraction, lam: Fraction, upper: Fraction) -> Fraction | None:
    """A rational q* > 0 with piece_bound(a, b, lam, q) > ``upper`` for every
    0 <= q <= q*, or None if there is none to be had (a**2 / (2 b) <= upper).

    piece_bound is non-increasing in q; where lam / q = s <= a / b it is s a - s^2 b / 2,
    above ``upper`` for s > s0 = (a - sqrt(a^2 - 2 b upper)) / b. With r <= sqrt of the
    discriminant (its square divided by an upper root) and s = (a - r) / b raised by
    2^-50 (at most a / b), q* = lam / s; the claim is checked exactly before it is
    returned, so one comparison q <= q* per pair then decides B(q) > upper.

    >>> q = support_threshold(Fraction(4), Fraction(2), Fraction(1), Fraction(3))
    >>> piece_bound(Fraction(4), Fraction(2), Fraction(1), q) > 3, float(q) < 1
    (True, True)
    >>> support_threshold(Fraction(4), Fraction(2), Fraction(1), Fraction(4)) is None
    True
    """
    if a <= 0 or b == 0 or a * a / (2 * b) <= upper:
        return None
    disc = a * a - 2 * b * upper
    root = disc / sqrt_upper(disc) if disc > 0 else Fraction(0)
    s = min((a - root) / b * (1 + Fraction(1, 2**50)), a / b)
    if s <= 0:
        return None
    q = lam / s
    return q if piece_bound(a, b, lam, q) > upper else None


def feasible_scale(a: Fraction, b: Fraction, lam: Fraction, q: Fraction) -> Fraction:
    """The t of :func:`piece_bound`: (t v, t mu) is the certified dual point.

    >>> feasible_scale(Fraction(4), Fraction(2), Fraction(1), Fraction(1))
    Fraction(1, 1)
    """
    if a <= 0 or b == 0:
        return Fraction(0)
    t = a / b
    if q > 0 and lam / q < t:
        t = lam / q
    return t


def live_unit_excluded(lam: Fraction, q_scaled: Fraction, m_norm2: Fraction, gap: Fraction) -> bool:
    """Whether no optimum of the program with value <= bound + ``gap`` can have w_l != 0
    with the unit on a face where every local minimum needs it live (docs/METHOD.md
    section 10).

    Let v' = t v be the certified dual point (value B) and v* the dual optimum (unique:
    the dual objective yt . v - |v|^2 / 2 is 1-strongly concave). If the program's value
    is <= B + gap, then |v* - v'|^2 <= 2 gap. The residual of any primal optimum is v*,
    and an optimum with w_l != 0 needs |Pi_{K_l}(M_l^T v*)| = lambda (stationarity in
    w_l); but |Pi_{K_l}(M_l^T v*)| <= q_scaled + |M_l|_F |v* - v'| < lambda when

        lambda > q_scaled  and  (lambda - q_scaled)^2 > 2 |M_l|_F^2 gap,

    decided here exactly (``q_scaled`` >= the support of unit l at v', ``m_norm2`` =
    |M_l|_F^2).

    >>> live_unit_excluded(Fraction(1), Fraction(1, 2), Fraction(4), Fraction(1, 100))
    True
    >>> live_unit_excluded(Fraction(1), Fraction(1, 2), Fraction(4), Fraction(1, 10))
    False
    """
    return q_scaled < lam and (lam - q_scaled) ** 2 > 2 * m_norm2 * gap


def active_sums(active: np.ndarray, values: Sequence[Sequence[int]]) -> list[list[int]]:
    """sum_{i : active[c, i]} values[i][j] for every row c of a 0/1 matrix, exactly.

    The integers are cut into signed limbs of ``bits`` bits, x = sum_k x_k 2^(bits k) with
    |x_k| < 2^bits, where n 2^bits < 2^63: each limb's sum over n rows is then an exact
    int64 matrix product, and the limbs are put together in Python integers. (One
    integer matrix product per limb instead of a Python loop over n per row: the
    certificate checks hundreds of pairs per direction.)

    >>> active_sums(np.array([[1, 0, 1], [0, 1, 1]]), [[2**70, 1], [-3, 2], [5, -7]])
    [[1180591620717411303429, -6], [2, -5]]
    """
    active = np.asarray(active, dtype=np.int64)
    n = active.shape[1]
    width = len(values[0]) if len(values) else 0
    bits = 62 - max(n, 1).bit_length()
    mask = (1 << bits) - 1
    top = max((abs(x) for row in values for x in row), default=0)
    out = [[0] * width for _ in range(active.shape[0])]
    for k in range(max(1, -(-top.bit_length() // bits))):
        shift = bits * k
        limb = np.array(
            [[(abs(x) >> shift & mask) * (1 if x >= 0 else -1) for x in row] for row in values],
            dtype=np.int64,
        ).reshape(n, width)
        part = (active @ limb).tolist()
        for row, add in zip(out, part, strict=True):
            for j in range(width):
                row[j] += add[j] << shift
    return out


@functools.lru_cache(maxsize=4)
def _integer_inputs(problem: Problem) -> tuple[int, tuple[tuple[int, ...], ...]]:
    """Xt = X_int / den with one common denominator (integer sums are fast)."""
    den = math.lcm(*(v.denominator for row in problem.xt for v in row))
    return den, tuple(tuple(int(v * den) for v in row) for row in problem.xt)


class Direction:
    """One dual direction v, checked exactly against any pair (C, e).

    Parameters
    ----------
    problem : Problem
        Data (``xt``, ``yt``) and lambda (``lam_sum``).
    v : sequence of Fraction
        The direction, one entry per sample (a float solver's residual, rationalized).

    Examples
    --------
    Samples x = 0, 1 (xt = (0, 1), (1, 1)), yt = (1/2, -1/2); the chamber "++":

    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1]], [1, 0], hidden=1, lam="1/10")
    >>> dv = Direction(p, [Fraction(1, 2), Fraction(-1, 2)])
    >>> dv.a, dv.b
    (Fraction(1, 2), Fraction(1, 2))
    >>> dv.norm2((1, 1), 1, {})   # M^T v = v_1 xt_1 + v_2 xt_2 = (-1/2, 0)
    Fraction(1, 4)
    """

    def __init__(self, problem: Problem, v: Sequence[Fraction]) -> None:
        if len(v) != problem.n:
            raise ValueError(f"v must have n = {problem.n} entries, got {len(v)}")
        self.problem = problem
        self.v = tuple(Fraction(x) for x in v)
        self.a = sum((y * x for y, x in zip(problem.yt, self.v, strict=True)), Fraction(0))
        self.b = sum((x * x for x in self.v), Fraction(0))
        den_x, x_int = _integer_inputs(problem)
        den_v = math.lcm(*(x.denominator for x in self.v))
        self._den = den_x * den_v
        v_int = [int(x * den_v) for x in self.v]
        self._vx = [tuple(vi * xj for xj in row) for vi, row in zip(v_int, x_int, strict=True)]

    def norm2(self, signs: Sequence[int], sign: int, mu: Mapping[int, Fraction]) -> Fraction:
        """|M^T v + G^T mu|^2 exactly, M = D Xt, G = diag(sign * signs) Xt.

        ``signs`` may be a face's (zeros allowed): the cone is then sign * cl(F), whose
        zero rows are equalities xt_i . w = 0 with multipliers mu_i of either sign
        (the weak duality argument is unchanged: mu_i xt_i . w_l = 0 on the cone).

        Raises
        ------
        ValueError
            If some mu_i < 0 where signs[i] != 0 (an inequality's multiplier is >= 0).
        """
        width = self.problem.d + 1
        acc = [0] * width
        for i, s in enumerate(signs):
            if s > 0:
                row = self._vx[i]
                for j in range(width):
                    acc[j] += row[j]
        g = [Fraction(x, self._den) for x in acc]
        for i, m in mu.items():
            m = Fraction(m)
            if signs[i] and m < 0:
                raise ValueError(f"mu[{i}] = {m} < 0: a dual multiplier must be >= 0")
            # A zero sign is an equality constraint xt_i . w = 0: its multiplier is free.
            f = m * sign * signs[i] if signs[i] else m
            if f:
                g = [gj + f * xj for gj, xj in zip(g, self.problem.xt[i], strict=True)]
        return sum((gj * gj for gj in g), Fraction(0))

    def support_upper(
        self, signs: Sequence[int], sign: int, mu: Mapping[int, Fraction]
    ) -> Fraction:
        """A rational q >= |M^T v + G^T mu| >= sup {(M^T v) . w : w in K, |w| <= 1}."""
        return sqrt_upper(self.norm2(signs, sign, mu))

    def support_uppers(
        self, signs: np.ndarray, sign: Sequence[int], mus: Sequence[Mapping[int, Fraction]]
    ) -> list[Fraction]:
        """:meth:`support_upper` of many chambers at once (rows of ``signs``, no zero
        entry): the sums M^T v over the active samples by :func:`active_sums`, the same
        exact numbers as :meth:`norm2` row by row.

        >>> from reluscape.data import make_problem
        >>> p = make_problem([[0], [1], [3]], [1, 0, 2], hidden=1, lam="1/10")
        >>> dv = Direction(p, [Fraction(1, 2), Fraction(-1, 3), Fraction(1, 7)])
        >>> rows = np.array([[1, 1, 1], [-1, 1, 1], [-1, -1, 1]])
        >>> mus = [{}, {0: Fraction(1, 5)}, {1: Fraction(2)}]
        >>> dv.support_uppers(rows, [1, -1, 1], mus) == [
        ...     dv.support_upper(r, e, m) for r, e, m in zip(rows.tolist(), [1, -1, 1], mus)]
        True
        """
        signs = np.asarray(signs)
        sums = active_sums(signs > 0, self._vx)
        out = []
        # Rows stay numpy: only the signs at mu's samples are read (a Python list of every
        # row would cost n objects per chamber).
        for row, acc, e, mu in zip(signs, sums, sign, mus, strict=True):
            g = [Fraction(x, self._den) for x in acc]
            for i, m in mu.items():
                m = Fraction(m)
                if m < 0:
                    raise ValueError(f"mu[{i}] = {m} < 0: a dual multiplier must be >= 0")
                f = m * e * int(row[i])
                if f:
                    g = [gj + f * xj for gj, xj in zip(g, self.problem.xt[i], strict=True)]
            out.append(sqrt_upper(sum((gj * gj for gj in g), Fraction(0))))
        return out

    def m_norm2(self, signs: Sequence[int]) -> Fraction:
        """|M|_F^2 = sum over active samples of |xt_i|^2, M = D Xt."""
        return sum(
            (x * x for s, row in zip(signs, self.problem.xt, strict=True) if s > 0 for x in row),
            Fraction(0),
        )

    def scale(self, q: Fraction) -> Fraction:
        """:func:`feasible_scale` for this direction."""
        return feasible_scale(self.a, self.b, self.problem.lam_sum, q)

    def bound(self, q: Fraction) -> Fraction:
        """:func:`piece_bound` for this direction with q >= max_l |M_l^T v + G_l^T mu_l|."""
        return piece_bound(self.a, self.b, self.problem.lam_sum, q)

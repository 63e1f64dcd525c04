"""Variable projection: the output weights a are solved for, leaving the reduced loss r(psi).

docs/METHOD.md section 2. With theta_l = (B_l, c_l), psi = (theta_1, ..., theta_L) stored as an
array of shape (L, d+1) (row l is theta_l) and xt_i = (x_i, 1),

    Omega_il    = ReLU(theta_l . xt_i)                                   (n x L)
    l(a, psi)   = 1/2 |yt - Omega a|^2 + lambda/2 (|a|^2 + |psi|_F^2)
    a_hat(psi)  = (Omega^T Omega + lambda I)^{-1} Omega^T yt
    r(psi)      = l(a_hat(psi), psi)
                = 1/2 |yt|^2 - 1/2 (Omega^T yt) . a_hat(psi) + lambda/2 |psi|_F^2.

Because l is strongly convex in a (lambda > 0), (a*, psi*) is a local minimum of l exactly
when psi* is a local minimum of r and a* = a_hat(psi*). Everything here uses the sum
convention through :attr:`reluscape.data.Problem.lam_sum`.

This module evaluates r in exact rational arithmetic (for the checks of results and the
tests); the float versions for numerical search are in :mod:`reluscape.numerical.loss`.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from fractions import Fraction

from reluscape.data import Problem
from reluscape.exact.linalg import solve

__all__ = ["reduced_loss_exact"]


def _to_fraction(value: object, where: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, numbers.Rational):
        raise ValueError(
            f"psi_q{where} must be an exact rational (int or Fraction), got {value!r}; "
            "convert floats explicitly, e.g. Fraction(x) for the exact binary value"
        )
    return Fraction(int(value.numerator), int(value.denominator))


def reduced_loss_exact(problem: Problem, psi_q: Sequence[Sequence[numbers.Rational]]) -> Fraction:
    """Reduced loss r(psi) in exact rational arithmetic.

    Omega is formed exactly (ReLU of a rational is rational), a_hat solves the L x L system
    (Omega^T Omega + lambda I) a = Omega^T yt by Gaussian elimination over Q, and

        r(psi) = 1/2 |yt|^2 - 1/2 (Omega^T yt) . a_hat + lambda/2 |psi|_F^2.

    Parameters
    ----------
    problem : Problem
        Data and settings; lambda is ``problem.lam_sum``.
    psi_q : sequence of sequences of int or Fraction, shape (L, d+1)
        Row l is theta_l = (B_l, c_l). Floats are refused so that no rounding slips in.

    Returns
    -------
    Fraction

    Raises
    ------
    ValueError
        If ``psi_q`` does not have shape (L, d+1) or holds a non-rational entry.

    Examples
    --------
    >>> from fractions import Fraction
    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1], [2]], [1, 2, 6], hidden=1, lam=1)
    >>> reduced_loss_exact(p, [[1, 0]])  # 7 - 1/2 * 5 * 5/6 + 1/2
    Fraction(65, 12)
    >>> reduced_loss_exact(p, [[Fraction(1, 2), 0]])  # 7 - 1/2 * 5/2 * 10/9 + 1/8
    Fraction(413, 72)
    """
    expected = (problem.hidden, problem.d + 1)
    try:
        rows = [list(row) for row in psi_q]
    except TypeError:
        raise ValueError(
            f"psi_q must be a sequence of rows, shape (L, d+1) = {expected}, got {psi_q!r}"
        ) from None
    if len(rows) != expected[0] or any(len(row) != expected[1] for row in rows):
        got = tuple(len(row) for row in rows)
        raise ValueError(
            f"psi_q must have shape (L, d+1) = {expected}, got {len(rows)} rows of lengths {got}"
        )
    psi = [
        [_to_fraction(v, f"[{u}][{j}]") for j, v in enumerate(row)] for u, row in enumerate(rows)
    ]
    lam = problem.lam_sum
    yt = problem.yt
    om = [
        [
            max(sum((t * x for t, x in zip(theta, xi, strict=True)), Fraction(0)), Fraction(0))
            for theta in psi
        ]
        for xi in problem.xt
    ]
    size = problem.hidden
    gram = [
        [
            sum((row[j] * row[k] for row in om), Fraction(0)) + (lam if j == k else 0)
            for k in range(size)
        ]
        for j in range(size)
    ]
    rhs = [
        sum((row[j] * y for row, y in zip(om, yt, strict=True)), Fraction(0)) for j in range(size)
    ]
    a = solve(gram, rhs)
    yy = sum((y * y for y in yt), Fraction(0))
    fit = sum((b * v for b, v in zip(rhs, a, strict=True)), Fraction(0))
    norm_psi = sum((v * v for row in psi for v in row), Fraction(0))
    return yy / 2 - fit / 2 + lam * norm_psi / 2

"""The claims of a result document, read through the one schema reader.

:class:`reluscape.schema.Result` validates the document (shapes, types, exact rationals,
``decided_by``, ``is_global`` null exactly when the run is incomplete); this module adds
what ``verify`` needs on top: the data file compared with the recorded data, the
polynomials parsed (:func:`reluscape.exact.polynomial.parse_polynomial`), the exact point
theta_l = K_l t_l, the interval each coordinate is certified to lie in, and the float
arrays of the numerical checks, with a clear refusal when the numbers are beyond what
floats can hold (docs/METHOD.md section 8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from reluscape.data import InputError, Problem, load_problem
from reluscape.exact.polynomial import Polynomial, parse_polynomial
from reluscape.schema import MalformedResult, Minimum, Result

__all__ = [
    "FLOAT_RANGE",
    "Claim",
    "Context",
    "check_float_range",
    "claims_of",
    "problem_against_data",
]

FLOAT_RANGE = (Fraction(1, 10**100), Fraction(10**100))
"""Nonzero magnitudes the numerical checks accept: squares and products of a few such
numbers stay far inside the range of a double (about 1e-308 to 1e308)."""


def problem_against_data(result: Result, data: str | Path, name: str) -> Problem:
    """Load DATA.csv with the recorded settings and check it is the recorded data, exactly.

    The schema has already checked the recorded ``n``, ``d`` and ``lam_sum`` against the
    recorded X and y; here X, y, n, d and lam_sum are compared with the file.

    Raises
    ------
    InputError
        If the data file cannot be read or differs from the recorded data.
    """
    rec = result.problem
    problem = load_problem(data, hidden=rec.hidden, lam=rec.lam, convention=rec.convention)
    different = f"{name} was computed on different data than {data}"
    if (rec.n, rec.d) != (problem.n, problem.d):
        raise InputError(
            f"{different}: {rec.n} samples of dimension {rec.d} recorded (problem.n, "
            f"problem.d), {problem.n} of dimension {problem.d} in the data file"
        )
    for i, (row, row_q) in enumerate(zip(rec.X, problem.X, strict=True)):
        for j, (v, w) in enumerate(zip(row, row_q, strict=True)):
            if v != w:
                raise InputError(f"{different}: X[{i}][{j}] is {v} in {name}, {w} in the data")
    for i, (v, w) in enumerate(zip(rec.y, problem.y, strict=True)):
        if v != w:
            raise InputError(f"{different}: y[{i}] is {v} in {name}, {w} in the data")
    if rec.lam_sum != problem.lam_sum:
        raise InputError(
            f"{different}: problem.lam_sum is {rec.lam_sum} in {name}, {problem.lam_sum} "
            "for the data file"
        )
    return problem


@dataclass
class Context:
    """The problem in exact and in float form (float arrays for the numerical checks)."""

    problem: Problem
    xt: np.ndarray
    yt: np.ndarray
    lam: float
    xt_q: tuple[tuple[Fraction, ...], ...]

    @classmethod
    def of(cls, problem: Problem) -> Context:
        return cls(
            problem=problem,
            xt=np.array([[float(v) for v in row] for row in problem.xt]),
            yt=np.array([float(v) for v in problem.yt]),
            lam=float(problem.lam_sum),
            xt_q=problem.xt,
        )


@dataclass
class Claim:
    """One claimed minimum: the validated :class:`~reluscape.schema.Minimum` and what the
    checks derive from it.

    Attributes
    ----------
    minimum : Minimum
        The entry of the document.
    where : str
        Its place in the document (``minima[2]``), for messages.
    prime : list of Polynomial
        The generators of ``component.prime`` (empty for an isolated point).
    system : list of Polynomial
        The generators of ``system``, in ``system.variables``.
    """

    minimum: Minimum
    where: str
    prime: list[Polynomial]
    system: list[Polynomial]
    kind: str = "minimum"

    @property
    def id(self) -> int:
        return self.minimum.id

    @property
    def dimension(self) -> int:
        return self.minimum.dimension

    @property
    def interval(self) -> tuple[Fraction, Fraction]:
        return self.minimum.loss_interval

    @property
    def signs(self) -> list[str]:
        return [f.signs for f in self.minimum.face]

    @property
    def rational(self) -> dict[str, Fraction] | None:
        return self.minimum.point.rational

    @property
    def psi(self) -> np.ndarray:
        """The float point, rows theta_l = (B_l, c_l) (after :func:`check_float_range`)."""
        point = self.minimum.point
        return np.column_stack([np.array(point.B, dtype=float), np.array(point.c, dtype=float)])

    @property
    def a(self) -> np.ndarray:
        return np.array(self.minimum.point.a, dtype=float)

    def t_names(self, unit: int) -> list[str]:
        return self.minimum.t_names(unit)

    def exact_psi(self) -> list[list[Fraction]] | None:
        """theta_l = sum_j t_lj K_l[j], exactly, from the rational point (None without one)."""
        point = self.minimum.exact_point()
        return None if point is None else point[1]

    def t_interval(self, name: str) -> tuple[Fraction, Fraction] | None:
        """Where the true coordinate ``name`` lies: its box, else the rational value widened
        by its precision (max(1, |q|) 2^-precision_bits), else None."""
        point = self.minimum.point
        if point.box is not None and name in point.box:
            return point.box[name]
        if self.rational is not None and point.precision_bits is not None and name in self.rational:
            q = self.rational[name]
            w = max(Fraction(1), abs(q)) / 2**point.precision_bits
            return q - w, q + w
        return None


def _claim(m: Minimum, where: str) -> Claim:
    prime = []
    if m.component is not None:
        prime = [
            _parse(text, m.component.variables, f"{where}.component.prime[{j}]")
            for j, text in enumerate(m.component.prime)
        ]
    system = [
        _parse(text, m.system.variables, f"{where}.system.generators[{j}]")
        for j, text in enumerate(m.system.generators)
    ]
    return Claim(minimum=m, where=where, prime=prime, system=system)


def claims_of_points(result: Result) -> list[Claim]:
    """The census's points that are not minima, as claims (their fields are a minimum's);
    the same polynomial errors as :func:`claims_of`."""
    return [
        replace(_claim(c.as_minimum(), f"critical_points[{k}]"), kind=c.kind)
        for k, c in enumerate(result.critical_points or [])
        if c.kind != "minimum"
    ]


def claims_of(result: Result) -> list[Claim]:
    """The claimed minima of a validated result, with their polynomials parsed.

    Raises
    ------
    MalformedResult
        If a polynomial of ``component.prime`` or ``system.generators`` cannot be read;
        the message names it (``minima[1].component.prime[0]: unknown variable 'q'``).
    """
    return [_claim(m, f"minima[{k}]") for k, m in enumerate(result.minima)]


def _parse(text: str, variables: tuple[str, ...], where: str) -> Polynomial:
    try:
        return parse_polynomial(text, variables)
    except ValueError as exc:
        raise MalformedResult(f"{where}: {exc}") from None


def _beyond(value: Fraction) -> bool:
    return value != 0 and not FLOAT_RANGE[0] <= abs(value) <= FLOAT_RANGE[1]


def check_float_range(problem: Problem, claims: list[Claim]) -> None:
    """Refuse, with one line, numbers the numerical checks cannot handle in floats.

    The data, lambda (sum convention) and the loss intervals must have nonzero magnitudes
    in :data:`FLOAT_RANGE`, the coordinates (a, t) of the rational points magnitudes
    below its upper end (a tiny coordinate is harmless in floats), and no float
    of a claimed point may be null (a value that overflowed a float). The exact parts of
    a result beyond that range are sound, but a float re-check of them would overflow or
    divide by zero, and a crash must not read as a refutation.

    Raises
    ------
    InputError
        ``numbers beyond float range: ...`` naming the first offending value.
    """
    lo, hi = (f"{float(v):.0e}" for v in FLOAT_RANGE)
    why = f"verify's numerical checks need magnitudes between {lo} and {hi} (or 0)"
    named = [
        (f"problem.X[{i}][{j}]", v) for i, row in enumerate(problem.X) for j, v in enumerate(row)
    ]
    named += [(f"problem.y[{i}]", v) for i, v in enumerate(problem.y)]
    named.append(("lambda (sum convention)", problem.lam_sum))
    # A coordinate only needs to stay below the upper limit: a tiny one (the rational
    # representative of a coordinate whose box holds 0, e.g. -3e-118) is a float like any
    # other, and refusing it would turn a correct result into unusable input.
    large_only = []
    for claim in claims:
        m = claim.minimum
        named += [(f"{claim.where}.loss_interval", v) for v in m.loss_interval]
        if m.point.rational is not None:
            # The coordinates the float checks use (a system's extra variable z is not).
            coords = [f"a{u}" for u in range(len(m.face))]
            coords += [t for u in range(len(m.face)) for t in m.t_names(u)]
            large_only += [
                (f"{claim.where}.point.rational.{k}", m.point.rational[k])
                for k in coords
                if k in m.point.rational
            ]
    offending = [(w, v) for w, v in named if _beyond(v)]
    offending += [(w, v) for w, v in large_only if abs(v) > FLOAT_RANGE[1]]
    if offending:
        where, value = offending[0]
        raise InputError(f"numbers beyond float range: {where} = {_short(value)}; {why}")
    for claim in claims:
        point = claim.minimum.point
        floats = [claim.minimum.loss, *point.a, *point.c, *(v for row in point.B for v in row)]
        if any(v is None or not math.isfinite(v) for v in floats):
            raise InputError(
                f"numbers beyond float range: {claim.where} has a loss or point entry that "
                f"overflows a float (null); {why}"
            )


def _short(value: Fraction) -> str:
    """A readable magnitude of a rational of any size (float() would overflow)."""
    if value == 0:
        return "0"
    exponent = len(str(abs(value.numerator))) - len(str(value.denominator))
    return f"{'-' if value < 0 else ''}about 1e{exponent}"

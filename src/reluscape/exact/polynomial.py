"""Polynomials over Q read from text by a small safe parser, evaluated exactly.

A result document records polynomials as text in Sage's syntax (``5/4*t0_0^2 - 1``):
the generators of a point's system and of a component's prime ideal, the polynomial of an
exact loss. :func:`parse_polynomial` reads them without evaluating anything (Python's
``ast``, a whitelist of node types), so a document from an untrusted source cannot run
code. A :class:`Polynomial` evaluates exactly at rational points; the float methods are
for the numerical tools (residuals at float points, plots) and decide nothing.

Examples
--------
>>> from fractions import Fraction
>>> p = parse_polynomial("1/2*x^2 - 3*x*y + 1", ["x", "y"])
>>> p([Fraction(1), Fraction(2)])
Fraction(-9, 2)
>>> p.magnitude([Fraction(1), Fraction(2)])
Fraction(15, 2)
>>> p.derivative("x")([Fraction(1), Fraction(2)])  # x - 3 y
Fraction(-5, 1)
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    # The float methods serve the numerical tools, which hold points as NumPy vectors:
    # accepted as they are rather than converted at each call (a type only: no NumPy here).
    FloatPoint: TypeAlias = Sequence[float] | npt.NDArray[np.float64]
    FloatValues: TypeAlias = Sequence[Any] | npt.NDArray[np.float64]

__all__ = ["MAX_DEGREE", "Polynomial", "parse_polynomial"]

MAX_DEGREE = 100
"""Largest exponent the parser accepts (a bound on the work a document can ask for)."""
_MAX_CHARS = 1_000_000

_Terms = dict[tuple[int, ...], Fraction]


@dataclass(frozen=True)
class Polynomial:
    """A polynomial over Q: ``terms`` maps exponent tuples (one per variable) to coefficients.

    Examples
    --------
    >>> from fractions import Fraction
    >>> p = parse_polynomial("t0_0^2 - 2", ["t0_0"])
    >>> p.terms == {(2,): Fraction(1), (0,): Fraction(-2)}
    True
    >>> p.evaluate_float([1.5]), p.gradient_float([1.5])
    (0.25, [3.0])
    """

    variables: tuple[str, ...]
    terms: Mapping[tuple[int, ...], Fraction]

    def __call__(self, point: Sequence[Fraction]) -> Fraction:
        """The exact value at a rational point (one value per variable)."""
        return sum((c * _monomial(e, point) for e, c in self.terms.items()), Fraction(0))

    def magnitude(self, point: Sequence[Fraction]) -> Fraction:
        """Sum of the absolute values of the terms at ``point`` (the scale of a residual)."""
        return sum((abs(c * _monomial(e, point)) for e, c in self.terms.items()), Fraction(0))

    @property
    def degree(self) -> int:
        """Total degree (0 for constants and for the zero polynomial)."""
        return max((sum(e) for e in self.terms), default=0)

    def derivative(self, variable: str) -> Polynomial:
        """The partial derivative with respect to ``variable``, exactly."""
        j = self.variables.index(variable)
        terms: _Terms = {}
        for e, c in self.terms.items():
            if e[j]:
                lowered = (*e[:j], e[j] - 1, *e[j + 1 :])
                terms[lowered] = terms.get(lowered, Fraction(0)) + c * e[j]
        return Polynomial(self.variables, {e: c for e, c in terms.items() if c})

    def gradient(self, point: Sequence[Fraction]) -> tuple[Fraction, ...]:
        """The exact gradient at a rational point."""
        return tuple(self.derivative(v)(point) for v in self.variables)

    def evaluate_float(self, point: FloatValues) -> Any:
        """p at float values, one per variable: numbers, or NumPy arrays of one shape
        (then evaluated elementwise, e.g. on a plotting grid)."""
        return sum((float(c) * _monomial_float(e, point) for e, c in self.terms.items()), start=0.0)

    def magnitude_float(self, point: FloatPoint) -> float:
        """:meth:`magnitude` at float values."""
        return sum(
            (abs(float(c) * _monomial_float(e, point)) for e, c in self.terms.items()), start=0.0
        )

    def gradient_float(self, point: FloatPoint) -> list[float]:
        """The gradient at float values, one entry per variable."""
        grad = [0.0] * len(self.variables)
        for e, c in self.terms.items():
            for j, k in enumerate(e):
                if k:
                    lowered = (*e[:j], k - 1, *e[j + 1 :])
                    grad[j] += float(c) * k * float(_monomial_float(lowered, point))
        return grad


def _monomial(exponents: tuple[int, ...], point: Sequence[Fraction]) -> Fraction:
    out = Fraction(1)
    for x, k in zip(point, exponents, strict=True):
        if k:
            out *= x**k
    return out


def _monomial_float(exponents: tuple[int, ...], point: FloatValues) -> Any:
    return math.prod((x**k for x, k in zip(point, exponents, strict=True) if k), start=1.0)


def _add(p: _Terms, q: _Terms, sign: int = 1) -> _Terms:
    out = dict(p)
    for e, c in q.items():
        v = out.get(e, Fraction(0)) + sign * c
        if v:
            out[e] = v
        else:
            out.pop(e, None)
    return out


def _mul(p: _Terms, q: _Terms) -> _Terms:
    out: _Terms = {}
    for e1, c1 in p.items():
        for e2, c2 in q.items():
            e = tuple(a + b for a, b in zip(e1, e2, strict=True))
            v = out.get(e, Fraction(0)) + c1 * c2
            if v:
                out[e] = v
            else:
                out.pop(e, None)
    return out


def _constant(p: _Terms, nvars: int) -> Fraction | None:
    if not p:
        return Fraction(0)
    if set(p) == {(0,) * nvars}:
        return p[(0,) * nvars]
    return None


def parse_polynomial(text: str, variables: Sequence[str]) -> Polynomial:
    """Parse a polynomial over Q written with + - * / ^ (or **), integers and variables.

    Only these forms are accepted (Python's ``ast``, nothing is evaluated): integer
    constants, the listed variables, unary + and -, +, -, *, division by a nonzero
    constant, and powers with a constant integer exponent 0..:data:`MAX_DEGREE`.

    Raises
    ------
    ValueError
        If the text uses anything else, or an unknown variable.

    Examples
    --------
    >>> from fractions import Fraction
    >>> p = parse_polynomial("12500*t0_0^4 - 1171", ["t0_0"])
    >>> p([Fraction(1, 5)])
    Fraction(-1151, 1)
    >>> parse_polynomial("__import__('os')", ["x"])
    Traceback (most recent call last):
    ...
    ValueError: unsupported expression: Call
    """
    if not isinstance(text, str) or len(text) > _MAX_CHARS:
        raise ValueError("expected a polynomial as a string of at most 10^6 characters")
    names = tuple(variables)
    index = {v: k for k, v in enumerate(names)}
    nvars = len(names)
    try:
        tree = ast.parse(text.replace("^", "**"), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise ValueError(f"not a polynomial: {exc}") from None

    def build(node: ast.AST) -> _Terms:
        if isinstance(node, ast.Expression):
            return build(node.body)
        if isinstance(node, ast.Constant):
            if type(node.value) is not int:
                raise ValueError(f"only integer constants are allowed, got {node.value!r}")
            return {(0,) * nvars: Fraction(node.value)} if node.value else {}
        if isinstance(node, ast.Name):
            if node.id not in index:
                raise ValueError(f"unknown variable {node.id!r} (expected one of {list(names)})")
            e = [0] * nvars
            e[index[node.id]] = 1
            return {tuple(e): Fraction(1)}
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd | ast.USub):
            inner = build(node.operand)
            return inner if isinstance(node.op, ast.UAdd) else {e: -c for e, c in inner.items()}
        if isinstance(node, ast.BinOp):
            left, right = build(node.left), build(node.right)
            if isinstance(node.op, ast.Add):
                return _add(left, right)
            if isinstance(node.op, ast.Sub):
                return _add(left, right, -1)
            if isinstance(node.op, ast.Mult):
                return _mul(left, right)
            if isinstance(node.op, ast.Div):
                divisor = _constant(right, nvars)
                if not divisor:
                    raise ValueError("division only by a nonzero constant")
                return {e: c / divisor for e, c in left.items()}
            if isinstance(node.op, ast.Pow):
                k = _constant(right, nvars)
                if k is None or k.denominator != 1 or not 0 <= k <= MAX_DEGREE:
                    raise ValueError(f"exponents must be integers 0..{MAX_DEGREE}")
                out: _Terms = {(0,) * nvars: Fraction(1)}
                for _ in range(int(k)):
                    out = _mul(out, left)
                return out
        raise ValueError(f"unsupported expression: {type(node).__name__}")

    try:
        terms = build(tree)
    except RecursionError:
        raise ValueError("polynomial nested too deeply") from None
    return Polynomial(variables=names, terms=terms)

"""Independent re-check of a result document: ``reluscape verify RESULT.json DATA.csv``.

This is an independent numerical re-check of the claims in a result document. It can
refute a claim: a false claim (a loss that is not the loss of its point, a point off its
face, wrong output weights, a point that is not a local minimum, an inconsistent global
flag or orbit size) fails. It supports, but does not prove, the exact verdicts: passing
means that none of the tests below found a problem, which is evidence, not a proof
(METHOD.md section 5: numerical probing may support a verdict; it never makes one).

Nothing from the run that made the document is trusted or reused. This module imports
only :mod:`reluscape.data` (the data are re-read from DATA.csv and must equal the recorded
ones exactly), :mod:`reluscape.numerical.loss` (the reduced loss r, in floats and exactly),
:mod:`reluscape.numerical.search` (the probe) and :mod:`reluscape.schema` (the schema version);
never the enumeration, verification or algebra code.

Checks per claimed minimum (the columns of the table)
-----------------------------------------------------
loss
    r(psi) at the float point (rows theta_l = (B_l, c_l)) agrees with ``loss`` to 1e-9
    relative, and r(psi) and ``loss`` lie in ``loss_interval`` widened by 1e-9 relative.
exact
    theta_l = K_l t_l is formed exactly from ``point.rational`` (K_l: the face basis rows;
    an "origin" unit has theta_l = 0) and r is evaluated in rational arithmetic. The true
    point psi* lies in the certified ``box``; the box is checked (exactly, by interval
    arithmetic) to lie inside the face, where r = min_a l(a, psi) and l(a, .) is smooth.
    Every minimiser has |a| <= A = |yt| / sqrt(lambda) (compare with a = 0), so on the box
    |grad_psi l(a, psi)| <= Lip = A |Xt| (A |Xt| P + |yt|) + lambda P with P = |psi_q| +
    delta, |Xt| the spectral norm, and |r(psi*) - r(psi_q)| <= Lip * delta, delta the
    box diameter in psi coordinates. r(psi_q) must lie in ``loss_interval`` widened by
    2 Lip delta (the factor 2 covers the float evaluation of Lip); at 128 bits that is
    about 1e-35.
face
    Exact, at the rational point: sign(theta_l . xt_i) equals ``face[l]["signs"]`` where
    that is nonzero and theta_l . xt_i = 0 exactly where it is 0; the basis rows are
    independent, orthogonal to the zero set's xt_i and as many as its kernel dimension;
    ``activation`` matches the signs. In floats: the float point has the same signs, is on
    the walls to 1e-9 relative, and equals the rational point to 1e-9 relative.
a
    ``point.a`` (and the rational a's) equal a_hat(psi) to 1e-8 (relative to max(1, |a|)).
1st-order
    For every activation pattern adjacent to psi whose chamber touches psi
    (:func:`reluscape.numerics.adjacent_sign_patterns` with ``realizable=True``), the
    one-sided derivatives of r along feasible directions of that closed chamber are
    >= -1e-8 max(1, |r|). They are measured by one-sided finite differences of r with
    Richardson extrapolation (steps h and h/2, h <= 1e-5, which cancels the curvature
    term) in a few directions per pattern: the direction of steepest descent of the
    chamber surrogate g_s over the tangent cone (a small LP), an interior direction of the
    chamber and 3 seeded random feasible directions. A finite set of directions can miss
    a descent direction; the LP direction makes that unlikely for narrow cones.
probe
    :func:`reluscape.numerics.probe_minimum` passes at radius 1e-3 and 1e-2 (a descent
    inside every adjacent closed chamber, plus random directions).
component
    (dimension >= 1) the generators of ``component.prime``, parsed by a small safe parser
    (+ - * / ^ and integers only), vanish at the rational point to a relative residual
    (|p| over the sum of the absolute values of its terms) <= 1e-12; the kernel of the
    Jacobian there has the claimed dimension; along the tangent directions r is constant
    to second order (|second difference| <= 1e-5 max(1, curvature across the component));
    and a point 1e-2 further along the component (Gauss-Newton back onto the variety)
    stays on the face, has the same loss (1e-9 relative) and passes the probe at 1e-3.
global
    ``is_global`` is consistent with the loss intervals: a global minimum's interval is
    not above another minimum's, and a non-global one is not below every global one.
orbit
    ``orbit_size`` equals L! / prod(m!) over the multiplicities m of the units' sign
    vectors.

The table prints "ok", "FAIL" with the measured value, or "-" (not applicable); the
failures are explained below it, then one verdict line.

Examples
--------
>>> p = parse_polynomial("1/2*x^2 - 3*x*y + 1", ["x", "y"])
>>> p([Fraction(1), Fraction(2)])
Fraction(-9, 2)
>>> p.magnitude([Fraction(1), Fraction(2)])
Fraction(15, 2)
>>> orbit_size_of_faces(["+-0", "+-0", "0++"])
3
"""

from __future__ import annotations

import ast
import json
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linprog

from reluscape.data import InputError, Problem, load_problem, parse_rational, read_text
from reluscape.exact.projection import reduced_loss_exact
from reluscape.numerical.loss import a_hat, reduced_loss
from reluscape.numerical.search import adjacent_sign_patterns, probe_minimum
from reluscape.schema import SCHEMA_VERSION

__all__ = [
    "CHECKS",
    "CheckOutcome",
    "MinimumReport",
    "Polynomial",
    "VerifyReport",
    "orbit_size_of_faces",
    "parse_polynomial",
    "problem_of_document",
    "read_result_document",
    "verify",
    "verify_document",
]

LOSS_RTOL = 1e-9
A_TOL = 1e-8
FIRST_ORDER_TOL = 1e-8
POINT_RTOL = 1e-9
WALL_RTOL = 1e-9
TIGHT_TOL = 1e-9
PRIME_RTOL = 1e-12
TANGENT_RTOL = 1e-5
PROBE_RADII = (1e-3, 1e-2)
FD_STEP = 1e-5
RANDOM_DIRECTIONS = 3
WALK_STEP = 1e-2
CHECKS = ("loss", "exact", "face", "a", "1st-order", "probe", "component", "global", "orbit")

_MAX_DEGREE = 100
_MAX_POLY_CHARS = 1_000_000


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class CheckOutcome:
    """The outcome of one check of one claim.

    Attributes
    ----------
    name : str
        One of :data:`CHECKS`.
    ok : bool or None
        True passed, False failed (the claim is refuted), None not applicable.
    value : float or None
        The measured quantity compared with the tolerance (see the module docstring).
    detail : str
        What was measured, in words.
    """

    name: str
    ok: bool | None
    value: float | None = None
    detail: str = ""

    def cell(self) -> str:
        if self.ok is None:
            return "-"
        if self.ok:
            return "ok"
        return "FAIL" if self.value is None else f"FAIL {self.value:.1e}"


@dataclass
class MinimumReport:
    """All checks of one claimed minimum."""

    id: int
    dimension: int
    loss: float
    checks: list[CheckOutcome]

    @property
    def passed(self) -> bool:
        return all(c.ok is not False for c in self.checks)

    @property
    def failed(self) -> list[CheckOutcome]:
        return [c for c in self.checks if c.ok is False]


@dataclass
class VerifyReport:
    """The re-check of a whole result document.

    Attributes
    ----------
    minima : list of MinimumReport
        One per claimed minimum, in document order.
    complete : bool
        The document says the enumeration is complete (not re-checked here).
    undecided : int
        Candidates the document lists as undecided (not claims, so not checked).
    general : list of str
        Failures of the document as a whole (e.g. a complete result without minima).
    """

    minima: list[MinimumReport]
    complete: bool
    undecided: int
    general: list[str]

    @property
    def passed(self) -> bool:
        return not self.general and all(m.passed for m in self.minima)

    def table(self) -> str:
        """The table of outcomes, the failure details and the verdict line."""
        header = ["#", "dim", "loss", *CHECKS]
        rows = [
            [str(m.id), str(m.dimension), f"{m.loss:.10f}", *(c.cell() for c in m.checks)]
            for m in self.minima
        ]
        widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header))]

        def fmt(row: list[str]) -> str:
            cells = [
                cell.rjust(w) if k < 3 else cell.ljust(w)
                for k, (cell, w) in enumerate(zip(row, widths, strict=True))
            ]
            return "  ".join(cells).rstrip()

        lines = [fmt(header), *(fmt(r) for r in rows)]
        details = [f"#{m.id} {c.name}: {c.detail}" for m in self.minima for c in m.failed] + list(
            self.general
        )
        if details:
            lines += ["", *details]
        lines += ["", self.verdict()]
        return "\n".join(lines)

    def verdict(self) -> str:
        scope = (
            "independent numerical re-check: it can refute a claim; passing supports but "
            "does not prove the exact verdicts"
        )
        notes = []
        if not self.complete:
            notes.append("the document says its enumeration is incomplete")
        if self.undecided:
            notes.append(f"{self.undecided} undecided candidate(s) not checked")
        note = f"; {', '.join(notes)}" if notes else ""
        if self.passed:
            return (
                f"verdict: ok: all {len(self.minima)} claimed minima pass every check "
                f"({scope}{note})"
            )
        bad = [m for m in self.minima if not m.passed]
        which = ", ".join(f"#{m.id} ({', '.join(c.name for c in m.failed)})" for m in bad)
        parts = []
        if bad:
            parts.append(f"{len(bad)} of {len(self.minima)} claimed minima fail: {which}")
        parts += self.general
        return f"verdict: FAIL: {'; '.join(parts)} ({scope}{note})"


# --------------------------------------------------------------------------- polynomials


@dataclass(frozen=True)
class Polynomial:
    """A polynomial over Q: ``terms`` maps exponent tuples (one per variable) to coefficients."""

    variables: tuple[str, ...]
    terms: Mapping[tuple[int, ...], Fraction]

    def __call__(self, point: Sequence[Fraction]) -> Fraction:
        return sum((c * _monomial(e, point) for e, c in self.terms.items()), Fraction(0))

    def magnitude(self, point: Sequence[Fraction]) -> Fraction:
        """Sum of the absolute values of the terms at ``point`` (the scale of a residual)."""
        return sum((abs(c * _monomial(e, point)) for e, c in self.terms.items()), Fraction(0))

    def evaluate_float(self, point: Sequence[Any]) -> Any:
        """p at float values, one per variable: numbers, or NumPy arrays of one shape
        (then evaluated elementwise, e.g. on a plotting grid)."""
        return sum((float(c) * _monomial_float(e, point) for e, c in self.terms.items()), start=0.0)

    def magnitude_float(self, point: Sequence[float]) -> float:
        """:meth:`magnitude` at float values."""
        return sum(
            (abs(float(c) * _monomial_float(e, point)) for e, c in self.terms.items()), start=0.0
        )

    def gradient_float(self, point: np.ndarray) -> np.ndarray:
        grad = np.zeros(len(self.variables))
        for e, c in self.terms.items():
            for j, k in enumerate(e):
                if k:
                    lowered = np.array(e)
                    lowered[j] -= 1
                    grad[j] += float(c) * k * float(np.prod(point**lowered))
        return grad


def _monomial(exponents: tuple[int, ...], point: Sequence[Fraction]) -> Fraction:
    out = Fraction(1)
    for x, k in zip(point, exponents, strict=True):
        if k:
            out *= x**k
    return out


def _monomial_float(exponents: tuple[int, ...], point: Sequence[Any]) -> Any:
    return math.prod((x**k for x, k in zip(point, exponents, strict=True) if k), start=1.0)


_Terms = dict[tuple[int, ...], Fraction]


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
    constant, and powers with a constant integer exponent 0..100.

    Raises
    ------
    ValueError
        If the text uses anything else, or an unknown variable.

    Examples
    --------
    >>> p = parse_polynomial("12500*t0_0^4 - 1171", ["t0_0"])
    >>> p([Fraction(1, 5)])
    Fraction(-1151, 1)
    >>> parse_polynomial("__import__('os')", ["x"])
    Traceback (most recent call last):
    ...
    ValueError: unsupported expression: Call
    """
    if not isinstance(text, str) or len(text) > _MAX_POLY_CHARS:
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
                if k is None or k.denominator != 1 or not 0 <= k <= _MAX_DEGREE:
                    raise ValueError(f"exponents must be integers 0..{_MAX_DEGREE}")
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


def orbit_size_of_faces(signs: Sequence[str]) -> int:
    """L! / prod(m!) over the multiplicities m of the units' sign vectors.

    Examples
    --------
    >>> orbit_size_of_faces(["---0+", "---0+"]), orbit_size_of_faces(["--+++", "---0+"])
    (1, 2)
    """
    out = math.factorial(len(signs))
    for m in Counter(signs).values():
        out //= math.factorial(m)
    return out


# --------------------------------------------------------------------------- reading


class _Malformed(Exception):
    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")


def read_result_document(path: str | Path) -> dict[str, Any]:
    """Read a result document and check its schema version and top-level fields.

    Raises
    ------
    InputError
        If the file cannot be read, is not JSON, is not a reluscape result, or has another
        schema version.
    """
    p = Path(path)
    text = read_text(p, kind="result", expected="a JSON file")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{p} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    if not isinstance(doc, dict):
        raise InputError(f"{p} is not a reluscape result: expected a JSON object")
    if "schema_version" not in doc:
        raise InputError(f"{p} is not a reluscape result: no schema_version")
    if doc["schema_version"] != SCHEMA_VERSION:
        raise InputError(
            f"{p}: unsupported schema_version {doc['schema_version']!r}; this reluscape "
            f"reads {SCHEMA_VERSION!r}"
        )
    for key in ("problem", "minima"):
        if key not in doc:
            raise InputError(f"{p} is malformed: missing field {key!r}")
    return doc


def _field(obj: Any, key: str, where: str) -> Any:
    if not isinstance(obj, dict):
        raise _Malformed(where, f"expected an object, got {type(obj).__name__}")
    if key not in obj:
        raise _Malformed(where, f"missing field {key!r}")
    return obj[key]


def _int(value: Any, where: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _Malformed(where, f"expected an integer >= {minimum}, got {value!r}")
    return value


def _float(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Malformed(where, f"expected a finite number, got {value!r}")
    return float(value)


def _rational(value: Any, where: str) -> Fraction:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _Malformed(where, f"expected an exact rational 'p/q', got {value!r}")
    try:
        return parse_rational(value)
    except InputError:
        raise _Malformed(where, f"expected an exact rational 'p/q', got {value!r}") from None


def _list(value: Any, where: str, length: int | None = None) -> list[Any]:
    if not isinstance(value, list):
        raise _Malformed(where, f"expected a list, got {type(value).__name__}")
    if length is not None and len(value) != length:
        raise _Malformed(where, f"expected {length} entries, got {len(value)}")
    return value


def problem_of_document(doc: dict[str, Any], data: str | Path, name: str) -> Problem:
    """Load DATA.csv with the recorded settings and check it is the recorded data."""
    prob = doc["problem"]
    try:
        hidden = _int(_field(prob, "hidden", "problem"), "problem.hidden", 1)
        lam = _rational(_field(prob, "lam", "problem"), "problem.lam")
        convention = _field(prob, "convention", "problem")
        if not isinstance(convention, str):
            raise _Malformed("problem.convention", f"expected a string, got {convention!r}")
        X = [
            [_rational(v, f"problem.X[{i}][{j}]") for j, v in enumerate(_list(row, "problem.X"))]
            for i, row in enumerate(_list(_field(prob, "X", "problem"), "problem.X"))
        ]
        y = [
            _rational(v, f"problem.y[{i}]")
            for i, v in enumerate(_list(_field(prob, "y", "problem"), "problem.y"))
        ]
    except _Malformed as exc:
        raise InputError(f"{name} is malformed: {exc}") from None
    problem = load_problem(data, hidden=hidden, lam=lam, convention=convention)
    different = f"{name} was computed on different data than {data}"
    if (len(X), len(X[0]) if X else 0) != (problem.n, problem.d) or len(y) != problem.n:
        raise InputError(
            f"{different}: {len(X)} samples of dimension {len(X[0]) if X else 0} recorded, "
            f"{problem.n} of dimension {problem.d} in the data file"
        )
    for i, (row, row_q) in enumerate(zip(X, problem.X, strict=True)):
        for j, (v, w) in enumerate(zip(row, row_q, strict=True)):
            if v != w:
                raise InputError(f"{different}: X[{i}][{j}] is {v} in {name}, {w} in the data")
    for i, (v, w) in enumerate(zip(y, problem.y, strict=True)):
        if v != w:
            raise InputError(f"{different}: y[{i}] is {v} in {name}, {w} in the data")
    return problem


@dataclass
class _Claim:
    """One claimed minimum, validated and converted."""

    id: int
    dimension: int
    loss: float
    interval: tuple[Fraction, Fraction]
    is_global: bool
    signs: list[str]
    kinds: list[str]
    bases: list[list[list[Fraction]]]
    activation: list[list[int]] | None
    a: np.ndarray
    psi: np.ndarray
    rational: dict[str, Fraction] | None
    box: dict[str, tuple[Fraction, Fraction]] | None
    precision_bits: int | None
    component_variables: list[str]
    prime: list[Polynomial]
    orbit_size: int

    def t_names(self, unit: int) -> list[str]:
        if self.kinds[unit] == "origin":
            return []
        return [f"t{unit}_{j}" for j in range(len(self.bases[unit]))]


def _claim_of(m: Any, where: str, problem: Problem) -> _Claim:
    hidden, n, d = problem.hidden, problem.n, problem.d
    ident = _int(_field(m, "id", where), f"{where}.id")
    dimension = _int(_field(m, "dimension", where), f"{where}.dimension")
    loss = _float(_field(m, "loss", where), f"{where}.loss")
    interval = _list(_field(m, "loss_interval", where), f"{where}.loss_interval", 2)
    lo, hi = (_rational(v, f"{where}.loss_interval") for v in interval)
    is_global = _field(m, "is_global", where)
    if not isinstance(is_global, bool):
        raise _Malformed(f"{where}.is_global", f"expected true or false, got {is_global!r}")
    faces = _list(_field(m, "face", where), f"{where}.face", hidden)
    signs, kinds, bases = [], [], []
    for u, f in enumerate(faces):
        w = f"{where}.face[{u}]"
        s = _field(f, "signs", w)
        if not isinstance(s, str) or len(s) != n or set(s) - set("+0-"):
            raise _Malformed(f"{w}.signs", f"expected {n} characters from '+0-', got {s!r}")
        kind = _field(f, "kind", w)
        if not isinstance(kind, str):
            raise _Malformed(f"{w}.kind", f"expected a string, got {kind!r}")
        basis = [
            [_rational(v, f"{w}.basis") for v in _list(row, f"{w}.basis", d + 1)]
            for row in _list(_field(f, "basis", w), f"{w}.basis")
        ]
        signs.append(s)
        kinds.append(kind)
        bases.append(basis)
    activation = None
    if m.get("activation") is not None:
        activation = [
            [_int(v, f"{where}.activation") for v in _list(row, f"{where}.activation", n)]
            for row in _list(m["activation"], f"{where}.activation", hidden)
        ]
    point = _field(m, "point", where)
    a = np.array(
        [
            _float(v, f"{where}.point.a")
            for v in _list(_field(point, "a", f"{where}.point"), f"{where}.point.a", hidden)
        ]
    )
    B = [
        [_float(v, f"{where}.point.B") for v in _list(row, f"{where}.point.B", d)]
        for row in _list(_field(point, "B", f"{where}.point"), f"{where}.point.B", hidden)
    ]
    c = [
        _float(v, f"{where}.point.c")
        for v in _list(_field(point, "c", f"{where}.point"), f"{where}.point.c", hidden)
    ]
    psi = np.column_stack([np.array(B, dtype=float).reshape(hidden, d), np.array(c)])
    rational = box = None
    bits = None
    if point.get("rational") is not None:
        raw = point["rational"]
        if not isinstance(raw, dict):
            raise _Malformed(f"{where}.point.rational", "expected an object")
        rational = {k: _rational(v, f"{where}.point.rational.{k}") for k, v in raw.items()}
        if point.get("box") is not None:
            if not isinstance(point["box"], dict):
                raise _Malformed(f"{where}.point.box", "expected an object")
            box = {}
            for k, v in point["box"].items():
                ends = _list(v, f"{where}.point.box.{k}", 2)
                box[k] = (
                    _rational(ends[0], f"{where}.point.box.{k}"),
                    _rational(ends[1], f"{where}.point.box.{k}"),
                )
        if point.get("precision_bits") is not None:
            bits = _int(point["precision_bits"], f"{where}.point.precision_bits", 1)
    claim = _Claim(
        id=ident,
        dimension=dimension,
        loss=loss,
        interval=(lo, hi),
        is_global=is_global,
        signs=signs,
        kinds=kinds,
        bases=bases,
        activation=activation,
        a=a,
        psi=psi,
        rational=rational,
        box=box,
        precision_bits=bits,
        component_variables=[],
        prime=[],
        orbit_size=_int(_field(m, "orbit_size", where), f"{where}.orbit_size", 1),
    )
    t_all = [t for u in range(hidden) for t in claim.t_names(u)]
    if rational is not None:
        missing = [t for t in t_all if t not in rational]
        if missing:
            raise _Malformed(f"{where}.point.rational", f"missing coordinates {missing}")
    if dimension >= 1:
        comp = _field(m, "component", where)
        if comp is None:
            raise _Malformed(f"{where}.component", "a set of dimension >= 1 needs its component")
        names = [
            str(v)
            for v in _list(_field(comp, "variables", f"{where}.component"), f"{where}.variables")
        ]
        unknown = [v for v in names if v not in t_all]
        if unknown:
            raise _Malformed(
                f"{where}.component.variables", f"{unknown} are not t variables of the face"
            )
        prime = []
        for k, text in enumerate(
            _list(_field(comp, "prime", f"{where}.component"), f"{where}.component.prime")
        ):
            try:
                prime.append(parse_polynomial(text, names))
            except ValueError as exc:
                raise _Malformed(f"{where}.component.prime[{k}]", str(exc)) from None
        claim.component_variables = names
        claim.prime = prime
    return claim


# --------------------------------------------------------------------------- the checks


@dataclass
class _Context:
    problem: Problem
    xt: np.ndarray
    yt: np.ndarray
    lam: float
    xt_q: tuple[tuple[Fraction, ...], ...]


def _exact_psi(claim: _Claim, ctx: _Context) -> list[list[Fraction]] | None:
    """theta_l = sum_j t_lj K_l[j], exactly, from the rational point (None without one)."""
    if claim.rational is None:
        return None
    width = ctx.problem.d + 1
    rows = []
    for u, basis in enumerate(claim.bases):
        theta = [Fraction(0)] * width
        for name, row in zip(claim.t_names(u), basis, strict=False):
            t = claim.rational[name]
            theta = [th + t * k for th, k in zip(theta, row, strict=True)]
        rows.append(theta)
    return rows


def _dot(u: Sequence[Fraction], v: Sequence[Fraction]) -> Fraction:
    return sum((a * b for a, b in zip(u, v, strict=True)), Fraction(0))


def _rank(rows: list[list[Fraction]]) -> int:
    """Rank over Q by Gaussian elimination."""
    m = [list(r) for r in rows]
    rank = 0
    cols = len(m[0]) if m else 0
    for col in range(cols):
        pivot = next((r for r in range(rank, len(m)) if m[r][col] != 0), None)
        if pivot is None:
            continue
        m[rank], m[pivot] = m[pivot], m[rank]
        for r in range(len(m)):
            if r != rank and m[r][col] != 0:
                f = m[r][col] / m[rank][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[rank], strict=True)]
        rank += 1
    return rank


def _check_loss(claim: _Claim, ctx: _Context) -> CheckOutcome:
    r = reduced_loss(ctx.problem, claim.psi)
    lo, hi = claim.interval
    scale = max(1.0, abs(r))
    dev = abs(r - claim.loss) / scale

    def outside(x: float) -> float:
        q = Fraction(x)
        return float(max(lo - q, q - hi, Fraction(0))) / scale

    value = max(dev, outside(r), outside(claim.loss))
    ok = lo <= hi and value <= LOSS_RTOL
    detail = (
        f"r(psi) = {r!r} at the float point, claimed loss {claim.loss!r}, interval "
        f"[{float(lo)!r}, {float(hi)!r}]; largest relative deviation {value:.2e} "
        f"(tolerance {LOSS_RTOL:g})"
    )
    if lo > hi:
        detail = f"empty loss interval [{float(lo)!r}, {float(hi)!r}]; " + detail
    return CheckOutcome("loss", ok, value, detail)


def _t_interval(claim: _Claim, name: str) -> tuple[Fraction, Fraction] | None:
    """Where the true coordinate ``name`` lies: its box, else the rational value widened by
    its precision (max(1, |q|) 2^-precision_bits), else None."""
    assert claim.rational is not None
    if claim.box is not None and name in claim.box:
        return claim.box[name]
    if claim.precision_bits is not None:
        q = claim.rational[name]
        w = max(Fraction(1), abs(q)) / 2**claim.precision_bits
        return q - w, q + w
    return None


def _box_delta(claim: _Claim, ctx: _Context) -> float:
    """Upper bound on |psi* - psi_q| over the t intervals (all of which exist)."""
    width = ctx.problem.d + 1
    total = 0.0
    for u, basis in enumerate(claim.bases):
        spread = [Fraction(0)] * width
        for name, row in zip(claim.t_names(u), basis, strict=False):
            interval = _t_interval(claim, name)
            assert interval is not None
            w = interval[1] - interval[0]
            spread = [s + abs(k) * abs(w) for s, k in zip(spread, row, strict=True)]
        total += sum(float(s) ** 2 for s in spread)
    return math.sqrt(total)


def _box_in_face(claim: _Claim, ctx: _Context) -> str:
    """Empty if theta_l . xt_i keeps its nonzero sign over the whole box (exact intervals)."""
    for u, basis in enumerate(claim.bases):
        names = claim.t_names(u)
        for i, (s, xi) in enumerate(zip(claim.signs[u], ctx.xt_q, strict=True)):
            if s == "0":
                continue
            low = high = Fraction(0)
            for name, row in zip(names, basis, strict=False):
                k = _dot(row, xi)
                interval = _t_interval(claim, name)
                assert interval is not None
                ends = (k * interval[0], k * interval[1])
                low, high = low + min(ends), high + max(ends)
            if (s == "+" and low <= 0) or (s == "-" and high >= 0):
                return f"over the box theta_{u} . xt_{i} ranges over [{float(low)}, {float(high)}]"
    return ""


def _check_exact(claim: _Claim, ctx: _Context, psi_q: list[list[Fraction]] | None) -> CheckOutcome:
    if psi_q is None:
        return CheckOutcome("exact", None, None, "no rational point in the document")
    assert claim.rational is not None
    if claim.box is not None:
        for name, value in claim.rational.items():
            if name in claim.box:
                lo_b, hi_b = claim.box[name]
                if not lo_b <= value <= hi_b:
                    return CheckOutcome(
                        "exact", False, None, f"rational {name} lies outside its box"
                    )
    t_all = [name for u in range(ctx.problem.hidden) for name in claim.t_names(u)]
    unbounded = [name for name in t_all if _t_interval(claim, name) is None]
    if unbounded:
        return CheckOutcome(
            "exact", None, None, f"no box and no precision_bits for {unbounded}: no error bound"
        )
    leaves = _box_in_face(claim, ctx)
    if leaves:
        return CheckOutcome("exact", False, None, f"the certified box leaves the face: {leaves}")
    delta = _box_delta(claim, ctx)
    lam = ctx.lam
    norm_yt = float(np.linalg.norm(ctx.yt))
    norm_x = float(np.linalg.norm(ctx.xt, 2))
    a_max = norm_yt / math.sqrt(lam)
    p_max = math.sqrt(sum(float(v) ** 2 for row in psi_q for v in row)) + delta
    lip = a_max * norm_x * (a_max * norm_x * p_max + norm_yt) + lam * p_max
    bound = 2.0 * lip * delta
    r_q = reduced_loss_exact(ctx.problem, psi_q)
    lo, hi = claim.interval
    outside = max(lo - r_q, r_q - hi, Fraction(0))
    ok = outside <= Fraction(bound)
    return CheckOutcome(
        "exact",
        ok,
        float(outside),
        f"exact r at the rational point is {float(r_q)!r}, {float(outside):.3g} outside "
        f"the loss interval (allowed 2 Lip delta = {bound:.3g}, Lip {lip:.3g}, "
        f"delta {delta:.3g})",
    )


def _check_face(claim: _Claim, ctx: _Context, psi_q: list[list[Fraction]] | None) -> CheckOutcome:
    problems: list[str] = []
    worst = 0.0
    width = ctx.problem.d + 1
    for u, (signs, kind, basis) in enumerate(
        zip(claim.signs, claim.kinds, claim.bases, strict=True)
    ):
        zero_rows = [list(xi) for s, xi in zip(signs, ctx.xt_q, strict=True) if s == "0"]
        if kind == "origin":
            if set(signs) != {"0"}:
                problems.append(f"unit {u} is of kind origin but has signs {signs}")
            continue
        if basis and _rank(basis) != len(basis):
            problems.append(f"unit {u}: the basis rows are dependent")
        for k, row in enumerate(basis):
            bad = [i for i, s in enumerate(signs) if s == "0" and _dot(row, ctx.xt_q[i]) != 0]
            if bad:
                problems.append(f"unit {u}: basis row {k} is not orthogonal to xt_i, i in {bad}")
        kernel = width - (_rank(zero_rows) if zero_rows else 0)
        if len(basis) != kernel:
            problems.append(
                f"unit {u}: {len(basis)} basis rows, but the zero set's kernel has dimension "
                f"{kernel}"
            )
    if claim.activation is not None:
        for u, (signs, act) in enumerate(zip(claim.signs, claim.activation, strict=True)):
            expected = [1 if s == "+" else 0 for s in signs]
            if act != expected:
                problems.append(f"unit {u}: activation {act} does not match signs {signs}")
    if psi_q is not None:
        for u, theta in enumerate(psi_q):
            for i, (s, xi) in enumerate(zip(claim.signs[u], ctx.xt_q, strict=True)):
                z = _dot(theta, xi)
                got = "+" if z > 0 else "-" if z < 0 else "0"
                if got != s:
                    worst = max(worst, abs(float(z)))
                    problems.append(
                        f"rational point: theta_{u} . xt_{i} = {float(z):.3g}, face sign {s!r}"
                    )
        diff = float(np.max(np.abs(claim.psi - np.array(psi_q, dtype=float))))
        scale = max(1.0, float(np.max(np.abs(claim.psi))))
        if diff > POINT_RTOL * scale:
            worst = max(worst, diff)
            problems.append(f"the float point differs from the rational point by {diff:.3g}")
    z_f = claim.psi @ ctx.xt.T
    for u in range(ctx.problem.hidden):
        norm_theta = float(np.linalg.norm(claim.psi[u]))
        for i, s in enumerate(claim.signs[u]):
            z = float(z_f[u, i])
            wall = WALL_RTOL * max(norm_theta * float(np.linalg.norm(ctx.xt[i])), 1e-300)
            if s == "0" and abs(z) > wall:
                worst = max(worst, abs(z))
                problems.append(f"float point: theta_{u} . xt_{i} = {z:.3g}, face sign '0'")
            elif s != "0" and (abs(z) <= wall or (z > 0) != (s == "+")):
                worst = max(worst, abs(z))
                problems.append(f"float point: theta_{u} . xt_{i} = {z:.3g}, face sign {s!r}")
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        return CheckOutcome("face", False, worst or None, "; ".join(problems[:3]) + more)
    return CheckOutcome("face", True, 0.0, "signs, walls and basis agree")


def _check_a(claim: _Claim, ctx: _Context) -> CheckOutcome:
    ah = a_hat(ctx.problem, claim.psi)
    dev = float(np.max(np.abs(claim.a - ah)))
    what = f"max |a - a_hat(psi)| = {dev:.3g}"
    if claim.rational is not None:
        names = [f"a{u}" for u in range(ctx.problem.hidden)]
        if all(name in claim.rational for name in names):
            a_q = np.array([float(claim.rational[name]) for name in names])
            dev_q = float(np.max(np.abs(a_q - ah)))
            what += f", for the rational a {dev_q:.3g}"
            dev = max(dev, dev_q)
    tol = A_TOL * max(1.0, float(np.max(np.abs(ah))))
    return CheckOutcome(
        "a", dev <= tol, dev, f"{what} (a_hat = {ah.tolist()}, tolerance {tol:.1e})"
    )


def _chamber_gradient(ctx: _Context, pattern: np.ndarray, psi: np.ndarray) -> np.ndarray:
    """Gradient of g_s(psi) = min_a l_s(a, psi) (envelope theorem), (Omega_s)_il = s_li z_il."""
    s_t = pattern.T.astype(float)
    om = (ctx.xt @ psi.T) * s_t
    a = np.linalg.solve(om.T @ om + ctx.lam * np.eye(om.shape[1]), om.T @ ctx.yt)
    err = om @ a - ctx.yt
    return ((err[:, None] * a[None, :]) * s_t).T @ ctx.xt + ctx.lam * psi


def _cone_matrix(ctx: _Context, pattern: np.ndarray, tight: np.ndarray) -> np.ndarray:
    """Rows sigma_li xt_i (in unit l's block) for the tight entries: the tangent cone A v >= 0."""
    hidden, width = pattern.shape[0], ctx.xt.shape[1]
    rows = []
    for u, i in zip(*np.nonzero(tight), strict=True):
        row = np.zeros(hidden * width)
        row[u * width : (u + 1) * width] = (1.0 if pattern[u, i] else -1.0) * ctx.xt[i]
        rows.append(row)
    return np.array(rows).reshape(len(rows), hidden * width)


def _feasible_directions(
    ctx: _Context, pattern: np.ndarray, tight: np.ndarray, psi: np.ndarray, rng: np.random.Generator
) -> list[np.ndarray]:
    """Unit directions into the closed chamber of ``pattern`` at psi (see the module docstring)."""
    size = psi.size
    mat = _cone_matrix(ctx, pattern, tight)
    grad = _chamber_gradient(ctx, pattern, psi).ravel()
    bounds = [(-1.0, 1.0)] * size
    dirs = []
    if len(mat):
        steep = linprog(grad, A_ub=-mat, b_ub=np.zeros(len(mat)), bounds=bounds, method="highs")
        if steep.status == 0:
            dirs.append(steep.x)
        inner = linprog(
            np.zeros(size),
            A_ub=-mat,
            b_ub=-np.ones(len(mat)),
            bounds=[(None, None)] * size,
            method="highs",
        )
        interior = inner.x if inner.status == 0 else None
    else:
        dirs.append(-np.sign(grad))
        interior = None
    if interior is not None:
        interior = interior / np.linalg.norm(interior)
        dirs.append(interior)
    for _ in range(RANDOM_DIRECTIONS):
        w = rng.standard_normal(size)
        w /= np.linalg.norm(w)
        if interior is None:
            dirs.append(w if not len(mat) else np.zeros(size))
            continue
        for mix in (1.0, 0.5, 0.25, 0.1, 0.0):
            v = interior + mix * w
            if np.all(mat @ v >= 0):
                dirs.append(v)
                break
    return [v / np.linalg.norm(v) for v in dirs if np.linalg.norm(v) > 0]


def _check_first_order(claim: _Claim, ctx: _Context, seed: int) -> CheckOutcome:
    psi = claim.psi
    problem = ctx.problem
    z = psi @ ctx.xt.T
    tight = np.abs(z) <= TIGHT_TOL
    norms = np.linalg.norm(ctx.xt, axis=1)
    loose = (np.abs(z) / norms[None, :])[~tight]
    step = min(FD_STEP, 0.1 * float(loose.min())) if loose.size else FD_STEP
    r0 = reduced_loss(problem, psi)
    try:
        patterns = adjacent_sign_patterns(problem, psi, tol=TIGHT_TOL, realizable=True)
    except ValueError as exc:
        return CheckOutcome("1st-order", False, None, f"adjacent patterns: {exc}")
    rng = np.random.default_rng(seed)
    worst, worst_pattern, count = math.inf, None, 0
    for pattern in patterns:
        for v in _feasible_directions(ctx, pattern, tight, psi, rng):
            v = v.reshape(psi.shape)
            d1 = (reduced_loss(problem, psi + step * v) - r0) / step
            d2 = (reduced_loss(problem, psi + step / 2 * v) - r0) / (step / 2)
            deriv = 2 * d2 - d1
            count += 1
            if deriv < worst:
                worst, worst_pattern = deriv, pattern
    if count == 0:
        return CheckOutcome("1st-order", False, None, "no feasible direction found")
    tol = FIRST_ORDER_TOL * max(1.0, abs(r0))
    shown = "" if worst_pattern is None else f", worst in pattern {worst_pattern.tolist()}"
    return CheckOutcome(
        "1st-order",
        worst >= -tol,
        worst,
        f"smallest one-sided derivative {worst:.3g} over {count} directions in "
        f"{len(patterns)} adjacent chamber(s) (step {step:.1e}, tolerance -{tol:.1e}){shown}",
    )


def _check_probe(claim: _Claim, ctx: _Context, seed: int) -> CheckOutcome:
    worst, parts, passed = -math.inf, [], True
    for radius in PROBE_RADII:
        report = probe_minimum(ctx.problem, claim.psi, radius=radius, seed=seed)
        passed = passed and report.passed
        worst = max(worst, report.worst_decrease)
        parts.append(
            f"radius {radius:g}: largest decrease {report.worst_decrease:.3g} "
            f"({report.patterns_checked} chamber(s))"
        )
    return CheckOutcome("probe", passed, worst, "; ".join(parts))


def _psi_of_t(
    claim: _Claim, ctx: _Context, names: list[str], values: np.ndarray, base: np.ndarray
) -> np.ndarray:
    """base + sum over the named t coordinates of value * (its basis row) in theta coordinates."""
    out = base.copy()
    for name, value in zip(names, values, strict=True):
        unit, j = (int(k) for k in name[1:].split("_"))
        out[unit] += value * np.array([float(k) for k in claim.bases[unit][j]])
    return out


def _check_component(claim: _Claim, ctx: _Context, seed: int) -> CheckOutcome:
    if claim.dimension == 0:
        return CheckOutcome("component", None)
    names = claim.component_variables
    problem = ctx.problem
    if claim.rational is not None:
        t_q = [claim.rational[name] for name in names]
    else:
        return CheckOutcome("component", None, None, "no rational point in the document")
    residual = 0.0
    for p in claim.prime:
        scale = p.magnitude(t_q)
        if scale:
            residual = max(residual, float(abs(p(t_q)) / scale))
    if residual > PRIME_RTOL:
        return CheckOutcome(
            "component",
            False,
            residual,
            f"the prime's generators do not vanish at the point: relative residual "
            f"{residual:.3g} > {PRIME_RTOL:g}",
        )
    t_f = np.array([float(v) for v in t_q])
    k = len(names)
    jac = np.array([p.gradient_float(t_f) for p in claim.prime]).reshape(len(claim.prime), k)
    sing = np.linalg.svd(jac, compute_uv=False) if jac.size else np.zeros(0)
    rank = int(np.sum(sing > 1e-8 * max(float(sing.max()) if sing.size else 0.0, 1e-300)))
    _, _, vt = np.linalg.svd(jac) if jac.size else (None, None, np.eye(k))
    kernel, normal = vt[rank:], vt[:rank]
    if len(kernel) != claim.dimension:
        return CheckOutcome(
            "component",
            False,
            float(len(kernel)),
            f"the Jacobian of the prime has a kernel of dimension {len(kernel)} at the point, "
            f"claimed dimension {claim.dimension}",
        )
    psi0 = claim.psi
    r0 = reduced_loss(problem, psi0)
    z = psi0 @ ctx.xt.T
    nonzero = np.array([[s != "0" for s in signs] for signs in claim.signs])
    norms = np.linalg.norm(ctx.xt, axis=1)
    margin = float(np.min((np.abs(z) / norms[None, :])[nonzero])) if nonzero.any() else 1.0

    def curvature(tau: np.ndarray) -> float:
        v = _psi_of_t(claim, ctx, names, tau, np.zeros_like(psi0))
        v /= np.linalg.norm(v)
        s = min(1e-4, 0.1 * margin)
        up, down = reduced_loss(problem, psi0 + s * v), reduced_loss(problem, psi0 - s * v)
        return (up + down - 2 * r0) / s**2

    along = max(abs(curvature(tau)) for tau in kernel)
    across = max((abs(curvature(tau)) for tau in normal), default=1.0)
    tol = TANGENT_RTOL * max(1.0, across)
    if along > tol:
        return CheckOutcome(
            "component",
            False,
            along,
            f"r is not constant to second order along the component: second difference "
            f"{along:.3g} (tolerance {tol:.1e}; across the component {across:.3g})",
        )
    rng = np.random.default_rng(seed)
    tau = rng.standard_normal(len(kernel)) @ kernel
    tau /= np.linalg.norm(_psi_of_t(claim, ctx, names, tau, np.zeros_like(psi0)))
    step = min(WALK_STEP, 0.2 * margin)
    t_new = t_f + step * tau
    for _ in range(50):
        values = np.array([p.evaluate_float(t_new) for p in claim.prime])
        if not values.size or np.max(np.abs(values)) < 1e-14:
            break
        jac_new = np.array([p.gradient_float(t_new) for p in claim.prime])
        t_new = t_new - np.linalg.lstsq(jac_new, values, rcond=None)[0]
    base = psi0 - _psi_of_t(claim, ctx, names, t_f, np.zeros_like(psi0))
    psi1 = _psi_of_t(claim, ctx, names, t_new, base)
    z1 = psi1 @ ctx.xt.T
    signs1 = ["".join("+" if v > 1e-12 else "-" if v < -1e-12 else "0" for v in row) for row in z1]
    moved = float(np.linalg.norm(psi1 - psi0))
    if signs1 != claim.signs:
        return CheckOutcome(
            "component",
            False,
            moved,
            f"a step of {moved:.2g} along the component left the face: signs {signs1}",
        )
    r1 = reduced_loss(problem, psi1)
    change = abs(r1 - r0) / max(1.0, abs(r0))
    if change > LOSS_RTOL:
        return CheckOutcome(
            "component",
            False,
            change,
            f"the loss is not constant along the component: r changes by {change:.3g} "
            f"(relative) over a step of {moved:.2g}",
        )
    report = probe_minimum(problem, psi1, radius=PROBE_RADII[0], seed=seed)
    if not report.passed:
        return CheckOutcome(
            "component",
            False,
            report.worst_decrease,
            f"at a point {moved:.2g} further along the component the probe found a decrease "
            f"of {report.worst_decrease:.3g}",
        )
    return CheckOutcome(
        "component",
        True,
        along,
        f"residual {residual:.2g}, second difference along {along:.2g} (across {across:.3g}), "
        f"loss change {change:.2g} over a step of {moved:.2g}, probe there passed",
    )


def _check_global(claims: list[_Claim]) -> list[CheckOutcome]:
    lowest = min(c.interval[1] for c in claims)
    lows_global = [c.interval[0] for c in claims if c.is_global]
    out = []
    for c in claims:
        lo, hi = c.interval
        may_be_lowest = lo <= lowest
        if c.is_global:
            detail = f"claimed global, but another minimum's loss is <= {float(lowest)!r}"
            out.append(_outcome("global", may_be_lowest, float(lo - lowest), detail))
        elif lows_global:
            detail = "not marked global, but lower than every minimum marked global"
            out.append(_outcome("global", hi >= min(lows_global), float(hi), detail))
        else:
            detail = "no minimum is marked global, and this one may have the lowest loss"
            out.append(_outcome("global", not may_be_lowest, float(lo), detail))
    return out


def _outcome(name: str, ok: bool, value: float, detail: str) -> CheckOutcome:
    """An outcome whose value and detail only matter when it fails."""
    return CheckOutcome(name, ok, None if ok else value, "" if ok else detail)


def _check_orbit(claim: _Claim) -> CheckOutcome:
    """orbit_size is the number of images under unit permutations.

    For an isolated point that is L! / prod(m!) over classes of units with equal
    parameters (a_l, B_l, c_l) (compared numerically); for a set it lies between the
    number of distinct permuted faces and L!, and divides L!.
    """
    L = len(claim.signs)
    by_faces = orbit_size_of_faces(claim.signs)
    if claim.dimension == 0:
        units = [tuple(np.round([claim.a[u], *claim.psi[u]], 9).tolist()) for u in range(L)]
        expected = math.factorial(L)
        for m in Counter(units).values():
            expected //= math.factorial(m)
        ok = claim.orbit_size == expected
        detail = f"orbit_size {claim.orbit_size}, but the point has {expected} distinct images"
    else:
        ok = claim.orbit_size % by_faces == 0 and math.factorial(L) % claim.orbit_size == 0
        detail = f"orbit_size {claim.orbit_size} is not a multiple of {by_faces} dividing L!"
    return CheckOutcome("orbit", ok, float(claim.orbit_size), "" if ok else detail)


# --------------------------------------------------------------------------- entry points


def verify_document(
    doc: dict[str, Any],
    problem: Problem,
    *,
    name: str = "RESULT.json",
    progress: Callable[[str], None] | None = None,
) -> VerifyReport:
    """Re-check every claimed minimum of a result document (a dict) against ``problem``.

    ``problem`` must be the recorded one (:func:`verify` checks that). ``progress`` is
    called with one line per minimum.

    Raises
    ------
    InputError
        If a claim is malformed.
    """
    try:
        raw = _list(doc["minima"], "minima")
        claims = [_claim_of(m, f"minima[{k}]", problem) for k, m in enumerate(raw)]
        undecided = len(_list(doc.get("undecided", []), "undecided"))
    except _Malformed as exc:
        raise InputError(f"{name} is malformed: {exc}") from None
    stats = doc.get("stats") if isinstance(doc.get("stats"), dict) else {}
    complete = bool(stats.get("complete", False))
    ctx = _Context(
        problem=problem,
        xt=np.array([[float(v) for v in row] for row in problem.xt]),
        yt=np.array([float(v) for v in problem.yt]),
        lam=float(problem.lam_sum),
        xt_q=problem.xt,
    )
    reports = []
    for k, claim in enumerate(claims):
        if progress is not None:
            progress(f"checking minimum #{claim.id} ({k + 1}/{len(claims)})")
        psi_q = _exact_psi(claim, ctx)
        checks = [
            _check_loss(claim, ctx),
            _check_exact(claim, ctx, psi_q),
            _check_face(claim, ctx, psi_q),
            _check_a(claim, ctx),
            _check_first_order(claim, ctx, seed=k),
            _check_probe(claim, ctx, seed=k),
            _check_component(claim, ctx, seed=k),
        ]
        reports.append(MinimumReport(claim.id, claim.dimension, claim.loss, checks))
    if claims:
        for report, outcome in zip(reports, _check_global(claims), strict=True):
            report.checks.append(outcome)
    for report, claim in zip(reports, claims, strict=True):
        report.checks.append(_check_orbit(claim))
    general = []
    if complete and not claims:
        general.append(
            "the document is complete but claims no minimum, while r is coercive "
            "(lambda > 0) and has a global minimum"
        )
    return VerifyReport(minima=reports, complete=complete, undecided=undecided, general=general)


def verify(
    result: str | Path,
    data: str | Path,
    *,
    progress: Callable[[str], None] | None = None,
) -> VerifyReport:
    """Re-check the result document ``result`` against the data file ``data``.

    The data are read with the settings recorded in the document (hidden, lam,
    convention) and must equal the recorded data exactly.

    Raises
    ------
    InputError
        If a file cannot be read, the document is malformed or of another schema
        version, or it was computed on different data.
    """
    name = Path(result).name
    doc = read_result_document(result)
    problem = problem_of_document(doc, data, name)
    return verify_document(doc, problem, name=name, progress=progress)

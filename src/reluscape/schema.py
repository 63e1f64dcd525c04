"""The result document: typed dataclasses, one validating reader, one writer.

Every part of reluscape that reads or writes a result goes through this module: the run
(:mod:`reluscape.exact.merge` builds :class:`Minimum` objects), the checkpoint, and the
numerical tools (``verify``, ``compare``, ``report``). The constructors validate: a
:class:`Result` built from a JSON document, from a checkpoint or by the run is checked
the same way, and a malformed one raises :class:`MalformedResult` naming the field
(``minima[2].face[0].signs: expected 5 characters from '+0-', got '+0'``).

Document (``schema_version`` "1"; exact values are strings ``"p/q"``, floats appear only
where labelled as approximations; every loss, bound, barrier and height is in the
problem's ``convention``, a ``mean`` document keeping the sum-convention floats beside
them as ``loss_sum``, ``barrier_sum``, ``height_sum`` (:mod:`reluscape.convention`; a
:class:`Result` object holds sum-convention losses, as the computation does; the
polynomial of ``loss_exact`` is of the sum-convention loss, n times the mean one):

- ``problem``: the exact input (:meth:`reluscape.data.Problem.describe`): ``X``, ``y``,
  ``hidden``, ``lam``, ``convention``, ``lam_sum``, ``n``, ``d`` and ``data`` (the path as
  given to the run, or null); read back into a :class:`reluscape.data.Problem`.
- ``minima``: one entry per orbit of local minima under unit permutation, by increasing
  loss; ``undecided``: candidates no exact test settled; ``stats``: counts, rejections by
  reason, ``faces_undecided``, ``complete``, timings, versions;
- ``global_minimum`` (only in a ``reluscape global`` result, :class:`GlobalMinimum`): the
  certified interval of the global minimum value and the search's counts; ``minima`` then
  holds the global minimizers. A result without it has no such key.
- ``critical_points`` (only in a ``solve --census`` result, :class:`CriticalPoint`): every
  stationary point up to unit permutation, minima (with their ids in ``minima``), saddles
  with their index, and degenerate points with the reason; absent otherwise. A point that
  is not a minimum may carry ``connects`` (:class:`Connection`: the minima its descent
  paths reach, with the barriers), and the document then a ``landscape``
  (:class:`Landscape`: the graph of minima and the points that connect them).

One minimum (:class:`Minimum`):

- ``id`` (1, 2, ... in order), ``dimension`` (0 isolated point, k > 0 a k-dimensional
  set), ``loss`` (float approximation, null if it overflows a float), ``loss_interval``
  (certified, exact rational endpoints), ``loss_exact`` (``{"polynomial", "variable"}``: a
  polynomial over Q with the loss as a root in ``loss_interval``) when computed;
- ``is_global``: true or false when the run is complete; null when it is not (a
  minimum an incomplete run found is never claimed global);
- ``face``: per unit its sign vector (``"+0-"``), ``kind`` and span basis K
  (theta_l = K t_l); ``activation``: per unit s_li = 1 iff theta_l . xt_i > 0;
- ``point``: ``a``, ``B``, ``c`` as floats (a sample point of a set; null entries where a
  value overflows a float), ``rational`` approximations of the coordinates (a, t) at
  ``precision_bits``, and the certified ``box`` (exact rational interval endpoints);
- ``system``: the variables and generators of the zero-dimensional system whose real
  solution in ``box`` is the point; ``component``: for a set of dimension >= 1, the
  generators of the prime ideal (in the t variables) of its Zariski closure;
- ``verdict``: ``is_minimum``, ``decided_by`` (one of :data:`DECIDED_BY`), ``detail``;
  ``orbit_size``: the number of images under permutations of the hidden units.

Coordinates: on a face, unit l has variables ``a{l}`` and ``t{l}_{j}`` (j < dim F_l) with
theta_l = (B_l, c_l) = sum_j t{l}_{j} * ``face[l].basis[j]``; a unit whose face ``kind`` is
``"origin"`` has theta_l = 0, a_l = 0 and no variables. A system may have one more
variable ``z``. Polynomials are in Sage's syntax (``^`` for powers, ``5/4*t0_0``).

Examples
--------
>>> from reluscape.data import make_problem
>>> problem = make_problem([[0], [1]], ["1", "0"], hidden=1, lam="1/10")
>>> r = Result(problem=problem, minima=[], stats={"complete": True})
>>> Result.from_json(r.to_json()) == r
True
>>> try:
...     Result.from_dict({**r.to_dict(), "schema_version": "0"})
... except MalformedResult as exc:
...     print(exc)
unsupported schema_version '0'; this reluscape reads '1'
"""

from __future__ import annotations

import copy
import html
import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

from reluscape.convention import (
    document_from_convention,
    document_in_convention,
    shown,
    shown_exact,
)
from reluscape.data import InputError, Problem, make_problem, parse_rational, read_text
from reluscape.exact import verdicts
from reluscape.validation import MAX_DIGITS, write_output

SCHEMA_VERSION = "1"
FACE_KINDS = ("chamber", "boundary", "origin")
DECIDED_BY = verdicts.MINIMUM_TESTS

T = TypeVar("T")


class MalformedResult(InputError):
    """A result document (or a part of one) that does not follow the schema."""


# --------------------------------------------------------------------------- field readers


def _where(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _fail(where: str, message: str) -> MalformedResult:
    return MalformedResult(f"{where}: {message}")


def _int(value: Any, where: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise _fail(where, f"expected an integer >= {minimum}, got {value!r}")
    return value


def _optional_float(value: Any, where: str) -> float | None:
    """A float approximation: a finite number, or null where the value overflows a float."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(where, f"expected a finite number or null, got {value!r}")
    return float(value)


def _rational(value: Any, where: str) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _fail(where, f"expected an exact rational 'p/q', got {value!r}")
    try:
        return parse_rational(value)
    except InputError:
        raise _fail(where, f"expected an exact rational 'p/q', got {value!r}") from None


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _fail(where, f"expected a string, got {value!r}")
    return value


def _seq(value: Any, where: str, length: int | None = None) -> tuple[Any, ...]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        raise _fail(where, f"expected a list, got {type(value).__name__}")
    if length is not None and len(value) != length:
        raise _fail(where, f"expected {length} entries, got {len(value)}")
    return tuple(value)


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _fail(where, f"expected an object, got {type(value).__name__}")
    return value


def _typed(value: Any, cls: type[T], where: str) -> T:
    """``value`` if it is already a ``cls``, else ``cls`` built from a mapping of its fields."""
    if isinstance(value, cls):
        return value
    d = _mapping(value, where)
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(d) - names)
    if unknown:
        raise _fail(where, f"unknown fields {unknown}")
    try:
        return cls(**d)
    except TypeError as exc:  # a missing field
        raise _fail(where, str(exc).split("() ", 1)[-1]) from None
    except MalformedResult as exc:
        raise MalformedResult(f"{where}.{exc}") from None


MAX_DEPTH = 64
"""Deepest nesting of lists and objects read from a JSON document.

A result nests 7 levels deep (the entries of ``minima[k].face[u].basis[j]``); far deeper
is no result, and Python's parser, ``copy.deepcopy`` and the validators recurse: 200,000
nested brackets raised ``RecursionError``. So the depth is checked, without recursion,
before anything else reads the document."""


def load_json(text: str) -> Any:
    """Parse JSON text for a reader of reluscape's documents, or raise
    :class:`MalformedResult` (an :class:`InputError`) with one line saying why.

    Integers are bounded like every exact number (:data:`reluscape.validation.MAX_DIGITS`
    digits; Python's own refusal of longer ones was a ``ValueError`` traceback) and the
    nesting by :data:`MAX_DEPTH`.

    Examples
    --------
    >>> load_json('{"n": [1, 2]}')
    {'n': [1, 2]}
    >>> for text in ("[" * 200_000, "1" * 5000, "{"):
    ...     try:
    ...         load_json(text)
    ...     except MalformedResult as exc:
    ...         print(exc)
    not valid JSON: nested more than 64 levels deep
    not valid JSON: an integer of 5000 digits (at most 4300 are read)
    not valid JSON: Expecting property name enclosed in double quotes at line 1, column 2
    """
    try:
        doc = json.loads(text, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        raise MalformedResult(
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except RecursionError:
        raise MalformedResult(f"not valid JSON: nested more than {MAX_DEPTH} levels deep") from None
    _check_depth(doc)
    return doc


def _json_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        raise MalformedResult(
            f"not valid JSON: an integer of {digits} digits (at most {MAX_DIGITS} are read)"
        )
    return int(text)


def _check_depth(doc: Any) -> None:
    """Refuse a parsed document nested deeper than :data:`MAX_DEPTH` (an explicit stack:
    the check itself must not recurse)."""
    stack = [(doc, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = list(value.values())
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth >= MAX_DEPTH:
            raise MalformedResult(f"not valid JSON: nested more than {MAX_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in children)


def _fraction_text(v: Fraction) -> str:
    return str(v)


# --------------------------------------------------------------------------- parts of a minimum


@dataclass(frozen=True)
class Face:
    """A unit's face: its sign vector on the samples, its kind and a basis of its span.

    Examples
    --------
    >>> f = Face(signs="+0", kind="boundary", basis=[["1", "-1"]])
    >>> f.basis, f.to_dict()["basis"]
    (((Fraction(1, 1), Fraction(-1, 1)),), [['1', '-1']])
    """

    signs: str
    kind: str
    basis: tuple[tuple[Fraction, ...], ...]

    def __post_init__(self) -> None:
        if not isinstance(self.signs, str) or not self.signs or set(self.signs) - set("+0-"):
            raise _fail("signs", f"expected characters from '+0-', got {self.signs!r}")
        if self.kind not in FACE_KINDS:
            raise _fail("kind", f"expected one of {FACE_KINDS}, got {self.kind!r}")
        rows = tuple(
            tuple(_rational(v, f"basis[{i}]") for v in _seq(row, f"basis[{i}]"))
            for i, row in enumerate(_seq(self.basis, "basis"))
        )
        if len({len(r) for r in rows}) > 1:
            raise _fail("basis", "rows have different lengths")
        object.__setattr__(self, "basis", rows)

    @property
    def dim(self) -> int:
        return len(self.basis)

    def to_dict(self) -> dict[str, Any]:
        return {
            "signs": self.signs,
            "kind": self.kind,
            "basis": [[_fraction_text(v) for v in row] for row in self.basis],
        }


@dataclass(frozen=True)
class Point:
    """Where a minimum is: floats for reading, and the exact data that certify it.

    ``a``, ``B``, ``c`` are float approximations (None where a value overflows a float);
    ``rational`` holds rational approximations of the coordinates (a, t) at
    ``precision_bits``; ``box`` the certified isolating box, exact rational endpoints.
    """

    a: tuple[float | None, ...]
    B: tuple[tuple[float | None, ...], ...]
    c: tuple[float | None, ...]
    rational: dict[str, Fraction] | None = None
    precision_bits: int | None = None
    box: dict[str, tuple[Fraction, Fraction]] | None = None

    def __post_init__(self) -> None:
        a = tuple(_optional_float(v, "a") for v in _seq(self.a, "a"))
        B = tuple(
            tuple(_optional_float(v, f"B[{u}]") for v in _seq(row, f"B[{u}]"))
            for u, row in enumerate(_seq(self.B, "B"))
        )
        c = tuple(_optional_float(v, "c") for v in _seq(self.c, "c"))
        if not len(a) == len(B) == len(c):
            raise _fail("a", f"a, B and c have {len(a)}, {len(B)} and {len(c)} units")
        object.__setattr__(self, "a", a)
        object.__setattr__(self, "B", B)
        object.__setattr__(self, "c", c)
        if self.rational is not None:
            raw = _mapping(self.rational, "rational")
            object.__setattr__(
                self, "rational", {str(k): _rational(v, f"rational.{k}") for k, v in raw.items()}
            )
        if self.precision_bits is not None:
            _int(self.precision_bits, "precision_bits", 1)
        if self.box is not None:
            box = {}
            for k, v in _mapping(self.box, "box").items():
                lo, hi = (_rational(e, f"box.{k}") for e in _seq(v, f"box.{k}", 2))
                if lo > hi:
                    raise _fail(f"box.{k}", f"lower end {lo} is above upper end {hi}")
                box[str(k)] = (lo, hi)
            object.__setattr__(self, "box", box)

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": list(self.a),
            "B": [list(row) for row in self.B],
            "c": list(self.c),
            "rational": (
                None
                if self.rational is None
                else {k: _fraction_text(v) for k, v in self.rational.items()}
            ),
            "precision_bits": self.precision_bits,
            "box": (
                None
                if self.box is None
                else {
                    k: [_fraction_text(lo), _fraction_text(hi)] for k, (lo, hi) in self.box.items()
                }
            ),
        }


@dataclass(frozen=True)
class System:
    """The zero-dimensional polynomial system whose real solution in the box is the point."""

    variables: tuple[str, ...]
    generators: tuple[str, ...]

    def __post_init__(self) -> None:
        for name in ("variables", "generators"):
            values = tuple(
                _str(v, f"{name}[{i}]") for i, v in enumerate(_seq(getattr(self, name), name))
            )
            object.__setattr__(self, name, values)

    def to_dict(self) -> dict[str, Any]:
        return {"variables": list(self.variables), "generators": list(self.generators)}


@dataclass(frozen=True)
class Component:
    """A positive-dimensional set of minima: the prime ideal of its Zariski closure."""

    dimension: int
    variables: tuple[str, ...]
    prime: tuple[str, ...]

    def __post_init__(self) -> None:
        _int(self.dimension, "dimension", 1)
        for name in ("variables", "prime"):
            values = tuple(
                _str(v, f"{name}[{i}]") for i, v in enumerate(_seq(getattr(self, name), name))
            )
            object.__setattr__(self, name, values)

    def to_dict(self) -> dict[str, Any]:
        return {
            "dimension": self.dimension,
            "variables": list(self.variables),
            "prime": list(self.prime),
        }


@dataclass(frozen=True)
class Verdict:
    """Which exact test decided a candidate (``is_minimum`` None: undecided)."""

    is_minimum: bool | None
    decided_by: str
    detail: str

    def __post_init__(self) -> None:
        if self.is_minimum is not None and not isinstance(self.is_minimum, bool):
            raise _fail("is_minimum", f"expected true, false or null, got {self.is_minimum!r}")
        if self.decided_by not in DECIDED_BY:
            raise _fail("decided_by", f"expected one of {DECIDED_BY}, got {self.decided_by!r}")
        _str(self.detail, "detail")

    def to_dict(self) -> dict[str, Any]:
        return {"is_minimum": self.is_minimum, "decided_by": self.decided_by, "detail": self.detail}


@dataclass(frozen=True)
class LossExact:
    """A polynomial over Q in ``variable`` with the loss as a root in ``loss_interval``."""

    polynomial: str
    variable: str

    def __post_init__(self) -> None:
        _str(self.polynomial, "polynomial")
        _str(self.variable, "variable")

    def to_dict(self) -> dict[str, Any]:
        return {"polynomial": self.polynomial, "variable": self.variable}


@dataclass
class Minimum:
    """One local minimum (an orbit representative) or one undecided candidate.

    Built from plain data (as in the JSON document) or from typed parts; either way the
    fields are validated and converted: ``face`` to :class:`Face` objects, rationals to
    :class:`~fractions.Fraction`, and so on.
    """

    id: int
    dimension: int
    loss: float | None
    loss_interval: tuple[Fraction, Fraction]
    is_global: bool | None
    face: tuple[Face, ...]
    activation: tuple[tuple[int, ...], ...]
    point: Point
    system: System
    verdict: Verdict
    orbit_size: int
    component: Component | None = None
    loss_exact: LossExact | None = None

    def __post_init__(self) -> None:
        _int(self.id, "id")
        _int(self.dimension, "dimension")
        self.loss = _optional_float(self.loss, "loss")
        lo, hi = (
            _rational(v, "loss_interval") for v in _seq(self.loss_interval, "loss_interval", 2)
        )
        if lo > hi:
            raise _fail("loss_interval", f"lower end {lo} is above upper end {hi}")
        self.loss_interval = (lo, hi)
        if self.is_global is not None and not isinstance(self.is_global, bool):
            raise _fail("is_global", f"expected true, false or null, got {self.is_global!r}")
        self.face = tuple(
            _typed(f, Face, f"face[{u}]") for u, f in enumerate(_seq(self.face, "face"))
        )
        self.activation = tuple(
            tuple(_int(v, f"activation[{u}]") for v in _seq(row, f"activation[{u}]"))
            for u, row in enumerate(_seq(self.activation, "activation", len(self.face)))
        )
        if any(v > 1 for row in self.activation for v in row):
            raise _fail("activation", "expected entries 0 or 1")
        self.point = _typed(self.point, Point, "point")
        if len(self.point.a) != len(self.face):
            raise _fail("point.a", f"expected {len(self.face)} entries, got {len(self.point.a)}")
        self.system = _typed(self.system, System, "system")
        self.verdict = _typed(self.verdict, Verdict, "verdict")
        _int(self.orbit_size, "orbit_size", 1)
        if self.component is not None:
            self.component = _typed(self.component, Component, "component")
        if self.dimension >= 1 and self.component is None:
            raise _fail("component", "a set of dimension >= 1 needs its component")
        if self.component is not None and self.component.dimension != self.dimension:
            raise _fail(
                "component.dimension",
                f"{self.component.dimension} differs from the dimension {self.dimension}",
            )
        if self.loss_exact is not None:
            self.loss_exact = _typed(self.loss_exact, LossExact, "loss_exact")

    @property
    def signs(self) -> str:
        """The face as text, one sign vector per unit: ``"--+++ | ---0+"``."""
        return " | ".join(f.signs for f in self.face)

    def t_names(self, unit: int) -> list[str]:
        """The names of unit ``unit``'s span coordinates on its face (none on the origin)."""
        face = self.face[unit]
        return [] if face.kind == "origin" else [f"t{unit}_{j}" for j in range(face.dim)]

    def exact_point(self) -> tuple[list[Fraction], list[list[Fraction]]] | None:
        """(a, psi) exactly from the rational point: a_l, and theta_l = sum_j t_lj K_l[j]
        with K_l the face's basis rows (a dead unit's a_l = 0); None without one."""
        rational = self.point.rational
        if rational is None:
            return None
        width = len(self.point.B[0]) + 1
        a = [rational.get(f"a{u}", Fraction(0)) for u in range(len(self.face))]
        rows = []
        for u, face in enumerate(self.face):
            theta = [Fraction(0)] * width
            for name, row in zip(self.t_names(u), face.basis, strict=False):
                theta = [th + rational[name] * k for th, k in zip(theta, row, strict=True)]
            rows.append(theta)
        return a, rows

    def check_against(self, problem: Problem) -> None:
        """Check the shapes against the problem: L units, n signs each, bases in R^(d+1)."""
        L, n, d = problem.hidden, problem.n, problem.d
        if len(self.face) != L:
            raise _fail("face", f"expected {L} units, got {len(self.face)}")
        for u, f in enumerate(self.face):
            if len(f.signs) != n:
                raise _fail(f"face[{u}].signs", f"expected {n} characters, got {f.signs!r}")
            if any(len(row) != d + 1 for row in f.basis):
                raise _fail(f"face[{u}].basis", f"expected rows of {d + 1} entries")
            if len(self.activation[u]) != n:
                raise _fail(f"activation[{u}]", f"expected {n} entries")
        if any(len(row) != d for row in self.point.B):
            raise _fail("point.B", f"expected rows of {d} entries")
        if self.point.rational is not None:
            missing = [t for u in range(L) for t in self.t_names(u) if t not in self.point.rational]
            if missing:
                raise _fail("point.rational", f"missing coordinates {missing}")
        if self.component is not None:
            names = {t for u in range(L) for t in self.t_names(u)}
            unknown = [v for v in self.component.variables if v not in names]
            if unknown:
                raise _fail("component.variables", f"{unknown} are not t variables of the face")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "dimension": self.dimension,
            "loss": self.loss,
            "loss_interval": [_fraction_text(v) for v in self.loss_interval],
            "is_global": self.is_global,
            "face": [f.to_dict() for f in self.face],
            "activation": [list(row) for row in self.activation],
            "point": self.point.to_dict(),
            "system": self.system.to_dict(),
            "verdict": self.verdict.to_dict(),
            "orbit_size": self.orbit_size,
            "component": None if self.component is None else self.component.to_dict(),
            "loss_exact": None if self.loss_exact is None else self.loss_exact.to_dict(),
        }


@dataclass(frozen=True)
class GlobalMinimum:
    """The certified global minimum of a ``reluscape global`` run (docs/METHOD.md section 10).

    ``lower`` <= min l <= ``upper`` (exact rationals); ``certified``: every piece (a product
    chamber with output signs) was pruned by an exactly checked dual bound above ``upper``
    or processed by the exact path, so ``minima`` holds every global minimizer. Counts of
    ``pieces`` (multisets of L (chamber, sign) pairs), ``pruned`` (certified lower bound
    above the upper bound), ``solved`` (convex programs solved in floats) and
    ``exact_faces`` (product faces run through the exact path); ``uncertified``: pieces
    left open, each ``{"piece": ..., "reason": ...}``.

    Examples
    --------
    >>> g = GlobalMinimum(lower="1/3", upper="1/2", certified=False, pieces=4, pruned=2,
    ...                   solved=3, exact_faces=0,
    ...                   uncertified=[{"piece": "+- e+ | -+ e-", "reason": "solver failed"}])
    >>> GlobalMinimum(**g.to_dict()) == g, g.lower
    (True, Fraction(1, 3))
    """

    lower: Fraction
    upper: Fraction
    certified: bool
    pieces: int
    pruned: int
    solved: int
    exact_faces: int
    uncertified: tuple[dict[str, str], ...] = ()

    def __post_init__(self) -> None:
        lower, upper = _rational(self.lower, "lower"), _rational(self.upper, "upper")
        if lower > upper:
            raise _fail("lower", f"{lower} is above the upper bound {upper}")
        object.__setattr__(self, "lower", lower)
        object.__setattr__(self, "upper", upper)
        if not isinstance(self.certified, bool):
            raise _fail("certified", f"expected true or false, got {self.certified!r}")
        for name in ("pieces", "pruned", "solved", "exact_faces"):
            _int(getattr(self, name), name)
        entries = []
        for k, e in enumerate(_seq(self.uncertified, "uncertified")):
            e = _mapping(e, f"uncertified[{k}]")
            if set(e) != {"piece", "reason"}:
                raise _fail(f"uncertified[{k}]", "expected the fields 'piece' and 'reason'")
            entries.append({key: _str(e[key], f"uncertified[{k}].{key}") for key in e})
        if self.certified and entries:
            raise _fail("certified", "true, but some pieces are uncertified")
        object.__setattr__(self, "uncertified", tuple(entries))

    def to_dict(self) -> dict[str, Any]:
        return {
            "lower": _fraction_text(self.lower),
            "upper": _fraction_text(self.upper),
            "certified": self.certified,
            "pieces": self.pieces,
            "pruned": self.pruned,
            "solved": self.solved,
            "exact_faces": self.exact_faces,
            "uncertified": [dict(e) for e in self.uncertified],
        }


@dataclass
class Connection:
    """A minimum that the descent paths from a census point reach: its ``minimum`` id, the
    ``barrier`` (the point's loss minus the minimum's, a float; null where a loss overflows)
    and the number of ``paths`` (descent directions) that end there (0: the point lies in
    the closure of the set of minima itself).

    ``path``: one such descent as a polyline of rational points, each a flat vector
    (a_1..a_L, theta_1, ..., theta_L), from the point down to the minimum; ``height``: the
    exact maximum of the loss along it, enclosed in two rationals
    (:func:`reluscape.exact.paths.path_height`, sum convention like ``loss_interval``).

    Examples
    --------
    >>> Connection(minimum=2, barrier=0.25, paths=1).to_dict()
    {'minimum': 2, 'barrier': 0.25, 'paths': 1}
    >>> c = Connection(minimum=2, barrier=0.25, paths=1, path=[["1", "0", "1/2"],
    ...     ["1", "0", "1/4"]], height=["1/3", "1/2"])
    >>> Connection(**c.to_dict()) == c, c.height[1]
    (True, Fraction(1, 2))
    """

    minimum: int
    barrier: float | None
    paths: int
    path: tuple[tuple[Fraction, ...], ...] | None = None
    height: tuple[Fraction, Fraction] | None = None

    def __post_init__(self) -> None:
        _int(self.minimum, "minimum", 1)
        self.barrier = _optional_float(self.barrier, "barrier")
        _int(self.paths, "paths", 0)
        if (self.path is None) != (self.height is None):
            raise _fail("path", "a path and its height come together")
        if self.path is not None and self.height is not None:
            rows = _seq(self.path, "path")
            if len(rows) < 2:
                raise _fail("path", f"a path needs two vertices, got {len(rows)}")
            self.path = tuple(
                tuple(_rational(v, f"path[{k}]") for v in _seq(row, f"path[{k}]"))
                for k, row in enumerate(rows)
            )
            if len({len(row) for row in self.path}) != 1:
                raise _fail("path", "vertices of different lengths")
            lo, hi = (_rational(v, "height") for v in _seq(self.height, "height", 2))
            if lo > hi:
                raise _fail("height", f"lower end {lo} is above upper end {hi}")
            self.height = (lo, hi)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "minimum": self.minimum,
            "barrier": self.barrier,
            "paths": self.paths,
        }
        if self.path is not None and self.height is not None:
            out["path"] = [[_fraction_text(v) for v in row] for row in self.path]
            out["height"] = [_fraction_text(v) for v in self.height]
        return out


@dataclass
class Join:
    """One merge of the disconnectivity graph: at census point ``point``, whose loss is the
    Clarke-critical value in ``critical_interval`` (exact), the basins ``basins`` (two
    sorted lists of minimum ids, joined through their minima ``minima``) become one.

    ``path_height``: the exact enclosure of the highest loss on the stored paths from the
    point down to the two minima (:class:`Connection`): an explicit path of that height
    joins them, so the barrier is at most its upper end. ``minimax``: whether the critical
    value is the barrier, certified from both sides: from below, the census is complete,
    no descent was lost and every non-minimal point below it has decided descent
    components (docs/METHOD.md section 13); from above, its paths reach no higher than the
    critical value (to 1e-9). Otherwise the join is an upper bound only: the barrier is at
    most the upper end of ``path_height``.
    """

    point: int
    height: float | None
    critical_interval: tuple[Fraction, Fraction]
    minima: tuple[int, int]
    basins: tuple[tuple[int, ...], tuple[int, ...]]
    path_height: tuple[Fraction, Fraction] | None
    minimax: bool

    def __post_init__(self) -> None:
        _int(self.point, "point", 1)
        self.height = _optional_float(self.height, "height")
        lo, hi = (
            _rational(v, "critical_interval")
            for v in _seq(self.critical_interval, "critical_interval", 2)
        )
        self.critical_interval = (lo, hi)
        i, j = (_int(v, "minima", 1) for v in _seq(self.minima, "minima", 2))
        self.minima = (i, j)
        first, second = (
            tuple(_int(v, f"basins[{k}]", 1) for v in _seq(b, f"basins[{k}]"))
            for k, b in enumerate(_seq(self.basins, "basins", 2))
        )
        if i not in first or j not in second or set(first) & set(second):
            raise _fail("basins", "two disjoint basins holding the two minima")
        self.basins = (first, second)
        if self.path_height is not None:
            plo, phi = (
                _rational(v, "path_height") for v in _seq(self.path_height, "path_height", 2)
            )
            self.path_height = (plo, phi)
        if not isinstance(self.minimax, bool):
            raise _fail("minimax", f"expected true or false, got {self.minimax!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "point": self.point,
            "height": self.height,
            "critical_interval": [_fraction_text(v) for v in self.critical_interval],
            "minima": list(self.minima),
            "basins": [list(b) for b in self.basins],
            "path_height": (
                None
                if self.path_height is None
                else [_fraction_text(v) for v in self.path_height]
            ),
            "minimax": self.minimax,
        }


@dataclass
class Landscape:
    """The landscape graph of a census with connections (``solve --census``): the minima
    (``nodes``, their ids), one ``edge`` per pair of minima that one census point connects
    (``{"point", "minima": [i, j], "height"}``, the height the point's loss), the graph's
    connected ``components`` (lists of minimum ids), and the ``lost_paths``: descent paths
    that ended at no enumerated minimum (each with its start point id and end point)."""

    nodes: tuple[int, ...]
    edges: tuple[dict[str, Any], ...]
    components: tuple[tuple[int, ...], ...]
    lost_paths: tuple[dict[str, Any], ...] = ()
    joins: tuple[Join, ...] = ()

    def __post_init__(self) -> None:
        self.nodes = tuple(
            _int(v, f"nodes[{k}]", 1) for k, v in enumerate(_seq(self.nodes, "nodes"))
        )
        edges = []
        for k, e in enumerate(_seq(self.edges, "edges")):
            e = _mapping(e, f"edges[{k}]")
            if set(e) != {"point", "minima", "height"}:
                raise _fail(f"edges[{k}]", f"expected point, minima, height, got {sorted(e)}")
            pair = _seq(e["minima"], f"edges[{k}].minima", 2)
            if any(v not in self.nodes for v in pair):
                raise _fail(f"edges[{k}].minima", f"not minima of the result: {list(pair)}")
            edges.append(
                {
                    "point": _int(e["point"], f"edges[{k}].point", 1),
                    "minima": list(pair),
                    "height": _optional_float(e["height"], f"edges[{k}].height"),
                }
            )
        self.edges = tuple(edges)
        comps = tuple(
            tuple(_int(v, f"components[{k}]", 1) for v in _seq(c, f"components[{k}]"))
            for k, c in enumerate(_seq(self.components, "components"))
        )
        if sorted(v for c in comps for v in c) != sorted(self.nodes):
            raise _fail("components", "they do not partition the nodes")
        self.components = comps
        self.lost_paths = tuple(
            dict(_mapping(v, f"lost_paths[{k}]"))
            for k, v in enumerate(_seq(self.lost_paths, "lost_paths"))
        )
        self.joins = tuple(
            _typed(v, Join, f"joins[{k}]") for k, v in enumerate(_seq(self.joins, "joins"))
        )
        for k, join in enumerate(self.joins):
            if any(v not in self.nodes for b in join.basins for v in b):
                raise _fail(f"joins[{k}].basins", "not minima of the result")

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": list(self.nodes),
            "edges": [dict(e) for e in self.edges],
            "components": [list(c) for c in self.components],
            "lost_paths": [dict(v) for v in self.lost_paths],
            "joins": [j.to_dict() for j in self.joins],
        }


CRITICAL_KINDS = verdicts.KINDS
CENSUS_DECIDED_BY = verdicts.CENSUS_TESTS


@dataclass
class CriticalPoint:
    """One Clarke-critical point of the census (``solve --census``), an orbit representative.

    ``kind``: "minimum" (``id`` is then its id in ``minima``), "saddle" (d-stationary,
    ``index`` >= 1, the number of negative eigenvalues of Hess g_F on span(F)), "kink"
    (0 in the Clarke subdifferential with a first-order descent: a unit on a ridge across
    a wall; ``descent_components`` the number of components of its local descent set, 2
    for a transition state, of ``index`` 1, more when it joins more basins at once (index
    null), and 1 when it joins no basins, its ``index``
    then the number of ridges plus negative tangential eigenvalues, null when that is not
    defined; both null when not decided) or "degenerate"
    (``index`` null; ``detail`` says why no index is decided). ``descents_cover``: every
    component of the point's local descent set holds a direction the landscape descends
    from (decided exactly; what makes a join the minimax barrier, :class:`Join`). The other
    fields are those of :class:`Minimum`; ``decided_by`` is one of :data:`CENSUS_DECIDED_BY`.

    Examples
    --------
    >>> p = CriticalPoint(id=3, kind="saddle", index=1, dimension=0, loss=0.5,
    ...     loss_interval=["1/2", "1/2"], face=[{"signs": "++", "kind": "chamber",
    ...     "basis": [["1", "0"], ["0", "1"]]}], activation=[[1, 1]],
    ...     point={"a": [1.0], "B": [[1.0]], "c": [0.0]},
    ...     system={"variables": [], "generators": []}, decided_by="second order",
    ...     detail="", orbit_size=1)
    >>> CriticalPoint(**p.to_dict()) == p, p.loss_interval[0]
    (True, Fraction(1, 2))
    """

    id: int
    kind: str
    index: int | None
    dimension: int
    loss: float | None
    loss_interval: tuple[Fraction, Fraction]
    face: tuple[Face, ...]
    activation: tuple[tuple[int, ...], ...]
    point: Point
    system: System
    decided_by: str
    detail: str
    orbit_size: int
    component: Component | None = None
    connects: tuple[Connection, ...] | None = None
    descent_components: int | None = None
    descents_cover: bool = False

    def __post_init__(self) -> None:
        _int(self.id, "id", 1)
        if self.connects is not None:
            if self.kind == "minimum":
                raise _fail("connects", "a minimum connects nothing")
            self.connects = tuple(
                _typed(c, Connection, f"connects[{k}]")
                for k, c in enumerate(_seq(self.connects, "connects"))
            )
        if self.kind not in CRITICAL_KINDS:
            raise _fail("kind", f"expected one of {CRITICAL_KINDS}, got {self.kind!r}")
        if self.kind == "degenerate":
            if self.index is not None:
                raise _fail("index", f"a degenerate point has no index, got {self.index!r}")
        elif self.kind == "kink":
            if self.index is not None:
                _int(self.index, "index", 1)
        else:
            _int(self.index, "index", 1 if self.kind == "saddle" else 0)
            if self.kind == "minimum" and self.index != 0:
                raise _fail("index", f"a minimum has index 0, got {self.index!r}")
        if self.decided_by not in CENSUS_DECIDED_BY:
            raise _fail(
                "decided_by", f"expected one of {CENSUS_DECIDED_BY}, got {self.decided_by!r}"
            )
        if not isinstance(self.descents_cover, bool):
            raise _fail("descents_cover", f"expected true or false, got {self.descents_cover!r}")
        if self.descent_components is not None:
            if self.kind != "kink":
                raise _fail("descent_components", "only a kink's are listed")
            _int(self.descent_components, "descent_components", 1)
            if (self.index == 1) != (self.descent_components == 2):
                raise _fail("descent_components", "two exactly when the index is 1")
        _str(self.detail, "detail")
        # The shared fields are validated and converted exactly as a minimum's are.
        shared = self.as_minimum()
        for name in ("loss", "loss_interval", "face", "activation", "point", "system"):
            setattr(self, name, getattr(shared, name))
        self.component = shared.component

    def as_minimum(self) -> Minimum:
        """The fields shared with :class:`Minimum`, as one (its verdict a placeholder):
        validation and shape checks are the same."""
        return Minimum(
            id=self.id,
            dimension=self.dimension,
            loss=self.loss,
            loss_interval=self.loss_interval,
            is_global=None,
            face=self.face,
            activation=self.activation,
            point=self.point,
            system=self.system,
            verdict=Verdict(None, "precision", ""),
            orbit_size=self.orbit_size,
            component=self.component,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "index": self.index,
            "dimension": self.dimension,
            "loss": self.loss,
            "loss_interval": [_fraction_text(v) for v in self.loss_interval],
            "face": [f.to_dict() for f in self.face],
            "activation": [list(row) for row in self.activation],
            "point": self.point.to_dict(),
            "system": self.system.to_dict(),
            "decided_by": self.decided_by,
            "detail": self.detail,
            "orbit_size": self.orbit_size,
            "component": None if self.component is None else self.component.to_dict(),
            **({} if self.connects is None else {"connects": [c.to_dict() for c in self.connects]}),
            **(
                {}
                if self.descent_components is None
                else {"descent_components": self.descent_components}
            ),
            **({"descents_cover": True} if self.descents_cover else {}),
        }


# --------------------------------------------------------------------------- the document


def problem_from_dict(d: Mapping[str, Any]) -> Problem:
    """The :class:`Problem` a document records, validated like any input, and checked to
    agree with the recorded ``n``, ``d`` and ``lam_sum``."""
    d = _mapping(d, "problem")
    for key in ("X", "y", "hidden", "lam", "convention"):
        if key not in d:
            raise _fail("problem", f"missing field {key!r}")
    source = d.get("data")
    if source is not None:
        _str(source, "problem.data")
    try:
        problem = make_problem(
            [list(_seq(row, "problem.X")) for row in _seq(d["X"], "problem.X")],
            list(_seq(d["y"], "problem.y")),
            hidden=_int(d["hidden"], "problem.hidden", 1),
            lam=_rational(d["lam"], "problem.lam"),
            convention=_str(d["convention"], "problem.convention"),
            source=source,
        )
    except MalformedResult:
        raise
    except InputError as exc:
        raise _fail("problem", str(exc)) from None
    recorded = {"n": problem.n, "d": problem.d, "lam_sum": problem.lam_sum}
    for key, value in recorded.items():
        if key in d:
            got = _rational(d[key], f"problem.{key}")
            if got != value:
                raise _fail(f"problem.{key}", f"recorded {d[key]!r}, but the data give {value}")
    return problem


def walls_text(point: CriticalPoint) -> str:
    """Which walls the point's units sit on: 'u2: 3' for unit 2 on the wall of sample 3
    (1-based, as the data's rows); dead units are 'u1: 0' (theta = 0)."""
    parts = []
    for u, face in enumerate(point.face, start=1):
        if face.kind == "origin":
            parts.append(f"u{u}: 0")
        elif face.kind != "chamber":
            zeros = [str(i + 1) for i, ch in enumerate(face.signs) if ch == "0"]
            parts.append(f"u{u}: " + ",".join(zeros))
    return "; ".join(parts) or "-"


@dataclass
class Result:
    """Every local minimum of the RR-MSE of a data set, with how they were found.

    Attributes
    ----------
    problem : Problem
        The exact input.
    minima : list of Minimum
        One entry per orbit of local minima under unit permutation, by increasing loss.
    undecided : list of Minimum
        Candidates whose local minimality no exact test settled (``verdict.detail`` says
        why); a complete enumeration has none.
    stats : dict
        Faces, orbits, systems solved, candidates, rejections by reason, timings,
        versions, ``faces_undecided`` and ``complete`` (every face enumerated and every
        candidate decided).
    """

    problem: Problem
    minima: list[Minimum]
    undecided: list[Minimum] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    schema_version: str = SCHEMA_VERSION
    global_minimum: GlobalMinimum | None = None
    critical_points: list[CriticalPoint] | None = None
    landscape: Landscape | None = None

    def __post_init__(self) -> None:
        if self.schema_version != SCHEMA_VERSION:
            raise MalformedResult(
                f"unsupported schema_version {self.schema_version!r}; this reluscape reads "
                f"{SCHEMA_VERSION!r}"
            )
        if not isinstance(self.problem, Problem):
            self.problem = problem_from_dict(self.problem)
        for name in ("minima", "undecided"):
            entries = []
            for k, m in enumerate(_seq(getattr(self, name), name)):
                where = f"{name}[{k}]"
                entry = _typed(m, Minimum, where)
                try:
                    entry.check_against(self.problem)
                except MalformedResult as exc:
                    raise MalformedResult(f"{where}.{exc}") from None
                entries.append(entry)
            setattr(self, name, entries)
        self._check_lists()
        self.stats = dict(_mapping(self.stats, "stats"))
        if self.global_minimum is not None:
            self.global_minimum = _typed(self.global_minimum, GlobalMinimum, "global_minimum")
        complete = self.stats.get("complete", False)
        if not isinstance(complete, bool):
            raise _fail("stats.complete", f"expected true or false, got {complete!r}")
        if complete and self.undecided:
            raise _fail("stats.complete", "true, but there are undecided candidates")
        if not complete and any(m.is_global is not None for m in self.minima):
            raise _fail("minima", "an incomplete result claims is_global true or false")
        if self.critical_points is not None:
            self.critical_points = self._checked_census(self.critical_points)
        if self.landscape is not None:
            self.landscape = self._checked_landscape(self.landscape)

    def _check_lists(self) -> None:
        """What no single entry can check: ``minima`` are numbered 1, 2, ... in order (as
        the run numbers them), each a minimum (``verdict.is_minimum`` true); undecided
        candidates have distinct ids and are undecided (null). ``report`` and ``compare``
        key figures and basins by id: a repeated id overwrote one minimum's figures with
        another's, and a "minimum" whose verdict says it is none made ``compare`` report
        a possible bug."""
        for k, m in enumerate(self.minima):
            if m.id != k + 1:
                raise _fail(
                    f"minima[{k}].id",
                    f"expected {k + 1} (minima are numbered 1, 2, ... in order), got {m.id}",
                )
        seen: set[int] = set()
        for k, m in enumerate(self.undecided):
            if m.id in seen:
                raise _fail(f"undecided[{k}].id", f"{m.id} is the id of an earlier candidate")
            seen.add(m.id)
        verdicts = {"minima": True, "undecided": None}
        for name, entries in (("minima", self.minima), ("undecided", self.undecided)):
            for k, m in enumerate(entries):
                if m.verdict.is_minimum is not verdicts[name]:
                    expected = json.dumps(verdicts[name])
                    raise _fail(
                        f"{name}[{k}].verdict.is_minimum",
                        f"expected {expected} in '{name}', got {json.dumps(m.verdict.is_minimum)}",
                    )

    def _checked_landscape(self, raw: Any) -> Landscape:
        """The landscape graph, validated against ``minima`` and the census's connections."""
        if self.critical_points is None:
            raise _fail("landscape", "a landscape needs critical_points")
        graph = _typed(raw, Landscape, "landscape")
        if sorted(graph.nodes) != sorted(m.id for m in self.minima):
            raise _fail("landscape.nodes", "they are not the ids of 'minima'")
        connects = {c.id: {x.minimum for x in c.connects or ()} for c in self.critical_points}
        for k, e in enumerate(graph.edges):
            if not set(e["minima"]) <= connects.get(e["point"], set()):
                raise _fail(f"landscape.edges[{k}]", "its point does not connect those minima")
        return graph

    def _checked_census(self, raw: Any) -> list[CriticalPoint]:
        """The census entries, validated; ids unique, the minima in it are ``minima`` (same
        ids, same losses), and the minima a point connects are among them."""
        entries = []
        for k, c in enumerate(_seq(raw, "critical_points")):
            where = f"critical_points[{k}]"
            entry = _typed(c, CriticalPoint, where)
            try:
                entry.as_minimum().check_against(self.problem)
            except MalformedResult as exc:
                raise MalformedResult(f"{where}.{exc}") from None
            entries.append(entry)
        ids = [c.id for c in entries]
        if len(set(ids)) != len(ids):
            raise _fail("critical_points", "ids are not unique")
        minima = {m.id: m.loss_interval for m in self.minima}
        census = {c.id: c.loss_interval for c in entries if c.kind == "minimum"}
        if census != minima:
            raise _fail("critical_points", "its minima differ from 'minima' (ids or losses)")
        for k, c in enumerate(entries):
            for j, x in enumerate(c.connects or ()):
                if x.minimum not in minima:
                    raise _fail(
                        f"critical_points[{k}].connects[{j}].minimum",
                        f"{x.minimum} is not the id of a minimum",
                    )
        return entries

    @property
    def complete(self) -> bool:
        """Every face enumerated and every candidate decided."""
        return bool(self.stats.get("complete", False))

    def to_dict(self) -> dict[str, Any]:
        doc = {
            "schema_version": self.schema_version,
            "problem": self.problem.describe(),
            "minima": [m.to_dict() for m in self.minima],
            "undecided": [m.to_dict() for m in self.undecided],
            "stats": copy.deepcopy(self.stats),
        }
        # Only a `global` run has the key: a solve result's document is unchanged.
        if self.global_minimum is not None:
            doc["global_minimum"] = self.global_minimum.to_dict()
        # Only a census run has the key (``solve --census``).
        if self.critical_points is not None:
            doc["critical_points"] = [c.to_dict() for c in self.critical_points]
        if self.landscape is not None:
            doc["landscape"] = self.landscape.to_dict()
        # The object holds sum-convention losses; the document the user's convention.
        return document_in_convention(doc)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Result:
        """Validate a document (a parsed JSON object) and return its :class:`Result`.

        Raises
        ------
        MalformedResult
            If the document does not follow the schema; the message names the field.
        """
        d = document_from_convention(_mapping(d, "document"))
        if "schema_version" not in d:
            raise MalformedResult("not a reluscape result: no schema_version")
        known = {
            "schema_version",
            "problem",
            "minima",
            "undecided",
            "stats",
            "global_minimum",
            "critical_points",
            "landscape",
        }
        unknown = sorted(set(d) - known)
        if unknown:
            raise _fail("document", f"unknown fields {unknown}")
        for key in ("problem", "minima"):
            if key not in d:
                raise _fail("document", f"missing field {key!r}")
        return cls(
            problem=d["problem"],
            minima=d["minima"],
            undecided=d.get("undecided", []),
            stats=d.get("stats", {}),
            schema_version=d["schema_version"],
            global_minimum=d.get("global_minimum"),
            critical_points=d.get("critical_points"),
            landscape=d.get("landscape"),
        )

    @classmethod
    def from_json(cls, text: str) -> Result:
        return cls.from_dict(load_json(text))

    @classmethod
    def read(cls, path: str | Path) -> Result:
        """Read and validate a result document; the one reader every command uses.

        Raises
        ------
        InputError
            If the file cannot be read; :class:`MalformedResult` (an InputError) if it is
            not a valid result document, with the file and the field named.
        """
        p = Path(path)
        text = read_text(p, kind="result", expected="a JSON file")
        try:
            return cls.from_json(text)
        except MalformedResult as exc:
            raise MalformedResult(f"{p}: {exc}") from None

    def save(self, path: str | Path) -> Path:
        """Write the JSON document with the rules of every output of reluscape
        (:func:`reluscape.validation.write_output`: atomic, through symbolic links, never
        onto a read-only file or a device); return the path written."""
        return write_output(path, self.to_json() + "\n", name="result path")

    def counts_by_dimension(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for m in self.minima:
            out[m.dimension] = out.get(m.dimension, 0) + 1
        return dict(sorted(out.items()))

    def _global_mark(self, m: Minimum) -> str:
        """``"yes"`` for a certified global minimum; ``"lowest found"`` for the lowest
        minimum of an incomplete run (not certified global); empty otherwise."""
        if m.is_global:
            return "yes"
        if m.is_global is None and self.minima and m is self.minima[0]:
            return "lowest found"
        return ""

    def _rows(self) -> list[dict[str, Any]]:
        return [
            {
                "id": m.id,
                "loss": shown(self.problem, m.loss),
                "dimension": m.dimension,
                "global": self._global_mark(m),
                "orbit_size": m.orbit_size,
                "face": m.signs,
                "decided_by": m.verdict.decided_by,
            }
            for m in self.minima
        ]

    def summary(self) -> str:
        """Human-readable table of the minima."""
        p = self.problem
        lines = [
            f"reluscape: L = {p.hidden}, lambda = {p.lam} ({p.convention} convention), "
            f"n = {p.n}, d = {p.d}",
            f"{len(self.minima)} local minima up to unit permutation "
            + ", ".join(f"{c} of dimension {k}" for k, c in self.counts_by_dimension().items()),
            "",
            f"{'#':>3} {'loss':>14} {'dim':>3} {'global':>6} {'orbit':>5}  {'face':<24} decided by",
        ]
        for row in self._rows():
            lines.append(
                f"{row['id']:>3} {_loss_text(row['loss']):>14} {row['dimension']:>3} "
                f"{row['global']:>6} {row['orbit_size']:>5}  {row['face']:<24} {row['decided_by']}"
            )
        if self.undecided:
            lines += ["", f"{len(self.undecided)} candidates undecided:"]
            for m in self.undecided:
                loss = _loss_text(shown(p, m.loss))
                lines.append(f"    loss {loss}  {m.signs}: {m.verdict.detail}")
        lines += self._census_lines()
        s = self.stats
        lines += [
            "",
            f"faces {s.get('faces')}, orbits processed {s.get('orbits')}, candidates "
            f"{s.get('candidates')}, rejected {sum(s.get('rejected', {}).values())}, "
            f"time {s.get('timings', {}).get('total', 0):.1f} s"
            + (
                ""
                if self.complete
                else "  [INCOMPLETE: see undecided; no minimum is certified global]"
            ),
        ]
        return "\n".join(lines)

    def _census_lines(self) -> list[str]:
        """The census's counts and, with connections, the landscape (``solve --census``)."""
        if self.critical_points is None:
            return []
        kinds = Counter(c.kind for c in self.critical_points)
        saddles = Counter(c.index for c in self.critical_points if c.kind == "saddle")
        by_index = ", ".join(f"{n} of index {i}" for i, n in sorted(saddles.items()))
        kinks = sum(1 for c in self.critical_points if c.kind == "kink" and c.index == 1)
        lines = [
            "",
            f"census: {len(self.critical_points)} Clarke-critical points up to unit permutation: "
            f"{kinds['minimum']} minima, {kinds['saddle']} saddles"
            + (f" ({by_index})" if by_index else "")
            + f", {kinds['kink']} kinks ({kinks} transition states)"
            + f", {kinds['degenerate']} degenerate (a dead unit, or the reason in 'detail')",
        ]
        if self.landscape is None:
            return lines
        graph = self.landscape
        parts = "; ".join("{" + ", ".join(map(str, c)) + "}" for c in graph.components)
        lines.append(
            f"landscape: {len(graph.edges)} joins of two minima, {len(graph.components)} "
            f"connected component(s) of minima: {parts}"
        )
        if len(graph.components) > 1:
            lines.append(
                "  more than one component: the points that join them are not in the census "
                "(a path was lost, or a join needs a point of higher index)"
            )
        for c in self.critical_points:
            if c.connects is None:
                continue
            reached = ", ".join(
                f"{x.minimum} ("
                + ("its closure" if x.paths == 0 else _loss_text(shown(self.problem, x.barrier)))
                + ")"
                for x in c.connects
            )
            at = _loss_text(shown(self.problem, c.loss))
            lines.append(f"  point {c.id} at {at} ({c.kind}) leads to {reached or 'none'}")
        if graph.lost_paths:
            lines.append(
                f"  ERROR: {len(graph.lost_paths)} descent path(s) ended at no enumerated "
                "minimum (a bug; see landscape.lost_paths)"
            )
        return lines + self._join_lines()

    def _join_lines(self) -> list[str]:
        """The disconnectivity graph's joins as a table: height, the point (its kind and
        walls), the two basins and the barrier from each (the join's height minus the
        basin's lowest minimum), minimax or upper bound."""
        assert self.landscape is not None and self.critical_points is not None
        joins = self.landscape.joins
        if not joins:
            return []
        by_id = {c.id: c for c in self.critical_points}
        loss_of = {m.id: m.loss for m in self.minima}
        exact = sum(j.minimax for j in joins)
        lines = [
            "",
            f"disconnectivity graph: {len(joins)} join(s), {exact} of them the minimax barrier "
            f"(certified), {len(joins) - exact} upper bound(s) (the height of a stored path)",
            f"  {'height':>14}  point  {'kind':<17} {'walls':<28} basins, barrier from each",
        ]
        for j in joins:
            point = by_id[j.point]
            kind = point.kind + (" (TS)" if point.kind == "kink" and point.index == 1 else "")
            sides = []
            for basin in j.basins:
                low = min((loss_of[m] for m in basin if loss_of[m] is not None), default=None)
                barrier = None if low is None or j.height is None else j.height - low
                ids = "{" + ", ".join(map(str, basin)) + "}"
                sides.append(f"{ids} {_loss_text(shown(self.problem, barrier))}")
            height = _loss_text(shown(self.problem, j.height))
            path_top = None if j.path_height is None else float(j.path_height[1])
            top_text = _loss_text(shown(self.problem, path_top))
            bound = "" if j.minimax else f"  (upper bound: a path of height {top_text})"
            lines.append(
                f"  {height:>14}  {j.point:>5}  {kind:<17} {walls_text(point):<28} "
                f"{' | '.join(sides)}{bound}"
            )
        return lines

    def to_frame(self) -> Any:
        """The minima as a pandas DataFrame, one row per minimum (pandas is optional:
        ``pip install 'reluscape[pandas]'``).

        Columns: ``id``, ``loss``, ``dimension``, ``global``, ``orbit_size``, ``face``,
        ``decided_by``, ``loss_lower`` and ``loss_upper`` (the certified interval, exact).

        Raises
        ------
        ImportError
            If pandas is not installed, with the command that installs it.
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "Result.to_frame needs pandas: pip install 'reluscape[pandas]'"
            ) from None
        rows = self._rows()
        for row, m in zip(rows, self.minima, strict=True):
            row["loss_lower"], row["loss_upper"] = (
                shown_exact(self.problem, v) for v in m.loss_interval
            )
        columns = [
            "id", "loss", "dimension", "global", "orbit_size", "face", "decided_by",
            "loss_lower", "loss_upper",
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=columns).set_index("id")

    def _repr_html_(self) -> str:
        """A notebook shows a result as its table of minima."""
        p = self.problem
        head = (
            f"<p>reluscape: L = {p.hidden}, &lambda; = {html.escape(str(p.lam))} "
            f"({html.escape(p.convention)} convention), n = {p.n}, d = {p.d}; "
            f"{len(self.minima)} local minima up to unit permutation"
            + ("" if self.complete else " <b>(incomplete: nothing is certified global)</b>")
            + "</p>"
        )
        cells = ["#", "loss", "dim", "global", "orbit", "face", "decided by"]
        rows = [
            "<tr>" + "".join(f"<th>{c}</th>" for c in cells) + "</tr>",
            *(
                "<tr>"
                + "".join(
                    f"<td>{html.escape(str(v))}</td>"
                    for v in (
                        r["id"],
                        _loss_text(r["loss"]),
                        r["dimension"],
                        r["global"],
                        r["orbit_size"],
                        r["face"],
                        r["decided_by"],
                    )
                )
                + "</tr>"
                for r in self._rows()
            ),
        ]
        return head + "<table>" + "".join(rows) + "</table>"


def _loss_text(loss: float | None) -> str:
    return "(overflow)" if loss is None else f"{loss:.10f}"

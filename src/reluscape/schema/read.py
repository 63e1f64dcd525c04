"""Reading a result document: the field readers every document type validates with,
the JSON parser with its bounds, and the document's top level.

A malformed document raises :class:`MalformedResult` (an :class:`InputError`: one line,
exit 2 at the command line) naming the field path; the types of
:mod:`reluscape.schema.document` call these readers in their constructors.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import fields
from fractions import Fraction
from typing import Any, TypeVar

from reluscape.convention import document_from_convention
from reluscape.data import InputError, Problem, make_problem, parse_rational
from reluscape.validation import MAX_DIGITS

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
            columns=None if d.get("columns") is None else _seq(d["columns"], "problem.columns"),
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


RESULT_FIELDS = (
    "schema_version",
    "problem",
    "minima",
    "undecided",
    "stats",
    "global_minimum",
    "critical_points",
    "landscape",
)


def result_fields(d: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a :class:`~reluscape.schema.Result` that a document (a parsed JSON
    object, in its own convention) holds, in the sum convention the object keeps; the
    parts are validated by the constructors.

    Raises
    ------
    MalformedResult
        If the document's top level does not follow the schema.
    """
    d = document_from_convention(_mapping(d, "document"))
    if "schema_version" not in d:
        raise MalformedResult("not a reluscape result: no schema_version")
    unknown = sorted(set(d) - set(RESULT_FIELDS))
    if unknown:
        raise _fail("document", f"unknown fields {unknown}")
    for key in ("problem", "minima"):
        if key not in d:
            raise _fail("document", f"missing field {key!r}")
    return dict(
        problem=d["problem"],
        minima=d["minima"],
        undecided=d.get("undecided", []),
        stats=d.get("stats", {}),
        schema_version=d["schema_version"],
        global_minimum=d.get("global_minimum"),
        critical_points=d.get("critical_points"),
        landscape=d.get("landscape"),
    )

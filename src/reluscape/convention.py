"""Losses in the convention the user asked for, at the edges only.

Internally every loss is of the sum convention (docs/METHOD.md section 1: the mean loss
1/(2n) sum_i (y_i - f(x_i))^2 + lambda/2 |params|^2 is 1/n times the sum loss with
``lam_sum`` = n lambda, the same minima), so the exact path, ``verify`` and the numerical
tools compute with one formula. What a user sees or reads back is in the problem's
convention: a result document of a ``mean`` run stores every loss divided by n (exactly,
for rational values), and keeps the sum-convention float beside it, labelled
``loss_sum`` (``barrier_sum``, ``height_sum``), so reading it back restores the very
same :class:`reluscape.schema.Result` (:func:`document_from_convention`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from fractions import Fraction
from typing import Any, Protocol


class _Problem(Protocol):
    @property
    def convention(self) -> str: ...

    @property
    def n(self) -> int: ...


def divisor(problem: _Problem) -> int:
    """The number that divides a sum-convention loss into the problem's convention."""
    return problem.n if problem.convention == "mean" else 1


def shown(problem: _Problem, loss: float | None) -> float | None:
    """A sum-convention float loss in the problem's convention (None stays None).

    >>> from types import SimpleNamespace as P
    >>> shown(P(convention="mean", n=20), 2.5), shown(P(convention="sum", n=20), 2.5)
    (0.125, 2.5)
    """
    return None if loss is None else loss / divisor(problem)


def shown_exact(problem: _Problem, loss: Fraction) -> Fraction:
    """A sum-convention exact loss in the problem's convention."""
    return loss / divisor(problem)


def _entries(doc: dict[str, Any]) -> Iterable[dict[str, Any]]:
    """The document's objects that carry a loss: minima, undecided, census points."""
    for key in ("minima", "undecided", "critical_points"):
        entries = doc.get(key)
        if isinstance(entries, list):
            yield from (e for e in entries if isinstance(e, dict))


def _scale_float(entry: dict[str, Any], key: str, n: int, *, out: bool) -> None:
    """Out: ``key`` divided by n, the original kept as ``key_sum``. In: ``key`` restored
    from ``key_sum`` (a document without it: multiplied by n)."""
    labelled = f"{key}_sum"
    if out:
        value = entry.get(key)
        entry[labelled] = value
        if isinstance(value, float):
            entry[key] = value / n
        return
    if labelled in entry:
        entry[key] = entry.pop(labelled)
    elif isinstance(entry.get(key), (int, float)) and not isinstance(entry.get(key), bool):
        entry[key] = entry[key] * n


def _scale_exact(entry: dict[str, Any], key: str, factor: Fraction) -> None:
    """Rational strings (one or a list) multiplied by ``factor``; left as they are if
    malformed, for the validating reader to name."""
    value = entry.get(key)
    try:
        if isinstance(value, list):
            entry[key] = [str(Fraction(v) * factor) for v in value]
        elif isinstance(value, str):
            entry[key] = str(Fraction(value) * factor)
    except (ValueError, TypeError, ZeroDivisionError):
        pass


def _convert(doc: dict[str, Any], n: int, *, out: bool) -> None:
    factor = Fraction(1, n) if out else Fraction(n)
    for entry in _entries(doc):
        _scale_float(entry, "loss", n, out=out)
        _scale_exact(entry, "loss_interval", factor)
        for connection in entry.get("connects") or []:
            if isinstance(connection, dict):
                _scale_float(connection, "barrier", n, out=out)
                _scale_exact(connection, "height", factor)
    gm = doc.get("global_minimum")
    if isinstance(gm, dict):
        _scale_exact(gm, "lower", factor)
        _scale_exact(gm, "upper", factor)
    landscape = doc.get("landscape")
    if isinstance(landscape, dict):
        for edge in landscape.get("edges") or []:
            if isinstance(edge, dict):
                _scale_float(edge, "height", n, out=out)
        for join in landscape.get("joins") or []:
            if isinstance(join, dict):
                _scale_float(join, "height", n, out=out)
                _scale_exact(join, "critical_interval", factor)
                _scale_exact(join, "path_height", factor)
        for lost in landscape.get("lost_paths") or []:
            if isinstance(lost, dict):
                _scale_float(lost, "loss", n, out=out)


def _mean_size(doc: dict[str, Any]) -> int | None:
    """n of a ``mean`` document's problem, None for ``sum`` (or a problem the validating
    reader will refuse)."""
    problem = doc.get("problem")
    if not isinstance(problem, dict) or problem.get("convention") != "mean":
        return None
    y = problem.get("y")
    return len(y) if isinstance(y, list) and y else None


def document_in_convention(doc: dict[str, Any]) -> dict[str, Any]:
    """A result document (sum-convention losses, as :meth:`Result.to_dict` builds it)
    with its losses in the problem's convention. A ``sum`` document is returned as is."""
    n = _mean_size(doc)
    if n is None:
        return doc
    _convert(doc, n, out=True)
    return doc


def document_from_convention(doc: Any) -> Any:
    """The inverse of :func:`document_in_convention`, on a copy: losses of the sum
    convention, as :class:`reluscape.schema.Result` holds them. Anything malformed is
    left for the validating reader to name."""
    if not isinstance(doc, dict) or _mean_size(doc) is None:
        return doc
    doc = copy.deepcopy(doc)
    _convert(doc, _mean_size(doc) or 1, out=False)
    return doc


__all__: list[str] = [
    "divisor",
    "document_from_convention",
    "document_in_convention",
    "shown",
    "shown_exact",
]

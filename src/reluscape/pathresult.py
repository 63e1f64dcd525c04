"""The regularization path document: :class:`PathResult` (docs/METHOD.md section 15).

A path over [lo, hi] records, at every rational sample value of lambda, the minima that
the exact :func:`reluscape.solve` found there (face, dimension, certified loss interval,
the branch it belongs to), and the events between samples: each a certified interval of
lambda in which the minima change, with its kind, and with its minimal polynomial when
the event value is known exactly. ``event_list_complete`` says whether the list is
certified to hold every event (see :attr:`PathResult.routes`); an event list found by
bracketing between samples is not.

Losses and lambda are in the problem's convention. The reader (:meth:`PathResult.
from_dict`) validates like :meth:`reluscape.schema.Result.from_dict`: a bad document is
one :class:`reluscape.schema.MalformedResult` naming the field.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from reluscape.data import Problem, read_text
from reluscape.schema.read import (
    MalformedResult,
    _fail,
    _int,
    _mapping,
    _rational,
    _seq,
    _str,
    _typed,
    load_json,
    problem_from_dict,
)
from reluscape.validation import InputError, check_lambda, write_output

PATH_SCHEMA_VERSION = "path-1"

EVENT_KINDS = ("birth", "death", "wall crossing", "dimension change", "global switch")
"""What happens at an event: a branch starts (a fold, a multiplier or a dead unit's kappa
reaching lambda: a point starts being a minimum) or ends, moves into an adjacent face,
changes dimension, or the global minimum moves to another branch."""

ROUTES = ("exact", "bracket")
"""How an event was found: ``exact``, its value is the only root of its minimal
polynomial in the interval; ``bracket``, the minima differ at the two ends of the
interval (two exact solves), and the event's value inside is not isolated."""


def is_path_document(path: str | Path) -> bool:
    """Whether the file holds a path document (read by ``reluscape verify`` to choose its
    checker); False for anything unreadable, which the result reader then reports."""
    try:
        doc = load_json(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, InputError):
        return False
    return isinstance(doc, dict) and doc.get("schema_version") == PATH_SCHEMA_VERSION


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, f"expected true or false, got {value!r}")
    return value


def _interval(value: Any, where: str) -> tuple[Fraction, Fraction]:
    lo, hi = (_rational(v, where) for v in _seq(value, where, 2))
    if lo > hi:
        raise _fail(where, f"lower end {lo} is above upper end {hi}")
    return lo, hi


@dataclass(frozen=True)
class PathMinimum:
    """One minimum at one sample value of lambda (an orbit representative)."""

    branch: int
    signs: str
    dimension: int
    loss_interval: tuple[Fraction, Fraction]
    is_global: bool

    def __post_init__(self) -> None:
        _int(self.branch, "branch")
        _str(self.signs, "signs")
        _int(self.dimension, "dimension")
        object.__setattr__(self, "loss_interval", _interval(self.loss_interval, "loss_interval"))
        _bool(self.is_global, "is_global")

    def to_dict(self) -> dict[str, Any]:
        return {
            "branch": self.branch,
            "signs": self.signs,
            "dimension": self.dimension,
            "loss_interval": [str(v) for v in self.loss_interval],
            "is_global": self.is_global,
        }


@dataclass(frozen=True)
class Sample:
    """The exact solve at one rational lambda: its minima, and whether it was complete."""

    lam: Fraction
    complete: bool
    minima: tuple[PathMinimum, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "lam", _rational(self.lam, "lam"))
        if self.lam <= 0:
            raise _fail("lam", f"expected lambda > 0, got {self.lam}")
        _bool(self.complete, "complete")
        minima = tuple(
            _typed(m, PathMinimum, f"minima[{k}]")
            for k, m in enumerate(_seq(self.minima, "minima"))
        )
        object.__setattr__(self, "minima", minima)
        branches = [m.branch for m in minima]
        if len(set(branches)) != len(branches):
            raise _fail("minima", "a branch is listed twice")

    def to_dict(self) -> dict[str, Any]:
        return {
            "lam": str(self.lam),
            "complete": self.complete,
            "minima": [m.to_dict() for m in self.minima],
        }


@dataclass(frozen=True)
class Event:
    """A value of lambda where the minima change, inside [lower, upper].

    ``minimal_polynomial`` (integer coefficients, highest degree first) is given for an
    exact event: the value is its only root in [lower, upper]. ``branches`` are the
    branches involved (the one born, died or moved; for a global switch, the old and the
    new global branch)."""

    kind: str
    lower: Fraction
    upper: Fraction
    route: str
    branches: tuple[int, ...]
    detail: str
    minimal_polynomial: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise _fail("kind", f"expected one of {list(EVENT_KINDS)}, got {self.kind!r}")
        lo, hi = _interval([self.lower, self.upper], "lower, upper")
        object.__setattr__(self, "lower", lo)
        object.__setattr__(self, "upper", hi)
        if self.route not in ROUTES:
            raise _fail("route", f"expected one of {list(ROUTES)}, got {self.route!r}")
        branches = tuple(_int(b, "branches") for b in _seq(self.branches, "branches"))
        object.__setattr__(self, "branches", branches)
        _str(self.detail, "detail")
        if self.minimal_polynomial is not None:
            poly = tuple(
                _int(c, "minimal_polynomial", minimum=-(10**4300))
                for c in _seq(self.minimal_polynomial, "minimal_polynomial")
            )
            if len(poly) < 2 or poly[0] == 0:
                raise _fail("minimal_polynomial", "expected a polynomial of degree >= 1")
            object.__setattr__(self, "minimal_polynomial", poly)
        if (self.route == "exact") != (self.minimal_polynomial is not None):
            raise _fail("minimal_polynomial", "an exact event has one, a bracket none")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "lower": str(self.lower),
            "upper": str(self.upper),
            "route": self.route,
            "branches": list(self.branches),
            "detail": self.detail,
            "minimal_polynomial": None
            if self.minimal_polynomial is None
            else list(self.minimal_polynomial),
        }


@dataclass(frozen=True)
class Branch:
    """A branch of minima, as seen at the samples: the faces it passes through (in order
    of lambda), its dimension(s) and its loss interval at each sample where it is."""

    id: int
    faces: tuple[str, ...]
    dimensions: tuple[int, ...]
    lams: tuple[Fraction, ...]
    losses: tuple[tuple[Fraction, Fraction], ...]


@dataclass(frozen=True)
class GlobalSegment:
    """From sample ``lower`` to sample ``upper`` the global minima are on ``branches``
    (several when their losses tie: mirror images, or intervals not yet separated)."""

    lower: Fraction
    upper: Fraction
    branches: tuple[int, ...]


@dataclass(frozen=True)
class Prediction:
    """A minimum the path predicts at a value of lambda: its loss lies in
    ``loss_interval`` (losses are nondecreasing in lambda along a branch); an end is None
    where the branch has no sample on that side."""

    branch: int
    signs: str
    dimension: int
    loss_interval: tuple[Fraction | None, Fraction | None]


@dataclass
class PathResult:
    """The regularization path of a data set over [lo, hi].

    Attributes
    ----------
    problem : Problem
        The data (its ``lam`` is ``lo``).
    lam_range : (Fraction, Fraction)
        [lo, hi], in the problem's convention.
    samples : list of Sample
        The exact solves, by increasing lambda; the two ends are samples.
    events : list of Event
        By increasing lower end.
    routes : list of str
        How the events were found, in words.
    event_list_complete : bool
        True only if the list is certified to hold every event in the range.
    stats : dict
        Solves, seconds.
    """

    problem: Problem
    lam_range: tuple[Fraction, Fraction]
    samples: list[Sample]
    events: list[Event]
    routes: list[str]
    event_list_complete: bool
    stats: dict[str, Any] = field(default_factory=dict)
    schema_version: str = PATH_SCHEMA_VERSION

    def __post_init__(self) -> None:
        if self.schema_version != PATH_SCHEMA_VERSION:
            raise MalformedResult(
                f"unsupported schema_version {self.schema_version!r}; this reluscape reads "
                f"path documents of {PATH_SCHEMA_VERSION!r}"
            )
        if not isinstance(self.problem, Problem):
            self.problem = problem_from_dict(self.problem)
        lo, hi = _interval(self.lam_range, "lam_range")
        self.lam_range = (lo, hi)
        self.samples = [
            _typed(s, Sample, f"samples[{k}]") for k, s in enumerate(_seq(self.samples, "samples"))
        ]
        self.events = [
            _typed(e, Event, f"events[{k}]") for k, e in enumerate(_seq(self.events, "events"))
        ]
        self.routes = [_str(r, f"routes[{k}]") for k, r in enumerate(_seq(self.routes, "routes"))]
        _bool(self.event_list_complete, "event_list_complete")
        self.stats = dict(_mapping(self.stats, "stats"))
        self._check_order()

    def _check_order(self) -> None:
        lams = [s.lam for s in self.samples]
        if not lams or lams[0] != self.lam_range[0] or lams[-1] != self.lam_range[1]:
            raise _fail("samples", "the first and last samples must be the ends of lam_range")
        if any(a >= b for a, b in itertools.pairwise(lams)):
            raise _fail("samples", "expected strictly increasing values of lambda")
        for k, e in enumerate(self.events):
            if not self.lam_range[0] < e.lower or not e.upper < self.lam_range[1]:
                raise _fail(f"events[{k}]", "the interval is not inside lam_range")
            if any(e.lower < lam < e.upper for lam in lams):
                raise _fail(f"events[{k}]", "a sample lies inside the event's interval")
        known = {m.branch for s in self.samples for m in s.minima}
        for k, e in enumerate(self.events):
            unknown = sorted(set(e.branches) - known)
            if unknown:
                raise _fail(f"events[{k}].branches", f"no sample has branches {unknown}")

    # ------------------------------------------------------------------ derived views

    @property
    def complete(self) -> bool:
        """Every solve complete and the event list certified complete."""
        return self.event_list_complete and all(s.complete for s in self.samples)

    @property
    def branches(self) -> list[Branch]:
        """The branches, by id, as seen at the samples."""
        seen: dict[int, list[tuple[Fraction, PathMinimum]]] = {}
        for s in self.samples:
            for m in s.minima:
                seen.setdefault(m.branch, []).append((s.lam, m))
        out = []
        for bid in sorted(seen):
            rows = seen[bid]
            faces: list[str] = []
            dims: list[int] = []
            for _, m in rows:
                if not faces or faces[-1] != m.signs:
                    faces.append(m.signs)
                if not dims or dims[-1] != m.dimension:
                    dims.append(m.dimension)
            out.append(
                Branch(
                    id=bid,
                    faces=tuple(faces),
                    dimensions=tuple(dims),
                    lams=tuple(lam for lam, _ in rows),
                    losses=tuple(m.loss_interval for _, m in rows),
                )
            )
        return out

    @property
    def global_path(self) -> list[GlobalSegment]:
        """Which branch is global, sample to sample (a switch between two samples is a
        ``global switch`` event there)."""
        segments: list[GlobalSegment] = []
        for s in self.samples:
            glob = tuple(sorted(m.branch for m in s.minima if m.is_global))
            if segments and segments[-1].branches == glob:
                segments[-1] = GlobalSegment(segments[-1].lower, s.lam, glob)
            else:
                segments.append(GlobalSegment(s.lam, s.lam, glob))
        return segments

    def at(self, lam: str | int | Fraction) -> list[Prediction]:
        """The minima the path predicts at a rational ``lam`` in the range.

        At a sample, its minima. Between two neighbouring samples (``lam`` in no event's
        interval, so every event between them is exact), the minima of the left sample
        whose branch has no event before ``lam``, and the right sample's entry of each
        branch born or moved by an event before ``lam``. The loss interval runs from the
        branch's loss at its nearest sample before ``lam`` to the one after (a branch's
        loss is nondecreasing in lambda, docs/METHOD.md section 15); an end is None where
        the branch has no sample on that side. Certified only when :attr:`complete`.

        Raises
        ------
        InputError
            If ``lam`` is outside the range or inside an event's interval, where the
            path does not say which minima there are.
        """
        value = check_lambda(lam, "lam")
        lo, hi = self.lam_range
        if not lo <= value <= hi:
            raise InputError(f"lam = {value} is outside the path's range [{lo}, {hi}]")
        for e in self.events:
            if e.lower <= value <= e.upper:
                raise InputError(
                    f"lam = {value} is inside the interval [{e.lower}, {e.upper}] of a "
                    f"{e.kind} event: the path does not predict the minima there"
                )
        k = max(i for i, s in enumerate(self.samples) if s.lam <= value)
        left = self.samples[k]
        if left.lam == value:
            return [
                Prediction(m.branch, m.signs, m.dimension, m.loss_interval) for m in left.minima
            ]
        right = self.samples[k + 1]
        changed = {
            b
            for e in self.events
            if left.lam <= e.lower and e.upper < value
            for b in e.branches
            if e.kind != "global switch"
        }
        entries = [m for m in left.minima if m.branch not in changed]
        entries += [m for m in right.minima if m.branch in changed]
        return [
            Prediction(m.branch, m.signs, m.dimension, self._loss_bounds(m.branch, value))
            for m in entries
        ]

    def _loss_bounds(self, branch: int, value: Fraction) -> tuple[Fraction | None, Fraction | None]:
        """The branch's loss at its nearest samples before and after ``value``."""
        seen = [(s.lam, m) for s in self.samples for m in s.minima if m.branch == branch]
        before = [m.loss_interval[0] for lam, m in seen if lam < value]
        after = [m.loss_interval[1] for lam, m in seen if lam > value]
        return (before[-1] if before else None, after[0] if after else None)

    def to_frame(self) -> Any:
        """pandas DataFrame, one row per (sample, minimum): lam, branch, signs, dimension,
        loss (float), loss_lower, loss_upper (exact), is_global."""
        import pandas as pd  # optional dependency: pip install 'reluscape[pandas]'

        rows = [
            {
                "lam": s.lam,
                "branch": m.branch,
                "signs": m.signs,
                "dimension": m.dimension,
                "loss": float(sum(m.loss_interval) / 2),
                "loss_lower": m.loss_interval[0],
                "loss_upper": m.loss_interval[1],
                "is_global": m.is_global,
            }
            for s in self.samples
            for m in s.minima
        ]
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """A short text: the range, how complete, the events, the branches."""
        lo, hi = self.lam_range
        lines = [
            f"path over lambda in [{lo}, {hi}] ({self.problem.convention} convention), "
            f"L = {self.problem.hidden}: {len(self.samples)} samples (exact minima), "
            f"{len(self.branches)} branches, {len(self.events)} events",
            "event list: "
            + ("certified complete" if self.event_list_complete else "NOT certified complete")
            + "; "
            + "; ".join(self.routes),
        ]
        if not all(s.complete for s in self.samples):
            lines.append("some solves are incomplete (undecided faces or candidates)")
        lines.append("  events (lambda interval, kind, route, branches):")
        for e in self.events:
            lines.append(
                f"    [{float(e.lower):.6g}, {float(e.upper):.6g}]  {e.kind:<16} {e.route:<7} "
                f"{', '.join(str(b) for b in e.branches)}  {e.detail}"
            )
        lines.append("  branches (id, dimension, faces, lambda seen, loss at the ends):")
        for b in self.branches:
            lines.append(
                f"    {b.id:>3}  {'/'.join(map(str, b.dimensions)):<3} {' -> '.join(b.faces)}  "
                f"[{float(b.lams[0]):.4g}, {float(b.lams[-1]):.4g}]  "
                f"{float(b.losses[0][0]):.8g} .. {float(b.losses[-1][0]):.8g}"
            )
        segs = ", ".join(
            f"{'+'.join(map(str, g.branches)) or 'none'} on [{float(g.lower):.4g}, "
            f"{float(g.upper):.4g}]"
            for g in self.global_path
        )
        lines.append(f"  global minimum: {segs}")
        return "\n".join(lines)

    # ------------------------------------------------------------------ the document

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": self.schema_version,
            "problem": self.problem.describe(),
            "lam_range": [str(v) for v in self.lam_range],
            "samples": [s.to_dict() for s in self.samples],
            "events": [e.to_dict() for e in self.events],
            "routes": list(self.routes),
            "event_list_complete": self.event_list_complete,
            "stats": dict(self.stats),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PathResult:
        """Validate a path document (a parsed JSON object).

        Raises
        ------
        MalformedResult
            If the document does not follow the schema; the message names the field.
        """
        d = _mapping(d, "document")
        if d.get("schema_version") != PATH_SCHEMA_VERSION:
            raise MalformedResult(
                f"not a reluscape path document: schema_version {d.get('schema_version')!r}, "
                f"expected {PATH_SCHEMA_VERSION!r}"
            )
        known = {f for f in cls.__dataclass_fields__}
        unknown = sorted(set(d) - known)
        if unknown:
            raise _fail("document", f"unknown fields {unknown}")
        missing = [
            k
            for k in ("problem", "lam_range", "samples", "events", "routes", "event_list_complete")
            if k not in d
        ]
        if missing:
            raise _fail("document", f"missing field {missing[0]!r}")
        return cls(**dict(d))

    @classmethod
    def from_json(cls, text: str) -> PathResult:
        return cls.from_dict(load_json(text))

    @classmethod
    def read(cls, path: str | Path) -> PathResult:
        """Read and validate a path document; errors name the file and the field."""
        p = Path(path)
        text = read_text(p, kind="path document", expected="a JSON file")
        try:
            return cls.from_json(text)
        except MalformedResult as exc:
            raise MalformedResult(f"{p}: {exc}") from None

    def save(self, path: str | Path) -> Path:
        """Write the JSON document (atomically, as every output of reluscape)."""
        return write_output(path, self.to_json() + "\n", name="path document")

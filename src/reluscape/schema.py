"""Result schema: plain data another program can read, versioned, round-tripping exactly.

A :class:`Result` has ``problem`` (the exact input), ``minima`` (one entry per symmetry
orbit of local minima), ``undecided`` (candidates no exact test could settle, with the
reason) and ``stats`` (counts, rejections by reason, timings, versions). ``to_json`` /
``from_json`` round-trip exactly: exact values are stored as strings ("p/q"), floats
only where they are labelled as approximations.

Schema of one minimum (``schema_version`` "1"):

- ``id``, ``dimension`` (0 isolated point, k > 0 a k-dimensional set), ``loss`` (float),
  ``loss_interval`` (certified, exact rational endpoints as strings), ``loss_exact``
  (``{"polynomial": ..., "variable": "z"}``: a polynomial over Q with the loss as a root
  in ``loss_interval``) when computed;
- ``is_global``; ``face``: per unit its sign vector (``"+0-"``), kind and span basis K
  (theta_l = K t_l); ``activation``: per unit s_li = 1 iff theta_l . xt_i > 0;
- ``point``: ``a``, ``B``, ``c`` as floats (a sample point for positive-dimensional sets),
  ``rational`` approximations of the coordinates (a, t) at ``precision_bits``, and the
  certified ``box`` (exact rational interval endpoints);
- ``system``: the variables and generators of the zero-dimensional system whose real
  solution in ``box`` is the point; ``component``: for positive-dimensional sets, the
  generators of the prime ideal (in the t variables) of the set's Zariski closure;
- ``verdict``: ``is_minimum``, ``decided_by``, ``detail``; ``orbit_size``: number of
  images of the point (of the set, for dimension >= 1) under permutations of the hidden
  units; each image is also a local minimum.

Coordinates: on a face, unit l has variables ``a{l}`` (output weight) and ``t{l}_{j}``
(j < dim F_l) with theta_l = (B_l, c_l) = sum_j t{l}_{j} * ``face[l]["basis"][j]``; a unit
whose face ``kind`` is ``"origin"`` has theta_l = 0 and a_l = 0 and no variables
(``kind`` is ``"chamber"``, ``"boundary"`` or ``"origin"``). A system may have one more
variable ``z`` = 1 / (a_1 ... a_L), or 1 / (a_1 ... a_L det(Omega^T Omega + lambda I))
when a was eliminated. Polynomials are written in Sage's syntax (``^`` for powers,
rational coefficients as ``5/4*t0_0``); a component's ``variables`` are the t-variables
of its live units. ``problem["data"]`` is the path as given to the run; ``problem["X"]``
and ``problem["y"]`` hold the data exactly.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = "1"


@dataclass
class Minimum:
    """One local minimum (an orbit representative) or one undecided candidate."""

    id: int
    dimension: int
    loss: float
    loss_interval: list[str]
    is_global: bool
    face: list[dict[str, Any]]
    activation: list[list[int]]
    point: dict[str, Any]
    system: dict[str, Any]
    verdict: dict[str, Any]
    orbit_size: int
    component: dict[str, Any] | None = None
    loss_exact: dict[str, Any] | None = None


@dataclass
class Result:
    """Every local minimum of the RR-MSE of a data set, with how they were found.

    Attributes
    ----------
    problem : dict
        The exact input (see :meth:`reluscape.data.Problem.describe`).
    minima : list of Minimum
        One entry per orbit of local minima under unit permutation, by increasing loss.
    undecided : list of Minimum
        Candidates whose local minimality no exact test settled (``verdict.detail`` says
        why); a complete enumeration has none.
    stats : dict
        Faces, orbits, systems solved, candidates, rejections by reason, timings,
        versions, and ``complete`` (every face enumerated and every candidate decided).
    """

    problem: dict[str, Any]
    minima: list[Minimum]
    undecided: list[Minimum] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    schema_version: str = SCHEMA_VERSION

    @property
    def complete(self) -> bool:
        return bool(self.stats.get("complete", False))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        return {"schema_version": d.pop("schema_version"), **d}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Result:
        version = d.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(
                f"unsupported result schema_version {version!r}; this reluscape reads "
                f"{SCHEMA_VERSION!r}"
            )
        return cls(
            problem=d["problem"],
            minima=[Minimum(**m) for m in d["minima"]],
            undecided=[Minimum(**m) for m in d.get("undecided", [])],
            stats=d.get("stats", {}),
        )

    @classmethod
    def from_json(cls, text: str) -> Result:
        return cls.from_dict(json.loads(text))

    def save(self, path: str | Path) -> None:
        """Write the JSON document atomically (a partial file is never left behind)."""
        p = Path(path)
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(self.to_json() + "\n", encoding="utf-8")
        tmp.replace(p)

    def counts_by_dimension(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for m in self.minima:
            out[m.dimension] = out.get(m.dimension, 0) + 1
        return dict(sorted(out.items()))

    def summary(self) -> str:
        """Human-readable table of the minima."""
        p = self.problem
        lines = [
            f"reluscape: L = {p['hidden']}, lambda = {p['lam']} ({p['convention']} convention), "
            f"n = {p['n']}, d = {p['d']}",
            f"{len(self.minima)} local minima up to unit permutation "
            + ", ".join(f"{c} of dimension {k}" for k, c in self.counts_by_dimension().items()),
            "",
            f"{'#':>3} {'loss':>14} {'dim':>3} {'global':>6} {'orbit':>5}  {'face':<24} decided by",
        ]
        for m in self.minima:
            face = " | ".join(f["signs"] for f in m.face)
            lines.append(
                f"{m.id:>3} {m.loss:>14.10f} {m.dimension:>3} {'yes' if m.is_global else '':>6} "
                f"{m.orbit_size:>5}  {face:<24} {m.verdict['decided_by']}"
            )
        if self.undecided:
            lines += ["", f"{len(self.undecided)} candidates undecided:"]
            for m in self.undecided:
                face = " | ".join(f["signs"] for f in m.face)
                lines.append(f"    loss {m.loss:.10f}  {face}: {m.verdict['detail']}")
        s = self.stats
        lines += [
            "",
            f"faces {s.get('faces')}, orbits processed {s.get('orbits')}, candidates "
            f"{s.get('candidates')}, rejected {sum(s.get('rejected', {}).values())}, "
            f"time {s.get('timings', {}).get('total', 0):.1f} s"
            + ("" if self.complete else "  [INCOMPLETE: see undecided]"),
        ]
        return "\n".join(lines)

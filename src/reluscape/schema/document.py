"""The document types of a result: a :class:`Result` and its parts, each validating its
fields in its constructor (the document itself is described in :mod:`reluscape.schema`).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reluscape import network
from reluscape.convention import document_in_convention
from reluscape.data import Problem, read_text
from reluscape.exact import verdicts
from reluscape.schema import frames, render
from reluscape.schema.read import (
    MalformedResult,
    _fail,
    _int,
    _mapping,
    _optional_float,
    _rational,
    _seq,
    _str,
    _typed,
    load_json,
    problem_from_dict,
    result_fields,
)
from reluscape.validation import write_output

if TYPE_CHECKING:
    import numpy as np

SCHEMA_VERSION = "1"
FACE_KINDS = ("chamber", "boundary", "origin")
DECIDED_BY = verdicts.MINIMUM_TESTS


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


def _array(values: Sequence[Any]) -> np.ndarray:
    """Floats of a point (a tuple, or a tuple of rows) as a new array, None as NaN."""
    import numpy as np  # here: reading a result does not load NumPy

    return np.array(values, dtype=float)


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

    def __repr__(self) -> str:
        """Short, as scikit-learn's estimators (:func:`reluscape.schema.render.minimum_repr`):
        the fields a reader scans for; ``loss`` is the attribute's, the sum convention's."""
        return render.minimum_repr(self)

    @property
    def a_array(self) -> np.ndarray:
        """The point's output weights a, shape (L,), as a new float array (NaN where a
        value overflows a float); the document keeps ``point.a``."""
        return _array(self.point.a)

    @property
    def B_array(self) -> np.ndarray:
        """The point's input weights B, shape (L, d), as a new float array (NaN where a
        value overflows a float); the document keeps ``point.B``."""
        return _array(self.point.B)

    @property
    def c_array(self) -> np.ndarray:
        """The point's biases c, shape (L,), as a new float array (NaN where a value
        overflows a float); the document keeps ``point.c``."""
        return _array(self.point.c)

    def predict(self, X: object) -> np.ndarray:
        """The network's output f(x) = sum_l a_l ReLU(B_l . x + c_l) at this minimum, for
        each row x of ``X`` (shape (m, d); for d = 1 also m numbers), in floats.

        The network has no output bias: the loss fits the centered outcomes y - mean(y)
        (docs/METHOD.md section 1), so a prediction of y is mean(y) + f(x), which
        :meth:`Result.predict` returns. For a set of minima (``dimension`` >= 1) this is
        the output at the recorded point, one member of the set: the document records a
        set by the equations of its closure (``component``), not by a parametrisation
        (:class:`reluscape.numerical.components.ComponentGeometry` samples others).

        Raises
        ------
        ValueError
            If ``X`` has the wrong shape or is not finite, or the point's parameters
            overflow a float.

        Examples
        --------
        >>> import reluscape
        >>> m = reluscape.solve([[0], [1]], ["1", "0"], hidden=1, lam="1/10").minima[0]
        >>> bool(abs(m.predict([[0.0]])[0] - m.a_array[0] * max(m.c_array[0], 0)) < 1e-12)
        True
        """
        a, B, c = self.a_array, self.B_array, self.c_array
        d = B.shape[1]
        try:
            a, B, c = network.parameters(a, B, c, hidden=len(self.face), d=d)
        except ValueError:
            raise ValueError(
                f"minimum {self.id}: its parameters overflow a float; use its exact point "
                "(point.rational, point.box)"
            ) from None
        return network.output(a, B, c, network.inputs(X, d))

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

    def __repr__(self) -> str:
        """Short, as a :class:`Minimum`'s (:func:`reluscape.schema.render.critical_point_repr`)."""
        return render.critical_point_repr(self)

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
        return cls(**result_fields(d))

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

    def summary(self) -> str:
        """Human-readable table of the minima."""
        return render.summary(self)

    def __repr__(self) -> str:
        """Short, as SciPy's ``OptimizeResult``: counts, the lowest minimum, the census
        and the landscape in a few lines (the full table is :meth:`summary`)."""
        return render.result_repr(self)

    def _repr_html_(self) -> str:
        """A notebook shows a result as its table of minima, the certified global
        interval, the census and the landscape's joins."""
        return render.html_table(self)

    def to_frame(self, exact: bool = False) -> Any:
        """The minima as a tidy pandas DataFrame indexed by ``id``, one row per minimum
        (pandas is optional: ``pip install 'reluscape[pandas]'``).

        Columns (:data:`reluscape.schema.frames.MINIMA_COLUMNS`): ``loss`` (float, in
        the problem's convention), ``loss_lower`` and ``loss_upper`` (the certified
        interval as floats rounded outward), ``dimension``, ``is_global`` and
        ``spurious`` (nullable booleans, NA in an incomplete run), ``orbit_size``,
        ``face`` (short codes, :func:`reluscape.schema.render.face_code`),
        ``decided_by``; with ``exact``, also ``loss_lower_exact`` and
        ``loss_upper_exact``, the certified interval's ends as Fractions.

        Raises
        ------
        ImportError
            If pandas is not installed, with the command that installs it.
        """
        return frames.minima_frame(self, exact)

    def critical_points_frame(self, exact: bool = False) -> Any:
        """The census as a tidy DataFrame, one row per critical point
        (:func:`reluscape.schema.frames.critical_points_frame`); a ValueError without one."""
        return frames.critical_points_frame(self, exact)

    def landscape_frame(self) -> Any:
        """The landscape's edges as a tidy DataFrame, one row per pair of minima a census
        point connects (:func:`reluscape.schema.frames.landscape_frame`); a ValueError
        without a landscape."""
        return frames.landscape_frame(self)

    def predict(self, X: object, minimum: int = 1) -> np.ndarray:
        """Predictions of y, mean(y) + f(x), of the network at the minimum with id
        ``minimum`` (the lowest by default; :meth:`Minimum.predict` gives f alone), for
        each row x of ``X``, in floats.

        Raises
        ------
        ValueError
            If there is no minimum ``minimum``, or as :meth:`Minimum.predict`.
        """
        chosen = [m for m in self.minima if m.id == minimum]
        if not chosen:
            ids = f"the ids are 1 to {len(self.minima)}" if self.minima else "it has none"
            raise ValueError(f"no minimum with id {minimum!r}: {ids}")
        mean = sum(self.problem.y, Fraction(0)) / self.problem.n
        return chosen[0].predict(X) + float(mean)

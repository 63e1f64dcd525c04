"""Data sets for studies: seeded generators of the common shapes, and CSV files.

Every data set is exact: inputs and outcomes are rationals with small denominators
(tenths), because the exact path's cost grows with the bit size of the data
(docs/METHOD.md section 3: every system is built from the sample Gram matrices). A data
set has a ``name`` that says how to make it again, so a table row names its data and
:func:`from_name` rebuilds it:

- ``random:n=8:d=1:seed=3`` (:func:`random`): inputs and outcomes drawn uniformly from
  the tenths in [-2, 2];
- ``teacher:n=8:d=1:hidden=2:noise=0:seed=3`` (:func:`teacher`): outcomes of a ReLU
  network with ``hidden`` units and small rational weights, plus optional noise;
- ``curve:n=8:shape=sine:noise=0:seed=3`` (:func:`curve`): a one-dimensional regression
  shape (``sine``, ``step``, ``abs``, ``linear``) on seeded inputs;
- ``csv:PATH`` (:func:`csv`): a data file, read by the validating reader of
  :mod:`reluscape.data` (a folder of them: :func:`folder`).

:func:`expand` turns a specification with ranges (``random:n=4..12:d=1``, seeds
``0..2`` or a list ``n=4,8``) into the list of data sets, as ``reluscape study --data``
does.

Examples
--------
>>> ds = random(n=4, d=1, seed=3)
>>> ds.name, ds.n, ds.d
('random:n=4:d=1:seed=3', 4, 1)
>>> from_name(ds.name) == ds
True
>>> [s.name for s in expand("random:n=4..5:d=1", seeds=2)]
['random:n=4:d=1:seed=0', 'random:n=4:d=1:seed=1', 'random:n=5:d=1:seed=0', 'random:n=5:d=1:seed=1']
"""

from __future__ import annotations

import itertools
import math
import random as _random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from reluscape.data import Problem, make_problem, read_csv
from reluscape.validation import InputError, check_int, parse_rational

__all__ = ["Dataset", "csv", "curve", "expand", "folder", "from_name", "random", "teacher"]

GRID = 10
"""Denominator of generated numbers: tenths keep the exact path's numbers small."""

SPAN = 2
"""Generated inputs and outcomes lie in [-SPAN, SPAN]."""

SHAPES = ("sine", "step", "abs", "linear")

MAX_SAMPLES = 100_000
"""Largest n a generator makes: a bound on the memory of a mistyped size, far above what
the exact path can solve."""


@dataclass(frozen=True)
class Dataset:
    """Exact data with the name that makes it again (:func:`from_name`).

    Attributes
    ----------
    name : str
        The specification: ``generator:key=value:...`` or ``csv:PATH``.
    X : tuple of tuple of Fraction
        Inputs, n rows of d entries.
    y : tuple of Fraction
        Outcomes.
    """

    name: str
    X: tuple[tuple[Fraction, ...], ...]
    y: tuple[Fraction, ...]

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def d(self) -> int:
        return len(self.X[0])

    @property
    def seed(self) -> int | None:
        """The generator's seed, None for a file."""
        params = _params(self.name)
        return int(params["seed"]) if "seed" in params else None

    def problem(
        self, *, hidden: int, lam: str | int | Fraction | float, convention: str = "sum"
    ) -> Problem:
        """The validated problem of this data with ``hidden`` units and ridge ``lam``."""
        return make_problem(
            self.X, self.y, hidden=hidden, lam=lam, convention=convention, source=self.name
        )


def _tenths(rng: _random.Random, count: int) -> list[Fraction]:
    """``count`` numbers drawn uniformly from the tenths in [-SPAN, SPAN]."""
    return [Fraction(rng.randint(-SPAN * GRID, SPAN * GRID), GRID) for _ in range(count)]


def _inputs(rng: _random.Random, n: int, d: int) -> list[list[Fraction]]:
    """n distinct input rows of tenths: a repeated input adds nothing but a weight and
    makes the arrangement degenerate, so a 1-D set has n different points."""
    cells = (2 * SPAN * GRID + 1) ** d
    if n > cells:
        raise InputError(f"n = {n} distinct inputs do not fit on the grid of tenths in d = {d}")
    rows: list[list[Fraction]] = []
    seen: set[tuple[Fraction, ...]] = set()
    while len(rows) < n:
        row = _tenths(rng, d)
        if tuple(row) not in seen:
            seen.add(tuple(row))
            rows.append(row)
    return rows


def _check_size(n: object, d: object) -> tuple[int, int]:
    n_ = check_int(n, "n (number of samples)", min_val=2)
    if n_ > MAX_SAMPLES:
        raise InputError(f"n (number of samples) must be at most {MAX_SAMPLES}, got {n!r}")
    return n_, check_int(d, "d (input dimension)", min_val=1)


def _noisy(clean: list[Fraction], amplitude: Fraction, stream: str) -> list[Fraction]:
    """``clean`` plus ``amplitude`` times numbers from the tenths in [-1, 1], drawn from
    their own seeded stream: the same inputs and teacher at every noise level, so a study
    over the noise changes the outcomes only."""
    rng = _random.Random(f"{stream}:noise")
    return [v + amplitude * Fraction(rng.randint(-GRID, GRID), GRID) for v in clean]


def _amplitude(noise: object) -> Fraction:
    q = parse_rational(noise, what="noise")
    if q < 0:
        raise InputError(f"noise must be >= 0, got {noise!r}")
    return q


def _freeze(name: str, X: Sequence[Sequence[Fraction]], y: Sequence[Fraction]) -> Dataset:
    return Dataset(name=name, X=tuple(tuple(row) for row in X), y=tuple(y))


def random(n: int = 8, d: int = 1, seed: int = 0) -> Dataset:
    """Inputs (distinct) and outcomes drawn uniformly from the tenths in [-2, 2].

    >>> random(n=3, seed=0).y
    (Fraction(-3, 5), Fraction(-9, 10), Fraction(1, 2))
    """
    n_, d_ = _check_size(n, d)
    seed_ = check_int(seed, "seed", min_val=0)
    rng = _random.Random(f"random:{n_}:{d_}:{seed_}")
    X = _inputs(rng, n_, d_)
    return _freeze(f"random:n={n_}:d={d_}:seed={seed_}", X, _tenths(rng, n_))


def teacher(
    n: int = 8, d: int = 1, hidden: int = 2, noise: object = 0, seed: int = 0
) -> Dataset:
    """Outcomes of a teacher network: f(x) = sum_l a_l ReLU(B_l x + c_l) on random inputs.

    The teacher's weights are tenths in [-2, 2] (a_l away from 0), so the outcomes are
    exact with denominators 1000; ``noise`` (a rational >= 0) adds ``noise`` times tenths
    in [-1, 1]. A study of teachers asks whether the teacher's minimum is the global one.

    >>> t = teacher(n=3, hidden=1, seed=0)
    >>> t.name, t.n
    ('teacher:n=3:d=1:hidden=1:noise=0:seed=0', 3)
    """
    n_, d_ = _check_size(n, d)
    width = check_int(hidden, "teacher hidden units", min_val=1)
    amplitude = _amplitude(noise)
    seed_ = check_int(seed, "seed", min_val=0)
    rng = _random.Random(f"teacher:{n_}:{d_}:{width}:{seed_}")
    X = _inputs(rng, n_, d_)
    units = [(_nonzero(rng), _tenths(rng, d_), _tenths(rng, 1)[0]) for _ in range(width)]
    clean = [sum((a * _relu(B, c, row) for a, B, c in units), Fraction(0)) for row in X]
    y = _noisy(clean, amplitude, f"teacher:{n_}:{d_}:{width}:{seed_}")
    return _freeze(f"teacher:n={n_}:d={d_}:hidden={width}:noise={amplitude}:seed={seed_}", X, y)


def _relu(B: list[Fraction], c: Fraction, x: list[Fraction]) -> Fraction:
    return max(Fraction(0), sum((b * v for b, v in zip(B, x, strict=True)), c))


def _nonzero(rng: _random.Random) -> Fraction:
    """An output weight in the tenths of [-2, -1/2] or [1/2, 2]: a unit that shows."""
    magnitude = Fraction(rng.randint(GRID // 2, SPAN * GRID), GRID)
    return magnitude if rng.random() < 0.5 else -magnitude


_CURVES: dict[str, Callable[[float], float]] = {
    "sine": lambda x: math.sin(math.pi * x / SPAN),
    "step": lambda x: 1.0 if x >= 0 else -1.0,
    "abs": lambda x: abs(x) - 1.0,
    "linear": lambda x: x / SPAN,
}


def curve(n: int = 8, shape: str = "sine", noise: object = 0, seed: int = 0) -> Dataset:
    """A 1-D regression shape on n distinct seeded inputs in [-2, 2], outcomes in tenths.

    ``shape``: ``sine`` (one period of sin over [-2, 2]), ``step`` (the sign of x),
    ``abs`` (|x| - 1) or ``linear`` (x / 2). The outcome is the shape's value rounded to
    tenths (the rounding is part of the data set, the same on every machine: the float
    value is far from the midpoint between two tenths except at the rare tie, which
    Python rounds half to even), plus ``noise`` times tenths in [-1, 1].

    >>> c = curve(n=4, shape="step", seed=1)
    >>> [str(row[0]) for row in c.X], [str(v) for v in c.y]
    (['1/10', '9/5', '13/10', '-3/5'], ['1', '1', '1', '-1'])
    """
    n_, _ = _check_size(n, 1)
    if shape not in SHAPES:
        raise InputError(f"shape must be one of {', '.join(SHAPES)}, got {shape!r}")
    amplitude = _amplitude(noise)
    seed_ = check_int(seed, "seed", min_val=0)
    rng = _random.Random(f"curve:{n_}:{shape}:{seed_}")
    X = _inputs(rng, n_, 1)
    clean = [Fraction(round(_CURVES[shape](float(row[0])) * GRID), GRID) for row in X]
    y = _noisy(clean, amplitude, f"curve:{n_}:{shape}:{seed_}")
    return _freeze(f"curve:n={n_}:shape={shape}:noise={amplitude}:seed={seed_}", X, y)


def csv(path: str | Path) -> Dataset:
    """A data file, read and validated by :func:`reluscape.data.read_csv` and
    :func:`reluscape.data.make_problem` (the one reader of data files)."""
    X, y = read_csv(path)
    checked = make_problem(X, y, hidden=1, lam=1)  # validation only: numbers, shape, n >= 2
    return Dataset(name=f"csv:{path}", X=checked.X, y=checked.y)


def folder(path: str | Path) -> list[Dataset]:
    """Every ``*.csv`` file of a directory, in name order (:func:`csv`)."""
    p = Path(path)
    if not p.is_dir():
        raise InputError(f"data folder not found or not a directory: {p}")
    files = sorted(f for f in p.glob("*.csv") if f.is_file())
    if not files:
        raise InputError(f"data folder {p} holds no .csv file")
    return [csv(f) for f in files]


GENERATORS: dict[str, Callable[..., Dataset]] = {
    "random": random,
    "teacher": teacher,
    "curve": curve,
}

_KEYS = {"random": ("n", "d", "seed"), "teacher": ("n", "d", "hidden", "noise", "seed"),
         "curve": ("n", "shape", "noise", "seed")}


def _params(name: str) -> dict[str, str]:
    """The ``key=value`` parts of a generator name (none for ``csv:``)."""
    kind, _, rest = name.partition(":")
    if kind not in GENERATORS or not rest:
        return {}
    params: dict[str, str] = {}
    for part in rest.split(":"):
        key, eq, value = part.partition("=")
        if not eq or not key or not value:
            raise InputError(f"data spec {name!r}: expected key=value, got {part!r}")
        if key not in _KEYS[kind]:
            allowed = ", ".join(_KEYS[kind])
            raise InputError(f"data spec {name!r}: unknown key {key!r} for {kind} ({allowed})")
        if key in params:
            raise InputError(f"data spec {name!r}: key {key!r} given twice")
        params[key] = value
    return params


def _values(spec: str, key: str, text: str) -> list[str]:
    """A value, a list ``4,8,12`` or an integer range ``4..12`` (both ends included)."""
    out: list[str] = []
    for item in text.split(","):
        low, dots, high = item.partition("..")
        if not dots:
            out.append(item)
            continue
        lo = check_int(low, f"data spec {spec!r}: start of range {key}={item}", min_val=0)
        hi = check_int(high, f"data spec {spec!r}: end of range {key}={item}", min_val=lo)
        out.extend(str(v) for v in range(lo, hi + 1))
    return out


def expand(spec: str, *, seeds: int | None = None) -> list[Dataset]:
    """The data sets of a specification: a generator with ranges or lists of values, a
    CSV file or a folder of CSV files.

    ``seeds``: a generator spec without ``seed=`` gets seeds 0 .. seeds - 1 (default one
    seed, 0); a spec with ``seed=`` keeps its own. Runs come in the order of the keys,
    the last varying fastest.

    >>> [d.name for d in expand("curve:n=4:shape=sine,step:seed=0")]
    ['curve:n=4:shape=sine:noise=0:seed=0', 'curve:n=4:shape=step:noise=0:seed=0']
    >>> try:
    ...     expand("random:n=4:m=2")
    ... except InputError as exc:
    ...     print(exc)
    data spec 'random:n=4:m=2': unknown key 'm' for random (n, d, seed)
    """
    if not isinstance(spec, str) or not spec.strip():
        raise InputError(f"a data spec must be a non-empty text, got {spec!r}")
    kind, colon, _ = spec.partition(":")
    if kind == "csv" and colon:
        target = Path(spec[4:])
        return folder(target) if target.is_dir() else [csv(target)]
    if kind not in GENERATORS:
        target = Path(spec)
        if target.is_dir():
            return folder(target)
        if target.is_file():
            return [csv(target)]
        kinds = ", ".join(f"{k}:..." for k in GENERATORS)
        raise InputError(
            f"data spec {spec!r} is neither a generator ({kinds}, csv:PATH) nor an existing "
            "file or folder"
        )
    params = _params(spec)
    if "seed" not in params:
        count = 1 if seeds is None else check_int(seeds, "number of seeds", min_val=1)
        params["seed"] = f"0..{count - 1}"
    keys = [k for k in _KEYS[kind] if k in params]
    choices = [_values(spec, k, params[k]) for k in keys]
    return [
        GENERATORS[kind](**dict(zip(keys, combo, strict=True)))
        for combo in itertools.product(*choices)
    ]


def from_name(name: str) -> Dataset:
    """The data set a :attr:`Dataset.name` names (the inverse of the name)."""
    found = expand(name)
    if len(found) != 1:
        raise InputError(f"data name {name!r} names {len(found)} data sets, not one")
    return found[0]

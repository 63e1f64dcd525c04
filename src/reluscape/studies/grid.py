"""The grid of a study: a mapping of lists, as scikit-learn's ``ParameterGrid``, read into
the list of runs (every combination of a data set, L, lambda and convention).

Examples
--------
>>> from reluscape.datasets import random
>>> runs = runs_of({"data": [random(n=4, seed=0), "random:n=5:seed=0"], "hidden": [1, 2],
...                 "lam": "1/10"})
>>> for r in runs[:3]:
...     print(r.data.name, r.hidden, r.lam, r.convention)
random:n=4:d=1:seed=0 1 1/10 sum
random:n=4:d=1:seed=0 2 1/10 sum
random:n=5:d=1:seed=0 1 1/10 sum
>>> len(runs)
4
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from reluscape.data import CONVENTIONS, Problem, make_problem
from reluscape.datasets import Dataset, expand
from reluscape.validation import InputError, check_choice, check_int, check_lambda

GRID_KEYS = ("data", "hidden", "lam", "convention")
"""The keys of a grid, in the order runs vary (the last fastest)."""

REQUIRED = ("data", "hidden", "lam")


@dataclass(frozen=True)
class Run:
    """One run of a study: a data set, the number of hidden units L, lambda, a convention."""

    data: Dataset
    hidden: int
    lam: Fraction
    convention: str = "sum"
    starts: int = 0
    """Multistart training runs whose basins the run also measures (0: none)."""
    convex: bool = False
    """Whether the run also computes the convex bound p*."""

    def problem(self) -> Problem:
        return self.data.problem(hidden=self.hidden, lam=self.lam, convention=self.convention)

    def params(self) -> dict[str, Any]:
        """The run's parameters as table columns (lambda exact as text, and as a float to
        plot against)."""
        return {
            "data": self.data.name,
            "n": self.data.n,
            "d": self.data.d,
            "seed": self.data.seed,
            "hidden": self.hidden,
            "lam": str(self.lam),
            "lam_float": float(self.lam),
            "convention": self.convention,
        }


def _listed(grid: Mapping[str, Any], key: str) -> list[Any]:
    """The values of ``key``: a list or tuple, or one value (not for ``data``, where a
    tuple ``(X, y)`` would be ambiguous)."""
    value = grid[key]
    if isinstance(value, list | tuple | range):
        values = list(value)
    elif key == "data":
        raise InputError(
            "grid['data'] must be a list (of data sets, specs, CSV paths or (X, y) pairs), "
            f"got {type(value).__name__}"
        )
    else:
        values = [value]
    if not values:
        raise InputError(f"grid[{key!r}] is empty: a study needs at least one value")
    return values


def _datasets(entries: Sequence[Any]) -> list[Dataset]:
    out: list[Dataset] = []
    for k, entry in enumerate(entries):
        if isinstance(entry, Dataset):
            out.append(entry)
        elif isinstance(entry, str | Path):
            out.extend(expand(str(entry)))
        elif isinstance(entry, tuple) and len(entry) == 2:
            checked = make_problem(entry[0], entry[1], hidden=1, lam=1)  # validation only
            out.append(Dataset(name=f"arrays:{k}", X=checked.X, y=checked.y))
        else:
            raise InputError(
                f"grid['data'][{k}] must be a Dataset, a spec or CSV path, or an (X, y) "
                f"pair, got {type(entry).__name__}"
            )
    names = [d.name for d in out]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InputError(f"grid['data'] names a data set more than once: {repeated[0]}")
    return out


def runs_of(grid: Mapping[str, Any]) -> list[Run]:
    """Every run of ``grid``, validated (each value by :mod:`reluscape.validation`).

    Raises
    ------
    InputError
        On an unknown or missing key, an empty list, a bad value (named by its key and
        position) or a data set named twice.
    """
    if not isinstance(grid, Mapping):
        raise InputError(f"a study grid must be a mapping of lists, got {type(grid).__name__}")
    unknown = sorted(set(grid) - set(GRID_KEYS))
    if unknown:
        raise InputError(f"unknown grid key {unknown[0]!r}; the keys are {', '.join(GRID_KEYS)}")
    missing = [k for k in REQUIRED if k not in grid]
    if missing:
        raise InputError(f"the grid has no {missing[0]!r}; required: {', '.join(REQUIRED)}")
    data = _datasets(_listed(grid, "data"))
    hidden = [
        check_int(v, f"grid['hidden'][{k}] (hidden units L)", min_val=1)
        for k, v in enumerate(_listed(grid, "hidden"))
    ]
    lams = [check_lambda(v, f"grid['lam'][{k}]") for k, v in enumerate(_listed(grid, "lam"))]
    conventions = [
        check_choice(v, f"grid['convention'][{k}]", CONVENTIONS)
        for k, v in enumerate(_listed(grid, "convention") if "convention" in grid else ["sum"])
    ]
    for key, values in (("hidden", hidden), ("lam", lams), ("convention", conventions)):
        if len(set(values)) != len(values):
            raise InputError(f"grid[{key!r}] lists a value more than once")
    return [
        Run(data=ds, hidden=L, lam=lam, convention=conv)
        for ds, L, lam, conv in itertools.product(data, hidden, lams, conventions)
    ]

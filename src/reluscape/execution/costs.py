"""What a run will cost: estimated wall time and peak memory before any work.

``solve`` processes one orbit of product faces after another; the cost of an orbit
depends mostly on L (the size of the face systems) and d. ``bench/orbit_costs.py``
measures it on seeded cases and writes the table this module reads (``costs.json``,
shipped with the package):

- seconds per orbit by (L, d), one process; for an L beyond the table, the largest
  measured L's cost times its growth per added unit (at least 1); the cost is never taken
  lower than that of a smaller L, so the estimate grows with L as the orbits do with n
  and L; for a d beyond the narrow rows, their cost times the growth in d measured on wide
  data at the smallest L (a power of d between measured d, the last power beyond: 5 x
  3,000 data, whose faces each take seconds, are not estimated at the cost of d = 2);
- peak memory: a process's base plus bytes per orbit (the records kept until the merge),
  plus a base per worker process when ``jobs > 1``.

The wall time divides the work by ``jobs``. It is an estimate from one machine (recorded
in the table), for planning and for the refusal limit (:data:`reluscape.defaults.
HOURS_LIMIT`), never a promise.

Examples
--------
>>> table = {"seconds_per_orbit": {"1,1": {"seconds_per_orbit": 0.01},
...                                "2,1": {"seconds_per_orbit": 0.02}},
...          "memory": {"base_bytes": 1e8, "bytes_per_orbit": 1000.0}}
>>> e = estimate_cost(1000, hidden=3, d=1, table=table)
>>> round(e.seconds, 6), e.measured, round(e.peak_bytes)
(40.0, False, 101000000)
>>> estimate_cost(1000, hidden=2, d=1, jobs=2, table=table).seconds
10.0
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["COSTS", "Estimate", "estimate_cost", "load_costs"]

COSTS = Path(__file__).with_name("costs.json")


@dataclass(frozen=True)
class Estimate:
    """Estimated wall seconds and peak bytes of a run (``inf`` beyond a float), the
    seconds per orbit used, and whether that (L, d) was measured or extrapolated."""

    seconds: float
    peak_bytes: float
    seconds_per_orbit: float
    measured: bool

    @property
    def hours(self) -> float:
        return self.seconds / 3600

    def text(self) -> str:
        """The estimate for people: wall time and peak memory.

        >>> Estimate(5400.0, 3 * 2**30, 0.02, True).text()
        'estimated wall time 1.5 h, peak memory 3.0 GiB (20 ms per orbit, measured at this L and d)'
        """
        how = "measured at this L and d" if self.measured else "extrapolated from smaller L or d"
        return (
            f"estimated wall time {_duration(self.seconds)}, peak memory "
            f"{_size(self.peak_bytes)} ({1000 * self.seconds_per_orbit:.3g} ms per orbit, {how})"
        )


def _duration(seconds: float) -> str:
    """A duration in s, min or h.

    >>> _duration(42.0), _duration(5400.0), _duration(3.6e9), _duration(math.inf)
    ('42 s', '1.5 h', 'about 1.0e+06 h', 'more than 1e+300 h')
    """
    if math.isinf(seconds):
        return "more than 1e+300 h"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min" if seconds < 3600 else f"{seconds / 3600:.1f} h"
    hours = seconds / 3600
    return f"{hours:.1f} h" if hours < 1e5 else f"about {hours:.1e} h"


def _size(nbytes: float) -> str:
    """A memory size in MiB or GiB.

    >>> _size(5e8), _size(3 * 2**40), _size(math.inf)
    ('477 MiB', '3072.0 GiB', 'more than 1e+300 bytes')
    """
    if math.isinf(nbytes):
        return "more than 1e+300 bytes"
    if nbytes < 2**30:
        return f"{nbytes / 2**20:.0f} MiB"
    gib = nbytes / 2**30
    return f"{gib:.1f} GiB" if gib < 1e5 else f"about {gib:.1e} GiB"


@functools.lru_cache(maxsize=1)
def load_costs(path: Path = COSTS) -> dict[str, Any]:
    """The table of ``bench/orbit_costs.py`` (module docstring)."""
    table: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return table


def _per_orbit(table: dict[str, Any], hidden: int, d: int) -> tuple[float, bool]:
    """Seconds per orbit at (L, d) and whether it was measured (module docstring)."""
    by_key: dict[tuple[int, int], float] = {}
    for key, row in table["seconds_per_orbit"].items():
        units, dd = (int(v) for v in key.split(","))
        by_key[units, dd] = float(row["seconds_per_orbit"])
    if (hidden, d) in by_key:
        return max(c for (units, dd), c in by_key.items() if dd == d and units <= hidden), True
    base_d = _base_d(by_key, d)
    per_l = _per_orbit_in_l({units: c for (units, dd), c in by_key.items() if dd == base_d}, hidden)
    return per_l * _growth_in_d(by_key, base_d, d), False


def _base_d(by_key: dict[tuple[int, int], float], d: int) -> int:
    """The d whose row of costs over L is used: the largest d <= ``d`` measured at more than
    one L (the narrow data), else the smallest measured d."""
    full = sorted({dd for _, dd in by_key if sum(1 for _, e in by_key if e == dd) > 1})
    dims = full or sorted({dd for _, dd in by_key})
    return max([dd for dd in dims if dd <= d], default=dims[0])


def _per_orbit_in_l(costs: dict[int, float], hidden: int) -> float:
    """The cost at L = ``hidden`` from one d's costs by L: never cheaper than a smaller L,
    beyond the table the largest L's cost times its growth per added unit (at least 1)."""
    known = sorted(costs)
    running = {}  # never cheaper than a smaller L: monotone in L
    best = 0.0
    for units in known:
        best = max(best, costs[units])
        running[units] = best
    if hidden in running:
        return running[hidden]
    if hidden < known[0]:
        return running[known[0]]
    top = max(units for units in known if units < hidden)
    growth = 1.0
    if len(known) >= 2:
        step = known[-1] - known[-2]
        growth = max(1.0, running[known[-1]] / running[known[-2]]) ** (1 / step)
    return running[top] * growth ** (hidden - top)


def _growth_in_d(by_key: dict[tuple[int, int], float], base_d: int, d: int) -> float:
    """How much more an orbit costs at ``d`` than at ``base_d``: from the costs measured
    over d at the smallest L (wide data, bench/orbit_costs.py), interpolated as a power of
    d between measured d and extrapolated beyond the largest with the power of the last
    two (the face systems' forms grow like d^2); 1 when no wider d was measured.

    >>> rows = {(1, 2): 1.0, (1, 10): 2.0, (1, 100): 20.0, (2, 2): 3.0}
    >>> _growth_in_d(rows, 2, 2), _growth_in_d(rows, 2, 100), round(_growth_in_d(rows, 2, 1000))
    (1.0, 20.0, 200)
    """
    smallest = min(units for units, _ in by_key)
    curve = sorted((dd, c) for (units, dd), c in by_key.items() if units == smallest)
    if d <= base_d or len(curve) < 2 or curve[-1][0] <= base_d:
        return 1.0

    def at(x: int) -> float:
        lo = max([p for p in curve if p[0] <= x], default=curve[0])
        hi = min([p for p in curve if p[0] >= x], default=curve[-1])
        if lo == hi:
            if x <= curve[-1][0]:
                return lo[1]
            lo, hi = curve[-2], curve[-1]
        power = math.log(hi[1] / lo[1]) / math.log(hi[0] / lo[0])
        return lo[1] * (x / lo[0]) ** max(0.0, power)

    return max(1.0, at(d) / at(base_d))


def estimate_cost(
    orbits: int, *, hidden: int, d: int, jobs: int = 1, table: dict[str, Any] | None = None
) -> Estimate:
    """The estimated cost of processing ``orbits`` orbits of product faces of L =
    ``hidden`` units on d inputs with ``jobs`` processes (module docstring)."""
    table = load_costs() if table is None else table
    per_orbit, measured = _per_orbit(table, hidden, d)
    memory = table["memory"]
    try:
        count = float(orbits)
    except OverflowError:
        count = math.inf
    seconds = count * per_orbit / max(1, jobs)
    workers = 0 if jobs <= 1 else jobs
    peak = float(memory["base_bytes"]) * (1 + workers) + count * float(memory["bytes_per_orbit"])
    return Estimate(seconds, peak, per_orbit, measured)

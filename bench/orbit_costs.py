"""Benchmark: the cost of one orbit of product faces by L and d, the table behind
``solve --dry-run``'s estimate of wall time and peak memory (issue 29).

For each case (L, n, d), a child process builds bench/run.py's seeded data set
(:func:`run.dataset`, seed 0), runs :func:`reluscape.execution.pipeline.solve` with one
job and no face limit (every face in that process, one after the other), after a tiny
warm-up run that loads the algebra stack, and reports its wall time, the orbits processed
and its peak resident memory. The table keeps, per (L, d),
the seconds per orbit of the case measured there (the largest n when several are) and,
over all cases, a fit of peak memory = base + bytes per orbit x orbits.

The rows and the table are written to ``bench/results/orbit_costs.json``; the table alone
to ``src/reluscape/execution/costs.json``, which the package ships and
:mod:`reluscape.execution.costs` reads. The machine may be shared: the times are wall
times of one process, so a loaded machine gives a pessimistic table.

Usage::

    python bench/orbit_costs.py            # the default cases (a few minutes)
    python bench/orbit_costs.py --only 2,8,1
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ROOT, _commit, machine

# The last three are wide data (n < d): the cost per orbit grows with d there (the face
# systems' Gram forms), and costs.py extrapolates in d from them (issue 31 item 15).
CASES = [(1, 30, 1), (2, 8, 1), (3, 5, 1), (1, 12, 2), (2, 5, 2), (1, 5, 30), (1, 5, 100),
         (1, 5, 300)]  # fmt: skip
RESULTS = ROOT / "bench" / "results" / "orbit_costs.json"
PACKAGE_TABLE = ROOT / "src" / "reluscape" / "execution" / "costs.json"
LAM = "1/10"

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {bench!r})
from run import dataset
from reluscape.data import make_problem
from reluscape.execution.pipeline import solve
rows = dataset({n}, {d}, 0)
problem = make_problem([r[:-1] for r in rows], [r[-1] for r in rows], hidden={hidden}, lam={lam!r})
solve(make_problem([[0] * {d}, [1] * {d}], [0, 1], hidden=1, lam=1), face_timeout=None)  # warm-up
start = time.perf_counter()
result = solve(problem, face_timeout=None, jobs=1)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"seconds": seconds, "orbits": result.stats["orbits"], "peak_bytes": peak}}))
"""


def measure(hidden: int, n: int, d: int) -> dict:
    """One case in a child process: wall seconds, orbits and peak memory of its solve."""
    code = CHILD.format(bench=str(ROOT / "bench"), n=n, d=d, hidden=hidden, lam=LAM)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row.update(hidden=hidden, n=n, d=d, seconds_per_orbit=row["seconds"] / row["orbits"])
    return row


def table(rows: list[dict]) -> dict:
    """Seconds per orbit by (L, d) (the largest n measured), and the memory fit."""
    per: dict[str, dict] = {}
    for row in sorted(rows, key=lambda r: (r["hidden"], r["d"], r["n"])):
        per[f"{row['hidden']},{row['d']}"] = {
            "seconds_per_orbit": row["seconds_per_orbit"], "n": row["n"]
        }  # fmt: skip
    orbits = [r["orbits"] for r in rows]
    peaks = [r["peak_bytes"] for r in rows]
    mean_o, mean_p = sum(orbits) / len(orbits), sum(peaks) / len(peaks)
    var = sum((o - mean_o) ** 2 for o in orbits)
    slope = sum((o - mean_o) * (p - mean_p) for o, p in zip(orbits, peaks, strict=True)) / var
    slope = max(0.0, slope)
    base = max(p - slope * o for o, p in zip(orbits, peaks, strict=True))
    return {
        "seconds_per_orbit": per,
        "memory": {"base_bytes": base, "bytes_per_orbit": slope},
        "commit": _commit(),
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", metavar="L,n,d", help="measure this case only; keep the others")
    args = parser.parse_args()
    cases = [tuple(int(v) for v in args.only.split(","))] if args.only else CASES
    rows = json.loads(RESULTS.read_text())["rows"] if args.only and RESULTS.exists() else []
    for hidden, n, d in cases:
        row = measure(hidden, n, d)
        rows = [r for r in rows if (r["hidden"], r["n"], r["d"]) != (hidden, n, d)] + [row]
        print(f"L={hidden} n={n} d={d}: {row['orbits']} orbits, {row['seconds']:.1f} s, "
              f"{1000 * row['seconds_per_orbit']:.1f} ms/orbit, "
              f"peak {row['peak_bytes'] / 2**20:.0f} MiB", flush=True)  # fmt: skip
    costs = table(rows)
    RESULTS.write_text(json.dumps({"rows": rows, "table": costs}, indent=1) + "\n")
    PACKAGE_TABLE.write_text(json.dumps(costs, indent=1) + "\n")


if __name__ == "__main__":
    main()

"""Benchmark: wall time and peak memory of whole certified-global-minimum runs.

Each case runs :func:`reluscape.global_search.global_minimum` in a separate Python process
(start-up, the arrangement, the search, the exact path and its Dask workers all counted);
the peak resident set is the largest sum over that process tree, sampled with psutil every
0.2 s. A case over ``--timeout`` is stopped and recorded as unfinished. The table is
printed; after every case its row replaces the row of the same case in ``--out`` (default
``bench/results/global.json``; the other rows are kept) and is appended to
``bench/results/history.jsonl`` (grid ``global``, with the commit), with the machine
description and its load (the machine may be shared: say so with --note).

Usage::

    python bench/global_bench.py                       # the issue's three target cases
    python bench/global_bench.py --only 2,50,1 --timeout 300
    python bench/global_bench.py --solvers 200       # direct CLARABEL against cvxpy
    python bench/global_bench.py --data tests/data/diabetes_bmi.csv --hidden 2,3 \
        --time-limit 600 --out bench/results/global_diabetes.json   # real data (issue 32)
    python bench/global_bench.py --only 2,5000,1 --run-dataset \
        --out bench/results/global_diabetes.json    # bench/run.py's seeded data (issue 32)

With ``--data`` the cases are that file at each ``--hidden`` (``n`` and ``d`` read from
it, the file named in the row); with ``--run-dataset`` the seeded data are
``bench/run.py``'s (seed 0) instead of this script's; ``--time-limit`` is the search's own limit
(:func:`~reluscape.global_search.global_minimum`), after which the run writes the
certified interval it has: an unfinished row with its interval is a result.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from run import _commit as commit  # noqa: E402  (bench/run.py, the benchmarks' one commit label)

TARGETS = [  # (L, n, d, minutes allowed by the issue)
    (2, 200, 1, 10),
    (3, 50, 1, 30),
    (2, 50, 2, 30),
]
LAM = "1"

CHILD = """
import json, sys, time
from reluscape.data import load_problem
from reluscape.global_search import global_minimum
t0 = time.perf_counter()
p = load_problem(sys.argv[1], hidden=int(sys.argv[2]), lam=sys.argv[3])
limit = float(sys.argv[5]) if len(sys.argv) > 5 else None
r = global_minimum(p, jobs=int(sys.argv[4]), time_limit=limit)
g = r.global_minimum
out = {"certified": g.certified, "stopped": r.stats.get("stopped"),
       "lower": float(g.lower), "upper": float(g.upper),
       "width": float(g.upper - g.lower), "pieces": g.pieces, "pruned": g.pruned,
       "solved": g.solved, "exact_faces": g.exact_faces, "minimizers": len(r.minima),
       "directions": r.stats["directions"], "timings": r.stats["timings"]}
print("RESULT " + json.dumps(out))
"""


HISTORY = ROOT / "bench" / "results" / "history.jsonl"


def dataset(n: int, d: int, seed: int = 0) -> list[list[str]]:
    """Seeded rational data: distinct x on a 1/1000 grid in [-2, 2]^d, y a smooth function
    plus noise on a 1/100 grid (the network has something to fit)."""
    rng = random.Random(f"{seed}:{n}:{d}")
    rows: set[tuple[int, ...]] = set()
    while len(rows) < n:
        rows.add(tuple(rng.randint(-2000, 2000) for _ in range(d)))
    out = []
    for r in sorted(rows):
        s = sum(v for v in r) / 1000
        y = round(100 * (abs(s) - 0.5 * max(s, 0) ** 2 + rng.gauss(0, 0.2)))
        out.append([str(Fraction(v, 1000)) for v in r] + [str(Fraction(y, 100))])
    return out


def _tree_rss(proc: psutil.Process) -> int:
    try:
        members = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for m in members:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += m.memory_info().rss
    return total


def run_case(
    hidden: int,
    n: int,
    d: int,
    jobs: int,
    timeout: float,
    source: Path | None = None,
    time_limit: float | None = None,
    run_dataset: bool = False,
) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data = source or Path(tmp) / "data.csv"
        if source is None:
            rows = _run_dataset(n, d) if run_dataset else dataset(n, d)
            data.write_text("\n".join(",".join(r) for r in rows) + "\n")
        cmd = [sys.executable, "-c", CHILD, str(data), str(hidden), LAM, str(jobs)]
        if time_limit is not None:
            cmd.append(str(time_limit))
        start = time.perf_counter()
        child = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        proc = psutil.Process(child.pid)
        peak = 0
        finished = True
        while child.poll() is None:
            peak = max(peak, _tree_rss(proc))
            if time.perf_counter() - start > timeout:
                finished = False
                os.killpg(child.pid, 9)  # the child's own session: it and its workers only
                break
            time.sleep(0.2)
        out, err = child.communicate()
        wall = time.perf_counter() - start
    row = {
        "hidden": hidden, "n": n, "d": d, "lam": LAM, "jobs": jobs, "finished": finished,
        "wall_seconds": round(wall, 1), "peak_rss_mib": round(peak / 2**20, 1),
    }  # fmt: skip
    if source is not None:
        row["data"] = source.name
    elif run_dataset:
        row["data"] = "bench/run.py dataset, seed 0"
    if time_limit is not None:
        row["time_limit"] = time_limit
    lines = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
    if lines:
        row.update(json.loads(lines[-1][len("RESULT ") :]))
    elif finished:
        row["error"] = err.strip().splitlines()[-1:] or ["no output"]
    return row


def _run_dataset(n: int, d: int) -> list[list[str]]:
    """bench/run.py's seeded data (x on a 1/10 grid, y uniform on a 1/10 grid), seed 0."""
    from run import dataset as run_data

    return run_data(n, d, seed=0)


def _key(row: dict) -> tuple:
    """Rows of one case: replaced, not duplicated, when the case runs again."""
    return (row["hidden"], row["n"], row["d"], row.get("data"), row.get("time_limit"))


def _shape(path: Path) -> tuple[int, int]:
    """(n, d) of a data file: its rows but a header, its columns but y."""
    from reluscape.data import load_problem

    problem = load_problem(path, hidden=1, lam=LAM)
    return problem.n, problem.d


def machine(note: str) -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average_at_start": os.getloadavg(),
        "note": note,
    }


def table(rows: list[dict]) -> str:
    head = f"{'L':>2} {'n':>4} {'d':>2} {'wall s':>8} {'MiB':>7} {'cert':>5} {'pieces':>8} "
    head += f"{'pruned':>8} {'solved':>7} {'faces':>6}  value"
    lines = [head]
    for r in rows:
        value = f"[{r['lower']:.10g}, {r['upper']:.10g}]" if "lower" in r else r.get("error", "")
        wall = f"{r['wall_seconds']:.1f}" + ("" if r["finished"] else "+")
        lines.append(
            f"{r['hidden']:>2} {r['n']:>4} {r['d']:>2} {wall:>8} {r['peak_rss_mib']:>7.0f} "
            f"{r.get('certified', '-')!s:>5} {r.get('pieces', '-'):>8} "
            f"{r.get('pruned', '-'):>8} {r.get('solved', '-'):>7} {r.get('exact_faces', '-'):>6}"
            f"  {value}"
        )
    return "\n".join(lines)


def solver_timing(hidden: int, n: int, d: int, pieces: int) -> dict:
    """Seconds per piece program: CLARABEL called on the reduced form (what the search
    uses) against the same program stated in cvxpy, on the first ``pieces`` pieces of a
    case, and the largest difference of their optimal values."""
    import itertools

    from reluscape.data import make_problem
    from reluscape.exact.arrangement import cached_arrangement
    from reluscape.numerical.convex import PiecePrograms

    rows = dataset(n, d)
    problem = make_problem([r[:-1] for r in rows], [r[-1] for r in rows], hidden=hidden, lam=LAM)
    pairs = [(c.signs, e) for c in cached_arrangement(problem).chambers for e in (1, -1)]
    programs = PiecePrograms(problem, pairs)
    chosen = list(itertools.islice(
        itertools.combinations_with_replacement(range(len(pairs)), hidden), pieces
    ))  # fmt: skip
    out: dict = {"hidden": hidden, "n": n, "d": d, "pieces": len(chosen)}
    values = {}
    for name, solve in (("direct", programs.solve), ("cvxpy", programs.solve_cvxpy)):
        t0 = time.perf_counter()
        values[name] = [solve(list(piece)).value for piece in chosen]
        out[f"{name}_ms_per_piece"] = round(1000 * (time.perf_counter() - t0) / len(chosen), 2)
    out["max_value_difference"] = max(
        abs(a - b) for a, b in zip(values["direct"], values["cvxpy"], strict=True)
    )
    out["speedup"] = round(out["cvxpy_ms_per_piece"] / out["direct_ms_per_piece"], 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="one case L,n,d (default: the three targets)")
    parser.add_argument("--data", type=Path, help="instead: this CSV file at each --hidden")
    parser.add_argument("--hidden", default="2", help="with --data: L values, e.g. 2,3")
    parser.add_argument("--time-limit", type=float, help="the search's limit (seconds)")
    parser.add_argument(
        "--run-dataset", action="store_true", help="seeded data from bench/run.py (seed 0)"
    )
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per case")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "global.json"))
    parser.add_argument(
        "--note",
        default="machine shared with other helpers' test and benchmark runs (2 cores); "
        "wall times are upper estimates",
    )
    parser.add_argument(
        "--solvers",
        type=int,
        metavar="K",
        help="instead: time K piece programs, direct CLARABEL against cvxpy, per target case",
    )
    args = parser.parse_args()
    if args.solvers:
        doc = {"machine": machine(args.note), "rows": []}
        for hidden, n, d, _ in TARGETS:
            doc["rows"].append(solver_timing(hidden, n, d, args.solvers))
            print(json.dumps(doc["rows"][-1]), flush=True)
        path = Path(args.out).with_name("global_solvers.json")
        path.write_text(json.dumps(doc, indent=2) + "\n")
        print(f"written {path}")
        return
    cases = [tuple(int(v) for v in args.only.split(","))] if args.only else [c[:3] for c in TARGETS]
    if args.data:
        n, d = _shape(args.data)
        cases = [(int(h), n, d) for h in args.hidden.split(",")]
    out = Path(args.out)
    doc = {"machine": machine(args.note), "targets_minutes": TARGETS, "rows": []}
    if out.exists():  # the rows of other cases stay; each case's row is replaced
        doc["rows"] = json.loads(out.read_text())["rows"]
    run_id = time.strftime("%Y-%m-%dT%H:%M:%S")
    for hidden, n, d in cases:
        row = run_case(
            hidden, n, d, args.jobs, args.timeout, args.data, args.time_limit, args.run_dataset
        )
        row.update(commit=commit(), date=time.strftime("%Y-%m-%d"), load=os.getloadavg())
        doc["rows"] = [r for r in doc["rows"] if _key(r) != _key(row)] + [row]
        doc["machine"]["load_average_at_end"] = os.getloadavg()
        out.write_text(json.dumps(doc, indent=2) + "\n")
        entry = {"run": run_id, "grid": "global", "machine": machine(args.note), **row}
        with HISTORY.open("a", encoding="utf-8") as sink:
            sink.write(json.dumps(entry) + "\n")
        print(table([row]), flush=True)
    print(table(doc["rows"]))


if __name__ == "__main__":
    main()

"""Benchmark: the README's worked example on real data (issue 32): the best 2-, 3- and
4-unit ReLU fit of BMI to disease progression (tests/data/diabetes_bmi.csv, n = 442,
d = 1, lambda = 1), with a proof.

Each row is two child processes, each in its own session and stopped (with its workers)
after ``--timeout`` seconds:

1. ``reluscape global DATA --hidden L --lam 1 --jobs 2 --out G.json`` (with
   ``--time-limit`` where given: L = 4, whose search is not finished in minutes; the row
   then carries the certified interval the run wrote);
2. the multistart and convex stages of ``reluscape compare DATA --hidden L --lam 1
   --result G.json --starts K``, the same library calls
   (:func:`reluscape.numerical.search.multistart` with seed 0, the best converged loss;
   :func:`reluscape.numerical.convex_bound.convex_bound`, p*;
   :func:`reluscape.numerical.compare.global_comparison` on the global result). The
   command's other stages (Adam and matching every run to a minimum) are left out.
   K = 20 (``STARTS``) was chosen when start 20 stalled in its probe at psi = 0 (every
   chamber of both units' arrangements descended in); since the probe is bounded
   (numerical/search.py, MAX_PROBE_PATTERNS) the whole command with 100 starts at L = 2
   takes about 4 minutes (Adam 82 s, p* 117 s at load ~10); the rows have not been
   re-measured with more starts.

Each row is written to bench/results/diabetes_example.json (and its text table) as soon
as it ends, and appended to bench/results/history.jsonl (grid "diabetes_example"); then
README's ``bench:diabetes`` block is regenerated from the JSON.

Usage::

    python bench/diabetes_example.py                  # L = 2, 3 and 4 (about 8 minutes)
    python bench/diabetes_example.py --only 2         # one row (the others are kept)
    python bench/diabetes_example.py --readme         # only rewrite README's block
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from run import HISTORY, ROOT, _commit, machine, update_readme

DATA = "tests/data/diabetes_bmi.csv"
LAM = "1"
STARTS = 20
JOBS = 2
# (L, the search's --time-limit in seconds or None, the row's timeout in seconds)
ROWS = [(2, None, 300.0), (3, None, 400.0), (4, 240.0, 420.0)]
OUT = ROOT / "bench" / "results" / "diabetes_example.json"
DECIMALS = 6

COMPARE_CHILD = """
import json, math, sys
from reluscape.data import load_problem
from reluscape.numerical.compare import global_comparison, load_result
from reluscape.numerical.convex_bound import convex_bound
from reluscape.numerical.search import multistart
p = load_problem(sys.argv[1], hidden=int(sys.argv[2]), lam=sys.argv[3])
result = load_result(sys.argv[4], p)
runs = multistart(p, starts=int(sys.argv[5]), seed=0)
best = min((r.loss for r in runs if r.converged), default=math.nan)
cv = convex_bound(p)
out = {"comparison": global_comparison(result, best, cv["p_star"]),
       "converged": sum(r.converged for r in runs), "convex_solver": cv["solver"],
       "patterns": cv["patterns"], "neurons_needed": cv["neurons_needed"]}
print("RESULT " + json.dumps(out))
"""


def run_child(cmd: list[str], timeout: float) -> tuple[int | None, float, str, str]:
    """Run ``cmd`` in its own session; past ``timeout`` s kill that session (the child and
    its Dask workers, nothing else). Exit code (None if killed), wall s, stdout, stderr."""
    start = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True)  # fmt: skip
    try:
        out, err = child.communicate(timeout=timeout)
        code: int | None = child.returncode
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, 9)
        out, err = child.communicate()
        code = None
    return code, round(time.perf_counter() - start, 1), out, err


def measure_row(hidden: int, time_limit: float | None, timeout: float, starts: int) -> dict:
    """One row: the global run, then multistart and p* against its result."""
    reluscape = str(Path(sys.executable).with_name("reluscape"))
    load = [round(v, 2) for v in os.getloadavg()]
    row: dict = {"hidden": hidden, "starts": starts, "time_limit": time_limit,
                 "timeout": timeout, "load_before": load}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / "global.json"
        cmd = [reluscape, "global", DATA, "--hidden", str(hidden), "--lam", LAM, "--jobs",
               str(JOBS), "--quiet", "--out", str(doc)]  # fmt: skip
        if time_limit is not None:
            cmd += ["--time-limit", str(time_limit)]
        row["command"] = " ".join(["reluscape", *cmd[1:-2], "--out", "global.json"])
        code, wall, _, err = run_child(cmd, timeout)
        row.update({"global_exit": code, "global_wall_s": wall})
        if not doc.exists():
            row["error"] = err.strip().splitlines()[-1:] or ["no result written"]
            return row
        g = json.loads(doc.read_text())["global_minimum"]
        row.update({k: g[k] for k in ("certified", "pieces", "pruned", "solved", "exact_faces")})
        row["lower_exact"], row["upper_exact"] = g["lower"], g["upper"]
        cmd = [sys.executable, "-c", COMPARE_CHILD, DATA, str(hidden), LAM, str(doc), str(starts)]
        code, wall, out, err = run_child(cmd, timeout)
    row.update({"compare_exit": code, "compare_wall_s": wall})
    lines = [ln for ln in out.splitlines() if ln.startswith("RESULT ")]
    if not lines:
        row["error"] = err.strip().splitlines()[-1:] or ["no output"]
        return row
    row.update(json.loads(lines[-1][len("RESULT ") :]))
    row["load_after"] = [round(v, 2) for v in os.getloadavg()]
    return row


def measure(cases: list[tuple[int, float | None, float]], starts: int) -> dict:
    """Every case in turn, each row written to OUT as soon as it ends; rows of other L
    already in OUT are kept."""
    old = json.loads(OUT.read_text())["rows"] if OUT.exists() else []
    report = {"machine": machine(), "data": DATA, "lam": LAM, "jobs": JOBS,
              "run": time.strftime("%Y-%m-%dT%H:%M:%S"), "niceness": os.nice(0),
              "rows": [r for r in old if r["hidden"] not in {c[0] for c in cases}]}  # fmt: skip
    for hidden, time_limit, timeout in cases:
        row = {"commit": _commit(), "date": time.strftime("%Y-%m-%d"),
               **measure_row(hidden, time_limit, timeout, starts)}  # fmt: skip
        report["rows"] = sorted([*report["rows"], row], key=lambda r: r["hidden"])
        write(report)
        append_history(report, row)
        print(format_row(row), flush=True)
    return report


def append_history(report: dict, row: dict, path: Path = HISTORY) -> None:
    entry = {"run": report["run"], "grid": "diabetes_example", "machine": report["machine"],
             "data": DATA, "lam": LAM, **row}  # fmt: skip
    with path.open("a", encoding="utf-8") as sink:
        sink.write(json.dumps(entry) + "\n")


def _decimal(value: Fraction, rounding: str) -> str:
    """``value`` to DECIMALS places: rounded down, up or to nearest (a certified interval
    is widened outward, so its printed ends still hold)."""
    scaled = value * 10**DECIMALS
    whole = {"down": math.floor, "up": math.ceil, "nearest": round}[rounding](scaled)
    units, places = divmod(abs(whole), 10**DECIMALS)
    return f"{'-' if whole < 0 else ''}{units}.{places:0{DECIMALS}d}"


def value_text(row: dict) -> str:
    """The certified global minimum, or the certified interval of a stopped search."""
    if "lower_exact" not in row:
        return f"no result ({'; '.join(row.get('error', []))})"
    lower, upper = Fraction(row["lower_exact"]), Fraction(row["upper_exact"])
    if row["certified"]:
        return _decimal(upper, "nearest")
    why = f"--time-limit {row['time_limit']:g}" if row["time_limit"] else "stopped"
    return f"[{_decimal(lower, 'down')}, {_decimal(upper, 'up')}] ({why})"


def _float(row: dict, key: str) -> str:
    c = row.get("comparison")
    if c is None:
        return f"stopped at {row['timeout']:g} s" if row.get("compare_exit", 0) is None else ""
    return f"{c[key]:.{DECIMALS}f}"


def format_row(row: dict) -> str:
    return (f"L = {row['hidden']}: {value_text(row)}  multistart {_float(row, 'multistart_best')}"
            f"  p* {_float(row, 'convex_p_star')}  global {row['global_wall_s']} s (exit "
            f"{row['global_exit']})  multistart + p* {row.get('compare_wall_s', '-')} s  "
            f"{row['commit']}")  # fmt: skip


def write(report: dict) -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    m = report["machine"]
    head = (f"# {DATA}, lambda = {LAM}, {m['cpus']} CPUs, Python {m['python']} "
            f"(bench/diabetes_example.py)")  # fmt: skip
    OUT.with_suffix(".txt").write_text("\n".join([head, *map(format_row, report["rows"])]) + "\n")


def readme_block(report: dict) -> str:
    """README's worked example: the command and the table, from the JSON only."""
    rows = report["rows"]
    starts = sorted({r["starts"] for r in rows})
    three = next((r for r in rows if r["hidden"] == 3), rows[0])
    lines = [
        "```bash",
        three["command"],
        f"reluscape compare {DATA} --hidden {three['hidden']} --lam {LAM} --result global.json "
        f"--starts {three['starts']}",
        "```",
        "",
        f"| L | certified global minimum | multistart best ({'/'.join(map(str, starts))} "
        "starts) | convex bound p* | wall s: global; multistart + p* | commit, date |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        wall = f"{r['global_wall_s']:.0f}; {r.get('compare_wall_s', 0):.0f}"
        cells = [str(r["hidden"]), value_text(r), _float(r, "multistart_best"),
                 _float(r, "convex_p_star"), wall, f"{r['commit']}, {r['date']}"]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    m = report["machine"]
    lines += ["", f"Sum convention; a certified value rounded to {DECIMALS} decimals, an "
              f"interval's exact ends rounded outward; multistart: the best converged "
              f"L-BFGS-B run from seeded starts (seed 0); p*: the convex reformulation "
              f"(numerical, a solver's tolerance). {m['cpus']} CPUs shared with other work, "
              f"`--jobs {JOBS}`; rows from `python bench/diabetes_example.py` "
              f"(`bench/results/diabetes_example.json`)."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--only", type=int, action="append", help="this L only (repeatable)")
    ap.add_argument("--starts", type=int, default=STARTS, help=f"multistart runs ({STARTS})")
    ap.add_argument("--readme", action="store_true", help="only rewrite README's block")
    args = ap.parse_args()
    if args.readme:
        report = json.loads(OUT.read_text())
    else:
        cases = [c for c in ROWS if args.only is None or c[0] in args.only]
        report = measure(cases, args.starts)
    block = readme_block(report)
    update_readme("diabetes", block)
    print(block)
    return 0 if all("error" not in r for r in report["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())

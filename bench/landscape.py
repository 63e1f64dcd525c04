"""Benchmark: the landscape (``solve --census``) against the plain solve (issue 27).

For each case, seeded data from bench/run.py's ``dataset`` are solved by a whole
``reluscape solve --census`` process; the result's ``stats.timings`` give the enumeration
(``total`` minus ``landscape``) and the landscape (descents, paths, joins) apart, so their
ratio is measured in one run (the machine is shared: ratios, not absolute times, are what
compare). Each row also records the census's kinks and transition states, the joins and
how many are certified minimax barriers, and lost paths (a bug if any). Rows are written
as they finish to bench/results/landscape.json and its text table and appended to
bench/results/history.jsonl (grid "landscape").

Usage::

    python bench/landscape.py                 # every case (about an hour on 2 cores)
    python bench/landscape.py --only L2n8     # the cases whose name contains the string
    python bench/landscape.py --readme        # only rewrite README's block from the JSON
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import HISTORY, ROOT, _commit, dataset, machine, update_readme

OUT = ROOT / "bench" / "results" / "landscape.json"
# (name, L, n, d, lambda): issue 27's cases.
CASES = (
    ("L2n8d1", 2, 8, 1, "1/10"),
    ("L2n20d1", 2, 20, 1, "1/10"),
    ("L3n8d1", 3, 8, 1, "1/10"),
    ("L2n8d2", 2, 8, 2, "1/10"),
)
TIMEOUT = 3600.0


def run_case(name: str, hidden: int, n: int, d: int, lam: str, work: Path) -> dict:
    data = work / f"{name}.csv"
    data.write_text("\n".join(",".join(r) for r in dataset(n, d, seed=0)) + "\n")
    out = work / f"{name}.json"
    cmd = [sys.executable, "-m", "reluscape", "solve", str(data), "--hidden", str(hidden),
           "--lam", lam, "--census", "--quiet", "--out", str(out)]  # fmt: skip
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    wall = time.perf_counter() - start
    row: dict = {"case": name, "L": hidden, "n": n, "d": d, "lam": lam, "exit": proc.returncode,
                 "wall_s": round(wall, 1), "load_before": round(load, 2)}  # fmt: skip
    if not out.exists():
        row["error"] = proc.stderr.strip().splitlines()[-1:] or ["no result"]
        return row
    doc = json.loads(out.read_text())
    timings = doc["stats"]["timings"]
    landscape = doc.get("landscape") or {}
    joins = landscape.get("joins") or []
    points = doc.get("critical_points") or []
    row.update(
        solve_s=round(timings["total"] - timings.get("landscape", 0.0), 1),
        landscape_s=round(timings.get("landscape", 0.0), 1),
        minima=len(doc["minima"]),
        kinks=sum(1 for p in points if p["kind"] == "kink"),
        transition_states=sum(1 for p in points if p["kind"] == "kink" and p["index"] == 1),
        joins=len(joins),
        minimax=sum(1 for j in joins if j["minimax"]),
        lost_paths=len(landscape.get("lost_paths") or []),
    )
    row["ratio"] = round(row["landscape_s"] / max(row["solve_s"], 1e-9), 2)
    return row


def _table(rows: list[dict]) -> str:
    head = ["case", "exit", "wall s", "solve s", "landscape s", "ratio", "minima", "kinks",
            "TS", "joins", "minimax", "lost", "load", "commit"]  # fmt: skip
    keys = ["case", "exit", "wall_s", "solve_s", "landscape_s", "ratio", "minima", "kinks",
            "transition_states", "joins", "minimax", "lost_paths", "load_before",
            "commit"]  # fmt: skip
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    lines += [" | ".join(str(r.get(k, "-")) for k in keys) for r in rows]
    return "\n".join(lines)


def _readme(doc: dict) -> str:
    """README's block: the table and where it comes from."""
    return (
        f"`python bench/landscape.py` ({doc['run']}; whole `solve --census` "
        "processes, seeded data of bench/run.py, lambda = 1/10; ratio = landscape s / "
        "solve s, from one process's stats):\n\n" + _table(doc["rows"]) + "\n"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="run the cases whose name contains this")
    ap.add_argument("--readme", action="store_true", help="only rewrite README's block")
    args = ap.parse_args()
    if args.readme:
        doc = json.loads(OUT.read_text())
        update_readme("landscape", _readme(doc) + "\n")
        return 0
    cases = [c for c in CASES if args.only in c[0]]
    if not cases:
        print(f"no case matches {args.only!r}", file=sys.stderr)
        return 2
    run_id = time.strftime("%Y-%m-%dT%H:%M:%S")
    doc = {"run": run_id, "commit": _commit(), "machine": machine(), "rows": []}
    if args.only and OUT.exists():
        # A partial run replaces its cases' rows and keeps the others (with their commit).
        old = json.loads(OUT.read_text())
        doc["rows"] = [r for r in old["rows"] if not any(r["case"] == c[0] for c in cases)]
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            row = {**run_case(*case, Path(tmp)), "commit": doc["commit"]}
            doc["rows"] = [*doc["rows"], row]
            # Every row as it finishes: a run stopped early keeps what it measured.
            OUT.write_text(json.dumps(doc, indent=2) + "\n")
            OUT.with_suffix(".txt").write_text(_table(doc["rows"]) + "\n")
            with HISTORY.open("a") as f:
                f.write(json.dumps({"grid": "landscape", "run": run_id,
                                    "commit": doc["commit"], **row}) + "\n")  # fmt: skip
            print(_table([row]).splitlines()[-1], flush=True)
    print(_table(doc["rows"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

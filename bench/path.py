"""Benchmark: the regularization path (issue 28), whole ``reluscape path`` processes.

For each case (L, d, n, range) a child process runs ``reluscape path`` on bench/run.py's
seeded data set (:func:`run.dataset`, seed 0) with its defaults; the row is the wall
time, the load before, the exit code and what the document holds (solves, branches,
events by route, whether the event list is certified complete). The table is printed,
the rows are written as JSON to ``bench/results/path.json`` (and ``.txt``) after every
case, keeping the rows of cases not run, and each row is appended to
``bench/results/history.jsonl`` (grid ``path``). Issue 28's targets: L = 2, d = 1,
n = 5 over [1/1000, 10] under 60 s; n = 8 under 10 min; L = 2, d = 2, n = 5 and L = 3,
d = 1, n = 5 over [1/100, 10] under 30 min each.

Usage::

    python bench/path.py                 # every case
    python bench/path.py --only 2,1,5    # one case; the file's other rows kept
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import HISTORY, ROOT, _commit, dataset, machine

CASES = [  # L, d, n, range, target s (issue 28)
    (2, 1, 5, "1/1000:10", 60.0),
    (2, 1, 8, "1/1000:10", 600.0),
    (2, 2, 5, "1/100:10", 1800.0),
    (3, 1, 5, "1/100:10", 1800.0),
]


@dataclass
class PathRow:
    hidden: int
    d: int
    n: int
    lam_range: str
    target_s: float
    jobs: int
    exit: int | None
    wall_s: float
    load_before: float
    commit: str = ""
    solves: int = 0
    faces: int = 0
    roots: int = 0
    face_solves: int = 0
    branches: int = 0
    events: int = 0
    exact_events: int = 0
    event_list_complete: bool = False
    seconds_by_stage: dict = field(default_factory=dict)


def run_case(
    hidden: int, d: int, n: int, lam_range: str, target: float, timeout: float, jobs: int
) -> PathRow:
    rows = dataset(n, d, 0)
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "data.csv", Path(tmp) / "path.json"
        header = ",".join([*(f"x{k}" for k in range(d)), "y"])
        data.write_text("\n".join([header, *(",".join(r) for r in rows)]) + "\n")
        cmd = [sys.executable, "-m", "reluscape", "path", str(data), "--hidden", str(hidden),
               "--lam-range", lam_range, "--jobs", str(jobs), "--out", str(out),
               "--quiet"]  # fmt: skip
        load = os.getloadavg()[0]
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            code = None
        row = PathRow(hidden, d, n, lam_range, target, jobs, code,
                      round(time.perf_counter() - start, 1), load, _commit())  # fmt: skip
        if code is not None and out.exists():
            doc = json.loads(out.read_text())
            row.solves = len(doc["samples"])
            row.faces = doc["stats"].get("faces", 0)
            row.roots = doc["stats"].get("roots", 0)
            row.face_solves = doc["stats"].get("face_solves", 0)
            row.seconds_by_stage = doc["stats"].get("seconds_by_stage", {})
            row.branches = len({m["branch"] for s in doc["samples"] for m in s["minima"]})
            row.events = len(doc["events"])
            row.exact_events = sum(e["route"] == "exact" for e in doc["events"])
            row.event_list_complete = doc["event_list_complete"]
    return row


HEADER = (
    f"{'L':>2} {'d':>2} {'n':>3} {'range':<10} {'jobs':>4} {'exit':>4} {'wall s':>7} {'target':>6} "
    f"{'load':>5} {'samples':>7} {'faces':>5} {'roots':>5} {'face solves':>11} {'branches':>8} "
    f"{'events':>6} {'exact':>5}  complete  commit"
)


def _format(r: PathRow) -> str:
    return (
        f"{r.hidden:>2} {r.d:>2} {r.n:>3} {r.lam_range:<10} {r.jobs:>4} {r.exit!s:>4} "
        f"{r.wall_s:>7.1f} "
        f"{r.target_s:>6.0f} {r.load_before:>5.2f} {r.solves:>7} {r.faces:>5} {r.roots:>5} "
        f"{r.face_solves:>11} {r.branches:>8} {r.events:>6} "
        f"{r.exact_events:>5}  {r.event_list_complete!s:<8}  {r.commit}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--only", action="append", metavar="L,d,n", help="run only these cases")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per case")
    ap.add_argument("--jobs", type=int, default=2, help="--jobs of each path (default 2)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "path.json")
    ap.add_argument("--history", type=Path, default=HISTORY)
    args = ap.parse_args()
    cases = [c for c in CASES if not args.only or ",".join(map(str, c[:3])) in args.only]
    if not cases:
        ap.error(f"--only {', '.join(args.only)}: not a case of {[c[:3] for c in CASES]}")
    run_id, rows = time.strftime("%Y-%m-%dT%H:%M:%S"), []
    if args.out.exists():  # the rows of the cases not run now are kept
        known = {f.name for f in fields(PathRow)}
        kept = [
            PathRow(**{"jobs": 1, **{k: v for k, v in r.items() if k in known}})
            for r in json.loads(args.out.read_text())["rows"]
        ]
        rows = [r for r in kept if (r.hidden, r.d, r.n) not in [c[:3] for c in cases]]
    print(HEADER)
    for hidden, d, n, lam_range, target in cases:
        row = run_case(hidden, d, n, lam_range, target, args.timeout, args.jobs)
        rows = sorted([*rows, row], key=lambda r: (r.hidden, r.d, r.n))
        print(_format(row), flush=True)
        entry = {"run": run_id, "grid": "path", "date": time.strftime("%Y-%m-%d"),
                 "machine": machine(), **asdict(row)}  # fmt: skip
        with args.history.open("a", encoding="utf-8") as sink:
            sink.write(json.dumps(entry) + "\n")
        doc = {"machine": machine(), "date": time.strftime("%Y-%m-%d"),
               "rows": [asdict(r) for r in rows]}  # fmt: skip
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(doc, indent=2) + "\n")
        text = [f"# {doc['date']}", HEADER, *map(_format, rows)]
        args.out.with_suffix(".txt").write_text("\n".join(text) + "\n")
    print(f"written {args.out}, {args.out.with_suffix('.txt')} and {args.history}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

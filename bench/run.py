"""Benchmark: wall time and peak memory of whole `reluscape solve` runs on seeded data.

Each case runs the CLI as a separate process (so start-up, workers and all are counted)
under ``/usr/bin/time -f "%e %M"``; the peak resident set is summed over the solver and
its workers by sampling the process tree with psutil. The table is printed and the
rows are written as JSON (with the machine description) for comparison over time.
Compare ratios within one run: these machines are noisy.

Usage::

    python bench/run.py                 # the quick grid
    python bench/run.py --grid full     # the issue's target cases (long)
    python bench/run.py --out bench/results/latest.json
    python bench/run.py --grid full --only 3,8,1 --out bench/results/full.json
                                        # re-measure one case, keep the file's other rows
    python bench/run.py --grid dryrun --out bench/results/dryrun.json
                                        # `solve --dry-run` on large data (target: < 5 s)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]

QUICK = [
    # (L, n, d, partitions)
    (1, 5, 1, "realizable"),
    (2, 4, 1, "realizable"),
    (2, 4, 1, "naive"),
    (2, 5, 1, "realizable"),
    (2, 6, 1, "realizable"),
    (2, 8, 1, "realizable"),
    (1, 6, 2, "realizable"),
    (3, 4, 1, "realizable"),
]
FULL = [
    (2, 5, 1, "realizable"),
    (2, 5, 1, "naive"),
    (2, 20, 1, "realizable"),
    (3, 8, 1, "realizable"),
    (2, 8, 2, "realizable"),
]
# Whole `reluscape solve --dry-run` processes: counting faces and orbits by formula must
# answer in seconds for any n and L (issue 10), including L = 50 and the naive division.
DRYRUN = [
    (2, 10000, 1, "realizable"),
    (50, 10000, 1, "realizable"),
    (2, 10000, 1, "naive"),
    (2, 2000, 2, "realizable"),
    (50, 2000, 2, "realizable"),
]
GRIDS = {"quick": QUICK, "full": FULL, "dryrun": DRYRUN}


@dataclass
class Row:
    hidden: int
    n: int
    d: int
    partitions: str
    jobs: int
    exit_code: int
    wall_s: float
    peak_rss_mib: float
    unit_faces: int | None = None
    orbits: int | None = None
    systems_solved: int | None = None
    positive_dimensional_faces: int | None = None
    components: int | None = None
    minima: str | None = None
    enumerate_s: float | None = None
    verify_s: float | None = None
    complete: bool | None = None
    dry_run: str | None = None


def dataset(n: int, d: int, seed: int) -> list[list[str]]:
    """Seeded rational data: distinct x rows on a 1/10 grid, y on a 1/10 grid.

    x in [-1.5, 1.5]^d, or wider when that grid has fewer than 2 n points (large dry runs).
    """
    rng = random.Random(f"{seed}:{n}:{d}")
    spread = 15
    while (2 * spread + 1) ** d < 2 * n:
        spread *= 2
    rows: set[tuple[int, ...]] = set()
    while len(rows) < n:
        rows.add(tuple(rng.randint(-spread, spread) for _ in range(d)))
    out = []
    for r in sorted(rows):
        y = rng.randint(-15, 15)
        out.append([str(Fraction(v, 10)) for v in r] + [str(Fraction(y, 10))])
    return out


def _measure(cmd: list[str], timeout: float, stdout: Path) -> tuple[int, float, float]:
    """Exit code, wall seconds and peak resident MiB (process tree) of one command."""
    with stdout.open("w") as sink:
        start = time.perf_counter()
        proc = psutil.Popen(cmd, stdout=sink, stderr=subprocess.DEVNULL)
        peak = 0
        while proc.poll() is None:
            try:
                procs = [proc, *proc.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            if time.perf_counter() - start > timeout:
                for p in [*proc.children(recursive=True), proc]:
                    p.kill()
                break
            time.sleep(0.05)
        wall = time.perf_counter() - start
        return proc.wait(), wall, peak / 2**20


def run_case(
    hidden: int, n: int, d: int, partitions: str, jobs: int, timeout: float, dry_run: bool = False
) -> Row:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.csv"
        data.write_text("\n".join(",".join(r) for r in dataset(n, d, seed=0)) + "\n")
        out = Path(tmp) / "result.json"
        cmd = [
            sys.executable, "-m", "reluscape", "solve", str(data), "--hidden", str(hidden),
            "--lam", "1/10", "--partitions", partitions, "--jobs", str(jobs), "--quiet",
            "--face-timeout", "600",
        ]  # fmt: skip
        cmd += ["--dry-run"] if dry_run else ["--out", str(out)]
        printed = Path(tmp) / "stdout.txt"
        code, wall, peak = _measure(cmd, timeout, printed)
        row = Row(hidden, n, d, partitions, jobs, code, wall, peak)
        if dry_run:
            row.dry_run = printed.read_text().strip()
        if out.exists():
            doc = json.loads(out.read_text())
            s = doc["stats"]
            dims: dict[int, int] = {}
            for m in doc["minima"]:
                dims[m["dimension"]] = dims.get(m["dimension"], 0) + 1
            row.unit_faces = s["unit_faces"]
            row.orbits = s["orbits"]
            row.systems_solved = s["systems_solved"]
            row.positive_dimensional_faces = s["positive_dimensional_faces"]
            row.components = s["components"]
            row.minima = " ".join(f"{c}x dim {k}" for k, c in sorted(dims.items()))
            row.enumerate_s = s["timings"]["enumerate"]
            row.verify_s = s["timings"]["verify"]
            row.complete = s["complete"]
        return row


def growth(rows: list[Row]) -> dict[str, float]:
    """Fitted growth factors: time multiplies by ~exp(slope) per added sample / unit."""
    out = {}
    series = sorted(
        (r.n, r.wall_s)
        for r in rows
        if r.hidden == 2 and r.d == 1 and r.partitions == "realizable" and r.exit_code == 0
    )
    if len(series) >= 2:
        out["per_added_sample (L=2, d=1)"] = _fit(series)
    units = sorted(
        (r.hidden, r.wall_s)
        for r in rows
        if r.n == 4 and r.d == 1 and r.partitions == "realizable" and r.exit_code == 0
    )
    if len(units) >= 2:
        out["per_added_unit (n=4, d=1)"] = _fit(units)
    return out


def _fit(points: list[tuple[int, float]]) -> float:
    xs = [p[0] for p in points]
    ys = [math.log(p[1]) for p in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    return math.exp(slope)


def machine() -> dict[str, object]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
    }


def _write(args: argparse.Namespace, rows: list[Row]) -> dict:
    """Write the JSON document and the text table (after every case, so finished rows
    are never lost), rows in the order L, d, n, realizable before naive."""
    rows = sorted(rows, key=lambda r: (r.hidden, r.d, r.n, r.partitions != "realizable"))
    ratios = {}
    for r in rows:
        if r.partitions != "naive":
            continue
        base = next(
            (
                b
                for b in rows
                if b.partitions == "realizable" and (b.hidden, b.n, b.d) == (r.hidden, r.n, r.d)
            ),
            None,
        )
        if base is not None:
            ratios[f"naive/realizable L={r.hidden} n={r.n} d={r.d}"] = r.wall_s / base.wall_s
    doc = {
        "machine": machine(),
        "grid": args.grid,
        "jobs": args.jobs,
        "date": time.strftime("%Y-%m-%d"),
        "rows": [asdict(r) for r in rows],
        "naive_ratios": ratios,
        "growth": growth(rows),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    args.out.with_suffix(".txt").write_text(_table(doc, rows))
    return doc


HEADER = (
    f"{'L':>2} {'n':>3} {'d':>2} {'division':<10} {'orbits':>6} {'solved':>6} {'posdim':>6} "
    f"{'comps':>5} {'enum s':>7} {'verif s':>7} {'wall s':>7} {'RSS MiB':>8}  minima"
)


def _format_row(r: Row) -> str:
    return (
        f"{r.hidden:>2} {r.n:>3} {r.d:>2} {r.partitions:<10} {r.orbits or '-':>6} "
        f"{r.systems_solved or '-':>6} {r.positive_dimensional_faces or 0:>6} "
        f"{r.components or 0:>5} {r.enumerate_s or 0:>7.1f} {r.verify_s or 0:>7.1f} "
        f"{r.wall_s:>7.1f} {r.peak_rss_mib:>8.0f}  "
        f"{r.dry_run or r.minima or f'exit {r.exit_code}'}"
        + ("" if r.complete in (None, True) else "  INCOMPLETE")
    )


def _table(doc: dict, rows: list[Row]) -> str:
    """The whole table of the JSON document as text, with the machine and the fits."""
    m = doc["machine"]
    lines = [
        f"# {doc['date']}, --jobs {doc['jobs']}, {m['cpus']} CPUs, {m['memory_gib']} GiB, "
        f"Python {m['python']}, {m['platform']}",
        HEADER,
        *(_format_row(r) for r in rows),
        *(f"{k}: {v:.2f}" for k, v in {**doc["naive_ratios"], **doc["growth"]}.items()),
    ]
    return "\n".join(lines) + "\n"


def _selects(spec: str, case: tuple[int, int, int, str]) -> bool:
    """Whether "L,n,d" or "L,n,d,division" names the grid case (L, n, d, division)."""
    parts = spec.split(",")
    return parts == [str(v) for v in case[: len(parts)]] and len(parts) in (3, 4)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--grid", choices=tuple(GRIDS), default="quick")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per case")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    ap.add_argument(
        "--only",
        action="append",
        metavar="L,n,d[,division]",
        help="run only these cases of the grid (repeatable); the rows of the other cases\n"
        "already in --out are kept, so a long grid can be measured case by case",
    )
    args = ap.parse_args()
    grid = GRIDS[args.grid]
    rows: list[Row] = []
    if args.only:
        chosen = [c for c in grid if any(_selects(spec, c) for spec in args.only)]
        unknown = [spec for spec in args.only if not any(_selects(spec, c) for c in grid)]
        if unknown:
            ap.error(f"--only {', '.join(unknown)}: not a case of the {args.grid} grid")
        if args.out.exists():
            kept = [Row(**r) for r in json.loads(args.out.read_text())["rows"]]
            rows = [r for r in kept if (r.hidden, r.n, r.d, r.partitions) not in chosen]
        grid = chosen
    print(HEADER)
    for hidden, n, d, partitions in grid:
        dry = args.grid == "dryrun"
        r = run_case(hidden, n, d, partitions, args.jobs, args.timeout, dry_run=dry)
        rows.append(r)
        print(_format_row(r), flush=True)
        summary = _write(args, rows)
    for k, v in {**summary["naive_ratios"], **summary["growth"]}.items():
        print(f"{k}: {v:.2f}")
    print(f"written {args.out} and {args.out.with_suffix('.txt')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: wall time and peak memory of whole `reluscape solve` runs on seeded data.

Each case runs the CLI as a separate process (so start-up, workers and all are counted);
the peak resident set is summed over the solver and its workers by sampling the process
tree with psutil. Every row carries the per-stage profile of the exact path (divide, then
per face: build, exclusion, solve, sampling, verify, summed over faces; see
reluscape.exact.stages), the import time of the algebra stack (measured once per run in
its own process) and the rest of the wall time (process start, scheduling, idle workers).
The table is printed and the rows are written as JSON with the machine description, and
every row is appended to ``bench/results/history.jsonl`` (date, commit, run id), so a
regression shows as a row. Compare ratios within one run: these machines are noisy.

Divisions: ``realizable`` (the default of solve), ``naive`` (the paper's patterns) and
``baseline`` (bench/baseline.py: every product face, the unprojected critical system, no
exclusion). A case may fix its --jobs (the Dask scaling pair of the targets grid).

Usage::

    python bench/run.py                 # the quick grid
    python bench/run.py --grid targets --out bench/results/targets.json
                                        # the issue's target cases and ratios (long)
    python bench/run.py --grid targets --only 2,100,1 --out bench/results/targets.json
                                        # re-measure one case, keep the file's other rows
    python bench/run.py --grid dryrun --out bench/results/dryrun.json
                                        # `solve --dry-run` on large data (target: < 5 s)
    python bench/run.py --readme        # README's headline table from the history
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
# Issue 13: the target cases (wall time and memory limits below), the ratios against the
# naive division and the baseline, and 1 against 2 Dask workers.
TARGETS = [
    (2, 5, 1, "realizable"),
    (2, 5, 1, "naive"),
    (2, 12, 1, "realizable"),
    (2, 12, 1, "baseline"),
    (2, 20, 1, "realizable", 1),
    (2, 20, 1, "realizable", 2),
    (2, 6, 3, "realizable"),
    (4, 6, 1, "realizable"),
    (2, 12, 2, "realizable"),
    (3, 12, 1, "realizable"),
    (2, 100, 1, "realizable"),
]
LIMITS = {  # (L, n, d): (seconds, MiB) allowed by issue 13
    (2, 5, 1): (3, 1024),
    (2, 100, 1): (600, 4096),
    (3, 12, 1): (1800, 4096),
    (4, 6, 1): (1800, 4096),
    (2, 12, 2): (1800, 4096),
    (2, 6, 3): (1800, 4096),
}
HISTORY = ROOT / "bench" / "results" / "history.jsonl"
# Whole `reluscape solve --dry-run` processes: counting faces and orbits by formula must
# answer in seconds for any n and L (issue 10), including L = 50 and the naive division.
DRYRUN = [
    (2, 10000, 1, "realizable"),
    (50, 10000, 1, "realizable"),
    (2, 10000, 1, "naive"),
    (2, 2000, 2, "realizable"),
    (50, 2000, 2, "realizable"),
]
GRIDS = {"quick": QUICK, "full": FULL, "targets": TARGETS, "dryrun": DRYRUN}


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
    divide_s: float | None = None
    stages: dict[str, float] | None = None
    import_s: float | None = None
    rest_s: float | None = None


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


def import_seconds() -> float:
    """Wall seconds of a process that imports the algebra stack and the pipeline, less
    those of an empty one (what every solve process pays before its first face)."""

    def wall(code: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - t0

    return wall("import reluscape.exact.algebra, reluscape.execution.pipeline") - wall("pass")


def run_case(
    hidden: int, n: int, d: int, partitions: str, jobs: int, timeout: float, dry_run: bool = False
) -> Row:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.csv"
        data.write_text("\n".join(",".join(r) for r in dataset(n, d, seed=0)) + "\n")
        out = Path(tmp) / "result.json"
        if partitions == "baseline":
            cmd = [sys.executable, str(ROOT / "bench" / "baseline.py"), str(data), str(hidden),
                   "1/10"]  # fmt: skip
        else:
            cmd = [
                sys.executable, "-m", "reluscape", "solve", str(data), "--hidden", str(hidden),
                "--lam", "1/10", "--partitions", partitions, "--jobs", str(jobs), "--quiet",
                "--face-timeout", "600",
            ]  # fmt: skip
            cmd += ["--dry-run"] if dry_run else ["--out", str(out)]
        printed = Path(tmp) / "stdout.txt"
        code, wall, peak = _measure(cmd, timeout, printed)
        row = Row(hidden, n, d, partitions, 1 if partitions == "baseline" else jobs, code, wall,
                  peak)  # fmt: skip
        if dry_run:
            row.dry_run = printed.read_text().strip()
        if partitions == "baseline" and code == 0:
            words = printed.read_text().split()
            row.minima = " ".join(words[words.index("minima") + 1 : words.index("seconds")])
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
            row.divide_s = s["timings"]["divide"]
            row.stages = s["timings"].get("stages")
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


def _same_case(a: Row, b: Row) -> bool:
    return (a.hidden, a.n, a.d) == (b.hidden, b.n, b.d)


def ratios(rows: list[Row]) -> dict[str, float]:
    """Wall-time ratios within one run: naive and baseline against the default division
    (the row with the most jobs; the label names both), and 1 against 2 Dask workers."""
    out = {}
    done = [r for r in rows if r.exit_code == 0]
    for r in done:
        same = [o for o in done if _same_case(r, o) and o.partitions == "realizable"]
        if r.partitions in ("naive", "baseline") and same:
            other = max(same, key=lambda o: o.jobs)
            key = f"{r.partitions} (jobs {r.jobs})/realizable (jobs {other.jobs})"
            out[f"{key} L={r.hidden} n={r.n} d={r.d}"] = r.wall_s / other.wall_s
        if r.partitions == "realizable" and r.jobs == 1:
            for other in (o for o in same if o.jobs == 2):
                out[f"jobs 1/jobs 2 L={r.hidden} n={r.n} d={r.d}"] = r.wall_s / other.wall_s
    return out


def _write(args: argparse.Namespace, rows: list[Row]) -> dict:
    """Write the JSON document and the text table (after every case, so finished rows
    are never lost), rows in the order L, d, n, realizable before the others."""
    rows = sorted(rows, key=lambda r: (r.hidden, r.d, r.n, r.partitions != "realizable", r.jobs))
    doc = {
        "machine": machine(),
        "grid": args.grid,
        "jobs": args.jobs,
        "date": time.strftime("%Y-%m-%d"),
        "rows": [asdict(r) for r in rows],
        "ratios": ratios(rows),
        "growth": growth(rows),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, indent=2) + "\n")
    args.out.with_suffix(".txt").write_text(_table(doc, rows))
    return doc


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def append_history(row: Row, grid: str, run_id: str, path: Path = HISTORY) -> None:
    """One line per measured row: the row, its grid, run, commit, date and machine."""
    entry = {"run": run_id, "grid": grid, "commit": _commit(), "date": time.strftime("%Y-%m-%d"),
             "machine": machine(), **asdict(row)}  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as sink:
        sink.write(json.dumps(entry) + "\n")


def readme_table(history: Path = HISTORY) -> str:
    """The headline table of issue 13's targets: the newest history row of each case
    (of the targets grid), with its limit, and the ratios of the newest run."""
    entries = [json.loads(line) for line in history.read_text().splitlines() if line.strip()]
    entries = [e for e in entries if e["grid"] == "targets"]
    newest: dict[tuple, dict] = {}
    for e in entries:
        newest[(e["hidden"], e["n"], e["d"], e["partitions"], e["jobs"])] = e
    lines = [
        "| L | n | d | division | jobs | wall s | limit s | peak MiB | minima | commit, date |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case in TARGETS:
        hidden, n, d, division = case[:4]
        match = [e for k, e in newest.items() if k[:4] == (hidden, n, d, division)
                 and (len(case) < 5 or k[4] == case[4])]  # fmt: skip
        if not match:
            continue
        e = match[-1]
        limit = LIMITS.get((hidden, n, d), ("", ""))[0] if division == "realizable" else ""
        # A case over --timeout is killed (exit -9): it did not finish in that time.
        state = {0: "", -9: " (stopped, unfinished)"}.get(
            e["exit_code"], f" (exit {e['exit_code']})"
        )
        lines.append(
            f"| {hidden} | {n} | {d} | {division} | {e['jobs']} | {e['wall_s']:.1f}{state} | "
            f"{limit} | {e['peak_rss_mib']:.0f} | {e['minima'] or ''} | "
            f"{e['commit']}, {e['date']} |"
        )
    # Each ratio from the newest run that measured both of its cases (ratios are only
    # compared within one run), so re-measuring other cases does not drop it.
    newest_ratio: dict[str, tuple[float, dict]] = {}
    for run in dict.fromkeys(e["run"] for e in entries):
        run_entries = [e for e in entries if e["run"] == run]
        run_rows = [Row(**{k: v for k, v in e.items() if k in Row.__dataclass_fields__})
                    for e in run_entries]  # fmt: skip
        for name, value in ratios(run_rows).items():
            newest_ratio[name] = (value, run_entries[-1])
    lines += [""] + [
        f"- {name}: {value:.1f}x ({e['commit']}, {e['date']})"
        for name, (value, e) in newest_ratio.items()
    ]
    return "\n".join(lines) + "\n"


def update_readme(block: str, body: str, readme: Path | None = None) -> None:
    """Replace what stands between the markers ``<!-- bench:BLOCK -->`` and
    ``<!-- /bench:BLOCK -->`` by ``body`` (generated tables: targets, consistency), in
    ``readme`` or else in the one of README.md and docs/*.md that holds the markers (the
    long tables live in docs/guide.md)."""
    start, end = f"<!-- bench:{block} -->", f"<!-- /bench:{block} -->"
    if readme is None:
        pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
        readme = next((page for page in pages if start in page.read_text(encoding="utf-8")), None)
        if readme is None:
            raise SystemExit(f"no page holds the marker {start}")
    text = readme.read_text(encoding="utf-8")
    head, tail = text.index(start) + len(start), text.index(end)
    readme.write_text(text[:head] + "\n" + body + text[tail:], encoding="utf-8")


HEADER = (
    f"{'L':>2} {'n':>3} {'d':>2} {'division':<10} {'jobs':>4} {'orbits':>6} {'solved':>6} "
    f"{'posdim':>6} "
    f"{'comps':>5} {'enum s':>7} {'verif s':>7} {'wall s':>7} {'RSS MiB':>8}  minima"
)


def _format_row(r: Row) -> str:
    profile = ""
    if r.stages:
        parts = [("import", r.import_s), ("divide", r.divide_s), *r.stages.items(),
                 ("rest", r.rest_s)]  # fmt: skip
        profile = "\n      stages s: " + ", ".join(
            f"{k} {v:.1f}" for k, v in parts if v is not None
        )
    return (
        f"{r.hidden:>2} {r.n:>3} {r.d:>2} {r.partitions:<10} {r.jobs:>4} {r.orbits or '-':>6} "
        f"{r.systems_solved or '-':>6} {r.positive_dimensional_faces or 0:>6} "
        f"{r.components or 0:>5} {r.enumerate_s or 0:>7.1f} {r.verify_s or 0:>7.1f} "
        f"{r.wall_s:>7.1f} {r.peak_rss_mib:>8.0f}  "
        f"{r.dry_run or r.minima or f'exit {r.exit_code}'}"
        + ("" if r.complete in (None, True) else "  INCOMPLETE")
        + profile
    )


def _table(doc: dict, rows: list[Row]) -> str:
    """The whole table of the JSON document as text, with the machine and the fits."""
    m = doc["machine"]
    lines = [
        f"# {doc['date']}, --jobs {doc['jobs']}, {m['cpus']} CPUs, {m['memory_gib']} GiB, "
        f"Python {m['python']}, {m['platform']}",
        HEADER,
        *(_format_row(r) for r in rows),
        *(f"{k}: {v:.2f}" for k, v in {**doc["ratios"], **doc["growth"]}.items()),
    ]
    return "\n".join(lines) + "\n"


def _selects(spec: str, case: tuple) -> bool:
    """Whether "L,n,d", "L,n,d,division" or "L,n,d,division,jobs" names the grid case."""
    parts = spec.split(",")
    return parts == [str(v) for v in case[: len(parts)]] and 3 <= len(parts) <= 5


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--grid", choices=tuple(GRIDS), default="quick")
    ap.add_argument("--jobs", type=int, default=2, help="for cases that do not fix their own")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per case")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    ap.add_argument(
        "--only",
        action="append",
        metavar="L,n,d[,division[,jobs]]",
        help="run only these cases of the grid (repeatable); the rows of the other cases\n"
        "already in --out are kept, so a long grid can be measured case by case",
    )
    ap.add_argument("--history", type=Path, default=HISTORY, help="append every row here")
    ap.add_argument(
        "--readme", action="store_true", help="only rewrite README's target table from the history"
    )
    args = ap.parse_args()
    if args.readme:
        table = readme_table(args.history)
        update_readme("targets", table)
        print(table)
        return 0
    grid = [(*c[:4], c[4] if len(c) > 4 else args.jobs) for c in GRIDS[args.grid]]
    rows: list[Row] = []
    if args.only:
        chosen = [c for c in grid if any(_selects(spec, c) for spec in args.only)]
        unknown = [spec for spec in args.only if not any(_selects(spec, c) for c in grid)]
        if unknown:
            ap.error(f"--only {', '.join(unknown)}: not a case of the {args.grid} grid")
        if args.out.exists():
            kept = [Row(**r) for r in json.loads(args.out.read_text())["rows"]]
            rows = [r for r in kept if (r.hidden, r.n, r.d, r.partitions, r.jobs) not in chosen]
        grid = chosen
    run_id = time.strftime("%Y-%m-%dT%H:%M:%S")
    dry = args.grid == "dryrun"
    imported = None if dry else import_seconds()
    print(HEADER)
    for hidden, n, d, partitions, jobs in grid:
        r = run_case(hidden, n, d, partitions, jobs, args.timeout, dry_run=dry)
        if r.stages is not None and imported is not None:
            r.import_s = imported
            inside = (r.divide_s or 0.0) + sum(r.stages.values()) / max(1, r.jobs)
            r.rest_s = r.wall_s - imported - inside
        rows.append(r)
        append_history(r, args.grid, run_id, args.history)
        print(_format_row(r), flush=True)
        summary = _write(args, rows)
    for k, v in {**summary["ratios"], **summary["growth"]}.items():
        print(f"{k}: {v:.2f}")
    print(f"written {args.out}, {args.out.with_suffix('.txt')} and {args.history}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

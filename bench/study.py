"""Benchmark: studies through the whole ``reluscape study`` process (issue 32, last row:
1,000 seeded L = 2, n = 8, d = 1 problems under 10 min in all with ``--jobs 2``; issue 29:
the worked example, spurious minima against n for L = 2, d = 1, n = 4..12, 3 seeds).

Each case runs ``python -m reluscape study ... --out bench/results/study-<case>`` in a
child process (so the time includes the interpreter, the Dask workers and their one
import of the algebra stack each) with its checkpoint in that directory. While it runs,
the finished runs are read from the checkpoint every ``--every`` seconds and the row
(runs done, elapsed, seconds per run, the projected total) is written to
``bench/results/study.json`` and ``.txt``, so a stopped benchmark keeps what finished;
the final row is appended to ``bench/results/history.jsonl`` (grid ``study``). The
thousand case's row also holds a per-stage profile (:func:`profile`). A case
over ``--timeout`` is stopped (its row says so). Rerunning resumes from the checkpoint;
``--fresh`` removes it first. The machine may be shared: times are wall times.

Usage::

    python bench/study.py                       # both cases
    python bench/study.py --only example        # the worked example only
    python bench/study.py --only thousand --timeout 3000
    python bench/study.py --doc                 # only docs/study.md's table and figure,
                                                # from the example's tables
    python bench/study.py --profile             # only the thousand row's stage profile
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import HISTORY, ROOT, _commit, machine, update_readme

RESULTS = ROOT / "bench" / "results"

JOBS = 2  # the --jobs of every case

CASES: dict[str, list[str]] = {
    "example": ["--data", "random:n=4..12:d=1", "--seeds", "3", "--hidden", "2",
                "--lam", "1/10", "--jobs", str(JOBS)],
    "thousand": ["--data", "random:n=8:d=1:seed=0..999", "--hidden", "2", "--lam", "1/10",
                 "--jobs", str(JOBS)],
}  # fmt: skip
TARGET_S = {"thousand": 600.0}


@dataclass
class StudyRow:
    case: str
    args: str
    runs_total: int
    runs_done: int = 0
    finished: bool = False
    exit: int | None = None
    wall_s: float = 0.0
    per_run_s: float | None = None
    projected_s: float | None = None
    cpu_per_run_s: float | None = None
    projected_cpu_s: float | None = None
    target_s: float | None = None
    complete_runs: int = 0
    minima_total: int = 0
    spurious_total: int = 0
    load_before: float = 0.0
    stages_s: dict[str, float] | None = None


def _done(checkpoint: Path) -> list[dict]:
    """The rows of the runs finished so far (the checkpoint's run files)."""
    rows = []
    for f in sorted(checkpoint.glob("run-*.json")):
        try:
            rows.append(json.loads(f.read_text(encoding="utf-8"))["run"])
        except (OSError, ValueError, KeyError):
            continue  # being written
    return rows


def _update(row: StudyRow, checkpoint: Path, start: float, done_before: int) -> None:
    rows = _done(checkpoint)
    row.runs_done = len(rows)
    row.wall_s = round(time.perf_counter() - start, 1)
    fresh = row.runs_done - done_before
    if fresh > 0:
        row.per_run_s = round(row.wall_s / fresh, 3)
        row.projected_s = round(row.per_run_s * (row.runs_total - done_before), 1)
    cpu = [r["cpu_seconds"] for r in rows if r.get("cpu_seconds") is not None]
    if cpu:
        # Load-independent: the CPU of a run, spread over the --jobs 2 workers, for all
        # runs (the time the study would take on two free cores, without the start).
        row.cpu_per_run_s = round(sum(cpu) / len(cpu), 3)
        row.projected_cpu_s = round(row.cpu_per_run_s * row.runs_total / JOBS, 1)
    row.complete_runs = sum(bool(r.get("complete")) for r in rows)
    row.minima_total = sum(int(r.get("minima") or 0) for r in rows)
    row.spurious_total = sum(int(r.get("spurious") or 0) for r in rows)


PROFILE_SEEDS = 5


def profile(spec: str) -> dict[str, float]:
    """Mean seconds per run by stage (stats.timings of solve, wall) over the first
    ``PROFILE_SEEDS`` data sets of ``spec``, solved one after the other in this process
    after the case: where a run's time goes (issue 32: measure first); ``cpu``: the CPU
    seconds of a run (this process and msolve's), which the load of a shared machine
    changes far less than the wall times."""
    sys.path.insert(0, str(ROOT / "src"))
    from reluscape.datasets import expand
    from reluscape.execution.pipeline import solve
    from reluscape.studies.runner import _cpu_seconds

    totals: dict[str, float] = {}
    for ds in expand(spec)[:PROFILE_SEEDS]:
        cpu = _cpu_seconds()
        timings = solve(ds.problem(hidden=2, lam="1/10"), face_timeout=None).stats["timings"]
        parts = {"divide": timings["divide"], **timings["stages"], "total": timings["total"],
                 "cpu": _cpu_seconds() - cpu}  # fmt: skip
        for key, value in parts.items():
            totals[key] = totals.get(key, 0.0) + value / PROFILE_SEEDS
    return {k: round(v, 3) for k, v in totals.items()}


def run_case(name: str, timeout: float, every: float, fresh: bool, write) -> StudyRow:
    out = RESULTS / f"study-{name}"
    if fresh and out.exists():
        shutil.rmtree(out)
    checkpoint = out / "checkpoint"
    checkpoint.mkdir(parents=True, exist_ok=True)
    args = CASES[name]
    sys.path.insert(0, str(ROOT / "src"))
    from reluscape.cli.study import grid_of

    spec = {"data": [args[1]], "hidden": args[args.index("--hidden") + 1],
            "lam": args[args.index("--lam") + 1]}
    if "--seeds" in args:
        spec["seeds"] = args[args.index("--seeds") + 1]
    total = len(grid_of(spec)["data"])
    row = StudyRow(case=name, args=" ".join(args), runs_total=total, target_s=TARGET_S.get(name),
                   load_before=round(os.getloadavg()[0], 2))
    done_before = len(_done(checkpoint))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    command = [sys.executable, "-m", "reluscape", "study", *args, "--out", str(out), "--quiet"]
    start = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    while True:
        try:
            row.exit = child.wait(timeout=every)
            break
        except subprocess.TimeoutExpired:
            _update(row, checkpoint, start, done_before)
            write(row)
            if time.perf_counter() - start > timeout:
                child.terminate()
                child.wait()
                break
    _update(row, checkpoint, start, done_before)
    row.finished = row.exit is not None and row.runs_done == total
    if name == "thousand":
        row.stages_s = profile("random:n=8:d=1:seed=0..4")
    write(row)
    return row


HEADER = (
    f"{'case':<9} {'done':>10} {'fin':>4} {'wall s':>8} {'s/run':>7} "
    f"{'projected s':>11} {'cpu s/run':>9} {'proj. cpu s':>11} {'target s':>8} "
    f"{'complete':>8} {'minima':>7} {'spurious':>8}"
)


def _format(r: StudyRow) -> str:
    per = "-" if r.per_run_s is None else f"{r.per_run_s:.3f}"
    proj = "-" if r.projected_s is None else f"{r.projected_s:.0f}"
    target = "-" if r.target_s is None else f"{r.target_s:.0f}"
    cpu = "-" if r.cpu_per_run_s is None else f"{r.cpu_per_run_s:.2f}"
    cpu_total = "-" if r.projected_cpu_s is None else f"{r.projected_cpu_s:.0f}"
    return (f"{r.case:<9} {f'{r.runs_done}/{r.runs_total}':>10} {'yes' if r.finished else 'no':>4} "
            f"{r.wall_s:>8.1f} {per:>7} {proj:>11} {cpu:>9} {cpu_total:>11} {target:>8} "
            f"{r.complete_runs:>8} {r.minima_total:>7} {r.spurious_total:>8}")  # fmt: skip


def _doc() -> None:
    """docs/study.md's block ``study-example`` (the table of the worked example by n)
    and docs/study_spurious.png, from the tables the example case wrote."""
    sys.path.insert(0, str(ROOT / "src"))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from reluscape.numerical.report.study import counts_against
    from reluscape.studies import Study

    study = Study.read(RESULTS / "study-example")
    runs = study.runs
    sets = runs[[c for c in runs if c.startswith("minima_dim") and c != "minima_dim0"]]
    runs = runs.assign(sets=sets.sum(axis=1))
    lines = ["| n | runs | complete | minima: mean (range) | of which sets | "
             "spurious: mean (range) | solve s (mean) |", "|---|---|---|---|---|---|---|"]
    for n, g in runs.groupby("n"):
        lines.append(
            f"| {n} | {len(g)} | {int(g['complete'].sum())} | {g['minima'].mean():.1f} "
            f"({g['minima'].min()}-{g['minima'].max()}) | {g['sets'].mean():.1f} | "
            f"{g['spurious'].mean():.1f} ({g['spurious'].min()}-{g['spurious'].max()}) | "
            f"{g['seconds'].mean():.1f} |"
        )
    row = json.loads((RESULTS / "study.json").read_text())["rows"]
    example = next(r for r in row if r["case"] == "example")
    lines.append("")
    lines.append(
        f"Generated by `python bench/study.py --doc` from bench/results/study-example (commit "
        f"{example['commit']}): {example['runs_done']} runs, {example['wall_s']:.0f} s wall "
        f"for the whole `reluscape study ... --jobs 2` on a 2-core machine shared with other "
        f"work (load average {example['load_before']} at the start), "
        f"{example['minima_total']} minima of which {example['spurious_total']} spurious."
    )
    update_readme("study-example", "\n".join(lines) + "\n", readme=ROOT / "docs" / "study.md")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    counts_against(study, "n", "minima", ax=axes[0])
    counts_against(study, "n", "spurious", ax=axes[1])
    fig.tight_layout()
    fig.savefig(ROOT / "docs" / "study_spurious.png", dpi=80)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", choices=sorted(CASES), action="append")
    ap.add_argument("--timeout", type=float, default=3600.0)
    ap.add_argument("--every", type=float, default=30.0, help="seconds between row updates")
    ap.add_argument("--fresh", action="store_true", help="remove the case's checkpoint first")
    ap.add_argument("--out", type=Path, default=RESULTS / "study.json")
    ap.add_argument("--history", type=Path, default=HISTORY)
    ap.add_argument("--doc", action="store_true", help="only docs/study.md's table and figure")
    ap.add_argument("--profile", action="store_true", help="only the thousand row's profile")
    args = ap.parse_args()
    if args.doc:
        _doc()
        return 0
    previous = json.loads(args.out.read_text()) if args.out.exists() else {"rows": []}
    rows = {r["case"]: r for r in previous.get("rows", [])}
    if args.profile:
        rows["thousand"]["stages_s"] = profile("random:n=8:d=1:seed=0..4")
        doc = {**previous, "rows": list(rows.values())}
        args.out.write_text(json.dumps(doc, indent=1) + "\n")
        print(rows["thousand"]["stages_s"])
        return 0
    run_id = time.strftime("%Y-%m-%dT%H:%M:%S")
    commit = _commit()  # the code the child runs: taken before it starts, not at the end

    def write(row: StudyRow) -> None:
        rows[row.case] = {**asdict(row), "commit": commit}
        doc = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "rows": list(rows.values())}
        args.out.write_text(json.dumps(doc, indent=1) + "\n")
        text = [f"# {doc['date']}", HEADER, *(_format(StudyRow(**{k: v for k, v in r.items()
                                                                   if k != "commit"}))
                                             for r in rows.values())]
        args.out.with_suffix(".txt").write_text("\n".join(text) + "\n")

    print(HEADER)
    for name in args.only or list(CASES):
        row = run_case(name, args.timeout, args.every, args.fresh, write)
        print(_format(row), flush=True)
        if row.stages_s:
            stages = ", ".join(f"{k} {v}" for k, v in row.stages_s.items())
            print(f"      stages s per run: {stages}")
        entry = {"run": run_id, "grid": "study", "commit": commit, **asdict(row)}
        with args.history.open("a", encoding="utf-8") as sink:
            sink.write(json.dumps(entry) + "\n")
    print(f"written {args.out}, {args.out.with_suffix('.txt')} and {args.history}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

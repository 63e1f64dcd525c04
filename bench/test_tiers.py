"""Benchmark: wall time of the two test tiers from a fresh clone (issue 30).

Clones this repository's HEAD into a temporary directory and runs there the README's test
command (the second line of its first code block, read as .ci/run reads it): its set-up
part (the venv and the install: everything before the last ``&&``; pip may reuse its
cache) and its test part (the fast tier) are timed apart; then the slow tier
(``SLOW_TIER``, what .ci/run runs next) in the same venv. Each row carries pytest's counts,
its ten slowest tests (``PYTEST_ADDOPTS=--durations=10``, which selects nothing) and the
load average before and after: the machine is shared, so a time means little without it.
The rows are written to bench/results/tiers.json (and its text table) and appended to
bench/results/history.jsonl (grid "tiers"), and the README's ``bench:tiers`` block is
regenerated from the JSON.

Usage::

    python bench/test_tiers.py            # clone, set up, both tiers (20 min or more)
    python bench/test_tiers.py --fast     # the set-up and the fast tier only (the slow
                                          # tier's row of the JSON is kept, with its commit)
    python bench/test_tiers.py --readme   # only rewrite README's block from the JSON
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import HISTORY, ROOT, _commit, machine, update_readme

OUT = ROOT / "bench" / "results" / "tiers.json"
# The second tier of .ci/run, in the venv the README's command made.
SLOW_TIER = ".venv/bin/python -m pytest -q -m slow"
# pytest's closing counts ("590 passed, 4 skipped, 61 deselected, 2 warnings in 250.1s").
STEPS = ("set-up", "fast tier", "slow tier")
COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|deselected|xfailed|xpassed)\b")


def readme_test_command(readme: Path) -> str:
    """The second non-empty line of the README's first fenced block (as .ci/run reads it)."""
    block = readme.read_text(encoding="utf-8").split("```")[1]
    lines = [line for line in block.splitlines()[1:] if line.strip()]
    return lines[1]


def _load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run_step(name: str, command: str, cwd: Path) -> dict:
    """Run one shell command in the clone: its wall time, exit code, the load average
    around it, and for pytest its counts and slowest tests. Also the CPU seconds of the
    command and every process it waited for: what other work on the machine changes
    least (on an idle machine a serial run's wall time is about its CPU time)."""
    before, uptime = _load(), subprocess.run(["uptime"], capture_output=True, text=True).stdout
    env = {**os.environ, "PYTEST_ADDOPTS": "--durations=10 -p no:cacheprovider"}
    env.pop("PYTHONPATH", None)  # the clone's own install, not a developer's copy
    cpu, start = _children_cpu(), time.perf_counter()
    proc = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True,
                          text=True)  # fmt: skip
    wall = time.perf_counter() - start
    lines = proc.stdout.splitlines()
    summary = next((line for line in reversed(lines) if COUNT.search(line)), "")
    slowest = [line for line in lines if re.match(r"^\d+\.\d+s (call|setup|teardown) ", line)]
    return {
        "step": name,
        "command": command,
        "exit_code": proc.returncode,
        "wall_s": round(wall, 1),
        "cpu_s": round(_children_cpu() - cpu, 1),
        "counts": {kind: int(n) for n, kind in COUNT.findall(summary)},
        "slowest": slowest,
        "load_before": before,
        "load_after": _load(),
        "uptime_before": uptime.strip(),
        "stderr_tail": proc.stderr.splitlines()[-5:] if proc.returncode else [],
    }


def measure(fast_only: bool) -> dict:
    """Clone HEAD, then the README's set-up, the fast tier and (unless fast_only) the slow
    tier, each step written to OUT as soon as it ends (finished rows are never lost).
    With fast_only, the slow tier's row already in OUT is kept (it names its commit)."""
    command = readme_test_command(ROOT / "README.md")
    setup, fast = command.rsplit(" && ", 1)
    steps = [("set-up", setup), ("fast tier", fast)]
    kept = []
    if fast_only and OUT.exists():
        old = json.loads(OUT.read_text())
        kept = [{"commit": old["commit"], "date": old["date"], **r} for r in old["rows"]
                if r["step"] == "slow tier"]  # fmt: skip
    else:
        steps.append(("slow tier", SLOW_TIER))
    report = {"machine": machine(), "commit": _commit(), "date": time.strftime("%Y-%m-%d"),
              "run": time.strftime("%Y-%m-%dT%H:%M:%S"), "readme_command": command,
              "niceness": os.nice(0), "rows": kept}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        for name, step in steps:
            row = {"commit": report["commit"], "date": report["date"],
                   **run_step(name, step, clone)}  # fmt: skip
            report["rows"].append(row)
            report["rows"].sort(key=lambda r: STEPS.index(r["step"]))
            _write(report)
            append_history(report, row)
            print(_format_row(row), flush=True)
            if row["exit_code"] != 0 and name == "set-up":
                break
    return report


def append_history(report: dict, row: dict, path: Path = HISTORY) -> None:
    entry = {"run": report["run"], "grid": "tiers", "commit": report["commit"],
             "date": report["date"], "machine": report["machine"], **row}  # fmt: skip
    with path.open("a", encoding="utf-8") as sink:
        sink.write(json.dumps(entry) + "\n")


def _counts(row: dict) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in row["counts"].items())


def _format_row(row: dict) -> str:
    state = "" if row["exit_code"] == 0 else f" (exit {row['exit_code']})"
    return (f"{row['step']:<10} {row['wall_s']:>7.1f} s{state}  cpu {row.get('cpu_s', '-')} s  "
            f"load {row['load_before']} -> {row['load_after']}  {_counts(row)}  "
            f"{row.get('commit', '')}")  # fmt: skip


def _write(report: dict) -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    m = report["machine"]
    head = (f"# {report['date']}, commit {report['commit']}, {m['cpus']} CPUs, "
            f"{m['memory_gib']} GiB, Python {m['python']}")  # fmt: skip
    body = [head, *(_format_row(r) for r in report["rows"])]
    for r in report["rows"]:
        body += [f"## slowest of {r['step']}", *r["slowest"]] if r["slowest"] else []
    OUT.with_suffix(".txt").write_text("\n".join(body) + "\n")


def readme_block(report: dict) -> str:
    """README's table: each step's command, wall time, counts and the load around it."""
    lines = [
        "| step | command | wall s | CPU s | tests | load avg (1, 5, 15 min) before; after | "
        "commit, date |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in report["rows"]:
        state = "" if r["exit_code"] == 0 else f" (exit {r['exit_code']})"
        load = f"{', '.join(map(str, r['load_before']))}; {', '.join(map(str, r['load_after']))}"
        commit = f"{r.get('commit', report['commit'])}, {r.get('date', report['date'])}"
        cpu = f"{r['cpu_s']:.0f}" if "cpu_s" in r else ""
        lines.append(f"| {r['step']} | `{r['command']}` | {r['wall_s']:.0f}{state} | {cpu} | "
                     f"{_counts(r)} | {load} | {commit} |")  # fmt: skip
    m = report["machine"]
    lines += ["", f"Fresh clones, {m['cpus']} CPUs, niceness {report['niceness']}, on a machine "
              f"shared with other work; CPU s: user + system time of the step and all its "
              f"processes (`python bench/test_tiers.py`; `bench/results/tiers.txt` lists each "
              f"tier's slowest tests)."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--fast", action="store_true", help="the set-up and the fast tier only")
    ap.add_argument("--readme", action="store_true", help="only rewrite README's block")
    args = ap.parse_args()
    report = json.loads(OUT.read_text()) if args.readme else measure(args.fast)
    block = readme_block(report)
    update_readme("tiers", block)
    print(block)
    return 0 if all(r["exit_code"] == 0 for r in report["rows"]) else 1


if __name__ == "__main__":
    sys.exit(main())

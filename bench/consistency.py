"""Consistency: every target case gives the same result in every execution mode.

Each case of bench/run.py's targets grid (its seeded data) is solved by whole
`reluscape solve` processes in four modes: ``--jobs 1`` (in process), ``--jobs 2`` (a
local Dask cluster), ``--scheduler`` on a cluster of processes started here as on separate
machines (one ``dask scheduler``, two ``dask worker --nthreads 1``), and ``--partitions
naive`` (``--jobs 2``) where its dry run counts at most NAIVE_ORBITS orbits (so where it
finishes in this benchmark's time). The result documents are compared without their
timings, the only part that may differ; the naive division processes other faces, so its
stats differ by design and it is compared on the problem, the minima, the undecided
candidates and completeness. Wall time and peak memory are those of the solve process and
its children (for ``scheduler``, not of the cluster's processes). The table is printed,
and the JSON (bench/results/consistency.json) and its text table are rewritten after every
run, so finished runs are never lost.

Usage::

    python bench/consistency.py                       # every target case (hours)
    python bench/consistency.py --only 2,5,1          # one case; other cases' rows kept
    python bench/consistency.py --readme              # README's block from the JSON
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import (
    LIMITS,
    ROOT,
    _commit,
    _measure,
    dataset,
    machine,
    update_readme,
)

NAIVE_ORBITS = 250_000
MODES = ("jobs 2", "scheduler", "jobs 1", "naive")
# The parts of a result document that the naive division must share with the default.
SHARED = ("problem", "minima", "undecided")


def comparable(doc: dict, naive: bool = False) -> dict:
    """The result document without its timings (naive: only what the divisions share)."""
    if naive:
        return {k: doc.get(k) for k in SHARED} | {"complete": doc["stats"]["complete"]}
    out = {**doc, "stats": dict(doc["stats"])}
    out["stats"].pop("timings")
    return out


def naive_orbits(data: Path, hidden: int) -> float:
    """Orbits of the naive division by its dry run ("about 2.1e+63" read as a float)."""
    out = subprocess.run(
        [sys.executable, "-m", "reluscape", "solve", str(data), "--hidden", str(hidden),
         "--lam", "1/10", "--partitions", "naive", "--dry-run"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = re.search(r"([0-9.e+]+) orbits", out.stdout)
    assert found is not None, out.stdout
    return float(found.group(1))


class ProcessCluster:
    """A scheduler and two single-thread workers as separate processes on this machine."""

    def __enter__(self) -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.address = f"tcp://127.0.0.1:{port}"
        dask = [sys.executable, "-m", "dask"]
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        scheduler = [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                     "--dashboard-address", ":0"]  # fmt: skip
        self.procs = [subprocess.Popen(scheduler, **quiet)]
        self.procs += [
            subprocess.Popen([*dask, "worker", self.address, "--nthreads", "1"], **quiet)
            for _ in range(2)
        ]
        from distributed import Client

        with Client(self.address, timeout=120) as client:
            client.wait_for_workers(2, timeout=120)
        return self.address

    def __exit__(self, *exc: object) -> None:
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def run_mode(data: Path, hidden: int, mode: str, timeout: float, tmp: Path) -> dict:
    """One whole solve in ``mode``: exit code, wall time, peak memory, the document."""
    out = tmp / f"{mode.replace(' ', '')}.json"
    cmd = [sys.executable, "-m", "reluscape", "solve", str(data), "--hidden", str(hidden),
           "--lam", "1/10", "--quiet", "--face-timeout", "600", "--out", str(out)]  # fmt: skip
    if mode == "scheduler":
        with ProcessCluster() as address:
            code, wall, peak = _measure([*cmd, "--scheduler", address], timeout, tmp / "stdout")
    else:
        extra = {"jobs 1": ["--jobs", "1"], "jobs 2": ["--jobs", "2"],
                 "naive": ["--jobs", "2", "--partitions", "naive"]}[mode]  # fmt: skip
        code, wall, peak = _measure([*cmd, *extra], timeout, tmp / "stdout")
    doc = json.loads(out.read_text()) if out.exists() else None
    return {"mode": mode, "exit_code": code, "wall_s": round(wall, 1),
            "peak_rss_mib": round(peak), "doc": doc}  # fmt: skip


def check_case(hidden: int, n: int, d: int, timeout: float, report: dict) -> dict:
    """Run every mode of one case; ``identical`` when every mode that was run finished
    and matches ``jobs 2`` (naive, when skipped for its size, is listed as such)."""
    case: dict = {"hidden": hidden, "n": n, "d": d, "runs": [], "commit": _commit(),
                  "date": time.strftime("%Y-%m-%d")}  # fmt: skip
    case_key = (hidden, n, d)
    report["cases"] = [c for c in report["cases"] if (c["hidden"], c["n"], c["d"]) != case_key]
    report["cases"].append(case)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.csv"
        data.write_text("\n".join(",".join(r) for r in dataset(n, d, seed=0)) + "\n")
        naive_count = naive_orbits(data, hidden)
        reference: dict | None = None
        for mode in MODES:
            if mode == "naive" and naive_count > NAIVE_ORBITS:
                case["runs"].append({"mode": mode, "skipped": f"{naive_count:.3g} naive orbits"})
                continue
            run = run_mode(data, hidden, mode, timeout, Path(tmp))
            doc = run.pop("doc")
            if doc is not None:
                run["complete"] = doc["stats"]["complete"]
                run["minima"] = len(doc["minima"])
                if mode == "jobs 2":
                    reference = doc
                elif reference is not None:
                    run["same_as_jobs_2"] = comparable(doc, mode == "naive") == comparable(
                        reference, mode == "naive"
                    )
            case["runs"].append(run)
            _print_run(case, run)
            _write(report)
    # A mode that ran and gave no document (a crash, a timeout) makes the case fail too.
    compared = [r for r in case["runs"] if "skipped" not in r and r["mode"] != "jobs 2"]
    case["identical"] = reference is not None and all(r.get("same_as_jobs_2") for r in compared)
    _write(report)
    return case


def _print_run(case: dict, run: dict) -> None:
    same = {True: "same", False: "DIFFERENT", None: "reference"}[run.get("same_as_jobs_2")]
    print(
        f"L={case['hidden']} n={case['n']:>3} d={case['d']}  {run['mode']:<9} "
        f"exit {run['exit_code']:>2}  {run['wall_s']:>7.1f} s  {run['peak_rss_mib']:>5} MiB  "
        f"{run.get('minima', '-'):>3} minima  {same}",
        flush=True,
    )


OUT = ROOT / "bench" / "results" / "consistency.json"


def _write(report: dict) -> None:
    report["cases"].sort(key=lambda c: (c["hidden"], c["d"], c["n"]))
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    lines = [f"# {report['date']}, {report['machine']['cpus']} CPUs; modes compared with jobs 2"]
    for c in report["cases"]:
        verdict = {True: "identical", False: "DIFFERENT", None: "running"}[c.get("identical")]
        lines.append(
            f"L={c['hidden']} n={c['n']} d={c['d']} ({c['commit']}, {c['date']}): {verdict}"
        )
        for r in c["runs"]:
            if "skipped" in r:
                lines.append(f"  {r['mode']:<9} not run: {r['skipped']}")
                continue
            lines.append(
                f"  {r['mode']:<9} exit {r['exit_code']}, {r['wall_s']} s, {r['peak_rss_mib']} "
                f"MiB, minima {r.get('minima', '-')}"
            )
    OUT.with_suffix(".txt").write_text("\n".join(lines) + "\n")


def readme_block(report: dict) -> str:
    """README's table: per case, each mode's wall time (or why it was not run), the
    minima of the reference run and the verdict."""
    lines = [
        f"| L | n | d | {' | '.join(MODES)} | minima | same result | commit, date |",
        "|---|---|---|" + "---|" * len(MODES) + "---|---|---|",
    ]
    for c in report["cases"]:
        runs = {r["mode"]: r for r in c["runs"]}
        cells = []
        for mode in MODES:
            r = runs.get(mode)
            if r is None or "skipped" in r:
                cells.append(f"not run ({r['skipped']})" if r else "")
            else:
                cells.append(f"{r['wall_s']:.1f} s" + ("" if r["exit_code"] == 0 else
                             f" (exit {r['exit_code']})"))  # fmt: skip
        verdict = {True: "yes", False: "**no**", None: "unfinished"}[c.get("identical")]
        reference = runs.get("jobs 2", {}).get("minima", "")
        lines.append(
            f"| {c['hidden']} | {c['n']} | {c['d']} | {' | '.join(cells)} | {reference} | "
            f"{verdict} | {c['commit']}, {c['date']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--only", action="append", metavar="L,n,d", help="run only these cases")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per run")
    ap.add_argument("--readme", action="store_true", help="only rewrite README's block")
    args = ap.parse_args()
    if args.readme:
        block = readme_block(json.loads(OUT.read_text()))
        update_readme("consistency", block)
        print(block)
        return 0
    cases = sorted(LIMITS, key=lambda c: c[1] ** c[2] * 4 ** c[0])
    if args.only:
        names = {",".join(map(str, c)) for c in cases}
        unknown = [spec for spec in args.only if spec not in names]
        if unknown:
            ap.error(f"--only {', '.join(unknown)}: not a target case {sorted(LIMITS)}")
        cases = [c for c in cases if ",".join(map(str, c)) in args.only]
    report = json.loads(OUT.read_text()) if OUT.exists() else {"cases": []}
    report |= {"machine": machine(), "date": time.strftime("%Y-%m-%d")}
    verdicts = [check_case(*c, args.timeout, report)["identical"] for c in cases]
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())

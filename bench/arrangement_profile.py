"""Profile: the stages of `global` before its search (the one-unit arrangement, the
pieces' programs), per case, with cProfile's top functions.

Stages timed (seconds, one process per case so caches do not carry over):
``arrangement`` (:func:`reluscape.exact.arrangement.unit_arrangement`), ``chambers``
(the chamber list the search uses), ``programs`` (:class:`reluscape.numerical.convex.
PiecePrograms` on the (chamber, sign) pairs, whose ``_facet_rows`` ran per pair) and one
``supports`` call (every pair's float bound for one direction, what the search pays per
solved piece). A stage over ``--timeout`` is stopped: the row says so, and its profile
is of the part that ran.

Usage::

    python bench/arrangement_profile.py           # n = 1000, 2000 (d = 1); diabetes d = 2
    python bench/arrangement_profile.py --cases 5000,1 --timeout 600 --label after
    PYTHONPATH=/tmp/base/src python bench/arrangement_profile.py --label before

``--label`` names the code measured (rows are kept per case and label).

Writes ``bench/results/arrangement_profile.json`` (rows replaced per case) and
``bench/results/arrangement_profile.txt`` (the table and each case's top functions), and
appends each row to ``bench/results/history.jsonl`` (grid ``arrangement_profile``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from run import _commit as commit  # noqa: E402
from run import dataset  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DIABETES = ROOT / "tests" / "data" / "diabetes_bmi_bp.csv"
CASES = ["1000,1", "2000,1", "diabetes_bmi_bp"]


class _OutOfTime(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _OutOfTime


def _problem(case: str):  # type: ignore[no-untyped-def]
    from reluscape.data import load_problem, make_problem

    if case == "diabetes_bmi_bp":
        return load_problem(DIABETES, hidden=2, lam="1")
    n, d = (int(v) for v in case.split(","))
    rows = dataset(n, d, seed=0)
    return make_problem([r[:-1] for r in rows], [r[-1] for r in rows], hidden=2, lam="1")


def profile_case(case: str, timeout: float) -> dict:
    """Run the stages in this process under cProfile (the child of :func:`main`)."""
    import numpy as np

    from reluscape.exact.arrangement import unit_arrangement
    from reluscape.numerical.convex import PiecePrograms

    problem = _problem(case)
    row: dict = {"case": case, "n": problem.n, "d": problem.d, "stages": {}}
    prof = cProfile.Profile()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(int(timeout))
    stage = "arrangement"
    try:
        prof.enable()
        t0 = time.perf_counter()
        arr = unit_arrangement(problem)
        row["stages"]["arrangement"] = time.perf_counter() - t0
        row["faces"] = len(arr.faces)
        stage = "chambers"
        t0 = time.perf_counter()
        pairs = [(c, e) for c in arr.chambers for e in (1, -1)]
        row["stages"]["chambers"] = time.perf_counter() - t0
        row["pairs"] = len(pairs)
        stage = "programs"
        t0 = time.perf_counter()
        if hasattr(PiecePrograms, "of_signs"):  # as the search builds them
            known = arr.chamber_facets
            programs = PiecePrograms.of_signs(
                problem,
                arr.matrix[[c.index for c, _ in pairs]],
                np.array([e for _, e in pairs], dtype=float),
                None if known is None else [known[c.index] for c, _ in pairs],
            )
        else:  # the code before issue 32's sweep
            programs = PiecePrograms(problem, [(c.signs, e) for c, e in pairs])
        row["stages"]["programs"] = time.perf_counter() - t0
        stage = "supports"
        t0 = time.perf_counter()
        programs.supports(programs.yt.copy() * np.linspace(0.5, 1.5, problem.n))
        row["stages"]["supports"] = time.perf_counter() - t0
        stage = ""
    except _OutOfTime:
        row["stopped_in"] = stage
    finally:
        prof.disable()
        signal.alarm(0)
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(18)
    row["profile"] = out.getvalue().split("\n", 4)[-1].strip("\n")
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="*", default=CASES, help="n,d or diabetes_bmi_bp")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per case")
    parser.add_argument("--label", default="", help="which code this is (before, after)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("ROW " + json.dumps(profile_case(args.child, args.timeout)))
        return
    path = RESULTS / "arrangement_profile.json"
    doc = json.loads(path.read_text()) if path.exists() else {"rows": []}
    for case in args.cases:
        cmd = [sys.executable, __file__, "--child", case, "--timeout", str(args.timeout)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout + 120)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("ROW ")]
        if not lines:
            print(f"{case}: no row ({proc.stderr.strip().splitlines()[-1:]})")
            continue
        row = json.loads(lines[-1][4:])
        row.update(label=args.label, commit=commit(), date=time.strftime("%Y-%m-%d"))
        row["load"] = os.getloadavg()
        same = (case, args.label)
        doc["rows"] = [r for r in doc["rows"] if (r["case"], r.get("label")) != same] + [row]
        path.write_text(json.dumps(doc, indent=2) + "\n")
        with (RESULTS / "history.jsonl").open("a", encoding="utf-8") as sink:
            sink.write(json.dumps({"grid": "arrangement_profile", **row}) + "\n")
        print(_table([row]), flush=True)
    text = _table(doc["rows"]) + "\n"
    for r in doc["rows"]:
        text += f"\n# {r['case']}, {r['label']} ({r['commit']}): cProfile, cumulative\n"
        text += r["profile"] + "\n"
    (RESULTS / "arrangement_profile.txt").write_text(text)


def _table(rows: list[dict]) -> str:
    names = ["arrangement", "chambers", "programs", "supports"]
    lines = [f"{'case':>16} {'label':>7} {'n':>5} {'d':>2} " + " ".join(f"{s:>11}" for s in names)
             + "  faces  pairs  commit  load (1, 5, 15 min)"]  # fmt: skip
    for r in rows:
        cells = []
        for s in names:
            t = r["stages"].get(s)
            cells.append(f"{t:11.2f}" if t is not None else
                         f"{'stopped' if r.get('stopped_in') == s else '-':>11}")  # fmt: skip
        lines.append(
            f"{r['case']:>16} {r['label']:>7} {r['n']:>5} {r['d']:>2} " + " ".join(cells)
            + f"  {r.get('faces', '-')}  {r.get('pairs', '-')}  {r['commit']}"
            + "  " + ", ".join(f"{v:.1f}" for v in r["load"])
        )  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    main()

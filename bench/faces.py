"""Benchmark: the slowest product face of seeded problems (issue 32: every face of L <= 4,
n <= 12, d = 1 under 10 s, so the default 60 s face limit never bites).

For each case (L, n, d) and seed, a child process builds bench/run.py's seeded data set
(:func:`run.dataset`), processes every orbit of product faces one after the other with
:func:`reluscape.exact.merge.process_face` (enumeration and verification, as a face
process of ``solve`` does) and reports the time of each; the row of a case is its slowest
face over the seeds, with that face's per-stage profile (reluscape.exact.stages), the
seed, the face's sign vectors and the whole scan's time, and the ``--top`` slowest faces
over the seeds with their profiles; each face's CPU time (the process and its msolve
runs) beside its wall time, since on a shared machine the wall time grows with the load.
A scan over ``--timeout`` is stopped and recorded as unfinished. The table is printed,
the rows are written as JSON to
``bench/results/faces.json`` (and ``.txt``) after every seed (``seeds_done``), and each
case's row is appended to ``bench/results/history.jsonl`` (grid ``faces``). The machine
may be shared: the face times are wall times of one process, and with ``--jobs`` the
scans of several seeds run side by side.

Usage::

    python bench/faces.py                          # L = 3, n = 4, 5, 8, 12; L = 4, n = 5, 6
    python bench/faces.py --only 3,4,1 --seeds 0,1,2,3,4,5
                                                   # one case; the file's other rows kept
    python bench/faces.py --only 4,6,1 --seeds 0,1,2 --jobs 3   # three scans at a time
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import HISTORY, ROOT, _commit, dataset, machine

CASES = [(3, 4, 1), (3, 5, 1), (3, 8, 1), (3, 12, 1), (4, 5, 1), (4, 6, 1)]  # (L, n, d)
LIMIT_S = 10.0  # issue 32's target per face
LAM = "1/10"


@dataclass
class FaceRow:
    hidden: int
    n: int
    d: int
    seeds: str
    finished: bool
    slowest_s: float | None = None
    slowest_seed: int | None = None
    slowest_face: str | None = None
    slowest_stages: dict[str, float] | None = None
    over_limit: int = 0
    orbits: int = 0
    scan_s: float = 0.0
    minima: int = 0
    seeds_done: str = ""
    jobs: int = 1  # seeds scanned at a time (their processes share the cores)
    most_cpu_s: float | None = None  # the largest CPU time of a face (with its msolve runs)
    over_limit_cpu: int = 0  # faces over LIMIT_S of CPU time
    top: list[dict] = field(default_factory=list)  # the slowest faces: seed, face, s, stages


def _cpu() -> float:
    """CPU seconds of this process and its finished children (msolve runs): on a shared
    machine the wall time of a face grows with the load, its CPU time does not."""
    me, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def scan(hidden: int, n: int, d: int, seed: int, top: int) -> dict:
    """Every orbit of the seeded problem processed in turn; the slowest face and totals."""
    from reluscape.data import make_problem
    from reluscape.exact.arrangement import orbit_representatives, pieces
    from reluscape.exact.merge import process_face

    rows = dataset(n, d, seed)
    problem = make_problem([r[:-1] for r in rows], [r[-1] for r in rows], hidden=hidden, lam=LAM)
    faces = pieces(problem, "realizable")
    start = time.perf_counter()
    slowest: list[dict] = []
    over, minima, orbits, over_cpu, most_cpu = 0, 0, 0, 0, 0.0
    for product in orbit_representatives(len(faces), hidden):
        t0, c0 = time.perf_counter(), _cpu()
        record = process_face(problem, "realizable", product)
        seconds, cpu = time.perf_counter() - t0, _cpu() - c0
        orbits += 1
        minima += len(record.minima)
        over += seconds > LIMIT_S
        over_cpu += cpu > LIMIT_S
        most_cpu = max(most_cpu, cpu)
        if len(slowest) < top or seconds > slowest[-1]["seconds"]:
            face = {"seed": seed, "face": " | ".join(record.faces), "seconds": seconds,
                    "cpu_s": cpu, "stages": record.seconds_by_stage}  # fmt: skip
            slowest = sorted([*slowest, face], key=lambda f: -f["seconds"])[:top]
    return {
        "seconds": slowest[0]["seconds"],
        "face": slowest[0]["face"],
        "stages": slowest[0]["stages"],
        "top": slowest,
        "over_limit": over,
        "over_limit_cpu": over_cpu,
        "most_cpu_s": most_cpu,
        "orbits": orbits,
        "minima": minima,
        "scan_s": time.perf_counter() - start,
    }


def run_case(
    hidden: int,
    n: int,
    d: int,
    seeds: list[int],
    timeout: float,
    top: int,
    save: Callable[[FaceRow], None],
    jobs: int = 1,
) -> FaceRow:
    """The case's row over the seeds (``jobs`` seeds' scans at a time, each in its own
    process); ``save(row)`` after every seed."""
    row = FaceRow(hidden, n, d, ",".join(map(str, seeds)), finished=True, jobs=jobs)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        scans = {pool.submit(_scan, hidden, n, d, seed, top, timeout): seed for seed in seeds}
        for done in as_completed(scans):
            _add(row, scans[done], done.result(), top)
            save(row)
    return row


def _scan(hidden: int, n: int, d: int, seed: int, top: int, timeout: float) -> dict | None:
    """One seed's scan in a child process; None if it ran over ``timeout``."""
    cmd = [sys.executable, __file__, "--scan", f"{hidden},{n},{d},{seed},{top}"]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def _add(row: FaceRow, seed: int, found: dict | None, top: int) -> None:
    """One seed's scan into the case's row."""
    sep = "," if row.seeds_done else ""
    if found is None:
        row.finished = False
        row.seeds_done += f"{sep}{seed}(timeout)"
        return
    row.orbits += found["orbits"]
    row.minima += found["minima"]
    row.over_limit += found["over_limit"]
    row.over_limit_cpu += found["over_limit_cpu"]
    row.most_cpu_s = max(row.most_cpu_s or 0.0, found["most_cpu_s"])
    row.scan_s += found["scan_s"]
    if row.slowest_s is None or found["seconds"] > row.slowest_s:
        row.slowest_s, row.slowest_seed = found["seconds"], seed
        row.slowest_face, row.slowest_stages = found["face"], found["stages"]
    row.top = sorted([*row.top, *found["top"]], key=lambda f: -f["seconds"])[:top]
    row.seeds_done += f"{sep}{seed}"


def _format(r: FaceRow) -> str:
    stages = ", ".join(f"{k} {v:.1f}" for k, v in (r.slowest_stages or {}).items())
    state = "" if r.finished else "  UNFINISHED (a scan over --timeout)"
    if r.seeds_done and r.seeds_done != r.seeds:
        state += f"  (seeds done: {r.seeds_done})"
    lines = [
        f"{r.hidden:>2} {r.n:>3} {r.d:>2} {r.seeds:<12} {r.orbits:>7} {r.over_limit:>5} "
        f"{_or_dash(r.over_limit_cpu if r.most_cpu_s is not None else None, 'd'):>5} "
        f"{r.scan_s:>8.1f} {_or_dash(r.most_cpu_s, '.2f'):>6} {r.slowest_s or 0:>8.2f}  "
        f"seed {r.slowest_seed}: {r.slowest_face}{state}",
        f"      stages s: {stages}",
    ]
    for f in r.top[1:]:
        profile = ", ".join(f"{k} {v:.1f}" for k, v in f["stages"].items() if v >= 0.05)
        cpu = _or_dash(f.get("cpu_s"), ".2f")
        lines.append(
            f"      {f['seconds']:>6.2f} s (CPU {cpu})  seed {f['seed']}: {f['face']}  ({profile})"
        )
    return "\n".join(lines)


def _or_dash(value: float | None, spec: str) -> str:
    """A number, or "-" in rows measured before CPU times were recorded."""
    return "-" if value is None else format(value, spec)


HEADER = (
    f"{'L':>2} {'n':>3} {'d':>2} {'seeds':<12} {'orbits':>7} {'>10s':>5} {'cpu':>5} {'scan s':>8} "
    f"{'cpu s':>6} {'face s':>8}  slowest face (wall); >10s: faces over 10 s of wall time, "
    "cpu: of CPU time; cpu s: the most CPU time of a face"
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated data seeds")
    ap.add_argument("--only", action="append", metavar="L,n,d", help="run only these cases")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per scan")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "faces.json")
    ap.add_argument("--history", type=Path, default=HISTORY)
    ap.add_argument("--top", type=int, default=5, help="slowest faces kept per case")
    ap.add_argument("--jobs", type=int, default=1, help="seeds scanned at a time")
    ap.add_argument("--scan", help=argparse.SUPPRESS)  # L,n,d,seed,top: the child process
    args = ap.parse_args()
    if args.scan:
        hidden, n, d, seed, top = (int(v) for v in args.scan.split(","))
        print(json.dumps(scan(hidden, n, d, seed, top)))
        return 0
    cases = [c for c in CASES if not args.only or ",".join(map(str, c)) in args.only]
    if not cases:
        ap.error(f"--only {', '.join(args.only)}: not a case of {CASES}")
    seeds = [int(s) for s in args.seeds.split(",")]
    run_id, rows = time.strftime("%Y-%m-%dT%H:%M:%S"), []
    if args.out.exists():  # the rows of the cases not run now are kept
        kept = [FaceRow(**r) for r in json.loads(args.out.read_text())["rows"]]
        rows = [r for r in kept if (r.hidden, r.n, r.d) not in cases]
    print(HEADER)
    for case in cases:
        others = [r for r in rows if (r.hidden, r.n, r.d) != case]
        save = partial(_write, args.out, others)
        row = run_case(*case, seeds, args.timeout, args.top, save, args.jobs)
        rows = [*others, row]
        print(_format(row), flush=True)
        entry = {"run": run_id, "grid": "faces", "commit": _commit(),
                 "date": time.strftime("%Y-%m-%d"), "machine": machine(),
                 **asdict(row)}  # fmt: skip
        with args.history.open("a", encoding="utf-8") as sink:
            sink.write(json.dumps(entry) + "\n")
    print(f"written {args.out}, {args.out.with_suffix('.txt')} and {args.history}")
    return 0


def _write(out: Path, others: list[FaceRow], row: FaceRow) -> None:
    """The rows (``others`` and ``row``) as JSON and as the text table."""
    rows = sorted([*others, row], key=lambda r: (r.hidden, r.d, r.n))
    doc = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "commit": _commit(),
           "limit_s": LIMIT_S, "rows": [asdict(r) for r in rows]}  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2) + "\n")
    text = [f"# {doc['date']}, {doc['commit']}", HEADER, *map(_format, rows)]
    out.with_suffix(".txt").write_text("\n".join(text) + "\n")


if __name__ == "__main__":
    raise SystemExit(main())

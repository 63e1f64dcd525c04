"""Benchmark: the exclusion stage of seeded problems, test (a) against test (b)
(docs/METHOD.md section 4, step 0; issue 32: a study of 1,000 L = 2, n = 8 problems
under 10 min, where exclusion was 2.7 of 3.4 s per problem).

For each case (L, n, d) and seed, the study's data set ``random:n=<n>:d=<d>:seed=<seed>``
(:func:`reluscape.datasets.random`) is built and every orbit of product faces that
reaches test (a) (a live unit on each face, none idle) is decided in turn:

- test (a), the linear certificate (:func:`reluscape.exact.exclusion.excluded` on the
  merged system, as :func:`reluscape.exact.enumeration.enumerate_face` calls it), timed;
- on the faces (a) keeps, test (b), the effective-weight system solved by msolve with
  its realizability check, timed (``--no-b`` skips it: then the ``b only`` column is
  empty).

The row of a case: faces tested, faces (a) excludes, faces only (b) excludes (what a
stronger (a) could still take), faces with a realizable solution, the seconds of (a)
and (b) per problem and the milliseconds of (a) per face, all CPU time (this
process and msolve's). The table is printed and
written to ``bench/results/exclusion.json`` (and ``.txt``); each row is appended to
``bench/results/history.jsonl`` (grid ``exclusion``). CPU times, as the machine is
shared; still compare rows of one run: with ``--base REV`` the tree of that commit is
measured too, each seed in a child process of each tree in turn.

Usage::

    python bench/exclusion.py                       # L = 2, n = 8 and 12; L = 3, n = 6
    python bench/exclusion.py --only 2,8,1 --seeds 0,1,2,3,4
    python bench/exclusion.py --no-b                # test (a) alone
    python bench/exclusion.py --base cc983e2        # before and after, seed by seed
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import HISTORY, ROOT, _commit, machine

RESULTS = ROOT / "bench" / "results"
CASES = [(2, 8, 1), (2, 12, 1), (3, 6, 1)]  # (L, n, d)
SEEDS = [0, 1, 2]
LAM = "1/10"


@dataclass
class ExclusionRow:
    hidden: int
    n: int
    d: int
    seeds: str
    tested: int = 0
    excluded_a: int = 0
    excluded_b_only: int | None = None
    realizable: int | None = None
    a_s: float = 0.0  # per problem
    b_s: float | None = None  # per problem
    a_ms_per_face: float = 0.0


def scan(hidden: int, n: int, d: int, seed: int, with_b: bool) -> dict:
    """Test (a) on every orbit of one seeded problem, and test (b) where (a) keeps (in
    the process's own reluscape: :func:`_scan_in` chooses the tree)."""
    from reluscape.datasets import random as random_data
    from reluscape.exact import algebra, exclusion
    from reluscape.exact.arrangement import orbit_representatives, pieces
    from reluscape.exact.enumeration import _realizing_signs
    from reluscape.exact.surrogate import FaceSystem

    problem = random_data(n=n, d=d, seed=seed).problem(hidden=hidden, lam=LAM)
    faces = pieces(problem, "realizable")
    out = {"tested": 0, "a": 0, "b_only": 0, "realizable": 0, "a_s": 0.0, "b_s": 0.0}
    for product in orbit_representatives(len(faces), hidden):
        system = FaceSystem.build(problem, tuple(faces[i] for i in product))
        if not system.live or system.has_idle_live_unit():
            continue
        merged = system.merged
        out["tested"] += 1
        t0 = _cpu()
        gone = exclusion.excluded(merged)
        out["a_s"] += _cpu() - t0
        out["a"] += gone
        if gone or not with_b:
            continue
        t0 = _cpu()
        try:
            points = algebra.real_solutions(merged.effective_equations)
            real = any(_realizing_signs(pt, merged) is not None for pt in points)
        except algebra.PositiveDimensional:
            real = True  # the enumeration samples such faces: (b) does not exclude them
        out["b_s"] += _cpu() - t0
        out["realizable"] += real
        out["b_only"] += not real
    return out


def _cpu() -> float:
    """CPU seconds of this process and its finished children (msolve): the machine is
    shared, and wall times there measured the other work as much as this."""
    # os.times() took 48 us with Sage loaded, about a tenth of a certificate.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _scan_in(src: Path, case: tuple[int, int, int], seed: int, with_b: bool) -> dict:
    """:func:`scan` in a child process importing reluscape from ``src``."""
    command = [sys.executable, __file__, "--scan", ",".join(map(str, (*case, seed)))]
    command += [] if with_b else ["--no-b"]
    out = subprocess.run(command, env=dict(os.environ, PYTHONPATH=str(src)),
                         capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_cases(
    case: tuple[int, int, int], seeds: list[int], with_b: bool, trees: dict[str, Path]
) -> dict[str, ExclusionRow]:
    """One row per tree; the trees' scans alternate seed by seed, so that both see the
    same load."""
    found: dict[str, list[dict]] = {name: [] for name in trees}
    for seed in seeds:
        for name, src in trees.items():
            found[name].append(_scan_in(src, case, seed, with_b))
    return {name: _row(case, seeds, with_b, scans) for name, scans in found.items()}


def _row(
    case: tuple[int, int, int], seeds: list[int], with_b: bool, scans: list[dict]
) -> ExclusionRow:
    row = ExclusionRow(*case, ",".join(map(str, seeds)))
    if with_b:
        row.excluded_b_only, row.realizable, row.b_s = 0, 0, 0.0
    for found in scans:
        row.tested += found["tested"]
        row.excluded_a += found["a"]
        row.a_s += found["a_s"] / len(seeds)
        if with_b:
            row.excluded_b_only += found["b_only"]  # type: ignore[operator]
            row.realizable += found["realizable"]  # type: ignore[operator]
            row.b_s += found["b_s"] / len(seeds)  # type: ignore[operator]
    row.a_ms_per_face = round(1000 * row.a_s * len(seeds) / max(row.tested, 1), 2)
    row.a_s = round(row.a_s, 3)
    row.b_s = None if row.b_s is None else round(row.b_s, 3)
    return row


HEADER = (
    f"{'tree':<8} {'L':>2} {'n':>3} {'d':>2} {'seeds':<10} {'tested':>7} {'(a)':>6} "
    f"{'(b) only':>8} {'realiz.':>7} {'(a) s':>7} {'(b) s':>7} {'(a) ms/face':>11}"
)


def _format(tree: str, r: ExclusionRow) -> str:
    b_only = "-" if r.excluded_b_only is None else str(r.excluded_b_only)
    real = "-" if r.realizable is None else str(r.realizable)
    b_s = "-" if r.b_s is None else f"{r.b_s:.3f}"
    return (
        f"{tree:<8} {r.hidden:>2} {r.n:>3} {r.d:>2} {r.seeds:<10} {r.tested:>7} {r.excluded_a:>6} "
        f"{b_only:>8} {real:>7} {r.a_s:>7.3f} {b_s:>7} {r.a_ms_per_face:>11.2f}"
    )


def _base_tree(rev: str, into: Path) -> Path:
    """The source tree of commit ``rev`` (git archive), for the before column."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"],
                             capture_output=True, check=True).stdout  # fmt: skip
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", action="append", help="L,n,d (repeatable)")
    ap.add_argument("--seeds", default=",".join(map(str, SEEDS)))
    ap.add_argument("--no-b", action="store_true", help="test (a) alone")
    ap.add_argument("--base", help="also measure this commit's tree (the before rows)")
    ap.add_argument("--scan", help=argparse.SUPPRESS)  # L,n,d,seed: one child scan
    ap.add_argument("--out", type=Path, default=RESULTS / "exclusion.json")
    ap.add_argument("--history", type=Path, default=HISTORY)
    args = ap.parse_args()
    if args.scan:
        hidden, n, d, seed = map(int, args.scan.split(","))
        print(json.dumps(scan(hidden, n, d, seed, not args.no_b)))
        return 0
    cases = [tuple(map(int, c.split(","))) for c in args.only] if args.only else CASES
    seeds = [int(s) for s in args.seeds.split(",")]
    commit, run_id = _commit(), time.strftime("%Y-%m-%dT%H:%M:%S")
    rows: list[dict] = []
    print(f"# CPU seconds per problem; commit {commit}\n{HEADER}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        trees = {commit: ROOT / "src"}
        if args.base:
            trees = {args.base: _base_tree(args.base, Path(tmp)), **trees}
        for case in cases:
            for tree, row in run_cases(case, seeds, not args.no_b, trees).items():
                rows.append({"tree": tree, **asdict(row)})
                print(_format(tree, row), flush=True)
                with args.history.open("a", encoding="utf-8") as sink:
                    entry = {"run": run_id, "grid": "exclusion", "commit": commit,
                             "tree": tree, **asdict(row)}  # fmt: skip
                    sink.write(json.dumps(entry) + "\n")
    doc = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "commit": commit,
           "rows": rows}  # fmt: skip
    args.out.write_text(json.dumps(doc, indent=1) + "\n")
    lines = [_format(r["tree"], ExclusionRow(**{k: v for k, v in r.items() if k != "tree"}))
             for r in rows]  # fmt: skip
    text = [f"# {doc['date']}, {commit}; CPU seconds per problem", HEADER, *lines]
    args.out.with_suffix(".txt").write_text("\n".join(text) + "\n")
    print(f"written {args.out}, {args.out.with_suffix('.txt')} and {args.history}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``reluscape solve`` (and ``example``, solve on the built-in data): every local minimum.

Settings and every output path are checked before any work; the document is written
before the summary is printed (:mod:`reluscape.cli.output`).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from reluscape.cli import common
from reluscape.cli.common import EXIT_INCOMPLETE, EXIT_NOT_SAVED, EXIT_OK
from reluscape.cli.output import print_out, save
from reluscape.data import load_problem
from reluscape.defaults import FACE_TIMEOUT, HOURS_LIMIT
from reluscape.exact.counting import Counts, estimate
from reluscape.execution.costs import estimate_cost
from reluscape.validation import (
    PROG,
    InputError,
    check_int,
    check_lambda,
    check_output_dir,
    check_output_path,
    check_timeout,
)

if TYPE_CHECKING:
    from reluscape.schema import Result

SOLVE_EPILOG = f"""\
example:
  {PROG} solve data.csv --hidden 2 --lam 0.1 --convention sum --out result.json

DATA.csv has one sample per row, the inputs x first and the outcome y last; a
non-numeric first row is a header. Numbers are read exactly ("0.1" is 1/10).

Before any work, solve prints the number of faces and orbits it will process and
the estimated wall time and peak memory (from per-orbit costs measured by L and d,
bench/orbit_costs.py; --dry-run prints them and stops) and refuses, with exit code
2, a run estimated at more than {HOURS_LIMIT:g} hours unless --force is given.

--out is checked before the work starts: its directory must exist and be
writable; an existing file must be a regular file with a write permission bit (a
read-only file, a device, FIFO or socket is refused, also for root). A symbolic
link is written through (the file it points to is replaced, the link stays). The
file is written atomically, before the summary is printed, so a closed stdout
(`| head`) loses nothing and does not change the exit code. If the write fails
after the work, the result is saved in the temporary, working or home directory
and the file named on stderr (exit code 2). --report DIR is checked before the
work too.

--checkpoint DIR keeps each finished face in DIR with a fingerprint of the problem
(data, L, lambda, convention, division, the code of stats.versions) and a checksum: a face
file of another problem or a damaged one is recomputed, with a warning naming it.
If every worker of a --scheduler cluster is gone for 60 s, the unfinished faces
are reported undecided (exit code 1); rerun with the same --checkpoint to finish.

exit codes: 0 complete, 1 incomplete (some face or candidate undecided), 2 bad
usage or input, an unusable --out, a result that could not be written there, or a
run over the limit without --force.
"""

EXAMPLE_EPILOG = f"""\
example:
  {PROG} example --out example.json

Runs `{PROG} solve` on the built-in data set (n = 5, d = 1) with --hidden 2
--lam 1/10 (sum convention) and prints the table of local minima.
"""


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The ``solve`` and ``example`` subcommands."""
    solve = sub.add_parser(
        "solve",
        help="enumerate the local minima for a CSV data set",
        description="Enumerate every local minimum of the ridge-regularized squared loss\n"
        "of a ReLU network with L hidden units on the data in DATA.csv.",
        epilog=SOLVE_EPILOG,
        formatter_class=common.FORMATTER,
    )
    common.add_problem_arguments(solve)
    solve.add_argument(
        "--partitions",
        choices=("realizable", "naive"),
        default="realizable",
        help="activation patterns to enumerate: only those realizable by some unit "
        "(default), or all of them (slow; for cross-checking)",
    )
    common.add_face_timeout(solve, FACE_TIMEOUT, "")
    solve.add_argument(
        "--jobs",
        metavar="N",
        default="1",
        help="faces processed at the same time, each in its own process, on a local "
        "Dask cluster (default 1)",
    )
    solve.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="process the faces on the running Dask cluster whose scheduler is at ADDRESS "
        "(e.g. tcp://host:8786; reluscape installed on every worker) instead of locally; "
        "not with --jobs",
    )
    solve.add_argument(
        "--checkpoint",
        metavar="DIR",
        default=None,
        help="store each finished face in DIR as it completes; rerunning with the same "
        "DIR after a crash or kill skips the finished faces",
    )
    solve.add_argument(
        "--dry-run",
        action="store_true",
        help="print how many faces and orbits the run would process (counted by formula, "
        "in seconds for any n and L) with its estimated wall time and peak memory, and stop",
    )
    solve.add_argument(
        "--force",
        action="store_true",
        help=f"run even when the estimated wall time is more than {HOURS_LIMIT:g} hours "
        "(refused by default)",
    )
    solve.add_argument(
        "--census",
        action="store_true",
        help="also list every stationary point (result key critical_points): minima, "
        "saddles with their exact index, and degenerate points with the reason; from each "
        "point that is not a minimum, descend to the minima it connects (key landscape)",
    )
    solve.add_argument(
        "--report",
        metavar="DIR",
        default=None,
        help="also write an HTML report (DIR/index.html and PNG figures) of the result",
    )
    common.add_out_and_quiet(solve)
    solve.set_defaults(func=run_solve)

    example = sub.add_parser(
        "example",
        help="run the built-in example (n = 5, L = 2, lam = 1/10)",
        description="Run solve on the built-in example data set.",
        epilog=EXAMPLE_EPILOG,
        formatter_class=common.FORMATTER,
    )
    common.add_out_and_quiet(example)
    example.set_defaults(func=run_example)


def run_solve(args: argparse.Namespace) -> int:
    hidden = check_int(args.hidden, "number of hidden units L", min_val=1)
    lam = check_lambda(args.lam)
    jobs = check_int(args.jobs, "--jobs", min_val=1)
    if args.scheduler is not None and jobs != 1:
        raise InputError(
            "--jobs and --scheduler exclude each other: the cluster's workers set the parallelism"
        )
    return _run(
        args.data,
        hidden=hidden,
        lam=lam,
        convention=args.convention,
        partitions=args.partitions,
        face_timeout=check_timeout(args.face_timeout),
        out=args.out,
        quiet=args.quiet,
        jobs=jobs,
        scheduler=args.scheduler,
        checkpoint=args.checkpoint,
        dry_run=args.dry_run,
        force=args.force,
        report=args.report,
        census=args.census,
    )


def run_example(args: argparse.Namespace) -> int:
    from reluscape.data import example_path

    return _run(
        example_path(),
        hidden=2,
        lam="1/10",
        convention="sum",
        partitions="realizable",
        face_timeout=FACE_TIMEOUT,
        out=args.out,
        quiet=args.quiet,
    )


def _run(
    data: str | Path,
    *,
    hidden: int,
    lam: str | int | Fraction,
    convention: str,
    partitions: str,
    face_timeout: float | None,
    out: str | None,
    quiet: bool,
    jobs: int = 1,
    scheduler: str | None = None,
    checkpoint: str | None = None,
    dry_run: bool = False,
    force: bool = False,
    report: str | None = None,
    census: bool = False,
) -> int:
    started = time.perf_counter()
    # Every setting and every output location are checked before any work, so a mistake
    # costs seconds, not a lost computation.
    out_path = check_output_path(out) if out is not None else None
    if report is not None:
        check_output_dir(report, "--report")
    problem = load_problem(data, hidden=hidden, lam=lam, convention=convention)

    # Counted by formula, without the algebra stack (Singular, msolve: 2 s to import).
    counts = estimate(problem.X, hidden=problem.hidden, partitions=partitions)
    cost = estimate_cost(counts.orbits, hidden=problem.hidden, d=problem.d, jobs=jobs)
    bound = "" if counts.exact else "at most "
    plan = f"{_plan_line(counts, partitions)}; {bound}{cost.text()}"
    if dry_run:
        print_out(plan)
        return EXIT_OK
    if cost.hours > HOURS_LIMIT and not force:
        raise InputError(
            f"this run would process {'' if counts.exact else 'at most '}"
            f"{common.count(counts.orbits)} orbits of faces: {cost.text()}, more than the "
            f"limit of {HOURS_LIMIT:g} h; use fewer samples or hidden units, more --jobs, "
            "or pass --force to run it anyway"
        )

    from reluscape.execution import pipeline  # lazy: heavy imports (Singular, msolve)

    # The estimate opens the progress display: shown when the faces start, so that an
    # error found on the way there (checkpoint, scheduler) is the only line on stderr.
    progress = None if quiet else common.Progress(header=plan)
    try:
        result: Result = pipeline.solve(
            problem,
            partitions=partitions,
            face_timeout=face_timeout,
            jobs=jobs,
            scheduler=scheduler,
            checkpoint=checkpoint,
            progress=progress,
            census=census,
        )
    finally:
        if progress is not None:
            progress.finish()
    if census:
        from reluscape.numerical.landscape import connect  # lazy: scipy, cvxpy

        descents = None if quiet else common.Progress(label="census descents", unit="point")
        try:
            with common.float_limits("solve --census"):
                result = connect(problem, result, progress=descents)
        finally:
            if descents is not None:
                descents.finish()
    result = _whole_run_time(result, time.perf_counter() - started)
    # The file first: a reader of stdout that goes away (| head) cannot cost the result.
    saved = out_path is None or save(out_path, result.to_json() + "\n", what="result", quiet=quiet)
    print_out(result.summary())
    if report is not None:
        from reluscape.numerical.report import write_report  # lazy: matplotlib

        drawn = None if quiet else common.Progress(label="report: minima drawn", unit="minimum")
        index = write_report(result, problem, report, progress=drawn)
        if not quiet:
            print(f"{PROG}: report written to {index}", file=sys.stderr)
    if not result.complete:
        print(f"{PROG}: note: {_incomplete_reason(result)}", file=sys.stderr)
    lost = 0 if result.landscape is None else len(result.landscape.lost_paths)
    if lost:
        # A descent that ends at no enumerated minimum contradicts the enumeration or the
        # descent: a bug to report, never a warning under exit 0.
        print(
            f"{PROG}: error: {lost} descent path(s) ended at no enumerated minimum "
            "(see landscape.lost_paths): please report this as a bug",
            file=sys.stderr,
        )
    if not saved:
        return EXIT_NOT_SAVED
    return EXIT_OK if result.complete and not lost else EXIT_INCOMPLETE


def _whole_run_time(result: Result, seconds: float) -> Result:
    """``result`` with ``stats.timings.total`` the whole command's wall time (reading the
    data and loading the algebra stack too), so that the summary's time is the run's."""
    import dataclasses

    timings = {**(result.stats.get("timings") or {}), "total": seconds}
    return dataclasses.replace(result, stats={**result.stats, "timings": timings})


def _plan_line(counts: Counts, partitions: str) -> str:
    bound = "" if counts.exact else "at most "
    note = "" if counts.exact else " (upper bounds: the counts of data in general position)"
    c = common.count
    return (
        f"{PROG}: {partitions} division, L = {counts.hidden}: "
        f"{bound}{c(counts.unit_faces)} faces per unit, "
        f"{bound}{c(counts.faces)} product faces, {bound}{c(counts.orbits)} orbits "
        f"under unit permutation to process ({c(counts.activation_patterns)} activation "
        f"patterns 2^(L n)){note}"
    )


def _incomplete_reason(result: Result) -> str:
    """Why a result is incomplete: undecided candidates and undecided faces, with reasons."""
    parts = [f"{len(result.undecided)} candidate(s) undecided"]
    faces = result.stats.get("faces_undecided") or []
    if isinstance(faces, list) and faces:
        reasons = Counter(
            str(f.get("reason", "?")) if isinstance(f, dict) else str(f) for f in faces
        )
        shown = "; ".join(f"{c} x {r}" for r, c in reasons.most_common(3))
        more = "; ..." if len(reasons) > 3 else ""
        parts.append(f"{len(faces)} face(s) undecided: {shown}{more}")
    return (
        "the enumeration is incomplete (" + ", ".join(parts) + "); the listed minima are "
        "certified, but others may exist. See 'undecided' and 'stats.faces_undecided' in "
        "the result for details."
    )

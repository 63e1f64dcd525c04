"""``reluscape global``: the certified global minimum and every global minimizer (the
library is :mod:`reluscape.global_search`)."""

from __future__ import annotations

import argparse
import contextlib
import signal
from collections.abc import Iterator

from reluscape.cli import common
from reluscape.cli.common import EXIT_INCOMPLETE, EXIT_NOT_SAVED, EXIT_OK
from reluscape.cli.output import print_out, save
from reluscape.data import Problem, load_problem
from reluscape.defaults import GLOBAL_FACE_TIMEOUT, GLOBAL_STARTS, PIECE_LIMIT
from reluscape.validation import (
    PROG,
    InputError,
    check_float_range,
    check_int,
    check_lambda,
    check_output_path,
    check_starts,
    check_timeout,
)

GLOBAL_EPILOG = f"""\
example:
  {PROG} global data.csv --hidden 2 --lam 1/10 --out global.json

Before any work, global counts the pieces it ranges over (multisets of L
chamber-sign pairs; --dry-run prints the count and stops) and refuses, with exit
code 2, more than {PIECE_LIMIT:,} pieces unless --force is given. Its search is in
floating point: data or a lambda beyond 1e150 (or a lambda below 1e-150) are refused
with the value named; solve, which is exact, has no such limit.

Stopped (Ctrl-C, SIGTERM) or out of --time-limit, global writes the certified
interval it has (lower and upper bound) and the pieces left open, exit code 1;
--checkpoint DIR keeps the search's state and the exact path's faces, and a rerun
with the same DIR continues where it was.

--out is checked before the work and written before the summary is printed; if
the write fails after the work, the result is saved in the temporary, working or
home directory and the file named on stderr (exit code 2).

exit codes: 0 certified, 1 incomplete (the interval still holds), 2 bad usage or
input, a run over the limit without --force, or a result that could not be written.
"""


def add_parsers(sub: argparse._SubParsersAction) -> None:
    glob = sub.add_parser(
        "global",
        help="the certified global minimum and every global minimizer",
        description="Certify the global minimum value as an interval with exact bounds\n"
        "(one convex program per piece of parameter space, lower bounds from dual points\n"
        "checked in rational arithmetic) and find every global minimizer by the exact\n"
        "path of `solve` on the faces that can hold one (docs/METHOD.md section 10).",
        epilog=GLOBAL_EPILOG,
        formatter_class=common.FORMATTER,
    )
    common.add_problem_arguments(glob)
    glob.add_argument("--jobs", metavar="N", default="1", help="faces at a time (default 1)")
    common.add_face_timeout(
        glob, GLOBAL_FACE_TIMEOUT, ": few faces, but one may take minutes"
    )
    glob.add_argument(
        "--starts",
        metavar="K",
        default=str(GLOBAL_STARTS),
        help=f"multistart runs for the first upper bound (default {GLOBAL_STARTS})",
    )
    glob.add_argument(
        "--checkpoint",
        metavar="DIR",
        default=None,
        help="keep the search's state and each finished face in DIR; rerunning with the "
        "same DIR after a stop, a kill or --time-limit continues where it was",
    )
    glob.add_argument(
        "--time-limit",
        metavar="SECONDS",
        default=None,
        help="stop the search over pieces after SECONDS and write the certified interval "
        "it has, with the pieces left open (exit 1); default: no limit",
    )
    glob.add_argument(
        "--dry-run",
        action="store_true",
        help="print how many pieces the search ranges over, and stop",
    )
    glob.add_argument(
        "--force",
        action="store_true",
        help=f"run even when more than {PIECE_LIMIT:,} pieces are to be searched",
    )
    common.add_out_and_quiet(glob)
    glob.set_defaults(func=run)


def check_pieces(problem: Problem, *, force: bool, command: str) -> int:
    """The number of pieces of the search; over :data:`PIECE_LIMIT` refused without
    ``force`` (beyond what the search's bounds have been seen to prune), before any
    work."""
    from reluscape.global_search import piece_count  # lazy: the exact arrangement

    pieces = piece_count(problem)
    if pieces > PIECE_LIMIT and not force:
        hint = "pass --force to run it anyway" if command == "global" else "run global --force"
        raise InputError(
            f"{command} would search {common.count(pieces)} pieces (multisets of "
            f"L = {problem.hidden} chamber-sign pairs), more than {PIECE_LIMIT:,}: more "
            f"than its bounds have been seen to prune; use fewer samples or hidden units, or "
            f"{hint}"
        )
    return pieces


@contextlib.contextmanager
def _sigterm_stops() -> Iterator[None]:
    """SIGTERM (a batch system's stop, ``kill``) stops the run as Ctrl-C does: the
    search ends with the certified interval it has, which is then written."""

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run(args: argparse.Namespace) -> int:
    hidden = check_int(args.hidden, "number of hidden units L", min_val=1)
    lam = check_lambda(args.lam)
    jobs = check_int(args.jobs, "--jobs", min_val=1)
    starts = check_starts(args.starts, "--starts")
    face_timeout = check_timeout(args.face_timeout)
    time_limit = (
        None if args.time_limit is None else check_timeout(args.time_limit, "--time-limit")
    )
    out = check_output_path(args.out) if args.out is not None else None  # before the work
    problem = load_problem(args.data, hidden=hidden, lam=lam, convention=args.convention)
    check_float_range(problem.X, problem.y, problem.lam_sum, "global")
    pieces = check_pieces(problem, force=args.force or args.dry_run, command="global")
    if args.dry_run:
        print_out(
            f"{PROG}: global, L = {problem.hidden}: {common.count(pieces)} pieces to search"
        )
        return EXIT_OK

    from reluscape.global_search import global_minimum, summary  # lazy: scipy, algebra

    status = common.Progress(label="global search")
    with common.float_limits("global"), _sigterm_stops(), status:
        result = global_minimum(
            problem,
            jobs=jobs,
            face_timeout=face_timeout,
            starts=starts,
            progress=None if args.quiet else status.status,
            time_limit=time_limit or None,
            checkpoint=args.checkpoint,
        )
    # The file first: a reader of stdout that goes away (| head) cannot cost the result.
    saved = out is None or save(out, result.to_json() + "\n", what="result", quiet=args.quiet)
    print_out(summary(result))
    if "stopped" in result.stats:
        common.say(
            f"note: the search was {result.stats['stopped']}: the interval above is "
            f"certified, {result.stats['open_pieces']} pieces are left open"
        )
    if not saved:
        return EXIT_NOT_SAVED
    return EXIT_OK if result.complete else EXIT_INCOMPLETE

"""Command line: ``reluscape solve``, ``verify``, ``report``, ``compare`` and ``example``.

Results go to stdout (the summary table) and to ``--out`` (the JSON document of
:mod:`reluscape.schema`, written by :func:`reluscape.validation.write_output`);
progress, warnings and messages go to stderr.

Exit codes: 0 success; 1 the enumeration is incomplete (some face or candidate was
not decided), or ``verify`` found a claim that fails a check; 2 bad usage or bad input
(one line ``reluscape: error: ...``).

Examples
--------
>>> args = build_parser().parse_args(["solve", "data.csv", "--hidden", "2", "--lam", "0.1"])
>>> args.command, args.hidden, args.lam, args.convention, args.partitions, args.jobs
('solve', '2', '0.1', 'sum', 'realizable', '1')
>>> build_parser().parse_args(["verify", "result.json", "data.csv"]).command
'verify'

Settings are validated by the command (``--hidden 0`` gives ``reluscape: error: number
of hidden units L must be an integer >= 1, got '0'`` and exit code 2).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from reluscape.data import CONVENTIONS, load_problem
from reluscape.exact.counting import Counts, estimate
from reluscape.validation import (
    PROG,
    InputError,
    check_int,
    check_lambda,
    check_output_path,
    check_timeout,
    write_output,
)

if TYPE_CHECKING:
    from reluscape.schema import Result

EXIT_OK = 0
EXIT_INCOMPLETE = 1
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2

ORBIT_LIMIT = 2_000_000
"""Orbits of product faces above which ``solve`` refuses to start without ``--force``.
bench/results/full.txt measures 20-100 ms of wall time per orbit with ``--jobs 2`` on two
cores (L = 2 and 3, n <= 20), so 2 million orbits are half a day to two days of work."""

CONVENTION_HELP = (
    '"sum" (default): loss 1/2 sum_i (y_i - f(x_i))^2 + lam/2 |params|^2, as in docs/METHOD.md; '
    '"mean": 1/(2n) sum_i (y_i - f(x_i))^2 + lam/2 |params|^2, the same landscape as '
    '"sum" with lam multiplied by n.'
)

MAIN_EPILOG = f"""\
examples:
  {PROG} example
  {PROG} solve data.csv --hidden 2 --lam 1/10 --out result.json
  {PROG} verify result.json data.csv

exit codes: 0 success, 1 enumeration incomplete or a verified claim failed,
2 bad usage or bad input.
"""

SOLVE_EPILOG = f"""\
example:
  {PROG} solve data.csv --hidden 2 --lam 0.1 --convention sum --out result.json

DATA.csv has one sample per row, the inputs x first and the outcome y last; a
non-numeric first row is a header. Numbers are read exactly ("0.1" is 1/10).

Before any work, solve prints the number of faces and orbits it will process
(--dry-run prints it and stops) and refuses, with exit code 2, a run of more than
{ORBIT_LIMIT:,} orbits unless --force is given.

--out is checked before the work starts: its directory must exist and be
writable; an existing file must be a regular file with a write permission bit (a
read-only file, a device, FIFO or socket is refused, also for root). A symbolic
link is written through (the file it points to is replaced, the link stays). The
file is written atomically, before the summary is printed, so a closed stdout
(`| head`) loses nothing and does not change the exit code.

--checkpoint DIR keeps each finished face in DIR with a fingerprint of the problem
(data, L, lambda, convention, division, the code of stats.versions) and a checksum: a face
file of another problem or a damaged one is recomputed, with a warning naming it.
If every worker of a --scheduler cluster is gone for 60 s, the unfinished faces
are reported undecided (exit code 1); rerun with the same --checkpoint to finish.

exit codes: 0 complete, 1 incomplete (some face or candidate undecided), 2 bad
usage or input, an unusable --out, or a run over the limit without --force.
"""

VERIFY_EPILOG = f"""\
example:
  {PROG} solve data.csv --hidden 2 --lam 1/10 --out result.json
  {PROG} verify result.json data.csv

Re-checks every claimed minimum in RESULT.json without trusting the run that made
it: the loss (in floats and exactly at the rational point), the face, the output
weights, the one-sided derivatives in every adjacent chamber, a numerical probe,
the component of a positive-dimensional set, the global flags and the orbit sizes.
DATA.csv is optional: the data recorded in RESULT.json are used; a DATA.csv given is
read with the recorded settings and must equal the recorded data exactly. This
independent numerical re-check can refute a claim (a false claim fails); passing
supports, but does not prove, the exact verdicts.

exit codes: 0 every claim passes, 1 some claim is refuted, 2 unusable input: bad
usage, a malformed or wrong-version RESULT.json, different data, or numbers it
cannot handle.
"""

REPORT_EPILOG = f"""\
example:
  {PROG} solve data.csv --hidden 2 --lam 1/10 --out result.json
  {PROG} report result.json --out report/
  {PROG} compare data.csv --hidden 2 --lam 1/10 --result result.json --out cmp.json
  {PROG} report result.json data.csv --out report/ --compare cmp.json --slice B_0,B_1

Writes a self-contained directory (index.html plus PNG figures, Matplotlib Agg)
from the data recorded in RESULT.json. DATA.csv is optional; when given it must
equal the recorded data exactly. The same report is written
by `{PROG} solve ... --report DIR`.

exit codes: 0 report written, 2 bad usage, a malformed or wrong-version
RESULT.json, different data, or an unwritable DIR.
"""

EXAMPLE_EPILOG = f"""\
example:
  {PROG} example --out example.json

Runs `{PROG} solve` on the built-in data set (n = 5, d = 1) with --hidden 2
--lam 1/10 (sum convention) and prints the table of local minima.
"""


class UsageError(Exception):
    """Bad command-line usage (reported like bad input: exit 2, one line)."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``reluscape`` command."""
    fmt = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog=PROG,
        description="Exact enumeration of every local minimum of the ridge-regularized\n"
        "squared loss of a one-hidden-layer ReLU network (Divide-Enumerate-Merge).",
        epilog=MAIN_EPILOG,
        formatter_class=fmt,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    solve = sub.add_parser(
        "solve",
        help="enumerate the local minima for a CSV data set",
        description="Enumerate every local minimum of the ridge-regularized squared loss\n"
        "of a ReLU network with L hidden units on the data in DATA.csv.",
        epilog=SOLVE_EPILOG,
        formatter_class=fmt,
    )
    solve.add_argument("data", metavar="DATA.csv", help="data file: inputs x, then y last")
    solve.add_argument(
        "--hidden", metavar="L", required=True, help="number of hidden units, an integer >= 1"
    )
    solve.add_argument(
        "--lam",
        metavar="Q",
        required=True,
        help='ridge parameter lambda > 0, read exactly ("0.1" and "1/10" are both 1/10)',
    )
    solve.add_argument("--convention", choices=CONVENTIONS, default="sum", help=CONVENTION_HELP)
    solve.add_argument(
        "--partitions",
        choices=("realizable", "naive"),
        default="realizable",
        help="activation patterns to enumerate: only those realizable by some unit "
        "(default), or all of them (slow; for cross-checking)",
    )
    solve.add_argument(
        "--face-timeout",
        metavar="SECONDS",
        default="60",
        help="time limit per face, after which it is reported undecided "
        "(default 60; 0 means no limit)",
    )
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
        "in seconds for any n and L), and stop",
    )
    solve.add_argument(
        "--force",
        action="store_true",
        help=f"run even when more than {ORBIT_LIMIT:,} orbits of faces are to be processed "
        "(refused by default: half a day of work or more)",
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
    _add_common(solve)
    solve.set_defaults(func=_cmd_solve)

    verify = sub.add_parser(
        "verify",
        help="independently re-check a result document against its data",
        description="Re-check the minima claimed in RESULT.json on the data in DATA.csv,\n"
        "independently of the run that produced it.",
        epilog=VERIFY_EPILOG,
        formatter_class=fmt,
    )
    verify.add_argument("result", metavar="RESULT.json", help="result document of solve --out")
    verify.add_argument(
        "data",
        metavar="DATA.csv",
        nargs="?",
        default=None,
        help="optional: the data file it was computed on, checked against the data "
        "recorded in RESULT.json (which are used without it)",
    )
    verify.add_argument("--quiet", action="store_true", help="no progress on stderr")
    verify.set_defaults(func=_cmd_verify)

    report = sub.add_parser(
        "report",
        help="write an HTML report with figures of a result document",
        description="Write DIR/index.html and the PNG figures it references: the function\n"
        "of every minimum, a slice of the reduced loss through it, and a summary table.",
        epilog=REPORT_EPILOG,
        formatter_class=fmt,
    )
    report.add_argument("result", metavar="RESULT.json", help="result document of solve --out")
    report.add_argument(
        "data",
        metavar="DATA.csv",
        nargs="?",
        default=None,
        help="optional: the data file it was computed on, checked against the data "
        "recorded in RESULT.json (which the report uses)",
    )
    report.add_argument("--out", metavar="DIR", required=True, help="output directory")
    report.add_argument(
        "--compare",
        metavar="COMPARE.json",
        help="a `compare --out` document of the same problem: adds the basin bar chart",
    )
    report.add_argument(
        "--slice",
        metavar="X,Y",
        action="append",
        default=[],
        help="coordinates of psi to move in the loss slices, e.g. B_0,c_0 or B_1,B_0 "
        "(B_l_j, c_l when d > 1); repeatable; default one slice per unit, (B_l[0], c_l)",
    )
    report.set_defaults(func=_cmd_report)

    example = sub.add_parser(
        "example",
        help="run the built-in example (n = 5, L = 2, lam = 1/10)",
        description="Run solve on the built-in example data set.",
        epilog=EXAMPLE_EPILOG,
        formatter_class=fmt,
    )
    _add_common(example)
    example.set_defaults(func=_cmd_example)
    _add_compare(sub, fmt)
    _add_global(sub, fmt)
    return parser


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="RESULT.json", help="write the result document here")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")


class _Progress:
    """One status line on stderr, rewritten with carriage returns, after a ``header`` line
    written at the first call."""

    def __init__(self, stream=None, min_interval: float = 0.2, header: str | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.header = header
        self.min_interval = min_interval
        self.last = -math.inf
        self.width = 0

    def __call__(self, done: int, total: int, elapsed: float) -> None:
        if self.header is not None:
            self.stream.write(self.header + "\n")
            self.header = None
        now = time.monotonic()
        if done < total and now - self.last < self.min_interval:
            return
        self.last = now
        eta = f"{elapsed / done * (total - done):.0f} s" if 0 < done <= total else "?"
        line = f"faces {done}/{total}  elapsed {elapsed:.1f} s  ETA {eta}"
        pad = " " * max(0, self.width - len(line))
        self.width = len(line)
        self.stream.write("\r" + line + pad)
        self.stream.flush()

    def finish(self) -> None:
        if self.width:
            self.stream.write("\n")
            self.stream.flush()
            self.width = 0


def _run(
    data: str | Path,
    *,
    hidden: int,
    lam: object,
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
    # Every setting and the output location are checked before any work, so a mistake
    # costs seconds, not a lost computation.
    out_path = check_output_path(out) if out is not None else None
    if report is not None and Path(report).exists() and not Path(report).is_dir():
        raise InputError(f"--report must be a directory, got the file {report}")
    problem = load_problem(data, hidden=hidden, lam=lam, convention=convention)

    # Counted by formula, without the algebra stack (Singular, msolve: 2 s to import).
    counts = estimate(problem.X, hidden=problem.hidden, partitions=partitions)
    if dry_run:
        _print_out(_plan_line(counts, partitions))
        return EXIT_OK
    if counts.orbits > ORBIT_LIMIT and not force:
        raise InputError(
            f"this run would process {'' if counts.exact else 'at most '}"
            f"{_count(counts.orbits)} orbits of faces, more than "
            f"{ORBIT_LIMIT:,} (half a day of work or more); use fewer samples or hidden units, "
            "or pass --force to run it anyway"
        )

    from reluscape.execution import pipeline  # lazy: heavy imports (Singular, msolve)

    # The estimate opens the progress display: shown when the faces start, so that an
    # error found on the way there (checkpoint, scheduler) is the only line on stderr.
    progress = None if quiet else _Progress(header=_plan_line(counts, partitions))
    callback: Callable[[int, int, float], None] | None = progress
    try:
        result: Result = pipeline.solve(
            problem,
            partitions=partitions,
            face_timeout=face_timeout,
            jobs=jobs,
            scheduler=scheduler,
            checkpoint=checkpoint,
            progress=callback,
            census=census,
        )
    finally:
        if progress is not None:
            progress.finish()
    if census:
        from reluscape.numerical.landscape import connect  # lazy: scipy, cvxpy

        with _float_limits("solve --census"):
            result = connect(problem, result)
    # The file first: a reader of stdout that goes away (| head) cannot cost the result.
    if out_path is not None:
        written = _save(out_path, result.to_json() + "\n")
        if not quiet:
            print(f"{PROG}: result written to {written}", file=sys.stderr)
    _print_out(result.summary())
    if report is not None:
        from reluscape.numerical.report import write_report  # lazy: matplotlib

        index = write_report(result, problem, report)
        if not quiet:
            print(f"{PROG}: report written to {index}", file=sys.stderr)
    if not result.complete:
        print(f"{PROG}: note: {_incomplete_reason(result)}", file=sys.stderr)
        return EXIT_INCOMPLETE
    return EXIT_OK


def _save(path: Path, text: str) -> Path:
    """Write the result document; if that fails after the work (the directory removed,
    the disk full), save it in the temporary directory and say where, so the run is not
    lost."""
    try:
        return write_output(path, text)
    except InputError as exc:
        try:
            fd, rescue = tempfile.mkstemp(prefix=f"{PROG}-result-", suffix=".json")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError:
            raise exc from None
        raise InputError(f"{exc}; the result was saved to {rescue} instead") from None


def _count(value: int) -> str:
    """An exact count, or its order of magnitude when it is too long to read.

    >>> _count(231), _count(10**40 * 3), _count(10**50 - 1)
    ('231', 'about 3.0e+40', 'about 1.0e+50')
    """
    if value < 10**12:
        return str(value)
    # log10 of a Python int is accurate for any size; str() of a huge one may be refused.
    exponent = math.floor(math.log10(value))
    mantissa = round(10 ** (math.log10(value) - exponent), 1)
    if mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"about {mantissa:.1f}e+{exponent}"


def _plan_line(counts: Counts, partitions: str) -> str:
    bound = "" if counts.exact else "at most "
    note = "" if counts.exact else " (upper bounds: the counts of data in general position)"
    return (
        f"{PROG}: {partitions} division, L = {counts.hidden}: "
        f"{bound}{_count(counts.unit_faces)} faces per unit, "
        f"{bound}{_count(counts.faces)} product faces, {bound}{_count(counts.orbits)} orbits "
        f"under unit permutation to process ({_count(counts.activation_patterns)} activation "
        f"patterns 2^(L n)){note}"
    )


def _print_out(text: str) -> None:
    """Print to stdout; a reader that went away (``| head``) is not an error.

    As the Python documentation advises (signal module, "Note on SIGPIPE"), stdout is
    then pointed at devnull, so the interpreter's final flush does not fail again; the
    run goes on, its files are written and its exit code is unchanged.
    """
    try:
        print(text, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


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


def _cmd_solve(args: argparse.Namespace) -> int:
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


def _cmd_verify(args: argparse.Namespace) -> int:
    from reluscape.numerical import verify as check  # lazy: scipy

    def progress(line: str) -> None:
        print(f"{PROG} verify: {line}", file=sys.stderr, flush=True)

    with _float_limits("verify"):
        report = check.verify(args.result, args.data, progress=None if args.quiet else progress)
    _print_out(report.table())
    return EXIT_OK if report.passed else EXIT_CHECK_FAILED


@contextlib.contextmanager
def _float_limits(command: str) -> Iterator[None]:
    """The float tools' overflow or division by zero on extreme numbers (1e400, a lambda
    of 1e-400) is unusable input, exit code 2, never a traceback nor exit code 1 (which
    for ``verify`` means a refuted claim)."""
    try:
        yield
    except (OverflowError, ZeroDivisionError) as exc:
        raise InputError(
            f"{command} cannot handle the numbers of this problem in floating point "
            f"({type(exc).__name__}: {exc}); the exact result of solve is not affected"
        ) from None


def _cmd_report(args: argparse.Namespace) -> int:
    from reluscape.numerical.report import report_from_files  # lazy: matplotlib

    with _float_limits("report"):
        index = report_from_files(
            args.result, args.data, args.out, compare_path=args.compare, slices=args.slice
        )
    _print_out(f"{PROG}: report written to {index}")
    return EXIT_OK


def _add_compare(sub: argparse._SubParsersAction, fmt: type) -> None:
    compare = sub.add_parser(
        "compare",
        help="compare the enumeration with multistart training and the convex bound",
        description="Run the exact enumeration, multistart training from K seeded starts\n"
        "(and Adam if torch is installed) and the convex reformulation (Pilanci and\n"
        "Ergen 2020); assign every trained run to the enumerated minimum it reached, and\n"
        "show the certified global minimum beside the multistart best and p*.",
        epilog=f"examples:\n  {PROG} compare data.csv --hidden 2 --lam 1/10 --starts 200 "
        f"--out compare.json\n  {PROG} compare big.csv --hidden 2 --lam 1 --global\n\n"
        "exit codes: 0 consistent, 1 a possible bug (a run at a local minimum not "
        "enumerated or below the certified global minimum, or p* above the global "
        "minimum), 2 bad usage or input.",
        formatter_class=fmt,
    )
    compare.add_argument("data", metavar="DATA.csv", help="data file: inputs x, then y last")
    compare.add_argument("--hidden", metavar="L", required=True, help="hidden units, >= 1")
    compare.add_argument("--lam", metavar="Q", required=True, help="ridge parameter > 0")
    compare.add_argument("--convention", choices=CONVENTIONS, default="sum", help=CONVENTION_HELP)
    compare.add_argument("--starts", metavar="K", default="1000", help="random starts (1000)")
    compare.add_argument("--seed", metavar="S", default="0", help="seed of the starts (0)")
    source = compare.add_mutually_exclusive_group()
    source.add_argument(
        "--result",
        metavar="RESULT.json",
        help="reuse this result (of solve, or of global) instead of computing one",
    )
    source.add_argument(
        "--global",
        dest="global_search",
        action="store_true",
        help="certify the global minimum (as `global` does) instead of enumerating every "
        "minimum: for data beyond enumeration scale",
    )
    compare.add_argument("--out", metavar="FILE.json", help="write the full comparison here")
    compare.set_defaults(func=_cmd_compare)


def _add_global(sub: argparse._SubParsersAction, fmt: type) -> None:
    glob = sub.add_parser(
        "global",
        help="the certified global minimum and every global minimizer",
        description="Certify the global minimum value as an interval with exact bounds\n"
        "(one convex program per piece of parameter space, lower bounds from dual points\n"
        "checked in rational arithmetic) and find every global minimizer by the exact\n"
        "path of `solve` on the faces that can hold one (docs/METHOD.md section 10).",
        epilog=f"example:\n  {PROG} global data.csv --hidden 2 --lam 1/10 --out global.json\n\n"
        "exit codes: 0 certified, 1 incomplete (the interval still holds), 2 bad usage "
        "or input.",
        formatter_class=fmt,
    )
    glob.add_argument("data", metavar="DATA.csv", help="data file: inputs x, then y last")
    glob.add_argument("--hidden", metavar="L", required=True, help="hidden units, >= 1")
    glob.add_argument("--lam", metavar="Q", required=True, help="ridge parameter > 0")
    glob.add_argument("--convention", choices=CONVENTIONS, default="sum", help=CONVENTION_HELP)
    glob.add_argument("--jobs", metavar="N", default="1", help="faces at a time (default 1)")
    glob.add_argument(
        "--face-timeout",
        metavar="SECONDS",
        default="1800",
        help="time limit per face of the exact path (default 1800: few faces, but one "
        "may take minutes; 0 means no limit)",
    )
    glob.add_argument(
        "--starts", metavar="K", default="20", help="multistart runs for the first upper bound"
    )
    _add_common(glob)
    glob.set_defaults(func=_cmd_global)


def _cmd_global(args: argparse.Namespace) -> int:
    from reluscape.global_search import run_cli  # lazy: scipy, the algebra stack

    return run_cli(args)


def _cmd_compare(args: argparse.Namespace) -> int:
    from reluscape.numerical.compare import run_cli  # lazy: scipy, cvxpy

    return run_cli(args)


def _cmd_example(args: argparse.Namespace) -> int:
    from reluscape.data import example_path

    return _run(
        example_path(),
        hidden=2,
        lam="1/10",
        convention="sum",
        partitions="realizable",
        face_timeout=60.0,
        out=args.out,
        quiet=args.quiet,
    )


def _error(message: str) -> int:
    one_line = " ".join(str(message).split())
    print(f"{PROG}: error: {one_line}", file=sys.stderr)
    return EXIT_USAGE


class _StderrHandler(logging.Handler):
    """The library's warnings (the ``reluscape`` logger) as ``reluscape: warning: ...``
    lines on the current stderr (looked up at each message, so a replaced stderr works)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            print(f"{PROG}: warning: {self.format(record)}", file=sys.stderr, flush=True)
        except Exception:
            self.handleError(record)


def _log_warnings_to_stderr() -> None:
    logger = logging.getLogger(PROG)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler(logging.WARNING))


def main(argv: list[str] | None = None) -> int:
    """Run the ``reluscape`` command; return the exit code."""
    _log_warnings_to_stderr()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        return _error(str(exc))
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    try:
        return args.func(args)
    except InputError as exc:
        return _error(str(exc))
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130

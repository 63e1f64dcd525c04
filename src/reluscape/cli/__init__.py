"""Command line: ``reluscape solve``, ``global``, ``compare``, ``verify``, ``report``,
``path``, ``study`` and ``example``: the one command layer.

Each command is one module of this package (its arguments, their validation through
:mod:`reluscape.validation`, its progress and exit code) over a library function that
takes validated values and returns a typed result; no module outside this package
parses arguments. What every command shares lives in :mod:`reluscape.cli.common` (the
problem's arguments, exit codes, progress) and :mod:`reluscape.cli.output` (the
document written before anything is printed, a rescue copy when the write fails after
the work, the broken-pipe guard).

Results go to stdout (the summary table) and to ``--out`` (the JSON document of
:mod:`reluscape.schema`); progress, warnings and messages go to stderr.

Exit codes: 0 success; 1 the work is incomplete (some face or candidate was not
decided), or ``verify`` found a claim that fails a check, or ``compare`` a possible bug;
2 bad usage or bad input, or an output file that could not be written (one line
``reluscape: error: ...``).

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
import sys

from reluscape.cli import common, compare, global_, path, report, solve, study, verify
from reluscape.cli.common import EXIT_INTERRUPTED, EXIT_OK, UsageError
from reluscape.defaults import HOURS_LIMIT
from reluscape.validation import PROG, InputError

__all__ = ["COMMANDS", "HOURS_LIMIT", "build_parser", "main"]

COMMANDS = (solve, verify, report, compare, global_, path, study)
"""The modules of the commands, in the order of ``--help``; each adds its subcommands."""

MAIN_EPILOG = f"""\
examples:
  {PROG} example
  {PROG} solve data.csv --hidden 2 --lam 1/10 --out result.json
  {PROG} verify result.json data.csv

exit codes: 0 success, 1 enumeration incomplete or a verified claim failed,
2 bad usage or bad input, or an output file that could not be written.
"""


def _version() -> str:
    """The installed package's version (``reluscape.__version__``)."""
    from reluscape import __version__

    return __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``reluscape`` command."""
    parser = common.Parser(
        prog=PROG,
        description="Exact enumeration of every local minimum of the ridge-regularized\n"
        "squared loss of a one-hidden-layer ReLU network (Divide-Enumerate-Merge).",
        epilog=MAIN_EPILOG,
        formatter_class=common.FORMATTER,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the ``reluscape`` command; return the exit code."""
    common.log_warnings_to_stderr()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        return common.error(str(exc))
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    try:
        return args.func(args)
    except InputError as exc:
        return common.error(str(exc))
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED

"""``reluscape verify``: re-check a result document independently of the run that made it."""

from __future__ import annotations

import argparse
import sys

from reluscape.cli import common
from reluscape.cli.common import EXIT_CHECK_FAILED, EXIT_OK
from reluscape.cli.output import print_out
from reluscape.validation import PROG

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


def add_parsers(sub: argparse._SubParsersAction) -> None:
    verify = sub.add_parser(
        "verify",
        help="independently re-check a result document against its data",
        description="Re-check the minima claimed in RESULT.json on the data in DATA.csv,\n"
        "independently of the run that produced it.",
        epilog=VERIFY_EPILOG,
        formatter_class=common.FORMATTER,
    )
    common.add_result_and_data(verify, "which are used without it")
    verify.add_argument("--quiet", action="store_true", help="no progress on stderr")
    verify.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from reluscape.pathresult import is_path_document

    if is_path_document(args.result):  # a document of `reluscape path`
        from reluscape.cli.path import run_verify

        return run_verify(args)
    from reluscape.numerical import verify as check  # lazy: scipy

    with common.float_limits("verify"):
        report = check.verify(args.result, args.data, progress=None if args.quiet else _progress)
    print_out(report.table())
    return EXIT_OK if report.passed else EXIT_CHECK_FAILED


def _progress(line: str) -> None:
    print(f"{PROG} verify: {line}", file=sys.stderr, flush=True)

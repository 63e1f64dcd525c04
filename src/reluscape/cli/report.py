"""``reluscape report``: an HTML report with figures of a result document."""

from __future__ import annotations

import argparse
from pathlib import Path

from reluscape.cli import common
from reluscape.cli.common import EXIT_OK
from reluscape.cli.output import print_out
from reluscape.validation import PROG, InputError, check_output_dir

REPORT_EPILOG = f"""\
example:
  {PROG} solve data.csv --hidden 2 --lam 1/10 --out result.json
  {PROG} report result.json --out report/
  {PROG} compare data.csv --hidden 2 --lam 1/10 --result result.json --out cmp.json
  {PROG} report result.json data.csv --out report/ --compare cmp.json --slice B_0,B_1

  {PROG} study --data random:n=4..8 --seeds 3 --hidden 2 --lam 1/10 --out study/
  {PROG} report study/ --out page/

Writes a self-contained directory (index.html plus PNG figures, Matplotlib Agg)
from the data recorded in RESULT.json. DATA.csv is optional; when given it must
equal the recorded data exactly. The same report is written
by `{PROG} solve ... --report DIR`. Given the directory of `{PROG} study`
instead of RESULT.json, writes the study page (counts against n, L and lambda,
distributions over seeds, the tables).

exit codes: 0 report written, 2 bad usage, a malformed or wrong-version
RESULT.json, different data, or an unwritable DIR.
"""


def add_parsers(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser(
        "report",
        help="write an HTML report with figures of a result document",
        description="Write DIR/index.html and the PNG figures it references: the function\n"
        "of every minimum, a slice of the reduced loss through it, and a summary table.",
        epilog=REPORT_EPILOG,
        formatter_class=common.FORMATTER,
    )
    common.add_result_and_data(report, "which the report uses")
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
    report.add_argument("--quiet", action="store_true", help="no progress on stderr")
    report.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    check_output_dir(args.out, "--out")  # before reading and drawing
    if Path(args.result).is_dir():
        return _study(args)
    from reluscape.numerical.report import report_from_files  # lazy: matplotlib

    with common.float_limits("report"):
        index = report_from_files(
            args.result, args.data, args.out, compare_path=args.compare, slices=args.slice,
            progress=_progress(args.quiet),
        )  # fmt: skip
    print_out(f"{PROG}: report written to {index}")
    return EXIT_OK


def _progress(quiet: bool) -> common.Progress | None:
    """The report's progress bar (minima drawn), unless ``--quiet``."""
    return None if quiet else common.Progress(label="report: minima drawn", unit="minimum")


def _study(args: argparse.Namespace) -> int:
    """The study page of a ``reluscape study`` directory."""
    if args.data is not None or args.compare is not None or args.slice:
        raise InputError("a study directory takes no DATA.csv, --compare or --slice")
    from reluscape.numerical.report.study import report_from_directory  # lazy: matplotlib

    index = report_from_directory(args.result, args.out)
    print_out(f"{PROG}: study report written to {index}")
    return EXIT_OK

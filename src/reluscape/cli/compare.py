"""``reluscape compare``: the enumeration beside multistart training and the convex bound
(the library is :mod:`reluscape.numerical.compare`)."""

from __future__ import annotations

import argparse

from reluscape.cli import common
from reluscape.cli.common import EXIT_CHECK_FAILED, EXIT_NOT_SAVED, EXIT_OK
from reluscape.cli.global_ import check_pieces
from reluscape.cli.output import print_out, save
from reluscape.data import load_problem
from reluscape.defaults import COMPARE_STARTS
from reluscape.validation import (
    PROG,
    check_float_range,
    check_int,
    check_lambda,
    check_output_path,
    check_seed,
    check_starts,
)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    compare = sub.add_parser(
        "compare",
        help="compare the enumeration with multistart training and the convex bound",
        description="Run the exact enumeration, multistart training from K seeded starts\n"
        "(and Adam if torch is installed) and the convex reformulation (Pilanci and\n"
        "Ergen 2020); assign every trained run to the enumerated minimum it reached, and\n"
        "show the certified global minimum beside the multistart best and p*.",
        epilog=f"examples:\n  {PROG} compare data.csv --hidden 2 --lam 1/10 --starts 200 "
        f"--out compare.json\n  {PROG} compare big.csv --hidden 2 --lam 1 --global\n\n"
        "--out is checked before the work and written before the table is printed; if the "
        "write fails after the work, the comparison is saved in the temporary, working or "
        "home directory and the file named on stderr (exit code 2).\n\n"
        "exit codes: 0 consistent, 1 a possible bug (a run at a local minimum not "
        "enumerated or below the certified global minimum, or p* above the global "
        "minimum), 2 bad usage or input, or a comparison that could not be written.",
        formatter_class=common.FORMATTER,
    )
    common.add_problem_arguments(compare)
    compare.add_argument(
        "--starts",
        metavar="K",
        default=str(COMPARE_STARTS),
        help=f"random starts ({COMPARE_STARTS})",
    )
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
    compare.add_argument("--quiet", action="store_true", help="no progress on stderr")
    compare.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    hidden = check_int(args.hidden, "number of hidden units L", min_val=1)
    lam = check_lambda(args.lam)
    starts = check_starts(args.starts, "--starts")
    seed = check_seed(args.seed, "--seed")
    out = check_output_path(args.out) if args.out is not None else None  # before the work
    problem = load_problem(args.data, hidden=hidden, lam=lam, convention=args.convention)
    check_float_range(problem.X, problem.y, problem.lam_sum, "compare")
    if args.global_search:
        check_pieces(problem, force=False, command="compare --global")

    from reluscape.numerical import compare as library  # lazy: scipy, cvxpy

    result = library.load_result(args.result, problem) if args.result else None
    with common.float_limits("compare"):
        comparison = library.compare(
            problem, starts=starts, seed=seed, result=result, global_search=args.global_search,
            progress=None if args.quiet else common.Progress(label="compare", unit="stage"),
        )  # fmt: skip
    # The file first: a reader of stdout that goes away (| head) cannot cost it.
    saved = out is None or save(out, comparison.to_json() + "\n", what="comparison", quiet=False)
    print_out(comparison.table())
    findings = comparison.findings()
    for line in findings:
        common.say(line)
    if not saved:
        return EXIT_NOT_SAVED
    if findings:
        return EXIT_CHECK_FAILED
    return EXIT_OK

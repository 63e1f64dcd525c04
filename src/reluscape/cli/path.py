"""``reluscape path``: every local minimum as lambda varies over a range (the library is
:mod:`reluscape.execution.lampath`, the document :mod:`reluscape.pathresult`).

Settings and the output path are checked before any work; the document is written
before the summary is printed (:mod:`reluscape.cli.output`).
"""

from __future__ import annotations

import argparse
from fractions import Fraction

from reluscape.cli import common
from reluscape.cli.common import EXIT_CHECK_FAILED, EXIT_INCOMPLETE, EXIT_NOT_SAVED, EXIT_OK
from reluscape.cli.output import print_out, save
from reluscape.data import load_problem
from reluscape.defaults import HOURS_LIMIT
from reluscape.exact.counting import estimate
from reluscape.execution.costs import estimate_cost
from reluscape.validation import (
    PROG,
    InputError,
    check_int,
    check_lam_range,
    check_lambda,
    check_output_path,
    check_timeout,
)

PATH_EPILOG = f"""\
example:
  {PROG} path data.csv --hidden 2 --lam-range 1/1000:10 --out path.json

Lists every event of the local minima over [LO, HI]: births, deaths, wall
crossings, dimension changes and switches of the global minimum. For each product
face that can hold a critical point in the range, the weights are eliminated from
its critical system with lambda free, leaving polynomials in lambda whose roots hold
every value where the face's minima change; each face is solved exactly between
consecutive roots, and a sample between each two roots where something changes
gives the minima there. Every event is then an exact real algebraic number (its
minimal polynomial and an isolating interval) and the summary says "certified
complete" (docs/METHOD.md section 15). A face whose conditions do not reduce to
polynomials in lambda is followed instead by solves at --samples geometric values,
bisected to --width (at most --max-solves per face); its events are brackets and the
list is then NOT certified complete.

--checkpoint DIR keeps the faces' event polynomials and every face solved (one
directory per value of lambda): a rerun with the same DIR after a kill recomputes only
what was not finished. --out is checked before the work and written before the
summary is printed.

exit codes: 0 every solve complete, 1 some solve incomplete (undecided faces or
candidates), 2 bad usage or input, an unusable --out or a document that could not
be written there, or a run over the limit without --force.
"""


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "path",
        help="every local minimum as lambda varies over a range (the regularization path)",
        description="The bifurcation diagram of the local minima over a range of lambda:\n"
        "branches, events and the global-minimum path, from exact solves.",
        epilog=PATH_EPILOG,
        formatter_class=common.FORMATTER,
    )
    p.add_argument("data", metavar="DATA.csv", help="data file: inputs x, then y last")
    p.add_argument(
        "--hidden", metavar="L", required=True, help="number of hidden units, an integer >= 1"
    )
    p.add_argument(
        "--lam-range",
        metavar="LO:HI",
        required=True,
        help="the range of lambda, 0 < LO < HI, read exactly (1/1000:10)",
    )
    p.add_argument(
        "--convention", choices=("sum", "mean"), default="sum", help=common.CONVENTION_HELP
    )
    p.add_argument(
        "--samples",
        metavar="K",
        default="9",
        help="first samples of a face not covered by event polynomials (default 9)",
    )
    p.add_argument(
        "--width",
        metavar="Q",
        default="1/100",
        help="bisect a bracket while it is wider than Q relative to its lower end (default 1/100)",
    )
    p.add_argument(
        "--max-solves",
        metavar="N",
        default="200",
        help="at most N solves of a face not covered by event polynomials (default 200)",
    )
    p.add_argument("--jobs", metavar="N", default="1", help="faces at a time (default 1)")
    common.add_face_timeout(p, 0, ": none")
    p.add_argument(
        "--checkpoint",
        metavar="DIR",
        default=None,
        help="keep each face's event polynomials and face solves in DIR; a rerun continues",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help=f"run even when the first samples' solves alone are estimated at more than "
        f"{HOURS_LIMIT:g} hours (refused by default)",
    )
    common.add_out_and_quiet(p, "PATH.json")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    hidden = check_int(args.hidden, "number of hidden units L", min_val=1)
    lo, hi = check_lam_range(args.lam_range)
    samples = check_int(args.samples, "--samples", min_val=2)
    width = check_lambda(args.width, "--width")
    max_solves = check_int(args.max_solves, "--max-solves", min_val=samples)
    jobs = check_int(args.jobs, "--jobs", min_val=1)
    face_timeout = check_timeout(args.face_timeout)
    out = check_output_path(args.out) if args.out is not None else None  # before the work
    problem = load_problem(args.data, hidden=hidden, lam=lo, convention=args.convention)
    counts = estimate(problem.X, hidden=problem.hidden, partitions="realizable")
    # A path is at least ``samples`` solves of this size (bisection adds more): refused, as
    # solve is, when those alone are estimated past the hours limit.
    cost = estimate_cost(counts.orbits, hidden=problem.hidden, d=problem.d, jobs=jobs)
    if cost.hours * samples > HOURS_LIMIT and not args.force:
        raise InputError(
            f"each solve of this path would process {common.count(counts.orbits)} orbits "
            f"of faces ({cost.text()}), and its {samples} first samples more than the limit "
            f"of {HOURS_LIMIT:g} h; use fewer samples or hidden units, or pass --force"
        )

    from reluscape.execution.lampath import path  # lazy: the algebra stack

    result = path(
        problem,
        lo,
        hi,
        samples=samples,
        width=Fraction(width),
        max_solves=max_solves,
        jobs=jobs,
        face_timeout=face_timeout or None,
        checkpoint=args.checkpoint,
        progress=None if args.quiet else common.say,
    )
    # The file first: a reader of stdout that goes away (| head) cannot cost the result.
    saved = out is None or save(out, result.to_json() + "\n", what="path", quiet=args.quiet)
    print_out(result.summary())
    if not saved:
        return EXIT_NOT_SAVED
    return EXIT_OK if all(s.complete for s in result.samples) else EXIT_INCOMPLETE


def run_verify(args: argparse.Namespace) -> int:
    """``reluscape verify PATH.json [DATA.csv]``: every sample re-solved, every event's
    interval re-isolated (:func:`reluscape.execution.lampath.verify_path`)."""
    from reluscape.execution.lampath import verify_path
    from reluscape.pathresult import PathResult

    doc = PathResult.read(args.result)
    data = None
    if args.data is not None:
        recorded = doc.problem
        data = load_problem(
            args.data, hidden=recorded.hidden, lam=recorded.lam, convention=recorded.convention
        )
    checks = verify_path(doc, data=data, progress=None if args.quiet else common.say)
    failed = [c for c in checks if not c.passed]
    lines = [f"{'ok' if c.passed else 'REFUTED'}  {c.what}  {c.detail}".rstrip() for c in checks]
    lines.append(
        f"path document: {len(checks) - len(failed)} of {len(checks)} checks passed"
        + ("" if doc.event_list_complete else " (its event list is not certified complete)")
    )
    print_out("\n".join(lines))
    return EXIT_OK if not failed else EXIT_CHECK_FAILED

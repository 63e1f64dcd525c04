"""``reluscape study``: the landscape over a grid of data sets, L, lambda and convention.

The grid comes from the flags (``--data`` specs with ``--seeds``, ``--hidden``,
``--lam``, ``--convention``) or from a grid file (TOML or JSON, the same keys); it is
validated whole (:mod:`reluscape.studies.grid`) and the output directory checked before
any run. Each finished run is kept in the checkpoint (``OUT/checkpoint`` unless
``--checkpoint`` names another), so a stopped study resumes where it stopped; the tables
are written before the summary is printed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

from reluscape.cli import common
from reluscape.cli.common import EXIT_INCOMPLETE, EXIT_OK
from reluscape.cli.output import print_out
from reluscape.data import read_text
from reluscape.defaults import MAX_STARTS
from reluscape.validation import PROG, InputError, check_int, check_output_dir

STUDY_EPILOG = f"""\
examples:
  {PROG} study --data random:n=4..12:d=1 --seeds 3 --hidden 2 --lam 1/10 --out study/
  {PROG} study --data teacher:n=8:hidden=2 --data data/ --hidden 1,2,3 --lam 1/10,1 \\
      --jobs 2 --out study/
  {PROG} study --grid grid.toml --out study/ && {PROG} report study/ --out page/

data specs (--data, repeatable; a list or an integer range a..b for any key):
  random:n=8:d=1:seed=3                 inputs and outcomes: tenths in [-2, 2]
  teacher:n=8:d=1:hidden=2:noise=1/10   outcomes of a ReLU network with 2 units
  curve:n=8:shape=sine,step,abs,linear  a 1-D regression shape (noise= too)
  csv:PATH or PATH                      a CSV file, or every *.csv of a folder
A generator spec without seed= gets seeds 0 .. K-1 (--seeds K, default 1).

grid file (TOML or JSON; the flags' names, lists or single values):
  data = ["random:n=4..12:d=1"]
  seeds = 3
  hidden = [2]
  lam = ["1/10"]
  convention = ["sum"]

Writes OUT/runs.csv (one row per run: parameters, minima by dimension, spurious
minima, global loss, complete, seconds) and OUT/minima.csv (one row per minimum per
run), or .parquet with --format parquet, then prints the summary over seeds. Runs
are solved without a face time limit. Each finished run is stored in the
checkpoint (default OUT/checkpoint): the same command after a stop or crash
solves only the runs left.

exit codes: 0 every run complete, 1 some run incomplete or failed (its row says
which), 2 bad usage, a bad grid or data spec, an unusable OUT or checkpoint.
"""

LIST_KEYS = ("hidden", "lam", "convention")


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "study",
        help="every local minimum over a grid of data sets, L, lambda and convention",
        description="Solve every combination of data sets, numbers of hidden units L,\n"
        "ridge parameters and conventions, and write the tables of the study.",
        epilog=STUDY_EPILOG,
        formatter_class=common.FORMATTER,
    )
    p.add_argument(
        "--data",
        metavar="SPEC",
        action="append",
        default=[],
        help="a data generator spec, a CSV file or a folder of them (repeatable)",
    )
    p.add_argument(
        "--seeds",
        metavar="K",
        default=None,
        help="seeds 0 .. K-1 for each generator spec without seed= (default 1)",
    )
    p.add_argument("--hidden", metavar="L,...", help="numbers of hidden units, e.g. 2 or 1..3")
    p.add_argument("--lam", metavar="Q,...", help='ridge parameters, e.g. "1/10,1"')
    p.add_argument(
        "--convention", metavar="C,...", default=None, help='"sum" (default), "mean" or both'
    )
    p.add_argument(
        "--grid", metavar="FILE", default=None, help="a grid file (.toml or .json) instead"
    )
    p.add_argument("--out", metavar="DIR", required=True, help="directory for the tables")
    p.add_argument(
        "--format", choices=("csv", "parquet"), default="csv", help="table format (default csv)"
    )
    p.add_argument(
        "--jobs",
        metavar="N",
        default="1",
        help="runs solved at the same time, one worker process each, every worker importing "
        "the algebra stack once (default 1: in this process)",
    )
    p.add_argument(
        "--checkpoint",
        metavar="DIR",
        default=None,
        help="keep each finished run in DIR (default OUT/checkpoint); rerunning resumes",
    )
    p.add_argument(
        "--starts",
        metavar="K",
        default="0",
        help="also train each run from K seeded starts and record the basins: each "
        "minimum's basin_share, each run's global_share, unmatched_share, multistart_best "
        "(default 0: none)",
    )
    p.add_argument(
        "--convex", action="store_true", help="also record each run's convex bound p*"
    )
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


def _split(text: object, flag: str) -> list[Any]:
    """A flag's comma list (``1..3`` ranges of integers for --hidden)."""
    if isinstance(text, list):
        return text
    if not isinstance(text, str | int):
        raise InputError(f"{flag} must be a value or a list, got {text!r}")
    items = [s.strip() for s in str(text).split(",")]
    out: list[Any] = []
    for item in items:
        low, dots, high = item.partition("..")
        if dots and flag == "--hidden":
            lo = check_int(low, f"{flag} range start", min_val=1)
            out.extend(range(lo, check_int(high, f"{flag} range end", min_val=lo) + 1))
        else:
            out.append(item)
    return out


def _grid_file(path: str) -> dict[str, Any]:
    """The settings of a TOML or JSON grid file (by its suffix)."""
    p = Path(path)
    text = read_text(p, kind="grid", expected="a TOML or JSON file")
    try:
        if p.suffix.lower() == ".toml":
            doc = tomllib.loads(text)
        elif p.suffix.lower() == ".json":
            doc = json.loads(text)
        else:
            raise InputError(f"grid file {p}: expected a .toml or .json file")
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"grid file {p} is not valid {p.suffix[1:].upper()}: {exc}") from None
    if not isinstance(doc, dict):
        raise InputError(f"grid file {p}: expected a table of keys, got {type(doc).__name__}")
    allowed = ("data", "seeds", *LIST_KEYS)
    unknown = sorted(set(doc) - set(allowed))
    if unknown:
        raise InputError(f"grid file {p}: unknown key {unknown[0]!r} ({', '.join(allowed)})")
    return doc


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """The grid's settings from the flags or the grid file (not both)."""
    flags = {"data": args.data or None, "seeds": args.seeds, "hidden": args.hidden,
             "lam": args.lam, "convention": args.convention}
    given = [k for k, v in flags.items() if v is not None]
    if args.grid is not None:
        if given:
            raise InputError(f"--grid and --{given[0]} exclude each other: put it in the file")
        return _grid_file(args.grid)
    for key in ("data", "hidden", "lam"):
        if flags[key] is None:
            raise InputError(f"--{key} is required (or a --grid file)")
    return {k: v for k, v in flags.items() if v is not None}


def grid_of(settings: dict[str, Any]) -> dict[str, Any]:
    """The grid of :func:`reluscape.study` from the command's settings: every data spec
    expanded with the seeds."""
    from reluscape.datasets import expand

    seeds = settings.get("seeds")
    count = None if seeds is None else check_int(seeds, "--seeds", min_val=1)
    specs = settings.get("data")
    if specs is None:
        raise InputError("the grid has no 'data'; required: data, hidden, lam")
    if isinstance(specs, str):
        specs = [specs]
    if not isinstance(specs, list) or not all(isinstance(s, str) for s in specs):
        raise InputError(f"data must be a list of specs, got {specs!r}")
    grid: dict[str, Any] = {"data": [ds for spec in specs for ds in expand(spec, seeds=count)]}
    for key in LIST_KEYS:
        if key in settings:
            grid[key] = _split(settings[key], f"--{key}")
    return grid


def _check_format(fmt: str) -> None:
    if fmt == "parquet" and not any(
        importlib.util.find_spec(m) for m in ("pyarrow", "fastparquet")
    ):
        raise InputError("--format parquet needs pyarrow or fastparquet installed; use csv")


def run(args: argparse.Namespace) -> int:
    from reluscape.studies import study
    from reluscape.studies.grid import runs_of

    grid = grid_of(_settings(args))
    runs_of(grid)  # the whole grid validated before any output is touched
    jobs = check_int(args.jobs, "--jobs", min_val=1)
    starts = check_int(args.starts, "--starts", min_val=0, max_val=MAX_STARTS)
    _check_format(args.format)
    out = check_output_dir(args.out, "--out")
    checkpoint = args.checkpoint if args.checkpoint is not None else out / "checkpoint"
    progress = None if args.quiet else common.Progress(label="runs")
    try:
        result = study(
            grid, jobs=jobs, checkpoint=checkpoint, progress=progress, starts=starts,
            convex=args.convex,
        )  # fmt: skip
    finally:
        if progress is not None:
            progress.finish()
    written = result.to_parquet(out) if args.format == "parquet" else result.to_csv(out)
    if not args.quiet:
        common.say(f"tables written to {written} (runs, minima)")
    print_out(_summary_text(result))
    if result.complete:
        return EXIT_OK
    bad = result.runs[~result.runs["complete"].fillna(False)]
    first = bad.iloc[0]
    why = f": {first['error']}" if first["error"] else ""
    print(
        f"{PROG}: note: {len(bad)} of {len(result.runs)} run(s) incomplete or failed, first "
        f"{first['data']} (L = {first['hidden']}, lambda = {first['lam']}){why}; see the "
        "columns complete and error of runs.csv",
        file=sys.stderr,
    )
    return EXIT_INCOMPLETE


def _summary_text(result: Any) -> str:
    table = result.summary()
    shown = table[["family", "hidden", "lam", "convention", "runs", "complete",
                   "minima_mean", "minima_max", "spurious_mean", "spurious_max", "seconds"]]
    return shown.to_string(index=False, float_format=lambda v: f"{v:.2f}")

"""What every command shares: exit codes, the problem's arguments, progress, messages.

Exit codes, the same for every command: 0 success; 1 the work is incomplete (some face or
candidate undecided, an uncertified interval) or a check failed (``verify`` refuted a
claim, ``compare`` found a possible bug); 2 bad usage or bad input, or an output file
that could not be written (one line ``reluscape: error: ...``); 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import sys
from collections.abc import Iterator
from typing import TextIO

from reluscape.data import CONVENTIONS
from reluscape.progress import Bar
from reluscape.validation import PROG, InputError

EXIT_OK = 0
EXIT_INCOMPLETE = 1
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_SAVED = 2  # an output file is missing: like an unusable --out found before the work
EXIT_INTERRUPTED = 130

CONVENTION_HELP = (
    '"sum" (default): loss 1/2 sum_i (y_i - f(x_i))^2 + lam/2 |params|^2, as in docs/METHOD.md; '
    '"mean": 1/(2n) sum_i (y_i - f(x_i))^2 + lam/2 |params|^2, the same landscape as '
    '"sum" with lam multiplied by n; every loss shown and stored is in the convention given.'
)

FORMATTER = argparse.RawDescriptionHelpFormatter


class UsageError(Exception):
    """Bad command-line usage (reported like bad input: exit 2, one line)."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of printing usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def add_problem_arguments(p: argparse.ArgumentParser) -> None:
    """DATA.csv, --hidden, --lam and --convention: the problem, validated by
    :func:`reluscape.data.load_problem` and :mod:`reluscape.validation`."""
    p.add_argument("data", metavar="DATA.csv", help="data file: inputs x, then y last")
    p.add_argument(
        "--hidden", metavar="L", required=True, help="number of hidden units, an integer >= 1"
    )
    p.add_argument(
        "--lam",
        metavar="Q",
        required=True,
        help='ridge parameter lambda > 0, read exactly ("0.1" and "1/10" are both 1/10)',
    )
    p.add_argument("--convention", choices=CONVENTIONS, default="sum", help=CONVENTION_HELP)


def add_result_and_data(p: argparse.ArgumentParser, without: str) -> None:
    """RESULT.json and the optional DATA.csv it is checked against (``without``: what is
    used when it is absent)."""
    p.add_argument("result", metavar="RESULT.json", help="result document of solve --out")
    p.add_argument(
        "data",
        metavar="DATA.csv",
        nargs="?",
        default=None,
        help="optional: the data file it was computed on, checked against the data "
        f"recorded in RESULT.json ({without})",
    )


def add_out_and_quiet(p: argparse.ArgumentParser, metavar: str = "RESULT.json") -> None:
    p.add_argument(
        "--out",
        metavar=metavar,
        help="write the result document here (checked before the work; written before "
        "anything is printed)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")


def add_face_timeout(p: argparse.ArgumentParser, default: float, why: str) -> None:
    p.add_argument(
        "--face-timeout",
        metavar="SECONDS",
        default=f"{default:g}",
        help=f"time limit per face, after which it is reported undecided (default "
        f"{default:g}{why}; 0 means no limit)",
    )


class Progress(Bar):
    """The command line's progress of one stage: a ``header`` line (the run's plan) on
    stderr at the first call, then a :class:`reluscape.progress.Bar`, drawn only when
    stderr is a terminal (a file or a pipe gets the header line only, never a carriage
    return)."""

    def __init__(
        self,
        stream: TextIO | None = None,
        header: str | None = None,
        label: str = "faces",
        unit: str = "face",
    ) -> None:
        super().__init__(label, stream=stream, unit=unit)
        self.header = header

    def __call__(self, done: int, total: int, elapsed: float = 0.0) -> None:
        if self.header is not None:
            self.stream.write(self.header + "\n")
            self.stream.flush()
            self.header = None
        super().__call__(done, total, elapsed)

    def finish(self) -> None:
        self.close()


def say(line: str) -> None:
    """A progress or status line on stderr, prefixed with the program's name."""
    print(f"{PROG}: {line}", file=sys.stderr, flush=True)


def count(value: int) -> str:
    """An exact count, or its order of magnitude when it is too long to read.

    >>> count(231), count(10**40 * 3), count(10**50 - 1)
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


def _float_failures() -> tuple[type[BaseException], ...]:
    """The exceptions of the float tools on numbers they cannot hold: overflow, division
    by zero, a singular system of a lambda that rounds to 0, a conic solver that fails on
    huge coefficients. Imported only when loaded already (no import cost)."""
    kinds: list[type[BaseException]] = [OverflowError, ZeroDivisionError, FloatingPointError]
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        kinds.append(numpy.linalg.LinAlgError)
    cvxpy_error = sys.modules.get("cvxpy.error")
    if cvxpy_error is not None:
        kinds.append(cvxpy_error.SolverError)
    return tuple(kinds)


@contextlib.contextmanager
def float_limits(command: str) -> Iterator[None]:
    """The float tools' failure on extreme numbers (1e400, a lambda of 1e-400) is unusable
    input, exit code 2, never a traceback nor exit code 1 (which for ``verify`` means a
    refuted claim). The commands check the float range first
    (:func:`reluscape.validation.check_float_range`); this is the guard behind it."""
    try:
        yield
    except Exception as exc:
        if not isinstance(exc, _float_failures()):
            raise
        raise InputError(
            f"{command} cannot handle the numbers of this problem in floating point "
            f"({type(exc).__name__}: {exc}); the exact result of solve is not affected"
        ) from None


def error(message: str) -> int:
    """Print ``message`` as one line on stderr; return the usage exit code."""
    one_line = " ".join(str(message).split())
    print(f"{PROG}: error: {one_line}", file=sys.stderr)
    return EXIT_USAGE


class StderrHandler(logging.Handler):
    """The library's warnings (the ``reluscape`` logger) as ``reluscape: warning: ...``
    lines on the current stderr (looked up at each message, so a replaced stderr works)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            print(f"{PROG}: warning: {self.format(record)}", file=sys.stderr, flush=True)
        except Exception:
            self.handleError(record)


def log_warnings_to_stderr() -> None:
    logger = logging.getLogger(PROG)
    if not any(isinstance(h, StderrHandler) for h in logger.handlers):
        logger.addHandler(StderrHandler(logging.WARNING))

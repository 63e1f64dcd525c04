"""Data: the problem a run is about, read and checked once.

Every public entry point of reluscape validates its data here (with the checkers of
:mod:`reluscape.validation`), so the rest of the pipeline can trust exact rational data::

    data x_i in Q^d, y_i in Q (i = 1..n), hidden units L >= 1, ridge lambda in Q, lambda > 0.

The loss is the sum-of-squares convention of docs/METHOD.md section 1::

    l(a, B, c) = 1/2 sum_i (yt_i - <a, ReLU(B x_i + c)>)^2 + lambda/2 (|a|^2 + |B|_F^2 + |c|^2),

with centered outcomes yt_i = y_i - mean(y). With the mean convention
``1/(2n) sum_i (...)^2 + lambda/2 |.|^2`` the landscape is the same as the sum convention
with lambda multiplied by n; :attr:`Problem.lam_sum` is that effective value.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

# InputError and parse_rational live in reluscape.validation; they are imported from here
# by existing code and kept as names of this module.
from reluscape.validation import (
    InputError,
    TooManyDigits,
    check_choice,
    check_int,
    check_lambda,
    parse_rational,
)

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "CONVENTIONS",
    "InputError",
    "Problem",
    "example_path",
    "load_problem",
    "make_problem",
    "parse_rational",
    "read_csv",
    "read_text",
    "sample_gram",
    "sample_moment",
]

CONVENTIONS = ("sum", "mean")


@dataclass(frozen=True)
class Problem:
    """A validated instance: exact data, number of hidden units and ridge parameter.

    Attributes
    ----------
    X : tuple of tuple of Fraction
        Inputs, n rows of d entries.
    y : tuple of Fraction
        Outcomes, n entries.
    hidden : int
        Number of hidden units L.
    lam : Fraction
        Ridge parameter as given, in the chosen ``convention``.
    convention : {"sum", "mean"}
        ``"sum"``: 1/2 sum of squares (docs/METHOD.md section 1); ``"mean"``: 1/(2n) sum
        of squares.
    source : str or None
        Where the data came from (a path), for the record.
    columns : tuple of str or None
        The data's column names (the CSV header: d input names, then the outcome's), for
        the axes of figures; None when the data had none (:attr:`x_names` and
        :attr:`y_name` then give ``x1 .. xd`` and ``y``). Names play no part in the
        mathematics: two problems that differ only in them are equal.

    Examples
    --------
    >>> p = make_problem([[0], [1], [2]], [1, 2, 6], hidden=1, lam="1/10")
    >>> p.n, p.d, p.lam_sum
    (3, 1, Fraction(1, 10))
    >>> p.yt
    (Fraction(-2, 1), Fraction(-1, 1), Fraction(3, 1))
    >>> make_problem([[0], [1], [2]], [1, 2, 6], hidden=1, lam="1/10", convention="mean").lam_sum
    Fraction(3, 10)
    >>> p.x_names, p.y_name
    (('x1',), 'y')
    """

    X: tuple[tuple[Fraction, ...], ...]
    y: tuple[Fraction, ...]
    hidden: int
    lam: Fraction
    convention: str = "sum"
    source: str | None = None
    columns: tuple[str, ...] | None = field(default=None, compare=False)
    _yt: tuple[Fraction, ...] = field(init=False, repr=False, compare=False)
    _xt: tuple[tuple[Fraction, ...], ...] = field(init=False, repr=False, compare=False)
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        mean = _exact_sum(self.y) / len(self.y)
        object.__setattr__(self, "_yt", tuple(v - mean for v in self.y))
        # Built once: the exact path reads xt_i for every form of every face.
        object.__setattr__(self, "_xt", tuple((*row, Fraction(1)) for row in self.X))
        # Computed once: per-face caches are keyed by the problem, and hashing its n (d+1)
        # Fractions on every lookup was a tenth of the exclusion test's time. Only numbers
        # enter it, so it is the same in every process (str hashes are salted).
        object.__setattr__(self, "_hash", hash((self.X, self.y, self.hidden, self.lam)))

    def __hash__(self) -> int:
        return self._hash

    @property
    def n(self) -> int:
        """Number of samples."""
        return len(self.y)

    @property
    def d(self) -> int:
        """Input dimension."""
        return len(self.X[0])

    @property
    def yt(self) -> tuple[Fraction, ...]:
        """Centered outcomes yt_i = y_i - mean(y)."""
        return self._yt

    @property
    def xt(self) -> tuple[tuple[Fraction, ...], ...]:
        """Augmented inputs xt_i = (x_i, 1), so that theta . xt_i = B_l x_i + c_l."""
        return self._xt

    @property
    def x_names(self) -> tuple[str, ...]:
        """Names of the d inputs: the header's, else ``x1 .. xd``."""
        if self.columns is None:
            return tuple(f"x{j + 1}" for j in range(self.d))
        return self.columns[:-1]

    @property
    def y_name(self) -> str:
        """Name of the outcome: the header's last column, else ``y``."""
        return "y" if self.columns is None else self.columns[-1]

    @property
    def lam_sum(self) -> Fraction:
        """Ridge parameter in the sum convention: lambda, or n * lambda for ``mean``."""
        return self.lam * self.n if self.convention == "mean" else self.lam

    def describe(self) -> dict:
        """Plain-data description (exact values as strings) for result documents."""
        return {
            "data": self.source,
            "hidden": self.hidden,
            "lam": str(self.lam),
            "convention": self.convention,
            "lam_sum": str(self.lam_sum),
            "n": self.n,
            "d": self.d,
            "X": [[str(v) for v in row] for row in self.X],
            "y": [str(v) for v in self.y],
            **({} if self.columns is None else {"columns": list(self.columns)}),
        }

    def loss(self, a: object, B: object, c: object) -> float:
        """The loss l(a, B, c) of the network with parameters ``a`` (L,), ``B`` (L, d) and
        ``c`` (L,) on this data, in floats and in the problem's ``convention`` (the losses
        a result shows): for computing with a result, never for deciding anything.

        Raises
        ------
        ValueError
            If a parameter has the wrong shape or is not finite, naming it.

        Examples
        --------
        Omega = (0, 1, 2)^T, a = 1: residual (-2, -2, 1), so l = 9/2 + 1/2 (1 + 1) = 5.5.

        >>> p = make_problem([[0], [1], [2]], [1, 2, 6], hidden=1, lam=1)
        >>> p.loss([1.0], [[1.0]], [0.0])
        5.5
        """
        return self._loss_and_gradient(a, B, c)[0]

    def gradient(self, a: object, B: object, c: object) -> tuple[np.ndarray, ...]:
        """The gradient (dl/da, dl/dB, dl/dc) of :meth:`loss`, in floats and the problem's
        convention, with ReLU'(0) = 0: where a unit's B_l . x_i + c_l is 0 the loss has a
        kink and this is no derivative of it (docs/METHOD.md section 11 decides such
        points exactly).

        Raises
        ------
        ValueError
            If a parameter has the wrong shape or is not finite, naming it.

        Examples
        --------
        >>> p = make_problem([[0], [1], [2]], [1, 2, 6], hidden=1, lam=1)
        >>> [g.tolist() for g in p.gradient([1.0], [[1.0]], [0.0])]
        [[1.0], [[1.0]], [1.0]]
        """
        return self._loss_and_gradient(a, B, c)[1]

    def _loss_and_gradient(
        self, a: object, B: object, c: object
    ) -> tuple[float, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Both, in the problem's convention: the sum-convention loss with ``lam_sum``
        divided by n for ``mean`` (docs/METHOD.md section 1)."""
        from reluscape import network  # NumPy: loaded only when a user computes
        from reluscape.convention import divisor

        checked = network.parameters(a, B, c, hidden=self.hidden, d=self.d)
        value, grads = network.loss_and_gradient(*checked, *network.float_data(self))
        scale = divisor(self)
        grad_a, grad_B, grad_c = (g / scale for g in grads)
        return value / scale, (grad_a, grad_B, grad_c)


def _exact_sum(values: Sequence[Fraction]) -> Fraction:
    """sum(values) over one common denominator: one gcd instead of one per addition,
    which matters for 10^4 samples.

    >>> _exact_sum([Fraction(1, 10), Fraction(1, 5), Fraction(-3, 10)])
    Fraction(0, 1)
    """
    if not values:
        return Fraction(0)
    common = math.lcm(*(v.denominator for v in values))
    return Fraction(sum(v.numerator * (common // v.denominator) for v in values), common)


@functools.lru_cache(maxsize=8)
def _scaled_xt(problem: Problem) -> tuple[Any, int]:
    """D xt as an integer matrix, and D, the least common denominator of xt's entries:
    int64 where every sum of n products of two entries fits in it, else Python ints.

    >>> xt, scale = _scaled_xt(make_problem([["1/2"], ["1/3"]], [0, 1], hidden=1, lam=1))
    >>> xt.tolist(), scale, xt.dtype
    ([[3, 6], [2, 6]], 6, dtype('int64'))
    """
    import numpy as np  # here: the command line reads data without loading NumPy

    scale = math.lcm(*(v.denominator for row in problem.xt for v in row))
    rows = [[int(v * scale) for v in row] for row in problem.xt]
    largest = max(abs(v) for row in rows for v in row)
    exact_in_int64 = len(rows) * largest**2 < 2**62
    return np.array(rows, dtype=np.int64 if exact_in_int64 else object), scale


@functools.lru_cache(maxsize=65536)
def sample_gram(problem: Problem, samples: tuple[int, ...]) -> tuple[tuple[Fraction, ...], ...]:
    """G_S = sum_{i in S} xt_i xt_i^T, exactly (summed in integers, see :func:`_scaled_xt`).

    The exact path expands squares and products of residuals through these sums, so that
    its polynomial work does not grow with n.

    >>> p = make_problem([["1/2"], ["1/3"]], [0, 1], hidden=1, lam=1)
    >>> [[str(v) for v in row] for row in sample_gram(p, (0, 1))]
    [['13/36', '5/6'], ['5/6', '2']]
    """
    xt, scale = _scaled_xt(problem)
    rows = xt[list(samples)]
    gram = rows.T @ rows  # D^2 G_S
    return tuple(tuple(Fraction(int(v), scale**2) for v in row) for row in gram)


@functools.lru_cache(maxsize=65536)
def sample_moment(problem: Problem, samples: tuple[int, ...]) -> tuple[Fraction, ...]:
    """b_S = sum_{i in S} yt_i xt_i, exactly.

    >>> p = make_problem([["1/2"], ["1/3"]], [0, 1], hidden=1, lam=1)
    >>> [str(v) for v in sample_moment(p, (0, 1))]
    ['-1/12', '0']
    """
    return tuple(
        _exact_sum([problem.yt[i] * problem.xt[i][k] for i in samples])
        for k in range(problem.d + 1)
    )


def make_problem(
    X: Sequence[Sequence[object]] | object,
    y: Sequence[object] | object,
    *,
    hidden: int,
    lam: str | int | Fraction | float,
    convention: str = "sum",
    source: str | None = None,
    columns: Sequence[object] | None = None,
) -> Problem:
    """Validate data and settings and return an exact :class:`Problem`.

    ``X`` may be a NumPy array or nested sequences (n x d; a 1-d sequence is one
    feature), ``y`` a sequence of n numbers. Numbers are converted exactly: strings
    as written, floats by their shortest decimal spelling. ``columns``, optional, names
    the d inputs and then the outcome (figures label their axes with them).

    Raises
    ------
    InputError
        On NaN/inf, non-numeric entries, ragged rows, inconsistent lengths, fewer
        than 2 samples, ``hidden < 1``, ``lam <= 0``, an unknown convention, or
        ``columns`` that are not d + 1 strings.

    Examples
    --------
    >>> try:
    ...     make_problem([[0], [1]], [1, 2, 3], hidden=1, lam=1)
    ... except InputError as exc:
    ...     print(exc)
    X and y have inconsistent numbers of samples: [2, 3]
    >>> try:
    ...     make_problem([[0], [1]], [1, 2], hidden=1, lam=0)
    ... except InputError as exc:
    ...     print(exc)
    lambda must be > 0, got 0
    """
    hidden = check_int(hidden, "number of hidden units L", min_val=1)
    lam_q = check_lambda(lam)
    check_choice(convention, "convention", CONVENTIONS)
    rows = _as_rows(X)
    ys = _as_list(y, "y")
    if len(rows) != len(ys):
        raise InputError(f"X and y have inconsistent numbers of samples: [{len(rows)}, {len(ys)}]")
    if len(rows) < 2:
        raise InputError(f"need at least 2 samples, got {len(rows)}")
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        raise InputError(f"rows of X have different lengths: {sorted(widths)}")
    if widths == {0}:
        raise InputError("X has no features: need at least one input column")
    Xq = tuple(
        tuple(parse_rational(v, what=f"X[{i}][{j}]") for j, v in enumerate(r))
        for i, r in enumerate(rows)
    )
    yq = tuple(parse_rational(v, what=f"y[{i}]") for i, v in enumerate(ys))
    names = None if columns is None else _column_names(columns, len(Xq[0]) + 1)
    return Problem(
        X=Xq, y=yq, hidden=hidden, lam=lam_q, convention=convention, source=source, columns=names
    )


def _column_names(columns: Sequence[object], width: int) -> tuple[str, ...]:
    """``columns`` checked to be ``width`` strings; an empty name becomes its default
    (``x<j>``, or ``y`` for the last), so that every axis has a label.

    >>> _column_names(["dose", "", "response"], 3)
    ('dose', 'x2', 'response')
    """
    names = [] if isinstance(columns, str) else list(_entries(columns))  # type: ignore[call-overload]
    if len(names) != width or not all(isinstance(v, str) for v in names):
        raise InputError(
            f"columns must be {width} names (the inputs, then y), got {columns!r:.80}"
        )
    defaults = [f"x{j + 1}" for j in range(width - 1)] + ["y"]
    return tuple(
        " ".join(str(v).split()) or default for v, default in zip(names, defaults, strict=True)
    )


def _as_list(values: object, name: str) -> list[object]:
    values = _entries(values)
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise InputError(f"{name} must be a sequence of numbers, got {type(values).__name__}")
    return list(values)


def _entries(values: object) -> object:
    """The entries of an array-like as a list, other values unchanged. A NumPy array
    gives its NumPy scalars, which :func:`parse_rational` reads at their own shortest
    spelling (``tolist`` would widen a float32 0.1 to 0.10000000149011612); other
    array-likes (a pandas Series) give their ``tolist``."""
    if type(values).__module__ == "numpy" and getattr(values, "ndim", 0) >= 1:
        return list(values)  # type: ignore[call-overload]
    tolist = getattr(values, "tolist", None)
    return tolist() if callable(tolist) else values


def _as_rows(X: object) -> list[list[object]]:
    rows = _as_list(X, "X")
    out: list[list[object]] = []
    for r in rows:
        r = _entries(r)
        if isinstance(r, Sequence) and not isinstance(r, str | bytes):
            out.append(list(r))
        else:
            out.append([r])
    return out


def read_text(path: Path, *, kind: str, expected: str, encoding: str = "utf-8") -> str:
    """The text of a user-named file, or an :class:`InputError` naming what went wrong.

    ``kind`` names the file in messages ("data", "result"), ``expected`` what it should
    be ("a CSV file").
    """
    try:
        return path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise InputError(f"{kind} file not found: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{kind} path is a directory, not {expected}: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {kind} file {path}: {exc}") from None


def read_csv(path: str | Path) -> tuple[list[list[str]], list[str]]:
    """Read a data file: one sample a row, last column y, the others x.

    A first row whose cells are mostly not numbers is taken as a header (column names);
    a first row that is mostly numbers is data, so a typo in it (``0,1.O``) is an error
    naming the cell, not a header silently dropped. Cells are returned as text;
    :func:`make_problem` converts them exactly.

    Raises
    ------
    InputError
        If the file cannot be read, is not CSV, is empty, has ragged rows or non-numeric
        cells (a quoted cell spanning lines among them).
    """
    table, _ = _read_table(path)
    return [row[:-1] for row, _ in table], [row[-1] for row, _ in table]


def _read_table(
    path: str | Path,
) -> tuple[list[tuple[list[str], list[Fraction]]], list[str] | None]:
    """The data rows of a CSV file, as text and as exact numbers (each cell read once),
    and the header's column names (None without a header)."""
    p = Path(path)
    text = read_text(p, kind="data", expected="a CSV file", encoding="utf-8-sig")
    table = _records(text, p)
    if not table:
        raise InputError(f"data file {p} is empty")
    header = None
    if _is_header(p, *table[0]):
        header = table[0][1]
        table = table[1:]
    if not table:
        raise InputError(f"data file {p} has a header but no data rows")
    width = len(table[0][1])
    if header is not None and len(header) != width:
        raise InputError(
            f"data file {p}: the header has {len(header)} columns, the data {width}"
        )
    if width < 2:
        raise InputError(
            f"data file {p}: need at least 2 columns (inputs, then y), got {width} on line "
            f"{table[0][0]}"
        )
    out = []
    for lineno, row in table:
        if len(row) != width:
            raise InputError(
                f"data file {p}, line {lineno}: expected {width} columns, got {len(row)}"
            )
        out.append((row, [_cell(p, lineno, col, c) for col, c in enumerate(row, start=1)]))
    return out, header


def _records(text: str, p: Path) -> list[tuple[int, list[str]]]:
    """The non-blank records of a CSV text (cells stripped), each with the line it starts on.

    The csv module reads the text itself, not lines split beforehand, so a quoted cell
    is one cell wherever its quotes put line breaks: a column name may span lines, and a
    data cell ``"2<newline>3"`` is refused as not a number (splitting into lines first
    had read ``1,"2`` and ``3"`` as the sample x = 1, y = 23).
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    records = []
    start = 1
    try:
        for row in reader:
            if any(c.strip() for c in row):
                records.append((start, [c.strip() for c in row]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise InputError(f"data file {p}, line {reader.line_num}: not CSV: {exc}") from None
    return records


def _cell(p: Path, lineno: int, col: int, cell: str) -> Fraction:
    """One cell's exact number, or an :class:`InputError` naming the file, line and column."""
    where = f"data file {p}, line {lineno}, column {col}"
    try:
        return parse_rational(cell, what=where)
    except TooManyDigits:
        raise
    except InputError:
        raise InputError(f"{where}: not a finite number: {cell!r}") from None


def _is_header(p: Path, lineno: int, row: list[str]) -> bool:
    """Whether the first row is a header: most of its cells are not numbers.

    A first row that is at least half numbers is data, and its first non-number is
    reported (:func:`_cell`): taken as a header, a typo in the first sample dropped it
    silently and the run went on with n - 1 samples.
    """
    errors = []
    for col, cell in enumerate(row, start=1):
        try:
            _cell(p, lineno, col, cell)
        except TooManyDigits:
            raise
        except InputError as exc:
            errors.append(exc)
    if errors and 2 * len(errors) <= len(row):
        raise InputError(f"{errors[0]} (a first row of mostly numbers is data, not a header)")
    return bool(errors)


def load_problem(
    path: str | Path,
    *,
    hidden: int,
    lam: str | int | Fraction,
    convention: str = "sum",
) -> Problem:
    """Read a CSV file and validate it into a :class:`Problem` (see :func:`read_csv`); a
    header's names become :attr:`Problem.columns`."""
    table, header = _read_table(path)
    X = [values[:-1] for _, values in table]
    y = [values[-1] for _, values in table]
    return make_problem(
        X, y, hidden=hidden, lam=lam, convention=convention, source=str(path), columns=header
    )


def example_path() -> Path:
    """Path of the built-in example data set (n = 5 samples, d = 1)."""
    return Path(__file__).parent / "examples" / "d1_n5.csv"

"""Validation of user input: one checker per kind of value, and safe output files.

Every public entry point (the ``reluscape`` command, :func:`reluscape.make_problem`,
``compare``) checks its settings with these functions, in the manner of scikit-learn's
``check_scalar``, so the rest of the code can trust its arguments. Each checker returns
the value in its working type or raises :class:`InputError` with a message that names the
setting, shows the offending value and says what is expected, e.g.

    number of hidden units L must be an integer >= 1, got '0'

Output files follow the rules of :func:`check_output_path` and :func:`write_output`:
the path is checked before any work starts, written through symbolic links, atomically
(a temporary file beside the target, then a rename onto it), and never onto a file the
user made read-only or onto a device, FIFO or socket.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import operator
import os
import re
import stat
import sys
import tempfile
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from reluscape.defaults import MAX_STARTS

PROG = "reluscape"
"""Name of the command, used in messages."""


class InputError(ValueError):
    """Bad user input: the message names the problem and what to do about it."""


class TooManyDigits(InputError):
    """A number with more than :data:`MAX_DIGITS` digits: readers that word their own
    "not a number" message pass this one on, as the number is not wrong, only too big."""


MAX_DIGITS = sys.get_int_max_str_digits() or 4300
"""Most decimal digits an exact number may have (numerator and denominator each).

Every exact input is recorded in the result document as ``"p/q"``, and Python converts
an integer of more digits than its limit for integer-string conversion (4300 by
default) neither to nor from decimal text: such a number could be solved but not
written or read back. So that limit is the bound, checked when a number is read,
before it is built: ``1e999999999`` would otherwise cost minutes and a gigabyte to
expand. Data of 1e400 (401 digits) are far inside it.
"""

_DIGITS_BOUND = 10**MAX_DIGITS  # the least integer of more than MAX_DIGITS digits

_DECIMAL = re.compile(
    r"[-+]?(?:(?P<int>\d[\d_]*)?(?:\.(?P<frac>\d[\d_]*)?)?)(?:[eE](?P<exp>[-+]?\d[\d_]*))?"
)


def parse_rational(text: object, *, what: str = "value") -> Fraction:
    """Read a number exactly: ``"1/10"`` and ``"0.1"`` are both 1/10, never a binary float.

    Parameters
    ----------
    text : str, int, Fraction, float, or a NumPy number
        A decimal (``"-0.25"``, ``"1e-3"``), a fraction (``"3/7"``) or an integer; a float
        is taken at its shortest decimal spelling (``0.1`` is 1/10). NumPy integer and
        floating scalars and 0-d arrays are read as the Python number they hold, a NumPy
        float at its own shortest spelling (``np.float32(0.1)`` is 1/10).
    what : str
        Name used in the error message.

    Raises
    ------
    InputError
        If the text is not a finite rational number, or has more than
        :data:`MAX_DIGITS` digits in its numerator or denominator.

    Examples
    --------
    >>> parse_rational("0.1")
    Fraction(1, 10)
    >>> parse_rational("1/10") == parse_rational("1e-1")
    True
    >>> parse_rational("1e-400") == Fraction(1, 10**400)
    True
    >>> try:
    ...     parse_rational("nan")
    ... except InputError as exc:
    ...     print(exc)
    value must be a finite number, got 'nan'
    >>> try:
    ...     parse_rational("1e999999999", what="lambda")
    ... except InputError as exc:
    ...     print(exc)
    lambda has more than 4300 digits (the most a result records exactly), got '1e999999999'
    """
    value = _plain_number(text)
    if isinstance(value, bool):
        raise InputError(f"{what} must be a number, got {text!r}")
    if isinstance(value, int | Fraction):
        return _bounded(Fraction(value), text, what)
    if _is_numpy_floating(value):
        # NumPy's str is the shortest spelling in the number's own precision
        # (np.float32(0.1) -> "0.1"); its repr is "np.float64(1.5)".
        value = str(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"{what} must be a finite number, got {text!r}")
        # A float given through the API is taken at its shortest decimal spelling
        # (0.1 -> 1/10), which is what the user typed, not its binary expansion.
        value = repr(value)
    if not isinstance(value, str):
        raise InputError(f"{what} must be a number, got {text!r}")
    s = value.strip()
    _check_literal_size(s, text, what)
    try:
        return _bounded(Fraction(s), text, what)
    except (ValueError, ZeroDivisionError):
        low = s.lower().lstrip("+-")
        if low in {"nan", "inf", "infinity"}:
            raise InputError(f"{what} must be a finite number, got {text!r}") from None
        raise InputError(f"{what} must be a number such as 0.1 or 1/10, got {text!r}") from None


def _plain_number(value: object) -> object:
    """A NumPy number as a scalar Python can read: a 0-d array as the scalar it holds, an
    integer scalar as an ``int``; anything else unchanged (a NumPy float is read by its
    own spelling; a NumPy boolean is no number and is refused by the caller)."""
    if type(value).__module__ == "numpy" and getattr(value, "shape", None) == ():
        value = value[()]  # type: ignore[index]
    if isinstance(value, numbers.Integral) and not isinstance(value, int):
        return operator.index(value)
    return value


def _is_numpy_floating(value: object) -> bool:
    return isinstance(value, numbers.Real) and type(value).__module__ == "numpy"


def _check_literal_size(s: str, text: object, what: str) -> None:
    """Refuse a decimal literal whose value would have more than :data:`MAX_DIGITS`
    digits, from its spelling alone (the exponent is read, never applied)."""
    for part in s.split("/", 1):
        m = _DECIMAL.fullmatch(part.strip())
        if m is None:
            continue  # not a decimal: Fraction refuses it with the usual message
        digits = len((m["int"] or "") + (m["frac"] or "")) - part.count("_")
        exponent = m["exp"] or "0"
        if len(exponent) > 12 or digits + abs(int(exponent)) > MAX_DIGITS:
            raise _too_large(text, what)


def _bounded(q: Fraction, text: object, what: str) -> Fraction:
    """``q``, if its numerator and denominator have at most :data:`MAX_DIGITS` digits."""
    if max(abs(q.numerator), q.denominator) >= _DIGITS_BOUND:
        raise _too_large(text, what)
    return q


def _too_large(text: object, what: str) -> TooManyDigits:
    try:
        shown = repr(text)
    except ValueError:  # an int too long to print: the very reason it is refused
        shown = "a number too long to print"
    if len(shown) > 40:
        shown = f"{shown[:30]}... ({len(shown)} characters)"
    return TooManyDigits(
        f"{what} has more than {MAX_DIGITS} digits (the most a result records exactly), "
        f"got {shown}"
    )


def check_int(value: object, name: str, *, min_val: int, max_val: int | None = None) -> int:
    """An integer setting in ``[min_val, max_val]``, given as an int (NumPy integers too) or
    as text.

    Parameters
    ----------
    value : int or str
        The setting; text is stripped (``" 3"`` is 3). Booleans, floats and text that is
        not an integer (``"1.5"``) are refused.
    name : str
        What the setting is, as the message should name it.
    min_val : int
        Smallest allowed value.
    max_val : int, optional
        Largest allowed value (a bound on work: a setting past it would only exhaust the
        machine, e.g. ``--starts 10**20``).

    Raises
    ------
    InputError
        If ``value`` is not an integer in the range.

    Examples
    --------
    >>> check_int("3", "--jobs", min_val=1)
    3
    >>> try:
    ...     check_int("0", "number of hidden units L", min_val=1)
    ... except InputError as exc:
    ...     print(exc)
    number of hidden units L must be an integer >= 1, got '0'
    >>> try:
    ...     check_int(2.0, "--seed", min_val=0)
    ... except InputError as exc:
    ...     print(exc)
    --seed must be an integer >= 0, got 2.0
    >>> try:
    ...     check_int(10**20, "--starts", min_val=1, max_val=10**6)
    ... except InputError as exc:
    ...     print(exc)
    --starts must be an integer from 1 to 1000000, got 100000000000000000000
    """
    result: int | None = None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            result = int(value.strip())
    elif not isinstance(value, bool):
        with contextlib.suppress(TypeError):
            result = operator.index(value)  # type: ignore[arg-type]
    if result is None or result < min_val:
        raise InputError(f"{name} must be an integer >= {min_val}, got {value!r}")
    if max_val is not None and result > max_val:
        raise InputError(f"{name} must be an integer from {min_val} to {max_val}, got {value!r}")
    return result


def check_starts(value: object, name: str = "starts") -> int:
    """The number of multistart runs: 1 to :data:`reluscape.defaults.MAX_STARTS`.

    >>> check_starts("20")
    20
    """
    return check_int(value, name, min_val=1, max_val=MAX_STARTS)


def check_seed(value: object, name: str = "seed") -> int:
    """A random seed: an integer >= 0 (NumPy takes any size).

    >>> check_seed(3)
    3
    """
    return check_int(value, name, min_val=0)


def check_lambda(value: object, name: str = "lambda") -> Fraction:
    """The ridge parameter: an exact rational > 0 (:func:`parse_rational`).

    Examples
    --------
    >>> check_lambda("0.1")
    Fraction(1, 10)
    >>> try:
    ...     check_lambda("-1/2")
    ... except InputError as exc:
    ...     print(exc)
    lambda must be > 0, got '-1/2'
    """
    lam = parse_rational(value, what=name)
    if lam <= 0:
        raise InputError(f"{name} must be > 0, got {value!r}")
    return lam


def check_choice(value: object, name: str, choices: Sequence[str]) -> str:
    """One of a fixed set of names.

    Examples
    --------
    >>> check_choice("sum", "convention", ("sum", "mean"))
    'sum'
    >>> try:
    ...     check_choice("max", "convention", ("sum", "mean"))
    ... except InputError as exc:
    ...     print(exc)
    convention must be one of 'sum', 'mean', got 'max'
    """
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise InputError(f"{name} must be one of {listed}, got {value!r}")
    return value


def check_timeout(value: object, name: str = "--face-timeout") -> float | None:
    """A time limit in seconds >= 0, as a number (NumPy's too) or text; 0 and None mean no
    limit (None).

    Examples
    --------
    >>> check_timeout("2.5"), check_timeout("0"), check_timeout(None)
    (2.5, None, None)
    >>> try:
    ...     check_timeout("soon")
    ... except InputError as exc:
    ...     print(exc)
    --face-timeout must be a number of seconds >= 0 (0: no limit), got 'soon'
    """
    if value is None:
        return None
    seconds = math.nan
    plain = _plain_number(value)  # NumPy numbers too
    if isinstance(plain, str | numbers.Real) and not isinstance(plain, bool):
        with contextlib.suppress(ValueError, OverflowError):
            seconds = float(plain)
    if not math.isfinite(seconds) or seconds < 0:
        raise InputError(f"{name} must be a number of seconds >= 0 (0: no limit), got {value!r}")
    return seconds if seconds > 0 else None


def check_output_path(path: str | os.PathLike[str], name: str = "--out") -> Path:
    """The file an output will be written to, checked before any work starts.

    A symbolic link is followed: the result goes to the file it points to (which may not
    exist yet) and the link stays. The target must be in an existing, writable
    directory. An existing target must be a regular file with a write permission bit
    set: a device, FIFO or socket is refused (the result would not be kept), and so is a
    file the user made read-only (``chmod a-w``). The rule is on the permission bits, not
    on :func:`os.access`, because root may write any file and would otherwise overwrite
    a file marked read-only; a directory without any write bit is refused the same way.
    Whether the directory accepts a new file is tried by creating and removing a
    temporary file in it (this catches read-only file systems and full quotas too).

    Parameters
    ----------
    path : path-like
        The path given by the user.
    name : str
        The option that named it, for messages.

    Returns
    -------
    Path
        The resolved target (symbolic links followed), to pass to :func:`write_output`.

    Raises
    ------
    InputError
        One line naming the path and why it cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     check_output_path(Path(tmp) / "result.json").name
    'result.json'
    >>> try:
    ...     check_output_path("/nonexistent-dir/result.json")
    ... except InputError as exc:
    ...     print(exc)
    --out: directory does not exist: /nonexistent-dir
    """
    given = Path(path)
    target = Path(os.path.realpath(given))
    shown = f"{given}" if target == given else f"{given} (-> {target})"
    try:
        st: os.stat_result | None = target.stat()
    except (FileNotFoundError, NotADirectoryError):  # the directory is checked below
        st = None
    except OSError as exc:
        raise InputError(f"{name}: cannot use {shown}: {exc.strerror or exc}") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise InputError(f"{name} is a directory, need a file name: {shown}")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(
                f"{name}: {shown} is not a regular file (a device, FIFO or socket); "
                "give the name of a file"
            )
        if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
            raise InputError(
                f"{name}: {shown} is read-only; make it writable (chmod u+w) or choose another name"
            )
    parent = target.parent
    if parent.exists() and not parent.is_dir():
        raise InputError(f"{name}: {parent} is not a directory")
    if not parent.is_dir():
        raise InputError(f"{name}: directory does not exist: {parent}")
    if not parent.stat().st_mode & 0o222:
        raise InputError(f"{name}: directory {parent} is read-only; choose another place")
    try:
        fd, probe = tempfile.mkstemp(dir=parent, prefix=f".{target.name}.", suffix=".probe")
    except OSError as exc:
        raise InputError(
            f"{name}: cannot write in directory {parent}: {exc.strerror or exc}"
        ) from None
    os.close(fd)
    os.unlink(probe)
    return target


def write_output(path: str | os.PathLike[str], text: str, name: str = "--out") -> Path:
    """Write ``text`` to the file ``path`` by the rules of :func:`check_output_path`.

    The text goes to a temporary file in the target's directory, is flushed to disk, and
    replaces the target (symbolic links resolved) in one rename, so the file is either
    the old one or the complete new one, never a partial write. An existing file keeps
    its permission bits; a new one gets the usual ``0o666`` less the umask.

    Returns
    -------
    Path
        The file written (symbolic links resolved).

    Raises
    ------
    InputError
        If the path is refused by :func:`check_output_path` or the write fails.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     link = Path(tmp) / "link.json"
    ...     link.symlink_to(Path(tmp) / "real.json")
    ...     _ = write_output(link, "{}")
    ...     link.is_symlink(), (Path(tmp) / "real.json").read_text()
    (True, '{}')
    """
    target = check_output_path(path, name)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise InputError(f"{name}: cannot write {target}: {exc.strerror or exc}") from None
    return target


def check_output_dir(path: str | os.PathLike[str], name: str = "--report") -> Path:
    """A directory an output will be written into (created if missing), checked before
    any work starts, without creating anything.

    An existing path must be a writable directory; a missing one is created later with
    its parents, so its nearest existing ancestor must be a writable directory (a file
    there, as in ``data.csv/sub``, is refused).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     check_output_dir(Path(tmp) / "new" / "report").name
    ...     (Path(tmp) / "f").write_text("x")
    ...     try:
    ...         check_output_dir(Path(tmp) / "f" / "sub")
    ...     except InputError as exc:
    ...         print(str(exc).split(":")[0])
    'report'
    1
    --report
    """
    given = Path(path)
    existing = given
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{name}: {existing} is a file, need a directory: {given}")
    if not existing.stat().st_mode & 0o222 or not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{name}: directory {existing} is read-only; choose another place")
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".reluscape-", suffix=".probe")
    except OSError as exc:
        raise InputError(
            f"{name}: cannot write in directory {existing}: {exc.strerror or exc}"
        ) from None
    os.close(fd)
    os.unlink(probe)
    return given


FLOAT_MAGNITUDE = 1e150
"""Largest |value| (and 1 / smallest lambda) the float tools (``global``'s convex
programs, ``compare``'s training) are given: squares and sums of squares of such numbers
stay finite in double precision; beyond it they overflow, or a lambda rounds to zero."""


def check_float_range(
    X: Sequence[Sequence[Fraction]], y: Sequence[Fraction], lam_sum: Fraction, command: str
) -> None:
    """Refuse, naming the value, a problem whose numbers the float tools of ``command``
    cannot hold (:data:`FLOAT_MAGNITUDE`); the exact path of ``solve`` has no such limit.

    Examples
    --------
    >>> check_float_range([[Fraction(1)]], [Fraction(2)], Fraction(1, 10), "global")
    >>> try:
    ...     check_float_range([[Fraction(10) ** 400]], [Fraction(2)], Fraction(1), "global")
    ... except InputError as exc:
    ...     print(str(exc).split(" (")[0])
    global computes in floating point and cannot hold x[0][0] = 1.0e+400
    """
    for i, row in enumerate(X):
        for j, v in enumerate(row):
            _check_magnitude(v, f"x[{i}][{j}]", command)
    for i, v in enumerate(y):
        _check_magnitude(v, f"y[{i}]", command)
    _check_magnitude(lam_sum, "lambda (sum convention)", command)
    if lam_sum * Fraction(FLOAT_MAGNITUDE) < 1:
        raise InputError(
            f"{command} computes in floating point and cannot use lambda (sum convention) = "
            f"{_short(lam_sum)}, below 1/{FLOAT_MAGNITUDE:.0e}; use solve, which is exact"
        )


def _check_magnitude(v: Fraction, label: str, command: str) -> None:
    if abs(v) > FLOAT_MAGNITUDE:
        raise InputError(
            f"{command} computes in floating point and cannot hold {label} = {_short(v)} "
            f"(|value| above {FLOAT_MAGNITUDE:.0e}); rescale the data or use solve, which is exact"
        )


def _short(v: Fraction) -> str:
    """A rational as a short decimal, for messages (its exact digits may be thousands).

    >>> _short(Fraction(10) ** 400), _short(Fraction(1, 10**400))
    ('1.0e+400', '1.0e-400')
    """
    if v == 0:
        return "0"
    exponent = math.floor(math.log10(abs(v.numerator)) - math.log10(v.denominator))
    mantissa = float(v / Fraction(10) ** exponent)
    if abs(mantissa) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{mantissa:.1f}e{exponent:+d}"


def check_lam_range(
    value: object, name: str = "--lam-range"
) -> tuple[Fraction, Fraction]:
    """A range of the ridge parameter: ``"LO:HI"`` (or a pair) with 0 < LO < HI, exact.

    Examples
    --------
    >>> check_lam_range("1/1000:10")
    (Fraction(1, 1000), Fraction(10, 1))
    >>> try:
    ...     check_lam_range("1:1/2")
    ... except InputError as exc:
    ...     print(exc)
    --lam-range must be LO:HI with 0 < LO < HI, got '1:1/2'
    """
    if isinstance(value, str):
        parts: Sequence[object] = value.split(":")
    elif isinstance(value, Sequence):
        parts = value
    else:
        parts = ()
    if len(parts) != 2:
        raise InputError(f"{name} must be LO:HI (two rationals), got {value!r}")
    lo, hi = (check_lambda(p, f"{name} bound") for p in parts)
    if not lo < hi:
        raise InputError(f"{name} must be LO:HI with 0 < LO < HI, got {value!r}")
    return lo, hi

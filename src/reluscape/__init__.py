"""reluscape: every local minimum of a one-hidden-layer ReLU network's ridge-regularized loss.

The public API is the one the ``reluscape`` command uses:

- :func:`solve` (data in, :class:`Result` out) and :func:`solve_problem` (a validated
  :class:`Problem` in);
- :func:`global_minimum`: the certified global minimum and every global minimizer;
- :func:`path`: every minimum as lambda varies over a range (:class:`PathResult`);
- :func:`study`: the landscape over a grid of data sets (:mod:`reluscape.datasets`), L,
  lambda and convention, as tables (:mod:`reluscape.studies`);
- :func:`load_problem` (a CSV file) and :func:`make_problem` (arrays, lists, strings);
- :class:`Result`, the result document (:mod:`reluscape.schema`), and :class:`InputError`,
  raised for bad input with a message that names the problem.

Numbers are kept exact: ``"0.1"`` is 1/10, a float is read at its shortest decimal
spelling (a NumPy float at its own: ``np.float32(0.1)`` is 1/10), and NumPy integers and
0-d arrays are numbers like any other; an exact number has at most 4300 digits
(:data:`reluscape.validation.MAX_DIGITS`). The method is described in ``docs/METHOD.md``.

Examples
--------
>>> import reluscape
>>> result = reluscape.solve([[0], [1], [2]], [0, 1, 0], hidden=1, lam="1/10")
>>> result.complete, len(result.minima)
(True, 2)
>>> [(m.signs, round(m.loss, 6), m.is_global) for m in result.minima]  # mirror images
[('+0-', 0.314918, True), ('-0+', 0.314918, True)]
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

# The data generators of studies (light: the standard library and the reader only).
from reluscape import datasets
from reluscape.data import InputError, Problem, load_problem, make_problem
from reluscape.defaults import LIBRARY_FACE_TIMEOUT
from reluscape.pathresult import PathResult
from reluscape.progress import ProgressCallback, close, progress_bar
from reluscape.schema import Result

if TYPE_CHECKING:
    from reluscape.studies import Study

try:
    __version__ = metadata.version("reluscape")
except metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "InputError",
    "PathResult",
    "Problem",
    "Result",
    "__version__",
    "datasets",
    "family_member",
    "global_minimum",
    "load_problem",
    "make_problem",
    "path",
    "solve",
    "solve_problem",
    "study",
]


def solve(
    X: Any,
    y: Any,
    *,
    hidden: int,
    lam: str | int | Fraction | float,
    convention: str = "sum",
    **options: Any,
) -> Result:
    """Every local minimum of the RR-MSE of a one-hidden-layer ReLU network on ``(X, y)``.

    Parameters
    ----------
    X : array-like of shape (n, d)
        Inputs: a NumPy array, nested lists, Fractions, strings (``"0.1"`` is 1/10) or
        numbers, NumPy scalars included.
    y : array-like of shape (n,)
        Outcomes, read the same way.
    hidden : int
        Number of hidden units L >= 1 (a NumPy integer too).
    lam : str, int, Fraction, float or a NumPy number
        Ridge parameter lambda > 0 (``"1/10"``).
    convention : {"sum", "mean"}
        ``"sum"``: 1/2 sum of squared residuals; ``"mean"``: 1/(2n) times that sum.
    **options
        Passed to :func:`solve_problem` (``partitions``, ``face_timeout``, ``jobs``,
        ``scheduler``, ``checkpoint``, ``census``, ``progress``). ``progress=True`` shows
        a progress bar of each stage (the faces, then the census's descents): a widget
        in a Jupyter notebook, a text bar on a terminal, nothing when stderr is a file
        (:mod:`reluscape.progress`); a callable ``progress(done, total, seconds)`` is
        called instead.

    Returns
    -------
    Result
        The minima (``result.minima``), the undecided candidates and the run's statistics.

    Raises
    ------
    InputError
        If the data or a setting is invalid; the message names it.

    Examples
    --------
    >>> r = solve([[0], [1]], ["1", "0"], hidden=1, lam="1/10")
    >>> [m.signs for m in r.minima]
    ['0+', '+0']
    """
    problem = make_problem(X, y, hidden=hidden, lam=lam, convention=convention)
    return solve_problem(problem, **options)


def solve_problem(
    problem: Problem,
    *,
    partitions: str = "realizable",
    face_timeout: float | None = LIBRARY_FACE_TIMEOUT,
    jobs: int = 1,
    scheduler: str | None = None,
    checkpoint: str | Path | None = None,
    progress: bool | ProgressCallback | None = None,
    census: bool = False,
) -> Result:
    """Divide-Enumerate-Merge on a validated :class:`Problem`; see
    :func:`reluscape.execution.pipeline.solve` for the options. With ``census``, the
    connections of the census (:func:`reluscape.numerical.landscape.connect`) as well,
    as ``reluscape solve --census`` does; ``progress`` as in :func:`solve`.

    Examples
    --------
    >>> p = make_problem([[0], [1]], ["1", "0"], hidden=1, lam="1/10")
    >>> solve_problem(p).complete
    True
    """
    # Imported here: the algebra stack (Singular, msolve) takes a second to load, and
    # ``import reluscape`` should not pay it.
    from reluscape.execution.pipeline import solve as run

    result = run(
        problem,
        partitions=partitions,
        face_timeout=face_timeout,
        jobs=jobs,
        scheduler=scheduler,
        checkpoint=checkpoint,
        progress=progress,
        census=census,
    )
    if census:
        from reluscape.numerical.landscape import connect

        descents = progress_bar(progress, "census descents", unit="point")
        try:
            result = connect(problem, result, progress=descents)
        finally:
            close(descents)
    return result


def path(
    X: Any,
    y: Any,
    *,
    hidden: int,
    lam: Any,
    convention: str = "sum",
    **options: Any,
) -> PathResult:
    """The minima for every lambda in ``lam = (lo, hi)``: branches, events, global path.

    Every event as a real algebraic number (minimal polynomial, isolating interval):
    the roots of each face's event polynomials, with exact face solves between them
    (docs/METHOD.md section 15); ``result.event_list_complete`` says whether the event
    list is certified complete. ``lam`` is a pair or ``"LO:HI"``;
    ``options`` go to :func:`reluscape.execution.lampath.path` (``samples``, ``width``,
    ``max_solves``, ``jobs``, ``face_timeout``, ``checkpoint``, ``progress``).

    Examples
    --------
    >>> r = path([[0], [1], [2]], [0, 1, 0], hidden=1, lam=("1/100", "10"))
    >>> [e.kind for e in r.events], {e.minimal_polynomial for e in r.events}
    (['death', 'death', 'global switch', 'birth'], {(18, 0, -1)})
    >>> r.event_list_complete
    True
    """
    from reluscape.execution.lampath import path as run  # lazy, as in solve_problem
    from reluscape.validation import check_lam_range

    lo, hi = check_lam_range(lam, "lam")
    problem = make_problem(X, y, hidden=hidden, lam=lo, convention=convention)
    return run(problem, lo, hi, **options)


def global_minimum(
    X: Any,
    y: Any,
    *,
    hidden: int,
    lam: str | int | Fraction | float,
    convention: str = "sum",
    **options: Any,
) -> Result:
    """The certified global minimum of the RR-MSE on ``(X, y)`` and every global minimizer.

    The value is certified as an exact interval (``result.global_minimum``: ``lower``,
    ``upper``, ``certified``) by convex programs per piece of parameter space with dual
    bounds checked in rational arithmetic; the minimizers (``result.minima``) come from the
    exact path of :func:`solve` (docs/METHOD.md section 10). ``X``, ``y``, ``hidden``,
    ``lam`` and ``convention`` are read as in :func:`solve`; ``options`` go to
    :func:`reluscape.global_search.global_minimum` (``jobs``, ``face_timeout``,
    ``starts``, ``seed``, ``progress``).

    Examples
    --------
    >>> r = global_minimum([[0], [1], [2], [4]], ["0", "1", "0", "2"], hidden=2, lam="1/10")
    >>> r.global_minimum.certified, [m.signs for m in r.minima]
    (True, ['++++ | --0+'])
    >>> r.global_minimum.lower <= r.minima[0].loss_interval[1]
    True
    """
    from reluscape.global_search import global_minimum as run  # lazy, as in solve_problem

    problem = make_problem(X, y, hidden=hidden, lam=lam, convention=convention)
    return run(problem, **options)


def family_member(result: Result, minimum: int, values: Mapping[str, float]) -> tuple[Any, ...]:
    """The member of a set of minima at a parameter value: the float parameters (a, B, c)
    (NumPy arrays) of the point of minimum ``minimum`` of ``result`` (its id) whose
    coordinates named in ``values`` take those values, e.g. ``{"c_0": 0.5}`` for a curve;
    see :func:`reluscape.numerical.components.family_member`.

    Examples
    --------
    >>> r = solve([[0], [1], [2], [4]], ["0", "1", "0", "2"], hidden=2, lam="1/10")
    >>> curve = next(m for m in r.minima if m.dimension == 1)
    >>> a, B, c = family_member(r, curve.id, {"c_1": float(curve.point.c[1]) + 0.01})
    >>> round(r.problem.loss(a, B, c) - curve.loss, 9)
    0.0
    """
    from reluscape.numerical.components import family_member as member  # lazy: NumPy

    by_id = {m.id: m for m in result.minima}
    if minimum not in by_id:
        raise InputError(f"no minimum {minimum!r}; the ids are {sorted(by_id)}")
    return member(result.problem, by_id[minimum], values)


def study(grid: Mapping[str, Any], **options: Any) -> Study:
    """The landscape over a grid of data sets, L, lambda and convention: see
    :func:`reluscape.studies.study` (options ``jobs``, ``checkpoint``, ``progress``)."""
    from reluscape.studies import study as run  # lazy: pandas

    return run(grid, **options)

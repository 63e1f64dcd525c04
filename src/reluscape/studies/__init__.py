"""Studies: the landscape over a grid of data sets, L, lambda and convention.

:func:`study` (``reluscape.study``) takes a grid in the style of scikit-learn's
``ParameterGrid``, runs every combination through the executor of ``solve`` and returns a
:class:`Study` with two pandas tables, as scikit-learn's ``cv_results_``:

- ``runs``: one row per run, its parameters (``data``, ``n``, ``d``, ``seed``,
  ``hidden``, ``lam``, ``lam_float``, ``convention``), the number of minima up to unit
  permutation (``minima``, and ``minima_dim<k>`` by dimension), ``spurious`` (local
  minima that are not global), ``undecided``, ``global_loss``, ``complete``, ``faces``,
  ``orbits``, ``seconds`` (wall), ``cpu_seconds`` (of the run's process and its
  children) and ``error``;
- ``minima``: one row per minimum per run, tagged with the run's parameters (``loss``
  and its certified bounds as floats, ``is_global``, ``spurious``, ``dimension``,
  ``face``, ``orbit_size``, ``decided_by``).

Columns and dtypes: :mod:`reluscape.studies.tables`. Needs pandas (the ``pandas`` extra).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reluscape.defaults import MAX_STARTS
from reluscape.progress import ProgressCallback, close, progress_bar
from reluscape.studies import tables
from reluscape.studies.grid import GRID_KEYS, Run, runs_of
from reluscape.studies.runner import execute
from reluscape.validation import InputError, check_int, check_output_dir, write_output

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["GRID_KEYS", "Run", "Study", "study"]

TABLES = ("runs", "minima")


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise InputError(
            "studies need pandas: pip install 'reluscape[pandas]'"
        ) from None
    return pandas


@dataclass
class Study:
    """The tables of a study (:func:`study`): ``runs`` and ``minima`` (pandas DataFrames)."""

    runs: pd.DataFrame
    minima: pd.DataFrame

    def __repr__(self) -> str:
        complete = int(self.runs["complete"].fillna(False).sum())
        return (
            f"Study({len(self.runs)} runs, {complete} complete, "
            f"{len(self.minima)} minima rows)"
        )

    @property
    def complete(self) -> bool:
        """Every run finished and complete (every face enumerated, every candidate decided)."""
        return bool(self.runs["complete"].fillna(False).all())

    def summary(self) -> pd.DataFrame:
        """One row per data family (the data name without its seed), L, lambda and
        convention: runs, complete runs, and the mean, least and largest number of
        minima and of spurious minima over the seeds."""
        runs = self.runs.assign(family=self.runs["data"].str.replace(r":seed=\d+", "", regex=True))
        keys = ["family", "n", "d", "hidden", "lam", "convention"]
        grouped = runs.groupby(keys, sort=False, dropna=False)
        out = grouped.agg(
            runs=("data", "size"),
            complete=("complete", "sum"),
            minima_mean=("minima", "mean"),
            minima_min=("minima", "min"),
            minima_max=("minima", "max"),
            spurious_mean=("spurious", "mean"),
            spurious_min=("spurious", "min"),
            spurious_max=("spurious", "max"),
            seconds=("seconds", "sum"),
        )
        return out.reset_index()

    def to_csv(self, directory: str | Path) -> Path:
        """Write ``runs.csv`` and ``minima.csv`` into ``directory`` (created if missing;
        each file written atomically); returns the directory."""
        path = _directory(directory)
        for name in TABLES:
            write_output(path / f"{name}.csv", getattr(self, name).to_csv(index=False), "--out")
        return path

    def to_parquet(self, directory: str | Path) -> Path:
        """Write ``runs.parquet`` and ``minima.parquet`` (needs pyarrow or fastparquet)."""
        path = _directory(directory)
        for name in TABLES:
            try:
                getattr(self, name).to_parquet(path / f"{name}.parquet", index=False)
            except ImportError as exc:
                raise InputError(
                    f"Parquet needs pyarrow or fastparquet ({exc}); to_csv writes the same tables"
                ) from None
        return path

    @classmethod
    def read(cls, directory: str | Path) -> Study:
        """The study written by :meth:`to_csv` or :meth:`to_parquet` in ``directory``."""
        pd = _pandas()
        path = Path(directory)
        frames = {}
        for name in TABLES:
            parquet, csv = path / f"{name}.parquet", path / f"{name}.csv"
            if parquet.is_file() and csv.is_file():
                raise InputError(
                    f"{path} holds both {csv.name} and {parquet.name}: remove the older one"
                )
            if parquet.is_file():
                frames[name] = pd.read_parquet(parquet)
            elif csv.is_file():
                frames[name] = _read_csv(csv, name)
            else:
                raise InputError(f"{path} is not a study directory: no {name}.csv or .parquet")
        return cls(runs=frames["runs"], minima=frames["minima"])


def _directory(directory: str | Path) -> Path:
    path = check_output_dir(directory, "--out")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out: cannot create {path}: {exc.strerror or exc}") from None
    return path


def _read_csv(path: Path, name: str) -> pd.DataFrame:
    """A table written by :meth:`Study.to_csv`, with its dtypes (text columns as text:
    ``lam`` "1" is not the number 1)."""
    pd = _pandas()
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read study table {path}: {exc}") from None
    columns = dict(tables.RUN_COLUMNS if name == "runs" else tables.MINIMA_COLUMNS)
    columns.update(dict.fromkeys(tables.dimension_columns(frame.columns), "Int64"))
    for column in set(tables.ADDED_COLUMNS[name]) - set(frame.columns):
        frame[column] = None  # a table written before the column existed: unknown
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"study table {path} has no column {missing[0]!r}")
    if "error" in frame:
        frame["error"] = frame["error"].fillna("")
    for column, dtype in columns.items():
        if dtype == "boolean":
            frame[column] = frame[column].map({"True": True, "False": False})
    try:
        return tables.typed(frame[list(columns)], columns)
    except (ValueError, TypeError) as exc:
        raise InputError(f"study table {path}: {exc}") from None


def study(
    grid: Mapping[str, Any],
    *,
    jobs: int = 1,
    checkpoint: str | Path | None = None,
    progress: bool | ProgressCallback | None = None,
    starts: int = 0,
    convex: bool = False,
) -> Study:
    """Solve every combination of ``grid`` and return the tables of the study.

    Parameters
    ----------
    grid : mapping
        Keys ``data`` (a list of :class:`reluscape.datasets.Dataset`, data specs such as
        ``"random:n=4..12:d=1"``, seed 0 unless the spec says ``seed=``: use
        :func:`reluscape.datasets.expand` with ``seeds`` for more; CSV paths or folders;
        ``(X, y)`` pairs), ``hidden``,
        ``lam`` and, optionally, ``convention`` (default ``"sum"``): each a list of
        values or, except ``data``, one value. Runs are every combination, in key order
        with the last varying fastest.
    jobs : int
        Runs solved at the same time: 1 (default) solves them in this process; more
        starts a local Dask cluster of ``jobs`` worker processes, each importing the
        algebra stack once and solving run after run.
    checkpoint : path, optional
        Directory where each finished run is stored as it completes; a study with the
        same directory reuses them and solves only the rest (a stopped study resumes).
    progress : bool or callable, optional
        True: a progress bar of the runs (:mod:`reluscape.progress`: a widget in a
        notebook, a bar on a terminal); a callable is called as ``progress(runs_done,
        runs_total, elapsed_seconds)`` before the first run and after each.

    starts : int
        Also train each run's network from ``starts`` seeded starts (L-BFGS-B, the run's
        data seed) and record the basins: each minimum's ``basin_share`` in ``minima``,
        and per run ``global_share``, ``unmatched_share`` and ``multistart_best``
        (:func:`reluscape.numerical.study_checks.run_checks`). 0 (default): none.
    convex : bool
        Also record each run's convex bound p* (``convex_bound``, Pilanci-Ergen).

    A run that raises, or whose worker dies, is recorded as failed (``complete`` false,
    ``error`` naming it) and not stored in the checkpoint, so the next study tries it
    again; the other runs go on.

    Raises
    ------
    InputError
        On a bad grid (the message names the key and position), ``jobs`` < 1 or an
        unusable checkpoint directory.

    Examples
    --------
    >>> import reluscape
    >>> from reluscape import datasets
    >>> s = reluscape.study({"data": [datasets.random(n=3, seed=0)], "hidden": [1, 2],
    ...                      "lam": ["1/10"]})
    >>> s.runs[["data", "hidden", "minima", "spurious", "complete"]]
                        data  hidden  minima  spurious  complete
    0  random:n=3:d=1:seed=0       1       3         2      True
    1  random:n=3:d=1:seed=0       2       6         5      True
    """
    _pandas()
    runs = runs_of(grid)
    jobs = check_int(jobs, "jobs", min_val=1)
    starts = check_int(starts, "starts", min_val=0, max_val=MAX_STARTS)
    if not isinstance(convex, bool):
        raise InputError(f"convex must be True or False, got {convex!r}")
    if starts or convex:
        runs = [replace(run, starts=starts, convex=convex) for run in runs]
    bar = progress_bar(progress, "study: runs", unit="run")
    try:
        outcomes = execute(runs, jobs=jobs, checkpoint=checkpoint, progress=bar)
    finally:
        close(bar)
    return Study(
        runs=tables.runs_frame([row for row, _ in outcomes]),
        minima=tables.minima_frame([m for _, minima in outcomes for m in minima]),
    )

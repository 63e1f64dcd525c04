"""Running a study's runs: one after the other in this process, or on a local Dask
cluster of worker processes, each of which imports the algebra stack once and then solves
run after run (never a process per run); each finished run stored in the checkpoint.

A run is a whole :func:`reluscape.execution.pipeline.solve` of its problem, serial in
its worker and without a face time limit: the problems of a study are small, and a
child process per face (what the limit needs) would cost more than most of their faces.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import resource
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from reluscape.studies.grid import Run
from reluscape.studies.tables import failed_row, minima_rows, run_row
from reluscape.validation import InputError, check_output_dir, write_output

FORMAT = 1
"""Version of the run-file layout; files of another version are recomputed."""

log = logging.getLogger("reluscape")

Outcome = tuple[dict[str, Any], list[dict[str, Any]]]
"""A finished run: its row and its minima's rows."""


def solve_run(run: Run) -> Outcome:
    """Solve one run (in whichever process it is given to) and return its rows."""
    from reluscape.execution.pipeline import solve  # the algebra stack: once per process

    start, cpu = time.perf_counter(), _cpu_seconds()
    problem = run.problem()
    result = solve(problem, face_timeout=None)
    shares: dict[int, float] = {}
    extra: dict[str, Any] = {}
    if run.starts or run.convex:
        # Floats beside the exact minima, asked for: training's basins, the convex bound.
        from reluscape.numerical.study_checks import run_checks

        seed = run.data.seed or 0
        extra, shares = run_checks(
            problem, result, starts=run.starts, seed=seed, convex=run.convex
        )
    row = run_row(run, result, time.perf_counter() - start) | extra
    row["cpu_seconds"] = _cpu_seconds() - cpu
    return row, minima_rows(run, result, shares)


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (the msolve processes
    of the exact path): a run's cost that does not grow with the load of a shared
    machine, as its wall time does."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def warm_up() -> None:
    """Import the algebra stack in a worker before its first run."""
    import reluscape.execution.pipeline  # noqa: F401


class RunStore:
    """A checkpoint directory: one file ``run-<fingerprint>.json`` per finished run,

        {"format": 1, "fingerprint": F, "checksum": C, "run": {...}, "minima": [...]},

    F the fingerprint of the run's problem and of the code
    (:func:`reluscape.execution.checkpoint.fingerprint`, as the face files of ``solve``),
    C the SHA-256 of the rows. A file of other code, another format, bad JSON or edited
    rows is recomputed, with a warning naming it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @classmethod
    def open(cls, directory: str | Path) -> RunStore:
        path = check_output_dir(directory, "checkpoint")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"checkpoint: cannot create {path}: {exc.strerror or exc}") from None
        return cls(path)

    def _file(self, key: str) -> Path:
        return self.directory / f"run-{key[:40]}.json"

    def load(self, run: Run, key: str) -> Outcome | None:
        path = self._file(key)
        if not path.exists():
            return None
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            rows = {"run": stored["run"], "minima": stored["minima"]}
            valid = (
                stored["format"] == FORMAT
                and stored["fingerprint"] == key
                and stored["checksum"] == _checksum(rows)
                and stored["run"]["data"] == run.data.name
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("checkpoint run file %s is unreadable (%s); recomputing it", path, exc)
            return None
        if not valid:
            log.warning("checkpoint run file %s is of other code or damaged; recomputing it", path)
            return None
        return stored["run"], stored["minima"]

    def save(self, key: str, outcome: Outcome) -> None:
        rows = {"run": outcome[0], "minima": outcome[1]}
        doc = {"format": FORMAT, "fingerprint": key, "checksum": _checksum(rows), **rows}
        write_output(self._file(key), json.dumps(doc, sort_keys=True), "checkpoint")


def _checksum(rows: Any) -> str:
    text = json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def run_key(run: Run) -> str:
    """The fingerprint of a run: its problem and the code that solves it."""
    from reluscape.execution.checkpoint import fingerprint

    key = fingerprint(run.problem(), "realizable")
    if run.starts or run.convex:  # a run that measures more is another run's file
        key = hashlib.sha256(f"{key}|starts={run.starts}|convex={run.convex}".encode()).hexdigest()
    return key


def execute(
    runs: list[Run],
    *,
    jobs: int,
    checkpoint: str | Path | None,
    progress: Callable[[int, int, float], None] | None,
) -> list[Outcome]:
    """The outcome of every run, in the order of ``runs``: from the checkpoint, or solved
    (serially when ``jobs`` is 1, else on ``jobs`` Dask worker processes), each stored as
    it finishes. ``progress(done, total, elapsed)`` is called once before the first run
    (``done``: those of the checkpoint) and after each run."""
    start = time.perf_counter()
    store = RunStore.open(checkpoint) if checkpoint is not None else None
    keys = [run_key(r) for r in runs] if store is not None else [""] * len(runs)
    outcomes: dict[int, Outcome] = {}
    if store is not None:
        for k, (run, key) in enumerate(zip(runs, keys, strict=True)):
            found = store.load(run, key)
            if found is not None:
                outcomes[k] = found

    def collect(k: int, outcome: Outcome) -> None:
        outcomes[k] = outcome
        if store is not None and not outcome[0].get("error"):
            store.save(keys[k], outcome)
        if progress is not None:
            progress(len(outcomes), len(runs), time.perf_counter() - start)

    if progress is not None:
        progress(len(outcomes), len(runs), time.perf_counter() - start)
    todo = [k for k in range(len(runs)) if k not in outcomes]
    if jobs == 1 or len(todo) <= 1:
        for k in todo:
            collect(k, _guarded(runs[k]))
    else:
        for k, outcome in _on_dask(runs, todo, jobs):
            collect(k, outcome)
    return [outcomes[k] for k in range(len(runs))]


def _guarded(run: Run) -> Outcome:
    """:func:`solve_run` in this process, a failure recorded in the run's row as on a
    worker (so both modes give the same tables; an interrupt still stops the study)."""
    try:
        return solve_run(run)
    except Exception as exc:
        log.warning("run %s (L = %d) failed: %s: %s", run.data.name, run.hidden,
                    type(exc).__name__, exc)  # fmt: skip
        return failed_row(run, f"{type(exc).__name__}: {exc}"), []


def _on_dask(runs: list[Run], todo: list[int], jobs: int) -> Iterable[tuple[int, Outcome]]:
    """Solve the runs ``todo`` on a local cluster of ``jobs`` single-threaded worker
    processes, in completion order; a run that raised or whose worker died gives a
    failed row naming the error (it is not stored, so a rerun tries it again)."""
    from distributed import Client, LocalCluster, as_completed  # lazy: 0.3 s to import

    with contextlib.ExitStack() as stack:
        cluster = stack.enter_context(
            LocalCluster(
                n_workers=jobs,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                # As in execution/dask.py: the default port 8787 would clash.
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.ERROR,
            )
        )
        client = stack.enter_context(Client(cluster, set_as_default=False))
        client.run(warm_up)
        futures = {client.submit(solve_run, runs[k], pure=False): k for k in todo}
        for future in as_completed(list(futures), loop=client.loop):
            k = futures[future]
            try:
                outcome: Outcome = future.result()
            except Exception as exc:  # a worker's failure is that run's, not the study's
                outcome = (failed_row(runs[k], f"{type(exc).__name__}: {exc}"), [])
            yield k, outcome

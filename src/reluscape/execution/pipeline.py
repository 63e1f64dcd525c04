"""Divide-Enumerate-Merge: from a :class:`Problem` to a :class:`Result`.

1. Divide: the faces of one unit's arrangement (or the paper's naive pieces), and one
   product face per orbit of unit permutations.
2. Enumerate: critical points of each product face's surrogate in its relative interior
   (:mod:`reluscape.exact.enumeration`), under a per-face time limit; a face that does not
   finish is reported, never dropped.
3. Merge: exact local-minimum tests (:mod:`reluscape.exact.verification`), one canonical
   representative per orbit, losses as certified intervals, global minima marked.
"""

from __future__ import annotations

import time
from pathlib import Path

from reluscape.data import Problem
from reluscape.defaults import FACE_TIMEOUT
from reluscape.exact.arrangement import PARTITIONS, orbit_representatives, pieces
from reluscape.exact.counting import Counts, estimate
from reluscape.exact.merge import FaceRecord, assemble
from reluscape.execution.checkpoint import Checkpoint
from reluscape.execution.executor import run_faces
from reluscape.progress import ProgressCallback, close, progress_bar
from reluscape.schema import Result
from reluscape.validation import InputError, check_choice, check_int, check_timeout


def solve(
    problem: Problem,
    *,
    partitions: str = "realizable",
    face_timeout: float | None = FACE_TIMEOUT,
    jobs: int = 1,
    scheduler: str | None = None,
    checkpoint: str | Path | None = None,
    progress: bool | ProgressCallback | None = None,
    census: bool = False,
) -> Result:
    """Every local minimum of the RR-MSE of ``problem``, exactly (Divide-Enumerate-Merge).

    Parameters
    ----------
    problem : Problem
        Validated data, number of hidden units and ridge parameter.
    partitions : {"realizable", "naive"}
        ``"realizable"``: the faces of the hyperplane arrangement; ``"naive"``: all
        2^(L n) activation patterns with their boundary pieces, as in the paper. Both
        give the same minima.
    face_timeout : float or None
        Seconds allowed per product face (enumeration and verification). A face over it
        is stopped and reported as undecided, and the result as incomplete. None: no
        limit.
    jobs : int
        Faces processed at the same time, each in its own process, on a local Dask
        cluster. With ``jobs=1``, no ``face_timeout`` and no ``scheduler``, faces run one
        after the other in this process and no cluster is started.
    scheduler : str, optional
        Address of a running Dask scheduler (e.g. ``"tcp://host:8786"``): the faces are
        processed on its cluster, as many at a time as its workers have threads, instead
        of on a local one (``jobs`` must then be 1). Every worker needs reluscape
        installed. If the cluster has had no worker at all for
        :data:`reluscape.execution.dask.WORKER_WAIT` seconds (60), the unfinished faces
        are reported undecided and the result is incomplete; finished faces are kept
        in ``checkpoint``. An unreachable address raises :class:`InputError` after Dask's
        ``distributed.comm.timeouts.connect`` (30 s by default).
    checkpoint : path, optional
        Directory where each finished face is stored as it completes; a run with the
        same directory (after a crash or a kill) reuses them and computes the rest.
    progress : bool or callable, optional
        True: a progress bar of the faces (:mod:`reluscape.progress`: a widget in a
        notebook, a bar on a terminal, nothing in a file). A callable is called as
        ``progress(faces_done, faces_total, elapsed_seconds)``: once when the faces start
        (every setting checked, the cluster reached, ``faces_done`` those of the
        checkpoint), then after each face.
    census : bool
        Also classify every stationary point (minima, saddles with their index,
        degenerate points) into ``result.critical_points``
        (:func:`reluscape.exact.census.classify_stationary`), with every execution
        mode (local, Dask, checkpoints: the checkpoint's fingerprint includes it). The
        connections between them are numerical and added by the callers
        (:func:`reluscape.numerical.landscape.connect`).

    Raises
    ------
    InputError
        If ``partitions`` is unknown, ``jobs`` is not an integer >= 1, ``face_timeout``
        is negative, ``jobs > 1`` is given with ``scheduler``, ``scheduler`` cannot be
        reached, or ``checkpoint`` cannot be used (checked by
        :mod:`reluscape.validation`; an InputError is a ValueError).

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> result = solve(make_problem([[0], [1]], ["1", "0"], hidden=1, lam="1/10"),
    ...                face_timeout=None)
    >>> [(m.dimension, m.face[0].signs, round(m.loss, 6)) for m in result.minima]
    [(0, '0+', 0.17), (0, '+0', 0.185711)]
    >>> result.complete
    True
    """
    check_choice(partitions, "partitions", PARTITIONS)
    jobs = check_int(jobs, "jobs", min_val=1)
    face_timeout = check_timeout(face_timeout, "face_timeout")
    if scheduler is not None and jobs != 1:
        raise InputError("jobs and scheduler exclude each other: the cluster sets the parallelism")
    bar = progress_bar(progress, "faces", unit="face")
    try:
        return _run(problem, partitions, face_timeout, jobs, scheduler, checkpoint, bar, census)
    finally:
        close(bar)


def _run(
    problem: Problem,
    partitions: str,
    face_timeout: float | None,
    jobs: int,
    scheduler: str | None,
    checkpoint: str | Path | None,
    progress: ProgressCallback | None,
    census: bool,
) -> Result:
    """:func:`solve` with checked settings and a progress callback (or None)."""
    start = time.perf_counter()
    unit_faces = pieces(problem, partitions)
    products = orbit_representatives(len(unit_faces), problem.hidden)
    t_divide = time.perf_counter() - start
    store = Checkpoint.open(checkpoint, problem, partitions, census) if checkpoint else None
    records: list[FaceRecord] = list(store.records.values()) if store else []
    todo = [p for p in products if not store or p not in store.records]

    def collect(record: FaceRecord) -> None:
        records.append(record)
        if store is not None:
            store.save(record)
        if progress is not None:
            progress(len(records), len(products), time.perf_counter() - start)

    def started() -> None:
        # The first call of ``progress``: every setting is usable and faces start now.
        if progress is not None:
            progress(len(records), len(products), time.perf_counter() - start)

    run_faces(
        problem,
        partitions,
        todo,
        collect,
        face_timeout=face_timeout,
        jobs=jobs,
        scheduler=scheduler,
        started=started,
        census=census,
    )
    return assemble(problem, partitions, len(unit_faces), records, t_divide, start, census=census)


def plan(problem: Problem, *, partitions: str = "realizable") -> Counts:
    """What a run will process, counted by formula before any algebra (``--dry-run``).

    See :mod:`reluscape.exact.counting`: the faces of one unit are counted from the
    data's lattice of flats (never listed), the orbits as multisets C(F + L - 1, L), so
    this answers in seconds for any n and L. ``exact`` is False when the face count is
    the general-position upper bound (d >= 3 with many points).

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> plan(make_problem([[0], [1], [2]], [0, 1, 0], hidden=2, lam=1))
    Counts(hidden=2, unit_faces=13, faces=169, orbits=91, activation_patterns=64, exact=True)
    """
    check_choice(partitions, "partitions", PARTITIONS)
    return estimate(problem.X, hidden=problem.hidden, partitions=partitions)

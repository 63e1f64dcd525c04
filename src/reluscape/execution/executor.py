"""The one executor of product faces: serial in this process, or on Dask.

Every command that processes faces (``solve``, ``global``, ``compare``, and what builds on
them) goes through :func:`run_faces`, so each face is wrapped the same way (a face that
raises is recorded undecided, not fatal to the run) and the choice between a cluster and
a serial run is made in one place.
"""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from fractions import Fraction
from typing import TypeVar

from reluscape.data import Problem
from reluscape.exact.merge import FaceRecord
from reluscape.execution.dask import face_outcome, face_record, run_on_dask

__all__ = ["map_tasks", "needs_cluster", "run_face_groups", "run_faces"]

T = TypeVar("T")
R = TypeVar("R")


def needs_cluster(face_timeout: float | None, jobs: int, scheduler: str | None) -> bool:
    """Faces run on Dask under a time limit (a face is stopped by killing its process),
    with several jobs, or on a given scheduler; otherwise one after the other here.

    >>> needs_cluster(None, 1, None), needs_cluster(60.0, 1, None), needs_cluster(None, 2, None)
    (False, True, True)
    """
    return bool(face_timeout) or jobs > 1 or scheduler is not None


def run_faces(
    problem: Problem,
    partitions: str,
    products: list[tuple[int, ...]],
    collect: Callable[[FaceRecord], None],
    *,
    face_timeout: float | None,
    jobs: int,
    scheduler: str | None = None,
    started: Callable[[], None] | None = None,
    census: bool = False,
) -> None:
    """Process ``products`` and pass each face's record to ``collect`` as it finishes.

    ``started`` is called once the faces start (on Dask: the cluster reached). No cluster
    is started when ``products`` is empty.
    """
    if products and needs_cluster(face_timeout, jobs, scheduler):
        run_on_dask(
            problem,
            partitions,
            products,
            collect,
            face_timeout=face_timeout or None,
            jobs=jobs,
            scheduler=scheduler,
            started=started,
            census=census,
        )
        return
    if started is not None:
        started()
    for product in products:
        outcome = face_outcome(problem, partitions, product, census)
        collect(face_record(problem, partitions, product, outcome))


def map_tasks(fn: Callable[[T], R], items: Sequence[T], *, jobs: int) -> Iterator[R]:
    """``fn(item)`` for every item, in completion order: here, one after the other, when
    ``jobs`` is 1; else in ``jobs`` forked processes (``fn`` and the items picklable).

    For exact work that is not a face solve (the regularization path's eliminations):
    forked children inherit the imported algebra stack, as the face children of
    :mod:`reluscape.execution.dask` do, and an exception in a task is raised here.

    >>> sorted(map_tasks(abs, [-2, 1, -3], jobs=1))
    [1, 2, 3]
    """
    if jobs == 1 or len(items) <= 1:
        yield from map(fn, items)
        return
    from concurrent.futures import as_completed

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(fn, item) for item in items]
        for future in as_completed(futures):
            yield future.result()


def run_face_groups(
    problem: Problem,
    groups: dict[Fraction, list[tuple[int, ...]]],
    collect: Callable[[Fraction, FaceRecord], None],
    *,
    face_timeout: float | None,
    jobs: int,
) -> None:
    """Faces at several values of lambda (``groups``: lambda -> products), each record
    passed to ``collect(lam, record)``: with ``jobs`` > 1 and no face time limit, each
    value's faces as one task in ``jobs`` forked processes (one pool for all values: a
    cluster per value would cost more than its faces), else :func:`run_faces` value by
    value. Each face is wrapped as everywhere (a face that raises is a failure record)."""
    if jobs > 1 and not face_timeout and len(groups) > 1:
        tasks = [(problem, lam, products) for lam, products in groups.items()]
        for lam, records in map_tasks(_face_group, tasks, jobs=jobs):
            for record in records:
                collect(lam, record)
        return
    for lam, products in groups.items():
        run_faces(
            replace(problem, lam=lam),
            "realizable",
            products,
            functools.partial(collect, lam),
            face_timeout=face_timeout,
            jobs=jobs,
        )


def _face_group(
    task: tuple[Problem, Fraction, list[tuple[int, ...]]],
) -> tuple[Fraction, list[FaceRecord]]:
    """The faces of one value of lambda, in a forked process (:func:`run_face_groups`)."""
    problem, lam, products = task
    at = replace(problem, lam=lam)
    return lam, [
        face_record(at, "realizable", p, face_outcome(at, "realizable", p, False))
        for p in products
    ]

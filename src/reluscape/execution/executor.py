"""The one executor of product faces: serial in this process, or on Dask.

Every command that processes faces (``solve``, ``global``, ``compare``, and what builds on
them) goes through :func:`run_faces`, so each face is wrapped the same way (a face that
raises is recorded undecided, not fatal to the run) and the choice between a cluster and
a serial run is made in one place.
"""

from __future__ import annotations

from collections.abc import Callable

from reluscape.data import Problem
from reluscape.exact.merge import FaceRecord
from reluscape.execution.dask import face_outcome, face_record, run_on_dask

__all__ = ["needs_cluster", "run_faces"]


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

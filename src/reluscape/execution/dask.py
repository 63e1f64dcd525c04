"""Execution of faces: Dask tasks (local cluster or a running one), each face in a killable
child process under a time limit."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from reluscape.data import InputError, Problem
from reluscape.exact.arrangement import pieces
from reluscape.exact.merge import FaceRecord, face_labels, process_face
from reluscape.provenance import package_versions

CHILD_RSS_LIMIT = 1 << 30  # bytes; see _Child

CHUNK_MAX = 64
CHUNKS_PER_THREAD = 16
"""Faces go to Dask in chunks (:func:`chunked`): at most ``CHUNK_MAX`` faces per task, and
at least ``CHUNKS_PER_THREAD`` tasks per worker thread while there are enough faces."""

CHUNK_SECONDS = 2.0
"""A task stops starting faces after this many seconds and hands back the rest of its chunk
as a new task, so a task that dies (or a killed run) loses at most about this much
finished work per worker thread, however slow the faces."""

WORKER_WAIT = 60.0
"""Seconds a cluster may have no worker at all before the unfinished faces are given up
(reported undecided): enough for a nanny to restart a worker or an adaptive cluster to
start one, and a bound on how long a run whose workers all died keeps waiting."""

log = logging.getLogger("reluscape")


def run_on_dask(
    problem: Problem,
    partitions: str,
    products: list[tuple[int, ...]],
    collect: Callable[[FaceRecord], None],
    *,
    face_timeout: float | None,
    jobs: int = 1,
    scheduler: str | None = None,
    started: Callable[[], None] | None = None,
    census: bool = False,
) -> None:
    """Process faces as Dask tasks, each face under a time limit, passing records to ``collect``.

    One task per chunk of faces (:func:`chunked`), on a local cluster of ``jobs`` threads
    in this process or, with ``scheduler``, on the Dask cluster at that address. A task
    runs its faces one by one in a child
    process of the Dask worker (:class:`_Child`), so a face over ``face_timeout`` can be
    killed whatever library it is in; it is then recorded as a failure, never dropped, as
    is a face whose child or task died. When the cluster has had no worker at all for
    ``WORKER_WAIT`` seconds (every worker died), the unfinished faces are recorded as
    failures too and the function returns: a run never hangs on a dead cluster. The
    workers of a cluster must run the versions of :func:`package_versions` that this
    process records in the result: checked for every worker before the first face
    (:func:`_check_workers`), and by each task on its worker, for workers that join later
    (their faces are recorded as failures).
    ``collect`` sees records in completion order; :func:`assemble` sorts them, so the
    result does not depend on that order. ``started`` is called once the cluster is up
    (or reached), before the first face. ``census``: the records also list every
    stationary point (:func:`reluscape.exact.merge.process_face`).

    The local cluster is one in-process worker with ``jobs`` threads, since the faces run in
    forked children anyway: starting it costs a fraction of what spawned worker processes
    (each importing Sage) cost, and a whole run costs about what the former
    multiprocessing workers did, within the run-to-run spread of the shared machine (the
    numbers are in the commit that made the change). So local runs use Dask too: one code
    path, exercised by every run, for this machine and for a cluster.

    Raises
    ------
    InputError
        If ``scheduler`` is malformed or no scheduler answers there within Dask's
        ``distributed.comm.timeouts.connect`` (30 s by default), or a worker cannot run
        reluscape or runs other versions.
    """
    from distributed import Client, LocalCluster, as_completed  # lazy: 0.3 s to import

    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=1,
                    threads_per_worker=jobs,
                    processes=False,
                    dashboard_address=None,
                    # The scheduler's HTTP server starts even without a dashboard; on
                    # its default port 8787 it would clash with other clusters.
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                )
            )
            # Registered after the cluster, so it runs before the cluster's close, which
            # waits for running tasks: killing their children lets them return at once.
            stack.callback(_stop_children)
            client = stack.enter_context(Client(cluster, set_as_default=False))
        else:
            client = stack.enter_context(_connect(scheduler))
            _check_workers(client, scheduler)
        if started is not None:
            started()
        threads = jobs if scheduler is None else sum(client.nthreads().values())
        task = {
            "problem": problem,
            "partitions": partitions,
            "timeout": face_timeout,
            "census": census,
            "budget": CHUNK_SECONDS,
            "versions": package_versions(),
            "pure": False,
        }
        watchdog = _WorkerWatchdog(client, WORKER_WAIT)
        stack.callback(watchdog.stop)
        completed = as_completed(loop=client.loop)
        chunk_of: dict[Any, list[tuple[int, ...]]] = {}

        def submit(chunks: list[list[tuple[int, ...]]]) -> bool:
            futures = watchdog.track(lambda: client.map(_chunk_task, chunks, **task))
            if not futures:  # the watchdog has fired
                return False
            chunk_of.update((f.key, c) for f, c in zip(futures, chunks, strict=True))
            completed.update(futures)
            return True

        submit(chunked(products, threads))
        watchdog.start()  # after the first tasks: none of them can be refused
        gone = f"no Dask worker left for {watchdog.wait:g} s"
        given_up = 0
        for future in completed:
            chunk = chunk_of.pop(future.key)
            outcomes = _outcomes(future, len(chunk), watchdog)
            rest = chunk[len(outcomes) :]
            # The task's time budget ran out: the rest is a new task, unless no worker is
            # left to run it.
            if rest and not submit([rest]):
                outcomes = [*outcomes, *[gone] * len(rest)]
                given_up += len(rest)
            for product, outcome in zip(chunk, outcomes, strict=False):
                collect(face_record(problem, partitions, product, outcome))
        if given_up:
            log.warning(
                "no Dask worker for %g s: the %d unfinished faces are reported undecided "
                "(finished faces are kept in --checkpoint, if given)",
                watchdog.wait,
                given_up,
            )


def _outcomes(future: Any, size: int, watchdog: _WorkerWatchdog) -> list[FaceRecord | str]:
    """The outcomes of a finished task's faces (fewer than ``size`` when it handed the rest
    back), or none when the watchdog cancelled it.

    Which of the two is decided after the result is asked for, never before: a task whose
    worker died after it finished is done when ``as_completed`` hands it over, then lost
    (its result was on that worker), and ``result()`` waits until a worker recomputes it
    or the watchdog cancels it. The watchdog sets ``fired`` before it cancels, so a task
    it cancelled is always seen as such here.
    """
    try:
        return future.result()
    except Exception as exc:  # e.g. KilledWorker: the faces are reported, not lost
        if future.cancelled() and watchdog.fired:
            return []
        return [f"task failed: {type(exc).__name__}: {exc}"] * size


def chunked(products: list[tuple[int, ...]], threads: int) -> list[list[tuple[int, ...]]]:
    """The faces in consecutive runs, one Dask task each.

    A task costs the scheduler and the client CPU in this process and messages, which at
    L = 2, n = 100 (80601 short faces) was a third of the wall time, taken from the cores
    the faces run on. Runs of ``size`` faces, with

        size = max(1, min(CHUNK_MAX, len(products) // (threads * CHUNKS_PER_THREAD))),

    keep small problems at one face per task and leave every thread many tasks to
    balance the load. Consecutive orbits share unit faces, whose caches the face process
    keeps. Each face in a task still has its own time limit and its own record. A task
    runs its chunk for at most about ``CHUNK_SECONDS`` and hands the rest back, so slow
    faces do not make a task that dies lose much finished work.

    >>> sorted({len(c) for c in chunked([(i,) for i in range(100)], 2)})
    [1, 3]
    >>> [len(c) for c in chunked([(i,) for i in range(10**5)], 2)][:3]
    [64, 64, 64]
    >>> len(chunked([(i,) for i in range(10)], 2))
    10
    """
    size = max(1, min(CHUNK_MAX, len(products) // (max(1, threads) * CHUNKS_PER_THREAD)))
    return [products[i : i + size] for i in range(0, len(products), size)]


class _WorkerWatchdog(threading.Thread):
    """Cancels the pending tasks once the cluster has had no worker for ``wait`` seconds.

    Without workers, Dask keeps tasks waiting for one to join, and the run would wait
    forever. Cancelled tasks come out of ``as_completed`` at once and their faces are
    recorded as undecided (a checkpoint keeps the finished ones, and a rerun retries the
    rest). Tasks are submitted through :meth:`track`, which submits none once the
    watchdog has fired: one submitted after the cancellation would wait for a worker
    forever. The scheduler is asked every ``poll`` seconds; an unreachable scheduler
    counts as having no worker. Started by the caller, after the first tasks.
    """

    def __init__(self, client: Any, wait: float, poll: float = 1.0) -> None:
        super().__init__(name="reluscape-worker-watchdog", daemon=True)
        self.client, self.wait, self.poll = client, wait, poll
        self.futures: list[Any] = []
        self.fired = False
        self._lock = threading.Lock()  # firing and submitting exclude each other
        self._halt = threading.Event()

    def track(self, submit: Callable[[], list[Any]]) -> list[Any]:
        """The futures of ``submit()``, watched; none, and nothing submitted, once fired."""
        with self._lock:
            if self.fired:
                return []
            futures = submit()
            self.futures.extend(futures)
            return futures

    def run(self) -> None:
        last_seen = time.monotonic()
        while not self._halt.wait(self.poll):
            if self._workers() > 0:
                last_seen = time.monotonic()
            elif time.monotonic() - last_seen > self.wait:
                self._fire()
                return

    def _fire(self) -> None:
        with self._lock:
            self.fired = True  # before the cancellation: see _outcomes
            pending = [f for f in self.futures if not f.done()]
            with contextlib.suppress(Exception):
                self.client.cancel(pending, reason=f"no Dask worker for {self.wait:g} s")

    def _workers(self) -> int:
        try:
            return len(self.client.scheduler_info(n_workers=-1)["workers"])
        except Exception:  # the scheduler is gone, or the client is closing
            return 0

    def stop(self) -> None:
        self._halt.set()


def _connect(address: str) -> Any:
    from distributed import Client
    from distributed.comm import get_address_host_port

    try:
        # Checked first: a Client refused for a malformed address prints a traceback
        # when it is garbage-collected.
        get_address_host_port(address)
        return Client(address, set_as_default=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot connect to the Dask scheduler at {address!r}: {exc}") from None


def _check_workers(client: Any, address: str) -> None:
    """Every worker of the cluster imports reluscape and runs this process's
    :func:`package_versions`: a worker with another Singular or reluscape could compute
    other faces than the ones the result's ``stats.versions`` stand for."""
    mine = package_versions()
    try:
        theirs = client.run(package_versions)
    except Exception as exc:  # e.g. reluscape not installed on a worker: unpickling fails
        raise InputError(
            f"a Dask worker of {address} cannot run reluscape ({type(exc).__name__}: {exc}); "
            "install the same reluscape on every machine of the cluster"
        ) from None
    wrong = {worker: versions for worker, versions in sorted(theirs.items()) if versions != mine}
    if wrong:
        worker, versions = next(iter(wrong.items()))
        raise InputError(
            f"{len(wrong)} of {len(theirs)} Dask workers of {address} run other versions than "
            f"this process, e.g. {worker}: {version_difference(versions, mine)}; install the "
            "same versions on every machine of the cluster"
        )


def version_difference(theirs: dict[str, str], mine: dict[str, str]) -> str:
    """The packages whose versions differ, as "numpy 1.26.4 (here 2.1.0)".

    >>> version_difference({"numpy": "1", "reluscape": "0.1"}, {"numpy": "2", "reluscape": "0.1"})
    'numpy 1 (here 2)'
    """
    names = sorted(set(theirs) | set(mine))
    return ", ".join(
        f"{name} {theirs.get(name, 'missing')} (here {mine.get(name, 'missing')})"
        for name in names
        if theirs.get(name) != mine.get(name)
    )


def face_record(
    problem: Problem, partitions: str, product: tuple[int, ...], outcome: FaceRecord | str
) -> FaceRecord:
    """The record of a face, or a failure record when ``outcome`` says why there is none."""
    if isinstance(outcome, FaceRecord):
        return outcome
    faces = tuple(pieces(problem, partitions)[i] for i in product)
    return FaceRecord(product=tuple(product), faces=face_labels(faces), failure=outcome)


def _chunk_task(
    chunk: list[tuple[int, ...]],
    *,
    problem: Problem,
    partitions: str,
    timeout: float | None,
    census: bool,
    budget: float,
    versions: dict[str, str],
) -> list[FaceRecord | str]:
    """Dask task: the outcomes of the first faces of a chunk, run one at a time in the
    calling worker thread's child process (a fresh one after a face that killed or
    retired it), starting no new face after ``budget`` seconds; at least one face.

    On a worker whose :func:`package_versions` are not the client's ``versions`` (one
    that joined after :func:`_check_workers`), every face fails with the difference.
    """
    here = package_versions()
    if here != versions:
        return [f"worker runs other versions: {version_difference(here, versions)}"] * len(chunk)
    stop = time.monotonic() + budget
    outcomes: list[FaceRecord | str] = []
    for product in chunk:
        outcomes.append(_child_of_this_thread().run(problem, partitions, product, timeout, census))
        if time.monotonic() >= stop:
            break
    return outcomes


class _Child:
    """A forked process that runs one face at a time for the thread that started it.

    Forked, so it starts in milliseconds with Sage already imported. ``os.fork`` rather
    than :mod:`multiprocessing`: Dask's nanny starts workers as daemonic processes, which
    :mod:`multiprocessing` forbids to have children. The child exits when its pipe closes,
    so it does not outlive the Dask worker that owns it. A child whose resident memory has
    grown past ``CHILD_RSS_LIMIT`` is retired after its face and a fresh one forked: the
    memory Singular takes for a heavy face is not given back to the system, and children
    that lived through thousands of faces (L = 3, n = 8) held 3 GiB each.
    """

    def __init__(self) -> None:
        self.conn, child_end = multiprocessing.Pipe()
        self.pid = os.fork()
        if self.pid == 0:
            self.conn.close()
            try:
                _child_main(child_end)
            finally:
                # Never return into the Dask worker's code, nor run its exit handlers.
                os._exit(0)
        child_end.close()
        self.alive = True
        self._problem: Problem | None = None

    def run(
        self,
        problem: Problem,
        partitions: str,
        product: tuple[int, ...],
        timeout: float | None,
        census: bool = False,
    ) -> FaceRecord | str:
        """The face's record, or why there is none; waits at most ``timeout`` seconds."""
        try:
            # The problem crosses the pipe once per child: the child keeps the object,
            # and with it the caches keyed by it (a new copy per face would be compared
            # in full at every cache lookup).
            sent = None if problem is self._problem else problem
            self.conn.send((sent, partitions, product, census))
            self._problem = problem
            if not self.conn.poll(timeout):
                self.kill()
                return f"time limit ({timeout:g} s) exceeded"
            outcome = self.conn.recv()
        except (EOFError, OSError):
            return f"worker process died ({self.kill()})"
        if _resident_bytes(self.pid) > CHILD_RSS_LIMIT:
            self.retire()
        return outcome

    def retire(self) -> None:
        """Let the child exit (its pipe closes) and reap it."""
        self.conn.close()
        os.waitpid(self.pid, 0)
        self.alive = False

    def kill(self) -> str:
        """Stop the child (SIGKILL) and reap it; return how it ended."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        _, status = os.waitpid(self.pid, 0)
        self.conn.close()
        self.alive = False
        code = os.waitstatus_to_exitcode(status)
        return f"killed by signal {-code}" if code < 0 else f"exit code {code}"


def _resident_bytes(pid: int) -> int:
    """Resident memory of a process (0 where /proc is not available)."""
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _child_main(conn: multiprocessing.connection.Connection) -> None:
    problem: Problem | None = None
    while True:
        try:
            sent, partitions, product, census = conn.recv()
        except EOFError:  # the owner is gone
            return
        problem = sent if sent is not None else problem
        # The owner sends the problem with the child's first face (``_Child.run``).
        assert problem is not None, "a face reached the child before its problem"
        conn.send(face_outcome(problem, partitions, product, census))


def face_outcome(
    problem: Problem, partitions: str, product: tuple[int, ...], census: bool
) -> FaceRecord | str:
    """The face's record, or why there is none: a face that fails is reported, not lost
    (in a face process, and for the faces a run without processes does in its own)."""
    try:
        return process_face(problem, partitions, product, census=census)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"


# One child per Dask worker thread of this process (the threads persist, so children are
# reused from face to face and only forked again after a kill).
_children: dict[int, _Child] = {}
_children_lock = threading.Lock()


def _child_of_this_thread() -> _Child:
    key = threading.get_ident()
    with _children_lock:
        child = _children.get(key)
        if child is None or not child.alive:
            child = _children[key] = _Child()
        return child


def _stop_children() -> None:
    """Kill and reap every child of this process (after a local cluster's faces)."""
    with _children_lock:
        children = list(_children.values())
        _children.clear()
    for child in children:
        if child.alive:
            child.kill()

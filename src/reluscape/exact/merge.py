"""Merge: exact verdicts on one product face's candidates, then one result from all faces.

Each product face's candidates (:mod:`reluscape.exact.enumeration`) are decided by the exact
local-minimum tests of :mod:`reluscape.exact.verification`; one representative per orbit of
unit permutations is kept (:func:`is_canonical`) and described as plain data
(:class:`FaceRecord`, what a worker process sends back). :func:`assemble` merges the records
of every face deterministically into a :class:`reluscape.schema.Result`. With ``census``,
the stationary candidates that are not minima are classified too
(:func:`reluscape.exact.census.classify_stationary`: saddles with their exact
index, degenerate points with the reason) and listed with the minima in
``Result.critical_points`` (docs/METHOD.md section 12).
"""

from __future__ import annotations

import itertools
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from reluscape import schema
from reluscape.data import Problem
from reluscape.exact import algebra, stages
from reluscape.exact.arrangement import UnitFace, cached_arrangement, pieces
from reluscape.exact.census import Classification, classify_stationary
from reluscape.exact.enumeration import Candidate, FaceOutcome, enumerate_face
from reluscape.exact.surrogate import FaceSystem
from reluscape.exact.verdicts import DecidedBy, Kind, Reason
from reluscape.exact.verification import LocalVerdict, verify_candidate
from reluscape.provenance import package_versions
from reluscape.schema import CriticalPoint, Minimum, Result

LOSS_PRECISION = 128


@dataclass
class FaceRecord:
    """Plain-data outcome of one product face (what a worker sends back)."""

    product: tuple[int, ...]
    faces: list[str]
    minima: list[Minimum] = field(default_factory=list)
    undecided: list[Minimum] = field(default_factory=list)
    rejected: dict[str, int] = field(default_factory=dict)
    census: list[CriticalPoint] = field(default_factory=list)
    skipped: str | None = None
    failure: str | None = None
    positive_dimensional: bool = False
    components: int = 0
    candidates: int = 0
    seconds_enumerate: float = 0.0
    seconds_verify: float = 0.0
    seconds_by_stage: dict[str, float] = field(default_factory=dict)


def process_face(
    problem: Problem, partitions: str, product: tuple[int, ...], census: bool = False
) -> FaceRecord:
    """Enumerate and verify one product face; return plain data.

    With ``census``, the rejected candidates that are stationary are classified
    (:func:`reluscape.exact.census.classify_stationary`) and kept in
    ``record.census``, one entry per isolated point or per component, kind and index;
    the rejection counts are unchanged.
    """
    arrangement = cached_arrangement(problem)
    faces = tuple(pieces(problem, partitions)[i] for i in product)
    record = FaceRecord(product=tuple(product), faces=face_labels(faces))
    stages.take()  # what ran before this face (the arrangement) is not its time
    with stages.stage("build"):
        system = FaceSystem.build(problem, faces)
    t0 = time.perf_counter()
    with stages.stage("solve"):
        outcome = enumerate_face(system)
    record.seconds_enumerate = time.perf_counter() - t0
    record.skipped = outcome.skipped
    record.positive_dimensional = outcome.positive_dimensional
    record.components = outcome.components
    record.candidates = len(outcome.candidates)
    if outcome.undecided:
        record.failure = outcome.undecided
    t0 = time.perf_counter()
    with stages.stage("verify"):
        _verify_candidates(problem, outcome, arrangement, record, census)
    record.seconds_verify = time.perf_counter() - t0
    record.seconds_by_stage = stages.take()
    return record


def _verify_candidates(
    problem: Problem, outcome: FaceOutcome, arrangement: Any, record: FaceRecord, census: bool
) -> None:
    """Verdicts of a face's candidates into ``record``: minima (one per component),
    undecided candidates, rejection counts and, with ``census``, the stationary points."""
    rejected: Counter[str] = Counter()
    components_done: set[int] = set()
    census_done: set[tuple[int, str, int | None]] = set()
    for cand in outcome.candidates:
        if not is_canonical(cand):
            rejected["unit-permuted copy of another candidate"] += 1
            continue
        try:
            verdict = verify_candidate(cand, arrangement)
        except algebra.Undecided as exc:
            verdict = LocalVerdict(None, DecidedBy.PRECISION, str(exc), Reason.PRECISION)
        if verdict.is_minimum is False:
            rejected[f"{verdict.decided_by}: not a local minimum"] += 1
            if census:
                _add_to_census(problem, cand, arrangement, verdict, record.census, census_done)
        elif verdict.is_minimum is None:
            record.undecided.append(_entry(problem, cand, verdict))
        elif cand.component is None or cand.component.index not in components_done:
            # One entry per component: the loss is constant on it, and further
            # samples describe the same set.
            record.minima.append(_entry(problem, cand, verdict))
            if cand.component is not None:
                components_done.add(cand.component.index)
    record.rejected = dict(rejected)


def _add_to_census(
    problem: Problem,
    cand: Candidate,
    arrangement: Any,
    verdict: LocalVerdict,
    entries: list[CriticalPoint],
    done: set[tuple[int, str, int | None]],
) -> None:
    """Classify a rejected candidate; keep it if stationary (one entry per component and
    kind: further samples of a component describe the same set). A degenerate point's
    detail ends with why the minimum test rejected it (e.g. the dead-unit descent)."""
    try:
        found = classify_stationary(cand, arrangement)
    except algebra.Undecided as exc:
        found = Classification(Kind.DEGENERATE, None, DecidedBy.PRECISION, str(exc))
    if found is None:
        return
    if found.kind is Kind.DEGENERATE:
        found = replace(
            found,
            detail=f"{found.detail}; not a local minimum ({verdict.decided_by}: {verdict.detail})",
        )
    if cand.component is not None:
        key = (cand.component.index, found.kind, found.index)
        if key in done:
            return
        done.add(key)
    entries.append(_census_entry(_entry_parts(problem, cand), found))


def _census_entry(parts: dict[str, Any], found: Classification) -> CriticalPoint:
    return CriticalPoint(
        id=1,
        kind=found.kind.value,
        index=found.index,
        decided_by=found.decided_by.value,
        detail=found.detail,
        descent_components=found.descent_components,
        descents_cover=found.descents_cover,
        **parts,
    )


def _census(
    minima: list[Minimum], undecided: list[Minimum], records: list[FaceRecord]
) -> list[CriticalPoint]:
    """Every stationary point, by increasing loss: the minima (their ids), the
    classified rejections of every face, and the undecided candidates (degenerate, with
    the reason no test settled them); ids after those of the minima."""

    def parts(m: Minimum) -> dict[str, Any]:
        return {
            "dimension": m.dimension,
            "loss": m.loss,
            "loss_interval": m.loss_interval,
            "face": m.face,
            "activation": m.activation,
            "point": m.point,
            "system": m.system,
            "orbit_size": m.orbit_size,
            "component": m.component,
        }

    found = [
        CriticalPoint(
            id=m.id,
            kind=Kind.MINIMUM.value,
            index=0,
            decided_by=m.verdict.decided_by,
            detail=m.verdict.detail,
            **parts(m),
        )
        for m in minima
    ]
    others = [c for r in records for c in r.census] + [
        _census_entry(
            parts(m),
            Classification(
                Kind.DEGENERATE, None, DecidedBy(m.verdict.decided_by), m.verdict.detail
            ),
        )
        for m in undecided
    ]
    others.sort(key=lambda c: (c.loss_interval[0], [f.signs for f in c.face]))
    for i, c in enumerate(others, start=len(minima) + 1):
        c.id = i
    return sorted([*found, *others], key=lambda c: (c.loss_interval[0], [f.signs for f in c.face]))


def assemble(
    problem: Problem,
    partitions: str,
    n_pieces: int,
    records: list[FaceRecord],
    t_divide: float,
    start: float,
    census: bool = False,
) -> Result:
    """Merge face records deterministically: sort by loss, number, mark global minima.

    With ``census``, the result's ``critical_points`` list every stationary point
    (:func:`_census`); without it the result has none and is unchanged.

    In a complete run (every face enumerated, every candidate decided), a minimum is
    global when its certified loss interval meets the lowest upper bound (exact rational
    comparison of the interval endpoints): ``is_global`` is True or False. An incomplete
    run may have missed the global minimum, so it marks none: ``is_global`` is None for
    every minimum (docs/METHOD.md section 5).
    """
    records = sorted(records, key=lambda r: r.product)
    minima = [m for r in records for m in r.minima]
    undecided = [m for r in records for m in r.undecided]
    failures = [{"face": r.faces, "reason": r.failure} for r in records if r.failure]
    if not failures:
        _decide_by_existence(minima, undecided)
    minima.sort(key=lambda m: (m.loss_interval[0], m.face[0].signs))
    complete = not undecided and not failures
    # Only a complete run knows every minimum; an incomplete one certifies none as global.
    if minima:
        best = min(m.loss_interval[1] for m in minima)
        for m in minima:
            m.is_global = m.loss_interval[0] <= best if complete else None
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
        "complete": complete,
        "timings": {
            "divide": t_divide,
            "enumerate": sum(r.seconds_enumerate for r in records),
            "verify": sum(r.seconds_verify for r in records),
            # Summed over faces (each in its own process when jobs > 1): CPU-side seconds.
            "stages": {
                name: sum(r.seconds_by_stage.get(name, 0.0) for r in records)
                for name in stages.STAGES
            },
            "total": time.perf_counter() - start,
        },
        "versions": package_versions(),
    }
    return Result(
        # Result reads the description (a mapping) into a Problem; schema annotates the
        # field as Problem only.
        problem=problem.describe(),  # type: ignore[arg-type]
        minima=minima,
        undecided=undecided,
        stats=stats,
        critical_points=_census(minima, undecided, records) if census else None,
    )


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
    lowest = min(undecided, key=lambda m: m.loss_interval[0])
    upper = lowest.loss_interval[1]
    others = [m for m in (*minima, *undecided) if m is not lowest]
    if all(upper < m.loss_interval[0] for m in others):
        undecided.remove(lowest)
        lowest.verdict = schema.Verdict(
            is_minimum=True,
            decided_by=DecidedBy.GLOBAL_EXISTENCE.value,
            detail="the loss is coercive, so its global minimum is a candidate; every "
            "other candidate is rejected or has a certified higher loss "
            f"(the local test was undecided: {lowest.verdict.detail})",
        )
        minima.append(lowest)


def face_labels(faces: Sequence[UnitFace]) -> list[str]:
    return [f.label() for f in faces]


def _unit_key(cand: Candidate, u: int) -> list[Any]:
    system = cand.system
    return [system.a_var(u), *system.t_vars(u)]


def is_canonical(cand: Candidate) -> bool:
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
    prime ideal P to itself; the orbit size is L! / |stabiliser|. phi(P) = P holds at once
    when phi permutes P's generators up to scalars (an orbit prime's, written down
    symmetric in its group's units, :func:`~reluscape.exact.enumeration._orbit_prime`);
    otherwise it is decided as phi(P) in P, by reducing phi's images of P's generators
    modulo one Groebner basis of P: a permutation of the variables keeps the affine
    Hilbert function, and an ideal inside another with the same Hilbert function is equal
    to it. Comparing the ideals had computed a Groebner basis of phi(P) for every
    permutation, and one of P.
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
    generators = {_monic(g) for g in prime.gens()}
    stabiliser = 0
    for perm in itertools.permutations(range(L)):
        if any(system.faces[perm[u]].index != system.faces[u].index for u in range(L)):
            continue
        images = {}
        for u in system.live:
            for j in range(system.faces[u].dim):
                images[f"t{u}_{j}"] = R(f"t{perm[u]}_{j}")
        phi = R.hom([images[str(v)] for v in R.gens()], R)
        images_of_gens = [phi(g) for g in prime.gens()]
        if {_monic(g) for g in images_of_gens} == generators or all(
            g in prime for g in images_of_gens
        ):
            stabiliser += 1
    return math.factorial(L) // stabiliser


def _monic(g: Any) -> Any:
    """g over its leading coefficient: generators equal up to a scalar compare equal."""
    return g / g.lc() if g else g


def _loss_interval(cand: Candidate) -> Any:
    system = cand.system
    if not system.live:
        yt2 = sum((v * v for v in system.problem.yt), 0)
        return algebra.interval_field(LOSS_PRECISION)(algebra.to_qq(Fraction(yt2) / 2))
    return cand.point.evaluate(system.loss, precision=LOSS_PRECISION)


def approximate(value: Fraction) -> float | None:
    """float(value) as a display approximation, or None where it overflows a float
    (|value| > 1.8e308); tiny values round to a subnormal or 0.0 like any float.

    Examples
    --------
    >>> approximate(Fraction(1, 3)), approximate(Fraction(10) ** 400)
    (0.3333333333333333, None)
    >>> approximate(Fraction(1, 10**400)), approximate(-Fraction(10) ** 400)
    (0.0, None)
    """
    try:
        return float(value)
    except OverflowError:
        return None


def _entry(problem: Problem, cand: Candidate, verdict: LocalVerdict) -> Minimum:
    """Plain-data description of a verified candidate (id and is_global set in assembly)."""
    return Minimum(
        id=0,
        is_global=False,
        verdict=schema.Verdict(
            is_minimum=verdict.is_minimum,
            decided_by=verdict.decided_by.value,
            detail=verdict.detail,
        ),
        **_entry_parts(problem, cand),
    )


def _entry_parts(problem: Problem, cand: Candidate) -> dict[str, Any]:
    """The description of a candidate shared by minima and census entries: dimension,
    certified loss, face, activation, point, system, component, orbit size."""
    system = cand.system
    loss = _loss_interval(cand)
    rational = cand.point.rationals(LOSS_PRECISION)
    # The floats are display approximations of the rational point, never computed in
    # floating point (data of size 1e200 would overflow on the way).
    theta = system.theta_values(rational)
    a = [approximate(rational.get(f"a{u}", Fraction(0))) for u in range(problem.hidden)]
    psi = [[approximate(x) for x in theta[u]] for u in range(problem.hidden)]
    box = cand.point.at_precision(LOSS_PRECISION)
    comp = cand.component
    return dict(
        dimension=comp.dimension if comp is not None else 0,
        loss=approximate(algebra.from_qq(loss.center().exact_rational())),
        loss_interval=[str(loss.lower().exact_rational()), str(loss.upper().exact_rational())],
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
        orbit_size=_orbit_size(cand),
    )

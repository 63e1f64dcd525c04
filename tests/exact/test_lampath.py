"""The regularization path (docs/METHOD.md section 15) against independent solves.

The path's claims are re-checked by what does not share its bookkeeping: the exact
``solve`` at rational lambdas it never sampled (seeded, and just either side of every
event), ``reluscape.global_minimum`` for the global path, a float maximisation for
lambda_0, and a float continuation of each branch across its death or wall crossing.
"""

from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

import reluscape
from reluscape.data import make_problem
from reluscape.exact.arrangement import unit_arrangement
from reluscape.exact.lampath import (
    bracket_midpoint,
    isolate_roots,
    origin_threshold_squared,
    roots_in,
    sample_values,
    separated,
    sqrt_event,
)
from reluscape.exact.lampath_events import face_event_polynomials
from reluscape.execution.lampath_branches import adjacent
from reluscape.pathresult import PathResult
from reluscape.schema import MalformedResult
from reluscape.validation import InputError

X = [[0], [1], [2], [4]]
Y = ["0", "1", "0", "2"]
LO, HI = Fraction(1, 100), Fraction(10)


@pytest.fixture(scope="module")
def tiny() -> PathResult:
    return reluscape.path(X, Y, hidden=1, lam=(LO, HI), samples=5, width=Fraction(1, 10))


def _solved(
    lam: Fraction, data: tuple[list[list[int]], list[str]] = (X, Y), hidden: int = 1
) -> list[tuple[str, int, tuple[Fraction, Fraction]]]:
    result = reluscape.solve(*data, hidden=hidden, lam=lam)
    assert result.complete
    return sorted((m.signs, m.dimension, m.loss_interval) for m in result.minima)


def _agrees(
    path: PathResult,
    lam: Fraction,
    data: tuple[list[list[int]], list[str]] = (X, Y),
    hidden: int = 1,
) -> None:
    """solve at lam gives exactly the minima the path predicts: count, faces,
    dimensions, and each loss inside the predicted certified interval."""
    predicted = sorted(
        ((p.signs, p.dimension, p.loss_interval) for p in path.at(lam)), key=lambda p: p[:2]
    )
    found = _solved(lam, data, hidden)
    assert [(s, d) for s, d, _ in found] == [(s, d) for s, d, _ in predicted], lam
    for (_, _, (flo, fhi)), (_, _, (plo, phi)) in zip(found, predicted, strict=True):
        assert plo is None or plo <= flo, (lam, (flo, fhi), (plo, phi))
        assert phi is None or fhi <= phi, (lam, (flo, fhi), (plo, phi))


def _outside_events(path: PathResult, lam: Fraction) -> bool:
    return not any(e.lower <= lam <= e.upper for e in path.events)


def _seeded_agreement(
    path: PathResult,
    count: int,
    data: tuple[list[list[int]], list[str]] = (X, Y),
    hidden: int = 1,
) -> None:
    """solve agrees with the path at ``count`` seeded rational lambdas of its range
    (log-uniform), none of them a sample of the path."""
    lo, hi = path.lam_range
    rng = random.Random(28)
    sampled = {s.lam for s in path.samples}
    tried = 0
    while tried < count:
        lam = Fraction(round(10 ** rng.uniform(math.log10(lo), math.log10(hi)), 4))
        lam = lam.limit_denominator(10**4)
        if lo <= lam <= hi and lam not in sampled and _outside_events(path, lam):
            _agrees(path, lam, data, hidden)
            tried += 1


def _either_side_of_every_event(
    path: PathResult, data: tuple[list[list[int]], list[str]] = (X, Y), hidden: int = 1
) -> None:
    lo, hi = path.lam_range
    assert path.events
    for e in path.events:
        for lam in (e.lower - e.lower / 10**6, e.upper + e.upper / 10**6):
            if lo <= lam <= hi and _outside_events(path, lam):
                _agrees(path, lam, data, hidden)


def test_seeded_lambdas_agree_with_solve(tiny: PathResult) -> None:
    _seeded_agreement(tiny, 6)


@pytest.mark.slow
def test_a_hundred_seeded_lambdas_agree_with_solve(tiny: PathResult) -> None:
    """The certified list holds every event: at 100 rational lambdas it never sampled,
    solve finds exactly the minima (faces, dimensions) the path predicts, with losses
    inside the predicted intervals."""
    assert tiny.event_list_complete
    _seeded_agreement(tiny, 100)


def test_either_side_of_every_event_agrees_with_solve(tiny: PathResult) -> None:
    _either_side_of_every_event(tiny)


def test_global_switches_against_solve(tiny: PathResult) -> None:
    """Just below and above each exact global switch, solve marks as global the faces
    the path has as global at the samples either side."""
    switches = [e for e in tiny.events if e.kind == "global switch" and e.route == "exact"]
    assert switches
    for e in switches:
        before = [s for s in tiny.samples if s.lam <= e.lower][-1]
        after = next(s for s in tiny.samples if s.lam >= e.upper)
        for lam, sample in ((e.lower * (1 - Fraction(1, 10**6)), before),
                            (e.upper * (1 + Fraction(1, 10**6)), after)):  # fmt: skip
            result = reluscape.solve(X, Y, hidden=1, lam=lam)
            found = {m.signs for m in result.minima if m.is_global}
            assert found == {m.signs for m in sample.minima if m.is_global}, (e, lam)


def test_samples_are_the_solves_there(tiny: PathResult) -> None:
    for s in tiny.samples[::3]:
        assert sorted((m.signs, m.dimension, m.loss_interval) for m in s.minima) == _solved(s.lam)


def test_lambda_0_is_where_psi_0_becomes_a_minimum(tiny: PathResult) -> None:
    (event,) = [e for e in tiny.events if "psi = 0" in e.detail]
    assert event.kind == "birth" and event.route == "exact"
    poly = event.minimal_polynomial
    assert poly is not None and len(poly) in (2, 3)
    # The only root of the minimal polynomial in the interval.
    roots = [r.real for r in np.roots(poly) if abs(r.imag) < 1e-12]
    assert sum(float(event.lower) - 1e-12 <= r <= float(event.upper) + 1e-12 for r in roots) == 1
    origin = "0" * len(X)
    eps = event.lower / 10**4
    assert origin not in [s for s, _, _ in _solved(event.lower - eps)]
    assert origin in [s for s, _, _ in _solved(event.upper + eps)]


def test_lambda_0_against_a_float_maximisation() -> None:
    """lambda_0 = max |yt . ReLU(Xt u)| over unit vectors u (section 7), by brute force
    over 200,000 directions of the plane (d = 1)."""
    problem = make_problem(X, Y, hidden=1, lam=1)
    yt = np.array([float(v) for v in problem.yt])
    xt = np.array([[float(v) for v in row] for row in problem.xt])
    angles = np.linspace(0, 2 * math.pi, 200_000)
    u = np.stack([np.cos(angles), np.sin(angles)])
    best = np.max(np.abs(yt @ np.maximum(xt @ u, 0)))
    assert math.isclose(math.sqrt(origin_threshold_squared(problem)), best, rel_tol=1e-8)


def test_global_path_against_global_minimum(tiny: PathResult) -> None:
    for s in (tiny.samples[0], tiny.samples[len(tiny.samples) // 2]):
        certified = reluscape.global_minimum(X, Y, hidden=1, lam=s.lam)
        assert certified.global_minimum is not None and certified.global_minimum.certified
        for m in s.minima:
            lo, hi = m.loss_interval
            overlaps = lo <= certified.global_minimum.upper and certified.global_minimum.lower <= hi
            if m.is_global:
                assert overlaps
            else:
                assert lo > certified.global_minimum.upper


def _loss(params: np.ndarray, lam: float) -> float:
    """The RR-MSE of one unit in floats (written here, not taken from the package)."""
    a, b, c = params
    yt = np.array([float(v) for v in Y]) - np.mean([float(v) for v in Y])
    x = np.array([float(r[0]) for r in X])
    f = a * np.maximum(b * x + c, 0)
    return 0.5 * float(np.sum((yt - f) ** 2)) + lam / 2 * float(a * a + b * b + c * c)


def _face(params: np.ndarray) -> str:
    a, b, c = params
    if abs(a) < 1e-7 and math.hypot(b, c) < 1e-7:
        return "0" * len(X)
    pre = [b * float(r[0]) + c for r in X]
    return "".join("0" if abs(v) < 1e-7 else "+" if v > 0 else "-" for v in pre)


def _continue(x0: np.ndarray, lam_from: Fraction, lam_to: Fraction) -> np.ndarray:
    """A float continuation of a minimum in lambda: 40 geometric steps, each a
    Nelder-Mead descent started at the previous end with a simplex 1e-5 wide (a wide
    one jumps to another basin when the branch's basin is small, near its end)."""
    x = x0
    for lam in np.geomspace(float(lam_from), float(lam_to), 40)[int(lam_from != lam_to) :]:
        simplex = np.vstack([x, x + 1e-5 * np.eye(len(x))])
        x = minimize(_loss, x, args=(lam,), method="Nelder-Mead",
                     options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 20000,
                              "initial_simplex": simplex}).x  # fmt: skip
    return x


def _face_before(path: PathResult, e, bid: int) -> str:
    """The face of branch ``bid`` at the last sample before event ``e``."""
    return [m.signs for s in path.samples if s.lam < e.lower for m in s.minima
            if m.branch == bid][-1]  # fmt: skip


def _minimum_below(X, Y, e, signs: str):
    """lambda = (1 - 1e-3) times the event's lower end, and solve's one minimum on the
    face there."""
    below = e.lower * Fraction(999, 1000)
    (start,) = [m for m in reluscape.solve(X, Y, hidden=1, lam=below).minima
                if m.signs == signs]  # fmt: skip
    return below, start


def test_exact_deaths_and_crossings_against_a_float_continuation(tiny: PathResult) -> None:
    """Independent re-derivation of the exact deaths and wall crossings: the branch's
    minimum just below the event's value (1 - 1e-3, from solve), descended in floats
    there, stays on its face; continued in floats to just above the value (1 + 1e-3),
    it leaves the face (it stops being a minimum there or moves on)."""
    checked = 0
    for e in tiny.events:
        if e.kind not in ("death", "wall crossing") or "psi = 0" in e.detail:
            continue
        (bid,) = e.branches
        signs = _face_before(tiny, e, bid)
        below, start = _minimum_below(X, Y, e, signs)
        a, psi = start.exact_point()
        x0 = np.array([float(a[0]), float(psi[0][0]), float(psi[0][1])])
        if np.linalg.norm(x0) < 0.2:
            # A branch shrinking into psi = 0 (a unit dies): the loss is flat to fourth
            # order there and a float descent stalls; the exact solves either side of
            # the event check it (test_either_side_of_every_event_agrees_with_solve).
            continue
        assert _face(_continue(x0, below, below)) == signs, e
        above = _continue(x0, below, e.upper * Fraction(1001, 1000))
        assert _face(above) != signs, (e, above)
        checked += 1
    assert checked >= 2


def test_document_round_trips_exactly(tiny: PathResult) -> None:
    again = PathResult.from_json(tiny.to_json())
    assert again.to_json() == tiny.to_json()
    assert again.samples == tiny.samples and again.events == tiny.events
    frame = tiny.to_frame()
    assert len(frame) == sum(len(s.minima) for s in tiny.samples)
    assert tiny.event_list_complete and tiny.complete


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(schema_version="1"), "not a reluscape path document"),
        (lambda d: d.pop("samples"), "missing field 'samples'"),
        (lambda d: d.update(extra=1), "unknown fields ['extra']"),
        (lambda d: d["samples"][0].update(lam="-1"), "samples[0].lam"),
        (lambda d: d["samples"].reverse(), "samples"),
        (lambda d: d["events"][0].update(kind="explosion"), "events[0].kind"),
        (lambda d: d["events"][0].update(lower="1/1000000"), "events[0]"),
        (
            lambda d: d["samples"][1]["minima"][0].update(loss_interval=["2", "1"]),
            "samples[1].minima[0].loss_interval",
        ),
        (lambda d: d.update(event_list_complete="yes"), "event_list_complete"),
        (lambda d: d["problem"].update(hidden=0), "problem.hidden"),
    ],
)
def test_bad_documents_are_one_line_errors(tiny: PathResult, change, message: str) -> None:
    doc = tiny.to_dict()
    change(doc)
    with pytest.raises(MalformedResult) as info:
        PathResult.from_dict(doc)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_at_refuses_what_the_path_does_not_say(tiny: PathResult) -> None:
    with pytest.raises(InputError, match="outside the path's range"):
        tiny.at(HI * 2)
    e = tiny.events[0]
    with pytest.raises(InputError, match="inside the interval"):
        tiny.at((e.lower + e.upper) / 2)
    with pytest.raises(InputError, match="must be > 0"):
        tiny.at("-1")


@given(st.fractions(min_value=Fraction(1, 10**6), max_value=10**6))
@settings(max_examples=200, deadline=None)
def test_sqrt_event_isolates_the_root(q: Fraction) -> None:
    poly, lo, hi = sqrt_event(q)
    assert lo * lo <= q <= hi * hi and 0 < lo <= hi
    assert (hi - lo) <= hi / 2**60
    assert len(poly) == (2 if lo == hi else 3)  # degree 1 exactly for rational roots
    value = sum(c * lo ** (len(poly) - 1 - k) for k, c in enumerate(poly))
    assert value == 0 if lo == hi else value <= 0


@given(
    st.fractions(min_value=Fraction(1, 10**6), max_value=10**6),
    st.fractions(min_value=Fraction(1, 10**9), max_value=10),
)
@settings(max_examples=200, deadline=None)
def test_bracket_midpoint_is_strictly_inside(lo: Fraction, rel: Fraction) -> None:
    hi = lo + lo * rel
    assert lo < bracket_midpoint(lo, hi) < hi


@given(
    st.fractions(min_value=Fraction(1, 10**4), max_value=10),
    st.integers(min_value=2, max_value=30),
)
@settings(max_examples=100, deadline=None)
def test_sample_values_increase_from_end_to_end(lo: Fraction, count: int) -> None:
    hi = lo * 1000
    values = sample_values(lo, hi, count)
    assert values[0] == lo and values[-1] == hi
    assert all(a < b for a, b in itertools.pairwise(values))


def test_adjacent_faces_up_to_unit_permutation() -> None:
    assert adjacent("+0- | ++0", "++0 | +--")
    assert not adjacent("+-- | ++0", "-++ | ++0")


@st.composite
def _irreducible_quadratics(draw: st.DrawFn) -> list[tuple[int, ...]]:
    """Distinct polynomials q x^2 - p with p / q > 0 not a square (two irrational roots
    +-sqrt(p / q)), and linear ones b x - a."""
    out: set[tuple[int, ...]] = set()
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        p, q = draw(st.integers(1, 400)), draw(st.integers(1, 400))
        if math.isqrt(p * q) ** 2 != p * q:
            g = math.gcd(p, q)
            out.add((q // g, 0, -(p // g)))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        a, b = draw(st.integers(-40, 40)), draw(st.integers(1, 20))
        g = math.gcd(a, b)
        out.add((b // g, -(a // g)))
    return sorted(out)


@given(_irreducible_quadratics())
@settings(max_examples=100, deadline=None)
def test_roots_are_isolated_separated_and_all_there(polys: list[tuple[int, ...]]) -> None:
    """Every root in (lo, hi) is found once, in an interval holding exactly it, and the
    separated intervals are disjoint and ordered like the roots (floats of the closed
    forms as the independent count)."""
    lo, hi = Fraction(-7, 3), Fraction(9, 2)
    roots = separated(r for p in polys for r in isolate_roots(p, lo, hi))
    expected = sorted(
        v
        for p in polys
        for v in ([-p[1] / p[0]] if len(p) == 2 else [s * math.sqrt(-p[2] / p[0]) for s in (-1, 1)])
        if lo < v < hi
    )
    assert len(roots) == len(expected)
    for r, v in zip(roots, expected, strict=True):
        assert roots_in(r.poly, r.lower, r.upper) == 1
        assert float(r.lower) - 1e-12 <= v <= float(r.upper) + 1e-12
        assert lo <= r.lower <= r.upper <= hi
    assert all(a.upper < b.lower for a, b in itertools.pairwise(roots))
    narrow = [r.narrowed() for r in roots]
    assert all(roots_in(r.poly, r.lower, r.upper) == 1 for r in narrow)
    assert all(r.upper - r.lower <= abs(r.lower) / 2**64 for r in narrow)


def test_face_polynomials_hold_the_events_of_the_tiny_path(tiny: PathResult) -> None:
    """Every exact event of a branch is a root of its face's polynomials, and a face
    with two live units on one unit face (an orbit of splits for every lambda) has the
    polynomials of the face with the two merged into one unit."""
    problem = make_problem(X, Y, hidden=2, lam=1)
    arrangement = unit_arrangement(problem)
    chamber = arrangement.chambers[0]
    split = face_event_polynomials(problem, arrangement, (chamber, chamber))
    assert split is not None
    assert split == face_event_polynomials(problem, arrangement, (chamber,))
    problem = make_problem(X, Y, hidden=1, lam=1)
    arrangement = unit_arrangement(problem)
    checked = 0
    for e in tiny.events:
        if e.route == "exact" and e.kind in ("death", "wall crossing"):
            (bid,) = e.branches
            signs = [m.signs for s in tiny.samples if s.lam < e.lower for m in s.minima
                     if m.branch == bid][-1]  # fmt: skip
            face = arrangement.face_of(tuple({"+": 1, "-": -1, "0": 0}[c] for c in signs))
            polys = face_event_polynomials(problem, arrangement, (face,))
            assert polys is not None and e.minimal_polynomial in polys
            assert roots_in(e.minimal_polynomial, e.lower, e.upper) == 1
            checked += 1
    assert checked >= 3


@pytest.mark.slow  # seconds of whole runs: the fast tier stays under 5 minutes
def test_the_mean_convention_scales_lambda_and_the_losses(tiny: PathResult) -> None:
    """mean at lambda is sum at n lambda with losses divided by n (docs/METHOD.md
    section 1): the same events at lambda / n, the same minimal polynomials up to
    lambda -> n lambda."""
    n = len(X)
    mean = reluscape.path(X, Y, hidden=1, lam=(LO / n, HI / n), convention="mean", samples=5,
                          width=Fraction(1, 10))  # fmt: skip
    exact_sum = [e for e in tiny.events if e.route == "exact"]
    exact_mean = [e for e in mean.events if e.route == "exact"]
    assert [e.kind for e in exact_mean] == [e.kind for e in exact_sum]
    for s_event, m_event in zip(exact_sum, exact_mean, strict=True):
        assert m_event.lower <= s_event.upper / n and s_event.lower / n <= m_event.upper
        poly = m_event.minimal_polynomial
        assert poly is not None
        assert roots_in(poly, s_event.lower / n, s_event.upper / n) >= 1
    sample = mean.samples[len(mean.samples) // 2]
    result = reluscape.solve(X, Y, hidden=1, lam=sample.lam * n)
    assert sorted(m.loss_interval for m in sample.minima) == sorted(
        (m.loss_interval[0] / n, m.loss_interval[1] / n) for m in result.minima
    )


@pytest.mark.slow
def test_two_units_at_seeded_lambdas_agree_with_solve() -> None:
    """L = 2, n = 4: solve at seeded rational lambdas and either side of every event
    gives the minima the path predicts."""
    path = reluscape.path(X, Y, hidden=2, lam=(Fraction(1, 100), Fraction(10)))
    rng = random.Random(2)
    lams = [e.lower * (1 - Fraction(1, 10**6)) for e in path.events]
    lams += [e.upper * (1 + Fraction(1, 10**6)) for e in path.events]
    lams += [
        Fraction(round(10 ** rng.uniform(-2, 1), 4)).limit_denominator(10**4) for _ in range(8)
    ]
    for lam in lams:
        if Fraction(1, 100) <= lam <= 10 and _outside_events(path, lam):
            predicted = sorted((p.signs, p.dimension) for p in path.at(lam))
            result = reluscape.solve(X, Y, hidden=2, lam=lam)
            assert sorted((m.signs, m.dimension) for m in result.minima) == predicted, lam


X2, Y2 = [[0, 0], [1, 0], [0, 1], [2, 1]], ["0", "1", "1", "3"]
LO2, HI2 = Fraction(1, 10), Fraction(10)


@pytest.fixture(scope="module")
def plane() -> PathResult:
    """d = 2, L = 1: a unit on the line through two samples has zero samples spanning a
    plane of R^3 (two multipliers per adjacent chamber)."""
    return reluscape.path(X2, Y2, hidden=1, lam=(LO2, HI2))


def _zero_rank(signs: str, xs: list[list[int]]) -> int:
    """The rank of the zero samples' xt_i = (x_i, 1) of one unit's sign string."""
    rows = [[*xs[i], 1] for i, c in enumerate(signs) if c == "0"]
    return int(np.linalg.matrix_rank(np.array(rows, dtype=float))) if rows else 0


def test_faces_whose_zero_samples_span_a_plane_are_covered(plane: PathResult) -> None:
    """Every face is covered (no bracket), some branch lies on a face whose zero samples
    span a plane, and solve agrees with the path at seeded lambdas it never sampled and
    just either side of every event."""
    assert plane.event_list_complete and plane.complete
    assert plane.stats["covered_faces"] == plane.stats["faces"]
    assert plane.events and all(e.route == "exact" for e in plane.events)
    on_planes = {m.signs for s in plane.samples for m in s.minima if _zero_rank(m.signs, X2) == 2}
    assert on_planes
    _seeded_agreement(plane, 4, (X2, Y2))
    _either_side_of_every_event(plane, (X2, Y2))


def _plane_multipliers(signs: str, lam: float, start: np.ndarray) -> tuple[float, np.ndarray]:
    """The smallest first-order multiplier (docs/METHOD.md section 5, test 1) over the
    adjacent chambers of the unit's face, in floats and written here: the face's loss
    minimised on span(F) from ``start`` = (a, theta), then G = lambda theta - a g_C
    written in the basis of the zero samples' xt_i by least squares (its residual must
    vanish: G lies in their span at a critical point), mu_i = sigma^C_i times the
    coefficient. Also returns the minimiser (a, theta)."""
    sigma = np.array([{"+": 1, "-": -1, "0": 0}[c] for c in signs])
    xt = np.array([[*x, 1] for x in X2], dtype=float)
    yt = np.array([float(Fraction(v)) for v in Y2])
    yt -= yt.mean()
    zero = np.flatnonzero(sigma == 0)
    assert np.linalg.matrix_rank(xt[zero]) == len(zero)  # independent: every chamber is there
    K = np.linalg.svd(xt[zero])[2][len(zero) :].T  # an orthonormal basis of span(F)
    active = sigma > 0

    def loss(p: np.ndarray) -> float:
        theta = K @ p[1:]
        f = p[0] * np.where(active, xt @ theta, 0.0)
        return 0.5 * float(np.sum((yt - f) ** 2)) + lam / 2 * float(p[0] ** 2 + theta @ theta)

    p = minimize(loss, np.concatenate([start[:1], K.T @ start[1:]]), method="BFGS",
                 options={"gtol": 1e-13}).x  # fmt: skip
    a, theta = p[0], K @ p[1:]
    e = yt - a * np.where(active, xt @ theta, 0.0)
    smallest = math.inf
    for tau in itertools.product((-1, 1), repeat=len(zero)):
        chamber = active.copy()
        chamber[zero] = np.array(tau) > 0
        G = lam * theta - a * (e[chamber] @ xt[chamber])
        coef, *_ = np.linalg.lstsq(xt[zero].T, G, rcond=None)
        assert np.linalg.norm(xt[zero].T @ coef - G) < 1e-7
        smallest = min(smallest, float(np.min(np.array(tau) * coef)))
    return smallest, np.concatenate([[a], theta])


def test_events_leaving_a_plane_face_against_float_multipliers(plane: PathResult) -> None:
    """Independent re-derivation of the events where a branch leaves a face whose zero
    samples span a plane: just below the event (1 - 1e-3, from solve) the face's point
    has every multiplier of every adjacent chamber positive (and stays on the face), just
    above (1 + 1e-3, continued in floats on the face) some multiplier is negative, and
    the event's minimal polynomial is one of the face's event polynomials."""
    problem = make_problem(X2, Y2, hidden=1, lam=1)
    arrangement = unit_arrangement(problem)
    checked = 0
    for e in plane.events:
        if e.kind not in ("death", "wall crossing") or "psi = 0" in e.detail:
            continue
        (bid,) = e.branches
        signs = _face_before(plane, e, bid)
        if _zero_rank(signs, X2) < 2:
            continue
        below, start = _minimum_below(X2, Y2, e, signs)
        a, psi = start.exact_point()
        x0 = np.array([float(a[0]), *(float(v) for v in psi[0])])
        low, x_below = _plane_multipliers(signs, float(below), x0)
        assert low > 1e-9, (e, low)
        high, _ = _plane_multipliers(signs, float(e.upper * Fraction(1001, 1000)), x_below)
        assert high < -1e-9, (e, high)
        face = arrangement.face_of(tuple({"+": 1, "-": -1, "0": 0}[c] for c in signs))
        polys = face_event_polynomials(problem, arrangement, (face,))
        assert polys is not None and e.minimal_polynomial in polys
        checked += 1
    assert checked >= 1


@pytest.mark.slow  # 225 s at load 9 on 2 cores: a 2-minute path and 20 L = 2 solves
def test_two_units_in_the_plane_are_covered_and_agree_with_solve() -> None:
    """d = 2, L = 2, three samples with no right angle of the bracket test's kind:
    every face is covered (among them every ray, whose two zero samples span a plane),
    the list is certified, and solve gives the minima the path predicts at seeded
    lambdas it never sampled and just either side of every event. (Four samples are
    out of reach of the test tiers: one pair of chambers' fold elimination takes
    minutes.)"""
    X4, Y4 = [[1, 0], [3, 1], [0, 2]], ["0", "1", "2"]
    path = reluscape.path(X4, Y4, hidden=2, lam=(LO2, HI2))
    assert path.event_list_complete and path.stats["covered_faces"] == path.stats["faces"]
    assert all(e.route == "exact" for e in path.events)
    _seeded_agreement(path, 4, (X4, Y4), hidden=2)
    _either_side_of_every_event(path, (X4, Y4), hidden=2)


def test_faces_not_covered_are_bracketed_and_the_list_says_so() -> None:
    """The bracket route, for a face whose conditions do not reduce to polynomials in
    lambda. x = (0, 0), (1, 0), (0, 1) has a right angle at (0, 0): on the face 00+ the
    one active xt_2 = (0, 1, 1) projects onto the zero samples' plane as xt_0, so in the
    chamber with samples 0 and 1 inactive G = -a e_2 xt_0 and its coefficient on xt_1 is
    the zero polynomial (an elimination ideal of zero: not covered). The face is followed
    by solves and bisection, its changes are brackets between two exact solves that
    differ, the list is not certified, the other events stay exact, and solve agrees with
    the predictions at seeded lambdas outside the events."""
    X3, Y3 = [[0, 0], [1, 0], [0, 1]], ["0", "1", "2"]
    problem = make_problem(X3, Y3, hidden=1, lam=1)
    arrangement = unit_arrangement(problem)
    assert face_event_polynomials(problem, arrangement, (arrangement.face_of((0, 0, 1)),)) is None
    path = reluscape.path(X3, Y3, hidden=1, lam=(LO2, HI2))
    assert not path.event_list_complete
    assert path.stats["covered_faces"] < path.stats["faces"]
    assert any(r.startswith("bracket") for r in path.routes)
    assert any(e.route == "exact" for e in path.events)
    assert any(e.route == "bracket" for e in path.events)
    samples = {s.lam: s for s in path.samples}
    for e in path.events:
        if e.route == "bracket":
            assert e.lower in samples and e.upper in samples
            before = sorted((m.signs, m.dimension) for m in samples[e.lower].minima)
            after = sorted((m.signs, m.dimension) for m in samples[e.upper].minima)
            assert before != after
    rng = random.Random(5)
    for _ in range(6):
        lam = Fraction(round(10 ** rng.uniform(-1, 1), 3)).limit_denominator(1000)
        if _outside_events(path, lam):
            found = reluscape.solve(X3, Y3, hidden=1, lam=lam)
            predicted = sorted((p.signs, p.dimension) for p in path.at(lam))
            assert sorted((m.signs, m.dimension) for m in found.minima) == predicted, lam


@pytest.mark.slow
def test_two_jobs_give_the_same_path(tiny: PathResult) -> None:
    """Eliminations and face solves in two forked processes: the same samples, events
    and completeness as the serial run."""
    again = reluscape.path(X, Y, hidden=1, lam=(LO, HI), samples=5, width=Fraction(1, 10), jobs=2)
    assert again.samples == tiny.samples and again.events == tiny.events
    assert again.event_list_complete == tiny.event_list_complete


def test_faces_set_aside_for_the_range_hold_no_minimum_in_it() -> None:
    """The linear certificate with its upper bounds at HI and the sphere's lower bounds
    at LO sets aside faces for the whole range: solve at lambdas across the range finds
    no minimum (and no undecided candidate) on any of them."""
    from reluscape.exact.arrangement import orbit_representatives, pieces
    from reluscape.exact.merge import face_labels
    from reluscape.execution.lampath import _faces_in_range

    problem = make_problem(X, Y, hidden=2, lam=LO)
    kept = set(_faces_in_range(problem, LO, HI))
    unit_faces = pieces(problem, "realizable")
    every = orbit_representatives(len(unit_faces), 2)
    aside = {" | ".join(face_labels([unit_faces[i] for i in p])) for p in every} - {
        " | ".join(face_labels([unit_faces[i] for i in p])) for p in kept
    }
    assert aside and kept
    for lam in (LO, Fraction(1, 20), Fraction(3, 10), Fraction(2), HI):
        result = reluscape.solve(X, Y, hidden=2, lam=lam)
        for m in [*result.minima, *result.undecided]:
            assert m.signs not in aside and " | ".join(reversed(m.signs.split(" | "))) not in aside


@given(_irreducible_quadratics())
@settings(max_examples=60, deadline=None)
def test_descartes_isolates_the_roots_of_a_product(polys: list[tuple[int, ...]]) -> None:
    """Descartes' rule with bisection on a squarefree product of irreducible quadratics
    (clustered roots included): disjoint intervals, each holding exactly one root by
    Sturm's theorem, as many as the closed forms say."""
    from reluscape.exact.lampath import descartes_intervals

    quadratics = [p for p in polys if len(p) == 3]
    if not quadratics:
        return
    product = np.poly1d([1])
    for p in quadratics:
        product = product * np.poly1d([int(c) for c in p])
    coeffs = tuple(int(c) for c in product.coeffs)
    lo, hi = Fraction(-7, 3), Fraction(9, 2)
    found = descartes_intervals(coeffs, lo, hi)
    expected = [s * math.sqrt(-p[2] / p[0]) for p in quadratics for s in (-1, 1)]
    assert len(found) == sum(lo < v < hi for v in expected)
    assert all(roots_in(coeffs, a, b) == 1 for a, b in found)
    assert all(b1 <= a2 for (_, b1), (a2, _) in itertools.pairwise(found))

"""Checks of a claim's recorded values: loss, exact loss, face, system, a, global, orbit,
and the consistency of the document as a whole (no minimum listed twice).

Where a check is exact (rational arithmetic, exact interval bounds) a failure is a proof
that the claim is false: the exact loss outside its interval by more than the box allows,
a sign of theta_l . xt_i that contradicts the face at the rational point, a generator of
the recorded system that cannot vanish anywhere in the certified box. The float checks
(``loss``, ``a``) compare a float evaluation with a recorded float to a relative
tolerance far above rounding (docs/METHOD.md section 8).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from reluscape.exact import linalg
from reluscape.exact.polynomial import Polynomial
from reluscape.exact.projection import reduced_loss_exact
from reluscape.numerical.loss import a_hat, reduced_loss
from reluscape.numerical.verify.claims import Claim, Context
from reluscape.numerical.verify.report import CheckOutcome

__all__ = [
    "A_TOL",
    "LOSS_RTOL",
    "POINT_RTOL",
    "WALL_RTOL",
    "a_hat_exact",
    "a_lipschitz",
    "box_delta",
    "box_in_face",
    "check_a",
    "check_exact",
    "check_face",
    "check_global",
    "check_loss",
    "check_orbit",
    "check_system",
    "duplicates",
    "orbit_size_of_faces",
    "root_excluded",
]

LOSS_RTOL = 1e-9
A_TOL = 1e-8
POINT_RTOL = 1e-9
WALL_RTOL = 1e-9

# A polynomial's term with its variables named: ((name, exponent) of each factor, coefficient).
_Term = tuple[tuple[tuple[str, int], ...], Fraction]


def check_loss(claim: Claim, ctx: Context) -> CheckOutcome:
    """r(psi) at the float point agrees with ``loss``, and both lie in ``loss_interval``."""
    r = reduced_loss(ctx.problem, claim.psi)
    loss = claim.minimum.loss
    assert loss is not None  # check_float_range refused null losses
    lo, hi = claim.interval
    scale = max(1.0, abs(r))
    dev = abs(r - loss) / scale

    def outside(x: float) -> float:
        q = Fraction(x)
        return float(max(lo - q, q - hi, Fraction(0))) / scale

    value = max(dev, outside(r), outside(loss))
    detail = (
        f"r(psi) = {r!r} at the float point, claimed loss {loss!r}, interval "
        f"[{float(lo)!r}, {float(hi)!r}]; largest relative deviation {value:.2e} "
        f"(tolerance {LOSS_RTOL:g})"
    )
    return CheckOutcome("loss", value <= LOSS_RTOL, value, detail)


def box_delta(claim: Claim) -> float:
    """Upper bound on |psi* - psi_q| over the t intervals (all of which exist)."""
    total = 0.0
    for u, face in enumerate(claim.minimum.face):
        spread = [Fraction(0)] * (len(claim.minimum.point.B[0]) + 1)
        for name, row in zip(claim.t_names(u), face.basis, strict=False):
            interval = claim.t_interval(name)
            assert interval is not None
            w = interval[1] - interval[0]
            spread = [s + abs(k) * abs(w) for s, k in zip(spread, row, strict=True)]
        total += sum(float(s) ** 2 for s in spread)
    return math.sqrt(total)


def box_in_face(claim: Claim, ctx: Context) -> str:
    """Empty if theta_l . xt_i keeps its nonzero sign over the whole box (exact intervals)."""
    for u, face in enumerate(claim.minimum.face):
        names = claim.t_names(u)
        for i, (s, xi) in enumerate(zip(face.signs, ctx.xt_q, strict=True)):
            if s == "0":
                continue
            low = high = Fraction(0)
            for name, row in zip(names, face.basis, strict=False):
                k = linalg.dot(row, xi)
                interval = claim.t_interval(name)
                assert interval is not None
                ends = (k * interval[0], k * interval[1])
                low, high = low + min(ends), high + max(ends)
            if (s == "+" and low <= 0) or (s == "-" and high >= 0):
                return f"over the box theta_{u} . xt_{i} ranges over [{float(low)}, {float(high)}]"
    return ""


def lipschitz_bound(ctx: Context, psi_q: list[list[Fraction]], delta: float) -> float:
    """A bound on |grad_psi l(a, psi)| over the box, for every minimiser a of l(., psi).

    Every minimiser has |a| <= A = |yt| / sqrt(lambda) (compare with a = 0), so
    |grad_psi l| <= A |Xt| (A |Xt| P + |yt|) + lambda P with P = |psi_q| + delta.
    """
    lam = ctx.lam
    norm_yt = float(np.linalg.norm(ctx.yt))
    norm_x = float(np.linalg.norm(ctx.xt, 2))
    a_max = norm_yt / math.sqrt(lam)
    p_max = math.sqrt(sum(float(v) ** 2 for row in psi_q for v in row)) + delta
    return a_max * norm_x * (a_max * norm_x * p_max + norm_yt) + lam * p_max


def check_exact(claim: Claim, ctx: Context, psi_q: list[list[Fraction]] | None) -> CheckOutcome:
    """The exact r at the rational point lies in ``loss_interval`` up to 2 Lip delta, and the
    certified box lies inside the face (see the package docstring)."""
    if psi_q is None:
        return CheckOutcome("exact", None, None, "no rational point in the document")
    rational = claim.rational
    assert rational is not None
    box = claim.minimum.point.box or {}
    for name, value in rational.items():
        if name in box and not box[name][0] <= value <= box[name][1]:
            return CheckOutcome("exact", False, None, f"rational {name} lies outside its box")
    t_all = [name for u in range(ctx.problem.hidden) for name in claim.t_names(u)]
    unbounded = [name for name in t_all if claim.t_interval(name) is None]
    if unbounded:
        return CheckOutcome(
            "exact", None, None, f"no box and no precision_bits for {unbounded}: no error bound"
        )
    leaves = box_in_face(claim, ctx)
    if leaves:
        return CheckOutcome("exact", False, None, f"the certified box leaves the face: {leaves}")
    delta = box_delta(claim)
    lip = lipschitz_bound(ctx, psi_q, delta)
    bound = 2.0 * lip * delta
    r_q = reduced_loss_exact(ctx.problem, psi_q)
    lo, hi = claim.interval
    outside = max(lo - r_q, r_q - hi, Fraction(0))
    ok = outside <= Fraction(bound)
    return CheckOutcome(
        "exact",
        ok,
        float(outside),
        f"exact r at the rational point is {float(r_q)!r}, {float(outside):.3g} outside "
        f"the loss interval (allowed 2 Lip delta = {bound:.3g}, Lip {lip:.3g}, "
        f"delta {delta:.3g})",
    )


def check_face(claim: Claim, ctx: Context, psi_q: list[list[Fraction]] | None) -> CheckOutcome:
    """Signs, walls, basis and activation agree with the face, exactly and in floats."""
    problems: list[str] = []
    worst = 0.0
    rank_w = linalg.rank(ctx.xt_q)
    for u, face in enumerate(claim.minimum.face):
        signs, basis = face.signs, face.basis
        zero_rows = [xi for s, xi in zip(signs, ctx.xt_q, strict=True) if s == "0"]
        if face.kind == "origin":
            if set(signs) != {"0"}:
                problems.append(f"unit {u} is of kind origin but has signs {signs}")
            continue
        if basis and linalg.rank(basis) != len(basis):
            problems.append(f"unit {u}: the basis rows are dependent")
        for k, row in enumerate(basis):
            bad = [i for i, s in enumerate(signs) if s == "0" and linalg.dot(row, ctx.xt_q[i])]
            if bad:
                problems.append(f"unit {u}: basis row {k} is not orthogonal to xt_i, i in {bad}")
        # Faces live in the row space W = span(xt_i) (docs/METHOD.md section 6): span(F)
        # is the zero set's kernel within W, of dimension rank(xt) - rank(zero rows).
        outside_w = [k for k, row in enumerate(basis) if linalg.rank([*ctx.xt_q, row]) > rank_w]
        if outside_w:
            problems.append(f"unit {u}: basis rows {outside_w} are not in the span of the xt_i")
        kernel = rank_w - linalg.rank(zero_rows)
        if len(basis) != kernel:
            problems.append(
                f"unit {u}: {len(basis)} basis rows, but the zero set's kernel in the span of "
                f"the xt_i has dimension {kernel}"
            )
    for u, (signs, act) in enumerate(zip(claim.signs, claim.minimum.activation, strict=True)):
        expected = tuple(1 if s == "+" else 0 for s in signs)
        if act != expected:
            problems.append(f"unit {u}: activation {list(act)} does not match signs {signs}")
    psi = claim.psi
    if psi_q is not None:
        for u, theta in enumerate(psi_q):
            for i, (s, xi) in enumerate(zip(claim.signs[u], ctx.xt_q, strict=True)):
                z_q = linalg.dot(theta, xi)
                got = "+" if z_q > 0 else "-" if z_q < 0 else "0"
                if got != s:
                    worst = max(worst, abs(float(z_q)))
                    problems.append(
                        f"rational point: theta_{u} . xt_{i} = {float(z_q):.3g}, face sign {s!r}"
                    )
        diff = float(np.max(np.abs(psi - np.array(psi_q, dtype=float))))
        scale = max(1.0, float(np.max(np.abs(psi))))
        if diff > POINT_RTOL * scale:
            worst = max(worst, diff)
            problems.append(f"the float point differs from the rational point by {diff:.3g}")
    z_f = psi @ ctx.xt.T
    for u in range(ctx.problem.hidden):
        norm_theta = float(np.linalg.norm(psi[u]))
        for i, s in enumerate(claim.signs[u]):
            z = float(z_f[u, i])
            wall = WALL_RTOL * max(norm_theta * float(np.linalg.norm(ctx.xt[i])), 1e-300)
            if s == "0" and abs(z) > wall:
                worst = max(worst, abs(z))
                problems.append(f"float point: theta_{u} . xt_{i} = {z:.3g}, face sign '0'")
            elif s != "0" and (z if s == "+" else -z) < -wall:
                # A strict sign within rounding of the wall is no contradiction (a unit
                # nearly dead); the exact signs at the rational point are checked above.
                worst = max(worst, abs(z))
                problems.append(f"float point: theta_{u} . xt_{i} = {z:.3g}, face sign {s!r}")
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        return CheckOutcome("face", False, worst or None, "; ".join(problems[:3]) + more)
    return CheckOutcome("face", True, 0.0, "signs, walls and basis agree")


def root_excluded(
    poly: Polynomial, values: Sequence[Fraction], intervals: Sequence[tuple[Fraction, Fraction]]
) -> tuple[Fraction, Fraction] | None:
    """(|p(q)|, bound) if p has no root in the box, else None; exact.

    By the mean value theorem, for a root r in the box, |p(q)| = |p(q) - p(r)| <=
    sum_j M_j w_j, where w_j = max(q_j - lo_j, hi_j - q_j) and M_j bounds |dp/dx_j| on the
    hull of the box and q: each term c x^e of the derivative is bounded by |c| R^e, R_j =
    max(|lo_j|, |hi_j|, |q_j|). So |p(q)| above that bound proves that no root lies in
    the box.

    Examples
    --------
    >>> from fractions import Fraction as Q
    >>> from reluscape.exact.polynomial import parse_polynomial
    >>> p = parse_polynomial("x^2 - 2", ["x"])
    >>> root_excluded(p, [Q(141, 100)], [(Q(14, 10), Q(15, 10))]) is None  # sqrt(2) inside
    True
    >>> root_excluded(p, [Q(3, 2)], [(Q(3, 2), Q(3, 2))])
    (Fraction(1, 4), Fraction(0, 1))
    """
    reach = [max(abs(lo), abs(hi), abs(q)) for q, (lo, hi) in zip(values, intervals, strict=True)]
    width = [max(q - lo, hi - q) for q, (lo, hi) in zip(values, intervals, strict=True)]
    bound = Fraction(0)
    for j, w in enumerate(width):
        if not w:
            continue
        m = Fraction(0)
        for e, c in poly.terms.items():
            if e[j]:
                term = abs(c) * e[j]
                for k, (x, ek) in enumerate(zip(reach, e, strict=True)):
                    term *= x ** (ek - (k == j))
                m += term
        bound += m * w
    value = abs(poly(values))
    return (value, bound) if value > bound else None


def check_system(claim: Claim) -> CheckOutcome:
    """The rational point is a root of the recorded ``system`` within the certified box.

    Each generator is evaluated exactly at the rational point; :func:`root_excluded`
    bounds what it could be if a root lay in the box. An edited generator leaves the point
    far from any of its roots, and the check proves that no root is in the box.
    """
    names = claim.minimum.system.variables
    rational = claim.rational
    if not claim.system or rational is None:
        return CheckOutcome("system", None, None, "no system or no rational point")
    missing = [v for v in names if v not in rational or claim.t_interval(v) is None]
    if missing:
        return CheckOutcome("system", None, None, f"no rational value or box for {missing}")
    values = [rational[v] for v in names]
    intervals = [claim.t_interval(v) for v in names]
    for k, poly in enumerate(claim.system):
        excluded = root_excluded(poly, values, intervals)  # type: ignore[arg-type]
        if excluded is not None:
            value, bound = excluded
            return CheckOutcome(
                "system",
                False,
                float(value),
                f"generator {k} ({claim.minimum.system.generators[k][:60]}) is "
                f"{float(value):.3g} at the rational point, but at most {float(bound):.3g} "
                "if a root lay in the box: the point is not a root of the recorded system",
            )
    return CheckOutcome("system", True, 0.0, f"{len(claim.system)} generators vanish in the box")


def a_hat_exact(ctx: Context, psi_q: Sequence[Sequence[Fraction]]) -> tuple[Fraction, ...]:
    """a_hat(psi) = (Omega^T Omega + lambda I)^{-1} Omega^T yt in rational arithmetic.

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> ctx = Context.of(make_problem([[0], [1], [2]], [1, 2, 6], hidden=1, lam=1))
    >>> a_hat_exact(ctx, [[1, 0]])  # Omega = (0, 1, 2), yt = (-2, -1, 3): 5 / (5 + 1)
    (Fraction(5, 6),)
    """
    lam = ctx.problem.lam_sum
    om = [[max(linalg.dot(theta, xi), Fraction(0)) for theta in psi_q] for xi in ctx.xt_q]
    size = len(psi_q)
    gram = [
        [
            sum((row[j] * row[k] for row in om), Fraction(0)) + (lam if j == k else 0)
            for k in range(size)
        ]
        for j in range(size)
    ]
    rhs = [linalg.dot([row[j] for row in om], ctx.problem.yt) for j in range(size)]
    return linalg.solve(gram, rhs)


def a_lipschitz(ctx: Context, psi_q: Sequence[Sequence[Fraction]], delta: float) -> float:
    """Da with |a_hat(psi) - a_hat(psi')| <= Da |psi - psi'| within delta of psi_q.

    Differentiating (Omega^T Omega + lambda I) a = Omega^T yt gives
    (Omega^T Omega + lambda I) da = -dOmega^T err - Omega^T dOmega a, err = Omega a - yt,
    and with |a| <= A = |yt| / sqrt(lambda), |err| <= |yt|, |Omega| <= W P and
    |dOmega| <= W |dpsi| (W = |Xt|, spectral; P = |psi_q| + delta):
    Da = W (|yt| + W P A) / lambda. The same bound holds in every chamber, and a_hat is
    continuous, so it holds across walls too.
    """
    lam = ctx.lam
    norm_yt = float(np.linalg.norm(ctx.yt))
    w = float(np.linalg.norm(ctx.xt, 2))
    a_max = norm_yt / math.sqrt(lam)
    p = math.sqrt(sum(float(v) ** 2 for row in psi_q for v in row)) + delta
    return w * (norm_yt + w * p * a_max) / lam


def check_a(claim: Claim, ctx: Context, psi_q: list[list[Fraction]] | None) -> CheckOutcome:
    """``point.a`` equals the rational a's, and those equal a_hat(psi*).

    With a rational point and certified intervals: exactly, |a_q - a_hat(psi_q)| must not
    exceed the width of a's interval plus 2 Da delta (:func:`a_lipschitz`; a_hat(psi*)
    lies in a's box and within Da delta of a_hat(psi_q)), and the floats equal the rational
    a's to 1e-9 relative. Without: the float a_hat(psi) at the float point, to 1e-8
    relative. (The exact test also holds where a float a_hat is ill-conditioned: parallel
    or dead units with a tiny lambda.)
    """
    hidden = ctx.problem.hidden
    names = [f"a{u}" for u in range(hidden)]
    rational = claim.rational or {}
    bounded = psi_q is not None and all(
        name in rational and claim.t_interval(name) is not None for name in names
    )
    if not bounded or not all(
        claim.t_interval(t) is not None for u in range(hidden) for t in claim.t_names(u)
    ):
        ah = a_hat(ctx.problem, claim.psi)
        dev = float(np.max(np.abs(claim.a - ah)))
        tol = A_TOL * max(1.0, float(np.max(np.abs(ah))))
        return CheckOutcome(
            "a",
            dev <= tol,
            dev,
            f"max |a - a_hat(psi)| = {dev:.3g} (a_hat = {ah.tolist()}, tolerance {tol:.1e})",
        )
    assert psi_q is not None
    a_q = [rational[name] for name in names]
    floats = max(
        abs(f - float(q)) / max(1.0, abs(float(q))) for f, q in zip(claim.a, a_q, strict=True)
    )
    if floats > POINT_RTOL:
        return CheckOutcome(
            "a",
            False,
            floats,
            f"point.a differs from the rational a's by {floats:.3g} (relative; tolerance "
            f"{POINT_RTOL:g})",
        )
    delta = box_delta(claim)
    da = a_lipschitz(ctx, psi_q, delta)
    exact = a_hat_exact(ctx, psi_q)
    worst = 0.0
    for u, (q, e) in enumerate(zip(a_q, exact, strict=True)):
        lo, hi = claim.t_interval(names[u])  # type: ignore[misc]
        gap = abs(q - e)
        allowed = (hi - lo) + Fraction(2.0 * da * delta)
        if gap > allowed:
            return CheckOutcome(
                "a",
                False,
                float(gap),
                f"exactly at the rational point a_hat_{u} = {float(e)!r}, the rational a_{u} = "
                f"{float(q)!r}: {float(gap):.3g} apart, at most {float(allowed):.3g} allowed by "
                "the box",
            )
        worst = max(worst, float(gap))
    return CheckOutcome(
        "a", True, worst, f"|a - a_hat| exactly at the rational point <= {worst:.3g}"
    )


def check_global(claims: list[Claim], complete: bool) -> list[CheckOutcome]:
    """``is_global`` agrees with the loss intervals; null exactly when the run is incomplete.

    A global minimum's interval is not above another minimum's, a non-global one is not
    below every global one; in a complete result ``is_global`` is true or false (the
    schema refuses true or false in an incomplete one).
    """
    if not claims:
        return []
    if not complete:
        return [
            CheckOutcome("global", None, None, "incomplete run: no global claim") for _ in claims
        ]
    lowest = min(c.interval[1] for c in claims)
    lows_global = [c.interval[0] for c in claims if c.minimum.is_global]
    out = []
    for c in claims:
        lo, hi = c.interval
        may_be_lowest = lo <= lowest
        if c.minimum.is_global is None:
            detail = "is_global is null in a complete result (true or false expected)"
            out.append(_outcome("global", False, float(lo), detail))
        elif c.minimum.is_global:
            detail = f"claimed global, but another minimum's loss is <= {float(lowest)!r}"
            out.append(_outcome("global", may_be_lowest, float(lo - lowest), detail))
        elif lows_global:
            detail = "not marked global, but lower than every minimum marked global"
            out.append(_outcome("global", hi >= min(lows_global), float(hi), detail))
        else:
            detail = "no minimum is marked global, and this one may have the lowest loss"
            out.append(_outcome("global", not may_be_lowest, float(lo), detail))
    return out


def _outcome(name: str, ok: bool, value: float, detail: str) -> CheckOutcome:
    """An outcome whose value and detail only matter when it fails."""
    return CheckOutcome(name, ok, None if ok else value, "" if ok else detail)


def orbit_size_of_faces(signs: Sequence[str]) -> int:
    """L! / prod(m!) over the multiplicities m of the units' sign vectors.

    Examples
    --------
    >>> orbit_size_of_faces(["---0+", "---0+"]), orbit_size_of_faces(["--+++", "---0+"])
    (1, 2)
    """
    out = math.factorial(len(signs))
    for m in Counter(signs).values():
        out //= math.factorial(m)
    return out


def check_orbit(claim: Claim) -> CheckOutcome:
    """orbit_size is the number of images under unit permutations.

    For an isolated point that is L! / prod(m!) over classes of units with equal
    parameters (a_l, B_l, c_l) (compared numerically); for a set it lies between the
    number of distinct permuted faces and L!, and divides L!.
    """
    signs = claim.signs
    L = len(signs)
    orbit_size = claim.minimum.orbit_size
    if claim.dimension == 0:
        params = np.column_stack([claim.a, claim.psi])
        scale = max(1.0, float(np.max(np.abs(params))))
        # Classes of equal units: same face and parameters equal to 1e-9 (relative),
        # joined transitively so that no rounding boundary splits a class.
        label = list(range(L))
        for u, v in itertools.combinations(range(L), 2):
            close = np.max(np.abs(params[u] - params[v])) <= POINT_RTOL * scale
            if signs[u] == signs[v] and close:
                old = label[v]
                label = [label[u] if x == old else x for x in label]
        expected = math.factorial(L)
        for m in Counter(label).values():
            expected //= math.factorial(m)
        ok = orbit_size == expected
        detail = f"orbit_size {orbit_size}, but the point has {expected} distinct images"
    else:
        by_faces = orbit_size_of_faces(signs)
        ok = orbit_size % by_faces == 0 and math.factorial(L) % orbit_size == 0
        detail = f"orbit_size {orbit_size} is not a multiple of {by_faces} dividing L!"
    return CheckOutcome("orbit", ok, float(orbit_size), "" if ok else detail)


def _unit_key(claim: Claim, u: int) -> tuple[object, ...]:
    """What identifies unit u of a claim: its face, and its exact coordinates if known."""
    face = claim.minimum.face[u]
    rational = claim.rational or {}
    coords = tuple(rational.get(n) for n in (f"a{u}", *claim.t_names(u)))
    return face.signs, face.kind, face.basis, coords


def _prime_key(claim: Claim, order: Sequence[int]) -> frozenset[frozenset[_Term]]:
    """The prime's generators with unit u's variables renamed to position order.index(u)."""
    rename = {
        f"t{u}_{j}": f"t{k}_{j}"
        for k, u in enumerate(order)
        for j in range(len(claim.minimum.face[u].basis))
    }
    out = set()
    for poly in claim.prime:
        names = [rename[v] for v in poly.variables]
        terms = frozenset(
            (tuple(sorted((n, k) for n, k in zip(names, e, strict=True) if k)), c)
            for e, c in poly.terms.items()
        )
        out.add(terms)
    return frozenset(out)


def duplicates(claims: list[Claim]) -> list[str]:
    """Minima listed twice: the same point (or the same set) up to a permutation of units.

    Two isolated points are the same when, after permuting the units of one, every unit
    has the same face and the same exact coordinates (a_l, t_l) (the float point when
    either has no rational one, to 1e-9 relative). Two sets are the same when, after
    permuting units, the faces agree, the primes are the same polynomials (variables
    renamed with the units) and the loss intervals overlap: the entries then describe the
    same component of the same face orbit, whatever sample point each one shows.
    """
    out = []
    for i, j in itertools.combinations(range(len(claims)), 2):
        c1, c2 = claims[i], claims[j]
        if c1.dimension != c2.dimension:
            continue
        L = len(c1.signs)
        keys1 = [_unit_key(c1, u) for u in range(L)]
        for order in itertools.permutations(range(L)):
            keys2 = [_unit_key(c2, u) for u in order]
            if [k[:3] for k in keys1] != [k[:3] for k in keys2]:
                continue
            if c1.dimension:
                lo = max(c1.interval[0], c2.interval[0])
                same = _prime_key(c1, range(L)) == _prime_key(c2, order) and lo <= min(
                    c1.interval[1], c2.interval[1]
                )
            elif c1.rational is not None and c2.rational is not None:
                same = keys1 == keys2
            else:
                same = bool(
                    np.allclose(
                        np.column_stack([c1.a, c1.psi]),
                        np.column_stack([c2.a[list(order)], c2.psi[list(order)]]),
                        rtol=POINT_RTOL,
                        atol=POINT_RTOL,
                    )
                )
            if same:
                what = "set of minima" if c1.dimension else "point"
                out.append(
                    f"minima #{c1.id} and #{c2.id} are the same {what} up to a permutation "
                    "of the units: a minimum is listed twice"
                )
                break
    return out

"""Independent re-check of a result document: ``reluscape verify RESULT.json DATA.csv``.

The claims of a result document are re-checked without trusting the run that made it
(docs/METHOD.md section 8). Nothing of the enumeration, verification or algebra code is
used: the document is read by the one schema reader (:class:`reluscape.schema.Result`),
the data are re-read from DATA.csv and must equal the recorded ones exactly, and the
checks use the reduced loss r (:mod:`reluscape.numerical.loss`, and exactly
:func:`reluscape.exact.projection.reduced_loss_exact`), exact linear algebra
(:mod:`reluscape.exact.linalg`), the polynomial parser
(:mod:`reluscape.exact.polynomial`) and the descent probe
(:mod:`reluscape.numerical.search`).

Outcomes and exit codes (``reluscape verify``)
----------------------------------------------
- 0, passed: no check refuted any claim. This supports the exact verdicts; it does not
  prove them (numerical probing may support a verdict, never make one).
- 1, refuted: a check found a witness against a claim: an exact computation that
  contradicts it (a loss outside its interval, a sign against the face, a generator with
  no root in the box, an exact descent direction, a minimum listed twice) or a numerical
  one that persists as the scale shrinks (a descent at every probe radius from 1e-2 to
  1e-5). A correct claim is never refuted: suspicions that do not survive a smaller scale
  or an exact evaluation are reported as notes (``ok*``), never as FAIL.
- 2, unusable input: the document is malformed (the message names the field: unknown
  ``decided_by``, ``problem.n`` that disagrees with the data, an unreadable polynomial,
  ...), it was computed on other data than DATA.csv, or its numbers are beyond what the
  numerical checks can hold in floats ("numbers beyond float range: ...").

Checks per claimed minimum (the columns of the table)
-----------------------------------------------------
loss
    r(psi) at the float point (rows theta_l = (B_l, c_l)) agrees with ``loss`` to 1e-9
    relative, and r(psi) and ``loss`` lie in ``loss_interval`` widened by 1e-9 relative.
exact
    theta_l = K_l t_l is formed exactly from ``point.rational`` (K_l: the face basis rows;
    an "origin" unit has theta_l = 0) and r is evaluated in rational arithmetic. The true
    point psi* lies in the certified ``box``; the box is checked (exactly, by interval
    arithmetic) to lie inside the face, where r = min_a l(a, psi) and l(a, .) is smooth.
    Every minimiser has |a| <= A = |yt| / sqrt(lambda) (compare with a = 0), so on the box
    |grad_psi l(a, psi)| <= Lip = A |Xt| (A |Xt| P + |yt|) + lambda P with P = |psi_q| +
    delta, |Xt| the spectral norm, and |r(psi*) - r(psi_q)| <= Lip * delta, delta the
    box diameter in psi coordinates. r(psi_q) must lie in ``loss_interval`` widened by
    2 Lip delta (the factor 2 covers the float evaluation of Lip).
face
    Exact, at the rational point: sign(theta_l . xt_i) equals ``face[l].signs`` where
    that is nonzero and theta_l . xt_i = 0 exactly where it is 0; the basis rows are
    independent, orthogonal to the zero set's xt_i and as many as its kernel dimension;
    ``activation`` matches the signs. In floats: the float point has the same signs, is on
    the walls to 1e-9 relative, and equals the rational point to 1e-9 relative.
system
    Exact: every generator of ``system`` is evaluated at the rational point and, by the
    mean value theorem over the box, shown to be small enough to have a root in the box;
    otherwise the point is not a root of the recorded system (an edited generator).
a
    ``point.a`` equals the rational a's to 1e-9 relative, and those equal a_hat(psi*)
    exactly up to what the box allows (a_hat solved in rationals at the rational point,
    plus a Lipschitz bound of a_hat over the box); without a rational point, the float
    a_hat(psi) to 1e-8 (relative to max(1, |a|)).
1st-order
    One-sided derivatives of r along feasible directions of every adjacent closed
    chamber (finite differences; steepest-descent LP direction, an interior and random
    ones) are >= -1e-8 max(1, |r|); a direction below that is refuted only by an exact
    one-sided derivative at the rational point beyond what the box allows (or, without a
    rational point, by finite differences 10 and 100 times finer).
probe
    The descent probe at radii 1e-2, 1e-3, 1e-4, 1e-5: a refutation needs a decrease at
    every radius, shrinking no faster than the radius squared; a decrease at the larger
    radii only is a note with the distance.
component
    (dimension >= 1) the point lies on the prime's variety (exactly, over the box); the
    prime's Jacobian has a kernel of dimension >= the claimed one at the point (true at
    every point, singular ones included) and exactly the claimed one at generic nearby
    points of the variety (Gauss-Newton projections of random perturbations); r is
    constant along it (second differences at a smooth point, and a step of up to 1e-2
    along the variety).
global
    ``is_global`` is consistent with the loss intervals in a complete result (a global
    minimum's interval is not above another minimum's, a non-global one is not below
    every global one) and is true or false there; "-" in an incomplete one, where the
    schema requires null.
orbit
    ``orbit_size`` equals L! / prod(m!) over the classes of equal units.

Census (``solve --census``): each stationary point that is not a minimum is re-checked as
stationary (the 1st-order check above) and as not a minimum (the probe must find a
decrease: none at the largest radius is FAIL, a decrease at the larger radii only a note).

Checks of the whole document: no minimum listed twice (the same point or set up to a
permutation of the units: FAIL, exit 1); a complete result claims at least one minimum.
The table prints "ok", "ok*" (passed, with a note), "FAIL" with the measured value, or
"-" (not applicable); the failures and notes are explained below it, then one verdict line.

Examples
--------
>>> orbit_size_of_faces(["+-0", "+-0", "0++"])
3
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from reluscape.convention import shown
from reluscape.data import InputError, Problem
from reluscape.numerical.verify.claims import (
    Claim,
    Context,
    check_float_range,
    claims_of,
    claims_of_points,
    problem_against_data,
)
from reluscape.numerical.verify.exact_checks import (
    check_a,
    check_exact,
    check_face,
    check_global,
    check_loss,
    check_orbit,
    check_system,
    duplicates,
    orbit_size_of_faces,
)
from reluscape.numerical.verify.landscape_checks import check_clarke, landscape_failures
from reluscape.numerical.verify.local_checks import (
    check_component,
    check_first_order,
    check_probe,
    multiscale_probe,
)
from reluscape.numerical.verify.report import CHECKS, CheckOutcome, MinimumReport, VerifyReport
from reluscape.schema import MalformedResult, Result

__all__ = [
    "CHECKS",
    "CheckOutcome",
    "MinimumReport",
    "VerifyReport",
    "orbit_size_of_faces",
    "verify",
    "verify_document",
]


def verify_document(
    doc: Result | Mapping[str, Any],
    problem: Problem | None = None,
    *,
    name: str = "RESULT.json",
    progress: Callable[[str], None] | None = None,
) -> VerifyReport:
    """Re-check every claimed minimum of a result (a :class:`Result` or a parsed document).

    ``problem``, if given, must be the recorded problem (:func:`verify` checks that against
    the data file); by default the document's own. ``progress`` is called with one line
    per minimum.

    Raises
    ------
    InputError
        If the document is malformed (the message names the field) or its numbers are
        beyond float range.
    """
    try:
        result = doc if isinstance(doc, Result) else Result.from_dict(doc)
        claims = claims_of(result)
        points = claims_of_points(result)
    except MalformedResult as exc:
        raise MalformedResult(f"{name} is malformed: {exc}") from None
    problem = result.problem if problem is None else problem
    check_float_range(problem, [*claims, *points])
    ctx = Context.of(problem)
    reports = []
    for k, claim in enumerate(claims):
        if progress is not None:
            progress(f"checking minimum #{claim.id} ({k + 1}/{len(claims)})")
        with _in_floats(claim, name):
            psi_q = claim.exact_psi()
            checks = [
                check_loss(claim, ctx),
                check_exact(claim, ctx, psi_q),
                check_face(claim, ctx, psi_q),
                check_system(claim),
                check_a(claim, ctx, psi_q),
                check_first_order(claim, ctx, psi_q, seed=k),
                check_probe(claim, ctx, seed=k),
                check_component(claim, ctx, seed=k),
            ]
        reports.append(
            MinimumReport(claim.id, claim.dimension, shown(problem, claim.minimum.loss), checks)
        )
    for report, outcome in zip(reports, check_global(claims, result.complete), strict=True):
        report.checks.append(outcome)
    for report, claim in zip(reports, claims, strict=True):
        report.checks.append(check_orbit(claim))
    census = _census_reports(points, ctx, name)
    general = duplicates(claims)
    landscape, landscape_summary = landscape_failures(result, ctx)
    general += landscape
    if result.complete and not claims:
        general.append(
            "the document is complete but claims no minimum, while r is coercive "
            "(lambda > 0) and has a global minimum"
        )
    return VerifyReport(
        minima=reports,
        complete=result.complete,
        undecided=len(result.undecided),
        general=general,
        census=census,
        landscape=landscape_summary,
        convention=problem.convention,
    )


@contextlib.contextmanager
def _in_floats(claim: Claim, name: str) -> Iterator[None]:
    """A float check that overflows or divides by zero: unusable input, never a refutation."""
    try:
        yield
    except (OverflowError, ZeroDivisionError, FloatingPointError) as exc:
        raise InputError(
            f"numbers beyond float range: checking {claim.where} of {name} failed in "
            f"floating point ({type(exc).__name__}: {exc})"
        ) from None


def _census_reports(points: list[Claim], ctx: Context, name: str) -> list[MinimumReport]:
    """The census's points that are not minima (``solve --census``), re-checked: stationary
    (the first-order check of a minimum: no one-sided descent), or for a kink 0 in the hull
    of its adjacent chambers' gradients (:func:`check_clarke`), and not a minimum (the
    multi-scale probe finds a descent; none at the largest radius refutes the claim, a
    decrease at the larger radii only is a note)."""
    out = []
    for k, claim in enumerate(points):
        with _in_floats(claim, name):
            if claim.kind == "kink":
                first = check_clarke(claim, ctx)
            else:
                first = check_first_order(claim, ctx, claim.exact_psi(), seed=k)
            found, text, decrease = multiscale_probe(ctx, claim.psi, seed=k)
        if found:
            descent = CheckOutcome("descent", True, decrease, text)
        else:
            note = text if found is None else ""
            claim_text = f"claimed not a minimum, but {text}"
            descent = CheckOutcome("descent", found is None, decrease, claim_text, note=note)
        loss = shown(ctx.problem, claim.minimum.loss)
        out.append(MinimumReport(claim.id, claim.dimension, loss, [first, descent]))
    return out


def verify(
    result: str | Path,
    data: str | Path | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> VerifyReport:
    """Re-check the result document ``result``, against the data file ``data`` if given.

    The data are read with the settings recorded in the document (hidden, lam,
    convention) and must equal the recorded data exactly; without ``data`` the recorded
    data are used.

    Raises
    ------
    InputError
        If a file cannot be read, the document is malformed or of another schema
        version, it was computed on different data, or its numbers are beyond float range.
    """
    path = Path(result)
    try:
        doc = Result.read(path)
    except MalformedResult as exc:
        raise MalformedResult(f"malformed result document {exc}") from None
    problem = None if data is None else problem_against_data(doc, data, path.name)
    return verify_document(doc, problem, name=path.name, progress=progress)

"""The verdict names are typed and defined once (reluscape.exact.verdicts): the documents
keep their strings, and no decision of the exact path reads a message."""

from __future__ import annotations

import json

import pytest

from reluscape import schema
from reluscape.exact import verification
from reluscape.exact.verdicts import CENSUS_TESTS, KINDS, MINIMUM_TESTS, DecidedBy, Kind, Reason
from reluscape.exact.verification import SMALLER_KERNEL, LocalVerdict, verify_candidate

# The strings of the result documents before the names were typed: a renamed value would
# make old documents unreadable and new ones different.
DOCUMENT_DECIDED_BY = (
    "first order",
    "dead unit",
    "dead units",
    "second order",
    "Morse-Bott",
    "convexity",
    "precision",
    "existence of the global minimum",
)


def test_the_schema_validates_against_the_enums_with_the_documents_strings() -> None:
    assert schema.DECIDED_BY == MINIMUM_TESTS == DOCUMENT_DECIDED_BY
    assert (*DOCUMENT_DECIDED_BY, "zero multiplier", "Clarke") == schema.CENSUS_DECIDED_BY
    assert schema.CENSUS_DECIDED_BY == CENSUS_TESTS
    assert schema.CRITICAL_KINDS == KINDS == ("minimum", "saddle", "kink", "degenerate")
    # Plain strings: the schema's error messages list them as the documents spell them.
    assert all(type(v) is str for v in (*CENSUS_TESTS, *KINDS))


def test_a_member_serialises_as_its_value() -> None:
    doc = {"decided_by": DecidedBy.MORSE_BOTT, "kind": Kind.KINK}
    assert json.dumps(doc) == '{"decided_by": "Morse-Bott", "kind": "kink"}'
    assert f"{DecidedBy.FIRST_ORDER}: not a local minimum" == "first order: not a local minimum"


def test_a_reason_is_given_exactly_for_an_undecided_verdict() -> None:
    with pytest.raises(ValueError, match="reason"):
        LocalVerdict(None, DecidedBy.SECOND_ORDER, "silent")
    with pytest.raises(ValueError, match="reason"):
        LocalVerdict(True, DecidedBy.SECOND_ORDER, "", Reason.SMALLER_KERNEL)


def _verify_with_tests_returning(
    monkeypatch: pytest.MonkeyPatch, verdict: LocalVerdict
) -> LocalVerdict:
    """verify_candidate's decision on what tests 1-4 returned (no candidate needed)."""
    monkeypatch.setattr(verification, "_Context", lambda cand, arrangement: None)
    monkeypatch.setattr(verification, "_local_minimum_tests", lambda ctx: verdict)
    return verify_candidate(None, None)  # type: ignore[arg-type]


def test_convexity_decides_on_the_reason_not_on_the_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A silent test whose message happens to start like the smaller-kernel one is still
    accepted by convexity; a smaller kernel stays undecided whatever its message says."""
    worded_alike = LocalVerdict(
        None, DecidedBy.DEAD_UNIT, f"{SMALLER_KERNEL} (a message)", Reason.DEAD_UNIT_AT_LAMBDA
    )
    accepted = _verify_with_tests_returning(monkeypatch, worded_alike)
    assert accepted.is_minimum is True and accepted.decided_by is DecidedBy.CONVEXITY
    assert accepted.reason is None
    smaller = LocalVerdict(None, DecidedBy.MORSE_BOTT, "reworded", Reason.SMALLER_KERNEL)
    assert _verify_with_tests_returning(monkeypatch, smaller) == smaller
    uncertified = LocalVerdict(None, DecidedBy.PRECISION, "", Reason.PRECISION)
    assert _verify_with_tests_returning(monkeypatch, uncertified) == uncertified


@pytest.mark.parametrize(
    "reason", [r for r in Reason if r not in (Reason.SMALLER_KERNEL, Reason.PRECISION)]
)
def test_every_other_silence_is_accepted_by_convexity(
    monkeypatch: pytest.MonkeyPatch, reason: Reason
) -> None:
    silent = LocalVerdict(None, DecidedBy.SECOND_ORDER, "silent", reason)
    verdict = _verify_with_tests_returning(monkeypatch, silent)
    assert verdict.is_minimum is True
    assert verdict.detail.startswith("silent; the first-order conditions")

"""The names of the exact path's verdicts: which test decided, what kind of critical point,
why a test was silent. Defined once, shared by the exact path and the result schema.

The values are the strings the result documents carry (``decided_by``, ``kind``), so a
document reads the same whether its verdicts were typed or not; a ``StrEnum`` member equals
its value and serialises as it. The exact path decides on the members and their fields,
never on the text of a message: :class:`Reason` is carried next to the human-readable
detail for that purpose.

>>> DecidedBy.MORSE_BOTT == "Morse-Bott"
True
>>> "Clarke" in CENSUS_TESTS and "Clarke" not in MINIMUM_TESTS
True
"""

from __future__ import annotations

from enum import StrEnum


class DecidedBy(StrEnum):
    """The test that decided a candidate (docs/METHOD.md sections 5-6 and 11-12)."""

    FIRST_ORDER = "first order"
    DEAD_UNIT = "dead unit"
    DEAD_UNITS = "dead units"
    SECOND_ORDER = "second order"
    MORSE_BOTT = "Morse-Bott"
    CONVEXITY = "convexity"
    PRECISION = "precision"
    GLOBAL_EXISTENCE = "existence of the global minimum"
    # The census' own tests: a degenerate point with a zero Farkas multiplier, and a kink
    # kept because 0 is in the Clarke subdifferential.
    ZERO_MULTIPLIER = "zero multiplier"
    CLARKE = "Clarke"


class Kind(StrEnum):
    """A census point's kind (docs/METHOD.md section 12)."""

    MINIMUM = "minimum"
    SADDLE = "saddle"
    KINK = "kink"
    DEGENERATE = "degenerate"


class Reason(StrEnum):
    """Why the local-minimum tests were silent on a candidate (an undecided verdict).

    :func:`reluscape.exact.verification.verify_candidate` accepts every silent candidate by
    convexity except :attr:`SMALLER_KERNEL` (a singular sample whose component may have a
    lower real dimension) and :attr:`PRECISION` (no exact sign could be certified).
    """

    DEAD_UNIT_AT_LAMBDA = "a dead unit's maximum equals lambda"
    SINGULAR_BEYOND_COMPONENT = "the Hessian is singular beyond the component dimension"
    SMALLER_KERNEL = "the Hessian's kernel is smaller than the component dimension"
    NO_DEFINITE_PART = "the Hessian on span(F) has no definite part of the expected rank"
    FORM_VANISHES_ON_CONE = "the Hessian vanishes on a direction of the critical cone"
    MULTIPLIER_ALONG_COMPONENT = "a zero multiplier does not vanish on the component"
    PRECISION = "an exact sign could not be certified"


# The tests a minimum's verdict may name, and those a census point may name, as the plain
# strings the schema validates against (its error messages list them).
MINIMUM_TESTS: tuple[str, ...] = tuple(
    t.value for t in DecidedBy if t not in (DecidedBy.ZERO_MULTIPLIER, DecidedBy.CLARKE)
)
CENSUS_TESTS: tuple[str, ...] = tuple(t.value for t in DecidedBy)
KINDS: tuple[str, ...] = tuple(k.value for k in Kind)

"""Outcomes of the re-check and the table ``reluscape verify`` prints.

Each check of a claim ends in one of three states (docs/METHOD.md section 8): refuted
(``ok`` False: a witness was found, e.g. an exact descent direction or a decrease that
persists as the radius shrinks), passed (``ok`` True, possibly with a ``note`` when a
suspicion was looked into and not confirmed, e.g. a lower point 0.01 away but no descent
from the point itself), or not applicable (``ok`` None). Only a refutation makes the
document fail.

Examples
--------
>>> CheckOutcome("probe", True, note="a lower point at distance 0.01").cell()
'ok*'
>>> CheckOutcome("loss", False, 2e-3).cell()
'FAIL 2.0e-03'
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["CHECKS", "CheckOutcome", "MinimumReport", "VerifyReport"]

CHECKS = (
    "loss",
    "exact",
    "face",
    "system",
    "a",
    "1st-order",
    "probe",
    "component",
    "global",
    "orbit",
)
"""The columns of the table, one per check of a claimed minimum (see
:mod:`reluscape.numerical.verify`)."""


@dataclass(frozen=True)
class CheckOutcome:
    """The outcome of one check of one claim.

    Attributes
    ----------
    name : str
        One of :data:`CHECKS`.
    ok : bool or None
        True passed, False refuted (a witness was found), None not applicable.
    value : float or None
        The measured quantity compared with the tolerance (see the package docstring).
    detail : str
        What was measured, in words.
    note : str
        For a passed check: a suspicion that was examined and not confirmed (shown under
        the table, marked ``ok*``); empty otherwise.
    """

    name: str
    ok: bool | None
    value: float | None = None
    detail: str = ""
    note: str = ""

    def cell(self) -> str:
        if self.ok is None:
            return "-"
        if self.ok:
            return "ok*" if self.note else "ok"
        return "FAIL" if self.value is None else f"FAIL {self.value:.1e}"


@dataclass
class MinimumReport:
    """All checks of one claimed minimum (``loss`` None: it overflows a float)."""

    id: int
    dimension: int
    loss: float | None
    checks: list[CheckOutcome]

    @property
    def passed(self) -> bool:
        return all(c.ok is not False for c in self.checks)

    @property
    def failed(self) -> list[CheckOutcome]:
        return [c for c in self.checks if c.ok is False]

    @property
    def noted(self) -> list[CheckOutcome]:
        return [c for c in self.checks if c.ok and c.note]


@dataclass
class VerifyReport:
    """The re-check of a whole result document.

    Attributes
    ----------
    minima : list of MinimumReport
        One per claimed minimum, in document order.
    complete : bool
        The document says the enumeration is complete (not re-checked here).
    undecided : int
        Candidates the document lists as undecided (not claims, so not checked).
    general : list of str
        Refutations of the document as a whole (e.g. a minimum listed twice).
    """

    minima: list[MinimumReport]
    complete: bool
    undecided: int
    general: list[str] = field(default_factory=list)
    census: list[MinimumReport] = field(default_factory=list)
    landscape: str = ""
    convention: str = "sum"

    @property
    def passed(self) -> bool:
        return (
            not self.general
            and all(m.passed for m in self.minima)
            and all(c.passed for c in self.census)
        )

    def table(self) -> str:
        """The table of outcomes, the failure details, the notes and the verdict line."""
        # The losses are shown in the document's convention, and the header says which.
        loss_head = "loss" if self.convention == "sum" else f"loss ({self.convention})"
        header = ["#", "dim", loss_head, *CHECKS]
        rows = [
            [
                str(m.id),
                str(m.dimension),
                "(overflow)" if m.loss is None else f"{m.loss:.10f}",
                *(c.cell() for c in m.checks),
            ]
            for m in self.minima
        ]
        widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header))]

        def fmt(row: list[str]) -> str:
            cells = [
                cell.rjust(w) if k < 3 else cell.ljust(w)
                for k, (cell, w) in enumerate(zip(row, widths, strict=True))
            ]
            return "  ".join(cells).rstrip()

        lines = [fmt(header), *(fmt(r) for r in rows)]
        details = [f"#{m.id} {c.name}: {c.detail}" for m in self.minima for c in m.failed] + list(
            self.general
        )
        if details:
            lines += ["", *details]
        notes = [f"#{m.id} {c.name} (not refuted): {c.note}" for m in self.minima for c in m.noted]
        if notes:
            lines += ["", *notes]
        if self.census:
            lines += ["", f"census: {len(self.census)} Clarke-critical points that are not minima"]
            lines += [
                f"  point {c.id}: " + ", ".join(f"{o.name} {o.cell()}" for o in c.checks)
                for c in self.census
            ]
            lines += [f"  point {c.id} {o.name}: {o.detail}" for c in self.census for o in c.failed]
            lines += [
                f"  point {c.id} {o.name} (not refuted): {o.note}"
                for c in self.census
                for o in c.noted
            ]
        if self.landscape:
            lines += ["", self.landscape]
        lines += ["", self.verdict()]
        return "\n".join(lines)

    def verdict(self) -> str:
        scope = (
            "independent numerical re-check: it can refute a claim; passing supports but "
            "does not prove the exact verdicts"
        )
        notes = []
        if not self.complete:
            notes.append("the document says its enumeration is incomplete")
        if self.undecided:
            notes.append(f"{self.undecided} undecided candidate(s) not checked")
        note = f"; {', '.join(notes)}" if notes else ""
        if self.passed:
            return (
                f"verdict: ok: all {len(self.minima)} claimed minima pass every check "
                f"({scope}{note})"
            )
        bad = [m for m in self.minima if not m.passed]
        which = ", ".join(f"#{m.id} ({', '.join(c.name for c in m.failed)})" for m in bad)
        parts = []
        if bad:
            parts.append(f"{len(bad)} of {len(self.minima)} claimed minima fail: {which}")
        wrong = [c.id for c in self.census if not c.passed]
        if wrong:
            parts.append(f"census points {wrong} fail their re-check")
        parts += self.general
        return f"verdict: FAIL: {'; '.join(parts)} ({scope}{note})"

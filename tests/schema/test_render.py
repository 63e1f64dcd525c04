"""Rendering a result: face codes that read back, reprs under a screenful, a notebook's
HTML with the census, the landscape and the certified global interval, and counts in
the singular when there is one."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reluscape.data import make_problem
from reluscape.schema import GlobalMinimum, Result
from reluscape.schema.render import face_code, signs_from_code

CENSUS = Path(__file__).with_name("census_d1_n3.json")
SCREEN = (24, 100)  # lines, columns


def _fits_a_screen(text: str) -> bool:
    lines = text.splitlines()
    return len(lines) <= SCREEN[0] and max(map(len, lines)) <= SCREEN[1]


@given(st.text(alphabet="+0-", min_size=1, max_size=600))
def test_a_face_code_reads_back_to_its_signs(signs: str) -> None:
    code = face_code(signs)
    assert signs_from_code(code) == signs
    assert " |" not in code  # the separator of units stays unambiguous


@given(
    st.lists(
        st.tuples(st.sampled_from("+0-"), st.integers(10, 500)), min_size=1, max_size=4
    )
)
def test_a_face_of_long_runs_is_short(runs: list[tuple[str, int]]) -> None:
    signs = "".join(sign * k for sign, k in runs)
    assert len(face_code(signs)) <= 6 * len(runs) < len(signs)


def test_the_442_sample_face_of_the_issue() -> None:
    assert face_code("+" * 200 + "-" * 242) == "+^200 -^242"


@pytest.mark.parametrize("code", ["", "+^", "+^0", "x", "+^2-", "+ -", "+^02 -"])
def test_a_malformed_code_is_refused(code: str) -> None:
    with pytest.raises(ValueError, match="not a face code"):
        signs_from_code(code)


def _big_result(minima: int = 40, n: int = 442) -> Result:
    """A synthetic complete result with long faces and a long lambda: what made repr
    19,063 characters."""
    rng = random.Random(7)
    problem = make_problem(
        [[i] for i in range(n)],
        [i % 3 for i in range(n)],
        hidden=2,
        lam="1234567890123456789/987654321987654323",
    )
    entries: list[dict[str, Any]] = []
    for k in range(minima):
        signs = "".join(rng.choice("+-") for _ in range(n))
        entries.append(
            {
                "id": k + 1,
                "dimension": 0,
                "loss": 1.0 + k,
                "loss_interval": [str(1 + k), str(1 + k)],
                "is_global": k == 0,
                "face": [{"signs": signs, "kind": "chamber", "basis": [["1", "0"], ["0", "1"]]}]
                * 2,
                "activation": [[int(s == "+") for s in signs]] * 2,
                "point": {"a": [1.0, -1.0], "B": [[0.5], [0.25]], "c": [0.0, 1.0]},
                "system": {"variables": [], "generators": []},
                "verdict": {"is_minimum": True, "decided_by": "second order", "detail": ""},
                "orbit_size": 2,
            }
        )
    return Result(problem=problem, minima=entries, stats={"complete": True})  # type: ignore[arg-type]


def test_reprs_fit_a_screen() -> None:
    big = _big_result()
    assert _fits_a_screen(repr(big))
    assert len(repr(big.minima[0])) <= SCREEN[1] * 2
    assert "..." in repr(big.minima[0])  # the face code is cut, not the line wrapped
    census = Result.read(CENSUS)
    assert _fits_a_screen(repr(census))
    assert all(len(repr(m)) <= SCREEN[1] * 2 for m in census.minima)


def test_the_result_repr_says_what_a_reader_asks_first() -> None:
    text = repr(Result.read(CENSUS))
    assert text.startswith("Result(L=2, lambda=1/10 (mean convention), n=3, d=1)")
    for fragment in (
        "minima: 3 (1 of dimension 0, 2 of dimension 1)",
        "lowest: #1, loss 0.2670112125 in [0.2670112125, 0.2670112126] (certified global)",
        "complete: True",
        "census: 6 critical points: 3 minima, 0 saddles, 0 kinks, 3 degenerate",
        "landscape: 3 edges, 2 joins (2 certified minimax), 1 component",
    ):
        assert fragment in text


def test_the_minimum_and_census_point_reprs() -> None:
    result = Result.read(CENSUS)
    m = result.minima[0]
    assert repr(m) == (
        f"Minimum(id=1, dimension=0, loss_sum={m.loss:.10g}, is_global=True, orbit_size=2, "
        "face='+^3 | +0-', decided_by='second order')"
    )
    assert result.critical_points is not None
    c = result.critical_points[2]
    assert repr(c) == (
        f"CriticalPoint(id=4, kind='degenerate', index=None, dimension=0, loss_sum={c.loss:.10g}, "
        "orbit_size=2, face='+0- | 0^3', decided_by='dead unit')"
    )
    assert all(len(repr(p)) <= SCREEN[1] * 2 for p in result.critical_points)


def test_one_minimum_is_singular() -> None:
    doc = Result.read(CENSUS).to_dict()
    doc.pop("critical_points"), doc.pop("landscape")
    doc["minima"] = doc["minima"][:1]
    result = Result.from_dict(doc)
    for text in (result._repr_html_(), result.summary()):
        assert "1 local minimum up to unit permutation" in text
        assert "1 local minima" not in text
    several = Result.read(CENSUS)
    assert "3 local minima up to" in several._repr_html_()


def test_the_html_shows_the_census_the_joins_and_the_global_interval() -> None:
    census = Result.read(CENSUS)
    page = census._repr_html_()
    assert "census: 6 critical points" in page and "landscape: 3 edges" in page
    assert page.count("<table>") == 2  # the minima, the joins
    assert page.count("minimax barrier") == 2
    assert "global minimum value" not in page
    # The text summary's join table: each basin's barrier from its lowest minimum.
    text = census.summary()
    assert "disconnectivity graph: 2 join(s), 2 of them the minimax barrier" in text
    assert "{1, 2} 0.0581554541 | {3} 0.0000000000" in text
    doc = census.to_dict()
    doc.pop("critical_points"), doc.pop("landscape")
    lo, hi = census.minima[0].loss_interval
    with_global = Result.from_dict(doc)
    with_global.global_minimum = GlobalMinimum(
        lower=lo, upper=hi, certified=True, pieces=4, pruned=3, solved=4, exact_faces=1
    )
    page = with_global._repr_html_()
    assert "global minimum value in [0.2670112125, 0.2670112126] (certified)" in page
    assert "census" not in page and page.count("<table>") == 1
    assert "global_minimum: [0.2670112125, 0.2670112126] (certified)" in repr(with_global)

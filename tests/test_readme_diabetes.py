"""README's worked example on real data (issue 32) is bench/diabetes_example.py's output:
its block regenerated from bench/results/diabetes_example.json, so no number is typed."""

from __future__ import annotations

import json
import sys
from fractions import Fraction
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- bench:diabetes -->", "<!-- /bench:diabetes -->"


def _bench_module() -> ModuleType:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import diabetes_example
    finally:
        sys.path.pop(0)
    return diabetes_example


def _readme_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text[text.index(START) + len(START) : text.index(END)]


def test_the_readme_block_is_the_results_file() -> None:
    bench = _bench_module()
    report = json.loads(bench.OUT.read_text())
    assert _readme_block() == "\n" + bench.readme_block(report)


def test_the_results_hold_rows_for_two_three_and_four_units() -> None:
    """Each row's interval is ordered, and p* (numerical, within its slack) and the
    multistart best bracket it: a certified lower bound above the best run, or p* above
    the upper bound, would refute the certificate."""
    bench = _bench_module()
    rows = json.loads(bench.OUT.read_text())["rows"]
    assert [r["hidden"] for r in rows] == [2, 3, 4]
    for r in rows:
        lower, upper = Fraction(r["lower_exact"]), Fraction(r["upper_exact"])
        assert lower <= upper
        assert r["certified"] == (r["global_exit"] == 0)
        c = r.get("comparison")
        if c is None:  # its multistart and p* stopped by the row's timeout
            assert r["compare_exit"] is None
            continue
        assert c["lower_exact"] == r["lower_exact"] and c["upper_exact"] == r["upper_exact"]
        assert c["convex_bound_holds"]
        assert c["multistart_best"] >= float(lower) - 1e-9 * float(upper)


def test_an_interval_is_printed_outward_and_a_certified_value_to_nearest() -> None:
    bench = _bench_module()
    row = {"lower_exact": "1/3", "upper_exact": "2/3", "certified": False, "time_limit": 5.0}
    assert bench.value_text(row) == "[0.333333, 0.666667] (--time-limit 5)"
    row = {"lower_exact": "1/3", "upper_exact": "1/3", "certified": True}
    assert bench.value_text(row) == "0.333333"  # not 0.333334

"""The estimate of a run's cost (reluscape.execution.costs) from the shipped table."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reluscape.data import make_problem
from reluscape.exact.counting import estimate
from reluscape.execution.costs import estimate_cost, load_costs


def test_the_shipped_table_is_the_benchmarks() -> None:
    """bench/orbit_costs.py writes it: seconds per orbit by (L, d), the memory fit."""
    table = load_costs()
    assert {"1,1", "2,1", "3,1", "1,2", "2,2"} <= set(table["seconds_per_orbit"])
    assert all(row["seconds_per_orbit"] > 0 for row in table["seconds_per_orbit"].values())
    assert table["memory"]["base_bytes"] > 0 and table["memory"]["bytes_per_orbit"] >= 0


@given(st.integers(1, 12), st.integers(1, 4), st.integers(1, 10**9))
def test_monotone_in_L(hidden: int, d: int, orbits: int) -> None:
    smaller = estimate_cost(orbits, hidden=hidden, d=d)
    larger = estimate_cost(orbits, hidden=hidden + 1, d=d)
    assert larger.seconds >= smaller.seconds and larger.peak_bytes >= smaller.peak_bytes


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 30), st.integers(1, 2), st.integers(1, 4), st.integers(0, 3))
def test_monotone_in_n(n: int, d: int, hidden: int, seed: int) -> None:
    """One more sample (the same first n) never lowers the estimate."""
    rng = random.Random(seed)
    rows: list[tuple[int, ...]] = []
    while len(rows) < n + 1:
        row = tuple(rng.randint(-20, 20) for _ in range(d))
        if row not in rows:
            rows.append(row)
    y = [rng.randint(-5, 5) for _ in rows]
    costs = []
    for m in (n, n + 1):
        problem = make_problem(rows[:m], y[:m], hidden=hidden, lam=1)
        orbits = estimate(problem.X, hidden=hidden).orbits
        costs.append(estimate_cost(orbits, hidden=hidden, d=d))
    assert costs[1].seconds >= costs[0].seconds
    assert costs[1].peak_bytes >= costs[0].peak_bytes


def test_jobs_divide_the_time_and_add_memory() -> None:
    one = estimate_cost(10**6, hidden=2, d=1)
    two = estimate_cost(10**6, hidden=2, d=1, jobs=2)
    assert two.seconds == one.seconds / 2 and two.peak_bytes > one.peak_bytes


def test_huge_counts_are_infinite_not_an_error() -> None:
    e = estimate_cost(10**400, hidden=50, d=2)
    assert e.seconds == float("inf") and "more than 1e+300 h" in e.text()


@given(st.integers(1, 4), st.integers(1, 5000), st.integers(1, 5000))
@settings(max_examples=50, deadline=None)
def test_monotone_in_d(hidden: int, d: int, wider: int) -> None:
    """Wider data never cost less per orbit (the growth in d measured on wide data)."""
    low, high = sorted((d, wider))
    assert (
        estimate_cost(1, hidden=hidden, d=low).seconds
        <= estimate_cost(1, hidden=hidden, d=high).seconds
    )


@pytest.mark.slow  # seconds of whole runs: the fast tier stays under 5 minutes
def test_wide_data_are_refused_before_the_work(tmp_path: Path) -> None:
    """Issue 31 item 15: 5 rows x 3,000 columns ran for minutes in exact elimination with
    the estimate of d = 2 data (the dry run called it 27 minutes); the cost per orbit grows
    with d, so it is now estimated from the wide rows and refused in one line at once."""
    rng = random.Random(3000)
    rows = [",".join(str(rng.randint(-9, 9)) for _ in range(3001)) for _ in range(5)]
    data = tmp_path / "wide.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "reluscape", "solve", str(data), "--hidden", "2", "--lam", "1"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("reluscape: error: this run would process")
    assert "more than the limit" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    per_orbit = estimate_cost(1, hidden=2, d=3000).seconds
    assert per_orbit > 100 * estimate_cost(1, hidden=2, d=1).seconds

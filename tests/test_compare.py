"""reluscape.compare: trained runs land on enumerated minima; the convex bound holds."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from reluscape import compare, pipeline
from reluscape.data import load_problem, make_problem

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
D1_N5 = DATA / "d1_n5.csv"
GLOBAL_D1_N5 = 1.0100660036

pytestmark = pytest.mark.skipif(not D1_N5.exists(), reason="shared data not available")


@pytest.fixture(scope="module")
def d1_n5():
    problem = load_problem(D1_N5, hidden=2, lam="1/10")
    result = pipeline.solve(problem, face_timeout=60, jobs=2)
    report = compare.compare(problem, starts=60, seed=0, result=result)
    return problem, result, report


def test_every_judgeable_run_is_assigned(d1_n5):
    _, result, report = d1_n5
    assert result.complete
    ms = report["multistart"]
    assert report["possible_bugs"] == []
    assigned = sum(ms["basins"].values())
    judged = (
        ms["runs"]
        - ms["stuck_at_saddles_or_kinks"]
        - ms["not_converged"]
        - ms["not_probed"]
        - len(ms["dead_unit_runs"])
    )
    assert assigned == judged > 0


def test_global_minimum_has_a_basin(d1_n5):
    _, result, report = d1_n5
    (glob,) = [m for m in result.minima if m.is_global]
    assert glob.loss == pytest.approx(GLOBAL_D1_N5, abs=1e-9)
    assert report["multistart"]["basins"][glob.id] > 0
    # positive-dimensional sets are matched through their equations too
    dims = {m.id: m.dimension for m in result.minima}
    assert any(dims[i] > 0 and c > 0 for i, c in report["multistart"]["basins"].items())


def test_convex_bound_below_global(d1_n5):
    _, _, report = d1_n5
    cv = report["convex"]
    assert cv["p_star"] <= GLOBAL_D1_N5 + 1e-6
    assert cv["bound_holds"]
    assert cv["neurons_needed"] > 2 and not cv["L_large_enough"]


def test_unmatched_run_is_reported(d1_n5):
    """A run moved off every minimum is a possible bug, not silently dropped."""
    problem, result, _ = d1_n5
    from reluscape.numerics import multistart

    runs = [r for r in multistart(problem, starts=5, seed=0) if r.is_local_min]
    fake = copy.deepcopy(result.minima)
    for m in fake:  # pretend the enumeration reported every loss shifted by 1
        m.loss_interval = [str(m.loss + 1), str(m.loss + 1)]
    out = compare.classify_runs(runs, fake)
    assert len(out["possible_bugs"]) == len(runs) > 0


def test_convex_equals_global_when_L_suffices():
    problem = make_problem([[0], [1], [2]], [0, 0, 3], hidden=2, lam="1/10")
    cv = compare.convex_bound(problem)
    assert cv["neurons_needed"] <= 2
    result = pipeline.solve(problem, face_timeout=60, jobs=2)
    assert result.complete
    gmin = min(m.loss for m in result.minima)
    assert cv["p_star"] == pytest.approx(gmin, abs=1e-5)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reluscape", "compare", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_compare(tmp_path, d1_n5):
    _, result, _ = d1_n5
    saved = tmp_path / "result.json"
    result.save(saved)
    out = tmp_path / "cmp.json"
    proc = _cli(
        str(D1_N5), "--hidden", "2", "--lam", "1/10", "--starts", "20",
        "--result", str(saved), "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "1.0100660036" in proc.stdout and "p* =" in proc.stdout
    assert "L-BFGS-B basin" in proc.stdout
    doc = json.loads(out.read_text())
    assert doc["possible_bugs"] == [] and doc["convex"]["bound_holds"]
    assert set(doc["timings"]) >= {"enumeration", "multistart", "convex"}


@pytest.mark.parametrize(
    "args",
    [
        ["--hidden", "0", "--lam", "1/10"],
        ["--hidden", "2", "--lam", "-1"],
        ["--hidden", "2", "--lam", "1/10", "--starts", "zero"],
    ],
)
def test_cli_bad_input(args):
    proc = _cli(str(D1_N5), *args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().startswith("reluscape: error:")
    assert len(proc.stderr.strip().splitlines()) == 1

"""reluscape.numerical.compare: trained runs land on enumerated minima; the convex bound holds."""

from __future__ import annotations

import copy
import dataclasses
import json
import random
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from reluscape.data import InputError, load_problem, make_problem
from reluscape.execution import pipeline
from reluscape.numerical import compare, compare_table, convex_bound, matching, training
from reluscape.numerical.components import ComponentGeometry
from reluscape.numerical.loss import a_hat_array, float_data, full_loss, omega_array

DATA = Path(__file__).resolve().parents[1] / "data"
D1_N5 = DATA / "d1_n5.csv"
GLOBAL_D1_N5 = 1.0100660036


@pytest.fixture(scope="module")
def d1_n5_solved():
    """The enumeration alone, for the tests that need no comparison (the fast tier)."""
    problem = load_problem(D1_N5, hidden=2, lam="1/10")
    return problem, pipeline.solve(problem, face_timeout=60, jobs=2)


@pytest.fixture(scope="module")
def d1_n5(d1_n5_solved):
    problem, result = d1_n5_solved
    report = compare.compare(problem, starts=60, seed=0, result=result)
    return problem, result, report


def _judged(section):
    return (
        section["runs"]
        - section["stuck_at_saddles_or_kinks"]
        - section["not_converged"]
        - section["not_probed"]
        - len(section["dead_unit_runs"])
    )


def _seeded_problem(seed: int):
    """Four distinct inputs on a 1/2 grid, outputs on a 1/2 grid, L = 2, lambda = 1/10."""
    rng = random.Random(seed)
    xs = sorted(rng.sample(range(-6, 7), 4))
    y = [Fraction(rng.randint(-4, 4), 2) for _ in xs]
    return make_problem([[Fraction(x, 2)] for x in xs], y, hidden=2, lam="1/10")


@pytest.fixture(scope="module")
def seeded():
    problem = _seeded_problem(7)
    result = pipeline.solve(problem, face_timeout=60, jobs=2)
    return problem, result, compare.compare(problem, starts=30, seed=1, result=result)


@pytest.mark.slow
@pytest.mark.parametrize("case", ["d1_n5", "seeded"])
def test_no_run_lands_outside_the_enumerated_set(case, request):
    """L-BFGS-B (and Adam, when torch is installed) runs at minima are all enumerated."""
    _, result, report = request.getfixturevalue(case)
    assert result.complete
    assert report.possible_bugs == []
    sections = [report.multistart]
    if report.adam.get("status") == "ok":
        sections.append(report.adam)
    for section in sections:
        assert section["possible_bugs"] == []
        assert sum(section["basins"].values()) == _judged(section) > 0
        assert section["max_assigned_distance"] <= compare.PARAM_TOL
    assert report.convex["bound_holds"]


@pytest.mark.slow
def test_adam_runs_are_assigned(d1_n5):
    pytest.importorskip("torch")
    _, result, report = d1_n5
    adam = report.adam
    assert adam["status"] == "ok"
    assert adam["possible_bugs"] == []
    # Adam alone (before the polish) already ends within ADAM_PARAM_TOL of enumerated
    # minima for most starts; after the polish every converged run away from a dead unit
    # is assigned.
    assert sum(adam["basins_before_polish"].values()) >= 0.7 * adam["runs"]
    assert sum(adam["basins"].values()) >= 0.8 * adam["runs"]
    glob = next(m.id for m in result.minima if m.is_global)
    assert adam["basins"][glob] > 0


def test_adam_skips_cleanly_without_torch(d1_n5_solved, monkeypatch):
    problem, result = d1_n5_solved
    monkeypatch.setitem(sys.modules, "torch", None)
    matcher = compare.RunMatcher(result.minima, *float_data(problem))
    out = compare.adam_runs(problem, 3, 0, result.minima, matcher)
    assert out == {"status": "torch not installed"}


def test_each_part_lives_in_its_module_and_compare_reexports_it():
    """compare.py is the library; training, the convex bound, matching and the table are
    modules of their own, and every name importers use from compare still resolves to them."""
    homes = {
        training: ["adam_runs"],
        convex_bound: ["convex_bound", "CONVEX_SLACK"],
        matching: ["RunMatcher", "classify_runs", "below_certified", "PARAM_TOL", "DEAD_TOL",
                   "ADAM_PARAM_TOL"],
        compare_table: ["table"],
    }  # fmt: skip
    for module, names in homes.items():
        for name in names:
            assert getattr(compare, name) is getattr(module, name), name
            assert name in compare.__all__
    assert compare.RunMatcher.__module__ == "reluscape.numerical.matching"
    assert compare.compare.__module__ == compare.Comparison.__module__ == compare.__name__
    assert all(hasattr(compare, name) for name in compare.__all__)


def test_torch_loss_is_the_full_loss():
    """Adam's batched torch loss equals reluscape.numerical.loss.full_loss start by start."""
    torch = pytest.importorskip("torch")
    problem = _seeded_problem(3)
    xt, yt, lam = float_data(problem)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, problem.hidden))
    psi = rng.standard_normal((5, problem.hidden, problem.d + 1))
    batched = training._torch_losses(
        torch.tensor(xt), torch.tensor(yt), lam, torch.tensor(a), torch.tensor(psi)
    ).numpy()
    expected = [full_loss(problem, a[k], psi[k]) for k in range(5)]
    assert np.allclose(batched, expected, rtol=1e-13, atol=0)


def test_matching_on_a_set_by_its_equations(d1_n5_solved):
    """A point of a curve of minima far from its sample point is matched, units swapped;
    points off the curve, or on its Zariski closure outside the face, are not."""
    problem, result = d1_n5_solved
    xt, yt, lam = float_data(problem)
    matcher = compare.RunMatcher(result.minima, xt, yt, lam)
    curve = next(m for m in result.minima if m.dimension == 1)
    geometry = ComponentGeometry(curve, xt)
    sample = np.column_stack([curve.point.B, curve.point.c])
    points = geometry.sample(12, step=0.2 * float(np.abs(sample).max()), seed=3)
    far = max(points, key=lambda p: float(np.abs(p - sample).max()))
    assert float(np.abs(far - sample).max()) > 10 * compare.ADAM_PARAM_TOL
    a = a_hat_array(omega_array(xt, far), yt, lam)
    assert matcher.match(a[::-1], far[::-1], compare.PARAM_TOL)[0] == curve.id
    off = far.copy()
    off[0] *= 1.01  # rescaling one unit leaves the curve (its radius is fixed)
    a_off = a_hat_array(omega_array(xt, off), yt, lam)
    assert matcher.match(a_off, off, compare.PARAM_TOL)[0] is None
    # -far is on the same variety (the prime is even) but in another face
    a_neg = a_hat_array(omega_array(xt, -far), yt, lam)
    assert geometry.distance(a_neg, -far, yt, lam) == np.inf


@pytest.mark.slow
def test_global_minimum_has_a_basin(d1_n5):
    _, result, report = d1_n5
    (glob,) = [m for m in result.minima if m.is_global]
    assert glob.loss == pytest.approx(GLOBAL_D1_N5, abs=1e-9)
    assert report.multistart["basins"][glob.id] > 0
    # positive-dimensional sets are matched through their equations too
    dims = {m.id: m.dimension for m in result.minima}
    assert any(dims[i] > 0 and c > 0 for i, c in report.multistart["basins"].items())


@pytest.mark.slow
def test_convex_bound_below_global(d1_n5):
    _, result, report = d1_n5
    cv = report.convex
    (glob,) = [m for m in result.minima if m.is_global]
    # the certified interval's lower end: p* is below the exact global minimum
    assert cv["p_star"] <= float(Fraction(glob.loss_interval[0])) + cv["slack"]
    assert cv["bound_holds"]
    assert cv["neurons_needed"] > 2 and not cv["L_large_enough"]


def test_unmatched_run_is_reported(d1_n5_solved):
    """A run at a minimum the enumeration did not list is a possible bug, not dropped."""
    problem, result = d1_n5_solved
    from reluscape.numerical.search import multistart

    runs = [r for r in multistart(problem, starts=5, seed=0) if r.is_local_min]
    fake = copy.deepcopy(result.minima)
    for m in fake:  # pretend the enumeration reported every point moved, and no curves
        m.point = dataclasses.replace(m.point, c=[c + 0.5 for c in m.point.c])
        m.dimension, m.component = 0, None
    matcher = compare.RunMatcher(fake, *float_data(problem))
    out = compare.classify_runs(runs, fake, matcher, problem)
    assert len(out["possible_bugs"]) == len(runs) > 0
    assert all(
        bug["method"] == "L-BFGS-B" and bug["distance"] > 0.1 for bug in out["possible_bugs"]
    )


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


@pytest.mark.slow  # seconds of whole runs: the fast tier stays under 5 minutes
def test_cli_compare(tmp_path, d1_n5_solved):
    _, result = d1_n5_solved
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
        ["--hidden", "2", "--lam", "1/10", "--seed", "-1"],
        ["--hidden", "2", "--lam", "1/10", "--out", "/nonexistent-dir/cmp.json"],
    ],
)
def test_cli_bad_input(args):
    proc = _cli(str(D1_N5), *args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().startswith("reluscape: error:")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_cli_result_of_another_problem(tmp_path, d1_n5_solved):
    """--result must be of the same problem: lambda differs here, named in one line."""
    _, result = d1_n5_solved
    saved = tmp_path / "result.json"
    result.save(saved)
    proc = _cli(str(D1_N5), "--hidden", "2", "--lam", "1/5", "--result", str(saved))
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    assert "different problem: lam is 1/10 recorded, 1/5 given" in line


def test_load_result_checks_the_problem(tmp_path, d1_n5_solved):
    problem, result = d1_n5_solved
    saved = tmp_path / "result.json"
    result.save(saved)
    assert compare.load_result(saved, problem).minima == result.minima
    mean = load_problem(D1_N5, hidden=2, lam="1/10", convention="mean")
    with pytest.raises(InputError, match="convention is sum recorded, mean given"):
        compare.load_result(saved, mean)
    other = make_problem(problem.X, [*problem.y[:-1], problem.y[-1] + 1], hidden=2, lam="1/10")
    with pytest.raises(InputError, match=rf"y\[{problem.n - 1}\] is"):
        compare.load_result(saved, other)


def test_compare_does_not_import_the_cli():
    code = "import sys, reluscape.numerical.compare; print('reluscape.cli' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip() == "False", proc.stderr


@pytest.mark.slow
def test_incomplete_run_claims_no_global(d1_n5):
    """With is_global unknown (an incomplete run) the table calls nothing global: the
    lowest found is marked as such, minima certified above another one are spurious."""
    _, result, report = d1_n5
    minima = [dataclasses.replace(m, is_global=None) for m in result.minima]
    status = {m.id: compare.global_status(m, minima) for m in minima}
    lowest = min(minima, key=lambda m: m.loss_interval[1])
    assert status[lowest.id] == "lowest found, not certified"
    for m in minima:
        above = m.loss_interval[0] > lowest.loss_interval[1]
        assert (status[m.id] == "spurious") == above
    assert [compare.global_status(m, result.minima) for m in result.minima] == [
        "global" if m.is_global else "spurious" for m in result.minima
    ]
    doc = copy.deepcopy(report.to_dict())
    doc["enumeration"]["complete"] = False
    for entry in doc["enumeration"]["minima"]:
        entry["is_global"], entry["global"] = None, status[entry["id"]]
    text = compare.table(doc)
    rows = text.splitlines()[1 : 1 + len(minima)]
    assert [r.split()[3] == "lowest" for r in rows] == [
        status[m.id] == "lowest found, not certified" for m in minima
    ]
    assert " yes " not in text and "not certified global" in text


@pytest.fixture(scope="module")
def d1_n5_global(d1_n5_solved):
    from reluscape.global_search import global_minimum

    problem, _ = d1_n5_solved
    result = global_minimum(problem, face_timeout=60, starts=8)
    return problem, result, compare.compare(problem, starts=40, seed=2, result=result)


@pytest.mark.slow
def test_certified_global_beside_multistart_and_convex(d1_n5, d1_n5_global):
    """The certified value of a global run, beside the multistart best and p*: the same
    interval as the complete enumeration's global minimum (an independent exact route),
    training never below it, the convex bound never above it."""
    _, enumeration, full_report = d1_n5
    _, result, report = d1_n5_global
    section = report.global_comparison
    assert section["source"] == "reluscape global" and section["minimizers_certified"]
    assert sorted(m.signs for m in result.minima) == sorted(
        m.signs for m in enumeration.minima if m.is_global
    )
    lower, upper, source = compare.certified_interval(enumeration)
    assert source == "enumeration"
    assert Fraction(section["lower_exact"]) <= upper and lower <= Fraction(section["upper_exact"])
    assert full_report.global_comparison["upper"] == pytest.approx(section["upper"], abs=1e-12)
    assert section["multistart_gap"] >= -1e-12
    assert section["convex_gap"] > 0.1 and section["convex_bound_holds"]
    # Runs at the spurious minima are other local minima, not bugs, against a global run.
    assert report.possible_bugs == []
    assert report.multistart["other_local_minima"] > 0
    assert "certified global minimum (reluscape global)" in report.table()


@pytest.mark.slow
def test_run_below_the_certified_value_is_a_bug(d1_n5, d1_n5_global):
    """Against a global run, an unmatched minimum is a bug exactly when its exact reduced
    loss lies below the certified lower bound (here: a lower bound made too high)."""
    problem, result, _ = d1_n5_global
    from reluscape.numerical.search import multistart

    runs = [r for r in multistart(problem, starts=6, seed=3) if r.is_local_min]
    matcher = compare.RunMatcher([], *float_data(problem))
    honest = compare.classify_runs(runs, [], matcher, problem, result.global_minimum.lower)
    assert honest["possible_bugs"] == [] and honest["other_local_minima"] == len(runs) > 0
    too_high = Fraction(max(r.loss for r in runs) + 1)
    forged = compare.classify_runs(runs, [], matcher, problem, too_high)
    assert len(forged["possible_bugs"]) == len(runs)
    assert all(b["below_certified_global_minimum"] for b in forged["possible_bugs"])


def test_cli_compare_global_against_result_is_refused(tmp_path):
    proc = _cli(str(D1_N5), "--hidden", "2", "--lam", "1/10", "--global", "--result", "r.json")
    assert proc.returncode == 2
    assert "not allowed with argument" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_cli_compare_global(tmp_path):
    out = tmp_path / "cmp.json"
    proc = _cli(str(D1_N5), "--hidden", "2", "--lam", "1/10", "--global", "--starts", "20",
                "--out", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text())
    assert doc["enumeration"]["method"] == "global"
    assert doc["global"]["upper"] == pytest.approx(GLOBAL_D1_N5, abs=1e-9)
    assert "certified global minimum (reluscape global)" in proc.stdout


@pytest.mark.slow  # seconds of whole runs: the fast tier stays under 5 minutes
def test_compare_reports_its_stages(d1_n5_solved):
    """progress(done, 4, seconds) before the first stage and after each of the four."""
    problem, result = d1_n5_solved
    calls = []
    compare.compare(problem, starts=5, seed=0, result=result,
                    progress=lambda done, total, s: calls.append((done, total)))  # fmt: skip
    assert calls == [(k, 4) for k in range(5)]

"""Studies: the tables equal separate ``solve`` runs, a stopped study resumes without
solving a finished run again, bad grids name the problem, and the tables round-trip."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

import reluscape
from reluscape import datasets
from reluscape.studies import Study, runner, tables
from reluscape.studies.grid import Run, runs_of
from reluscape.validation import InputError

DATA = [datasets.random(n=3, seed=0), datasets.curve(n=3, shape="abs", seed=1)]
GRID = {"data": DATA, "hidden": [1, 2], "lam": ["1/10"]}


@pytest.fixture(scope="module")
def small() -> Study:
    return reluscape.study(GRID)


def test_tables_equal_separate_solve_runs(small: Study) -> None:
    runs = small.runs.set_index(["data", "hidden"])
    minima = small.minima.set_index(["data", "hidden", "minimum"]).sort_index()
    assert len(runs) == 4
    for ds in DATA:
        for hidden in (1, 2):
            result = reluscape.solve(ds.X, ds.y, hidden=hidden, lam="1/10")
            row = runs.loc[(ds.name, hidden)]
            assert result.complete and bool(row["complete"])
            assert row["minima"] == len(result.minima)
            assert row["spurious"] == sum(not m.is_global for m in result.minima)
            assert row["global_loss"] == min(m.loss for m in result.minima if m.is_global)
            for dim in range(2):
                found = sum(m.dimension == dim for m in result.minima)
                assert row[f"minima_dim{dim}"] == found
            assert (row["n"], row["d"], row["lam"], row["convention"]) == (ds.n, 1, "1/10", "sum")
            assert row["cpu_seconds"] > 0 and row["seconds"] > 0
            for m in result.minima:
                got = minima.loc[(ds.name, hidden, m.id)]
                assert got["loss"] == m.loss and got["face"] == m.signs
                assert got["is_global"] == m.is_global and got["spurious"] == (not m.is_global)
                assert got["loss_lower"] <= got["loss"] <= got["loss_upper"]
                assert got["dimension"] == m.dimension and got["orbit_size"] == m.orbit_size
            assert len(minima.loc[(ds.name, hidden)]) == len(result.minima)


def test_dtypes_are_tidy(small: Study) -> None:
    assert str(small.runs["complete"].dtype) == "boolean"
    assert str(small.minima["is_global"].dtype) == "boolean"
    for column in ("loss", "loss_lower", "loss_upper", "global_loss", "lam_float"):
        frame = small.runs if column in small.runs else small.minima
        assert frame[column].dtype == "float64"
    assert small.runs["seed"].tolist() == [0, 0, 1, 1]
    assert len(repr(small)) < 80


def test_csv_round_trip(small: Study, tmp_path: Path) -> None:
    small.to_csv(tmp_path / "out")
    back = Study.read(tmp_path / "out")
    pd.testing.assert_frame_equal(back.runs, small.runs)
    pd.testing.assert_frame_equal(back.minima, small.minima)


def test_csv_round_trip_keeps_missing_values(tmp_path: Path) -> None:
    run = Run(data=DATA[0], hidden=1, lam=reluscape.validation.check_lambda("1"))
    frame = tables.runs_frame([tables.failed_row(run, "KilledWorker: gone")])
    study = Study(runs=frame, minima=tables.minima_frame([]))
    assert not study.complete
    study.to_csv(tmp_path)
    back = Study.read(tmp_path)
    pd.testing.assert_frame_equal(back.runs, study.runs)
    assert back.runs["spurious"].isna().all() and back.runs["lam"].iloc[0] == "1"


def test_tables_of_before_cpu_seconds_are_read(small: Study, tmp_path: Path) -> None:
    small.to_csv(tmp_path)
    runs = pd.read_csv(tmp_path / "runs.csv", dtype=str).drop(columns=["cpu_seconds"])
    runs.to_csv(tmp_path / "runs.csv", index=False)
    back = Study.read(tmp_path)
    assert back.runs["cpu_seconds"].isna().all()
    assert back.runs["minima"].tolist() == small.runs["minima"].tolist()


def test_parquet_round_trip(small: Study, tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    small.to_parquet(tmp_path)
    pd.testing.assert_frame_equal(Study.read(tmp_path).minima, small.minima)


def test_read_refuses_a_folder_without_tables(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"not a study directory: no runs\.csv"):
        Study.read(tmp_path)


class Stop(Exception):
    pass


def test_a_stopped_study_resumes_without_solving_finished_runs(
    small: Study, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stop_after_two(done: int, total: int, elapsed: float) -> None:
        if done == 2:
            raise Stop  # as a kill after the second run was stored

    with pytest.raises(Stop):
        reluscape.study(GRID, checkpoint=tmp_path, progress=stop_after_two)
    assert len(list(tmp_path.glob("run-*.json"))) == 2

    solved: list[Run] = []
    original = runner.solve_run

    def counting(run: Run) -> runner.Outcome:
        solved.append(run)
        return original(run)

    monkeypatch.setattr(runner, "solve_run", counting)
    resumed = reluscape.study(GRID, checkpoint=tmp_path)
    assert [(r.data.name, r.hidden) for r in solved] == [(DATA[1].name, 1), (DATA[1].name, 2)]
    fixed = ["seconds", "cpu_seconds"]  # stored runs keep their own times
    pd.testing.assert_frame_equal(resumed.runs.drop(columns=fixed), small.runs.drop(columns=fixed))
    pd.testing.assert_frame_equal(resumed.minima, small.minima)

    solved.clear()
    again = reluscape.study(GRID, checkpoint=tmp_path)
    assert solved == []
    pd.testing.assert_frame_equal(again.runs, resumed.runs)


def test_a_damaged_run_file_is_solved_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    grid = {"data": DATA[:1], "hidden": 1, "lam": "1/10"}
    first = reluscape.study(grid, checkpoint=tmp_path)
    (path,) = tmp_path.glob("run-*.json")
    doc = json.loads(path.read_text())
    doc["run"]["minima"] = 99  # edited: the checksum no longer matches
    path.write_text(json.dumps(doc))
    with caplog.at_level(logging.WARNING, logger="reluscape"):
        second = reluscape.study(grid, checkpoint=tmp_path)
    assert "damaged; recomputing it" in caplog.text
    assert second.runs["minima"].tolist() == first.runs["minima"].tolist() != [99]


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ([1, 2], "a study grid must be a mapping of lists, got list"),
        ({"data": DATA, "hidden": 1, "lam": 1, "L": 2}, "unknown grid key 'L'"),
        ({"data": DATA, "lam": 1}, "the grid has no 'hidden'"),
        ({"data": DATA[0], "hidden": 1, "lam": 1}, r"grid\['data'\] must be a list"),
        ({"data": [], "hidden": 1, "lam": 1}, r"grid\['data'\] is empty"),
        ({"data": DATA, "hidden": [1, 0], "lam": 1}, r"grid\['hidden'\]\[1\] \(hidden units"),
        ({"data": DATA, "hidden": 1, "lam": ["1", "-1"]}, r"grid\['lam'\]\[1\] must be > 0"),
        ({"data": DATA, "hidden": 1, "lam": 1, "convention": "avg"}, "convention'\\]\\[0\\]"),
        ({"data": DATA, "hidden": [1, 1], "lam": 1}, "lists a value more than once"),
        ({"data": [DATA[0], DATA[0]], "hidden": 1, "lam": 1}, "names a data set more than once"),
        ({"data": [3], "hidden": 1, "lam": 1}, r"grid\['data'\]\[0\] must be a Dataset"),
        ({"data": ["random:n=1"], "hidden": 1, "lam": 1}, "n \\(number of samples\\)"),
        ({"data": [([[0], [1]], [1])], "hidden": 1, "lam": 1}, "inconsistent numbers"),
    ],
)
def test_bad_grids_name_the_problem(grid: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        runs_of(grid)  # type: ignore[arg-type]


def test_arrays_and_specs_in_a_grid() -> None:
    runs = runs_of({"data": [([[0], [1], [2]], [0, 1, 0]), "random:n=3:seed=0..1"],
                    "hidden": 1, "lam": "1/10", "convention": ["sum", "mean"]})  # fmt: skip
    assert [r.data.name for r in runs[::2]] == [
        "arrays:0", "random:n=3:d=1:seed=0", "random:n=3:d=1:seed=1"
    ]  # fmt: skip
    assert [r.convention for r in runs[:2]] == ["sum", "mean"]


@pytest.mark.slow
def test_dask_workers_give_the_serial_tables(small: Study, tmp_path: Path) -> None:
    parallel = reluscape.study(GRID, jobs=2, checkpoint=tmp_path)
    fixed = ["seconds", "cpu_seconds"]
    pd.testing.assert_frame_equal(parallel.runs.drop(columns=fixed), small.runs.drop(columns=fixed))
    pd.testing.assert_frame_equal(parallel.minima, small.minima)


def test_studies_and_datasets_import_no_numerical_tool() -> None:
    """Studies run the exact path: their counts are decided exactly, as solve's. The one
    way to the numerical tools is the run's optional training and convex bound
    (``starts``, ``convex``), a lazy import of their module in the runner."""
    from test_layout import _modules, _violations

    files = _modules("studies", "datasets.py")
    assert len(files) == 5
    found = _violations(files, ("reluscape.numerical",))
    assert {v.split(":")[0] for v in found} == {"reluscape/studies/runner.py"}
    # (a from-import is reported as the module and as the names it takes)
    names = {v.split(" imports ")[1] for v in found}
    assert all(name.startswith("reluscape.numerical.study_checks") for name in names), names


def test_a_failed_run_is_a_row_and_the_others_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = runner.solve_run

    def failing(run: Run) -> runner.Outcome:
        if run.hidden == 2:
            raise MemoryError("out of memory")
        return original(run)

    monkeypatch.setattr(runner, "solve_run", failing)
    grid = {"data": DATA[:1], "hidden": [1, 2], "lam": "1/10"}
    study = reluscape.study(grid, checkpoint=tmp_path)
    assert study.runs["complete"].tolist() == [True, False]
    assert study.runs["error"].tolist() == ["", "MemoryError: out of memory"]
    assert pd.isna(study.runs["minima"].iloc[1]) and not study.complete
    assert len(list(tmp_path.glob("run-*.json"))) == 1  # the failure is tried again next time


def test_read_refuses_two_formats_of_one_table(small: Study, tmp_path: Path) -> None:
    small.to_csv(tmp_path)
    (tmp_path / "runs.parquet").write_bytes(b"PAR1")
    with pytest.raises(InputError, match=r"holds both runs\.csv and runs\.parquet"):
        Study.read(tmp_path)


def test_progress_true_draws_a_bar_of_the_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """``progress=True`` as in solve: a bar of the runs (off when stderr is not a terminal:
    nothing written into a captured stream), and a bad value is one InputError."""
    seen: list[tuple[int, int]] = []
    reluscape.study(GRID, progress=lambda done, total, _: seen.append((done, total)))
    total = len(runs_of(GRID))
    assert seen[0] == (0, total) and seen[-1] == (total, total)
    reluscape.study(GRID, progress=True)
    assert "\r" not in capsys.readouterr().err
    with pytest.raises(InputError, match="progress must be"):
        reluscape.study(GRID, progress="yes")


@pytest.mark.slow  # seconds of whole runs: the fast tier stays under 5 minutes
def test_basins_and_the_convex_bound_where_asked() -> None:
    """``starts`` and ``convex``: each minimum's basin share and each run's shares and p*,
    against an independent count (the same seeded multistart matched by compare's
    matcher) and p* <= the certified global minimum (p* bounds it from below)."""
    from reluscape.numerical.compare import compare

    grid = {"data": DATA[:1], "hidden": [2], "lam": "1/10"}
    study = reluscape.study(grid, starts=12, convex=True)
    run = study.runs.iloc[0]
    assert run["multistart_starts"] == 12
    shares = study.minima["basin_share"]
    assert shares.notna().all() and abs(shares.sum() + run["unmatched_share"]) <= 1 + 1e-12
    g = study.minima[study.minima["is_global"].fillna(False).astype(bool)]
    assert run["global_share"] == pytest.approx(g["basin_share"].sum())
    assert run["convex_bound"] <= run["global_loss"] * (1 + 1e-6)
    problem = DATA[0].problem(hidden=2, lam="1/10")
    comparison = compare(problem, starts=12, seed=DATA[0].seed or 0, face_timeout=None, jobs=1)
    basins = comparison.multistart["basins"]
    for _, m in study.minima.iterrows():
        assert m["basin_share"] == pytest.approx(basins[int(m["minimum"])] / 12)
    assert study.runs["convex_bound"].iloc[0] == pytest.approx(comparison.convex["p_star"])


def test_study_tables_are_in_the_run_s_convention() -> None:
    """Before: a mean-convention run's table showed sum-convention losses (n times too
    large)."""
    grid = {"data": DATA[:1], "hidden": [1], "lam": "1/10", "convention": ["sum", "mean"]}
    study = reluscape.study(grid)
    n = DATA[0].n
    s, m = (study.minima[study.minima["convention"] == c] for c in ("sum", "mean"))
    assert len(s) and len(m)
    mean_problem = DATA[0].problem(hidden=1, lam="1/10", convention="mean")
    result = reluscape.solve_problem(mean_problem)
    assert sorted(m["loss"]) == pytest.approx(sorted(x.loss / n for x in result.minima))
    assert study.runs["global_loss"].iloc[1] == pytest.approx(min(m["loss"]))

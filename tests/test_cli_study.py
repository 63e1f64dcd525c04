"""``reluscape study`` end to end: its tables equal the library's, a rerun resumes from
the checkpoint, and every bad grid is one line and exit code 2 before any output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import reluscape
from reluscape import datasets
from reluscape.studies import Study


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reluscape", "study", *args],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_study_command_writes_the_librarys_tables(tmp_path: Path) -> None:
    out = tmp_path / "study"
    proc = run("--data", "random:n=3", "--seeds", "2", "--hidden", "1", "--lam", "1/10",
               "--out", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "random:n=3:d=1" in proc.stdout and "spurious_mean" in proc.stdout
    assert "tables written to" in proc.stderr
    written = Study.read(out)
    expected = reluscape.study(
        {"data": datasets.expand("random:n=3", seeds=2), "hidden": [1], "lam": ["1/10"]}
    )
    fixed = ["seconds", "cpu_seconds"]
    pd.testing.assert_frame_equal(
        written.runs.drop(columns=fixed), expected.runs.drop(columns=fixed)
    )
    pd.testing.assert_frame_equal(written.minima, expected.minima)
    stored = sorted((out / "checkpoint").glob("run-*.json"))
    assert len(stored) == 2

    # A rerun with one more seed solves only the new run: the stored files stay as they were.
    before = {p: p.stat().st_mtime_ns for p in stored}
    grid = tmp_path / "grid.toml"
    grid.write_text('data = ["random:n=3"]\nseeds = 3\nhidden = 1\nlam = "1/10"\n')
    proc = run("--grid", str(grid), "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert {p: p.stat().st_mtime_ns for p in stored} == before
    assert len(Study.read(out).runs) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hidden", "1", "--lam", "1"], "--data is required"),
        (["--data", "random:n=3", "--lam", "1"], "--hidden is required"),
        (["--data", "random:n=3", "--hidden", "0", "--lam", "1"], "hidden units L) must be"),
        (["--data", "random:n=3", "--hidden", "1", "--lam", "-1"], "must be > 0, got '-1'"),
        (["--data", "random:n=3", "--hidden", "1", "--lam", "1", "--convention", "avg"],
         "convention'][0] must be one of 'sum', 'mean'"),
        (["--data", "random:n=3:x=1", "--hidden", "1", "--lam", "1"], "unknown key 'x'"),
        (["--data", "nothing.csv", "--hidden", "1", "--lam", "1"], "neither a generator"),
        (["--data", "random:n=3", "--seeds", "0", "--hidden", "1", "--lam", "1"],
         "--seeds must be an integer >= 1"),
        (["--data", "random:n=3", "--hidden", "1", "--lam", "1", "--jobs", "0"],
         "--jobs must be an integer >= 1"),
        (["--data", "random:n=3", "--hidden", "3..1", "--lam", "1"], "--hidden range end"),
        (["--data", "random:n=3", "--hidden", "1,1", "--lam", "1"], "more than once"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "out"
    proc = run(*args, "--out", str(out))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("reluscape: error: ")
    assert message in proc.stderr
    assert not out.exists()  # nothing written before the grid was checked


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("grid.toml", 'data = ["random:n=3"]\nhidden = 1\nlam = 1\nL = 2\n', "unknown key 'L'"),
        ("grid.toml", "data = [\n", "is not valid TOML"),
        ("grid.json", '{"data": ["random:n=3"], "hidden": 1}', "the grid has no 'lam'"),
        ("grid.json", '{"hidden": 1, "lam": 1}', "the grid has no 'data'"),
        ("grid.json", "[1, 2]", "expected a table of keys, got list"),
        ("grid.yaml", "data: x", "expected a .toml or .json file"),
        ("grid.json", '{"data": 3, "hidden": 1, "lam": 1}', "data must be a list of specs"),
    ],
)
def test_bad_grid_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    grid = tmp_path / name
    grid.write_text(text, encoding="utf-8")
    proc = run("--grid", str(grid), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert message in proc.stderr


def test_grid_and_flags_exclude_each_other(tmp_path: Path) -> None:
    grid = tmp_path / "grid.json"
    grid.write_text('{"data": ["random:n=3"], "hidden": 1, "lam": 1}', encoding="utf-8")
    proc = run("--grid", str(grid), "--hidden", "2", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "--grid and --hidden exclude each other" in proc.stderr


def test_an_unusable_out_is_refused_before_the_work(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    proc = run("--data", "random:n=3", "--hidden", "1", "--lam", "1", "--out", str(blocker / "s"))
    assert proc.returncode == 2 and "is a file, need a directory" in proc.stderr


def test_a_failed_run_gives_exit_1_and_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from reluscape.cli import main
    from reluscape.studies import runner

    def failing(run: runner.Run) -> runner.Outcome:
        raise RuntimeError("worker lost")

    monkeypatch.setattr(runner, "solve_run", failing)
    code = main(["study", "--data", "random:n=3", "--hidden", "1", "--lam", "1", "--quiet",
                 "--out", str(tmp_path / "s")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert "1 of 1 run(s) incomplete or failed, first random:n=3:d=1:seed=0 (L = 1, lambda = 1)" \
        ": RuntimeError: worker lost" in err
    assert Study.read(tmp_path / "s").runs["error"].tolist() == ["RuntimeError: worker lost"]


def test_parquet_without_an_engine_is_refused_before_the_work(tmp_path: Path) -> None:
    import importlib.util

    if any(importlib.util.find_spec(m) for m in ("pyarrow", "fastparquet")):
        pytest.skip("a Parquet engine is installed")
    proc = run("--data", "random:n=3", "--hidden", "1", "--lam", "1", "--format", "parquet",
               "--out", str(tmp_path / "s"))  # fmt: skip
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "--format parquet needs pyarrow or fastparquet installed; use csv" in proc.stderr
    assert not (tmp_path / "s").exists()


def test_starts_and_convex_add_the_basins_and_the_bound(tmp_path: Path) -> None:
    """``--starts K --convex``: the library's columns, equal to reluscape.study's."""
    proc = run("--data", "random:n=3", "--hidden", "1", "--lam", "1/10",
               "--starts", "6", "--convex", "--out", str(tmp_path / "s"), "--quiet")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    read = Study.read(tmp_path / "s")
    lib = reluscape.study({"data": [datasets.random(n=3)], "hidden": [1], "lam": "1/10"},
                          starts=6, convex=True)  # fmt: skip
    columns = ["multistart_starts", "global_share", "unmatched_share", "convex_bound"]
    pd.testing.assert_frame_equal(read.runs[columns], lib.runs[columns])
    assert read.minima["basin_share"].tolist() == lib.minima["basin_share"].tolist()
    bad = run("--data", "random:n=3", "--hidden", "1", "--lam", "1/10",
              "--starts", "x", "--out", str(tmp_path / "t"))  # fmt: skip
    assert bad.returncode == 2 and bad.stderr.startswith("reluscape: error: --starts")

"""Command line: bad usage and bad input exit 2 with one line on stderr, fast.

These tests run ``python -m reluscape`` in a subprocess and never reach the solver.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

GOOD_CSV = "x,y\n-1,0.2\n-0.5,0.7\n0,0.1\n0.5,-1.4\n1,0.8\n"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reluscape", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
    )


def write(tmp_path: Path, text: str, name: str = "data.csv") -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def assert_input_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("reluscape: error:"), lines[0]
    for needle in needles:
        assert needle.lower() in lines[0].lower(), (needle, lines[0])
    assert proc.stdout == ""


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("x,y\n1,2\nabc,3\n", ["line 3", "column 1", "not a finite number", "abc"]),
        ("x,y\n1,2\nnan,3\n", ["line 3", "not a finite number", "nan"]),
        ("x,y\n1,2\n2,inf\n", ["line 3", "column 2", "not a finite number", "inf"]),
        ("x,y\n1,2\n2,-inf\n", ["not a finite number", "-inf"]),
        ("x1,x2,y\n1,2,3\n4,5\n", ["line 3", "expected 3 columns, got 2"]),
        ("x,y\n1,2\n", ["at least 2 samples", "got 1"]),
        ("", ["empty"]),
        ("\n\n", ["empty"]),
        ("x,y\n", ["no data rows"]),
        ("1\n2\n3\n", ["at least 2 columns"]),
    ],
    ids=[
        "non-numeric",
        "nan",
        "inf",
        "minus-inf",
        "ragged",
        "one-sample",
        "empty",
        "blank-lines",
        "header-only",
        "one-column",
    ],
)
def test_bad_data_file(tmp_path: Path, text: str, needles: list[str]) -> None:
    path = write(tmp_path, text)
    assert_input_error(run("solve", path, "--hidden", "2", "--lam", "0.1"), *needles)


@pytest.mark.parametrize(
    ("lam", "needles"),
    [
        ("0", ["lambda must be > 0", "0"]),
        ("-0.1", ["lambda must be > 0", "-0.1"]),
        ("abc", ["lambda must be a number", "abc"]),
        ("nan", ["lambda must be a finite number", "nan"]),
        ("inf", ["lambda must be a finite number", "inf"]),
        ("1/0", ["lambda must be a number", "1/0"]),
    ],
)
def test_bad_lambda(tmp_path: Path, lam: str, needles: list[str]) -> None:
    path = write(tmp_path, GOOD_CSV)
    assert_input_error(run("solve", path, "--hidden", "2", f"--lam={lam}"), *needles)


@pytest.mark.parametrize(
    ("hidden", "needles"),
    [
        ("0", ["hidden units L must be an integer >= 1", "'0'"]),
        ("-1", ["hidden units L must be an integer >= 1", "'-1'"]),
        ("1.5", ["hidden units L must be an integer >= 1", "'1.5'"]),
        ("two", ["hidden units L must be an integer >= 1", "'two'"]),
    ],
)
def test_bad_hidden(tmp_path: Path, hidden: str, needles: list[str]) -> None:
    path = write(tmp_path, GOOD_CSV)
    assert_input_error(run("solve", path, f"--hidden={hidden}", "--lam", "0.1"), *needles)


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    proc = run("solve", str(missing), "--hidden", "2", "--lam", "0.1")
    assert_input_error(proc, "not found", "nope.csv")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    proc = run("solve", str(tmp_path), "--hidden", "2", "--lam", "0.1")
    assert_input_error(proc, "directory")


def test_unreadable_bytes(tmp_path: Path) -> None:
    p = tmp_path / "binary.csv"
    p.write_bytes(b"\xff\xfe\x00\x81garbage")
    proc = run("solve", str(p), "--hidden", "2", "--lam", "0.1")
    assert_input_error(proc, "binary.csv")


def test_bad_face_timeout(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_CSV)
    proc = run("solve", path, "--hidden", "2", "--lam", "0.1", "--face-timeout", "soon")
    assert_input_error(proc, "--face-timeout", "soon")


def test_out_in_missing_directory(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_CSV)
    out = tmp_path / "no" / "such" / "dir" / "result.json"
    proc = run("solve", path, "--hidden", "2", "--lam", "0.1", "--out", str(out))
    assert_input_error(proc, "--out", "does not exist")


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        ([], ["required", "COMMAND"]),
        (["frobnicate"], ["invalid choice", "frobnicate"]),
        (["solve"], ["required"]),
        (["solve", "data.csv", "--lam", "0.1"], ["required", "--hidden"]),
        (["solve", "data.csv", "--hidden", "2"], ["required", "--lam"]),
        (["solve", "d.csv", "--hidden", "2", "--lam", "1", "--convention", "avg"], ["avg"]),
        (["solve", "d.csv", "--hidden", "2", "--lam", "1", "--partitions", "all"], ["all"]),
        (["example", "--bogus"], ["unrecognized", "--bogus"]),
    ],
    ids=[
        "no-command",
        "unknown-command",
        "solve-no-args",
        "no-hidden",
        "no-lam",
        "bad-convention",
        "bad-partitions",
        "unknown-option",
    ],
)
def test_bad_usage(tmp_path: Path, args: list[str], needles: list[str]) -> None:
    assert_input_error(run(*args, cwd=tmp_path), *needles)


@pytest.mark.parametrize(
    ("args", "example"),
    [
        (["--help"], "reluscape example"),
        (["solve", "--help"], "reluscape solve data.csv --hidden 2 --lam"),
        (["example", "--help"], "reluscape example --out"),
    ],
)
def test_help_shows_example(args: list[str], example: str) -> None:
    proc = run(*args)
    assert proc.returncode == 0, proc.stderr
    assert "example" in proc.stdout.lower()
    assert example in proc.stdout
    assert proc.stderr == ""


def test_solve_help_explains_conventions() -> None:
    out = " ".join(run("solve", "--help").stdout.split())
    assert '"sum"' in out and '"mean"' in out
    assert "1/2 sum" in out and "1/(2n)" in out
    assert "multiplied by n" in out


def test_main_in_process_returns_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from reluscape.cli import main

    path = write(tmp_path, GOOD_CSV)
    assert main(["solve", path, "--hidden", "0", "--lam", "0.1"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("reluscape: error: number of hidden units L")
    assert main(["solve", "--help"]) == 0


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from reluscape import __version__
    from reluscape.cli import main

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"reluscape {__version__}\n"
    proc = run("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"reluscape {__version__}"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal() -> None:
    from reluscape.cli.common import Progress

    term = _Terminal()
    progress = Progress(stream=term, header="reluscape: the plan")
    for done in (0, 12, 231):
        progress(done, 231, 0.1 * done)
    progress.finish()
    text = term.getvalue()
    assert text.startswith("reluscape: the plan\n")
    assert "faces" in text and "231/231" in text and "\r" in text


def test_progress_writes_no_carriage_return_into_a_file() -> None:
    """A stream that is not a terminal gets the header line only."""
    from reluscape.cli.common import Progress

    buf = io.StringIO()
    progress = Progress(stream=buf, header="reluscape: the plan")
    for done in (0, 12, 231):
        progress(done, 231, 0.1 * done)
    progress.finish()
    assert buf.getvalue() == "reluscape: the plan\n"


def _fake_result(problem, *, complete: bool):
    from reluscape.schema import Minimum, Result

    n, d = problem.n, problem.d
    unit = {"signs": "+" * n, "kind": "chamber", "basis": [["1"] * (d + 1)]}
    minimum = Minimum(
        id=1,
        dimension=0,
        loss=0.5,
        loss_interval=["1/2", "1/2"],
        is_global=True if complete else None,
        face=[unit] * problem.hidden,
        activation=[[1] * n] * problem.hidden,
        point={
            "a": [1.0] * problem.hidden,
            "B": [[1.0] * d] * problem.hidden,
            "c": [0.0] * problem.hidden,
        },
        system={"variables": [], "generators": []},
        verdict={"is_minimum": True, "decided_by": "second order", "detail": ""},
        orbit_size=1,
    )
    undecided = []
    if not complete:
        undecided = [
            Minimum(
                **{
                    **minimum.__dict__,
                    "id": 2,
                    "verdict": {
                        "is_minimum": None,
                        "decided_by": "second order",
                        "detail": "face timed out",
                    },
                }
            )
        ]
    return Result(
        problem=problem.describe(),
        minima=[minimum],
        undecided=undecided,
        stats={
            "faces": 3,
            "orbits": 3,
            "candidates": 2,
            "rejected": {},
            "complete": complete,
            "faces_undecided": []
            if complete
            else [{"face": ["+-", "0+"], "reason": "time limit while enumerating"}],
        },
    )


@pytest.mark.parametrize("complete", [True, False])
def test_solve_flow_with_fake_pipeline(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    complete: bool,
) -> None:
    """Exit 0 / 1, summary on stdout, --out written, progress on stderr (solver faked)."""
    import types

    import reluscape.execution
    from reluscape.cli import main
    from reluscape.schema import Result

    calls = {}

    def solve(
        problem,
        *,
        partitions="realizable",
        face_timeout=60.0,
        jobs=1,
        scheduler=None,
        checkpoint=None,
        progress=None,
        census=False,
    ):
        calls.update(
            problem=problem,
            partitions=partitions,
            face_timeout=face_timeout,
            jobs=jobs,
            checkpoint=checkpoint,
        )
        if progress is not None:
            for k in range(4):
                progress(k, 3, 0.1 * k)
        return _fake_result(problem, complete=complete)

    fake = types.ModuleType("reluscape.execution.pipeline")
    fake.solve = solve
    monkeypatch.setitem(sys.modules, "reluscape.execution.pipeline", fake)
    monkeypatch.setattr(reluscape.execution, "pipeline", fake, raising=False)

    path = write(tmp_path, GOOD_CSV)
    out = tmp_path / "result.json"
    argv = ["solve", path, "--hidden", "2", "--lam", "0.1", "--convention", "mean"]
    code = main([*argv, "--partitions", "naive", "--face-timeout", "0", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == (0 if complete else 1)
    assert calls["partitions"] == "naive" and calls["face_timeout"] is None
    assert str(calls["problem"].lam) == "1/10" and str(calls["problem"].lam_sum) == "1/2"
    assert captured.out.startswith("reluscape: L = 2, lambda = 1/10 (mean convention)")
    assert "\r" not in captured.err  # stderr is not a terminal: no progress bar
    assert Result.from_json(out.read_text()).complete is complete
    if complete:
        assert "incomplete" not in captured.err
    else:
        note = captured.err.strip().splitlines()[-1]
        assert note.startswith("reluscape: note: the enumeration is incomplete")
        assert "1 candidate(s) undecided" in note
        assert "1 face(s) undecided: 1 x time limit while enumerating" in note


def test_jobs_passed_to_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--jobs N reaches pipeline.solve(jobs=N); the default is 1 (solver faked)."""
    import types

    import reluscape.execution
    from reluscape.cli import main

    calls: list[int] = []

    def solve(
        problem,
        *,
        partitions="realizable",
        face_timeout=60.0,
        jobs=1,
        scheduler=None,
        checkpoint=None,
        progress=None,
        census=False,
    ):
        calls.append(jobs)
        return _fake_result(problem, complete=True)

    fake = types.ModuleType("reluscape.execution.pipeline")
    fake.solve = solve
    monkeypatch.setitem(sys.modules, "reluscape.execution.pipeline", fake)
    monkeypatch.setattr(reluscape.execution, "pipeline", fake, raising=False)
    path = write(tmp_path, GOOD_CSV)
    argv = ["solve", path, "--hidden", "2", "--lam", "0.1", "--quiet"]
    assert main(argv) == 0
    assert main([*argv, "--jobs", "3"]) == 0
    assert calls == [1, 3]
    capsys.readouterr()


@pytest.mark.parametrize("jobs", ["0", "-2", "two", "1.5"])
def test_bad_jobs(tmp_path: Path, jobs: str) -> None:
    path = write(tmp_path, GOOD_CSV)
    proc = run("solve", path, "--hidden", "2", "--lam", "0.1", f"--jobs={jobs}")
    assert_input_error(proc, "--jobs must be an integer >= 1", repr(jobs))


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["verify"], ["required"]),
        (["verify", "nope.json"], ["result file not found", "nope.json"]),
        (["verify", "nope.json", "nope.csv"], ["result file not found", "nope.json"]),
    ],
    ids=["no-args", "no-data-missing-result", "missing-result"],
)
def test_verify_bad_usage(tmp_path: Path, args: list[str], needles: list[str]) -> None:
    assert_input_error(run(*args, cwd=tmp_path), *needles)


def test_verify_not_a_result(tmp_path: Path) -> None:
    result = write(tmp_path, "[1, 2, 3]\n", name="result.json")
    data = write(tmp_path, GOOD_CSV)
    assert_input_error(run("verify", result, data), "result", "result.json")


def test_verify_help_shows_example() -> None:
    proc = run("verify", "--help")
    assert proc.returncode == 0, proc.stderr
    out = " ".join(proc.stdout.split())
    assert "reluscape verify result.json data.csv" in out
    assert "can refute a claim" in out and "does not prove" in out


def _fake_pipeline(monkeypatch: pytest.MonkeyPatch, calls: list) -> None:
    import types

    import reluscape.execution

    def solve(problem, **options):
        calls.append(options)
        if options.get("progress") is not None:  # as the pipeline does when faces start
            options["progress"](0, 231, 0.0)
        return _fake_result(problem, complete=True)

    fake = types.ModuleType("reluscape.execution.pipeline")
    fake.solve = solve
    monkeypatch.setitem(sys.modules, "reluscape.execution.pipeline", fake)
    monkeypatch.setattr(reluscape.execution, "pipeline", fake, raising=False)


def test_dry_run_of_50_units_answers_with_the_counts(tmp_path: Path) -> None:
    import time
    from math import comb

    start = time.perf_counter()
    proc = run("solve", write(tmp_path, GOOD_CSV), "--hidden", "50", "--lam", "1", "--dry-run")
    assert time.perf_counter() - start < 20  # a Python start-up and a formula, on a busy machine
    assert proc.returncode == 0, proc.stderr
    assert "estimated wall time about" in proc.stdout and "peak memory" in proc.stdout
    orbits = comb(21 + 49, 50)  # 4 n + 1 = 21 faces per unit
    mantissa = f"{orbits / 10 ** (len(str(orbits)) - 1):.1f}"
    assert "L = 50: 21 faces per unit" in proc.stdout
    assert f"about {mantissa}e+{len(str(orbits)) - 1} orbits" in proc.stdout


def test_work_over_the_limit_is_refused_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from reluscape.cli import HOURS_LIMIT, main

    calls: list = []
    _fake_pipeline(monkeypatch, calls)
    argv = ["solve", write(tmp_path, GOOD_CSV), "--hidden", "50", "--lam", "1"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("reluscape: error: this run would process")
    assert f"more than the limit of {HOURS_LIMIT:g} h" in err and "--force" in err
    assert "estimated wall time" in err
    assert calls == []
    assert main([*argv, "--force", "--quiet"]) == 0
    assert len(calls) == 1


def test_the_estimate_is_printed_when_the_work_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from reluscape.cli import main

    _fake_pipeline(monkeypatch, [])
    assert main(["solve", write(tmp_path, GOOD_CSV), "--hidden", "2", "--lam", "1"]) == 0
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith("reluscape: realizable division, L = 2: 21 faces per unit")
    assert "231 orbits" in first and "estimated wall time" in first and "peak memory" in first


def test_L4_n20_is_refused_with_its_estimate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 29: L = 4, n = 20 (1.58 million orbits) started without a word. Now it is
    refused with its estimate (over the limit), or starts with the estimate as its first
    line (under it, on a table measured on a faster machine)."""
    from reluscape.cli import HOURS_LIMIT, main
    from reluscape.data import load_problem
    from reluscape.exact.counting import estimate
    from reluscape.execution.costs import estimate_cost

    calls: list = []
    _fake_pipeline(monkeypatch, calls)
    csv = "x,y\n" + "".join(f"{k / 10 - 1},{(7 * k) % 5 - 2}\n" for k in range(20))
    path = write(tmp_path, csv)
    code = main(["solve", path, "--hidden", "4", "--lam", "1"])
    err = capsys.readouterr().err
    assert "estimated wall time" in err.splitlines()[0] and "h, peak memory" in err
    X = load_problem(path, hidden=4, lam=1).X
    hours = estimate_cost(estimate(X, hidden=4).orbits, hidden=4, d=1).hours
    if hours > HOURS_LIMIT:
        assert code == 2 and err.count("\n") == 1 and calls == []
    else:
        assert code == 0 and len(calls) == 1


def test_report_data_is_optional(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from reluscape.cli import main
    from reluscape.numerical import report

    seen: list = []

    def report_from_files(result, data, out, **options):
        seen.append((result, data, out))
        return Path(out) / "index.html"

    monkeypatch.setattr(report, "report_from_files", report_from_files)
    assert main(["report", "r.json", "--out", str(tmp_path / "rep")]) == 0
    assert main(["report", "r.json", "d.csv", "--out", str(tmp_path / "rep")]) == 0
    assert seen == [
        ("r.json", None, str(tmp_path / "rep")),
        ("r.json", "d.csv", str(tmp_path / "rep")),
    ]
    assert capsys.readouterr().out.startswith("reluscape: report written to")


@pytest.mark.parametrize(
    "error",
    [
        OverflowError("(34, 'Numerical result out of range')"),
        ZeroDivisionError("float division by zero"),
    ],
)
def test_verify_overflow_is_unusable_input_not_a_refutation(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], error: Exception
) -> None:
    from reluscape.cli import main
    from reluscape.numerical import verify

    def fails(*args, **kwargs):
        raise error

    monkeypatch.setattr(verify, "verify", fails)
    assert main(["verify", "r.json", "d.csv", "--quiet"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("reluscape: error: verify cannot handle the numbers")
    assert type(error).__name__ in line


def test_verify_data_is_optional(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from reluscape.cli import main
    from reluscape.numerical import verify

    seen: list = []

    class Passed:
        passed = True

        def table(self) -> str:
            return "table"

    def fake(result, data=None, *, progress=None):
        seen.append((result, data))
        return Passed()

    monkeypatch.setattr(verify, "verify", fake)
    assert main(["verify", "r.json", "--quiet"]) == 0
    assert main(["verify", "r.json", "d.csv", "--quiet"]) == 0
    assert seen == [("r.json", None), ("r.json", "d.csv")]
    assert capsys.readouterr().out == "table\ntable\n"


# --- global's work limit and the float range of global and compare (issue 31, items 2, 5)

FOUR = "x,y\n0,1\n1,0\n2,1\n3,3\n"


@pytest.mark.parametrize("hidden", ["40", "1000"])
def test_global_over_its_work_limit_is_refused_before_it_starts(
    tmp_path: Path, hidden: str
) -> None:
    """4 samples: 16 chamber-sign pairs, C(55, 40) = 1.4 10^13 pieces at L = 40, far more
    at L = 1000 (23.6 GB and a traceback when the search listed its pieces)."""
    proc = run("global", write(tmp_path, FOUR), "--hidden", hidden, "--lam", "1")
    assert_input_error(proc, "pieces", "100,000,000,000", "--force")


def test_global_dry_run_of_a_huge_network_answers_at_once(tmp_path: Path) -> None:
    proc = run("global", write(tmp_path, FOUR), "--hidden", "100000000", "--lam", "1", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("reluscape: global, L = 100000000: about ")
    assert proc.stdout.strip().endswith("pieces to search")


@pytest.mark.parametrize("command", ["global", "compare"])
@pytest.mark.parametrize(
    ("data", "lam", "needles"),
    [
        ("x,y\n0,1\n1e400,0\n2,1\n", "1", ["x[1][0] = 1.0e+400"]),
        ("x,y\n0,1\n1,1e200\n2,1\n", "1", ["y[1] = 1.0e+200"]),
        (FOUR, "1e400", ["lambda (sum convention) = 1.0e+400"]),
        (FOUR, "1e-400", ["lambda (sum convention) = 1.0e-400"]),
    ],
    ids=["x-1e400", "y-1e200", "lam-1e400", "lam-1e-400"],
)
def test_numbers_the_floats_cannot_hold_are_refused_by_name(
    tmp_path: Path, command: str, data: str, lam: str, needles: list[str]
) -> None:
    """OverflowError, LinAlgError and cvxpy's SolverError tracebacks (exit 1) before."""
    proc = run(command, write(tmp_path, data), "--hidden", "1", "--lam", lam)
    assert_input_error(proc, "floating point", *needles)


def test_a_float_failure_inside_the_work_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Behind the range check, a float tool that still fails (a singular system) is
    unusable input, one line and exit 2, not a traceback."""
    import numpy as np

    from reluscape import global_search
    from reluscape.cli import main

    def singular(problem, **options):
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(global_search, "global_minimum", singular)
    assert main(["global", write(tmp_path, FOUR), "--hidden", "1", "--lam", "1"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("reluscape: error: global cannot handle") and "Singular" in line


def test_compare_global_has_the_work_limit_of_global(tmp_path: Path) -> None:
    proc = run("compare", write(tmp_path, FOUR), "--hidden", "40", "--lam", "1", "--global")
    assert_input_error(proc, "compare --global would search", "pieces", "global --force")


def test_the_summary_time_is_the_whole_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The pipeline reports 0.0 s of its own, the command took longer (reading, loading,
    here a sleep outside the stages): the summary and the document say the whole run, and
    every stage's time."""
    import json
    import re
    import time
    import types

    import reluscape.execution
    from reluscape.cli import main

    def solve(problem, **options):
        time.sleep(0.3)
        result = _fake_result(problem, complete=True)
        result.stats["timings"] = {"divide": 0.0, "enumerate": 0.0, "verify": 0.0, "total": 0.0}
        return result

    fake = types.ModuleType("reluscape.execution.pipeline")
    fake.solve = solve
    monkeypatch.setitem(sys.modules, "reluscape.execution.pipeline", fake)
    monkeypatch.setattr(reluscape.execution, "pipeline", fake, raising=False)
    out = tmp_path / "r.json"
    argv = ["solve", write(tmp_path, GOOD_CSV), "--hidden", "1", "--lam", "1", "--quiet"]
    assert main([*argv, "--out", str(out)]) == 0
    line = re.search(r"time (\S+) s \(divide 0.0 s, enumerate 0.0 s, verify 0.0 s summed",
                     capsys.readouterr().out)  # fmt: skip
    assert line is not None and float(line.group(1)) >= 0.3
    assert json.loads(out.read_text())["stats"]["timings"]["total"] >= 0.3


def _stderr_on_a_terminal(args: list[str], columns: int = 100) -> str:
    """Run ``python -m reluscape ARGS`` with stderr on a pseudo-terminal of ``columns``
    columns (0: one that reports no size); its text."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    main_fd, child_fd = pty.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "reluscape", *args],
        stdout=subprocess.DEVNULL, stderr=child_fd, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(child_fd)
    chunks = []
    while True:
        try:
            chunk = os.read(main_fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main_fd)
    assert proc.wait(timeout=120) == 0
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.slow  # three whole solves in subprocesses
def test_progress_bar_on_a_terminal_and_none_with_quiet(tmp_path: Path) -> None:
    """End to end: solve on a terminal draws the faces' bar after the plan line;
    --quiet draws nothing."""
    args = ["solve", write(tmp_path, GOOD_CSV), "--hidden", "1", "--lam", "1"]
    for columns in (100, 0):  # 0: a terminal that reports no width gets 80 columns
        shown = _stderr_on_a_terminal(args, columns)
        assert shown.startswith("reluscape: realizable division") and "\r" in shown
        assert "faces" in shown and "21/21" in shown
    assert _stderr_on_a_terminal([*args, "--quiet"]) == ""

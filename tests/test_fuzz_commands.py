"""Fuzz over every command's arguments: the command-line contract always holds.

Whatever the arguments (values of every option, missing and extra ones, unusable
paths), a command exits 0, 1 or 2, an error is one ``reluscape: error:`` line on
stderr, and nothing escapes as a traceback (an exception out of :func:`main`). File
contents are fuzzed elsewhere (tests/test_data.py); here the files are a few fixed ones.
``compare``'s three methods are replaced by a small fixed comparison (its arguments,
checks and output are what is fuzzed; its work takes half a minute per run).
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reluscape.cli import main

INTS = ["0", "1", "2", "-1", "1.5", "abc", "", "1e400", "+1", " 2 ", "0x10", "٣"]
LAMS = ["1", "1/10", "0", "-1", "1e400", "1e-400", "1e999999999", "abc", "1/0", "nan",
        "inf", "0.1", "", "3/-4", "1_0"]  # fmt: skip
TIMEOUTS = ["0", "1", "60", "-1", "nan", "inf", "abc", "1e400", ""]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from reluscape.data import make_problem
    from reluscape.execution.pipeline import solve

    tmp = tmp_path_factory.mktemp("fuzz")
    (tmp / "data.csv").write_text("x,y\n0,1\n1,0\n")
    (tmp / "bad.csv").write_text("x,y\n0,abc\n")
    (tmp / "garbage.json").write_text("{not json")
    (tmp / "dir").mkdir()
    result = solve(make_problem([[0], [1]], [1, 0], hidden=1, lam="1/10"), face_timeout=None)
    result.save(tmp / "result.json")
    paths = {
        "data": tmp / "data.csv", "bad": tmp / "bad.csv", "garbage": tmp / "garbage.json",
        "result": tmp / "result.json", "dir": tmp / "dir", "missing": tmp / "missing.csv",
        "out": tmp / "out.json", "in_missing": tmp / "nowhere" / "out.json",
        "below_file": tmp / "data.csv" / "sub", "proc": Path("/proc/out.json"),
        "devnull": Path("/dev/null"), "report_dir": tmp / "report",
    }  # fmt: skip
    return {k: str(v) for k, v in paths.items()}


def _option(name: str, values: list[str]) -> st.SearchStrategy[list[str]]:
    return st.sampled_from(values).map(lambda v: [name, v])


def _argv(files: dict[str, str]) -> st.SearchStrategy[list[str]]:
    f = files
    inputs = [f["data"], f["bad"], f["missing"], f["dir"], f["garbage"]]
    results = [f["result"], f["garbage"], f["missing"], f["data"], f["dir"]]
    outs = [f["out"], f["in_missing"], f["dir"], f["below_file"], f["proc"], f["devnull"]]
    dirs = [f["report_dir"], f["below_file"], f["data"], f["proc"]]
    problem = [
        _option("--hidden", [*INTS, "1000", "100000000"]),
        _option("--lam", LAMS),
        _option("--convention", ["sum", "mean", "avg"]),
        _option("--out", outs),
        st.just(["--quiet"]),
    ]
    common = {
        "solve": [
            *problem,
            _option("--face-timeout", TIMEOUTS),
            _option("--partitions", ["realizable", "naive", "x"]),
            _option("--jobs", ["0", "1", "-1", "x", "1.5"]),
            _option("--checkpoint", [f["report_dir"], f["data"], f["below_file"]]),
            _option("--report", dirs),
            st.sampled_from([["--dry-run"], ["--force"], ["--census"], ["--bogus"]]),
        ],
        "global": [
            *problem,
            _option("--face-timeout", TIMEOUTS),
            _option("--jobs", ["0", "1", "-1", "x"]),
            _option("--starts", ["0", "1", "2", "-3", "x"]),
            _option("--time-limit", ["0", "0.001", "-1", "x", "nan"]),
            _option("--checkpoint", [f["report_dir"], f["data"], f["below_file"]]),
            st.sampled_from([["--dry-run"], ["--force"], ["--bogus"]]),
        ],
        "compare": [
            *problem,
            _option("--starts", ["0", "1", "-3", "x", "1e3"]),
            _option("--seed", ["0", "-1", "x", "7"]),
            _option("--result", results),
            st.just(["--global"]),
        ],
        "verify": [st.just(["--quiet"]), st.just(["--bogus"])],
        "report": [
            _option("--out", dirs),
            _option("--compare", [f["garbage"], f["missing"], f["result"]]),
            _option("--slice", ["B_0,c_0", "x", "B_9,B_0", "c_0,c_0", ""]),
        ],
        "example": [_option("--out", outs), st.just(["--quiet"])],
        # The two new commands (issue 31: the held-out adversarial set covers them too);
        # their valid runs stay small: two points, L <= 2, few samples.
        "path": [
            _option("--hidden", [*INTS]),
            _option("--lam-range", ["1:2", "1/10:1", "2:1", "0:1", "1", "a:b", "1:1e400", ""]),
            _option("--convention", ["sum", "mean", "avg"]),
            _option("--samples", ["2", "3", "1", "0", "x", "1e400"]),
            _option("--width", ["1/10", "0", "-1", "x"]),
            _option("--max-solves", ["2", "4", "1", "x"]),
            _option("--jobs", ["0", "1", "x"]),
            _option("--face-timeout", TIMEOUTS),
            _option("--checkpoint", [f["report_dir"], f["data"], f["below_file"]]),
            _option("--out", outs),
            st.sampled_from([["--force"], ["--quiet"], ["--bogus"]]),
        ],
        "study": [
            _option("--data", [f["data"], f["missing"], "random:n=2:d=1", "random:n=x",
                               "teacher:n=2", "nosuch:n=3", ""]),
            _option("--seeds", ["1", "2", "0", "-1", "x"]),
            _option("--hidden", ["1", "1..2", "0", "x", "2..1", ""]),
            _option("--lam", ["1/10", "1/10,1", "0", "x", "1e400", ""]),
            _option("--convention", ["sum", "mean", "sum,mean", "avg"]),
            _option("--grid", [f["garbage"], f["missing"], f["data"]]),
            _option("--out", [f["report_dir"], f["below_file"], f["data"], f["proc"]]),
            _option("--format", ["csv", "parquet", "xls"]),
            _option("--jobs", ["1", "0", "x"]),
            st.sampled_from([["--quiet"], ["--bogus"]]),
        ],
    }
    positional = {
        "solve": st.lists(st.sampled_from(inputs), max_size=2),
        "global": st.lists(st.sampled_from(inputs), max_size=2),
        "compare": st.lists(st.sampled_from(inputs), max_size=2),
        "verify": st.lists(st.sampled_from(results + inputs[:1]), max_size=3),
        "report": st.lists(st.sampled_from(results + inputs[:1]), max_size=3),
        "example": st.lists(st.sampled_from(inputs), max_size=1),
        "path": st.lists(st.sampled_from(inputs), max_size=2),
        "study": st.lists(st.sampled_from(inputs), max_size=1),
    }

    def command(name: str) -> st.SearchStrategy[list[str]]:
        options = st.lists(st.one_of(*common[name]), max_size=5).map(
            lambda chosen: [a for option in chosen for a in option]
        )
        return st.tuples(positional[name], options).map(lambda t: [name, *t[0], *t[1]])

    return st.sampled_from(sorted(common)).flatmap(command)


@pytest.fixture
def fast_compare(monkeypatch: pytest.MonkeyPatch) -> None:
    from test_output import fake_comparison  # tests/ is on the path (rootdir-relative imports)

    from reluscape.numerical import compare

    monkeypatch.setattr(compare, "compare", lambda problem, **options: fake_comparison(problem))


@pytest.mark.slow
def test_every_command_keeps_the_contract(files: dict[str, str], fast_compare: None) -> None:
    @settings(
        max_examples=120,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(argv=_argv(files))
    def check(argv: list[str]) -> None:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)  # an exception here is the traceback a user would see
        text = err.getvalue()
        assert code in (0, 1, 2), (argv, code, text)
        assert "Traceback" not in text, (argv, text)
        errors = [line for line in text.splitlines() if line.startswith("reluscape: error:")]
        assert len(errors) == (1 if code == 2 else 0), (argv, code, text)

    check()

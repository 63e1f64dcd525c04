"""The result is never lost: --out is checked before the work, written through symbolic
links, never onto a read-only file or a device, and a closed stdout costs nothing."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import pytest

from reluscape.cli import main
from reluscape.schema import Result

DATA = "x,y\n0,1\n1,0\n"
SOLVE = ["--hidden", "1", "--lam", "1/10", "--face-timeout", "0", "--quiet"]


def _data(tmp_path: Path) -> str:
    path = tmp_path / "data.csv"
    path.write_text(DATA)
    return str(path)


@pytest.fixture
def no_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pipeline that fails the test if called: refusals must come before any work."""

    def solve(*args: object, **kwargs: object) -> None:
        raise AssertionError("the computation started before --out was refused")

    import reluscape.execution

    fake = types.ModuleType("reluscape.execution.pipeline")
    fake.solve = solve  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "reluscape.execution.pipeline", fake)
    monkeypatch.setattr(reluscape.execution, "pipeline", fake, raising=False)


def _refused(
    tmp_path: Path, out: Path | str, capsys: pytest.CaptureFixture[str], *needles: str
) -> None:
    code = main(["solve", _data(tmp_path), *SOLVE, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reluscape: error: --out"), err
    for needle in needles:
        assert needle in lines[0]


def test_written_through_a_symlink(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "kept" / "result.json"
    target.parent.mkdir()
    target.write_text("old")
    target.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert main(["solve", _data(tmp_path), *SOLVE, "--out", str(link)]) == 0
    assert link.is_symlink() and link.resolve() == target
    assert Result.from_json(target.read_text()).complete
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the file's mode is kept
    assert sorted(p.name for p in target.parent.iterdir()) == ["result.json"]  # no temp left


def test_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    target = tmp_path / "new.json"
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert main(["solve", _data(tmp_path), *SOLVE, "--out", str(link)]) == 0
    assert link.is_symlink() and Result.from_json(target.read_text()).complete


def test_read_only_file_is_refused_before_the_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_work: None
) -> None:
    """Refused by its permission bits, also for root (who could write it)."""
    out = tmp_path / "result.json"
    out.write_text("keep me")
    out.chmod(0o444)
    _refused(tmp_path, out, capsys, "read-only", str(out))
    assert out.read_text() == "keep me"


def test_read_only_file_behind_a_symlink_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_work: None
) -> None:
    out = tmp_path / "result.json"
    out.write_text("keep me")
    out.chmod(0o400)
    link = tmp_path / "link.json"
    link.symlink_to(out)
    _refused(tmp_path, link, capsys, "read-only")
    assert out.read_text() == "keep me"


def test_fifo_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], no_work: None) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _refused(tmp_path, fifo, capsys, "not a regular file")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_device_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_work: None
) -> None:
    _refused(tmp_path, os.devnull, capsys, "not a regular file", os.devnull)
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_directory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_work: None
) -> None:
    _refused(tmp_path, tmp_path, capsys, "is a directory")


def test_read_only_directory_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_work: None
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        _refused(tmp_path, locked / "result.json", capsys, "read-only", str(locked))
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


@pytest.mark.parametrize(
    ("relative", "needle"),
    [("missing/result.json", "does not exist"), ("data.csv/result.json", "not a directory")],
)
def test_missing_or_non_directory_parent_is_refused(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_work: None,
    relative: str,
    needle: str,
) -> None:
    _data(tmp_path)
    _refused(tmp_path, tmp_path / relative, capsys, needle)


def test_unwritable_file_system_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_work: None
) -> None:
    """/proc refuses new files to everyone, root included."""
    _refused(tmp_path, "/proc/result.json", capsys, "/proc")


def _solve_cmd(tmp_path: Path) -> list[str]:
    out = tmp_path / "r.json"
    return [sys.executable, "-m", "reluscape", "solve", _data(tmp_path), *SOLVE, "--out", str(out)]


def test_closed_stdout_keeps_the_file_and_the_exit_code(tmp_path: Path) -> None:
    """stdout is a pipe whose reader is gone before anything is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            _solve_cmd(tmp_path), stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=300
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr
    assert Result.from_json((tmp_path / "r.json").read_text()).complete


def test_piped_into_head(tmp_path: Path) -> None:
    """``solve ... --out r.json | head -1``: the exit code is solve's own."""
    command = " ".join(f"'{a}'" for a in _solve_cmd(tmp_path))
    proc = subprocess.run(
        ["bash", "-c", f"{command} | head -1; exit ${{PIPESTATUS[0]}}"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("reluscape: L = 1") and proc.stdout.count("\n") == 1
    assert "Traceback" not in proc.stderr
    assert Result.from_json((tmp_path / "r.json").read_text()).complete


def test_a_write_that_fails_after_the_work_saves_the_result_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The --out directory disappears during the run: exit 2, and the result is kept."""
    import shutil

    import reluscape.execution
    from reluscape.execution import pipeline

    gone = tmp_path / "gone"
    gone.mkdir()
    real = pipeline.solve

    def solve(problem, **options):
        result = real(problem, **options)
        shutil.rmtree(gone)
        return result

    fake = types.ModuleType("reluscape.execution.pipeline")
    fake.solve = solve  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "reluscape.execution.pipeline", fake)
    monkeypatch.setattr(reluscape.execution, "pipeline", fake, raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # TMPDIR is read again
    code = main(["solve", _data(tmp_path), *SOLVE, "--out", str(gone / "r.json")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0, err
    assert "does not exist" in err and "the result was saved to" in err
    rescue = Path(err.rsplit("saved to ", 1)[1].removesuffix(" instead"))
    assert rescue.parent == tmp_path and Result.from_json(rescue.read_text()).complete


# --- Every command keeps its work: global and compare as solve (issue 31, items 6, 7, 12, 17)


def _no_temporary_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Called after the work (which needs it): the temporary directory is gone, so the
    rescue copy must go to the working directory."""
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path / "no-such-tmp"))
    monkeypatch.setenv("HOME", str(tmp_path / "no-such-home"))


def _in_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)


def _rescued(err: str, what: str) -> Path:
    line = err.strip().splitlines()[-1]
    assert line.startswith("reluscape: error: --out") and f"the {what} was saved to" in line
    return Path(line.rsplit("saved to ", 1)[1].removesuffix(" instead"))


def test_global_keeps_its_result_when_the_write_fails_after_the_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--out's directory disappears during the run: the summary is printed, the result
    saved in the working directory (the temporary one is gone too), exit 2."""
    import shutil

    from reluscape import global_search

    gone = tmp_path / "gone"
    gone.mkdir()
    real = global_search.global_minimum

    def global_minimum(problem, **options):
        result = real(problem, **options)
        shutil.rmtree(gone)
        _no_temporary_directory(tmp_path, monkeypatch)
        return result

    monkeypatch.setattr(global_search, "global_minimum", global_minimum)
    _in_cwd(tmp_path, monkeypatch)
    argv = ["global", _data(tmp_path), *SOLVE, "--starts", "2", "--out", str(gone / "g.json")]
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert "global minimum" in captured.out and "certified" in captured.out
    rescue = _rescued(captured.err, "result")
    assert rescue.parent == tmp_path / "cwd"
    assert Result.from_json(rescue.read_text()).global_minimum.certified


def fake_comparison(problem: object) -> object:
    """A small, consistent comparison (the methods faked: only the command is tested)."""
    from reluscape.numerical.compare import Comparison

    section = {
        "runs": 1, "basins": {}, "stuck_at_saddles_or_kinks": 1, "not_converged": 0,
        "not_probed": 0, "dead_unit_runs": [], "possible_bugs": [],
        "max_assigned_distance": 0.0, "match_tolerance": 1e-4,
    }  # fmt: skip
    convex = {
        "solver": "fake", "patterns": 2, "p_star": 0.1, "gap": 0.0, "slack": 1e-6,
        "neurons_needed": 1, "L_large_enough": True, "bound_holds": True,
        "equal_to_global": True,
    }  # fmt: skip
    return Comparison(
        problem=problem.describe(),  # type: ignore[attr-defined]
        starts=1,
        seed=0,
        enumeration={"method": "enumeration", "complete": True, "minima": []},
        multistart=section,
        adam={"status": "skipped"},
        convex=convex,
        global_comparison=None,
        possible_bugs=[],
        unmatchable_sets=[],
        timings={"multistart": 0.0},
    )


@pytest.fixture
def fake_compare(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """compare's methods replaced by :func:`fake_comparison`; the list collects paths to
    remove once the work is done (a directory that disappears during the run)."""
    import shutil

    from reluscape.numerical import compare

    remove: list[Path] = []

    def fake(problem, **options):
        for path in remove:
            shutil.rmtree(path)
        return fake_comparison(problem)

    monkeypatch.setattr(compare, "compare", fake)
    return remove


def test_compare_keeps_its_comparison_when_the_write_fails_after_the_work(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fake_compare: list[Path],
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    fake_compare.append(gone)
    _in_cwd(tmp_path, monkeypatch)
    _no_temporary_directory(tmp_path, monkeypatch)
    code = main(["compare", _data(tmp_path), "--hidden", "1", "--lam", "1",
                 "--out", str(gone / "c.json")])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert "p* = 0.1" in captured.out
    rescue = _rescued(captured.err, "comparison")
    assert rescue.parent == tmp_path / "cwd"
    assert json.loads(rescue.read_text())["convex"]["p_star"] == 0.1


def _limited(max_bytes: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))


def test_a_full_disk_everywhere_still_prints_the_summary_and_leaves_no_partial_file(
    tmp_path: Path,
) -> None:
    """Every file is limited to 200 bytes (RLIMIT_FSIZE: the disk is full for anything
    larger): --out and every rescue place fail midway. The summary is printed, the error
    says the file is missing, exit 2, and no truncated copy is left anywhere."""
    places = {name: tmp_path / name for name in ("tmp", "cwd", "home", "out")}
    for place in places.values():
        place.mkdir()
    env = {**os.environ, "TMPDIR": str(places["tmp"]), "HOME": str(places["home"])}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "reluscape", "solve", _data(tmp_path), *SOLVE,
         "--out", str(places["out"] / "r.json")],
        capture_output=True, text=True, timeout=300, env=env, cwd=places["cwd"],
        preexec_fn=lambda: _limited(200),
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout.startswith("reluscape: L = 1")
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("reluscape: error: --out") and "the result file is missing" in line
    for place in places.values():  # Sage keeps its own ~/.sage
        assert [p for p in place.rglob("*") if p.is_file() and ".sage" not in p.parts] == []


def test_compare_writes_before_it_prints(tmp_path: Path, fake_compare: list[Path]) -> None:
    """stdout closed before anything is written (as `| head -1` ends up): the comparison
    is written, no BrokenPipeError, exit 0."""
    out = tmp_path / "c.json"
    read_end, write_end = os.pipe()
    os.close(read_end)
    saved = sys.stdout
    try:
        sys.stdout = os.fdopen(write_end, "w")
        code = main(["compare", _data(tmp_path), "--hidden", "1", "--lam", "1", "--out", str(out)])
    finally:
        broken, sys.stdout = sys.stdout, saved
        with contextlib.suppress(OSError):
            broken.close()
    assert code == 0
    assert json.loads(out.read_text())["starts"] == 1


@pytest.mark.parametrize("command", ["solve", "global", "compare"])
def test_every_output_path_is_checked_before_the_work(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_work: None,
    command: str,
) -> None:
    """--report below a file, or --out in a missing directory: refused in one line before
    any work (the library functions fail the test if called)."""
    from reluscape import global_search
    from reluscape.numerical import compare

    def no(*args: object, **kwargs: object) -> None:
        raise AssertionError("the work started before the output was refused")

    monkeypatch.setattr(global_search, "global_minimum", no)
    monkeypatch.setattr(compare, "compare", no)
    data = _data(tmp_path)
    args = [command, data, "--hidden", "1", "--lam", "1"]
    cases = [["--out", str(tmp_path / "missing" / "r.json")]]
    if command == "solve":
        cases.append(["--report", f"{data}/sub"])
    for extra in cases:
        assert main([*args, *extra]) == 2
        (line,) = capsys.readouterr().err.strip().splitlines()
        assert line.startswith(f"reluscape: error: {extra[0]}"), line

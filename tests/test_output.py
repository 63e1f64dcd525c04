"""The result is never lost: --out is checked before the work, written through symbolic
links, never onto a read-only file or a device, and a closed stdout costs nothing."""

from __future__ import annotations

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

"""HTML report: index.html parses, every referenced figure is a non-empty PNG, CLI errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reluscape import pipeline
from reluscape.data import InputError, load_problem
from reluscape.report import face_type, report_from_files, write_report

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
D1 = DATA / "d1_n5.csv"
D2 = DATA / "d2_n6.csv"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
VOID = {"meta", "img", "br", "hr", "link", "input"}

pytestmark = pytest.mark.skipif(not D1.exists(), reason=f"shared data not found in {DATA}")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.images: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(dict(attrs)["src"] or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unbalanced </{tag}>, open: {self.stack[-3:]}")
        else:
            self.stack.pop()


def check_report(index: Path) -> list[str]:
    checker = _Checker()
    checker.feed(index.read_text(encoding="utf-8"))
    checker.close()
    assert not checker.errors, checker.errors
    assert not checker.stack, checker.stack
    assert checker.images
    for src in checker.images:
        assert not src.startswith(("/", "http")), src
        png = index.parent / src
        data = png.read_bytes()
        assert len(data) > 100 and data.startswith(PNG_SIGNATURE), src
    return checker.images


@pytest.fixture(scope="module")
def d1(tmp_path_factory):
    problem = load_problem(D1, hidden=2, lam="1/10")
    result = pipeline.solve(problem, face_timeout=60, jobs=2)
    path = tmp_path_factory.mktemp("d1") / "result.json"
    result.save(path)
    return problem, result, path


@pytest.fixture(scope="module")
def d2(tmp_path_factory):
    problem = load_problem(D2, hidden=1, lam="1/10")
    result = pipeline.solve(problem, face_timeout=60)
    path = tmp_path_factory.mktemp("d2") / "result.json"
    result.save(path)
    return problem, result, path


def test_report_d1(d1, tmp_path):
    problem, result, _ = d1
    index = write_report(result, problem, tmp_path / "rep")
    images = check_report(index)
    assert len(images) == 2 * len(result.minima)
    text = index.read_text(encoding="utf-8")
    assert "complete" in text
    if any(m.dimension > 0 for m in result.minima):
        assert "same function" in text


def test_report_d2(d2, tmp_path):
    problem, result, _ = d2
    index = write_report(result, problem, tmp_path / "rep")
    assert len(check_report(index)) == 2 * len(result.minima)


def test_face_type():
    assert face_type([{"kind": "chamber"}, {"kind": "origin"}]) == "interior"
    assert face_type([{"kind": "boundary"}]) == "boundary"


def test_report_from_files_different_data(d2, tmp_path):
    _, _, path = d2
    with pytest.raises(InputError, match="different data"):
        report_from_files(path, D1, tmp_path / "rep")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reluscape", *args], capture_output=True, text=True, timeout=120
    )


def assert_input_error(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reluscape: error:"), proc.stderr


def test_cli_report(d2, tmp_path):
    _, _, path = d2
    proc = run("report", str(path), str(D2), "--out", str(tmp_path / "rep"))
    assert proc.returncode == 0, proc.stderr
    check_report(tmp_path / "rep" / "index.html")


def test_cli_report_bad_input(d2, tmp_path):
    _, _, path = d2
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    assert_input_error(run("report", str(bad), str(D2), "--out", str(tmp_path / "r1")))
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["minima"][0]["point"]["B"] = "oops"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    assert_input_error(run("report", str(bad), str(D2), "--out", str(tmp_path / "r2")))
    del doc["minima"][0]["face"]
    bad.write_text(json.dumps(doc), encoding="utf-8")
    assert_input_error(run("report", str(bad), str(D2), "--out", str(tmp_path / "r3")))
    # the output directory is an existing file
    assert_input_error(run("report", str(path), str(D2), "--out", str(path)))
    assert_input_error(run("report", str(tmp_path / "missing.json"), str(D2), "--out", "r"))


def test_cli_solve_report(tmp_path):
    proc = run(
        "solve",
        str(D2),
        "--hidden",
        "1",
        "--lam",
        "1/10",
        "--quiet",
        "--report",
        str(tmp_path / "rep"),
    )
    assert proc.returncode == 0, proc.stderr
    check_report(tmp_path / "rep" / "index.html")


CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed")
def test_chromium_renders(d2, tmp_path):
    problem, result, _ = d2
    index = write_report(result, problem, tmp_path / "rep")
    proc = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            index.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "<img" in proc.stdout
    # Chromium logs every console message of the page as ":CONSOLE" on stderr.
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    assert not console, console
    assert shutil.which(str(CHROMIUM))

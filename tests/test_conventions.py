"""Every loss shown or stored is in the convention the user asked for (issue 31, item 3).

The mean-convention problem with lambda is the sum-convention problem with n lambda, its
losses n times smaller (docs/METHOD.md section 1): these tests run both and compare.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from reluscape.schema import Result

DATA = "x,y\n0,0\n1,1\n2,0\n"  # n = 3
SUM = ["--hidden", "1", "--lam", "1/10", "--convention", "sum"]
MEAN = ["--hidden", "1", "--lam", "1/30", "--convention", "mean"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "reluscape", *args], capture_output=True, text=True, timeout=600
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def _losses(text: str) -> list[float]:
    """The loss column of a table of minima (rows: id, loss, dim, ...)."""
    return [float(m.group(1)) for m in re.finditer(r"^\s+\d+\s+(\d+\.\d{10})\s", text, re.M)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("conventions")
    data = tmp / "data.csv"
    data.write_text(DATA)
    out = {"data": data}
    for name, args in (("sum", SUM), ("mean", MEAN)):
        doc = tmp / f"{name}.json"
        proc = _run("solve", str(data), *args, "--face-timeout", "0", "--quiet", "--out", str(doc))
        assert proc.returncode == 0, proc.stderr
        out[name] = (proc.stdout, doc)
    return out


def test_solve_shows_mean_losses(runs: dict) -> None:
    """Before: "(mean convention)" above sum-convention losses, n times too large."""
    (sum_text, _), (mean_text, _) = runs["sum"], runs["mean"]
    assert "(mean convention)" in mean_text
    sums, means = _losses(sum_text), _losses(mean_text)
    assert len(sums) == len(means) == 2
    assert means == pytest.approx([v / 3 for v in sums], abs=2e-10)


def test_the_document_stores_mean_losses_and_round_trips(runs: dict) -> None:
    (_, sum_doc), (_, mean_doc) = runs["sum"], runs["mean"]
    raw_sum, raw_mean = json.loads(sum_doc.read_text()), json.loads(mean_doc.read_text())
    for s, m in zip(raw_sum["minima"], raw_mean["minima"], strict=True):
        assert m["loss"] == pytest.approx(s["loss"] / 3, rel=1e-12)
        assert m["loss_sum"] == s["loss"] and "loss_sum" not in s  # the other, labelled
        assert [Fraction(v) for v in m["loss_interval"]] == [
            Fraction(v) / 3 for v in s["loss_interval"]
        ]
    read = Result.read(mean_doc)  # sum-convention losses inside, as the computation
    assert json.loads(read.to_json()) == raw_mean
    assert [m.loss for m in read.minima] == [m.loss for m in Result.read(sum_doc).minima]


def test_verify_rechecks_a_mean_document(runs: dict) -> None:
    _, mean_doc = runs["mean"]
    proc = _run("verify", str(mean_doc), str(runs["data"]), "--quiet")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_verify_shows_mean_losses(runs: dict) -> None:
    """Before: verify's table showed the sum-convention loss of a mean document."""
    (_, sum_doc), (_, mean_doc) = runs["sum"], runs["mean"]
    tables = [_run("verify", str(doc), "--quiet").stdout for doc in (sum_doc, mean_doc)]
    assert "loss (mean)" in tables[1]
    sums, means = (_verify_losses(t) for t in tables)
    assert len(sums) == len(means) == 2
    assert means == pytest.approx([v / 3 for v in sums], abs=2e-10)


def _verify_losses(text: str) -> list[float]:
    """The loss column of verify's table (rows: id, dim, loss, checks...)."""
    return [float(m.group(1)) for m in re.finditer(r"^\d+\s+\d+\s+(\d+\.\d{10})\s", text, re.M)]


def test_a_mean_document_with_a_wrong_loss_fails_verify(runs: dict, tmp_path: Path) -> None:
    """The stored mean loss is checked, not ignored: its sum value n times too large
    (as the document stored before) is refuted."""
    _, mean_doc = runs["mean"]
    doc = json.loads(mean_doc.read_text())
    for m in doc["minima"]:
        m["loss_interval"] = [str(Fraction(v) * 3) for v in m["loss_interval"]]
        m["loss"] = m.pop("loss_sum") * 3
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc))
    proc = _run("verify", str(forged), "--quiet")
    assert proc.returncode == 1, proc.stdout + proc.stderr


def test_global_shows_the_mean_value(runs: dict) -> None:
    data = str(runs["data"])
    values = []
    for args in (SUM, MEAN):
        proc = _run("global", data, *args, "--face-timeout", "0", "--starts", "2", "--quiet")
        assert proc.returncode == 0, proc.stderr
        values.append(float(re.search(r"global minimum (\d+\.\d+)", proc.stdout).group(1)))
        assert _losses(proc.stdout)
    assert values[1] == pytest.approx(values[0] / 3, abs=1e-9)


@pytest.mark.slow
def test_compare_shows_and_stores_mean_losses(runs: dict, tmp_path: Path) -> None:
    data = str(runs["data"])
    docs = []
    for name, args in (("sum", SUM), ("mean", MEAN)):
        out = tmp_path / f"{name}.json"
        proc = _run("compare", data, *args, "--starts", "2", "--out", str(out))
        assert proc.returncode == 0, proc.stderr
        docs.append((proc.stdout, json.loads(out.read_text())))
    (sum_text, sum_doc), (mean_text, mean_doc) = docs
    assert _losses(mean_text) == pytest.approx([v / 3 for v in _losses(sum_text)], abs=2e-10)
    assert mean_doc["convex"]["p_star"] == pytest.approx(sum_doc["convex"]["p_star"] / 3)
    assert mean_doc["convex"]["p_star_sum"] == sum_doc["convex"]["p_star"]
    assert Fraction(mean_doc["global"]["upper_exact"]) == Fraction(
        sum_doc["global"]["upper_exact"]
    ) / 3


def test_report_shows_mean_losses(runs: dict, tmp_path: Path) -> None:
    """Before: the report of a mean document showed sum-convention losses (headings, the
    table of minima, the certified interval), n times too large."""
    mean_text, mean_doc = runs["mean"]
    out = tmp_path / "report"
    proc = _run("report", str(mean_doc), "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    page = (out / "index.html").read_text(encoding="utf-8")
    headings = [float(v) for v in re.findall(r"Minimum #\d+: loss ([0-9.e+-]+),", page)]
    assert headings == pytest.approx(_losses(mean_text), abs=2e-10)
    assert "loss (mean convention)" in page
    lower = float(re.search(r"certified interval \(exact\)</td><td>\[([0-9.e+-]+),", page)[1])
    assert lower == pytest.approx(min(_losses(mean_text)), abs=1e-9)

"""The study page: each figure draws the counts of the table on the axis it is given, the
page references every figure it writes, and ``reluscape report STUDYDIR`` writes it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pytest
from test_report import _PROBE, CHROMIUM, _Figures  # the report page's browser probe

from reluscape.numerical.report.study import (
    counts_against,
    distribution_over_seeds,
    excess_loss,
    varied,
    write_study_report,
)
from reluscape.studies import Study, tables
from reluscape.validation import InputError


def _run(n: int, seed: int, hidden: int, spurious: int, complete: bool = True) -> dict[str, Any]:
    return {
        "data": f"random:n={n}:d=1:seed={seed}", "n": n, "d": 1, "seed": seed,
        "hidden": hidden, "lam": "1/10", "lam_float": 0.1, "convention": "sum",
        "minima": spurious + 1, "spurious": spurious if complete else None, "undecided": 0,
        "global_loss": 1.0 if complete else None, "complete": complete, "faces": 1,
        "orbits": 1, "seconds": 0.1, "error": "", "minima_dim0": spurious + 1,
    }  # fmt: skip


def _minimum(run: dict[str, Any], k: int, loss: float) -> dict[str, Any]:
    params = {c: run[c] for c in tables.PARAM_COLUMNS}
    return {**params, "minimum": k + 1, "loss": loss, "loss_lower": loss, "loss_upper": loss,
            "is_global": k == 0, "spurious": k > 0, "dimension": 0, "face": "+-",
            "orbit_size": 1, "decided_by": "second order"}  # fmt: skip


@pytest.fixture
def study() -> Study:
    runs = [_run(4, 0, 2, 1), _run(4, 1, 2, 3), _run(6, 0, 2, 2), _run(6, 1, 2, 6),
            _run(6, 2, 2, 50, complete=False), _run(4, 0, 3, 5)]  # fmt: skip
    minima = [_minimum(r, k, 1.0 + k / 2) for r in runs if r["complete"]
              for k in range(r["minima"])]  # fmt: skip
    return Study(runs=tables.runs_frame(runs), minima=tables.minima_frame(minima))


def test_counts_against_n_draws_means_and_ranges_of_complete_runs(study: Study) -> None:
    assert varied(study) == ["n", "hidden"]
    fig, ax = plt.subplots()
    assert counts_against(study, "n", "spurious", ax=ax) is ax
    lines = {bars.get_label(): bars.lines[0].get_ydata() for bars in ax.containers}
    # L = 2: n = 4 seeds 1, 3 -> mean 2; n = 6 seeds 2, 6 (the incomplete run left out) -> 4.
    assert np.allclose(lines["L = 2"], [2.0, 4.0])
    assert np.allclose(lines["L = 3"], [5.0])
    assert ax.get_xlabel() == "n (samples)"
    plt.close(fig)


def test_distribution_and_excess_loss(study: Study) -> None:
    ax = distribution_over_seeds(study, "hidden", "minima")
    points = np.concatenate([line.get_ydata() for line in ax.lines if line.get_marker() == "."])
    assert sorted(points) == [2, 3, 4, 6, 7]  # L = 2: 2, 4, 3, 7; L = 3: 6
    plt.close(ax.figure)
    ax = excess_loss(study)
    (line,) = ax.lines
    assert sorted(set(np.round(line.get_ydata(), 6))) == [0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    plt.close(ax.figure)


def test_bad_axes_are_named(study: Study) -> None:
    with pytest.raises(InputError, match="x must be one of n, hidden, lam_float, got 'seed'"):
        counts_against(study, "seed")


def test_page_references_every_figure(study: Study, tmp_path: Path) -> None:
    index = write_study_report(study, tmp_path / "page")
    text = index.read_text(encoding="utf-8")
    referenced = set(re.findall(r'<img src="([^"]+)"', text))
    assert referenced == {p.name for p in (tmp_path / "page").glob("*.png")}
    assert "spurious_against_n.png" in referenced and "minima_against_hidden.png" in referenced
    assert "1 run(s) incomplete or failed" in text


@pytest.mark.slow  # three processes that import matplotlib
def test_report_command_on_a_study_directory(study: Study, tmp_path: Path) -> None:
    study.to_csv(tmp_path / "study")
    base = [sys.executable, "-m", "reluscape", "report", str(tmp_path / "study")]
    proc = subprocess.run([*base, "--out", str(tmp_path / "page")], capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "page" / "index.html").is_file()
    proc = subprocess.run([*base, "--out", str(tmp_path / "p2"), "--slice", "B_0,c_0"],
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "reluscape: error: a study directory takes no DATA.csv, --compare or --slice"
    )
    (tmp_path / "empty").mkdir()
    proc = subprocess.run([sys.executable, "-m", "reluscape", "report", str(tmp_path / "empty"),
                           "--out", str(tmp_path / "p3")], capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert proc.returncode == 2 and "not a study directory" in proc.stderr


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium not installed")
def test_chromium_renders_the_study_page(study: Study, tmp_path: Path) -> None:
    """Headless Chromium loads every figure of the study page, each captioned with its
    axes: the parameter the study varies (n, L) and what is counted."""
    index = write_study_report(study, tmp_path / "page")
    probe = index.with_name("probe.html")
    probe.write_text(
        index.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"), "utf-8"
    )
    proc = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", "--virtual-time-budget=10000",
         "--dump-dom", probe.resolve().as_uri()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    dom = _Figures()
    dom.feed(proc.stdout)
    assert dom.broken == "none", dom.broken
    captions = dict(dom.figures)
    assert set(captions) == {p.name for p in (tmp_path / "page").glob("*.png")}
    assert all(text.startswith("Axes: ") for text in captions.values()), captions
    for x, label in (("n", "n"), ("hidden", "L")):
        against = [text for name, text in captions.items() if name.endswith(f"_against_{x}.png")]
        assert against and all(label in text for text in against), (x, against)

"""The study page: figures of a study's tables (:mod:`reluscape.studies`) and its summary.

Each figure is a function that draws on a Matplotlib axis (a new figure when ``ax`` is
None) and returns the axis, so a notebook composes them; :func:`write_study_report`
draws them into PNG files beside ``index.html``:

- :func:`counts_against`: the number of local minima (or spurious minima) against n, L
  or lambda, the mean over seeds with the range from the least to the largest, one line
  per value of the other varied parameter;
- :func:`distribution_over_seeds`: the distribution over seeds of a count at each value
  of n, L or lambda (box plots with every run as a point);
- :func:`excess_loss`: how much higher than the global minimum each spurious minimum is.

Counts are read from the tables, which hold exact counts; only the positions drawn are
floats. Incomplete runs are left out of every figure (their counts are lower bounds and
nothing in them is known to be global) and counted in the page's heading.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from reluscape.numerical.report.page import CSS, figure_html, table
from reluscape.validation import InputError, check_output_dir

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from reluscape.studies import Study

AXES = {"n": "n (samples)", "hidden": "L (hidden units)", "lam_float": "lambda"}
"""The parameters a count is drawn against, with their axis labels."""

COUNTS = {
    "minima": "local minima",
    "spurious": "spurious local minima",
}
"""The counts drawn, with their labels (minima are counted up to unit permutation)."""


def _complete(study: Study) -> pd.DataFrame:
    runs = study.runs
    return runs[runs["complete"].fillna(False).astype(bool)]


def _check(x: str, y: str) -> None:
    if x not in AXES:
        raise InputError(f"x must be one of {', '.join(AXES)}, got {x!r}")
    if y not in COUNTS:
        raise InputError(f"y must be one of {', '.join(COUNTS)}, got {y!r}")


def varied(study: Study) -> list[str]:
    """The parameters of :data:`AXES` that take more than one value in the study."""
    return [p for p in AXES if study.runs[p].nunique(dropna=True) > 1]


def _short(parameter: str) -> str:
    """The symbol of a parameter: ``n``, ``L``, ``lambda``."""
    return AXES[parameter].split(" ")[0]


def _new_axis(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(6.0, 4.0))
    return ax


def counts_against(
    study: Study, x: str = "n", y: str = "spurious", *, ax: Axes | None = None
) -> Axes:
    """``y`` (``"minima"`` or ``"spurious"``) against ``x`` (``"n"``, ``"hidden"`` or
    ``"lam_float"``): the mean over the complete runs at each ``x`` with bars from the
    least to the largest, one line per combination of the other varied parameters."""
    _check(x, y)
    ax = _new_axis(ax)
    runs = _complete(study)
    others = [p for p in varied(study) if p != x]
    groups = runs.groupby(others, sort=True) if others else [((), runs)]
    for key, group in groups:
        stats = group.groupby(x)[y].agg(["mean", "min", "max"]).sort_index().astype(float)
        mean = stats["mean"].to_numpy()
        spread = [mean - stats["min"].to_numpy(), stats["max"].to_numpy() - mean]
        keys = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{_short(p)} = {v:g}" for p, v in zip(others, keys, strict=True))
        ax.errorbar(
            stats.index.to_numpy(dtype=float), mean, yerr=spread, marker="o", capsize=3,
            label=label or None,
        )  # fmt: skip
    if others:
        ax.legend(fontsize=8)
    if x == "lam_float":
        ax.set_xscale("log")
    ax.set_xlabel(AXES[x])
    ax.set_ylabel(COUNTS[y])
    ax.set_title(f"{COUNTS[y]} against {_short(x)}: mean and range over seeds", fontsize=10)
    return ax


def distribution_over_seeds(
    study: Study, x: str = "n", y: str = "spurious", *, ax: Axes | None = None
) -> Axes:
    """The distribution of ``y`` over the complete runs at each value of ``x`` (all other
    parameters pooled): a box plot per value, every run a point on it."""
    _check(x, y)
    ax = _new_axis(ax)
    runs = _complete(study)
    values = sorted(runs[x].dropna().unique())
    samples = [runs.loc[runs[x] == v, y].to_numpy(dtype=float) for v in values]
    positions = np.arange(len(values), dtype=float)
    if values:
        ax.boxplot(samples, positions=positions, widths=0.5)
        rng = np.random.default_rng(0)  # the same jitter on every drawing
        for pos, sample in zip(positions, samples, strict=True):
            jitter = rng.uniform(-0.12, 0.12, size=len(sample))
            ax.plot(pos + jitter, sample, ".", color="C1", alpha=0.6)
    ax.set_xticks(positions, [f"{v:g}" for v in values])
    ax.set_xlabel(AXES[x])
    ax.set_ylabel(COUNTS[y])
    ax.set_title(f"{COUNTS[y]}: distribution over runs", fontsize=10)
    return ax


def excess_loss(study: Study, x: str = "n", *, ax: Axes | None = None) -> Axes:
    """Each spurious minimum's loss above its run's global minimum, against ``x``."""
    _check(x, "spurious")
    ax = _new_axis(ax)
    keys = ["data", "hidden", "lam", "convention"]
    minima = study.minima.merge(study.runs[[*keys, "global_loss"]], on=keys, how="left")
    spurious = minima[minima["spurious"].fillna(False).astype(bool)]
    gap = spurious["loss"] - spurious["global_loss"]
    ax.plot(spurious[x].to_numpy(dtype=float), gap.to_numpy(dtype=float), ".", alpha=0.6)
    if x == "lam_float":
        ax.set_xscale("log")
    ax.set_xlabel(AXES[x])
    ax.set_ylabel("loss above the global minimum")
    ax.set_title("spurious minima: excess loss", fontsize=10)
    return ax


def _figure(path: Path, draw: Any, *args: Any) -> str:
    """Draw, save and caption one figure as the report page does (its axis labels in the
    caption, :func:`reluscape.numerical.report.page.figure_html`)."""
    ax = draw(*args)
    ax.figure.tight_layout()
    return figure_html(ax, path.parent, path.name, path.stem)


ROWS_SHOWN = 500
"""Runs listed on the page; the full table is runs.csv."""


def write_study_report(study: Study, out_dir: str | Path) -> Path:
    """Write ``out_dir/index.html`` with the study's figures and tables; returns its path."""
    import matplotlib

    matplotlib.use("Agg")
    out = check_output_dir(out_dir, "--out")
    out.mkdir(parents=True, exist_ok=True)
    axes = varied(study) or ["n"]
    figures = []
    for x in axes:
        for y in COUNTS:
            figures.append(_figure(out / f"{y}_against_{x}.png", counts_against, study, x, y))
        figures.append(
            _figure(out / f"spurious_over_seeds_{x}.png", distribution_over_seeds, study, x)
        )
    figures.append(_figure(out / "excess_loss.png", excess_loss, study, axes[0]))
    summary = study.summary()
    runs = study.runs
    incomplete = int((~runs["complete"].fillna(False).astype(bool)).sum())
    note = (
        f'<p class="incomplete">{incomplete} run(s) incomplete or failed: left out of the '
        "figures (see the runs table)</p>"
        if incomplete
        else "<p>Every run complete: every minimum certified, spurious means not global.</p>"
    )
    shown = runs.head(ROWS_SHOWN)
    body = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>reluscape study</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Study: {len(runs)} runs</h1>",
        note,
        "<h2>Figures</h2>",
        *figures,
        "<h2>Summary over seeds</h2>",
        table(list(summary.columns), _cells(summary)),
        f"<h2>Runs{' (first ' + str(ROWS_SHOWN) + ')' if len(runs) > ROWS_SHOWN else ''}</h2>",
        table(list(shown.columns), _cells(shown)),
        "</body></html>",
    ]
    index = out / "index.html"
    index.write_text("\n".join(body), encoding="utf-8")
    return index


def _cells(frame: pd.DataFrame) -> list[list[str]]:
    def text(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)) or str(v) == "<NA>":
            return ""
        return f"{v:.6g}" if isinstance(v, float) else str(v)

    return [[text(v) for v in row] for row in frame.itertuples(index=False, name=None)]


def report_from_directory(directory: str | Path, out_dir: str | Path) -> Path:
    """The study page of the tables written by ``reluscape study`` in ``directory``."""
    from reluscape.studies import Study

    return write_study_report(Study.read(directory), out_dir)

"""Figures of the regularization path (:class:`reluscape.pathresult.PathResult`).

:func:`bifurcation_diagram` draws the loss of every branch against lambda (log scale) with
the events marked by kind and the global-minimum path drawn over it; :func:`minima_count`
the number of minima, by dimension, against lambda. Both draw on a Matplotlib axis (a new
figure when ``ax`` is None) and return it, as :func:`reluscape.numerical.report.landscape.
disconnectivity_graph` does. Losses are drawn at the midpoint of their certified
intervals (intervals of 2^-128 width: floats are only for drawing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reluscape.pathresult import EVENT_KINDS, PathResult

if TYPE_CHECKING:
    from matplotlib.axes import Axes

EVENT_MARKERS = {
    "birth": ("^", "C2"),
    "death": ("v", "C3"),
    "wall crossing": ("s", "C1"),
    "dimension change": ("D", "C4"),
    "global switch": ("*", "k"),
}
"""Marker and colour of each event kind (every kind of :data:`EVENT_KINDS`)."""
assert set(EVENT_MARKERS) == set(EVENT_KINDS)


def _mid(interval: tuple) -> float:
    return float((interval[0] + interval[1]) / 2)


def bifurcation_diagram(path: PathResult, ax: Axes | None = None) -> Axes:
    """Loss of each branch against lambda (log x): one line per branch through its
    samples, dashed for sets of minima (dimension >= 1); the global path over it in a
    thick black line; each event a marker of its kind at its interval's midpoint, on the
    loss of the branch it concerns (the global path's loss for a global switch)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8.0, 5.0))
    for b in path.branches:
        style = "-" if b.dimensions == (0,) else "--"
        ax.plot([float(v) for v in b.lams], [_mid(v) for v in b.losses], style, marker=".",
                ms=3, lw=1.2, label=f"branch {b.id}")  # fmt: skip
    glob_x, glob_y = [], []
    for s in path.samples:
        losses = [_mid(m.loss_interval) for m in s.minima if m.is_global]
        if losses:
            glob_x.append(float(s.lam))
            glob_y.append(min(losses))
    ax.plot(glob_x, glob_y, "-", color="k", lw=3, alpha=0.35, label="global minimum")
    branches = {b.id: b for b in path.branches}
    shown: set[str] = set()
    for e in path.events:
        marker, colour = EVENT_MARKERS[e.kind]
        x = (e.lower + e.upper) / 2
        # The loss of each branch concerned at its sample nearest to the event.
        y = min(
            _mid(min(zip(b.lams, b.losses, strict=True), key=lambda p: abs(p[0] - x))[1])
            for b in (branches[i] for i in e.branches)
        )
        label = None if e.kind in shown else e.kind
        shown.add(e.kind)
        ax.plot([float(x)], [y], marker, color=colour, ms=8, ls="none", label=label, zorder=4)
    ax.set_xscale("log")
    ax.set_xlabel("lambda")
    ax.set_ylabel(f"loss ({path.problem.convention} convention)")
    title = "bifurcation diagram of the local minima"
    if not path.event_list_complete:
        title += " (event list not certified complete)"
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    return ax


def minima_count(path: PathResult, ax: Axes | None = None) -> Axes:
    """The number of minima (orbit representatives) at each sample, by dimension, as a
    step function of lambda (log x): constant between two samples with no event."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8.0, 3.5))
    lams = [float(s.lam) for s in path.samples]
    dims = sorted({m.dimension for s in path.samples for m in s.minima})
    for dim in dims:
        counts = [sum(m.dimension == dim for m in s.minima) for s in path.samples]
        ax.step(lams, counts, where="post", label=f"dimension {dim}")
    ax.step(lams, [len(s.minima) for s in path.samples], where="post", color="k", lw=1.5,
            label="all")  # fmt: skip
    ax.set_xscale("log")
    ax.set_xlabel("lambda")
    ax.set_ylabel("number of minima")
    ax.legend(fontsize=8)
    return ax

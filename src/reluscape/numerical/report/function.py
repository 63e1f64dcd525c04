"""The function a minimum computes: f(x) = sum_l a_l ReLU(B_l x + c_l) + mean(y).

Drawn over the data range with the data points: a line for d = 1, filled contours over
the data's bounding box for d = 2 (one panel per member), and for d >= 3 the outputs at
the data against y. For a positive-dimensional set several members are drawn (with
a = a_hat(psi) at each, docs/METHOD.md section 2), and the figure tells whether they
compute the same function on the grid.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reluscape.numerical.report.common import GRID, Floats, a_of, loss_text, psi_of, save
from reluscape.schema import Minimum

SAME_FUNCTION_TOL = 1e-6  # relative to max(1, max |f|) on the grid


def data_grid(floats: Floats) -> tuple[np.ndarray, list[np.ndarray]]:
    """Evaluation points over the data range (padded by 10 %) and the axes.

    For d >= 3 the points are the data and there are no axes.

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> floats = Floats.of(make_problem([[0], [1]], [0, 1], hidden=1, lam=1))
    >>> pts, (axis,) = data_grid(floats)
    >>> pts.shape, float(axis[0]), float(axis[-1])
    ((200, 1), -0.1, 1.1)
    """
    X = floats.x
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - pad, hi + pad
    if floats.d == 1:
        axis = np.linspace(lo[0], hi[0], GRID)
        return axis[:, None], [axis]
    if floats.d == 2:
        u = np.linspace(lo[0], hi[0], GRID // 2)
        v = np.linspace(lo[1], hi[1], GRID // 2)
        uu, vv = np.meshgrid(u, v)
        return np.column_stack([uu.ravel(), vv.ravel()]), [u, v]
    return X, []


def function_figure(
    path: Path, floats: Floats, m: Minimum, members: list[np.ndarray]
) -> tuple[bool, float]:
    """Draw f at the sample point (and at the other members of a set); write ``path``.

    Parameters
    ----------
    path : Path
        The PNG to write.
    floats : Floats
        The problem's float data.
    m : Minimum
        The minimum; its sample point is drawn with its recorded a.
    members : list of numpy.ndarray
        psi of the members (the first is the sample point's); each other member is drawn
        with a = a_hat(psi).

    Returns
    -------
    (bool, float)
        Whether all members compute the same function on the grid (max difference at
        most ``SAME_FUNCTION_TOL`` * max(1, max |f|)), and that max difference.
    """
    import matplotlib.pyplot as plt

    pts, axes = data_grid(floats)
    f0 = floats.output(psi_of(m), a_of(m), pts)
    diffs = [0.0]
    member_f = []
    for psi in members[1:]:
        fk = floats.output(psi, floats.a_hat(psi), pts)
        member_f.append(fk)
        diffs.append(float(np.abs(fk - f0).max()))
    max_diff = max(diffs)
    same = max_diff <= SAME_FUNCTION_TOL * max(1.0, float(np.abs(f0).max()))
    X, y = floats.x, floats.y
    title = f"minimum #{m.id}: loss {loss_text(m.loss, 6)}, dimension {m.dimension}"
    if floats.d == 2:
        u, v = axes
        panels = [f0, *member_f[:3]]
        fig, axs = plt.subplots(
            1, len(panels), figsize=(4.2 * len(panels) + 1.0, 3.8), squeeze=False
        )
        levels = np.linspace(min(p.min() for p in panels), max(p.max() for p in panels), 21)
        if levels[0] == levels[-1]:
            levels = np.linspace(levels[0] - 1.0, levels[0] + 1.0, 21)
        for k, (ax, fk) in enumerate(zip(axs[0], panels, strict=True)):
            cs = ax.contourf(u, v, fk.reshape(len(v), len(u)), levels=levels, cmap="viridis")
            ax.scatter(
                X[:, 0], X[:, 1], c=y, cmap="viridis", norm=cs.norm, edgecolors="k", zorder=3
            )
            ax.set_xlabel("x1")
            ax.set_ylabel("x2")
            ax.set_title("sample point" if k == 0 else f"member {k}", fontsize=9)
        fig.colorbar(cs, ax=list(axs[0]), label="f(x)")
        fig.suptitle(title, fontsize=10)
        save(fig, path)
        return same, max_diff
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    if floats.d == 1:
        ax.plot(axes[0], f0, color="C0", lw=2, label="f (sample point)")
        for k, fk in enumerate(member_f):
            ax.plot(axes[0], fk, ls="--", lw=1, color=f"C{k % 8 + 1}", label=f"member {k + 1}")
        ax.scatter(X[:, 0], y, color="k", zorder=3, label="data")
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
    else:
        ax.scatter(y, f0, color="k", label="sample point")
        for k, fk in enumerate(member_f):
            ax.scatter(y, fk, marker="x", color=f"C{k % 8 + 1}", label=f"member {k + 1}")
        ax.set_xlabel("y")
        ax.set_ylabel("f(x) at the data")
    ax.legend(fontsize=7)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    save(fig, path)
    return same, max_diff

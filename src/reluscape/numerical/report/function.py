"""The function a minimum computes: f(x) = sum_l a_l ReLU(B_l x + c_l) + mean(y).

Drawn over the data range with the data points, on one Matplotlib axis: a line for
d = 1, filled contours over the data's bounding box for d = 2, and for d >= 3 the
outputs at the data against y. For a positive-dimensional set several members are drawn
(with a = a_hat(psi) at each, docs/METHOD.md section 2): dashed curves (d = 1), dashed
contour lines at the same levels (d = 2) or crosses (d >= 3);
:func:`same_function` tells whether they compute the same function on the grid. Axes are
labelled with the data's column names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from reluscape.numerical.report.common import (
    GRID,
    Floats,
    a_of,
    loss_text,
    new_axes,
    psi_of,
)
from reluscape.schema import Minimum

if TYPE_CHECKING:
    from matplotlib.axes import Axes

SAME_FUNCTION_TOL = 1e-6  # relative to max(1, max |f|) on the grid
LEVELS = 21  # uniform contour levels of f for d = 2
MEMBERS_DRAWN_2D = 3  # members drawn as contour lines over the sample point's (d = 2)


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


def _outputs(
    floats: Floats, m: Minimum, members: Sequence[np.ndarray], pts: np.ndarray
) -> list[np.ndarray]:
    """f at ``pts`` for the sample point (its recorded a), then for each other member
    (a = a_hat(psi))."""
    f0 = floats.output(psi_of(m), a_of(m), pts)
    return [f0] + [floats.output(psi, floats.a_hat(psi), pts) for psi in members]


def same_function(
    floats: Floats, m: Minimum, members: Sequence[np.ndarray]
) -> tuple[bool, float]:
    """Whether the sample point and the other ``members`` (psi of each) compute the same
    function on the data grid (:func:`data_grid`): max difference at most
    ``SAME_FUNCTION_TOL * max(1, max |f|)``. Returns that verdict and the max difference.
    """
    f0, *others = _outputs(floats, m, members, data_grid(floats)[0])
    diff = max((float(np.abs(fk - f0).max()) for fk in others), default=0.0)
    return diff <= SAME_FUNCTION_TOL * max(1.0, float(np.abs(f0).max())), diff


def plot_function(
    floats: Floats,
    m: Minimum,
    members: Sequence[np.ndarray] = (),
    *,
    ax: Axes | None = None,
) -> Axes:
    """Draw f at the sample point of ``m`` (and at the other ``members`` of a set) on
    ``ax`` (a new figure when None); return the axis.

    Parameters
    ----------
    floats : Floats
        The problem's float data (with its column names).
    m : Minimum
        The minimum; its sample point is drawn with its recorded a.
    members : sequence of numpy.ndarray
        psi of other members of the set, each drawn with a = a_hat(psi) (for d = 2, the
        first ``MEMBERS_DRAWN_2D``).
    ax : matplotlib.axes.Axes, optional
        The axis to draw on.
    """
    if ax is None:
        ax = new_axes((6.0, 4.5) if floats.d == 2 else (5.5, 4.0))
    pts, axes = data_grid(floats)
    f0, *others = _outputs(floats, m, members, pts)
    X, y = floats.x, floats.y
    xs, yname = floats.x_names, floats.y_name
    if floats.d == 2:
        _plot_2d(ax, axes, [f0, *others[:MEMBERS_DRAWN_2D]], X, y, yname)
        ax.set_xlabel(xs[0])
        ax.set_ylabel(xs[1])
    elif floats.d == 1:
        ax.plot(axes[0], f0, color="C0", lw=2, label="f (sample point)")
        for k, fk in enumerate(others):
            ax.plot(axes[0], fk, ls="--", lw=1, color=f"C{k % 8 + 1}", label=f"member {k + 1}")
        ax.scatter(X[:, 0], y, color="k", zorder=3, label="data")
        ax.set_xlabel(xs[0])
        ax.set_ylabel(f"{yname} (fitted: f)")
    else:
        ax.scatter(y, f0, color="k", label="sample point")
        for k, fk in enumerate(others):
            ax.scatter(y, fk, marker="x", color=f"C{k % 8 + 1}", label=f"member {k + 1}")
        ax.set_xlabel(yname)
        ax.set_ylabel(f"f at the data (fitted {yname})")
    ax.legend(fontsize=7)
    ax.set_title(f"minimum #{m.id}: loss {loss_text(m.loss, 6)}, dimension {m.dimension}",
                 fontsize=10)  # fmt: skip
    return ax


def _plot_2d(
    ax: Axes, axes: list[np.ndarray], panels: list[np.ndarray], X: np.ndarray, y: np.ndarray,
    yname: str,
) -> None:
    """f of the sample point as filled contours on uniform levels (with a colour bar),
    the other members as dashed contour lines on the same levels, the data coloured by y."""
    u, v = axes
    lo = min(float(p.min()) for p in panels)
    hi = max(float(p.max()) for p in panels)
    levels = np.linspace(lo, hi, LEVELS) if hi > lo else np.linspace(lo - 1.0, lo + 1.0, LEVELS)
    shape = (len(v), len(u))
    cs = ax.contourf(u, v, panels[0].reshape(shape), levels=levels, cmap="viridis")
    for k, fk in enumerate(panels[1:]):
        ax.contour(u, v, fk.reshape(shape), levels=levels[::2], colors=f"C{k % 8 + 1}",
                   linestyles="--", linewidths=0.8)  # fmt: skip
        ax.plot([], [], ls="--", color=f"C{k % 8 + 1}", label=f"member {k + 1}")
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="viridis", vmin=levels[0], vmax=levels[-1],
               edgecolors="k", zorder=3, label="data")  # fmt: skip
    ax.figure.colorbar(cs, ax=ax, label=f"{yname} (fitted: f)")

"""Slices of the reduced loss r through a minimum, along two coordinates of psi.

psi(s, t) = psi* + s e_i + t e_j with a re-fitted, r = l(a_hat(psi), psi)
(docs/METHOD.md section 2); the walls theta_l . xt_i = 0 of every moved unit, where the
activation pattern changes (docs/METHOD.md section 3), are drawn as lines. The contour
levels are uniform and labelled, so that equal steps of colour are equal steps of r.

Examples
--------
>>> default_slices(2, 1)
[(0, 1), (2, 3)]
>>> parse_slices(["B_1,c_0"], 2, 1)
[(2, 1)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from reluscape.data import InputError
from reluscape.numerical.components import coordinate_names
from reluscape.numerical.report.common import Floats, new_axes, psi_of
from reluscape.schema import Minimum

if TYPE_CHECKING:
    from matplotlib.axes import Axes

SLICE_GRID = 61  # points per axis of a slice
SLICE_LEVELS = 20  # at most this many uniform contour bands (Matplotlib's MaxNLocator)


def default_slices(hidden: int, d: int) -> list[tuple[int, int]]:
    """One slice per unit l: its first input weight B_l[0] and its bias c_l (flat indices)."""
    return [(unit * (d + 1), unit * (d + 1) + d) for unit in range(hidden)]


def parse_slices(specs: Sequence[str], hidden: int, d: int) -> list[tuple[int, int]]:
    """Coordinate pairs ``"NAME,NAME"`` (names of
    :func:`reluscape.numerical.components.coordinate_names`, e.g. ``B_0,c_0`` or
    ``B_1,B_0``) as pairs of flat indices into psi.

    Raises
    ------
    InputError
        If a pair does not name two different coordinates of psi.
    """
    names = coordinate_names(hidden, d)
    out = []
    for spec in specs:
        parts = [p.strip() for p in str(spec).split(",")]
        if len(parts) != 2 or parts[0] == parts[1] or any(p not in names for p in parts):
            raise InputError(
                f"--slice {spec!r}: expected two different coordinates of psi separated by a "
                f"comma, from {', '.join(names)}"
            )
        out.append((names.index(parts[0]), names.index(parts[1])))
    return out


def coordinate_label(index: int, floats: Floats, hidden: int) -> str:
    """The axis label of a flat coordinate of psi: its name and what it weighs, in the
    data's column names.

    >>> from reluscape.data import make_problem
    >>> floats = Floats.of(make_problem([[0], [1]], [0, 1], hidden=1, lam=1, columns=["dose", "r"]))
    >>> coordinate_label(0, floats, 1), coordinate_label(1, floats, 1)
    ('B_0 (weight of dose)', 'c_0 (bias)')
    """
    name = coordinate_names(hidden, floats.d)[index]
    j = index % (floats.d + 1)
    return f"{name} (bias)" if j == floats.d else f"{name} (weight of {floats.x_names[j]})"


def slice_values(
    floats: Floats, m: Minimum, pair: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The plane through psi* moving the coordinates in ``pair`` (grids U, V of their
    values) and r on it."""
    psi0 = psi_of(m)
    flat0 = psi0.ravel()
    i0, i1 = pair
    moved = sorted({i0 // (floats.d + 1), i1 // (floats.d + 1)})
    span = max(0.5, 0.75 * float(np.abs(psi0[moved]).max()))
    axis = np.linspace(-span, span, SLICE_GRID)
    S, T = np.meshgrid(axis, axis)
    R = np.empty_like(S)
    for p in range(S.shape[0]):
        for q in range(S.shape[1]):
            flat = flat0.copy()
            flat[i0] += S[p, q]
            flat[i1] += T[p, q]
            R[p, q] = floats.r(flat.reshape(psi0.shape))
    return flat0[i0] + S, flat0[i1] + T, R


def uniform_levels(values: np.ndarray) -> np.ndarray:
    """Evenly spaced contour levels at round numbers covering ``values`` (Matplotlib's
    tick locator), so that the colour bar reads linearly; two levels around a constant.

    >>> np.round(uniform_levels(np.array([1.203, 1.5])), 12).tolist()
    [1.2, 1.22, 1.24, 1.26, 1.28, 1.3, 1.32, 1.34, 1.36, 1.38, 1.4, 1.42, 1.44, 1.46, 1.48, 1.5]
    """
    from matplotlib.ticker import MaxNLocator

    lo, hi = float(values.min()), float(values.max())
    if not hi > lo:
        pad = max(1e-12, 1e-6 * abs(lo))
        return np.array([lo - pad, lo + pad])
    return np.asarray(MaxNLocator(nbins=SLICE_LEVELS, steps=[1, 2, 5, 10]).tick_values(lo, hi))


def plot_slice(
    floats: Floats, m: Minimum, pair: tuple[int, int], *, ax: Axes | None = None
) -> Axes:
    """Draw r over the plane through psi* moving the two coordinates in ``pair`` on
    ``ax`` (a new figure when None); return the axis.

    Filled contours on uniform levels (:func:`uniform_levels`) with labelled contour
    lines and a colour bar; the walls of the moved units as coloured lines; psi* as a
    star. Axes are named by :func:`coordinate_label`.
    """
    if ax is None:
        ax = new_axes((6.0, 4.5))
    psi0 = psi_of(m)
    width = floats.d + 1
    i0, i1 = pair
    moved = sorted({i0 // width, i1 // width})
    U, V, R = slice_values(floats, m, pair)
    levels = uniform_levels(R)
    cs = ax.contourf(U, V, R, levels=levels, cmap="magma_r")
    lines = ax.contour(U, V, R, levels=levels[::2], colors="k", linewidths=0.4, alpha=0.6)
    ax.clabel(lines, fontsize=7, fmt="%.4g")
    ax.figure.colorbar(cs, ax=ax, label=f"reduced loss r ({floats.convention} convention)")
    S, T = U - psi0.ravel()[i0], V - psi0.ravel()[i1]
    xt = floats.xt
    for k, unit in enumerate(moved):
        for i in range(xt.shape[0]):
            Z = psi0[unit] @ xt[i] + np.zeros_like(S)
            if i0 // width == unit:
                Z += S * xt[i, i0 % width]
            if i1 // width == unit:
                Z += T * xt[i, i1 % width]
            if Z.min() < 0 < Z.max():
                ax.contour(U, V, Z, levels=[0.0], colors=["c", "lime", "w", "y"][k % 4])
    ax.plot([psi0.ravel()[i0]], [psi0.ravel()[i1]], marker="*", color="b", ms=12)
    ax.set_xlabel(coordinate_label(i0, floats, psi0.shape[0]))
    ax.set_ylabel(coordinate_label(i1, floats, psi0.shape[0]))
    names = coordinate_names(psi0.shape[0], floats.d)
    ax.set_title(f"minimum #{m.id}: r on the ({names[i0]}, {names[i1]}) plane", fontsize=10)
    return ax


def slice_note(floats: Floats, m: Minimum, pair: tuple[int, int]) -> str:
    """What the page says about a slice: the plane and the walls drawn."""
    hidden = len(m.point.c)
    names = coordinate_names(hidden, floats.d)
    i0, i1 = pair
    moved = sorted({i0 // (floats.d + 1), i1 // (floats.d + 1)})
    units = ", ".join(f"theta_{u} . xt_i = 0" for u in moved)
    return f"({names[i0]}, {names[i1]}); walls drawn: {units}"

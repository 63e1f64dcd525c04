"""Slices of the reduced loss r through a minimum, along two coordinates of psi.

psi(s, t) = psi* + s e_i + t e_j with a re-fitted, r = l(a_hat(psi), psi)
(docs/METHOD.md section 2); the walls theta_l . xt_i = 0 of every moved unit, where the
activation pattern changes (docs/METHOD.md section 3), are drawn as lines.

Examples
--------
>>> default_slices(2, 1)
[(0, 1), (2, 3)]
>>> parse_slices(["B_1,c_0"], 2, 1)
[(2, 1)]
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from reluscape.data import InputError
from reluscape.numerical.components import coordinate_names
from reluscape.numerical.report.common import Floats, psi_of, save
from reluscape.schema import Minimum

SLICE_GRID = 61  # points per axis of a slice


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


def slice_figure(path: Path, floats: Floats, m: Minimum, pair: tuple[int, int]) -> str:
    """Draw r over the plane through psi* moving the two coordinates in ``pair``.

    Returns the note for the page: the plane and the walls drawn.
    """
    import matplotlib.pyplot as plt

    psi0 = psi_of(m)
    names = coordinate_names(psi0.shape[0], floats.d)
    width = floats.d + 1
    flat0 = psi0.ravel()
    i0, i1 = pair
    moved = sorted({i0 // width, i1 // width})
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
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    levels = np.unique(np.quantile(R, np.linspace(0, 1, 25)))
    U, V = flat0[i0] + S, flat0[i1] + T
    if levels.size > 1:
        cs = ax.contourf(U, V, R, levels=levels, cmap="magma_r")
        fig.colorbar(cs, ax=ax, label="reduced loss r")
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
    ax.plot([flat0[i0]], [flat0[i1]], marker="*", color="b", ms=12)
    ax.set_xlabel(names[i0])
    ax.set_ylabel(names[i1])
    ax.set_title(f"minimum #{m.id}: r on the ({names[i0]}, {names[i1]}) plane", fontsize=10)
    fig.tight_layout()
    save(fig, path)
    units = ", ".join(f"theta_{u} . xt_i = 0" for u in moved)
    return f"({names[i0]}, {names[i1]}); walls drawn: {units}"

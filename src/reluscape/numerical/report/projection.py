"""Projection of a positive-dimensional set of minima to k + 1 coordinates of psi.

For a k-dimensional set (k <= 2) the report draws its projection to k + 1 coordinates:
the implicit equation F = 0 of the projection, by elimination of the face coordinates
from the component's prime (:func:`reluscape.numerical.components.implicit_equation`,
docs/METHOD.md section 6.3), as the zero set of F (a curve for k = 1, level curves of
the surface for k = 2), with sampled real points of the set.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reluscape.exact.polynomial import parse_polynomial
from reluscape.numerical.components import ComponentGeometry, coordinate_names, implicit_equation
from reluscape.numerical.report.common import GRID, save
from reluscape.schema import Minimum


def projection_coordinates(geometry: ComponentGeometry, samples: list[np.ndarray]) -> list[int]:
    """k + 1 coordinates of psi (at most 3) onto which a k-dimensional set projects well.

    The first k are the rows of the tangent space (in psi) picked by QR with column
    pivoting, so that the projection is locally a bijection; the last is the remaining
    coordinate least explained, over the samples, by an affine function of the first k
    (a coordinate proportional to a chosen one, such as B_l[1] of a unit on a ray, would
    only give a plane).
    """
    import scipy.linalg

    start = geometry.project(geometry.t0)
    tangent = geometry.T @ geometry.tangent(start if start is not None else geometry.t0)
    k = min(geometry.dimension, 3)
    pivots = [int(c) for c in scipy.linalg.qr(tangent.T, pivoting=True)[2][:k]]
    if k < 3:
        flat = np.array([s.ravel() for s in samples])
        design = np.column_stack([np.ones(len(flat)), flat[:, pivots]])
        fitted = design @ np.linalg.lstsq(design, flat, rcond=None)[0]
        unexplained = np.std(flat - fitted, axis=0)
        rest = [c for c in np.argsort(-unexplained) if c not in pivots]
        if rest and unexplained[rest[0]] > 1e-9 * max(1.0, float(np.abs(flat).max())):
            pivots.append(int(rest[0]))
    return pivots


def projection_figure(
    path: Path, m: Minimum, geometry: ComponentGeometry, samples: list[np.ndarray]
) -> str:
    """Draw the set's projection (implicit equation and sampled points) to ``path``.

    Returns the note for the page: the coordinates, and the implicit equation F when the
    projection is a hypersurface.
    """
    import matplotlib.pyplot as plt

    hidden, width = geometry.shape
    names = coordinate_names(hidden, width - 1)
    coords = projection_coordinates(geometry, samples)
    labels = [names[c] for c in coords]
    pts = np.array([s.ravel()[coords] for s in samples])
    equations = implicit_equation(geometry, coords) if len(coords) == geometry.dimension + 1 else []
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = np.maximum(0.5 * (hi - lo), 0.1 * np.maximum(1.0, np.abs(pts).max(axis=0)))
    lo, hi = lo - pad, hi + pad
    curve = parse_polynomial(equations[0], labels) if len(equations) == 1 else None
    if len(coords) == 2:
        fig, ax = plt.subplots(figsize=(5.5, 4.5))
        if curve is not None:
            u, v = np.linspace(lo[0], hi[0], GRID), np.linspace(lo[1], hi[1], GRID)
            U, V = np.meshgrid(u, v)
            F = curve.evaluate_float([U, V])
            ax.contour(U, V, F, levels=[0.0], colors="C0", linewidths=1.5)
            ax.plot([], [], color="C0", label="F = 0 (implicit equation)")
        ax.scatter(pts[:, 0], pts[:, 1], s=12, color="C3", zorder=3, label="sampled points")
        ax.plot(pts[0, 0], pts[0, 1], marker="*", color="k", ms=12, label="sample point")
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
    else:
        fig = plt.figure(figsize=(5.5, 5.0))
        ax = fig.add_subplot(projection="3d")
        if curve is not None:
            u, v = np.linspace(lo[0], hi[0], GRID // 2), np.linspace(lo[1], hi[1], GRID // 2)
            U, V = np.meshgrid(u, v)
            for w in np.linspace(lo[2], hi[2], 9):
                F = curve.evaluate_float([U, V, w + 0 * U])
                if F.min() < 0 < F.max():
                    ax.contour(U, V, F, levels=[0.0], zdir="z", offset=w, colors="C0")
        ax.scatter(pts[:, 0], pts[:, 1], pts[:, 2], s=10, color="C3", label="sampled points")
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
        ax.set_zlabel(labels[2])
        # contour() autoscales z to the values of F; the level curves sit at their offsets
        ax.set_zlim(lo[2], hi[2])
    ax.set_title(f"minimum #{m.id}: the set projected to ({', '.join(labels)})", fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    save(fig, path)
    where = f"({', '.join(labels)})"
    if curve is not None:
        drawn = "the blue curve is" if len(coords) == 2 else "blue level curves show"
        return (
            f"Projection to {where}: implicit equation F = 0 with F = {equations[0]} "
            f"(elimination of the face coordinates from the component's prime; {drawn} "
            "its real zero set, the red dots are sampled real points of the set, on the part "
            "of F = 0 inside the face)."
        )
    if equations:
        return (
            f"Projection to {where}: not a hypersurface; its ideal is generated by "
            + "; ".join(equations)
            + ". Red dots: sampled real points of the set."
        )
    return (
        f"Projection to {where}: the set fills these coordinates (dimension "
        f"{geometry.dimension}), no implicit equation. Red dots: sampled real points."
    )

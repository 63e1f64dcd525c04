"""HTML report of a result: figures of every minimum and a summary table.

:func:`write_report` writes ``DIR/index.html`` and the PNG figures it references by
relative path (Matplotlib, Agg backend), so the directory is self-contained:

- per minimum (orbit representative), the function the network computes,
  f(x) = sum_l a_l ReLU(B_l x + c_l) + mean(y), over the data range with the data points
  (a line plot for d = 1, filled contours over the data's bounding box for d = 2, one
  panel per member); for a positive-dimensional set, several members of the family are
  sampled numerically on the set (:meth:`reluscape.components.ComponentGeometry.sample`:
  random tangent steps, Newton-projected back onto the component's equations inside the
  face) and the report states whether they compute the same function on the data grid;
- per positive-dimensional set of dimension k <= 2, its projection to k + 1 coordinates of
  psi: the implicit equation F = 0 of the projection, by elimination of the face
  coordinates from the component's prime (:func:`reluscape.components.implicit_equation`),
  drawn as the zero set of F (a curve for k = 1; level curves of the surface for k = 2)
  with the sampled real points of the set;
- per minimum, 2-D slices of the reduced loss r through psi*: by default one per hidden
  unit l, moving that unit's first input weight B_l[0] and its bias c_l (all of theta_l
  when d = 1), or along coordinates chosen by the caller; the activation-pattern
  boundaries theta_l . xt_i = 0 of every moved unit are drawn as lines;
- with a ``reluscape compare`` document, a bar chart of the basin frequencies of each
  optimizer per minimum and of the runs that reached no minimum;
- a summary table: counts by dimension, face type, global / spurious, losses, and
  whether the enumeration is complete.

Examples
--------
>>> from reluscape.numerical.report import face_type
>>> from reluscape.schema import Face
>>> chamber = Face(signs="++", kind="chamber", basis=[[1, 0], [0, 1]])
>>> origin = Face(signs="00", kind="origin", basis=[])
>>> face_type([chamber, origin])
'interior'
>>> face_type([chamber, Face(signs="+0", kind="boundary", basis=[[1, -1]])])
'boundary'
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reluscape.data import InputError, Problem, load_problem, read_text
from reluscape.numerical.compare import global_status, problem_difference
from reluscape.numerical.components import ComponentGeometry, coordinate_names, implicit_equation
from reluscape.numerical.loss import a_hat_array, float_data, omega_array, reduced_loss_array
from reluscape.numerical.verify import parse_polynomial
from reluscape.schema import Face, Minimum, Result, problem_from_dict

__all__ = [
    "default_slices",
    "face_type",
    "family_members",
    "parse_slices",
    "read_compare",
    "report_from_files",
    "write_report",
]

GRID = 200
SLICE_GRID = 61
SET_SAMPLES = 60  # sampled real points of a positive-dimensional set
SET_STEP = 0.08  # random-walk step on the set, relative to max(0.1, max |psi*|)
FAMILY_MEMBERS = 4  # members drawn besides the sample point
SAME_FUNCTION_TOL = 1e-6
LOSS_MATCH_TOL = 1e-9  # a compare document's minima must have the result's losses


def face_type(face: Sequence[Face]) -> str:
    """``"interior"`` if every unit lies in a chamber or at the origin, else ``"boundary"``."""
    kinds = {f.kind for f in face}
    return "interior" if kinds <= {"chamber", "origin"} else "boundary"


# --------------------------------------------------------------------------- numerics


@dataclass
class _Net:
    """Float data of one problem, for evaluating networks and reduced losses."""

    xt: np.ndarray
    yt: np.ndarray
    lam: float
    mean_y: float

    @classmethod
    def of(cls, problem: Problem) -> _Net:
        xt, yt, lam = float_data(problem)
        mean_y = float(sum(problem.y) / len(problem.y))
        return cls(xt=xt, yt=yt, lam=lam, mean_y=mean_y)

    def a_hat(self, psi: np.ndarray) -> np.ndarray:
        return a_hat_array(omega_array(self.xt, psi), self.yt, self.lam)

    def f(self, psi: np.ndarray, a: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Network output at the rows of x (m x d), outputs un-centered."""
        xt = np.hstack([x, np.ones((x.shape[0], 1))])
        return omega_array(xt, psi) @ a + self.mean_y

    def r(self, psi: np.ndarray) -> float:
        return reduced_loss_array(self.xt, self.yt, self.lam, psi)


def _psi_of(m: Minimum) -> np.ndarray:
    B = np.asarray(m.point.B, dtype=float)
    c = np.asarray(m.point.c, dtype=float)
    return np.hstack([B, c[:, None]])


def set_samples(m: Minimum, net: _Net) -> tuple[ComponentGeometry | None, list[np.ndarray]]:
    """The geometry of a positive-dimensional minimum's set and sampled points of it.

    Returns (None, []) when the component cannot be used (missing or unparsable).
    """
    try:
        geometry = ComponentGeometry(m, net.xt)
    except ValueError:
        return None, []
    step = SET_STEP * max(0.1, float(np.abs(_psi_of(m)).max()))
    return geometry, geometry.sample(SET_SAMPLES, step=step, seed=m.id)


def family_members(samples: list[np.ndarray], *, count: int = FAMILY_MEMBERS) -> list[np.ndarray]:
    """The first sample (the sample point) and up to ``count`` others spread over the set.

    Farthest-point selection: each next member is the sample farthest (max-abs in psi)
    from the members chosen so far.
    """
    if not samples:
        return []
    members = [samples[0]]
    while len(members) < count + 1:
        gaps = [min(float(np.abs(s - m).max()) for m in members) for s in samples]
        k = int(np.argmax(gaps))
        if gaps[k] <= 0.0:
            break
        members.append(samples[k])
    return members


# --------------------------------------------------------------------------- figures


def _data_x(problem: Problem) -> np.ndarray:
    return np.array([[float(v) for v in row] for row in problem.X], dtype=float)


def _data_y(problem: Problem) -> np.ndarray:
    return np.array([float(v) for v in problem.y], dtype=float)


def _grid(problem: Problem) -> tuple[np.ndarray, list[np.ndarray]]:
    """Evaluation points over the data range (padded by 10 %) and the axes."""
    X = _data_x(problem)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.where(hi > lo, hi - lo, 1.0)
    lo, hi = lo - pad, hi + pad
    if problem.d == 1:
        axis = np.linspace(lo[0], hi[0], GRID)
        return axis[:, None], [axis]
    if problem.d == 2:
        u = np.linspace(lo[0], hi[0], GRID // 2)
        v = np.linspace(lo[1], hi[1], GRID // 2)
        uu, vv = np.meshgrid(u, v)
        return np.column_stack([uu.ravel(), vv.ravel()]), [u, v]
    return X, []


def _function_figure(
    path: Path, problem: Problem, net: _Net, m: Minimum, members: list[np.ndarray]
) -> tuple[bool, float]:
    """Draw f for the sample point (and family members); return (same function, max diff)."""
    import matplotlib.pyplot as plt

    pts, axes = _grid(problem)
    psi0 = _psi_of(m)
    a0 = np.asarray(m.point.a, dtype=float)
    f0 = net.f(psi0, a0, pts)
    diffs = [0.0]
    member_f = []
    for psi in members[1:]:
        fk = net.f(psi, net.a_hat(psi), pts)
        member_f.append(fk)
        diffs.append(float(np.abs(fk - f0).max()))
    max_diff = max(diffs)
    same = max_diff <= SAME_FUNCTION_TOL * max(1.0, float(np.abs(f0).max()))
    X, y = _data_x(problem), _data_y(problem)
    title = f"minimum #{m.id}: loss {_loss_text(m.loss, 6)}, dimension {m.dimension}"
    if problem.d == 2:
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
        fig.savefig(path, format="png", dpi=90)
        plt.close(fig)
        return same, max_diff
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    if problem.d == 1:
        ax.plot(axes[0], f0, color="C0", lw=2, label="f (sample point)")
        for k, fk in enumerate(member_f):
            ax.plot(axes[0], fk, ls="--", lw=1, color=f"C{k % 8 + 1}", label=f"member {k + 1}")
        ax.scatter(X[:, 0], y, color="k", zorder=3, label="data")
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
        ax.legend(fontsize=7)
    else:
        ax.scatter(y, f0, color="k", label="sample point")
        for k, fk in enumerate(member_f):
            ax.scatter(y, fk, marker="x", color=f"C{k % 8 + 1}", label=f"member {k + 1}")
        ax.set_xlabel("y")
        ax.set_ylabel("f(x) at the data")
        ax.legend(fontsize=7)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=90)
    plt.close(fig)
    return same, max_diff


def default_slices(hidden: int, d: int) -> list[tuple[int, int]]:
    """One slice per unit l: its first input weight B_l[0] and its bias c_l (flat indices)."""
    return [(unit * (d + 1), unit * (d + 1) + d) for unit in range(hidden)]


def parse_slices(specs: Sequence[str], hidden: int, d: int) -> list[tuple[int, int]]:
    """Coordinate pairs ``"NAME,NAME"`` (names of :func:`reluscape.components.coordinate_names`,
    e.g. ``B_0,c_0`` or ``B_1,B_0``) as pairs of flat indices into psi.

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


def _slice_figure(
    path: Path, problem: Problem, net: _Net, m: Minimum, pair: tuple[int, int]
) -> str:
    """Reduced loss over the plane through psi* moving the two coordinates in ``pair``.

    psi(s, t) = psi* + s e_i + t e_j; a is re-fitted (r = l(a_hat(psi), psi)). The walls
    theta_l(s, t) . xt_i = 0 of every unit l that moves are drawn, one colour per unit.
    """
    import matplotlib.pyplot as plt

    names = coordinate_names(problem.hidden, problem.d)
    width = problem.d + 1
    psi0 = _psi_of(m)
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
            R[p, q] = net.r(flat.reshape(psi0.shape))
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    levels = np.unique(np.quantile(R, np.linspace(0, 1, 25)))
    U, V = flat0[i0] + S, flat0[i1] + T
    if levels.size > 1:
        cs = ax.contourf(U, V, R, levels=levels, cmap="magma_r")
        fig.colorbar(cs, ax=ax, label="reduced loss r")
    for k, unit in enumerate(moved):
        for i in range(net.xt.shape[0]):
            Z = psi0[unit] @ net.xt[i] + np.zeros_like(S)
            if i0 // width == unit:
                Z += S * net.xt[i, i0 % width]
            if i1 // width == unit:
                Z += T * net.xt[i, i1 % width]
            if Z.min() < 0 < Z.max():
                ax.contour(U, V, Z, levels=[0.0], colors=["c", "lime", "w", "y"][k % 4])
    ax.plot([flat0[i0]], [flat0[i1]], marker="*", color="b", ms=12)
    ax.set_xlabel(names[i0])
    ax.set_ylabel(names[i1])
    ax.set_title(f"minimum #{m.id}: r on the ({names[i0]}, {names[i1]}) plane", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=90)
    plt.close(fig)
    units = ", ".join(f"theta_{u} . xt_i = 0" for u in moved)
    return f"({names[i0]}, {names[i1]}); walls drawn: {units}"


def _projection_coordinates(geometry: ComponentGeometry, samples: list[np.ndarray]) -> list[int]:
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


def _projection_figure(
    path: Path, problem: Problem, m: Minimum, geometry: ComponentGeometry, samples: list
) -> str:
    """Draw the set's projection (implicit equation and sampled points); return a note."""
    import matplotlib.pyplot as plt

    names = coordinate_names(problem.hidden, problem.d)
    coords = _projection_coordinates(geometry, samples)
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
    fig.savefig(path, format="png", dpi=90)
    plt.close(fig)
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


def _basin_figure(path: Path, comparison: dict[str, Any], result: Result) -> None:
    """Bars: runs of each optimizer per enumerated minimum, and runs at no minimum."""
    import matplotlib.pyplot as plt

    sections = [("L-BFGS-B", comparison["multistart"])]
    if comparison.get("adam", {}).get("status") == "ok":
        sections.append(("Adam", comparison["adam"]))
    labels = [f"#{m.id}" for m in result.minima] + ["stuck", "dead unit", "not conv."]
    fig, ax = plt.subplots(figsize=(max(5.5, 0.6 * len(labels) + 2), 4.0))
    x = np.arange(len(labels))
    width = 0.8 / len(sections)
    for k, (name, sec) in enumerate(sections):
        counts = [sec["basins"][m.id] for m in result.minima] + [
            sec["stuck_at_saddles_or_kinks"],
            len(sec["dead_unit_runs"]),
            sec["not_converged"],
        ]
        ax.bar(x + (k - (len(sections) - 1) / 2) * width, counts, width, label=name)
    ax.set_xticks(x, labels, fontsize=8)
    ax.set_ylabel(f"runs (of {comparison['multistart']['runs']})")
    ax.set_title("basin frequencies: where each random start ended", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=90)
    plt.close(fig)


# --------------------------------------------------------------------------- HTML


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n</table>\n"


_CSS = (
    "body{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em}"
    "table{border-collapse:collapse;margin:0.5em 0}"
    "td,th{border:1px solid #bbb;padding:2px 8px;text-align:right}"
    ".fig{display:inline-block;margin:0 1em 1em 0;vertical-align:top}"
    ".incomplete{color:#a00;font-weight:bold}"
)


_HEADING_STATUS = {
    "global": ", global",
    "spurious": "",
    "lowest found, not certified": ", lowest found, not certified global",
}


def _loss_text(loss: float | None, digits: int) -> str:
    return "(overflows a float)" if loss is None else f"{loss:.{digits}g}"


def _check_drawable(m: Minimum) -> None:
    """The schema (:class:`reluscape.schema.Result`) has checked shapes; a figure also
    needs the float point, which is None where a coordinate overflows a float."""
    values = [*m.point.a, *m.point.c, *(v for row in m.point.B for v in row)]
    if any(v is None for v in values):
        raise InputError(
            f"minimum {m.id}: a coordinate of its point overflows a float; it cannot be drawn"
        )


def write_report(
    result: Result,
    problem: Problem,
    out_dir: str | Path,
    *,
    comparison: dict[str, Any] | None = None,
    slices: Sequence[tuple[int, int]] | None = None,
) -> Path:
    """Write ``out_dir/index.html`` and its PNG figures; return the path of index.html.

    Parameters
    ----------
    result : Result
        A result document (from :func:`reluscape.pipeline.solve` or ``Result.from_json``).
    problem : Problem
        The problem it was computed for.
    out_dir : str or Path
        Output directory; created if missing.
    comparison : dict, optional
        A ``reluscape compare`` document for the same problem (:func:`read_compare`):
        adds the bar chart of basin frequencies.
    slices : sequence of (int, int), optional
        Pairs of flat indices into psi (:func:`parse_slices`) along which every minimum's
        loss slices are drawn; default :func:`default_slices`, one per unit.

    Raises
    ------
    InputError
        If the directory cannot be created or written, or the result is malformed.
    """
    import matplotlib

    matplotlib.use("Agg")

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputError(f"the report directory {out} is a file, need a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".reluscape-write-test"
        probe.write_text("", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise InputError(
            f"cannot write the report directory {out}: {exc.strerror or exc}"
        ) from None
    for m in result.minima:
        _check_drawable(m)

    try:
        net = _Net.of(problem)
    except OverflowError:
        raise InputError("the data or lambda overflow a float; no figure can be drawn") from None
    p = result.problem
    pairs = list(slices) if slices else default_slices(problem.hidden, problem.d)
    sections = []
    for m in result.minima:
        fname = f"minimum_{m.id}_function.png"
        geometry, samples = set_samples(m, net) if m.dimension > 0 else (None, [])
        members = family_members(samples) or [_psi_of(m)]
        same, diff = _function_figure(out / fname, problem, net, m, members)
        figures = [(fname, f"function of minimum {m.id}")]
        notes = []
        if m.dimension > 0:
            losses = [net.r(psi) for psi in members]
            spread = max(losses) - min(losses)
            if len(members) > 1:
                notes.append(
                    f"Family: {len(members)} members drawn, chosen far apart among "
                    f"{len(samples)} points sampled on the set (random tangent steps, "
                    "Newton-projected onto the component's equations inside the face). "
                    f"Reduced loss along the members varies by {spread:.2e}."
                )
                notes.append(
                    "All members drawn compute the same function on the data grid "
                    f"(max difference {diff:.2e})."
                    if same
                    else "The members drawn compute different functions on the data grid "
                    f"(max difference {diff:.2e})."
                )
            else:
                notes.append(
                    "Family: the component could not be sampled; only the sample point is drawn."
                )
        if geometry is not None and len(samples) > 1:
            pname = f"minimum_{m.id}_projection.png"
            notes.append(_projection_figure(out / pname, problem, m, geometry, samples))
            figures.append((pname, f"projection of the set of minimum {m.id}"))
        planes = []
        for k, pair in enumerate(pairs):
            sname = f"minimum_{m.id}_slice_{k}.png"
            planes.append(_slice_figure(out / sname, problem, net, m, pair))
            figures.append((sname, f"loss slice {k} of minimum {m.id}"))
        notes.append(
            "Slices: reduced loss r through the minimum (the other coordinates of psi fixed; "
            "a re-fitted by a_hat) on the planes " + "; ".join(planes) + ". Coloured lines are "
            "the activation-pattern boundaries of the moved units."
        )
        face = " | ".join(f"{u.signs} ({u.kind})" for u in m.face)
        notes_html = "".join(f"<p>{html.escape(n)}</p>" for n in notes)
        images = "".join(
            f'<div class="fig"><img src="{f}" alt="{html.escape(alt)}"></div>' for f, alt in figures
        )
        sections.append(
            f'<h3 id="m{m.id}">Minimum #{m.id}: loss {_loss_text(m.loss, 10)}, dimension '
            f"{m.dimension}{_HEADING_STATUS[global_status(m, result.minima)]}</h3>\n"
            f"<p>Face: <code>{html.escape(face)}</code>; orbit size {m.orbit_size}; decided by "
            f"{html.escape(m.verdict.decided_by)}.</p>\n"
            f"{images}\n{notes_html}\n"
        )
    basins = ""
    if comparison is not None:
        _basin_figure(out / "basins.png", comparison, result)
        ms = comparison["multistart"]
        adam = comparison.get("adam", {})
        rows = [
            [m.id, ms["basins"][m.id], adam["basins"][m.id] if "basins" in adam else "-"]
            for m in result.minima
        ]
        basins = (
            "<h2>Basins of attraction</h2>\n"
            f"<p>From the <code>reluscape compare</code> document: {ms['runs']} seeded "
            "random starts per optimizer, each run assigned to the enumerated minimum it "
            "reached by its parameters.</p>\n"
            '<div class="fig"><img src="basins.png" alt="basin frequencies"></div>\n'
            + _table(["#", "L-BFGS-B runs", "Adam runs"], rows)
        )
    by_dim = Counter(m.dimension for m in result.minima)
    by_face = Counter(face_type(m.face) for m in result.minima)
    status = {m.id: global_status(m, result.minima) for m in result.minima}
    by_status = Counter(status.values())
    shown = ["global", "spurious"] + ([] if result.complete else ["lowest found, not certified"])
    summary = _table(
        ["", "count"],
        [[f"dimension {k}", c] for k, c in sorted(by_dim.items())]
        + [[f"{k} face", c] for k, c in sorted(by_face.items())]
        + [[k, by_status[k]] for k in shown]
        + [["undecided candidates", len(result.undecided)]],
    )
    minima_rows = [
        [
            m.id,
            _loss_text(m.loss, 10),
            m.dimension,
            face_type(m.face),
            status[m.id],
            m.orbit_size,
        ]
        for m in result.minima
    ]
    minima_table = _table(["#", "loss", "dim", "face", "type", "orbit"], minima_rows)
    if result.complete:
        completeness = (
            "<p>The enumeration is <b>complete</b>: every face was enumerated and every "
            "candidate decided.</p>"
        )
    else:
        completeness = (
            '<p class="incomplete">The enumeration is INCOMPLETE: '
            f"{len(result.undecided)} candidate(s) undecided, "
            f"{len(result.stats.get('faces_undecided') or [])} face(s) undecided; "
            "the listed minima are certified, but others may exist, so none is certified "
            "global.</p>"
        )
    title = (
        f"reluscape report: L = {p.hidden}, lambda = {p.lam} ({p.convention}), n = {p.n}, d = {p.d}"
    )
    doc = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n"
        f"<p>Data: <code>{html.escape(str(p.source))}</code>. "
        f"{len(result.minima)} local minima up to unit permutation.</p>\n"
        f"{completeness}\n<h2>Summary</h2>\n{summary}\n<h2>Minima</h2>\n{minima_table}\n"
        f"{basins}" + "".join(sections) + "</body>\n</html>\n"
    )
    index = out / "index.html"
    try:
        index.write_text(doc, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {index}: {exc.strerror or exc}") from None
    return index


def read_compare(path: str | Path, result: Result) -> dict[str, Any]:
    """Read a ``reluscape compare --out`` document and check it belongs to ``result``.

    The recorded problem (hidden units, lambda, data) must equal the result's, and the
    compared minima must be the result's (same ids and losses); basin counts are read with
    integer minimum ids.

    Raises
    ------
    InputError
        If the file cannot be read, is not a comparison document, or was computed for a
        different problem or enumeration.
    """
    name = str(path)
    text = read_text(Path(path), kind="comparison", expected="a JSON file")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    try:
        try:
            theirs = problem_from_dict(doc["problem"])
        except InputError as exc:
            raise InputError(f"{name} is not a reluscape compare document: {exc}") from None
        difference = problem_difference(
            result.problem, theirs, labels=("in the result", "in the comparison")
        )
        if difference is not None:
            raise InputError(
                f"{name} was computed for a different problem than the result ({difference}); "
                "pass the compare document of the same data and settings"
            )
        compared = {int(m["id"]): float(m["loss"]) for m in doc["enumeration"]["minima"]}
        mine = {m.id: m.loss for m in result.minima}
        if set(compared) != set(mine) or any(
            abs(compared[i] - mine[i]) > LOSS_MATCH_TOL * max(1.0, abs(mine[i])) for i in mine
        ):
            raise InputError(f"{name} compares a different list of minima than the result")
        sections = ["multistart"] + (["adam"] if doc.get("adam", {}).get("status") == "ok" else [])
        for key in sections:
            sec = doc[key]
            sec["basins"] = {int(k): int(v) for k, v in sec["basins"].items()}
            if set(sec["basins"]) != set(mine) or min(sec["basins"].values(), default=0) < 0:
                raise InputError(f"{name} is malformed: {key}.basins do not match the minima")
            for field in ("runs", "stuck_at_saddles_or_kinks", "not_converged"):
                sec[field] = int(sec[field])
            len(sec["dead_unit_runs"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(
            f"{name} is not a reluscape compare document: {type(exc).__name__}: {exc}"
        ) from None
    return doc


def report_from_files(
    result_path: str | Path,
    data: str | Path | None,
    out_dir: str | Path,
    *,
    compare_path: str | Path | None = None,
    slices: Sequence[str] = (),
) -> Path:
    """Read RESULT.json and write the report of it to ``out_dir``.

    The data are those recorded in the result document (its ``problem`` holds X and y
    exactly). A DATA.csv given as ``data`` is read with the recorded settings and must
    equal the recorded data exactly. ``compare_path`` names a ``reluscape compare --out``
    document of the same problem (:func:`read_compare`); ``slices`` are coordinate pairs
    for :func:`parse_slices`.

    Raises
    ------
    InputError
        If the result or the comparison cannot be read or is malformed, the data differ
        from the recorded data, a slice is not a pair of coordinates, or the directory
        cannot be written.
    """
    result = Result.read(result_path)
    problem = result.problem
    if data is not None:
        given = load_problem(
            data, hidden=problem.hidden, lam=problem.lam, convention=problem.convention
        )
        difference = problem_difference(
            problem, given, fields=("X", "y"), labels=("in the result", "in the data file")
        )
        if difference is not None:
            raise InputError(
                f"{result_path} was computed on different data than {data}: {difference}"
            )
    comparison = read_compare(compare_path, result) if compare_path is not None else None
    pairs = parse_slices(slices, problem.hidden, problem.d) if slices else None
    return write_report(result, problem, out_dir, comparison=comparison, slices=pairs)

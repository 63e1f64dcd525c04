"""HTML report of a result: figures of every minimum and a summary table.

:func:`write_report` writes ``DIR/index.html`` and the PNG figures it references by
relative path (Matplotlib, Agg backend), so the directory is self-contained:

- per minimum (orbit representative), the function the network computes,
  f(x) = sum_l a_l ReLU(B_l x + c_l) + mean(y), over the data range with the data points
  (a line plot for d = 1, a filled contour over the data's bounding box for d = 2);
  for a positive-dimensional set, a few members of the family are sampled numerically
  along the component (tangent step, then Newton projection back onto the zero set of
  the prime's generators) and the report states whether they compute the same function
  on the data grid;
- per minimum, a 2-D slice of the reduced loss r through psi* along the first two
  coordinates of theta_0 = (B_0, c_0), with the activation-pattern boundaries
  theta_l . xt_i = 0 drawn as lines;
- a summary table: counts by dimension, face type, global / spurious, losses, and
  whether the enumeration is complete.

Examples
--------
>>> from reluscape.report import face_type
>>> face_type([{"kind": "chamber"}, {"kind": "origin"}])
'interior'
>>> face_type([{"kind": "chamber"}, {"kind": "boundary"}])
'boundary'
"""

from __future__ import annotations

import html
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reluscape.data import InputError, Problem
from reluscape.projection import a_hat_array, float_data, omega_array, reduced_loss_array
from reluscape.result import Minimum, Result

__all__ = ["face_type", "family_members", "report_from_files", "write_report"]

GRID = 200
SLICE_GRID = 61
FAMILY_STEPS = 3
SAME_FUNCTION_TOL = 1e-6


def face_type(face: Sequence[dict[str, Any]]) -> str:
    """``"interior"`` if every unit lies in a chamber or at the origin, else ``"boundary"``."""
    kinds = {f.get("kind") for f in face}
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
    B = np.asarray(m.point["B"], dtype=float)
    c = np.asarray(m.point["c"], dtype=float)
    return np.hstack([B, c[:, None]])


_POLY_OK = re.compile(r"^[0-9t_+\-*/^(). ]+$")


def _compile_poly(text: str, variables: Sequence[str]) -> Any:
    """A Sage polynomial over the t-variables as a Python function of a float vector."""
    if not _POLY_OK.match(text):
        raise ValueError(f"unexpected characters in polynomial {text[:60]!r}")
    expr = text.replace("^", "**")
    for name in re.findall(r"t\d+_\d+", expr):
        if name not in variables:
            raise ValueError(f"polynomial uses {name}, not among the component's variables")
    code = compile(expr, "<prime>", "eval")

    def fn(t: np.ndarray) -> float:
        env = {v: float(t[k]) for k, v in enumerate(variables)}
        return float(eval(code, {"__builtins__": {}}, env))

    return fn


def _t_to_psi(m: Minimum, variables: Sequence[str], t: np.ndarray, psi0: np.ndarray) -> np.ndarray:
    psi = psi0.copy()
    values = dict(zip(variables, t, strict=True))
    for u, unit in enumerate(m.face):
        names = [f"t{u}_{j}" for j in range(len(unit.get("basis", [])))]
        if unit.get("kind") == "origin" or not names or names[0] not in values:
            continue
        basis = np.array([[float(_frac(v)) for v in row] for row in unit["basis"]])
        psi[u] = np.array([values[n] for n in names]) @ basis
    return psi


def _frac(v: Any) -> float:
    from fractions import Fraction

    return float(Fraction(str(v)))


def family_members(
    m: Minimum, net: _Net, *, steps: int = FAMILY_STEPS
) -> tuple[list[np.ndarray], str]:
    """Points psi on the set of a positive-dimensional minimum near its sample point.

    Walks along the first tangent direction of the zero set of the component's prime
    (null space of its Jacobian), projecting back by Gauss-Newton, in both directions,
    and stops where the walk leaves the face's sign vector. Returns the members (the
    sample point first) and a sentence on how they were obtained.
    """
    psi0 = _psi_of(m)
    comp = m.component or {}
    variables = list(comp.get("variables") or [])
    rational = m.point.get("rational") or {}
    if not variables or not comp.get("prime") or any(v not in rational for v in variables):
        return [
            psi0
        ], "the component could not be parametrized: all members drawn are at the sample point"
    try:
        gens = [_compile_poly(p, variables) for p in comp["prime"]]
        t0 = np.array([_frac(rational[v]) for v in variables])
    except (ValueError, ZeroDivisionError, SyntaxError):
        return [
            psi0
        ], "the component could not be parametrized: all members drawn are at the sample point"

    def g(t: np.ndarray) -> np.ndarray:
        return np.array([fn(t) for fn in gens])

    def jac(t: np.ndarray) -> np.ndarray:
        h = 1e-7 * max(1.0, float(np.linalg.norm(t)))
        cols = [(g(t + h * e) - g(t - h * e)) / (2 * h) for e in np.eye(len(t))]
        return np.array(cols).T

    signs = [unit["signs"] for unit in m.face]

    def on_face(psi: np.ndarray) -> bool:
        z = net.xt @ psi.T
        for u, s in enumerate(signs):
            for i, ch in enumerate(s):
                v = z[i, u]
                scale = 1e-7 * max(1.0, float(np.abs(psi[u]).max()))
                if (ch == "+" and v <= scale) or (ch == "-" and v >= -scale):
                    return False
                if ch == "0" and abs(v) > 1e-5 * max(1.0, float(np.abs(psi[u]).max())):
                    return False
        return True

    step = 0.12 * max(float(np.linalg.norm(t0)), 1e-3)
    members = [psi0]
    for direction in (1.0, -1.0):
        t = t0.copy()
        for _ in range(steps):
            _, _, vt = np.linalg.svd(jac(t))
            tangent = vt[-1]
            t_new = t + direction * step * tangent
            for _ in range(30):
                res = g(t_new)
                if float(np.abs(res).max()) < 1e-11:
                    break
                t_new = t_new - np.linalg.lstsq(jac(t_new), res, rcond=None)[0]
            if not np.all(np.isfinite(t_new)) or float(np.abs(g(t_new)).max()) > 1e-8:
                break
            psi = _t_to_psi(m, variables, t_new, psi0)
            if not on_face(psi):
                break
            members.append(psi)
            # keep walking the same way along the curve
            if float(np.dot(t_new - t, tangent)) * direction < 0:
                break
            t = t_new
    if len(members) == 1:
        return (
            members,
            "no other member found near the sample point: "
            "all members drawn are at the sample point",
        )
    return members, (
        f"{len(members)} members sampled along the component (tangent steps projected back "
        "onto the zero set of its prime by Gauss-Newton, staying on the face)"
    )


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
    a0 = np.asarray(m.point["a"], dtype=float)
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
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    if problem.d == 1:
        ax.plot(axes[0], f0, color="C0", lw=2, label="f (sample point)")
        for k, fk in enumerate(member_f):
            ax.plot(axes[0], fk, ls="--", lw=1, color=f"C{k % 8 + 1}", label=f"member {k + 1}")
        ax.scatter(X[:, 0], y, color="k", zorder=3, label="data")
        ax.set_xlabel("x")
        ax.set_ylabel("f(x)")
        if len(member_f) <= 6:
            ax.legend(fontsize=7)
    elif problem.d == 2:
        u, v = axes
        cs = ax.contourf(u, v, f0.reshape(len(v), len(u)), levels=20, cmap="viridis")
        fig.colorbar(cs, ax=ax, label="f(x)")
        ax.scatter(X[:, 0], X[:, 1], c=y, cmap="viridis", norm=cs.norm, edgecolors="k", zorder=3)
        for i in range(len(y)):
            ax.annotate(f"{y[i]:.2g}", (X[i, 0], X[i, 1]), fontsize=7, color="k")
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
    else:
        ax.scatter(y, net.f(psi0, a0, X), color="k")
        ax.set_xlabel("y")
        ax.set_ylabel("f(x) at the data")
    ax.set_title(f"minimum #{m.id}: loss {m.loss:.6g}, dimension {m.dimension}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=90)
    plt.close(fig)
    return same, max_diff


def _slice_figure(path: Path, problem: Problem, net: _Net, m: Minimum) -> str:
    """Reduced loss over the plane through psi* spanned by the first two coordinates of theta_0."""
    import matplotlib.pyplot as plt

    psi0 = _psi_of(m)
    names = [f"B_0[{j}]" for j in range(problem.d)] + ["c_0"]
    if problem.d == 1:
        names = ["B_0", "c_0"]
    (i0, i1) = (0, 1)
    span = max(0.5, 0.75 * float(np.abs(psi0[0]).max()))
    s = np.linspace(-span, span, SLICE_GRID)
    S, T = np.meshgrid(s, s)
    R = np.empty_like(S)
    for p in range(S.shape[0]):
        for q in range(S.shape[1]):
            psi = psi0.copy()
            psi[0, i0] += S[p, q]
            psi[0, i1] += T[p, q]
            R[p, q] = net.r(psi)
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    levels = np.quantile(R, np.linspace(0, 1, 25))
    levels = np.unique(levels)
    cs = ax.contourf(psi0[0, i0] + S, psi0[0, i1] + T, R, levels=levels, cmap="magma_r")
    fig.colorbar(cs, ax=ax, label="reduced loss r")
    # activation-pattern boundaries: theta_0 . xt_i = 0 (only theta_0 moves in the slice)
    for i in range(net.xt.shape[0]):
        Z = psi0[0] @ net.xt[i] + S * net.xt[i, i0] + T * net.xt[i, i1]
        if Z.min() < 0 < Z.max():
            ax.contour(
                psi0[0, i0] + S, psi0[0, i1] + T, Z, levels=[0.0], colors="c", linewidths=0.8
            )
    ax.plot([psi0[0, i0]], [psi0[0, i1]], marker="*", color="b", ms=12)
    ax.set_xlabel(names[i0])
    ax.set_ylabel(names[i1])
    ax.set_title(f"minimum #{m.id}: r on the ({names[i0]}, {names[i1]}) plane", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=90)
    plt.close(fig)
    return f"({names[i0]}, {names[i1]})"


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


def _check_minimum(m: Minimum, problem: Problem, k: int) -> None:
    where = f"minima[{k}]"
    try:
        psi = _psi_of(m)
        a = np.asarray(m.point["a"], dtype=float)
        float(m.loss)
        int(m.dimension)
        [u["signs"] for u in m.face]
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"result is malformed: {where}: {exc}") from None
    if psi.shape != (problem.hidden, problem.d + 1) or a.shape != (problem.hidden,):
        raise InputError(
            f"result is malformed: {where}: point has shape a {a.shape}, (B, c) {psi.shape}; "
            f"expected ({problem.hidden},), ({problem.hidden}, {problem.d + 1})"
        )
    if not (np.all(np.isfinite(psi)) and np.all(np.isfinite(a))):
        raise InputError(f"result is malformed: {where}: point is not finite")


def write_report(result: Result, problem: Problem, out_dir: str | Path) -> Path:
    """Write ``out_dir/index.html`` and its PNG figures; return the path of index.html.

    Parameters
    ----------
    result : Result
        A result document (from :func:`reluscape.pipeline.solve` or ``Result.from_json``).
    problem : Problem
        The problem it was computed for.
    out_dir : str or Path
        Output directory; created if missing.

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
    for k, m in enumerate(result.minima):
        _check_minimum(m, problem, k)

    net = _Net.of(problem)
    p = result.problem
    sections = []
    for m in result.minima:
        fname = f"minimum_{m.id}_function.png"
        sname = f"minimum_{m.id}_slice.png"
        if m.dimension > 0:
            members, how = family_members(m, net)
        else:
            members, how = [_psi_of(m)], ""
        same, diff = _function_figure(out / fname, problem, net, m, members)
        plane = _slice_figure(out / sname, problem, net, m)
        notes = []
        if m.dimension > 0:
            losses = [net.r(psi) for psi in members]
            spread = max(losses) - min(losses)
            notes.append(f"Family: {how}. Reduced loss along the members varies by {spread:.2e}.")
            if len(members) > 1:
                notes.append(
                    "All members drawn compute the same function on the data grid "
                    f"(max difference {diff:.2e})."
                    if same
                    else "The members drawn compute different functions on the data grid "
                    f"(max difference {diff:.2e})."
                )
        notes.append(
            f"Slice: reduced loss r on the {plane} plane through the minimum (the other "
            "coordinates of psi fixed; a re-fitted by a_hat); cyan lines are activation-"
            "pattern boundaries theta_0 . xt_i = 0."
        )
        face = " | ".join(f"{u['signs']} ({u.get('kind', '?')})" for u in m.face)
        notes_html = "".join(f"<p>{html.escape(n)}</p>" for n in notes)
        sections.append(
            f'<h3 id="m{m.id}">Minimum #{m.id}: loss {m.loss:.10g}, dimension {m.dimension}'
            f"{', global' if m.is_global else ''}</h3>\n"
            f"<p>Face: <code>{html.escape(face)}</code>; orbit size {m.orbit_size}; decided by "
            f"{html.escape(str(m.verdict.get('decided_by', '?')))}.</p>\n"
            f'<div class="fig"><img src="{fname}" alt="function of minimum {m.id}"></div>'
            f'<div class="fig"><img src="{sname}" alt="loss slice of minimum {m.id}"></div>\n'
            f"{notes_html}\n"
        )

    by_dim = Counter(m.dimension for m in result.minima)
    by_face = Counter(face_type(m.face) for m in result.minima)
    n_global = sum(1 for m in result.minima if m.is_global)
    summary = _table(
        ["", "count"],
        [[f"dimension {k}", c] for k, c in sorted(by_dim.items())]
        + [[f"{k} face", c] for k, c in sorted(by_face.items())]
        + [
            ["global", n_global],
            ["spurious", len(result.minima) - n_global],
            ["undecided candidates", len(result.undecided)],
        ],
    )
    minima_rows = [
        [
            m.id,
            f"{m.loss:.10g}",
            m.dimension,
            face_type(m.face),
            "global" if m.is_global else "spurious",
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
            "the listed minima are certified, but others may exist.</p>"
        )
    title = (
        f"reluscape report: L = {p.get('hidden')}, lambda = {p.get('lam')} "
        f"({p.get('convention')}), n = {p.get('n')}, d = {p.get('d')}"
    )
    doc = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n"
        f"<p>Data: <code>{html.escape(str(p.get('data')))}</code>. "
        f"{len(result.minima)} local minima up to unit permutation.</p>\n"
        f"{completeness}\n<h2>Summary</h2>\n{summary}\n<h2>Minima</h2>\n{minima_table}\n"
        + "".join(sections)
        + "</body>\n</html>\n"
    )
    index = out / "index.html"
    try:
        index.write_text(doc, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write {index}: {exc.strerror or exc}") from None
    return index


def report_from_files(result_path: str | Path, data: str | Path, out_dir: str | Path) -> Path:
    """Read RESULT.json and DATA.csv (checked to be the recorded data) and write the report.

    Raises
    ------
    InputError
        If the result cannot be read or is malformed, the data differ from the recorded
        data, or the directory cannot be written.
    """
    from reluscape.check import problem_of_document, read_result_document

    name = str(result_path)
    doc = read_result_document(result_path)
    try:
        result = Result.from_dict(doc)
    except (TypeError, KeyError, ValueError) as exc:
        raise InputError(f"{name} is malformed: {exc}") from None
    problem = problem_of_document(doc, data, name)
    if not math.isfinite(float(problem.lam_sum)):
        raise InputError(f"{name} is malformed: lambda is not finite")
    try:
        return write_report(result, problem, out_dir)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{name} is malformed: {type(exc).__name__}: {exc}") from None

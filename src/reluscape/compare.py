"""Compare the exact enumeration with numerical training and with the convex reformulation.

Three methods on one problem (METHOD.md sections 1, 2, 7):

- the exact enumeration, :func:`reluscape.pipeline.solve`;
- multistart training of the full loss l(a, B, c) from K seeded starts
  (:func:`reluscape.numerics.multistart`: L-BFGS-B plus chamber polishing and probing), and,
  if torch is importable, plain Adam on l from the same starts;
- the convex reformulation of two-layer ReLU training with weight decay (Pilanci and Ergen,
  2020) over the activation patterns of the arrangement's chambers, solved with cvxpy.

Each converged run that the probe calls a local minimum is assigned to the enumerated
minimum it reached (METHOD.md section 7: every such run must be in the enumerated set). A
run at a probed local minimum that matches no enumerated minimum is a possible bug and is
reported loudly, except for runs with a dead unit (|theta_l| < 1e-3): the probe is too weak
there (r is flat to first order in every direction of a dead unit), so they are listed
separately as numerically unjudgeable.

The convex optimum p* is numerical (an interior-point solver), so it is compared with the
exact global minimum with a relative slack of 1e-6; it lower-bounds every local minimum for
any L and equals the global minimum once L >= the number of nonzero blocks it uses.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from reluscape.data import Problem
from reluscape.projection import float_data, reduced_loss_array

if TYPE_CHECKING:
    from reluscape.numerics import NumericalRun
    from reluscape.result import Minimum, Result

__all__ = ["CONVEX_SLACK", "DEAD_TOL", "LOSS_TOL", "PARAM_TOL", "compare", "convex_bound"]

LOSS_TOL = 1e-7  # reduced loss of a run vs the minimum's loss (relative to max(1, |loss|))
PARAM_TOL = 1e-4  # max |difference| of (a, B, c) up to unit permutation, for point minima
COMPONENT_TOL = 1e-5  # relative residual of the prime generators / of the face span
DEAD_TOL = 1e-3  # |theta_l| below this: a dead unit, the probe cannot judge the run
CONVEX_SLACK = 1e-6  # relative slack when comparing the numerical p* with exact losses
BLOCK_TOL = 1e-6  # a convex block counts as nonzero above this fraction of the largest
NEURON_DIR_TOL = 1e-4  # parallel blocks (unit directions this close, same sign): one neuron


def _frac_float(text: str) -> float:
    return float(Fraction(text))


def _theta(m: Minimum) -> np.ndarray:
    B = np.asarray(m.point["B"], dtype=float)
    c = np.asarray(m.point["c"], dtype=float)
    return np.column_stack([B, c])


def _loss_matches(run_loss: float, m: Minimum) -> bool:
    lo, hi = (_frac_float(v) for v in m.loss_interval)
    tol = LOSS_TOL * max(1.0, abs(m.loss))
    return lo - tol <= run_loss <= hi + tol


def _point_distance(run: NumericalRun, m: Minimum) -> float:
    """min over unit permutations of max |(a, B, c) difference|."""
    a_m = np.asarray(m.point["a"], dtype=float)
    th_m = _theta(m)
    best = math.inf
    for perm in itertools.permutations(range(len(a_m))):
        p = list(perm)
        dist = max(float(np.max(np.abs(run.a[p] - a_m))), float(np.max(np.abs(run.psi[p] - th_m))))
        best = min(best, dist)
    return best


_TERM = re.compile(r"([+-]?)([^+-]+)")


def _parse_poly(text: str) -> list[tuple[float, list[tuple[str, int]]]]:
    """Terms (coefficient, [(variable, power)]) of an expanded Sage polynomial string."""
    terms = []
    compact = text.replace(" ", "")
    if not compact or _TERM.sub("", compact):
        raise ValueError(f"cannot parse polynomial {text!r}")
    for sign, body in _TERM.findall(compact):
        coef = -1.0 if sign == "-" else 1.0
        powers: list[tuple[str, int]] = []
        for factor in body.split("*"):
            if re.fullmatch(r"\d+(/\d+)?", factor):
                coef *= float(Fraction(factor))
            else:
                name, _, power = factor.partition("^")
                if not re.fullmatch(r"[A-Za-z_]\w*", name):
                    raise ValueError(f"cannot parse polynomial {text!r}")
                powers.append((name, int(power) if power else 1))
        terms.append((coef, powers))
    return terms


def _eval_poly(
    terms: list[tuple[float, list[tuple[str, int]]]], values: dict[str, float]
) -> tuple[float, float]:
    """(|p(t)|, sum of |terms| at t): the residual and its scale."""
    vals = [
        coef * math.prod(values.get(name, 0.0) ** power for name, power in powers)
        for coef, powers in terms
    ]
    return abs(sum(vals)), sum(abs(v) for v in vals)


def _component_residual(run: NumericalRun, m: Minimum, parsed: list[Any]) -> float:
    """Smallest relative residual of the run on the set's equations over unit permutations.

    For each permutation, unit l of the run is written as theta_l = K_l t_l (least squares in
    the face basis K_l, whose residual must vanish too), and the prime generators are
    evaluated at t. Returned: the largest relative residual, minimised over permutations.
    """
    polys = parsed
    hidden = len(m.face)
    best = math.inf
    for perm in itertools.permutations(range(hidden)):
        worst = 0.0
        values: dict[str, float] = {}
        for l_face, l_run in enumerate(perm):
            theta = run.psi[l_run]
            scale = max(1.0, float(np.linalg.norm(theta)))
            basis = m.face[l_face]["basis"]
            if not basis:  # origin: theta_l = 0
                worst = max(worst, float(np.linalg.norm(theta)) / scale)
                continue
            K = np.array([[_frac_float(v) for v in vec] for vec in basis]).T
            t, *_ = np.linalg.lstsq(K, theta, rcond=None)
            worst = max(worst, float(np.linalg.norm(K @ t - theta)) / scale)
            for j, tj in enumerate(t):
                values[f"t{l_face}_{j}"] = float(tj)
        if worst <= best:
            for poly in polys:
                res, size = _eval_poly(poly, values)
                worst = max(worst, res / max(1.0, size))
        best = min(best, worst)
    return best


def _parse_component(m: Minimum) -> list[Any]:
    return [_parse_poly(g) for g in (m.component or {}).get("prime", [])]


def assign_run(
    run: NumericalRun, minima: list[Minimum], parsed: dict[int, list[Any]]
) -> int | None:
    """Id of the enumerated minimum the run reached, or None."""
    for m in minima:
        if not _loss_matches(run.loss, m):
            continue
        if m.dimension == 0:
            if _point_distance(run, m) <= PARAM_TOL * max(1.0, float(np.max(np.abs(run.psi)))):
                return m.id
        elif m.component and _component_residual(run, m, parsed[m.id]) <= COMPONENT_TOL:
            return m.id
    return None


def _run_point(run: NumericalRun) -> dict[str, Any]:
    return {
        "start": run.start,
        "loss": run.loss,
        "a": run.a.tolist(),
        "B": run.psi[:, :-1].tolist(),
        "c": run.psi[:, -1].tolist(),
        "grad_norm": run.grad_norm,
    }


def classify_runs(runs: list[NumericalRun], minima: list[Minimum]) -> dict[str, Any]:
    """Basin frequencies per enumerated minimum, saddles, possible bugs, dead-unit runs."""
    parsed = {m.id: _parse_component(m) for m in minima if m.dimension > 0 and m.component}
    basins = {m.id: 0 for m in minima}
    stuck = not_converged = unprobed = 0
    bugs: list[dict[str, Any]] = []
    dead: list[dict[str, Any]] = []
    for run in runs:
        if not run.converged:
            not_converged += 1
            continue
        if run.is_local_min is False:
            stuck += 1
            continue
        if run.is_local_min is None:
            unprobed += 1
            continue
        mid = assign_run(run, minima, parsed)
        if mid is not None:
            basins[mid] += 1
        elif float(np.min(np.linalg.norm(run.psi, axis=1))) < DEAD_TOL:
            dead.append(_run_point(run))
        else:
            bugs.append(_run_point(run))
    return {
        "runs": len(runs),
        "basins": basins,
        "stuck_at_saddles_or_kinks": stuck,
        "not_converged": not_converged,
        "not_probed": unprobed,
        "possible_bugs": bugs,
        "dead_unit_runs": dead,
    }


def _adam_runs(problem: Problem, starts: int, seed: int, minima: list[Minimum]) -> dict[str, Any]:
    """Plain Adam on the full loss from the multistart starts; skipped without torch."""
    try:
        import torch
    except ImportError:
        return {"status": "torch not installed"}
    from reluscape.numerics import _initial_points

    t0 = time.perf_counter()
    xt, yt, lam = float_data(problem)
    hidden = problem.hidden
    inits = _initial_points(xt, yt, hidden, starts, seed)
    X = torch.tensor(xt, dtype=torch.float64)
    Y = torch.tensor(yt, dtype=torch.float64)
    counts = {m.id: 0 for m in minima}
    other = 0
    losses = []
    for x0 in inits:
        a = torch.tensor(x0[:hidden], dtype=torch.float64, requires_grad=True)
        psi = torch.tensor(x0[hidden:].reshape(hidden, -1), dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([a, psi], lr=1e-2)
        for _ in range(3000):
            opt.zero_grad()
            res = Y - torch.relu(X @ psi.T) @ a
            loss = 0.5 * (res @ res) + 0.5 * lam * ((a @ a) + (psi * psi).sum())
            loss.backward()
            opt.step()
        p = psi.detach().numpy()
        r = reduced_loss_array(xt, yt, lam, p)
        losses.append(r)
        # Adam does not land exactly on kinks: nearest minimum by loss, loose tolerance.
        near = [m for m in minima if abs(m.loss - r) <= 1e-4 * max(1.0, abs(m.loss))]
        if near:
            counts[near[0].id] += 1
        else:
            other += 1
    return {
        "status": "ok",
        "steps": 3000,
        "lr": 1e-2,
        "basins_by_loss": counts,
        "unmatched": other,
        "best_loss": min(losses),
        "seconds": time.perf_counter() - t0,
        "note": "assigned by reduced loss only (to 1e-4): Adam stops near, not on, kinks",
    }


def convex_bound(problem: Problem, *, solver: str = "CLARABEL") -> dict[str, Any]:
    """Optimal value of the convex reformulation (Pilanci and Ergen, 2020).

    min 1/2 |yt - sum_j D_j X~ (v_j - w_j)|^2 + lam sum_j (|v_j|_2 + |w_j|_2)
    s.t. (2 D_j - I) X~ v_j >= 0, (2 D_j - I) X~ w_j >= 0,

    over the activation patterns D_j of the chambers of the unit arrangement. The ridge on
    (a, B, c) gives the group norm: min over rescalings of lam/2 (a^2 + |theta|^2) is
    lam |a| |theta|. The value is numerical (solver tolerance).
    """
    import cvxpy as cp

    from reluscape.arrangement import unit_arrangement

    t0 = time.perf_counter()
    xt, yt, lam = float_data(problem)
    patterns = [
        np.array([1.0 if s > 0 else 0.0 for s in ch.signs])
        for ch in unit_arrangement(problem).chambers
    ]
    patterns = [s for s in patterns if s.any()]  # D = 0 contributes nothing
    k = len(patterns)
    width = xt.shape[1]
    V = cp.Variable((k, width))
    W = cp.Variable((k, width))
    pred = 0
    cons = []
    for j, s in enumerate(patterns):
        DX = s[:, None] * xt
        pred = pred + DX @ (V[j] - W[j])
        G = (2 * s - 1)[:, None] * xt
        cons += [G @ V[j] >= 0, G @ W[j] >= 0]
    obj = 0.5 * cp.sum_squares(yt - pred) + lam * (
        cp.sum(cp.norm(V, 2, axis=1)) + cp.sum(cp.norm(W, 2, axis=1))
    )
    prob = cp.Problem(cp.Minimize(obj), cons)
    prob.solve(solver=solver)
    if prob.status not in ("optimal", "optimal_inaccurate"):
        raise RuntimeError(f"convex reformulation: solver status {prob.status}")
    norms = np.concatenate([np.linalg.norm(V.value, axis=1), np.linalg.norm(W.value, axis=1)])
    vectors = np.concatenate([V.value, W.value])
    signs = [1] * k + [-1] * k
    top = float(norms.max()) if norms.size else 0.0
    live = [i for i in range(2 * k) if top > 0 and norms[i] > BLOCK_TOL * top]
    # Blocks that are parallel with the same sign are one neuron: a block v on a wall lies
    # in the closure of both adjacent chambers, where D_j X~ v = ReLU(X~ v) for either
    # pattern, so the optimum may split one neuron over several patterns.
    directions: list[tuple[int, np.ndarray]] = []
    for i in live:
        u = vectors[i] / norms[i]
        if not any(
            sg == signs[i] and np.linalg.norm(u - w) < NEURON_DIR_TOL for sg, w in directions
        ):
            directions.append((signs[i], u))
    return {
        "p_star": float(prob.value),
        "status": prob.status,
        "solver": solver,
        "patterns": k,
        "nonzero_blocks": len(live),
        "neurons_needed": len(directions),
        "block_norms": sorted((float(v) for v in norms), reverse=True),
        "seconds": time.perf_counter() - t0,
    }


def compare(
    problem: Problem,
    *,
    starts: int = 1000,
    seed: int = 0,
    result: Result | None = None,
    face_timeout: float | None = 60.0,
    jobs: int = 2,
) -> dict[str, Any]:
    """Run (or reuse) the exact enumeration, multistart training and the convex bound."""
    from reluscape import numerics, pipeline

    timings: dict[str, float] = {}
    if result is None:
        t0 = time.perf_counter()
        result = pipeline.solve(problem, face_timeout=face_timeout, jobs=jobs)
        timings["enumeration"] = time.perf_counter() - t0
    else:
        timings["enumeration"] = float(result.stats.get("timings", {}).get("total", math.nan))
    minima = list(result.minima)
    t0 = time.perf_counter()
    runs = numerics.multistart(problem, starts=starts, seed=seed)
    timings["multistart"] = time.perf_counter() - t0
    classified = classify_runs(runs, minima)
    adam = _adam_runs(problem, starts, seed, minima)
    if "seconds" in adam:
        timings["adam"] = adam["seconds"]
    convex = convex_bound(problem)
    timings["convex"] = convex["seconds"]

    gmin = min((m.loss for m in minima), default=math.nan)
    slack = CONVEX_SLACK * max(1.0, abs(gmin))
    gap = gmin - convex["p_star"]
    convex.update(
        {
            "global_minimum": gmin,
            "gap": gap,
            "slack": slack,
            "bound_holds": bool(gap >= -slack),
            "L_large_enough": problem.hidden >= convex["neurons_needed"],
            "equal_to_global": bool(abs(gap) <= slack),
            "note": "p* is numerical (solver tolerance); compared with relative slack 1e-6",
        }
    )
    best_run = min((r.loss for r in runs if r.converged), default=math.nan)
    return {
        "problem": result.problem,
        "starts": starts,
        "seed": seed,
        "enumeration": {
            "complete": result.complete,
            "minima": [
                {
                    "id": m.id,
                    "loss": m.loss,
                    "dimension": m.dimension,
                    "is_global": m.is_global,
                    "orbit_size": m.orbit_size,
                    "faces": [f["signs"] for f in m.face],
                }
                for m in minima
            ],
        },
        "multistart": {**classified, "best_loss": best_run},
        "adam": adam,
        "convex": convex,
        "possible_bugs": classified["possible_bugs"],
        "timings": timings,
    }


def table(report: dict[str, Any]) -> str:
    """Side-by-side text table of a :func:`compare` report."""
    ms = report["multistart"]
    adam = report["adam"]
    cv = report["convex"]
    t = report["timings"]
    adam_on = adam.get("status") == "ok"
    adam_text = (
        f"unmatched {adam['unmatched']}, best loss {adam['best_loss']:.10f}"
        if adam_on
        else str(adam["status"])
    )
    lines = [
        f"{'#':>3} {'loss':>14} {'dim':>3} {'global':>6}  {'L-BFGS-B basin':>14}  "
        f"{'Adam (by loss)':>14}  {'convex':>8}",
    ]
    for m in report["enumeration"]["minima"]:
        freq = f"{ms['basins'][m['id']]}/{ms['runs']}"
        adam_col = str(adam["basins_by_loss"][m["id"]]) if adam_on else "-"
        cv_col = "= p*" if m["is_global"] and cv["equal_to_global"] else ""
        lines.append(
            f"{m['id']:>3} {m['loss']:>14.10f} {m['dimension']:>3} "
            f"{'yes' if m['is_global'] else '':>6}  {freq:>14}  "
            f"{adam_col:>14}  {cv_col:>8}"
        )
    lines += [
        "",
        f"multistart ({ms['runs']} starts): stuck at saddles/kinks "
        f"{ms['stuck_at_saddles_or_kinks']}, "
        f"not converged {ms['not_converged']}, not probed {ms['not_probed']}, "
        f"dead-unit runs (numerically unjudgeable) {len(ms['dead_unit_runs'])}, "
        f"possible bugs {len(ms['possible_bugs'])}",
        "Adam: " + adam_text,
        f"convex (Pilanci-Ergen, {cv['solver']}, {cv['patterns']} patterns): p* = "
        f"{cv['p_star']:.10f}, gap to global minimum {cv['gap']:.3e} (slack {cv['slack']:.0e}), "
        f"neurons needed {cv['neurons_needed']}, L large enough: "
        f"{'yes' if cv['L_large_enough'] else 'no'}, "
        f"bound holds: {'yes' if cv['bound_holds'] else 'NO'}",
        "time: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in t.items())
        + ("" if report["enumeration"]["complete"] else "  [enumeration INCOMPLETE]"),
    ]
    return "\n".join(lines)


def _parse_int(text: str, what: str, minimum: int) -> int:
    from reluscape.data import InputError

    try:
        value = int(str(text).strip())
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise InputError(f"{what} must be an integer >= {minimum}, got {text!r}")
    return value


def _load_result(path: str, problem: Problem) -> Result:
    from reluscape.check import read_result_document
    from reluscape.data import InputError
    from reluscape.result import Result

    doc = read_result_document(path)
    try:
        result = Result.from_dict(doc)
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"cannot read --result {path}: {exc}") from None
    mine = problem.describe()
    for key in ("hidden", "lam_sum", "X", "y"):
        if result.problem.get(key) != mine[key]:
            raise InputError(f"--result {path} was computed for a different {key}")
    return result


def run_cli(args: Any) -> int:
    """The ``reluscape compare`` command (see :mod:`reluscape.cli`)."""
    import json
    import sys

    from reluscape.cli import PROG, _check_out, _parse_hidden
    from reluscape.data import InputError, load_problem, parse_rational

    hidden = _parse_hidden(args.hidden)
    lam = parse_rational(args.lam, what="lambda")
    if lam <= 0:
        raise InputError(f"lambda must be > 0, got {args.lam!r}")
    starts = _parse_int(args.starts, "--starts", 1)
    seed = _parse_int(args.seed, "--seed", 0)
    out_path = _check_out(args.out)
    problem = load_problem(args.data, hidden=hidden, lam=lam, convention=args.convention)
    result = _load_result(args.result, problem) if args.result else None
    report = compare(problem, starts=starts, seed=seed, result=result)
    print(table(report))
    sys.stdout.flush()
    if out_path is not None:
        out_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"{PROG}: comparison written to {out_path}", file=sys.stderr)
    failed = False
    for bug in report["possible_bugs"]:
        failed = True
        print(
            f"{PROG}: POSSIBLE BUG: run {bug['start']} converged to a probed local minimum "
            f"with loss {bug['loss']:.12f} that matches no enumerated minimum: "
            f"a={bug['a']}, B={bug['B']}, c={bug['c']}",
            file=sys.stderr,
        )
    if not report["convex"]["bound_holds"]:
        failed = True
        print(
            f"{PROG}: POSSIBLE BUG: convex optimum p* = {report['convex']['p_star']:.12f} "
            f"exceeds the enumerated global minimum {report['convex']['global_minimum']:.12f}",
            file=sys.stderr,
        )
    return 1 if failed else 0

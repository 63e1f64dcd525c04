"""The local-minimum verdicts of reluscape.exact.verification against independent routes.

Convexity (docs/METHOD.md section 6.7) decides the candidates on which the second-order
tests are silent. Here its verdicts are checked by computations that do not use it: the
float convex program of every adjacent piece (CLARABEL through cvxpy) reaches no value below
the claimed minimum, and a numerical descent from the point in every adjacent chamber finds
no lower point.
"""

from __future__ import annotations

import itertools

import cvxpy as cp
import numpy as np
import pytest

from reluscape.data import Problem, make_problem
from reluscape.execution.pipeline import solve
from reluscape.numerical.search import probe_minimum
from reluscape.schema import Minimum

# Seeded random data (tests/numerical/test_verify_random.py, seed 12) whose curve of minima
# ends where one of its two parallel units dies with max |e . ReLU(Xt u)| / |u| = lambda.
X_END = [["2/5"], ["-1"], ["2"], ["9/5"]]
Y_END = ["-9/10", "-7/10", "-3/5", "-7/10"]


def _psi(m: Minimum) -> np.ndarray:
    return np.column_stack([np.array(m.point.B, float), np.array(m.point.c, float)])


def _adjacent_piece_values(problem: Problem, m: Minimum, tight: float = 1e-9) -> list[float]:
    """min over every piece (C, e) adjacent to the point of the convex program

        1/2 |yt - sum_l D_l Xt w_l|^2 + lambda sum_l |w_l|,  w_l in e_l cl(C_l),

    solved in floats: C_l ranges over the activation patterns that agree with the point off
    its zero entries, e_l = sign(a_l) for a live unit and both signs for a dead one."""
    xt = np.array([[float(v) for v in row] for row in problem.xt])
    yt = np.array([float(v) for v in problem.yt])
    lam = float(problem.lam_sum)
    psi, a = _psi(m), np.array(m.point.a, float)
    options = []
    for theta, a_l in zip(psi, a, strict=True):
        pre = xt @ theta
        free = [i for i in range(len(pre)) if abs(pre[i]) <= tight]
        patterns = []
        for bits in itertools.product((0, 1), repeat=len(free)):
            active = pre > tight
            active[free] = bits
            patterns.append(active)
        signs = (1.0, -1.0) if not np.any(theta) else (float(np.sign(a_l)),)
        options.append([(act, s) for act in patterns for s in signs])
    values = []
    for piece in itertools.product(*options):
        w = [cp.Variable(xt.shape[1]) for _ in piece]
        fit = sum(
            cp.multiply(act.astype(float), xt @ w_l) for (act, _), w_l in zip(piece, w, strict=True)
        )
        cons = []
        for (act, s), w_l in zip(piece, w, strict=True):
            signed = s * (xt @ w_l)
            cons += [signed[act] >= 0] if act.any() else []
            cons += [signed[~act] <= 0] if (~act).any() else []
        objective = 0.5 * cp.sum_squares(yt - fit) + lam * sum(cp.norm(w_l) for w_l in w)
        prob = cp.Problem(cp.Minimize(objective), cons)
        prob.solve(solver=cp.CLARABEL)
        values.append(float(prob.value))
    return values


@pytest.fixture(scope="module")
def curve_end() -> tuple[Problem, list[Minimum]]:
    problem = make_problem(X_END, Y_END, hidden=2, lam="1/10")
    result = solve(problem, face_timeout=None, jobs=1)
    assert result.complete, result.undecided
    return problem, result.minima


def test_dead_unit_at_lambda_is_decided_by_convexity(curve_end) -> None:
    _, minima = curve_end
    ends = [m for m in minima if m.verdict.decided_by == "convexity"]
    assert len(ends) == 1
    end = ends[0]
    assert "= lambda exactly" in end.verdict.detail
    assert end.dimension == 0 and any(f.kind == "origin" for f in end.face)
    # It ends a curve of minima of the same loss (certified intervals overlap).
    curve = [m for m in minima if m.dimension == 1]
    assert any(
        c.loss_interval[0] <= end.loss_interval[1] and end.loss_interval[0] <= c.loss_interval[1]
        for c in curve
    )


def test_convexity_verdict_against_the_piece_programs(curve_end) -> None:
    """No adjacent piece's convex program goes below the claimed minimum's loss (each
    program's value is the minimum of l on its piece), and a descent in every adjacent
    chamber finds no lower point."""
    problem, minima = curve_end
    for m in minima:
        loss = float(sum(m.loss_interval) / 2)
        values = _adjacent_piece_values(problem, m)
        assert min(values) == pytest.approx(loss, rel=1e-6, abs=1e-8), (m.id, values)
        assert probe_minimum(problem, _psi(m)).passed


@pytest.mark.slow
def test_a_saddle_end_has_a_piece_below_it() -> None:
    """The converse route: the ends of the built-in example's curves are not minima (a dead
    unit with kappa > lambda); some adjacent piece's program is lower than their loss."""
    from reluscape.data import example_path, load_problem

    problem = load_problem(example_path(), hidden=2, lam="1/10")
    result = solve(problem, face_timeout=None, jobs=1, census=True)
    ends = [
        c
        for c in result.critical_points
        if c.kind == "degenerate" and c.dimension == 0 and any(f.kind != "origin" for f in c.face)
    ]
    assert ends
    for c in ends:
        loss = float(sum(c.loss_interval) / 2)
        assert min(_adjacent_piece_values(problem, c)) < loss - 1e-6

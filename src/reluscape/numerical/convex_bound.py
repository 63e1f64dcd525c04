"""The convex reformulation of two-layer ReLU training with weight decay (Pilanci and
Ergen, 2020) over the activation patterns of the arrangement's chambers, solved with cvxpy
(docs/METHOD.md section 2).

Its optimum p* is numerical (an interior-point solver), so it is compared with the exact
global minimum with a relative slack ``CONVEX_SLACK``; it lower-bounds every local minimum
for any L and equals the global minimum once L >= the number of nonzero blocks it uses.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from reluscape.data import Problem
from reluscape.numerical.loss import float_data

CONVEX_SLACK = 1e-6  # relative slack when comparing the numerical p* with exact losses
BLOCK_TOL = 1e-6  # a convex block counts as nonzero above this fraction of the largest
NEURON_DIR_TOL = 1e-4  # parallel blocks (unit directions this close, same sign): one neuron


def convex_bound(problem: Problem, *, solver: str = "CLARABEL") -> dict[str, Any]:
    """Optimal value of the convex reformulation (Pilanci and Ergen, 2020).

    min 1/2 |yt - sum_j D_j X~ (v_j - w_j)|^2 + lam sum_j (|v_j|_2 + |w_j|_2)
    s.t. (2 D_j - I) X~ v_j >= 0, (2 D_j - I) X~ w_j >= 0,

    over the activation patterns D_j of the chambers of the unit arrangement. The ridge on
    (a, B, c) gives the group norm: min over rescalings of lam/2 (a^2 + |theta|^2) is
    lam |a| |theta|. The value is numerical (solver tolerance).
    """
    import cvxpy as cp

    from reluscape.exact.arrangement import unit_arrangement

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
    v_blocks, w_blocks = V.value, W.value
    assert v_blocks is not None and w_blocks is not None  # set by an optimal solve
    norms = np.concatenate([np.linalg.norm(v_blocks, axis=1), np.linalg.norm(w_blocks, axis=1)])
    vectors = np.concatenate([v_blocks, w_blocks])
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

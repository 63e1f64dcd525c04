"""What a study measures beside the exact minima of a run, where asked: the basins of
multistart training (L-BFGS-B from seeded starts, each run matched to the certified
minimum it reached, :mod:`reluscape.numerical.matching`) and the convex bound p* of the
Pilanci-Ergen reformulation (:mod:`reluscape.numerical.convex_bound`). Floats throughout:
these columns describe training on the landscape; they decide nothing about it.
"""

from __future__ import annotations

from typing import Any

from reluscape.convention import divisor
from reluscape.data import Problem
from reluscape.numerical.convex_bound import convex_bound
from reluscape.numerical.loss import float_data
from reluscape.numerical.matching import RunMatcher, classify_runs
from reluscape.numerical.search import multistart
from reluscape.schema import Result

__all__ = ["run_checks"]


def run_checks(
    problem: Problem, result: Result, *, starts: int, seed: int, convex: bool
) -> tuple[dict[str, Any], dict[int, float]]:
    """The per-run columns and each minimum's basin share (by minimum id).

    Columns: ``multistart_starts``; ``global_share`` (fraction of the starts that reached a
    certified global minimum), ``unmatched_share`` (converged local minima of training that
    match no certified minimum: possible bugs, or dead-unit runs the probe cannot judge) and
    ``multistart_best`` (lowest converged training loss, in the problem's convention), with
    ``starts``; ``convex_bound`` (p*, in the problem's convention) with ``convex``.
    A minimum's basin share is the fraction of the starts matched to it.
    """
    row: dict[str, Any] = {}
    shares: dict[int, float] = {}
    k = divisor(problem)
    if starts:
        runs = multistart(problem, starts=starts, seed=seed)
        matcher = RunMatcher(list(result.minima), *float_data(problem))
        tally = classify_runs(runs, list(result.minima), matcher, problem)
        shares = {mid: count / starts for mid, count in tally["basins"].items()}
        global_ids = {m.id for m in result.minima if m.is_global}
        unmatched = len(tally["possible_bugs"]) + len(tally["dead_unit_runs"])
        converged = [r.loss for r in runs if r.converged]
        row |= {
            "multistart_starts": starts,
            "global_share": sum(shares[mid] for mid in global_ids) if global_ids else None,
            "unmatched_share": unmatched / starts,
            "multistart_best": min(converged) / k if converged else None,
        }
    if convex:
        row["convex_bound"] = convex_bound(problem)["p_star"] / k
    return row, shares

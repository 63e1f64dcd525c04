"""Benchmark: msolve on the two forms of the effective-weight system (step 0b of
docs/METHOD.md section 4, the forms of section 4b), face by face, in one run.

For each case (L, n, d, seed) of bench/run.py's seeded data, product faces are drawn in a
seeded order; those that the linear certificate (step 0a) leaves are kept until
``--faces`` of them, and on each the real solutions of
:attr:`FaceSystem.effective_equations` (w, rho and z = 1 / prod rho) and of
:attr:`FaceSystem.direction_equations` (v = w / rho, rho; no z) are computed one after
the other, by the same msolve call the enumeration makes (algebra.real_solutions). The
counts of realizable solutions are compared (they must agree); totals and the slowest
face of each form are printed, written to ``bench/results/effective_forms.json`` and
appended to ``bench/results/history.jsonl`` (grid ``effective_forms``). The machine may
be shared: compare the two forms within one row, not across rows.

Usage::

    python bench/effective_forms.py                       # L = 4, n = 5 and L = 3, n = 8
    python bench/effective_forms.py --faces 40 --only 4,5,1,0
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import HISTORY, ROOT, _commit, dataset, machine

CASES = [(4, 5, 1, 0), (3, 8, 1, 1)]  # (L, n, d, seed)
LAM = "1/10"
FORMS = ("effective", "direction")


def measure(hidden: int, n: int, d: int, seed: int, faces: int) -> dict:
    """Seconds per form over the faces the certificate leaves; the slowest of each."""
    from reluscape.data import make_problem
    from reluscape.exact import algebra, exclusion
    from reluscape.exact.arrangement import orbit_representatives, pieces
    from reluscape.exact.enumeration import _realizing_signs
    from reluscape.exact.surrogate import FaceSystem

    rows = dataset(n, d, seed)
    problem = make_problem([r[:-1] for r in rows], [r[-1] for r in rows], hidden=hidden, lam=LAM)
    units = pieces(problem, "realizable")
    products = list(orbit_representatives(len(units), hidden))
    random.Random(seed).shuffle(products)
    total = dict.fromkeys(FORMS, 0.0)
    slowest = {form: (0.0, "") for form in FORMS}
    kept = realizable = 0
    for product in products:
        system = FaceSystem.build(problem, tuple(units[i] for i in product))
        if not system.live or system.has_idle_live_unit():
            continue
        merged = system.merged
        if exclusion.excluded(merged):
            continue
        counts = {}
        for form in FORMS:
            start = time.perf_counter()
            try:
                points = algebra.real_solutions(getattr(merged, f"{form}_equations"))
            except algebra.PositiveDimensional:
                points = None
            seconds = time.perf_counter() - start
            total[form] += seconds
            if seconds > slowest[form][0]:
                slowest[form] = (seconds, " | ".join(units[i].label() for i in product))
            counts[form] = (
                None
                if points is None
                else sum(_realizing_signs(pt, merged) is not None for pt in points)
            )
        if counts["effective"] is not None and counts["direction"] is not None:
            assert counts["effective"] == counts["direction"], (product, counts)
        realizable += bool(counts["effective"])
        kept += 1
        if kept == faces:
            break
    return {
        "faces": kept,
        "with_realizable_solutions": realizable,
        "total_s": {k: round(v, 3) for k, v in total.items()},
        "slowest_s": {k: round(v[0], 3) for k, v in slowest.items()},
        "slowest_face": {k: v[1] for k, v in slowest.items()},
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--faces", type=int, default=100, help="faces per case")
    ap.add_argument("--only", action="append", metavar="L,n,d,seed", help="run only these")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "effective_forms.json")
    ap.add_argument("--history", type=Path, default=HISTORY)
    args = ap.parse_args()
    cases = [c for c in CASES if not args.only or ",".join(map(str, c)) in args.only]
    run_id, rows = time.strftime("%Y-%m-%dT%H:%M:%S"), []
    print(f"{'L':>2} {'n':>3} {'d':>2} {'seed':>4} {'faces':>5}  " + "  ".join(
        f"{form + ' s (max)':>22}" for form in FORMS))  # fmt: skip
    for hidden, n, d, seed in cases:
        row = {"hidden": hidden, "n": n, "d": d, "seed": seed,
               **measure(hidden, n, d, seed, args.faces)}  # fmt: skip
        rows.append(row)
        cells = "  ".join(
            f"{row['total_s'][f]:>13.2f} ({row['slowest_s'][f]:>5.2f})" for f in FORMS
        )
        print(f"{hidden:>2} {n:>3} {d:>2} {seed:>4} {row['faces']:>5}  {cells}", flush=True)
        entry = {"run": run_id, "grid": "effective_forms", "commit": _commit(),
                 "date": time.strftime("%Y-%m-%d"), "machine": machine(), **row}  # fmt: skip
        with args.history.open("a", encoding="utf-8") as sink:
            sink.write(json.dumps(entry) + "\n")
        doc = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "commit": _commit(),
               "lam": LAM, "rows": rows}  # fmt: skip
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"written {args.out} and {args.history}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

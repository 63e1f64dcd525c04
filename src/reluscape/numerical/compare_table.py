"""The side-by-side text table of a comparison (:func:`reluscape.numerical.compare.compare`):
one row per enumerated minimum with its L-BFGS-B and Adam basins and the convex bound, then
the outcomes of each method, the certified global minimum and the timings."""

from __future__ import annotations

from typing import Any


def _loss_text(loss: float | None) -> str:
    return "(overflow)" if loss is None else f"{loss:.10f}"


def _outcomes(section: dict[str, Any]) -> str:
    return (
        f"stuck at non-minima {section['stuck_at_saddles_or_kinks']}, "
        f"not converged {section['not_converged']}, not probed {section['not_probed']}, "
        f"dead-unit runs (numerically unjudgeable) {len(section['dead_unit_runs'])}, "
        + (
            f"other local minima (not listed by a global run) {section['other_local_minima']}, "
            if section.get("other_local_minima")
            else ""
        )
        + f"possible bugs {len(section['possible_bugs'])}; assigned runs lie within "
        f"{section['max_assigned_distance']:.1e} of their minimum "
        f"(tolerance {section['match_tolerance']:.0e})"
    )


_GLOBAL_COLUMN = {"global": "yes", "spurious": "", "lowest found, not certified": "lowest"}


def table(report: dict[str, Any]) -> str:
    """Side-by-side text table of a :func:`compare` report.

    The ``global`` column says ``yes`` for the certified global minimum; in an incomplete
    run no minimum is certified global and the candidates for the lowest say ``lowest``.
    """
    ms = report["multistart"]
    adam = report["adam"]
    cv = report["convex"]
    t = report["timings"]
    complete = report["enumeration"]["complete"]
    adam_on = adam.get("status") == "ok"
    lines = [
        f"{'#':>3} {'loss':>14} {'dim':>3} {'global':>6}  {'L-BFGS-B basin':>14}  "
        f"{'Adam basin':>14}  {'convex':>8}",
    ]
    for m in report["enumeration"]["minima"]:
        freq = f"{ms['basins'][m['id']]}/{ms['runs']}"
        adam_col = f"{adam['basins'][m['id']]}/{adam['runs']}" if adam_on else "-"
        cv_col = "= p*" if m["is_global"] and cv["equal_to_global"] else ""
        lines.append(
            f"{m['id']:>3} {_loss_text(m['loss']):>14} {m['dimension']:>3} "
            f"{_GLOBAL_COLUMN[m['global']]:>6}  {freq:>14}  "
            f"{adam_col:>14}  {cv_col:>8}"
        )
    lowest = "global minimum" if complete else "lowest minimum found (not certified global)"
    lines += [
        *(
            []
            if complete
            else ["lowest: the lowest minimum found, not certified global (run incomplete)"]
        ),
        "",
        f"L-BFGS-B ({ms['runs']} starts): " + _outcomes(ms),
        (
            f"Adam ({adam['runs']} starts, {adam['steps']} steps, {adam['schedule']}): "
            + _outcomes(adam)
            if adam_on
            else f"Adam: {adam['status']}"
        ),
        *(
            [
                f"Adam before the polish: {sum(adam['basins_before_polish'].values())} runs "
                f"within {adam['match_tolerance_before_polish']:.0e} of an enumerated minimum"
            ]
            if adam_on
            else []
        ),
        f"convex (Pilanci-Ergen, {cv['solver']}, {cv['patterns']} patterns): p* = "
        f"{cv['p_star']:.10f}, gap to {lowest} {cv['gap']:.3e} (slack {cv['slack']:.0e}), "
        f"neurons needed {cv['neurons_needed']}, L large enough: "
        f"{'yes' if cv['L_large_enough'] else 'no'}, "
        f"bound holds: {'yes' if cv['bound_holds'] else 'NO'}",
        *_global_lines(report.get("global")),
        "time: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in t.items())
        + ("" if complete else "  [enumeration INCOMPLETE]"),
    ]
    if report.get("unmatchable_sets"):
        lines.append(
            "sets matched by their sample point only (no usable equations): "
            + ", ".join(f"#{i}" for i in report["unmatchable_sets"])
        )
    return "\n".join(lines)


def _global_lines(section: dict[str, Any] | None) -> list[str]:
    if section is None:
        return ["certified global minimum: none (the enumeration is incomplete)"]
    mid = (section["lower"] + section["upper"]) / 2
    state = "" if section["minimizers_certified"] else "; minimizers NOT all certified"
    return [
        f"certified global minimum ({section['source']}): {mid:.10f}, exact interval width "
        f"{section['width']:.1e}{state}",
        f"  multistart best {section['multistart_best']:.10f}: "
        f"{section['multistart_gap']:+.3e} from the certified value",
        f"  convex p* {section['convex_p_star']:.10f}: {section['convex_gap']:.3e} below it"
        + ("" if section["convex_bound_holds"] else "  [p* ABOVE the certified value]"),
    ]

"""``reluscape verify``: an honest result passes, and each kind of false claim fails.

One real result (d1_n5, L = 2, lambda = 1/10) is computed once through the CLI; copies of
it are tampered with, and ``verify`` must refute each (exit 1, the right column FAIL) or
refuse bad input (exit 2, one line).
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from reluscape.cli import main
from reluscape.numerical.verify import CHECKS, orbit_size_of_faces, verify

DATA = Path(__file__).resolve().parents[1] / "data" / "d1_n5.csv"


@pytest.fixture(scope="module")
def result_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("verify") / "d1n5.json"
    settings = ["--hidden", "2", "--lam", "1/10", "--jobs", "2", "--quiet", "--out", str(out)]
    proc = subprocess.run(
        [sys.executable, "-m", "reluscape", "solve", str(DATA), *settings],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture()
def doc(result_path: Path) -> dict[str, Any]:
    return json.loads(result_path.read_text())


def run_verify(
    capsys: pytest.CaptureFixture[str], result: Path, data: Path = DATA
) -> tuple[int, str, str]:
    code = main(["verify", str(result), str(data), "--quiet"])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(tmp_path: Path, doc: dict[str, Any], name: str = "tampered.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


def failed_checks(out: str, ident: int) -> set[str]:
    """Names of the columns that read FAIL in the table row of minimum ``ident``."""
    lines = out.splitlines()
    header = lines[0].split()
    for line in lines[1:]:
        cells = line.split()
        if cells and cells[0] == str(ident):
            values = cells[3:]
            names, k = [], 0
            for name in header[3:]:
                if values[k] == "FAIL":
                    names.append(name)
                    # "FAIL" may be followed by its measured value
                    k += 2 if k + 1 < len(values) and values[k + 1][0] in "-0123456789." else 1
                else:
                    k += 1
            return set(names)
    raise AssertionError(f"no row for minimum {ident} in\n{out}")


def test_honest_result_passes(result_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_verify(capsys, result_path)
    assert code == 0, out
    header = out.splitlines()[0].split()
    assert header == ["#", "dim", "loss", *CHECKS]
    assert out.strip().splitlines()[-1].startswith("verdict: ok: all 6 claimed minima pass")
    assert "does not prove" in out
    assert err == ""
    for ident in range(1, 7):
        assert failed_checks(out, ident) == set()


def test_progress_on_stderr(result_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(result_path), str(DATA)]) == 0
    err = capsys.readouterr().err
    assert "reluscape verify: checking minimum #1 (1/6)" in err


def test_changed_loss_fails(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc["minima"][1]["loss"] += 1e-3
    code, out, _ = run_verify(capsys, write(tmp_path, doc))
    assert code == 1
    assert failed_checks(out, 2) == {"loss"}
    assert out.strip().splitlines()[-1].startswith("verdict: FAIL: 1 of 6 claimed minima fail")


def test_point_off_its_face_fails(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc["minima"][0]["point"]["c"][1] += 5.0  # unit 1 "---0+" becomes active everywhere
    code, out, _ = run_verify(capsys, write(tmp_path, doc))
    assert code == 1
    assert {"face", "loss"} <= failed_checks(out, 1)
    assert "face sign" in out


def test_saddle_claimed_as_minimum_fails(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """psi = 0 (both units dead) with its exact loss 1/2 |yt|^2: consistent but a saddle."""
    y = [Fraction(v) for v in doc["problem"]["y"]]
    mean = sum(y) / len(y)
    loss = sum((v - mean) ** 2 for v in y) / 2
    fake = copy.deepcopy(doc["minima"][5])
    fake.update(
        dimension=0,
        loss=float(loss),
        loss_interval=[str(loss), str(loss)],
        is_global=False,
        face=[{"signs": "00000", "kind": "origin", "basis": []}] * 2,
        activation=[[0] * 5, [0] * 5],
        point={
            "a": [0.0, 0.0],
            "B": [[0.0], [0.0]],
            "c": [0.0, 0.0],
            "rational": {"a0": "0", "a1": "0"},
            "precision_bits": 128,
            "box": {"a0": ["0", "0"], "a1": ["0", "0"]},
        },
        system={"variables": [], "generators": []},
        component=None,
        orbit_size=1,
    )
    doc["minima"][5] = fake
    code, out, _ = run_verify(capsys, write(tmp_path, doc))
    assert code == 1
    assert failed_checks(out, 6) == {"probe"}


def test_point_slightly_off_the_critical_point_fails(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A claim 1e-5 along the face from a true minimum, its loss, a and box made consistent:
    the exact one-sided derivative at the rational point refutes it (the probe may too; the
    recorded system, left unchanged, no longer vanishes there, and the float a_hat written as
    the exact a is not exact)."""
    from reluscape.data import load_problem
    from reluscape.exact.projection import reduced_loss_exact
    from reluscape.numerical.loss import a_hat

    problem = load_problem(DATA, hidden=2, lam="1/10")
    m = doc["minima"][1]
    rational = m["point"]["rational"]
    rational["t0_0"] = str(Fraction(rational["t0_0"]) + Fraction(1, 10**5))
    psi = [
        [
            sum(
                Fraction(rational[f"t{u}_{j}"]) * Fraction(row[k])
                for j, row in enumerate(f["basis"])
            )
            for k in range(2)
        ]
        for u, f in enumerate(m["face"])
    ]
    loss = reduced_loss_exact(problem, psi)
    a = a_hat(problem, np.array(psi, dtype=float))
    rational.update(a0=str(Fraction(a[0])), a1=str(Fraction(a[1])))
    m.update(loss=float(loss), loss_interval=[str(loss), str(loss)])
    m["point"].update(
        a=a.tolist(),
        B=[[float(theta[0])] for theta in psi],
        c=[float(theta[1]) for theta in psi],
        box={name: [value, value] for name, value in rational.items()},
    )
    code, out, _ = run_verify(capsys, write(tmp_path, doc))
    assert code == 1
    failed = failed_checks(out, 2)
    assert "1st-order" in failed and failed <= {"1st-order", "probe", "system", "a"}, out
    assert "exactly at the rational point the one-sided derivative" in out


def test_wrong_output_weights_fail(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc["minima"][2]["point"]["a"][0] += 1e-4
    code, out, _ = run_verify(capsys, write(tmp_path, doc))
    assert code == 1
    assert failed_checks(out, 3) == {"a"}


def test_wrong_global_and_orbit_fail(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc["minima"][3]["is_global"] = True
    doc["minima"][4]["orbit_size"] = 3  # a set's orbit size must divide L! = 2
    code, out, _ = run_verify(capsys, write(tmp_path, doc))
    assert code == 1
    assert failed_checks(out, 4) == {"global"}
    assert failed_checks(out, 5) == {"orbit"}


def assert_input_error(code: int, out: str, err: str, *needles: str) -> None:
    assert code == 2, (code, out, err)
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("reluscape: error:"), err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def test_malformed_json_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "broken.json"
    p.write_text('{"schema_version": "1", "minima": [', encoding="utf-8")
    assert_input_error(*run_verify(capsys, p), "broken.json", "not valid JSON")


def test_missing_field_exits_2(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    del doc["minima"][0]["loss_interval"]
    assert_input_error(
        *run_verify(capsys, write(tmp_path, doc)), "malformed", "minima[0]", "loss_interval"
    )


def test_wrong_schema_version_exits_2(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc["schema_version"] = "0"
    assert_input_error(*run_verify(capsys, write(tmp_path, doc)), "schema_version", "'0'")


def test_different_data_exits_2(
    result_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.csv"
    other.write_text(DATA.read_text().replace("-1.4", "-1.3"), encoding="utf-8")
    code, out, err = run_verify(capsys, result_path, other)
    assert_input_error(code, out, err, "was computed on different data", "y[3]")


def test_orbit_size_of_faces() -> None:
    assert orbit_size_of_faces(["+0", "+0", "+0"]) == 1
    assert orbit_size_of_faces(["+0", "-0", "+0"]) == 3
    assert orbit_size_of_faces(["+0", "-0", "00"]) == 6


# --------------------------------------------------------------------------- point 10 tampers


def swap_units(m: dict[str, Any]) -> dict[str, Any]:
    """The same minimum written with units 0 and 1 exchanged (names a0 <-> a1, t0_j <-> t1_j
    in every key and polynomial): a valid entry for the same point."""
    text = json.dumps(m)
    text = re.sub(r"\b([at])([01])\b|\b(t)([01])_", _swap, text)
    out = json.loads(text)
    for key in ("face", "activation"):
        out[key] = out[key][::-1]
    for key in ("a", "B", "c"):
        out["point"][key] = out["point"][key][::-1]
    return out


def _swap(match: re.Match[str]) -> str:
    if match.group(1):
        return f"{match.group(1)}{1 - int(match.group(2))}"
    return f"{match.group(3)}{1 - int(match.group(4))}_"


@pytest.mark.parametrize("index", [0, 3])
def test_minimum_listed_twice_fails(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str], index: int
) -> None:
    """A point (#1, two different unit faces) and a curve (#4) listed again with their units
    exchanged: every entry is valid on its own, the document is not."""
    twin = swap_units(doc["minima"][index])
    twin["id"] = 7
    assert twin["face"] != doc["minima"][index]["face"] or index == 3
    doc["minima"].append(twin)
    code, out, _ = run_verify(capsys, write(tmp_path, doc))
    assert code == 1, out
    what = "point" if index == 0 else "set of minima"
    assert f"minima #{index + 1} and #7 are the same {what}" in out
    assert failed_checks(out, 7) == set()  # the copy itself is a correct claim


@pytest.mark.parametrize(("key", "value"), [("n", 6), ("d", 2), ("lam_sum", "1/5")])
def test_recorded_size_or_lambda_that_disagrees_with_the_data_exits_2(
    doc: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    key: str,
    value: object,
) -> None:
    doc["problem"][key] = value
    assert_input_error(*run_verify(capsys, write(tmp_path, doc)), f"problem.{key}", str(value))


def test_data_file_with_another_row_exits_2(
    result_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "longer.csv"
    other.write_text(DATA.read_text().rstrip("\n") + "\n0.5,0.5\n", encoding="utf-8")
    code, out, err = run_verify(capsys, result_path, other)
    assert_input_error(code, out, err, "different data", "problem.n")


def test_unknown_decided_by_exits_2(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc["minima"][2]["verdict"]["decided_by"] = "intuition"
    assert_input_error(
        *run_verify(capsys, write(tmp_path, doc)), "minima[2]", "decided_by", "intuition"
    )


def test_edited_system_generator_fails(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generators = doc["minima"][1]["system"]["generators"]
    assert generators[0].startswith("14*a0")
    generators[0] = "15*a0" + generators[0][len("14*a0") :]
    code, out, _ = run_verify(capsys, write(tmp_path, doc))
    assert code == 1
    assert failed_checks(out, 2) == {"system"}
    assert "not a root of the recorded system" in out


def test_is_global_null_in_a_complete_result_fails(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc["minima"][0]["is_global"] = None
    code, out, _ = run_verify(capsys, write(tmp_path, doc))
    assert code == 1
    assert failed_checks(out, 1) == {"global"}
    assert "is_global is null in a complete result" in out


def test_incomplete_result_claiming_a_global_minimum_exits_2(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc["stats"]["complete"] = False
    assert_input_error(*run_verify(capsys, write(tmp_path, doc)), "is_global")


def test_incomplete_result_with_null_global_flags_passes(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc["stats"]["complete"] = False
    for m in doc["minima"]:
        m["is_global"] = None
    code, out, _ = run_verify(capsys, write(tmp_path, doc))
    assert code == 0, out
    assert "the document says its enumeration is incomplete" in out


def test_unreadable_polynomial_exits_2(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc["minima"][4]["component"]["prime"][0] = "__import__('os')"
    assert_input_error(
        *run_verify(capsys, write(tmp_path, doc)), "minima[4].component.prime[0]", "Call"
    )


def test_component_of_the_wrong_dimension_fails(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A curve of minima claimed as a surface: its prime's tangent space is a line."""
    doc["minima"][3]["dimension"] = 2
    doc["minima"][3]["component"]["dimension"] = 2
    code, out, _ = run_verify(capsys, write(tmp_path, doc))
    assert code == 1
    assert failed_checks(out, 4) == {"component"}
    assert "kernel of dimension 1 at the point" in out


def test_complete_result_without_minima_fails(
    doc: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """r is coercive, so a complete enumeration finds at least the global minimum (the
    all-x-equal data once gave 0 minima, complete)."""
    doc["minima"] = []
    code, out, _ = run_verify(capsys, write(tmp_path, doc))
    assert code == 1
    assert "complete but claims no minimum" in out


def test_data_file_is_optional_in_the_api(result_path: Path) -> None:
    """Without DATA.csv the recorded data are used; with it, the same report."""
    without = verify(result_path)
    assert without.passed
    assert without.table() == verify(result_path, DATA).table()


LINE_X = [[0, 1], [1, 3], [2, 5], [3, 7]]  # x on one line (d = 2): the xt_i span a plane


@pytest.mark.parametrize(
    ("X", "y"),
    [(LINE_X, ["0", "1", "0", "3/2"]), ([[1], [1], [1], [1]], ["1", "0", "3", "2"])],
)
def test_degenerate_data_pass(tmp_path: Path, X: list[list[int]], y: list[str]) -> None:
    """Faces live in the span of the xt_i when the data do not span R^(d+1)."""
    from reluscape import solve

    result = solve(X, y, hidden=2, lam="1/10")
    assert result.complete and result.minima
    report = verify(write(tmp_path, result.to_dict(), "honest.json"))
    assert report.passed, report.table()


def test_a_basis_row_outside_the_data_span_fails(tmp_path: Path) -> None:
    from reluscape import solve
    from reluscape.exact.linalg import kernel_basis

    result = solve(LINE_X, ["0", "1", "0", "3/2"], hidden=2, lam="1/10")
    doc = result.to_dict()
    m, u = next((m, u) for m in doc["minima"] for u, f in enumerate(m["face"]) if f["basis"])
    row = [Fraction(v) for v in m["face"][u]["basis"][0]]
    xt = [[Fraction(v) for v in (*x, 1)] for x in LINE_X]
    (normal,) = kernel_basis(xt, len(row))  # orthogonal to every xt_i: moves no sign
    m["face"][u]["basis"][0] = [str(a + b) for a, b in zip(row, normal, strict=True)]
    out = verify(write(tmp_path, doc, "moved.json"))
    assert not out.passed
    assert "face" in failed_checks(out.table(), m["id"])

"""Fuzzed input through the readers and the command (issue 31): CSV text and result JSON.

The contract: a reader returns a valid object or raises :class:`InputError` with one
line; the command exits 0, 1 or 2, and on exit 2 prints exactly one line on stderr,
never a traceback. The fuzzed texts mix valid pieces with the kinds of damage that broke
the readers: huge exponents and integers, deep nesting, quoted line breaks, typos in the
first row, NUL bytes, stray quotes.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import reluscape
from reluscape.cli import main
from reluscape.data import InputError, load_problem
from reluscape.schema import MalformedResult, Result

ODD_CELLS = [
    "", " ", "x", "y", "nan", "-inf", "1.O", "O", "1e999999999", "-1e-999999999", "1e400",
    "1e-400", "1/0", "3/7", " 2 ", "1_0", "0x1", "٣", "\x00", '"', '"1"', '"2\n3"', '""',
    "1,5", "1" * 5000, "-", ".", "e5", "1e", "+.5",
]  # fmt: skip

cells = st.one_of(
    st.sampled_from(ODD_CELLS),
    st.integers(-(10**6), 10**6).map(str),
    st.fractions(max_denominator=1000).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(alphabet=' 0123456789.,-+eE/"\nx', max_size=6),
)
csv_texts = st.builds(
    lambda header, rows, end: (header or "") + end.join(",".join(r) for r in rows) + end,
    st.one_of(st.none(), st.sampled_from(["x,y\n", "x1,x2,y\n", "0,1.O\n", '"x\ncm",y\n'])),
    st.lists(st.lists(cells, min_size=1, max_size=4), max_size=6),
    st.sampled_from(["\n", "\r\n", "\r"]),
)

json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["1e999999999", "1/0", "+0-", "", "x", "1/3", "-1", "0"]),
)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    result = reluscape.solve([[0], [1], [2], [4]], ["0", "1", "0", "2"], hidden=1, lam="1/10")
    assert len(result.minima) >= 2
    return result.to_dict()


def _mutated(draw: Any, document: dict[str, Any]) -> str:
    """``document`` with one node replaced (or one list entry doubled), as JSON text,
    then perhaps damaged as text (a number of 5000 digits, deep nesting, a cut)."""
    doc = json.loads(json.dumps(document))
    node: Any = doc
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            break
        key = keys[draw(st.integers(0, len(keys) - 1))]
        child = node[key]
        if isinstance(child, dict | list) and child and draw(st.booleans()):
            node = child
            continue
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "replace":
            node[key] = draw(json_values)
        elif action == "delete":
            del node[key]
        elif isinstance(node, list):
            node.append(json.loads(json.dumps(child)))  # a repeated entry, its id too
        break
    text = json.dumps(doc)
    damage = draw(st.sampled_from(["none", "none", "digits", "nesting", "cut"]))
    if damage == "digits":
        text = text.replace('"hidden": 1', '"hidden": ' + "1" * 5000, 1)
    elif damage == "nesting":
        depth = draw(st.sampled_from([70, 900, 200_000]))
        deep = "[" * depth + "]" * depth
        text = text.replace('"stats": {', f'"stats": {{"deep": {deep}, ', 1)
    elif damage == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    return text


def _check_error(exc: InputError) -> None:
    message = str(exc)
    assert message and "Traceback" not in message


# --------------------------------------------------------------------------- library level


@settings(max_examples=200, deadline=None)
@given(text=csv_texts)
def test_fuzzed_csv_gives_a_problem_or_one_input_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        path.write_text(text, encoding="utf-8", newline="")
        try:
            problem = load_problem(path, hidden=1, lam=1)
        except InputError as exc:
            _check_error(exc)
            return
    assert problem.n >= 2 and all(len(row) == problem.d for row in problem.X)


spellings = st.sampled_from(["fraction", "decimal", "scientific", "quoted", "padded"])


def _spell(q: Fraction, how: str) -> str:
    if how == "decimal" and q.denominator == 1:
        return f"{q.numerator}.0"
    if how == "scientific" and q.denominator == 1:
        return f"{q.numerator * 1000}e-3"
    if how == "quoted":
        return f'"{q}"'
    if how == "padded":
        return f"  {q} "
    return str(q)


@settings(max_examples=100, deadline=None)
@given(
    values=st.integers(2, 6).flatmap(
        lambda n: st.lists(
            st.lists(st.fractions(max_denominator=50), min_size=3, max_size=3),
            min_size=n,
            max_size=n,
        )
    ),
    how=st.lists(spellings, min_size=18, max_size=18),
    header=st.booleans(),
    end=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_csv_numbers_are_read_exactly_however_spelled(
    values: list[list[Fraction]], how: list[str], header: bool, end: str
) -> None:
    rows = [
        ",".join(_spell(v, how[3 * i + j]) for j, v in enumerate(r)) for i, r in enumerate(values)
    ]
    text = ("x1,x2,y" + end if header else "") + end.join(rows) + end + end
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        path.write_text(text, encoding="utf-8", newline="")
        problem = load_problem(path, hidden=1, lam=1)
    assert tuple((r[0], r[1]) for r in values) == problem.X
    assert tuple(r[2] for r in values) == problem.y


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_result_json_gives_a_result_or_one_malformed_result(
    document: dict[str, Any], data: st.DataObject
) -> None:
    text = _mutated(data.draw, document)
    try:
        result = Result.from_json(text)
    except MalformedResult as exc:
        _check_error(exc)
        return
    # Whatever the reader accepts, it writes and reads back unchanged.
    assert Result.from_json(result.to_json()) == result
    assert [m.id for m in result.minima] == list(range(1, len(result.minima) + 1))


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=200))
def test_any_text_is_a_result_or_one_malformed_result(text: str) -> None:
    with pytest.raises(MalformedResult):
        Result.from_json(text)


# --------------------------------------------------------------------------- command level


def _run(*argv: str) -> tuple[int, str]:
    """``reluscape argv`` in this process: its exit code and stderr. An exception that
    escapes ``main`` fails the test (it would be a traceback)."""
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, err.getvalue()


def _check_contract(code: int, err: str) -> None:
    assert code in (0, 1, 2), code
    assert "Traceback" not in err
    if code == 2:
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("reluscape: error: "), err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=csv_texts, lam=st.sampled_from(["1", "1/10", "0", "1e999999999", "1e-400", "x"]))
def test_solve_dry_run_on_fuzzed_csv_keeps_the_contract(text: str, lam: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.csv"
        path.write_text(text, encoding="utf-8", newline="")
        _check_contract(*_run("solve", str(path), "--hidden", "1", "--lam", lam, "--dry-run"))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), command=st.sampled_from(["verify", "report"]))
def test_verify_and_report_on_fuzzed_json_keep_the_contract(
    document: dict[str, Any], data: st.DataObject, command: str
) -> None:
    text = _mutated(data.draw, document)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "result.json"
        path.write_text(text, encoding="utf-8")
        extra = ["--quiet"] if command == "verify" else ["--out", str(Path(tmp) / "report")]
        _check_contract(*_run(command, str(path), *extra))


# --------------------------------------------------------------------------- the cases

BROKEN = {
    "digits": lambda text: text.replace('"hidden": 1', '"hidden": ' + "1" * 5000, 1),
    "nesting": lambda text: "[" * 200_000,
    "duplicate id": lambda text: text.replace('"id": 2,', '"id": 1,', 1),
    "not a minimum": lambda text: text.replace('"is_minimum": true', '"is_minimum": false', 1),
    "huge exponent": lambda text: text.replace('"lam": "1/10"', '"lam": "1e999999999"', 1),
}


@pytest.mark.parametrize("command", ["verify", "report", "compare"])
@pytest.mark.parametrize("damage", sorted(BROKEN))
def test_broken_results_are_one_line_and_exit_2_in_every_reader(
    document: dict[str, Any], tmp_path: Path, damage: str, command: str
) -> None:
    text = BROKEN[damage](json.dumps(document))
    assert text != json.dumps(document)
    path = tmp_path / "result.json"
    path.write_text(text, encoding="utf-8")
    data = tmp_path / "data.csv"
    data.write_text("x,y\n0,0\n1,1\n2,0\n4,2\n", encoding="utf-8")
    argv = {
        "verify": ["verify", str(path), "--quiet"],
        "report": ["report", str(path), "--out", str(tmp_path / "report")],
        "compare": ["compare", str(data), "--hidden", "1", "--lam", "1/10", "--result", str(path)],
    }[command]
    code, err = _run(*argv)
    assert code == 2 and len(err.splitlines()) == 1, err
    assert "result.json" in err


def test_a_huge_exponent_is_refused_at_once_by_the_command(tmp_path: Path) -> None:
    """Through the real entry point, within a timeout: the exact parser used to spend
    minutes expanding 10**999999999, --dry-run included."""
    import subprocess
    import sys

    data = tmp_path / "data.csv"
    data.write_text("x,y\n0,0\n1,1e999999999\n2,0\n", encoding="utf-8")
    for args in (["--lam=1e999999999", str(tmp_path / "ok.csv")], ["--lam=1", str(data)]):
        (tmp_path / "ok.csv").write_text("x,y\n0,0\n1,1\n2,0\n", encoding="utf-8")
        proc = subprocess.run(
            [sys.executable, "-m", "reluscape", "solve", args[1], "--hidden", "1", args[0],
             "--dry-run"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and "more than 4300 digits" in proc.stderr

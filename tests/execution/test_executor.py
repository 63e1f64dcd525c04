"""The one executor: every command's faces go through ``run_faces`` (issue 30)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from reluscape.data import make_problem
from reluscape.exact.merge import FaceRecord
from reluscape.execution import dask, executor
from reluscape.execution.pipeline import solve

SRC = Path(__file__).resolve().parents[2] / "src" / "reluscape"


def _calls(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            f = node.func
            names.add(f.id if isinstance(f, ast.Name) else getattr(f, "attr", ""))
    return names


def test_only_the_executor_chooses_between_dask_and_a_serial_run() -> None:
    """Before: pipeline.solve and global_search each chose, and global's serial path
    skipped the wrapper that records a failing face."""
    calls = {p.relative_to(SRC).as_posix(): _calls(p) for p in SRC.rglob("*.py")}
    assert {m for m, c in calls.items() if "run_on_dask" in c} == {"execution/executor.py"}
    # The Dask side wraps each face in its worker's child process with the same function.
    wrapping = {m for m, c in calls.items() if "face_outcome" in c}
    assert wrapping == {"execution/executor.py", "execution/dask.py"}


def test_a_face_that_raises_is_recorded_undecided_in_a_serial_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    problem = make_problem([[0], [1], [2]], [0, 1, 0], hidden=1, lam="1/10")
    real = dask.process_face

    def fragile(problem, partitions, product, census=False):  # type: ignore[no-untyped-def]
        if product == (0,):
            raise RuntimeError("boom")
        return real(problem, partitions, product, census=census)

    monkeypatch.setattr(dask, "process_face", fragile)
    records: list[FaceRecord] = []
    executor.run_faces(
        problem, "realizable", [(0,), (1,)], records.append, face_timeout=None, jobs=1
    )
    assert [r.product for r in records] == [(0,), (1,)]
    assert records[0].failure is not None and "boom" in records[0].failure
    assert records[1].failure is None


def test_solve_goes_through_the_executor(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = executor.run_faces

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(len(args[2]))
        return real(*args, **kwargs)

    monkeypatch.setattr("reluscape.execution.pipeline.run_faces", counting)
    result = solve(make_problem([[0], [1]], ["1", "0"], hidden=1, lam="1/10"), face_timeout=None)
    assert seen and result.complete

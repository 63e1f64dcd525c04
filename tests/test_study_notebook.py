"""docs/study.ipynb (the worked example of docs/study.md on a small grid) runs from top to
bottom in a kernel of this interpreter, and its table equals separate ``solve`` runs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbclient
import nbformat
import pytest
from test_notebook import _html, _tagged, venv_kernel  # noqa: F401  (the kernel fixture)

import reluscape
from reluscape import datasets

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "study.ipynb"
pytestmark = pytest.mark.slow  # a Jupyter kernel and four exact runs

PROBE = """\
import json, sys
print(json.dumps({"executable": sys.executable, "hidden": grid["hidden"], "lam": grid["lam"],
                  "runs": study.runs[["data", "minima", "spurious"]].astype(str).values.tolist()}))
"""


def test_study_notebook_runs_and_its_table_matches_solve(venv_kernel: str) -> None:  # noqa: F811
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit docs/study.ipynb without outputs"
    )
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    nbclient.NotebookClient(
        nb, timeout=600, kernel_name=venv_kernel,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()  # fmt: skip
    probe = json.loads(
        "".join(o["text"] for o in nb.cells[-1].outputs if o["output_type"] == "stream")
    )
    assert Path(probe["executable"]).resolve() == Path(sys.executable).resolve()
    assert len(probe["runs"]) == 4
    shown = _html(_tagged(nb, "runs"))
    for name, minima, spurious in probe["runs"]:
        ds = datasets.from_name(name)
        (hidden,), (lam,) = probe["hidden"], probe["lam"]
        expected = reluscape.solve(ds.X, ds.y, hidden=hidden, lam=lam)
        assert int(minima) == len(expected.minima)
        assert int(spurious) == sum(m.is_global is False for m in expected.minima)
        assert f"<td>{name}</td>" in shown
    figure = _tagged(nb, "figure")
    assert any("image/png" in o.get("data", {}) for o in figure.outputs), "no figure drawn"

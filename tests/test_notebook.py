"""docs/example.ipynb runs from top to bottom in a kernel of this interpreter, and its table
shows the minima that :func:`reluscape.solve` finds for the notebook's own data."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbclient
import nbformat
import pytest
from ipykernel import kernelspec
from nbformat import NotebookNode

import reluscape

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "example.ipynb"
# Starts a Jupyter kernel and runs every cell: the slow tier.
pytestmark = pytest.mark.slow

# Appended to the executed copy only: what the kernel ran and with which data.
PROBE = """\
import json, sys
print(json.dumps({"executable": sys.executable, "X": [[str(v) for v in row] for row in X],
                  "y": [str(v) for v in y], "hidden": hidden, "lam": str(lam)}))
"""


def _tagged(nb: NotebookNode, tag: str) -> NotebookNode:
    cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}, found {len(cells)}"
    return cells[0]


def _html(cell: NotebookNode) -> str:
    """The text/html of a cell's displayed value."""
    return next(
        o["data"]["text/html"] for o in cell.outputs if o.get("output_type") == "execute_result"
    )


def _table_ids(cell: NotebookNode) -> list[int]:
    """The index column (minimum ids) of the DataFrame shown by a cell, from its HTML."""
    body = _html(cell).split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [int(v) for v in re.findall(r"<tr>\s*<th>(\d+)</th>", body)]


@pytest.fixture
def venv_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A "python3" kernelspec that starts this interpreter (sys.executable), found first.

    The one installed in the environment may say just "python", which is whatever comes
    first on PATH.
    """
    spec_dir = tmp_path / "kernels" / "python3"
    kernelspec.write_kernel_spec(path=spec_dir)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    spec = json.loads((spec_dir / "kernel.json").read_text(encoding="utf-8"))
    assert spec["argv"][0] == sys.executable
    return "python3"


def test_notebook_runs_and_its_table_matches_solve(venv_kernel: str) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        "commit docs/example.ipynb without outputs"
    )
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    # Raises CellExecutionError, naming the cell, if any cell raises.
    nbclient.NotebookClient(
        nb,
        timeout=600,
        kernel_name=venv_kernel,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()

    probe = json.loads(
        "".join(o["text"] for o in nb.cells[-1].outputs if o["output_type"] == "stream")
    )
    assert Path(probe["executable"]).resolve() == Path(sys.executable).resolve()

    expected = reluscape.solve(probe["X"], probe["y"], hidden=probe["hidden"], lam=probe["lam"])
    assert expected.minima, "the notebook's example should have minima to show"
    assert _table_ids(_tagged(nb, "table")) == [m.id for m in expected.minima]

    assert f"{len(expected.minima)} local minima" in _html(_tagged(nb, "solve"))

    figure = _tagged(nb, "figure")
    assert any("image/png" in o.get("data", {}) for o in figure.outputs), "no figure drawn"

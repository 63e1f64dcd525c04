"""The package layout keeps the exact path and the numerical tools apart.

The exact path (``reluscape.exact``: divide, enumerate, merge) decides every verdict; no
float may decide anything there, so it never imports the numerical tools
(``reluscape.numerical``: float loss, search, verify, compare, report). The input, schema
and execution modules serve both worlds and import nothing from the numerical tools
either. The numerical tools may use the exact path (e.g. the exact reduced loss), never
the other way round.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "reluscape"


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module an ``import`` statement of ``path`` names (lazy imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.level:
                raise AssertionError(f"{path}:{node.lineno}: use absolute imports")
            names.append((node.lineno, node.module))
            # ``from reluscape import numerical`` names the package through its alias.
            names += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return names


def _modules(*parts: str) -> list[Path]:
    out = []
    for part in parts:
        target = PACKAGE / part
        out += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    return out


def _violations(files: list[Path], forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{f.relative_to(PACKAGE.parent)}:{line} imports {name}"
        for f in files
        for line, name in _imports(f)
        if any(name == x or name.startswith(x + ".") for x in forbidden)
    ]


@pytest.mark.parametrize(
    "part",
    ["exact", "execution", "data.py", "network.py", "schema", "validation.py", "provenance.py"],
)
def test_input_schema_and_execution_import_no_numerical_tool(part: str) -> None:
    files = _modules(part)
    assert files
    assert _violations(files, ("reluscape.numerical",)) == []


def test_the_checker_finds_a_violation(tmp_path: Path) -> None:
    """The scan is not vacuous: each import form is caught, lazy ones included."""
    bad = tmp_path / "bad.py"
    bad.write_text(
        "def f():\n    from reluscape.numerical.loss import a_hat\n"
        "from reluscape import numerical\n",
        encoding="utf-8",
    )
    found = [name for _, name in _imports(bad)]
    assert "reluscape.numerical.loss" in found and "reluscape.numerical" in found


def test_a_run_loads_no_numerical_module() -> None:
    """At run time too: solving a problem never loads reluscape.numerical."""
    code = (
        "import sys, reluscape\n"
        "reluscape.solve([[0], [1], [2]], [0, 1, 0], hidden=1, lam='1/10')\n"
        "print(sorted(m for m in sys.modules if m.startswith('reluscape.numerical')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_only_the_command_layer_parses_arguments() -> None:
    """One command layer: no module outside ``reluscape.cli`` imports argparse (a command
    of its own elsewhere would validate again, with its own messages and without the
    output guarantees)."""
    outside = [f for f in _modules(".") if "cli" not in f.relative_to(PACKAGE).parts[:1]]
    assert len(outside) > 10
    assert _violations(outside, ("argparse",)) == []
    assert _violations(_modules("cli"), ("argparse",)) != []  # the scan sees the package


def test_every_command_is_dispatched_through_the_cli_package() -> None:
    """Each subcommand's handler is a function of a module of ``reluscape.cli``, and each
    command module is one of ``reluscape.cli.COMMANDS``."""
    from reluscape.cli import COMMANDS, build_parser

    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    names = set(sub.choices)
    assert {"solve", "global", "compare", "verify", "report", "example"} <= names
    modules = {m.__name__ for m in COMMANDS}
    for name, command in sub.choices.items():
        handler = command.get_default("func")
        assert handler.__module__ in modules, (name, handler.__module__)
        assert handler.__module__.startswith("reluscape.cli."), name


def _class_names(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]


def test_no_two_classes_share_a_name() -> None:
    """One name, one type: two classes called ``Verdict`` (the exact path's and the
    document's) read alike in an import and are not interchangeable."""
    where: dict[str, list[str]] = {}
    for f in _modules("."):
        for name in _class_names(f):
            where.setdefault(name, []).append(str(f.relative_to(PACKAGE.parent)))
    assert len(where) > 20
    assert {n: fs for n, fs in where.items() if len(fs) > 1} == {}


# The algebra adapter: the one module that imports the computer-algebra systems.
ADAPTER = PACKAGE / "exact" / "algebra.py"


def _is_algebra_system(name: str) -> bool:
    top = name.split(".")[0]
    return top.startswith(("sage", "passagemath")) or top == "msolve"


def _doctest_imports(path: Path) -> list[tuple[int, str]]:
    """Modules imported by the examples in docstrings (they run as doctests)."""
    out = []
    for k, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = re.match(r"\s*>>> (?:from|import) ([\w.]+)", line)
        if m:
            out.append((k, m.group(1)))
    return out


def test_only_the_algebra_adapter_imports_sage_singular_or_msolve() -> None:
    """Sage, Singular (through Sage) and msolve are behind reluscape.exact.algebra: every
    other module speaks of faces, systems and points, and asks the adapter for rings,
    matrices of polynomials, cones and certified points."""
    files = [f for f in _modules(".") if f != ADAPTER]
    found = [
        f"{f.relative_to(PACKAGE.parent)}:{line} imports {name}"
        for f in files
        for line, name in [*_imports(f), *_doctest_imports(f)]
        if _is_algebra_system(name)
    ]
    assert found == []
    # The scan sees the adapter's own imports, lazy and doctest ones included.
    assert any(_is_algebra_system(name) for _, name in _imports(ADAPTER))


def test_the_algebra_scan_catches_lazy_and_doctest_imports(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        'def f():\n    """\n    >>> from sage.all import QQ\n    """\n'
        "    import passagemath_singular\n    from sage.geometry import polyhedron\n",
        encoding="utf-8",
    )
    names = [n for _, n in [*_imports(bad), *_doctest_imports(bad)] if _is_algebra_system(n)]
    assert sorted(set(names)) == [
        "passagemath_singular", "sage.all", "sage.geometry", "sage.geometry.polyhedron",
    ]

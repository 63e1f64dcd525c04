"""Sphinx configuration of the API reference, generated from the docstrings (numpydoc).

Build (CI does, with warnings as errors)::

    pip install -e '.[docs]'
    sphinx-build -W -b html docs/api build/api
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

project = "reluscape"
author = "reluscape developers"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.autosummary", "numpydoc"]
exclude_patterns = ["_build"]
html_theme = "alabaster"
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"  # the signatures show them; numpydoc's sections say the rest
numpydoc_show_class_members = False  # autodoc lists the members once
numpydoc_validation_checks: set[str] = set()
nitpicky = False

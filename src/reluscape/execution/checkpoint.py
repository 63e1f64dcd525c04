"""Checkpoints: each finished face stored as it completes, so a killed run loses nothing,
and nothing stored is used for another problem or after it was damaged.

A checkpoint is a directory. ``checkpoint.json`` names the problem; each finished face is
one file ``face-<indices>.json``,

    {"format": 2, "fingerprint": F, "checksum": C, "record": {...}},

F the SHA-256 of the problem's identity (the exact data X and y, L, lambda, the
convention, the division) and of the code that computes it (the
:func:`~reluscape.provenance.package_versions` of ``stats.versions``, with the digest of
reluscape's source: :func:`fingerprint`), and C the SHA-256 of the record's canonical
JSON. A face file is reused only when its fingerprint is this run's and its checksum
matches its record; any other file (another problem, other code, an older format, bad
JSON, an edited or truncated record) is recomputed, with a warning naming it on the
``reluscape`` logger (the command prints it on stderr). So a face file of another problem
or of other code is never reused, even when ``checkpoint.json`` was deleted.

A directory whose ``checkpoint.json`` names another problem or other code is refused
(:class:`InputError`): reusing its faces could drop minima that this code finds, and
overwriting them would destroy the other run's work. So is a directory that holds an entry
named like a face file that is not a regular file (a directory, a FIFO), or that cannot
be written: such a run could not store its faces, and would lose them at the first save.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from reluscape.data import InputError, Problem
from reluscape.exact.merge import FaceRecord
from reluscape.execution.dask import version_difference
from reluscape.provenance import package_versions
from reluscape.schema import CriticalPoint, Minimum

FORMAT = 2
"""Version of the face-file layout; files of other versions are recomputed."""

log = logging.getLogger("reluscape")


def fingerprint(problem: Problem, partitions: str, census: bool = False) -> str:
    """SHA-256 of everything a face record depends on, as exact text: the problem, and
    the code (:func:`package_versions`, whose ``reluscape-source`` changes with any edit
    of the package, where the version number does not).

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1]], ["1", "0"], hidden=1, lam="1/10")
    >>> q = make_problem([[0], [1]], ["1", "0"], hidden=1, lam="1/11")
    >>> fingerprint(p, "realizable") == fingerprint(p, "realizable") != fingerprint(q, "realizable")
    True
    >>> len(fingerprint(p, "realizable"))
    64
    """
    identity = {
        "X": [[str(v) for v in row] for row in problem.X],
        "y": [str(v) for v in problem.y],
        "hidden": problem.hidden,
        "lam": str(problem.lam),
        "convention": problem.convention,
        "partitions": partitions,
        "census": census,
        "versions": package_versions(),
    }
    return _sha256(identity)


def _sha256(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@dataclass
class Checkpoint:
    """A directory of finished face records of one problem (module docstring).

    Faces that failed (time limit, lost worker) are not stored, so a resumed run retries
    them.
    """

    path: Path
    fingerprint: str
    records: dict[tuple[int, ...], FaceRecord]

    @classmethod
    def open(
        cls, path: str | Path, problem: Problem, partitions: str, census: bool = False
    ) -> Checkpoint:
        """Open or create the checkpoint directory and load its valid face records.

        Raises
        ------
        InputError
            If the directory cannot be created or written, holds an entry named like a
            face file that is not a regular file, or its ``checkpoint.json`` names another
            problem or was written by other code (module docstring).
        """
        d = Path(path)
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create checkpoint directory {d}: {exc}") from None
        fp = fingerprint(problem, partitions, census)
        meta = d / "checkpoint.json"
        identity = {
            "format": FORMAT,
            "fingerprint": fp,
            "problem": {**problem.describe(), "data": None},
            "partitions": partitions,
            "versions": package_versions(),
        }
        faces = sorted(d.glob("face-*.json"))
        for entry in [meta, *faces]:
            _check_entry(d, entry)
        if meta.exists():
            stored = _read_json(meta)
            if not isinstance(stored, dict):
                log.warning("checkpoint file %s is unreadable; writing it again", meta)
            elif stored.get("fingerprint") != fp:
                raise InputError(_refusal(d, stored))
        try:
            write_atomic(meta, json.dumps(identity))
        except OSError as exc:
            raise InputError(f"cannot write to checkpoint directory {d}: {exc}") from None
        records = {}
        for f in faces:
            record = _load_face(f, fp)
            if record is not None:
                records[record.product] = record
        return cls(path=d, fingerprint=fp, records=records)

    def save(self, record: FaceRecord) -> None:
        """Store a finished face (a failed one is skipped, to be retried)."""
        if record.failure:
            return
        data = _record_to_dict(record)
        doc = {
            "format": FORMAT,
            "fingerprint": self.fingerprint,
            "checksum": _sha256(data),
            "record": data,
        }
        write_atomic(self.path / face_file_name(record.product), json.dumps(doc))


def _check_entry(directory: Path, entry: Path) -> None:
    """Refuse an entry of the checkpoint that is there but is not a regular file (a
    directory, a FIFO, a dangling link): it cannot be read (a FIFO would block) nor
    replaced by the face file, so the run would fail when it stores that face, after the
    work, instead of now."""
    if (entry.exists() or entry.is_symlink()) and not entry.is_file():
        kind = "a directory" if entry.is_dir() else "not a regular file"
        raise InputError(
            f"checkpoint {directory}: {entry.name} is {kind}; remove it or use another "
            "checkpoint directory"
        )


def _refusal(directory: Path, stored: dict[str, Any]) -> str:
    """Why a checkpoint directory of another run is refused, and what to do: other code
    (another reluscape source, Singular, msolve or NumPy) is named first, as it may compute
    other faces for the same problem; else the problem differs (or, with no versions
    recorded, the directory is from a reluscape before they were)."""
    theirs, mine = stored.get("versions"), package_versions()
    if isinstance(theirs, dict) and theirs != mine:
        return (
            f"checkpoint {directory} was written by other code "
            f"({version_difference(theirs, mine)}), whose faces may differ from this "
            "code's; remove the directory or use another one"
        )
    return (
        f"checkpoint {directory} belongs to a different problem, division, census setting "
        "or reluscape version; use another directory"
    )


def face_file_name(product: tuple[int, ...]) -> str:
    """``face-<indices>.json``, e.g. ``face-0-3.json`` for the product face (0, 3)."""
    return "face-" + "-".join(str(i) for i in product) + ".json"


def _load_face(path: Path, fp: str) -> FaceRecord | None:
    """The record in a face file, or None (with a warning) when it may not be used."""
    doc = _read_json(path)
    if not isinstance(doc, dict) or not {"fingerprint", "checksum", "record"} <= set(doc):
        problem = "is not a face file of this format (unreadable or truncated)"
    elif doc["fingerprint"] != fp or doc.get("format") != FORMAT:
        problem = "belongs to another problem, division or code"
    elif doc["checksum"] != _sha256(doc["record"]):
        problem = "is corrupt (its checksum does not match its content)"
    else:
        try:
            record = _record_from_dict(doc["record"])
        except (ValueError, TypeError, KeyError) as exc:
            problem = f"is corrupt ({exc})"
        else:
            if face_file_name(record.product) == path.name:
                return record
            problem = "is corrupt (its face differs from its name)"
    log.warning("checkpoint face file %s %s; recomputing that face", path, problem)
    return None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: deeply nested JSON
        return None


def write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _record_to_dict(record: FaceRecord) -> dict[str, Any]:
    data = {f.name: getattr(record, f.name) for f in fields(record)}
    data["product"] = list(record.product)
    data["minima"] = [m.to_dict() for m in record.minima]
    data["undecided"] = [m.to_dict() for m in record.undecided]
    data["census"] = [c.to_dict() for c in record.census]
    return data


def _record_from_dict(d: dict[str, Any]) -> FaceRecord:
    d = dict(d)
    d["product"] = tuple(d["product"])
    d["minima"] = [Minimum(**m) for m in d["minima"]]
    d["undecided"] = [Minimum(**m) for m in d["undecided"]]
    d["census"] = [CriticalPoint(**c) for c in d["census"]]
    return FaceRecord(**d)

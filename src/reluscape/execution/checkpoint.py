"""Checkpoints: each finished face stored as it completes, so a killed run loses nothing."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from reluscape.data import InputError, Problem
from reluscape.exact.merge import FaceRecord
from reluscape.schema import Minimum


@dataclass
class Checkpoint:
    """A directory of finished face records: ``checkpoint.json`` names the problem,
    ``face-<indices>.json`` holds one :class:`FaceRecord` each, written atomically.

    Faces that failed (time limit) are not stored, so a resumed run retries them.
    """

    path: Path
    records: dict[tuple[int, ...], FaceRecord]

    @classmethod
    def open(cls, path: str | Path, problem: Problem, partitions: str) -> Checkpoint:
        d = Path(path)
        try:
            d.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create checkpoint directory {d}: {exc}") from None
        identity = {"problem": {**problem.describe(), "data": None}, "partitions": partitions}
        meta = d / "checkpoint.json"
        if meta.exists():
            try:
                stored = json.loads(meta.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise InputError(f"unreadable checkpoint {meta}: {exc}") from None
            if stored != identity:
                raise InputError(
                    f"checkpoint {d} belongs to a different problem or division; "
                    "use another directory"
                )
        else:
            _write_atomic(meta, json.dumps(identity))
        records = {}
        for f in sorted(d.glob("face-*.json")):
            try:
                rec = _record_from_dict(json.loads(f.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError, KeyError) as exc:
                raise InputError(f"corrupt checkpoint file {f}: {exc}") from None
            records[rec.product] = rec
        return cls(path=d, records=records)

    def save(self, record: FaceRecord) -> None:
        if record.failure:
            return
        name = "face-" + "-".join(str(i) for i in record.product) + ".json"
        _write_atomic(self.path / name, json.dumps(asdict(record)))


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _record_from_dict(d: dict[str, Any]) -> FaceRecord:
    d = dict(d)
    d["product"] = tuple(d["product"])
    d["minima"] = [Minimum(**m) for m in d["minima"]]
    d["undecided"] = [Minimum(**m) for m in d["undecided"]]
    return FaceRecord(**d)



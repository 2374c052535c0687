"""Index manifests: what an index was built from, so an unchanged source is not rebuilt."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

MANIFEST_NAME = "manifest.json"


def fingerprint(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


@dataclass(frozen=True)
class Manifest:
    fingerprint: str  # of source fingerprint + model name + index code version
    source_fingerprint: str
    model: str
    index_version: int
    count: int  # documents in the Chroma collection
    built_at: str  # ISO time, UTC

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / (MANIFEST_NAME + ".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2), "utf-8")
        os.replace(tmp, folder / MANIFEST_NAME)

    @classmethod
    def load(cls, folder: Path) -> Manifest | None:
        path = folder / MANIFEST_NAME
        try:
            data = json.loads(path.read_text("utf-8"))
            return cls(**data)
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, TypeError):
            return None  # a half-written or foreign file: treat as "not built"

    @staticmethod
    def remove(folder: Path) -> None:
        (folder / MANIFEST_NAME).unlink(missing_ok=True)

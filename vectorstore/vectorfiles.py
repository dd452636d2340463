"""Each document's normalised vectors saved in the data dir, beside its BM25 table.

Exact search over a policy (or a small corpus) reads them instead of asking Chroma, so a one-shot
`policybot ask` never imports or opens Chroma. Chroma stays the store of record: a missing or stale
file is rebuilt from it. Files are keyed by collection (a reindex writes a new one) and revision.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Sequence

import numpy as np

from .lexical import file_stem


class VectorFiles:
    """`<root>/<doc>-r<rev>-<collection>.npz` holding `ids` and the row-normalised `vectors`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, collection: str, doc_id: str, rev: int) -> Path:
        return self.root / f"{file_stem(doc_id)}-r{rev}-{collection}.npz"

    def _read(self, collection: str, doc_id: str, rev: int) -> tuple[list[str], np.ndarray] | None:
        try:
            with np.load(self.path(collection, doc_id, rev), allow_pickle=False) as z:
                return z["ids"].tolist(), np.ascontiguousarray(z["vectors"], dtype=np.float32)
        except (OSError, ValueError, KeyError):
            return None

    def load(self, collection: str, doc_id: str, rev: int, ids: Sequence[str]) -> np.ndarray | None:
        """The saved vectors when they exist and are for exactly these chunk ids, in this order."""
        got = self._read(collection, doc_id, rev)
        return got[1] if got is not None and got[0] == list(ids) else None

    def by_id(self, collection: str, doc_id: str, rev: int) -> dict[str, np.ndarray] | None:
        """The saved vectors keyed by chunk id, or None when there is no readable file."""
        got = self._read(collection, doc_id, rev)
        return dict(zip(*got)) if got is not None else None

    def save(self, collection: str, doc_id: str, rev: int, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Write atomically: a reader in another process sees the old file or the whole new one."""
        self.root.mkdir(parents=True, exist_ok=True)
        final = self.path(collection, doc_id, rev)
        tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            with open(tmp, "wb") as f:
                np.savez(f, ids=np.asarray(list(ids), dtype=str), vectors=np.asarray(vectors, dtype=np.float32))
            os.replace(tmp, final)
        except OSError:  # a read-only data dir only costs the Chroma read next time
            tmp.unlink(missing_ok=True)

    def remove(self, doc_id: str) -> None:
        for p in self.root.glob(f"{file_stem(doc_id)}-r*.npz"):
            p.unlink(missing_ok=True)

    def prune(self, keep_collection: str) -> None:
        """Drop the files of collections other than `keep_collection` (after a reindex switched collections)."""
        for p in self.root.glob("*.npz"):
            if not p.name.endswith(f"-{keep_collection}.npz"):
                p.unlink(missing_ok=True)

"""The vector store: chunk vectors in a Chroma collection, bound to the model that built them.

The registry names the active collection (`meta.active_collection`), so a re-index builds
a new collection and swaps the name in one transaction. A local `PersistentClient` caches
the collection's HNSW index per process; when another process has written, `reopen()`
drops that cache (Chroma otherwise fails with "Error finding id").
"""
from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path
from typing import Sequence

import numpy as np

from ingestion.types import Chunk

from .errors import ModelMismatchError

_SEGMENT_DIR = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def open_chroma(data_dir: Path, chroma_url: str | None = None):
    """A Chroma client: `HttpClient` when a server URL is given, else `PersistentClient` in the data dir."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        from urllib.parse import urlparse

        u = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
        return chromadb.HttpClient(host=u.hostname or "localhost", port=u.port or 8000, ssl=u.scheme == "https", settings=settings)
    return chromadb.PersistentClient(path=str(data_dir / "chroma"), settings=settings)


def chunk_metadata(c: Chunk, status: str) -> dict:
    return {
        "doc_id": c.doc_id, "policy": c.policy, "version": c.version, "kind": c.kind, "file_name": c.file_name,
        "page_start": c.page_start, "page_end": c.page_end, "section": c.section[:500], "clause_type": c.clause_type,
        "clause_label": c.clause_label[:100], "char_start": c.char_start, "char_end": c.char_end, "status": status,
    }


def model_mismatch(data_dir: Path, built_with: str, model: str) -> ModelMismatchError:
    return ModelMismatchError(
        f"The index in {data_dir} was built with the embedding model '{built_with}', "
        f"but '{model}' is configured. Run `policybot reindex` to rebuild it with "
        f"'{model}', or set POLICYBOT_EMBEDDING_MODEL={built_with}."
    )


class VectorStore:
    """Chroma access for one data dir. `model` is the embedder's name the collection must match."""

    def __init__(self, data_dir: Path, model: str, chroma_url: str | None = None) -> None:
        self.data_dir = data_dir
        self.model = model
        self.chroma_url = chroma_url
        self._client = None
        self._collections: dict[str, object] = {}

    @property
    def client(self):
        if self._client is None:
            self._client = open_chroma(self.data_dir, self.chroma_url)
        return self._client

    def reopen(self) -> None:
        """Forget this process's cached view of the local store, so the next call reads what other processes wrote."""
        self._collections.clear()
        if self._client is None or self.chroma_url:
            return  # a Chroma server serves every client the same data
        from chromadb.api.shared_system_client import SharedSystemClient

        # PersistentClient shares one System per path inside a process; drop only ours.
        SharedSystemClient._identifier_to_system.pop(str(self.data_dir / "chroma"), None)
        SharedSystemClient._identifier_to_refcount.pop(str(self.data_dir / "chroma"), None)
        self._client = None

    def collection(self, name: str, *, create: bool = True, check_model: bool = True):
        col = self._collections.get(name)
        if col is None:
            if create:
                col = self.client.get_or_create_collection(
                    name, embedding_function=None, metadata={"embedding_model": self.model, "hnsw:space": "cosine"}
                )
            else:
                col = self.client.get_collection(name, embedding_function=None)
            self._collections[name] = col
        built_with = (col.metadata or {}).get("embedding_model")
        if check_model and built_with and built_with != self.model:
            raise model_mismatch(self.data_dir, built_with, self.model)
        return col

    def built_with(self, name: str) -> str | None:
        """The embedding model the collection records (None for one made before models were recorded)."""
        return (self.collection(name, check_model=False).metadata or {}).get("embedding_model")

    def drop(self, name: str) -> None:
        self._collections.pop(name, None)
        try:
            self.client.delete_collection(name)
        except Exception:  # already gone
            pass

    def sweep(self) -> int:
        """Remove the HNSW folders of dropped collections from a local store; returns how many.

        Chroma 1.x takes a dropped collection out of its catalogue but leaves its vector folder on disk
        (chroma-core/chroma#5259), so each reindex or rebuild would leave one behind. A folder named like a
        segment id that is no segment in the catalogue belongs to no collection. Call it holding the writer
        lock: only writers create collections."""
        if self.chroma_url:
            return 0
        root = self.data_dir / "chroma"
        try:
            con = sqlite3.connect(f"file:{root / 'chroma.sqlite3'}?mode=ro", uri=True)
            try:
                live = {r[0] for r in con.execute("SELECT id FROM segments")}
            finally:
                con.close()
        except sqlite3.Error:  # no store yet, or a layout this code does not know: leave everything
            return 0
        gone = [p for p in root.iterdir() if p.is_dir() and _SEGMENT_DIR.fullmatch(p.name) and p.name not in live]
        for p in gone:
            shutil.rmtree(p, ignore_errors=True)
        return len(gone)

    def names(self) -> list[str]:
        return [c if isinstance(c, str) else c.name for c in self.client.list_collections()]

    def upsert(self, name: str, chunks: Sequence[Chunk], vectors: np.ndarray, status: str) -> None:
        # No `documents=`: the registry holds the text, and Chroma's full-text index of it cost
        # about a third of ingest time.
        self.collection(name).upsert(
            ids=[c.id for c in chunks],
            embeddings=np.asarray(vectors, dtype=np.float32),
            metadatas=[chunk_metadata(c, status) for c in chunks],
        )

    def set_status(self, name: str, chunks: Sequence[Chunk], status: str) -> None:
        """Rewrite the chunks' metadata with a new `status` (active/superseded)."""
        col = self.collection(name, check_model=False)
        for i in range(0, len(chunks), 1000):
            part = chunks[i : i + 1000]
            col.update(ids=[c.id for c in part], metadatas=[chunk_metadata(c, status) for c in part])

    def delete_ids(self, name: str, ids: Sequence[str]) -> None:
        col = self.collection(name, check_model=False)
        for i in range(0, len(ids), 2000):
            col.delete(ids=list(ids[i : i + 2000]))

    def delete_doc(self, name: str, doc_id: str) -> None:
        self.collection(name, check_model=False).delete(where={"doc_id": doc_id})

    def vectors(self, name: str, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these chunk ids."""
        col = self.collection(name)
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(ids), 2000):
            res = col.get(ids=list(ids[i : i + 2000]), include=["embeddings"])
            out.update(zip(res["ids"], np.asarray(res["embeddings"], dtype=np.float32)))
        return out

    def nearest(self, name: str, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """(chunk id, cosine distance) of the `n` nearest chunks, with no metadata filter.

        Chroma 1.5's metadata filters cost 90–500 ms at 50k chunks against ~5 ms unfiltered,
        so the retriever filters the over-fetched ids itself."""
        col = self.collection(name)
        res = col.query(query_embeddings=np.asarray(vector, dtype=np.float32).reshape(1, -1), n_results=n, include=["distances"])
        return list(zip(res["ids"][0], (float(x) for x in res["distances"][0])))

    def count(self, name: str) -> int:
        return self.collection(name, check_model=False).count()

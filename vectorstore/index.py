"""PolicyIndex: ingest documents as versions of a policy, and search them (dense + BM25)."""
from __future__ import annotations

import getpass
import re
import shutil
import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from ingestion.chunking import chunk_document
from ingestion.injection import flag_warnings
from ingestion.errors import IngestError
from ingestion.guidance import guidance_documents
from ingestion.readers import DEFAULT_MAX_BYTES, load_bytes, read_document, read_text_bytes, sha256_bytes
from ingestion.terms import extract_terms, terms_to_json
from ingestion.types import Chunk, DocumentText

from .embedder import Embedder
from .registry import DocRecord, Registry
from .text import tokens

COLLECTION = "policybot_chunks"
GUIDANCE_PREFIX = "guidance/"
Progress = Callable[[int, int, str], None]


class IndexError_(Exception):
    """A problem with the index itself (wrong model, unknown policy…); the message is for the user."""


class ModelMismatchError(IndexError_):
    pass


class UnknownPolicyError(IndexError_):
    pass


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and where each retriever ranked it (0 = not found)."""

    chunk: Chunk
    score: float
    dense_rank: int = 0
    lexical_rank: int = 0


@dataclass(frozen=True)
class IngestReport:
    """What one file's ingest did."""

    file_name: str
    policy: str
    version: str
    doc_id: str
    status: str  # "indexed", "unchanged"
    pages: int = 0
    chunks: int = 0
    blank_pages: tuple[int, ...] = ()
    clause_counts: dict = field(default_factory=dict, compare=False, hash=False)
    superseded: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def slugify(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return s or "policy"


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


class PolicyIndex:
    """The versioned index in one data dir.

    `embedder` computes all vectors. `chroma_url` switches the vectors to a Chroma
    server; the registry and stored originals always live in `data_dir`.
    """

    def __init__(
        self,
        data_dir: str | Path,
        embedder: Embedder,
        *,
        chroma_url: str | None = None,
        collection: str = COLLECTION,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_tokens: int | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "files").mkdir(exist_ok=True)
        self.embedder = embedder
        self.max_bytes = max_bytes
        self._max_tokens = max_tokens
        self.registry = Registry(self.data_dir / "registry.sqlite3")
        self._chroma_url = chroma_url
        self._client = None
        self.collection_name = collection
        self._collection = None
        self._lock = threading.RLock()
        self._bm25_cache: dict = {}
        self._recover_pending()

    # -- collection -----------------------------------------------------------
    @property
    def client(self):
        """The Chroma client, opened on first use: listing documents or diffing versions never imports chromadb."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = open_chroma(self.data_dir, self._chroma_url)
        return self._client

    @property
    def collection(self):
        if self._collection is None:
            col = self.client.get_or_create_collection(
                self.collection_name,
                embedding_function=None,
                metadata={"embedding_model": self.embedder.name, "hnsw:space": "cosine"},
            )
            built_with = (col.metadata or {}).get("embedding_model")
            if built_with and built_with != self.embedder.name:
                raise ModelMismatchError(
                    f"The index in {self.data_dir} was built with the embedding model '{built_with}', "
                    f"but '{self.embedder.name}' is configured. Run `policybot reindex` to rebuild it with "
                    f"'{self.embedder.name}', or set POLICYBOT_EMBEDDING_MODEL={built_with}."
                )
            self._collection = col
        return self._collection

    def check_model(self) -> None:
        """Raise ModelMismatchError now rather than at the first search."""
        _ = self.collection

    @property
    def max_tokens(self) -> int:
        return self._max_tokens or min(self.embedder.max_tokens - 30, 220)

    # -- ingest ---------------------------------------------------------------
    def ingest_file(
        self,
        path: str | Path,
        *,
        policy: str | None = None,
        version: str | None = None,
        effective_date: str = "",
        kind: str = "policy",
        ingested_by: str = "",
        data: bytes | None = None,
        file_name: str | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Read, chunk, embed and publish one file as the newest version of `policy`.

        Nothing becomes visible until every chunk is embedded and stored; on any
        failure the previous version keeps answering and no partial chunks remain.
        """
        path = Path(path)
        name = file_name or path.name
        if data is None:
            data = load_bytes(path, max_bytes=self.max_bytes)
        # Hash before parsing: an unchanged file costs one sha256, not a PDF parse.
        unchanged = self._unchanged(policy or slugify(Path(name).stem), sha256_bytes(data))
        if unchanged:
            return unchanged
        doc = read_document(Path(name), max_bytes=self.max_bytes, data=data)
        return self._ingest_doc(doc, data, policy=policy, version=version, effective_date=effective_date,
                                kind=kind, ingested_by=ingested_by, progress=progress)

    def _ingest_doc(self, doc: DocumentText, data: bytes, *, policy, version, effective_date, kind, ingested_by, progress) -> IngestReport:
        if effective_date:
            try:
                date.fromisoformat(effective_date)
            except ValueError:
                raise IngestError(f"effective date '{effective_date}' is not a date like 2026-01-31") from None
        policy = policy or slugify(Path(doc.file_name).stem)
        with self._lock:
            unchanged = self._unchanged(policy, doc.sha256)
            if unchanged:
                return unchanged
            existing = self.registry.documents(policy=policy, status=("active", "superseded"))
            version = version or f"v{len({d.version for d in existing}) + 1}"
            if any(d.version == version for d in existing):
                raise IngestError(f"policy '{policy}' already has a version '{version}'; choose another --version")
            doc_id = f"{slugify(policy)}@{doc.sha256[:12]}"
            chunks = chunk_document(
                doc, doc_id=doc_id, policy=policy, version=version, kind=kind,
                count_tokens=self.embedder.count_tokens, effective_date=effective_date, max_tokens=self.max_tokens,
            )
            if not chunks:
                raise IngestError(f"{doc.file_name}: no text could be chunked")
            stored = self.data_dir / "files" / f"{doc.sha256}{Path(doc.file_name).suffix.lower()}"
            if not stored.exists():
                tmp = stored.with_suffix(stored.suffix + ".tmp")
                tmp.write_bytes(data)
                tmp.replace(stored)
            rec = dict(doc_id=doc_id, policy=policy, version=version, kind=kind, file_name=doc.file_name,
                       sha256=doc.sha256, title=doc.title, effective_date=effective_date, pages=len(doc.pages) + len(doc.blank_pages),
                       blank_pages=doc.blank_pages, stored_path=str(stored.relative_to(self.data_dir)), ingested_by=ingested_by or _user())
            self.registry.add_pending(rec, chunks)
            if kind == "policy":  # structured terms travel with the version (ingestion/terms.py)
                self.registry.put_terms(doc_id, terms_to_json(extract_terms(chunks)))
            try:
                self._embed_and_store(chunks, progress=progress)
            except BaseException:
                self._discard(doc_id)
                raise
            superseded = self.registry.activate(doc_id, policy)
            counts: dict[str, int] = {}
            for c in chunks:
                counts[c.clause_type] = counts.get(c.clause_type, 0) + 1
            return IngestReport(doc.file_name, policy, version, doc_id, "indexed", rec["pages"], len(chunks),
                                doc.blank_pages, counts, tuple(superseded), doc.warnings + flag_warnings(chunks))

    def _unchanged(self, policy: str, sha256: str) -> IngestReport | None:
        """The report for a file that is already a version of `policy` (active or superseded), else None.

        Re-sending an old version does not silently make it current again."""
        for d in self.registry.documents(policy=policy, status=("active", "superseded")):
            if d.sha256 == sha256:
                return IngestReport(d.file_name, policy, d.version, d.doc_id, "unchanged", d.pages, d.chunks, d.blank_pages)
        return None

    def _embed_and_store(self, chunks: list[Chunk], *, progress: Progress | None, batch: int = 128) -> None:
        col = self.collection
        for i in range(0, len(chunks), batch):
            part = chunks[i : i + batch]
            vecs = self.embedder.embed([embed_text(c) for c in part])
            col.upsert(
                ids=[c.id for c in part],
                embeddings=np.asarray(vecs, dtype=np.float32),
                documents=[c.text for c in part],
                metadatas=[_metadata(c) for c in part],
            )
            if progress:
                progress(min(i + batch, len(chunks)), len(chunks), chunks[0].file_name)

    def _discard(self, doc_id: str) -> None:
        try:
            self.collection.delete(where={"doc_id": doc_id})
        finally:
            self.registry.delete(doc_id)

    def _recover_pending(self) -> None:
        """A crash mid-ingest leaves a pending row; its chunks were never visible, so drop them."""
        for d in self.registry.pending():
            try:
                self._discard(d.doc_id)
            except Exception:
                pass

    def ingest_guidance(self, progress: Progress | None = None) -> list[IngestReport]:
        """Index the shipped control catalogue as `guidance` documents (unchanged ones are skipped)."""
        out = []
        for fname, text in guidance_documents():
            data = text.encode("utf-8")
            doc = read_text_bytes(data, fname)
            out.append(self._ingest_doc(doc, data, policy=GUIDANCE_PREFIX + fname[len("guidance-"):-3], version=None,
                                        effective_date="", kind="guidance", ingested_by="policybot", progress=progress))
        return out

    def reindex(self, *, all_files: bool = False, progress: Progress | None = None) -> int:
        """Rebuild vectors for every document (after a model change); with `all_files`,
        re-read and re-chunk the stored originals too. Returns the number of documents."""
        with self._lock:
            try:
                self.client.delete_collection(self.collection_name)
            except Exception:
                pass
            self._collection = None
            docs = self.registry.documents(status=("active", "superseded"))
            for d in docs:
                if all_files:
                    data = (self.data_dir / d.stored_path).read_bytes()
                    doc = read_document(Path(d.file_name), max_bytes=max(self.max_bytes, len(data)), data=data)
                    chunks = chunk_document(doc, doc_id=d.doc_id, policy=d.policy, version=d.version, kind=d.kind,
                                            count_tokens=self.embedder.count_tokens, effective_date=d.effective_date,
                                            max_tokens=self.max_tokens)
                    self.registry.replace_chunks(d.doc_id, chunks, len(doc.pages) + len(doc.blank_pages))
                self._embed_and_store(self.registry.chunks([d.doc_id]), progress=progress)
            self._bm25_cache.clear()
            return len(docs)

    # -- documents ------------------------------------------------------------
    def documents(self, *, include_superseded: bool = True, kind: str | None = None) -> list[DocRecord]:
        status = ("active", "superseded") if include_superseded else ("active",)
        return self.registry.documents(status=status, kind=kind)

    def policies(self) -> list[str]:
        return self.registry.policies()

    def versions(self, policy: str) -> list[DocRecord]:
        docs = self.registry.documents(policy=policy, status=("active", "superseded"))
        if not docs:
            raise UnknownPolicyError(self._unknown_policy_message(policy))
        return docs

    def _unknown_policy_message(self, policy: str) -> str:
        known = self.policies()
        if not known:
            return f"No policy named '{policy}' — the index in {self.data_dir} has no policies yet. Add one with `policybot ingest FILE.pdf --policy NAME`."
        return f"No policy named '{policy}'. Indexed policies: {', '.join(known)}."

    def chunk(self, chunk_id: str) -> Chunk | None:
        return self.registry.chunk(chunk_id)

    def chunks_of(self, doc_id: str) -> list[Chunk]:
        return self.registry.chunks([doc_id])

    def select_docs(
        self,
        *,
        policy: str | Sequence[str] | None = None,
        version: str | None = None,
        kind: str | None = None,
        include_superseded: bool = False,
        doc_ids: Iterable[str] | None = None,
    ) -> list[DocRecord]:
        """Documents a search may see under these filters."""
        docs = self.registry.documents(status=("active", "superseded") if (include_superseded or version) else ("active",))
        if policy:
            names = [policy] if isinstance(policy, str) else list(policy)
            unknown = [p for p in names if p not in {d.policy for d in docs}]
            if unknown:
                raise UnknownPolicyError(self._unknown_policy_message(unknown[0]))
            docs = [d for d in docs if d.policy in names]
        if version:
            docs = [d for d in docs if d.version == version]
        if kind:
            docs = [d for d in docs if d.kind == kind]
        if doc_ids is not None:
            wanted = set(doc_ids)
            docs = [d for d in docs if d.doc_id in wanted]
        return docs

    # -- search ---------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        k: int = 5,
        policy: str | Sequence[str] | None = None,
        version: str | None = None,
        kind: str | None = None,
        clause_types: Sequence[str] | None = None,
        include_superseded: bool = False,
        doc_ids: Iterable[str] | None = None,
        candidates: int = 60,
        dense_weight: float = 1.0,
        lexical_weight: float = 1.0,
        lexical_query: str | None = None,
    ) -> list[Hit]:
        """Hybrid search: dense (Chroma) and BM25 ranks fused by reciprocal rank fusion.

        `lexical_query` lets a caller give BM25 only the question part of a query.
        """
        docs = self.select_docs(policy=policy, version=version, kind=kind, include_superseded=include_superseded, doc_ids=doc_ids)
        if not docs or not query.strip():
            return []
        ids = sorted(d.doc_id for d in docs)
        pool = self._bm25_for(tuple(ids))
        if not pool.chunks:
            return []
        allowed_types = set(clause_types) if clause_types else None
        n = min(candidates, len(pool.chunks))
        dense = self._dense(query, ids, n, clause_types) if dense_weight else []
        lexical = pool.top(lexical_query or query, n, allowed_types) if lexical_weight else []
        scores: dict[str, float] = {}
        d_rank: dict[str, int] = {}
        l_rank: dict[str, int] = {}
        rrf_k = 60
        for r, cid in enumerate(dense, 1):
            scores[cid] = scores.get(cid, 0.0) + dense_weight / (rrf_k + r)
            d_rank[cid] = r
        for r, cid in enumerate(lexical, 1):
            scores[cid] = scores.get(cid, 0.0) + lexical_weight / (rrf_k + r)
            l_rank[cid] = r
        ranked = sorted(scores, key=lambda c: -scores[c])[:k]
        return [Hit(pool.by_id[c], scores[c], d_rank.get(c, 0), l_rank.get(c, 0)) for c in ranked if c in pool.by_id]

    def _dense(self, query: str, doc_ids: list[str], n: int, clause_types) -> list[str]:
        vec = self.embedder.embed([query])
        where: dict = {"doc_id": {"$in": doc_ids}} if len(doc_ids) > 1 else {"doc_id": doc_ids[0]}
        if clause_types:
            ct = {"clause_type": {"$in": list(clause_types)}} if len(clause_types) > 1 else {"clause_type": clause_types[0]}
            where = {"$and": [where, ct]}
        res = self.collection.query(query_embeddings=np.asarray(vec, dtype=np.float32), n_results=n, where=where, include=[])
        return list(res["ids"][0])

    def _bm25_for(self, doc_ids: tuple[str, ...]) -> "_LexicalPool":
        gen = self.registry.generation()
        key = (gen, doc_ids)
        pool = self._bm25_cache.get(key)
        if pool is None:
            with self._lock:
                pool = self._bm25_cache.get(key)
                if pool is None:
                    if len(self._bm25_cache) > 32 or any(k[0] != gen for k in self._bm25_cache):
                        self._bm25_cache = {k: v for k, v in self._bm25_cache.items() if k[0] == gen and len(k[1]) > 50}
                    pool = _LexicalPool(self.registry.chunks(list(doc_ids)))
                    self._bm25_cache[key] = pool
        return pool

    def term_stats(self, **filters) -> tuple[dict[str, int], int]:
        """Document frequency of each lexical token, and the number of chunks, under `select_docs` filters."""
        ids = tuple(sorted(d.doc_id for d in self.select_docs(**filters)))
        if not ids:
            return {}, 0
        pool = self._bm25_for(ids)
        return pool.df, len(pool.chunks)

    def resolve_documents(self, text: str, *, k: int = 3, kind: str | None = "policy") -> list[tuple[DocRecord, float]]:
        """Rank active documents by how well their title and opening text match `text`
        (used to find which contract or policy a question names)."""
        docs = self.select_docs(kind=kind)
        key = ("profiles", self.registry.generation(), kind)
        prof = self._bm25_cache.get(key)
        if prof is None:
            texts = []
            for d in docs:
                head = " ".join(c.text for c in self.registry.chunks([d.doc_id])[:3])
                texts.append(f"{d.title} {d.policy} {Path(d.file_name).stem.replace('_', ' ')} {head[:2500]}")
            prof = (docs, _BM25([tokens(t) for t in texts]))
            self._bm25_cache[key] = prof
        docs, bm = prof
        ranked = bm.top_scores(tokens(text), k)
        return [(docs[i], s) for i, s in ranked]


class _BM25:
    def __init__(self, corpus_tokens: list[list[str]]) -> None:
        import bm25s

        self.n = len(corpus_tokens)
        self.retriever = bm25s.BM25()
        # bm25s needs at least one token per document to build its vocabulary.
        self.retriever.index([t or ["\u2205"] for t in corpus_tokens], show_progress=False)

    def top_scores(self, q: list[str], k: int) -> list[tuple[int, float]]:
        q = [t for t in q if t in self.retriever.vocab_dict] if hasattr(self.retriever, "vocab_dict") else q
        if not q or not self.n:
            return []
        scores = self.retriever.get_scores(q)
        k = min(k, self.n)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]


class _LexicalPool:
    """BM25 over one set of documents' chunks."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        self.by_id = {c.id: c for c in chunks}
        toks = [tokens(lexical_text(c)) for c in chunks]
        self.df: dict[str, int] = {}
        for t in toks:
            for w in set(t):
                self.df[w] = self.df.get(w, 0) + 1
        self.bm25 = _BM25(toks) if chunks else None

    def top(self, query: str, n: int, allowed_types: set | None) -> list[str]:
        if not self.bm25:
            return []
        ranked = self.bm25.top_scores(tokens(query), n * (3 if allowed_types else 1))
        out = [self.chunks[i].id for i, _ in ranked if not allowed_types or self.chunks[i].clause_type in allowed_types]
        return out[:n]


def embed_text(c: Chunk) -> str:
    """What the embedder sees: the section path gives a short clause its context."""
    body = " ".join(c.text.split())
    return f"{c.section}: {body}" if c.section and c.kind == "policy" else body


def lexical_text(c: Chunk) -> str:
    return f"{c.section} {c.text}"


def _metadata(c: Chunk) -> dict:
    return {
        "doc_id": c.doc_id, "policy": c.policy, "version": c.version, "kind": c.kind, "file_name": c.file_name,
        "page_start": c.page_start, "page_end": c.page_end, "section": c.section[:500], "clause_type": c.clause_type,
        "clause_label": c.clause_label[:100], "char_start": c.char_start, "char_end": c.char_end,
    }


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return ""

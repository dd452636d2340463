"""PolicyIndex: ingest documents as versions of a policy, and search them (dense + BM25).

A thin façade over three parts: the registry of documents and versions (`registry.py`,
SQLite, the source of truth for what is visible), the vector store (`store.py`, Chroma)
and the hybrid retriever (`retriever.py` + `lexical.py`). One process writes at a time
(`locks.py`); any number of processes read, and each notices another's writes through
the registry generation and refreshes its caches and Chroma handle.
"""
from __future__ import annotations

import getpass
import re
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

from ingestion.chunking import chunk_document
from ingestion.injection import flag_warnings
from ingestion.errors import IngestError
from ingestion.guidance import guidance_documents
from ingestion.readers import DEFAULT_MAX_BYTES, load_bytes, read_document, read_text_bytes, sha256_bytes
from ingestion.terms import extract_terms, terms_to_json
from ingestion.types import Chunk, DocumentText

from .embedder import Embedder
from .lexical import LexicalIndex, lexical_text
from .locks import WriterBusyError, WriterLock
from .registry import Catalog, DocRecord, Registry
from .retriever import Hit, HybridRetriever, doc_of
from .errors import IndexError_, ModelMismatchError, UnknownPolicyError
from .store import VectorStore, model_mismatch, open_chroma
from .vectorfiles import VectorFiles
from .text import tokens

__all__ = ["PolicyIndex", "Hit", "IngestReport", "IndexError_", "ModelMismatchError", "UnknownPolicyError",
           "WriterBusyError", "open_chroma", "slugify", "embed_text", "lexical_text"]

COLLECTION = "policybot_chunks"
# Registry meta key naming the local Chroma collection a writer is changing; see `_writing_chroma`.
CHROMA_WRITING = "chroma_writing"
GUIDANCE_PREFIX = "guidance/"
WRITER_WAIT_SECONDS = 600.0  # how long an ingest waits for another process's ingest or reindex
Progress = Callable[[int, int, str], None]


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




class PolicyIndex:
    """The versioned index in one data dir.

    `embedder` computes all vectors. `chroma_url` switches the vectors to a Chroma
    server; the registry, the BM25 tables and stored originals always live in `data_dir`.
    `writer_wait` is how many seconds an ingest or reindex waits for another process's.
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
        writer_wait: float = WRITER_WAIT_SECONDS,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "files").mkdir(exist_ok=True)
        self.embedder = embedder
        self.max_bytes = max_bytes
        self._max_tokens = max_tokens
        self.registry = Registry(self.data_dir / "registry.sqlite3")
        self.store = VectorStore(self.data_dir, embedder.name, chroma_url)
        self.lexical = LexicalIndex(self.data_dir / "lexical")
        self.retriever = HybridRetriever(self.store, self.lexical, self.chunks_of, self.registry.chunks_by_id,
                                         VectorFiles(self.data_dir / "vectors"))
        self.default_collection = collection
        self._writer = WriterLock(self.data_dir / "index.lock", timeout=writer_wait)
        self._lock = threading.RLock()
        self._catalog: Catalog | None = None
        self._collection_name = collection
        self._profiles: dict = {}
        self._marking = False
        # Leftovers of a crashed writer are cleaned only when no process is writing:
        # a pending row of a live ingest is its work in progress, not an orphan.
        with self._writer.try_hold() as free:
            if free:
                self._repair()

    # -- collection -----------------------------------------------------------
    @property
    def client(self):
        return self.store.client

    @property
    def collection_name(self) -> str:
        self.catalog()
        return self._collection_name

    @property
    def collection(self):
        """The active Chroma collection (raises ModelMismatchError if another model built it)."""
        return self.store.collection(self.collection_name)

    def check_model(self) -> None:
        """Raise ModelMismatchError now rather than at the first search.

        The registry records which model built each collection, so the check needs no Chroma round trip;
        an index from before that asks Chroma once and records the answer."""
        name = self.collection_name
        if self._profiles.get("model_checked") == name:  # once per registry generation, not on every search
            return
        key = f"embedding_model:{name}"
        built = self.registry.get_meta(key)
        if built is None:
            built = self.store.built_with(name)
            if built is None:
                return
            self.registry.set_meta(key, built)
        if built != self.embedder.name:
            raise model_mismatch(self.data_dir, built, self.embedder.name)
        self._profiles["model_checked"] = name

    @property
    def max_tokens(self) -> int:
        return self._max_tokens or min(self.embedder.max_tokens - 30, 220)

    def catalog(self) -> Catalog:
        """Every visible document at the current registry generation (cached until it changes).

        When another process has changed the index, the Chroma handle and caches are refreshed."""
        gen = self.registry.generation()
        cat = self._catalog
        if cat is not None and cat.generation == gen:
            return cat
        with self._lock:
            cat = self._catalog
            if cat is None or cat.generation != gen:
                # While we hold the writer lock, a new generation is our own write; otherwise another
                # process wrote and this process's cached Chroma view is out of date.
                stale = cat is not None and not self._writer.held
                cat = self._reload()
                if stale:
                    self.store.reopen()
        return cat

    def _reload(self) -> Catalog:
        cat = self.registry.catalog()
        name = self.registry.get_meta("active_collection") or self.default_collection
        if name != self._collection_name:
            self.retriever.forget_vectors()
        self._catalog, self._collection_name, self._profiles = cat, name, {}
        return cat

    # -- writing ------------------------------------------------------------
    def _begin_write(self) -> Catalog:
        """Under the writer lock: catch up with other processes' writes and clean crash leftovers."""
        self.catalog()
        self._repair()
        return self.catalog()

    def _end_write(self) -> None:
        """Our own writes do not make our Chroma view stale: take the new generation as seen."""
        with self._lock:
            self._reload()

    def _repair(self) -> None:
        """Clean up after a writer that died (writer lock held): drop its pending documents, rebuild a
        collection it may have torn, and bring Chroma's status metadata in line with the registry."""
        torn = self.registry.get_meta(CHROMA_WRITING) or ""
        pending = self.registry.pending()
        for d in pending:
            self._discard(d.doc_id, chroma=not torn)
        if torn:
            self._rebuild_torn(torn)
        unsynced = self.registry.unsynced()
        if unsynced:
            name = self.registry.get_meta("active_collection") or self.default_collection
            with self._writing_chroma(name):
                for d in unsynced:
                    self.store.set_status(name, self.registry.chunks([d.doc_id]), d.status)
            self.registry.mark_synced({d.doc_id: d.status for d in unsynced})
        if pending or unsynced or torn:
            self._end_write()

    @contextmanager
    def _writing_chroma(self, name: str):
        """Record in the registry that this process is changing the local collection `name`.

        A local Chroma writes its HNSW files in place and not atomically: a process killed while Chroma
        saves them leaves a header that disagrees with the data files (seen after kill -9: a header for
        1,020 vectors beside data for 1,129), and the next write to that collection hangs or crashes in
        Chroma's native code. A marker left behind tells the next writer to rebuild the collection
        (`_rebuild_torn`). A Chroma server saves its own files, so a client's death cannot tear them."""
        if self.store.chroma_url or self._marking:
            yield
            return
        self._marking = True
        self.registry.set_meta(CHROMA_WRITING, name)
        try:
            yield
        finally:
            self.registry.set_meta(CHROMA_WRITING, "")
            self._marking = False

    def _rebuild_torn(self, torn: str) -> None:
        """Replace the collection a dead writer was changing: the active one is rebuilt into a new
        collection from each document's saved vectors (re-embedded where none were saved); a collection
        it was building for a reindex is only dropped."""
        active = self.registry.get_meta("active_collection") or self.default_collection
        if torn == active:
            self._replace_collection(self.registry.catalog(), reuse_vectors=True)  # clears the marker when done
        else:
            self.store.drop(torn)
            self.store.sweep()
            self.registry.set_meta(CHROMA_WRITING, "")

    def _discard(self, doc_id: str, *, chroma: bool = True) -> None:
        try:
            if chroma:
                name = self.registry.get_meta("active_collection") or self.default_collection
                # By id as well as by metadata: after a kill -9 mid-upsert, Chroma can hold writes in its log that
                # a `where` filter does not see yet and that surface later as orphans; deleting the ids the
                # registry knows for the document removes them whenever they are applied.
                with self._writing_chroma(name):
                    self.store.delete_ids(name, [c.id for c in self.registry.chunks([doc_id])])
                    self.store.delete_doc(name, doc_id)
        finally:
            self.registry.delete(doc_id)
            self.lexical.remove(doc_id)
            self.retriever.files.remove(doc_id)

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
        """Read, chunk, embed and publish one file as a version of `policy`.

        The version with the latest effective date is the active one. Nothing becomes
        visible until every chunk is embedded and stored; on any failure the previous
        version keeps answering and no partial chunks remain.
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
        with self._writer.hold():
            cat = self._begin_write()
            unchanged = self._unchanged(policy, doc.sha256)
            if unchanged:
                return unchanged
            existing = cat.by_policy.get(policy, ())
            version = version or f"v{len({d.version for d in existing}) + 1}"
            if any(d.version == version for d in existing):
                raise IngestError(f"policy '{policy}' already has a version '{version}'; choose another --version")
            status, warnings = _place_version(policy, version, effective_date, existing)
            doc_id = f"{slugify(policy)}@{doc.sha256[:12]}"
            chunks = chunk_document(
                doc, doc_id=doc_id, policy=policy, version=version, kind=kind,
                count_tokens=self.embedder.count_tokens, effective_date=effective_date, max_tokens=self.max_tokens,
            )
            if not chunks:
                raise IngestError(f"{doc.file_name}: no text could be chunked")
            stored = self.data_dir / "files" / f"{doc.sha256}{Path(doc.file_name).suffix.lower()}"
            if not stored.exists():
                tmp = stored.with_suffix(stored.suffix + f".{uuid.uuid4().hex[:8]}.tmp")
                tmp.write_bytes(data)
                tmp.replace(stored)
            rec = dict(doc_id=doc_id, policy=policy, version=version, kind=kind, file_name=doc.file_name,
                       sha256=doc.sha256, title=doc.title, effective_date=effective_date, pages=len(doc.pages) + len(doc.blank_pages),
                       blank_pages=doc.blank_pages, stored_path=str(stored.relative_to(self.data_dir)), ingested_by=ingested_by or _user())
            name = self._collection_name
            self.registry.add_pending(rec, chunks)
            if kind == "policy":  # structured terms travel with the version (ingestion/terms.py)
                self.registry.put_terms(doc_id, terms_to_json(extract_terms(chunks)))
            with self._writing_chroma(name):
                try:
                    self.lexical.write(doc_id, 0, chunks)
                    self._embed_and_store(name, chunks, status=status, progress=progress)
                    published, superseded = self.registry.publish(doc_id, policy)
                except BaseException:
                    self._discard(doc_id)
                    raise
                # The registry is the truth from here; Chroma's status metadata follows (repaired after a crash).
                if published != status:
                    self.store.set_status(name, chunks, published)
                for old in superseded:
                    self.store.set_status(name, self.registry.chunks([old]), "superseded")
            self.registry.mark_synced({doc_id: published, **{old: "superseded" for old in superseded}})
            self._end_write()
            # Save the new document's vector file now, while Chroma is open: a reader then never needs Chroma for it.
            self.retriever.doc_vectors(name, self.catalog().by_id[doc_id])
            counts: dict[str, int] = {}
            for c in chunks:
                counts[c.clause_type] = counts.get(c.clause_type, 0) + 1
            return IngestReport(doc.file_name, policy, version, doc_id, "indexed", rec["pages"], len(chunks),
                                doc.blank_pages, counts, tuple(superseded), tuple(doc.warnings) + warnings + flag_warnings(chunks))

    def _unchanged(self, policy: str, sha256: str) -> IngestReport | None:
        """The report for a file that is already a version of `policy` (active or superseded), else None.

        Re-sending an old version does not silently make it current again."""
        for d in self.catalog().by_policy.get(policy, ()):
            if d.sha256 == sha256:
                return IngestReport(d.file_name, policy, d.version, d.doc_id, "unchanged", d.pages, d.chunks, d.blank_pages)
        return None

    def _embed_and_store(self, name: str, chunks: list[Chunk], *, status: str, progress: Progress | None,
                         vectors: np.ndarray | None = None, batch: int = 128) -> None:
        """Store the chunks in collection `name` with `vectors`, or with vectors embedded now when none are given."""
        for i in range(0, len(chunks), batch):
            part = chunks[i : i + batch]
            vecs = vectors[i : i + batch] if vectors is not None else self.embedder.embed([embed_text(c) for c in part])
            self.store.upsert(name, part, vecs, status)
            if progress:
                progress(min(i + batch, len(chunks)), len(chunks), chunks[0].file_name)
        key = f"embedding_model:{name}"
        if self.registry.get_meta(key) != self.embedder.name:  # the upsert passed Chroma's own model check
            self.registry.set_meta(key, self.embedder.name)

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
        re-read and re-chunk the stored originals too. Returns the number of documents.

        The rebuild goes into a new collection; the registry switches to it in one
        transaction and only then is the old one dropped, so a failure changes nothing."""
        with self._writer.hold():
            cat = self._begin_write()
            self._replace_collection(cat, all_files=all_files, progress=progress)
            return len(cat.documents)

    def _replace_collection(self, cat: Catalog, *, all_files: bool = False, reuse_vectors: bool = False,
                            progress: Progress | None = None) -> None:
        """Build every document of `cat` into a new collection and switch to it (writer lock held).

        `reuse_vectors` takes each document's saved vectors instead of embedding it again."""
        old_name = self.registry.get_meta("active_collection") or self.default_collection
        new_name = f"{COLLECTION}-{uuid.uuid4().hex[:10]}"
        rebuilt: dict[str, tuple[list[Chunk], int]] = {}
        try:
            with self._writing_chroma(new_name):
                for d in cat.documents:
                    if all_files:
                        data = (self.data_dir / d.stored_path).read_bytes()
                        doc = read_document(Path(d.file_name), max_bytes=max(self.max_bytes, len(data)), data=data)
                        chunks = chunk_document(doc, doc_id=d.doc_id, policy=d.policy, version=d.version, kind=d.kind,
                                                count_tokens=self.embedder.count_tokens, effective_date=d.effective_date,
                                                max_tokens=self.max_tokens)
                        rebuilt[d.doc_id] = (chunks, len(doc.pages) + len(doc.blank_pages))
                        self.lexical.write(d.doc_id, d.rev + 1, chunks)
                    else:
                        chunks = self.registry.chunks([d.doc_id])
                    saved = self.retriever.files.by_id(old_name, d.doc_id, d.rev) if reuse_vectors else None
                    vectors = None
                    if saved is not None and all(c.id in saved for c in chunks):
                        vectors = np.stack([saved[c.id] for c in chunks]) if chunks else None
                    self._embed_and_store(new_name, chunks, status=d.status, progress=progress, vectors=vectors)
            self.registry.swap_collection(new_name, rebuilt)
        except BaseException:
            self.store.drop(new_name)
            for doc_id in rebuilt:
                self.lexical.remove_rev(doc_id, cat.by_id[doc_id].rev + 1)
            raise
        self.store.drop(old_name)
        self.store.sweep()
        for doc_id in rebuilt:
            self.lexical.remove_rev(doc_id, cat.by_id[doc_id].rev)
        self.retriever.forget_vectors()
        self.retriever.files.prune(new_name)
        self._end_write()
        for d in self.catalog().documents:  # save the vector files while Chroma is open (see ingest_file)
            self.retriever.doc_vectors(new_name, d)

    # -- documents ------------------------------------------------------------
    def documents(self, *, include_superseded: bool = True, kind: str | None = None) -> list[DocRecord]:
        cat = self.catalog()
        docs = cat.documents if include_superseded else cat.active
        return [d for d in docs if not kind or d.kind == kind]

    def policies(self) -> list[str]:
        return list(self.catalog().policies)

    def versions(self, policy: str) -> list[DocRecord]:
        """The versions of `policy`, oldest → newest by effective date (undated ones first, by ingest order)."""
        docs = self.catalog().by_policy.get(policy)
        if not docs:
            raise UnknownPolicyError(self._unknown_policy_message(policy))
        return list(docs)

    def policy_words(self) -> Mapping[str, frozenset[str]]:
        """Each policy's lexical tokens from its name and its active documents' titles and file names,
        computed once per registry generation (for finding the policy a question names)."""
        cat = self.catalog()
        words = self._profiles.get("policy_words")
        if words is None:
            acc: dict[str, set[str]] = {}
            for d in cat.active:
                if d.kind != "policy":
                    continue
                w = acc.setdefault(d.policy, set(tokens(d.policy.replace("-", " ").replace("_", " "))))
                w |= set(tokens(d.title)) | set(tokens(Path(d.file_name).stem.replace("_", " ")))
            words = self._profiles["policy_words"] = MappingProxyType({k: frozenset(v) for k, v in acc.items()})
        return words

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
        cat = self.catalog()
        superseded = include_superseded or bool(version)
        if policy:
            names = [policy] if isinstance(policy, str) else list(policy)
            visible = [p for p in names if any(d.status == "active" or superseded for d in cat.by_policy.get(p, ()))]
            unknown = [p for p in names if p not in visible]
            if unknown:
                raise UnknownPolicyError(self._unknown_policy_message(unknown[0]))
            docs = [d for p in names for d in cat.by_policy[p]]
            if not superseded:
                docs = [d for d in docs if d.status == "active"]
        else:
            docs = list(cat.documents if superseded else cat.active)
        if version:
            docs = [d for d in docs if d.version == version]
        if kind:
            docs = [d for d in docs if d.kind == kind]
        if doc_ids is not None:
            wanted = set(doc_ids)
            docs = [d for d in docs if d.doc_id in wanted]
        return docs

    # -- search ---------------------------------------------------------------
    def vectors(self, chunk_ids: Iterable[str]) -> dict[str, np.ndarray]:
        """Row-normalised vectors of these chunks (visible documents only), read as exact search reads them."""
        cat, name = self.catalog(), self.collection_name
        wanted: dict[str, list[str]] = {}
        for cid in chunk_ids:
            wanted.setdefault(doc_of(cid), []).append(cid)
        out: dict[str, np.ndarray] = {}
        for doc_id, ids in wanted.items():
            d = cat.by_id.get(doc_id)
            if d is None:
                continue
            m = self.retriever.doc_vectors(name, d)
            row = {str(i): r for r, i in enumerate(self.lexical.table(d.doc_id, d.rev, self.chunks_of).ids)}
            out.update((cid, m[row[cid]]) for cid in ids if cid in row)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """The query vector for `text`; pass it to `search(query_vector=…)` to embed a question once."""
        return np.asarray(self.embedder.embed([text]), dtype=np.float32)[0]

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
        query_vector: np.ndarray | None = None,
        fusion: str = "rrf",
    ) -> list[Hit]:
        """Hybrid search: dense and BM25 results fused by weighted reciprocal rank fusion
        (`rrf`: score = Σ weight / (60 + rank); equal weights are plain RRF) or by a weighted sum of
        scores standardised over each retriever's `candidates` list (`zscore`).

        `lexical_query` gives BM25 only the question part of a query; `query_vector`
        (from `embed_query`) saves embedding the same question again.
        """
        docs = self.select_docs(policy=policy, version=version, kind=kind, include_superseded=include_superseded, doc_ids=doc_ids)
        if not docs or not query.strip():
            return []
        self.check_model()
        if dense_weight and query_vector is None:
            query_vector = self.embed_query(query)
        for attempt in (1, 2):
            try:
                return self.retriever.search(
                    self._collection_name, docs, self.catalog().total_chunks, query=query, query_vector=query_vector,
                    lexical_query=lexical_query, k=k, candidates=candidates, clause_types=clause_types,
                    dense_weight=dense_weight, lexical_weight=lexical_weight, fusion=fusion,
                )
            except IndexError_:
                raise
            except Exception as exc:
                # Another process changed Chroma under our cached view ("Error finding id"): reopen once.
                if attempt == 2 or not type(exc).__module__.startswith("chromadb"):
                    raise
                self.store.reopen()
                self.retriever.forget_vectors()
        return []

    def term_stats(self, **filters) -> tuple[dict[str, int], int]:
        """Chunk frequency of each lexical token (a lookup-only mapping), and the number of chunks, under `select_docs` filters."""
        docs = self.select_docs(**filters)
        if not docs:
            return {}, 0
        view = self.retriever.view(docs)
        return view.df, view.n

    def resolve_documents(self, text: str, *, k: int = 3, kind: str | None = "policy") -> list[tuple[DocRecord, float]]:
        """Rank active documents by how well their title and opening text match `text`
        (used to find which contract or policy a question names)."""
        docs = self.select_docs(kind=kind)
        prof = self._profiles.get(kind)
        if prof is None:
            heads = self.registry.head_texts([d.doc_id for d in docs], 3)
            texts = [f"{d.title} {d.policy} {Path(d.file_name).stem.replace('_', ' ')} {heads.get(d.doc_id, '')[:2500]}" for d in docs]
            prof = (docs, _BM25([tokens(t) for t in texts]))
            self._profiles[kind] = prof
        docs, bm = prof
        return [(docs[i], s) for i, s in bm.top_scores(tokens(text), k)]


def _version_key(effective_date: str, seq: int) -> tuple:
    """Sort key of a version, the same as the registry's VERSION_ORDER."""
    return (effective_date != "", effective_date, seq)


def _place_version(policy: str, version: str, effective_date: str, existing: Sequence[DocRecord]) -> tuple[str, tuple[str, ...]]:
    """Whether a new version becomes active (it is the latest by effective date), and warnings for the report.

    Refuses an undated version of a policy whose versions are dated: its place is unknown."""
    dated = [d for d in existing if d.effective_date]
    if dated and not effective_date:
        listed = ", ".join(f"{d.version} ({d.effective_date})" for d in dated)
        raise IngestError(
            f"policy '{policy}' has versions with effective dates ({listed}), so the new version '{version}' needs one "
            "too: give --effective-date YYYY-MM-DD (versions are ordered by effective date, not by upload order)"
        )
    warnings: list[str] = []
    undated = [d.version for d in existing if not d.effective_date]
    if effective_date and undated:
        warnings.append(f"version(s) {', '.join(undated)} of '{policy}' have no effective date; they are taken as older than {version}")
    newest = max(existing, key=lambda d: _version_key(d.effective_date, d.seq), default=None)
    if newest is None or _version_key(effective_date, 1 << 62) > _version_key(newest.effective_date, newest.seq):
        return "active", tuple(warnings)
    warnings.append(f"{version} (effective {effective_date}) is older than the active version {newest.version} "
                    f"(effective {newest.effective_date}); it is kept as a superseded version and {newest.version} stays active")
    return "superseded", tuple(warnings)


class _BM25:
    """bm25s over a handful of short texts (document profiles)."""

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


def embed_text(c: Chunk) -> str:
    """What the embedder sees: the section path gives a short clause its context."""
    body = " ".join(c.text.split())
    return f"{c.section}: {body}" if c.section and c.kind == "policy" else body


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return ""

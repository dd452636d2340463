"""Hybrid retrieval: dense similarity and BM25, fused by weighted reciprocal rank.

Dense search over a few documents (a policy and its versions) is exact: their vectors
are fetched once from Chroma and compared in numpy. Over many documents it asks
Chroma's HNSW index with no metadata filter, over-fetching by the share of the
collection the search may see, and keeps the allowed ids (Chroma 1.5's metadata
filters are 20–100× slower than an unfiltered query at 50k chunks).
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from ingestion.types import Chunk

from .lexical import LexicalIndex, View
from .registry import DocRecord
from .store import VectorStore
from .vectorfiles import VectorFiles

RRF_K = 60  # reciprocal-rank-fusion constant (the usual 60)
EXACT_MAX_CHUNKS = 8192  # at most this many candidate chunks: exact numpy search instead of HNSW
OVERFETCH = 1.5  # HNSW over-fetch margin on top of 1 / (share of the collection a search may see)
VECTOR_CACHE_ROWS = 60_000  # document vectors kept for exact search (about 90 MB at 384 dimensions)


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk: fused score, each retriever's rank (0 = not found) and raw score.

    `dense_score` is cosine similarity (1 - cosine distance); `lexical_score` is raw BM25."""

    chunk: Chunk
    score: float
    dense_rank: int = 0
    lexical_rank: int = 0
    dense_score: float = 0.0
    lexical_score: float = 0.0


def doc_of(chunk_id: str) -> str:
    """The document id of a chunk id (`<doc_id>#<ordinal>`, see ingestion.chunking)."""
    return chunk_id.rsplit("#", 1)[0]


def _zscore_fusion(dense: list[tuple[str, float]], lexical: list[tuple[str, float]], n: int,
                   dense_weight: float, lexical_weight: float) -> dict[str, float]:
    """Weighted sum of each retriever's scores standardised over its own top-`n` list.

    Unlike rank fusion this keeps how far ahead a retriever's best clause is (a confident BM25 match on a
    rare term, a clear cosine winner). A clause missing from a list takes that list's floor: its last
    score, or 0 for a BM25 list that ran out of matching clauses.
    """
    lists = []
    for hits, w, exhausted_floor in ((dense, dense_weight, None), (lexical, lexical_weight, 0.0)):
        if not hits or not w:
            continue
        scores = np.asarray([s for _, s in hits], dtype=np.float64)
        mu, sd = float(scores.mean()), float(scores.std()) or 1.0
        floor = exhausted_floor if exhausted_floor is not None and len(hits) < n else float(scores[-1])
        lists.append(({cid: w * (s - mu) / sd for cid, s in hits}, w * (floor - mu) / sd))
    every = {cid for z, _ in lists for cid in z}
    return {cid: sum(z.get(cid, missing) for z, missing in lists) for cid in every}


class HybridRetriever:
    """Searches the documents a caller selected; knows nothing about policies or versions."""

    def __init__(self, store: VectorStore, lexical: LexicalIndex, load_chunks: Callable[[str], list[Chunk]],
                 chunks_by_id: Callable[[list[str]], dict[str, Chunk]], files: VectorFiles) -> None:
        self.store = store
        self.lexical = lexical
        self.files = files
        self._load_chunks = load_chunks
        self._chunks_by_id = chunks_by_id
        self._vectors: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def view(self, docs: Sequence[DocRecord]) -> View:
        return self.lexical.view([(d.doc_id, d.rev) for d in docs], self._load_chunks)

    def forget_vectors(self) -> None:
        with self._lock:
            self._vectors.clear()
        self.lexical.forget_views()

    def search(
        self,
        collection: str,
        docs: Sequence[DocRecord],
        total_chunks: int,
        *,
        query: str,
        query_vector: np.ndarray | None,
        lexical_query: str | None,
        k: int,
        candidates: int,
        clause_types: Sequence[str] | None,
        dense_weight: float,
        lexical_weight: float,
        fusion: str = "rrf",
    ) -> list[Hit]:
        view = self.view(docs)
        if not view.n:
            return []
        n = min(candidates, view.n)
        dense = self._dense(collection, docs, view, total_chunks, query_vector, n, clause_types) if dense_weight and query_vector is not None else []
        lexical = view.top(lexical_query or query, n, clause_types) if lexical_weight else []
        d_rank = {cid: r for r, (cid, _) in enumerate(dense, 1)}
        l_rank = {cid: r for r, (cid, _) in enumerate(lexical, 1)}
        d_score, l_score = dict(dense), dict(lexical)
        if fusion == "zscore":
            fused = _zscore_fusion(dense, lexical, n, dense_weight, lexical_weight)
        elif fusion == "rrf":
            fused = {}
            for ranks, w in ((d_rank, dense_weight), (l_rank, lexical_weight)):
                for cid, r in ranks.items():
                    fused[cid] = fused.get(cid, 0.0) + w / (RRF_K + r)
        else:
            raise ValueError(f"fusion must be 'rrf' or 'zscore', not {fusion!r}")
        ranked = sorted(fused, key=lambda c: -fused[c])[:k]
        chunks = self._chunks_by_id(ranked)
        return [Hit(chunks[c], fused[c], d_rank.get(c, 0), l_rank.get(c, 0), d_score.get(c, 0.0), l_score.get(c, 0.0))
                for c in ranked if c in chunks]

    def _dense(self, collection: str, docs: Sequence[DocRecord], view: View, total_chunks: int,
               vector: np.ndarray, n: int, clause_types) -> list[tuple[str, float]]:
        q = np.asarray(vector, dtype=np.float32).reshape(-1)
        q = (q / (float(np.linalg.norm(q)) or 1.0)).astype(np.float32)
        if view.n <= EXACT_MAX_CHUNKS:
            mat = view.dense.get(collection)
            if mat is None:  # the view's vectors, stacked once
                mat = view.dense[collection] = np.concatenate([self.doc_vectors(collection, d) for d in docs])
            # einsum, not BLAS: on a busy 2-core machine OpenBLAS threads made this 3-10× slower.
            sims = np.einsum("ij,j->i", mat, q)
            if clause_types:
                sims = np.where(view.type_mask(clause_types), sims, -np.inf)
            top = np.argpartition(-sims, n - 1)[:n] if len(sims) > n else np.arange(len(sims))
            top = top[np.argsort(-sims[top], kind="stable")]
            return [(str(view.ids[i]), float(sims[i])) for i in top if np.isfinite(sims[i])]
        allowed = {d.doc_id for d in docs}
        share = max(view.n / max(total_chunks, 1) * view.type_share(clause_types), 1e-4)
        fetch = min(max(total_chunks, n), math.ceil(n / share * OVERFETCH) + n)
        while True:
            out = []
            for cid, dist in self.store.nearest(collection, q, fetch):
                if doc_of(cid) in allowed and (not clause_types or view.clause_type_of(cid) in clause_types):
                    out.append((cid, 1.0 - dist))
            if len(out) >= n or fetch >= total_chunks:
                return out[:n]
            fetch = min(total_chunks, fetch * 4)

    def doc_vectors(self, collection: str, d: DocRecord) -> np.ndarray:
        """The document's row-normalised vectors, in the order of its BM25 table's ids: from memory, else
        from its vector file, else from Chroma (and then saved, so the next process skips Chroma)."""
        key = (collection, d.doc_id, d.rev)
        with self._lock:
            m = self._vectors.get(key)
            if m is not None:
                self._vectors.move_to_end(key)
                return m
        ids = [str(i) for i in self.lexical.table(d.doc_id, d.rev, self._load_chunks).ids]
        m = self.files.load(collection, d.doc_id, d.rev, ids)
        if m is None:
            got = self.store.vectors(collection, ids)
            dim = len(next(iter(got.values()))) if got else 1
            m = np.stack([got.get(i, np.zeros(dim, np.float32)) for i in ids]) if ids else np.zeros((0, dim), np.float32)
            norms = np.linalg.norm(m, axis=1, keepdims=True)
            m = (m / np.where(norms == 0, 1, norms)).astype(np.float32)
            if len(got) == len(ids):  # a document Chroma holds only in part is not saved as whole
                self.files.save(collection, d.doc_id, d.rev, ids, m)
        with self._lock:
            self._vectors[key] = m
            while len(self._vectors) > 1 and sum(len(x) for x in self._vectors.values()) > VECTOR_CACHE_ROWS:
                self._vectors.popitem(last=False)
        return m

"""BM25 over any set of documents, from term-frequency tables persisted per document.

Each document's table (chunk ids, clause types, lengths, a sparse term-frequency matrix
whose columns are 64-bit term hashes) is written once at ingest to
`<data dir>/lexical/*.npz` and loaded on demand, so no process tokenises the corpus
again. A search merges the tables of the documents it may see into one view (cached
per set of documents) and scores it with bm25s's Lucene BM25 — IDF over exactly the
searched documents, as before, but without holding chunk texts in memory.
"""
from __future__ import annotations

import hashlib
import os
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
from scipy import sparse

from ingestion.types import CLAUSE_TYPES, Chunk

from .text import TOKENIZER_VERSION, tokens

K1, B = 1.5, 0.75  # bm25s defaults
DOC_CACHE = 4096  # per-document tables kept in memory (about 100 kB each for a 100-page policy)
VIEW_CACHE_CHUNKS = 150_000  # merged views kept, by total chunks (a 10k-page corpus is about 56k chunks)


def lexical_text(c: Chunk) -> str:
    return f"{c.section} {c.text}"


def term_hash(term: str) -> int:
    return int.from_bytes(hashlib.blake2b(term.encode(), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class DocTable:
    """One document's chunks as BM25 needs them."""

    ids: np.ndarray  # chunk ids (str)
    types: np.ndarray  # clause type codes (uint8, index into CLAUSE_TYPES)
    lengths: np.ndarray  # tokens per chunk
    matrix: sparse.csc_matrix  # chunks × terms, term frequency
    hashes: np.ndarray  # uint64 term hash of each column, sorted

    @classmethod
    def build(cls, chunks: Sequence[Chunk]) -> "DocTable":
        vocab: dict[str, int] = {}
        rows, cols, vals, lengths = [], [], [], []
        for i, c in enumerate(chunks):
            toks = tokens(lexical_text(c))
            lengths.append(len(toks))
            for t, n in Counter(toks).items():
                rows.append(i)
                cols.append(vocab.setdefault(t, len(vocab)))
                vals.append(n)
        hashes = np.fromiter((term_hash(t) for t in vocab), dtype=np.uint64, count=len(vocab))
        order = np.argsort(hashes)
        remap = np.empty_like(order)
        remap[order] = np.arange(len(order))
        m = sparse.csc_matrix(
            (np.asarray(vals, dtype=np.float32), (np.asarray(rows, dtype=np.int32), remap[np.asarray(cols, dtype=np.int64)] if cols else np.zeros(0, np.int64))),
            shape=(len(chunks), len(vocab)),
        )
        return cls(
            ids=np.asarray([c.id for c in chunks], dtype=str),
            types=np.asarray([CLAUSE_TYPES.index(c.clause_type) if c.clause_type in CLAUSE_TYPES else len(CLAUSE_TYPES) - 1 for c in chunks], dtype=np.uint8),
            lengths=np.asarray(lengths, dtype=np.int32),
            matrix=m,
            hashes=hashes[order],
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "wb") as f:
            np.savez(f, ids=self.ids, types=self.types, lengths=self.lengths, hashes=self.hashes,
                     data=self.matrix.data, indices=self.matrix.indices, indptr=self.matrix.indptr,
                     shape=np.asarray(self.matrix.shape))
        os.replace(tmp, path)  # readers never see a half-written table

    @classmethod
    def load(cls, path: Path) -> "DocTable":
        with np.load(path, allow_pickle=False) as z:
            m = sparse.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(z["shape"]))
            return cls(ids=z["ids"], types=z["types"], lengths=z["lengths"], matrix=m, hashes=z["hashes"])


class DocFreq(Mapping):
    """Chunk frequency of a token in one view (`df.get(token, 0)`), computed on demand."""

    def __init__(self, view: "View") -> None:
        self._view = view

    def __getitem__(self, token: str) -> int:
        n = self._view.df_of(term_hash(token))
        if not n:
            raise KeyError(token)
        return n

    def __iter__(self):
        raise TypeError("DocFreq is looked up by token, not iterated")

    def __len__(self) -> int:
        return len(self._view.hashes)


class View:
    """The merged tables of one set of documents."""

    def __init__(self, tables: Sequence[DocTable]) -> None:
        self.ids = np.concatenate([t.ids for t in tables]) if tables else np.zeros(0, dtype=str)
        self.types = np.concatenate([t.types for t in tables]) if tables else np.zeros(0, np.uint8)
        self.lengths = np.concatenate([t.lengths for t in tables]).astype(np.float32) if tables else np.zeros(0, np.float32)
        self.n = len(self.ids)
        self.avgdl = float(self.lengths.mean()) if self.n and self.lengths.sum() else 1.0
        if len(tables) == 1:
            self.matrix, self.hashes = tables[0].matrix, tables[0].hashes
        elif tables:
            # Stack rows, then map each table's columns onto the union of term hashes.
            all_hashes = np.concatenate([t.hashes for t in tables])
            self.hashes, inverse = np.unique(all_hashes, return_inverse=True)
            coo_rows, coo_cols, coo_vals, row0, col0 = [], [], [], 0, 0
            for t in tables:
                c = t.matrix.tocoo()
                coo_rows.append(c.row + row0)
                coo_cols.append(inverse[col0 + c.col])
                coo_vals.append(c.data)
                row0 += t.matrix.shape[0]
                col0 += len(t.hashes)
            self.matrix = sparse.csc_matrix(
                (np.concatenate(coo_vals), (np.concatenate(coo_rows), np.concatenate(coo_cols))), shape=(self.n, len(self.hashes))
            )
        else:
            self.matrix, self.hashes = sparse.csc_matrix((0, 0), dtype=np.float32), np.zeros(0, np.uint64)
        self.df = DocFreq(self)
        self._row_of: dict[str, int] | None = None
        self.dense: dict[str, np.ndarray] = {}  # the retriever's stacked vectors, by collection name

    def _columns(self, hashes: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(self.hashes, hashes)
        pos = np.minimum(pos, max(len(self.hashes) - 1, 0))
        found = (self.hashes[pos] == hashes) if len(self.hashes) else np.zeros(len(hashes), bool)
        return np.where(found, pos, -1)

    def df_of(self, h: int) -> int:
        col = self._columns(np.asarray([h], dtype=np.uint64))[0]
        return 0 if col < 0 else int(self.matrix.indptr[col + 1] - self.matrix.indptr[col])

    def scores(self, query: str) -> np.ndarray:
        """BM25 (Lucene variant, as bm25s) of every chunk in the view; a repeated query term counts again."""
        out = np.zeros(self.n, dtype=np.float32)
        counts = Counter(tokens(query))
        if not counts or not self.n:
            return out
        hashes = np.asarray([term_hash(t) for t in counts], dtype=np.uint64)
        weights = np.asarray(list(counts.values()), dtype=np.float32)
        cols = self._columns(hashes)
        ip, idx, data = self.matrix.indptr, self.matrix.indices, self.matrix.data
        for col, w in zip(cols, weights):
            if col < 0:
                continue
            a, b = ip[col], ip[col + 1]
            df = b - a
            idf = np.log(1 + (self.n - df + 0.5) / (df + 0.5))
            rows, tf = idx[a:b], data[a:b]
            out[rows] += w * idf * tf / (K1 * ((1 - B) + B * self.lengths[rows] / self.avgdl) + tf)
        return out

    def type_mask(self, allowed_types: Iterable[str]) -> np.ndarray:
        return np.isin(self.types, [CLAUSE_TYPES.index(t) for t in allowed_types if t in CLAUSE_TYPES])

    def top(self, query: str, n: int, allowed_types: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the `n` best chunks with a positive score."""
        s = self.scores(query)
        if allowed_types:
            s = np.where(self.type_mask(allowed_types), s, 0)
        nz = np.flatnonzero(s > 0)
        if not len(nz):
            return []
        if len(nz) > n:
            nz = nz[np.argpartition(-s[nz], n - 1)[:n]]
        nz = nz[np.argsort(-s[nz], kind="stable")]
        return [(str(self.ids[i]), float(s[i])) for i in nz]

    def type_share(self, allowed_types: Iterable[str] | None) -> float:
        """The share of the view's chunks with one of these clause types (1.0 without a filter)."""
        if not allowed_types or not self.n:
            return 1.0
        return float(self.type_mask(allowed_types).mean())

    def clause_type_of(self, chunk_id: str) -> str | None:
        if self._row_of is None:
            self._row_of = {str(c): i for i, c in enumerate(self.ids)}
        i = self._row_of.get(chunk_id)
        return None if i is None else CLAUSE_TYPES[self.types[i]]


def file_stem(doc_id: str) -> str:
    """A file-name-safe, collision-free stem for a document's files in the data dir."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in doc_id)[:60]
    return f"{safe}-{hashlib.sha1(doc_id.encode()).hexdigest()[:10]}"


class LexicalIndex:
    """Per-document tables under `root`, and cached merged views."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tables: OrderedDict[tuple[str, int], DocTable] = OrderedDict()
        self._views: OrderedDict[tuple, View] = OrderedDict()
        self._lock = threading.Lock()

    def path(self, doc_id: str, rev: int) -> Path:
        # The tokeniser's version is in the name: a new stemmer rebuilds the tables from the stored chunks.
        return self.root / f"{file_stem(doc_id)}-r{rev}-t{TOKENIZER_VERSION}.npz"

    def write(self, doc_id: str, rev: int, chunks: Sequence[Chunk]) -> None:
        DocTable.build(chunks).save(self.path(doc_id, rev))

    def remove_rev(self, doc_id: str, rev: int) -> None:
        self.path(doc_id, rev).unlink(missing_ok=True)

    def remove(self, doc_id: str) -> None:
        for p in self.root.glob(f"{file_stem(doc_id)}-r*.npz"):
            p.unlink(missing_ok=True)

    def table(self, doc_id: str, rev: int, load_chunks) -> DocTable:
        key = (doc_id, rev)
        with self._lock:
            t = self._tables.get(key)
            if t is not None:
                self._tables.move_to_end(key)
                return t
        p = self.path(doc_id, rev)
        try:
            t = DocTable.load(p)
        except (OSError, ValueError, KeyError):
            # An index from before per-document tables, or a lost file: rebuild it once.
            t = DocTable.build(load_chunks(doc_id))
            t.save(p)
        with self._lock:
            self._tables[key] = t
            while len(self._tables) > DOC_CACHE:
                self._tables.popitem(last=False)
        return t

    def view(self, docs: Sequence[tuple[str, int]], load_chunks) -> View:
        """The merged view of these (doc id, rev) pairs (order matters only for ties)."""
        key = tuple(docs)
        with self._lock:
            v = self._views.get(key)
            if v is not None:
                self._views.move_to_end(key)
                return v
        v = View([self.table(d, r, load_chunks) for d, r in docs])
        with self._lock:
            self._views[key] = v
            while len(self._views) > 1 and sum(x.n for x in self._views.values()) > VIEW_CACHE_CHUNKS:
                self._views.popitem(last=False)
        return v

    def forget_views(self) -> None:
        with self._lock:
            self._views.clear()

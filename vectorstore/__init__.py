"""The local, versioned index: embeddings, Chroma, the document registry and hybrid search.

- `registry.py`: SQLite registry of documents, versions (ordered by effective date) and chunks;
  decides what is visible; its `generation` counter changes on every visible change.
- `store.py`: chunk vectors in a Chroma collection bound to its embedding model; the registry
  names the active collection, so a re-index builds a new one and swaps.
- `lexical.py` + `retriever.py`: BM25 tables persisted per document and dense search, fused.
- `locks.py`: one writer per data dir across processes (an OS file lock, released on death).
- `index.py`: `PolicyIndex`, the façade the bot uses.

Several processes may share a data dir: one writes at a time, readers notice the new
generation and reload. The lock is a local `flock`: processes on different machines need
the data dir on storage with working POSIX locks, or a registry moved to a database server.
"""

"""SQLite registry: documents, their versions and status, and every chunk's text and metadata.

The registry decides what is visible: a document's chunks answer only once its
row is 'active', and that flip happens in one transaction. Chroma holds vectors.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from ingestion.injection import injection_flags
from ingestion.types import Chunk

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    policy TEXT NOT NULL,
    version TEXT NOT NULL,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    title TEXT NOT NULL,
    effective_date TEXT NOT NULL DEFAULT '',
    pages INTEGER NOT NULL,
    chunks INTEGER NOT NULL,
    blank_pages TEXT NOT NULL DEFAULT '[]',
    stored_path TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    ingested_by TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'superseded'))
);
CREATE INDEX IF NOT EXISTS documents_policy ON documents(policy, status);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    text TEXT NOT NULL,
    page_start INTEGER NOT NULL,
    page_end INTEGER NOT NULL,
    section TEXT NOT NULL,
    clause_label TEXT NOT NULL,
    clause_type TEXT NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    flags TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, ord);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS terms (
    doc_id TEXT PRIMARY KEY REFERENCES documents(doc_id) ON DELETE CASCADE,
    json TEXT NOT NULL
);
"""

# Columns added after the first release; each is added once, tolerant of other helpers' migrations.
MIGRATIONS = (
    ("documents", "vec_status", "TEXT NOT NULL DEFAULT ''"),  # the status last written to Chroma's metadata
    ("documents", "rev", "INTEGER NOT NULL DEFAULT 0"),  # bumped when a document's chunks are rebuilt
)

# Versions of a policy, oldest first: dated versions by effective date; undated ones (older
# releases) by ingest order before any dated one.
VERSION_ORDER = "(effective_date != ''), effective_date, seq"
NEWEST_FIRST = "(effective_date != '') DESC, effective_date DESC, seq DESC"


@dataclass(frozen=True)
class DocRecord:
    """One ingested file: a version of a policy, or one guidance document."""

    doc_id: str
    seq: int
    policy: str
    version: str
    kind: str
    file_name: str
    sha256: str
    title: str
    effective_date: str
    pages: int
    chunks: int
    blank_pages: tuple[int, ...]
    stored_path: str
    ingested_at: str
    ingested_by: str
    status: str
    rev: int = 0


@dataclass(frozen=True)
class Catalog:
    """Every visible document at one registry generation, for the query path.

    `by_policy` maps a policy to its versions oldest→newest; `active` holds one
    active document per policy and each active guidance document."""

    generation: int
    documents: tuple[DocRecord, ...]
    by_policy: Mapping[str, tuple[DocRecord, ...]]
    by_id: Mapping[str, DocRecord]
    active: tuple[DocRecord, ...]
    policies: tuple[str, ...]
    total_chunks: int

    @classmethod
    def build(cls, generation: int, docs: list[DocRecord]) -> "Catalog":
        by_policy: dict[str, list[DocRecord]] = {}
        for d in docs:
            by_policy.setdefault(d.policy, []).append(d)
        return cls(
            generation=generation,
            documents=tuple(docs),
            by_policy=MappingProxyType({k: tuple(v) for k, v in by_policy.items()}),
            by_id=MappingProxyType({d.doc_id: d for d in docs}),
            active=tuple(d for d in docs if d.status == "active"),
            policies=tuple(sorted({d.policy for d in docs if d.kind == "policy"})),
            total_chunks=sum(d.chunks for d in docs),
        )


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class Registry:
    """The document registry in `<data dir>/registry.sqlite3`."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        db = self._db()
        db.executescript(SCHEMA)
        for table, column, decl in MIGRATIONS:
            have = {r["name"] for r in db.execute(f"PRAGMA table_info({table})")}
            if column not in have:
                try:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
                except sqlite3.OperationalError as exc:  # another process added it first
                    if "duplicate column" not in str(exc):
                        raise
        _migrate(db)

    def _db(self) -> sqlite3.Connection:
        """This thread's connection, in autocommit mode (reads see the last committed state)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def _tx(self) -> "_Tx":
        return _Tx(self._db())

    # -- reads -------------------------------------------------------------
    def generation(self) -> int:
        """A counter bumped on every visible change; caches key on it."""
        row = self._db().execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row["value"]) if row else 0

    def documents(self, *, status: str | tuple[str, ...] | None = None, policy: str | None = None, kind: str | None = None) -> list[DocRecord]:
        sql, args = "SELECT * FROM documents WHERE 1=1", []
        if status:
            sts = (status,) if isinstance(status, str) else status
            sql += f" AND status IN ({','.join('?' * len(sts))})"
            args += list(sts)
        if policy:
            sql += " AND policy = ?"
            args.append(policy)
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        rows = self._db().execute(sql + f" ORDER BY policy, {VERSION_ORDER}", args).fetchall()
        return [_doc(r) for r in rows]

    def catalog(self) -> Catalog:
        """All non-pending documents and the generation they were read at (one consistent read)."""
        c = self._db()
        c.execute("BEGIN")
        try:
            gen = self.generation()
            rows = c.execute(f"SELECT * FROM documents WHERE status != 'pending' ORDER BY policy, {VERSION_ORDER}").fetchall()
        finally:
            c.execute("COMMIT")
        return Catalog.build(gen, [_doc(r) for r in rows])

    def document(self, doc_id: str) -> DocRecord | None:
        r = self._db().execute("SELECT * FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return _doc(r) if r else None

    def policies(self) -> list[str]:
        rows = self._db().execute(
            "SELECT DISTINCT policy FROM documents WHERE kind='policy' AND status!='pending' ORDER BY policy"
        ).fetchall()
        return [r["policy"] for r in rows]

    def chunks(self, doc_ids: list[str]) -> list[Chunk]:
        if not doc_ids:
            return []
        docs = {d.doc_id: d for d in (self.document(i) for i in doc_ids) if d}
        out = []
        conn = self._db()
        for i in range(0, len(doc_ids), 500):
            part = doc_ids[i : i + 500]
            rows = conn.execute(
                f"SELECT * FROM chunks WHERE doc_id IN ({','.join('?' * len(part))}) ORDER BY doc_id, ord", part
            ).fetchall()
            out += [_chunk(r, docs[r["doc_id"]]) for r in rows]
        return out

    def chunks_by_id(self, chunk_ids: list[str]) -> dict[str, Chunk]:
        """The chunks with these ids (any status), by id."""
        out: dict[str, Chunk] = {}
        conn = self._db()
        docs: dict[str, DocRecord | None] = {}
        for i in range(0, len(chunk_ids), 500):
            part = chunk_ids[i : i + 500]
            rows = conn.execute(f"SELECT * FROM chunks WHERE id IN ({','.join('?' * len(part))})", part).fetchall()
            for r in rows:
                if r["doc_id"] not in docs:
                    docs[r["doc_id"]] = self.document(r["doc_id"])
                if docs[r["doc_id"]]:
                    out[r["id"]] = _chunk(r, docs[r["doc_id"]])
        return out

    def head_texts(self, doc_ids: list[str], n: int) -> dict[str, str]:
        """The first `n` chunks' text of each document, joined (for matching a question to a document)."""
        out: dict[str, list[str]] = {d: [] for d in doc_ids}
        conn = self._db()
        for i in range(0, len(doc_ids), 500):
            part = doc_ids[i : i + 500]
            for r in conn.execute(
                f"SELECT doc_id, text FROM chunks WHERE ord < ? AND doc_id IN ({','.join('?' * len(part))}) ORDER BY doc_id, ord",
                [n, *part],
            ):
                out[r["doc_id"]].append(r["text"])
        return {k: " ".join(v) for k, v in out.items()}

    def chunk(self, chunk_id: str) -> Chunk | None:
        r = self._db().execute("SELECT * FROM chunks WHERE id=?", (chunk_id,)).fetchone()
        if not r:
            return None
        return _chunk(r, self.document(r["doc_id"]))

    # -- writes ------------------------------------------------------------
    def add_pending(self, rec: dict, chunks: list[Chunk]) -> None:
        with self._tx() as c:
            seq = c.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM documents").fetchone()[0]
            c.execute("DELETE FROM documents WHERE doc_id=? AND status='pending'", (rec["doc_id"],))
            c.execute(
                "INSERT INTO documents (doc_id, seq, policy, version, kind, file_name, sha256, title, effective_date,"
                " pages, chunks, blank_pages, stored_path, ingested_at, ingested_by, status)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?, 'pending')",
                (
                    rec["doc_id"], seq, rec["policy"], rec["version"], rec["kind"], rec["file_name"], rec["sha256"],
                    rec["title"], rec.get("effective_date", ""), rec["pages"], len(chunks),
                    json.dumps(list(rec.get("blank_pages", ()))), rec["stored_path"], _now(), rec.get("ingested_by", ""),
                ),
            )
            _insert_chunks(c, chunks)

    def publish(self, doc_id: str, policy: str) -> tuple[str, list[str]]:
        """Make pending `doc_id` visible in one transaction: active when it is the newest version
        of `policy` (by effective date), else superseded. Returns (its status, doc ids it superseded)."""
        with self._tx() as c:
            newest = c.execute(
                f"SELECT doc_id FROM documents WHERE policy=? AND (status != 'pending' OR doc_id=?) ORDER BY {NEWEST_FIRST} LIMIT 1",
                (policy, doc_id),
            ).fetchone()[0]
            if newest != doc_id:
                c.execute("UPDATE documents SET status='superseded' WHERE doc_id=?", (doc_id,))
                self._bump(c)
                return "superseded", []
            old = [r[0] for r in c.execute(
                "SELECT doc_id FROM documents WHERE policy=? AND status='active' AND doc_id!=?", (policy, doc_id)
            )]
            c.execute("UPDATE documents SET status='superseded' WHERE policy=? AND status='active' AND doc_id!=?", (policy, doc_id))
            c.execute("UPDATE documents SET status='active' WHERE doc_id=?", (doc_id,))
            self._bump(c)
        return "active", old

    def unsynced(self) -> list[DocRecord]:
        """Visible documents whose status in Chroma's metadata lags the registry (after a crash, or an old index)."""
        rows = self._db().execute("SELECT * FROM documents WHERE status != 'pending' AND vec_status != status").fetchall()
        return [_doc(r) for r in rows]

    def mark_synced(self, statuses: dict[str, str]) -> None:
        """Record the status now written to Chroma for each document; readers refresh on the bump."""
        with self._tx() as c:
            c.executemany("UPDATE documents SET vec_status=? WHERE doc_id=?", [(s, d) for d, s in statuses.items()])
            self._bump(c)

    def swap_collection(self, name: str, rebuilt: dict[str, tuple[list[Chunk], int]] | None = None) -> None:
        """Point the index at collection `name` (and, for `reindex --all`, the re-chunked documents) in one transaction."""
        with self._tx() as c:
            for doc_id, (chunks, pages) in (rebuilt or {}).items():
                c.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
                _insert_chunks(c, chunks)
                c.execute("UPDATE documents SET chunks=?, pages=?, rev=rev+1 WHERE doc_id=?", (len(chunks), pages, doc_id))
            c.execute("UPDATE documents SET vec_status=status")
            c.execute("INSERT OR REPLACE INTO meta VALUES ('active_collection', ?)", (name,))
            self._bump(c)

    def replace_chunks(self, doc_id: str, chunks: list[Chunk], pages: int) -> None:
        with self._tx() as c:
            c.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
            _insert_chunks(c, chunks)
            c.execute("UPDATE documents SET chunks=?, pages=?, rev=rev+1 WHERE doc_id=?", (len(chunks), pages, doc_id))
            self._bump(c)

    def delete(self, doc_id: str) -> None:
        with self._tx() as c:
            c.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
            self._bump(c)

    def pending(self) -> list[DocRecord]:
        return self.documents(status="pending")

    # -- structured policy terms (ingestion/terms.py), one JSON document per version --
    def put_terms(self, doc_id: str, terms_json: str) -> None:
        """Store (or replace) the extracted terms of one document version."""
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO terms (doc_id, json) VALUES (?, ?)", (doc_id, terms_json))

    def get_terms(self, doc_id: str) -> str | None:
        """The stored terms JSON of a document version, or None when none were stored."""
        r = self._db().execute("SELECT json FROM terms WHERE doc_id=?", (doc_id,)).fetchone()
        return r["json"] if r else None

    def get_meta(self, key: str) -> str | None:
        r = self._db().execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return r["value"] if r else None

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as c:
            c.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @staticmethod
    def _bump(c: sqlite3.Connection) -> None:
        c.execute(
            "INSERT INTO meta VALUES ('generation', '1') ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )


def _insert_chunks(c: sqlite3.Connection, chunks: list[Chunk]) -> None:
    c.executemany(
        "INSERT INTO chunks (id, doc_id, ord, text, page_start, page_end, section, clause_label, clause_type,"
        " char_start, char_end, flags) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (ch.id, ch.doc_id, i, ch.text, ch.page_start, ch.page_end, ch.section, ch.clause_label,
             ch.clause_type, ch.char_start, ch.char_end, ",".join(ch.flags))
            for i, ch in enumerate(chunks)
        ],
    )


def _migrate(conn: sqlite3.Connection) -> None:
    """Add columns that older registries lack: a chunk's injection `flags`, computed for stored chunks.
    One IMMEDIATE transaction, so a second process waits and then finds the column."""

    def has_flags() -> bool:
        return any(r["name"] == "flags" for r in conn.execute("PRAGMA table_info(chunks)"))

    if has_flags():
        return
    with _Tx(conn) as c:
        if has_flags():
            return
        c.execute("ALTER TABLE chunks ADD COLUMN flags TEXT NOT NULL DEFAULT ''")
        found = [(",".join(f), r["id"]) for r in c.execute("SELECT id, text FROM chunks") if (f := injection_flags(r["text"]))]
        c.executemany("UPDATE chunks SET flags=? WHERE id=?", found)


class _Tx:
    """`with registry._tx() as c:` runs the block in one IMMEDIATE transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, *_):
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        return False


def _doc(r: sqlite3.Row) -> DocRecord:
    return DocRecord(
        doc_id=r["doc_id"], seq=r["seq"], policy=r["policy"], version=r["version"], kind=r["kind"],
        file_name=r["file_name"], sha256=r["sha256"], title=r["title"], effective_date=r["effective_date"],
        pages=r["pages"], chunks=r["chunks"], blank_pages=tuple(json.loads(r["blank_pages"])),
        stored_path=r["stored_path"], ingested_at=r["ingested_at"], ingested_by=r["ingested_by"], status=r["status"],
        rev=r["rev"] if "rev" in r.keys() else 0,
    )


def _chunk(r: sqlite3.Row, d: DocRecord) -> Chunk:
    return Chunk(
        id=r["id"], doc_id=r["doc_id"], text=r["text"], file_name=d.file_name, sha256=d.sha256, title=d.title,
        policy=d.policy, version=d.version, kind=d.kind, page_start=r["page_start"], page_end=r["page_end"],
        section=r["section"], clause_label=r["clause_label"], clause_type=r["clause_type"],
        char_start=r["char_start"], char_end=r["char_end"], effective_date=d.effective_date,
        flags=tuple(f for f in r["flags"].split(",") if f),
        extra={"status": d.status},
    )

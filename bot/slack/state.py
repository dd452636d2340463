"""Small SQLite state shared by replicas on one data dir: seen events, bot threads, feedback."""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

DEDUPE_TTL = 20 * 60  # Slack retries at about 1 and 5 minutes; keep ids well past the last retry
PRUNE_EVERY = 60.0  # seconds between deletions of expired event ids (a scan; not on every event)


class SlackState:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._pruned = 0.0
        self._db().executescript(
            """
            CREATE TABLE IF NOT EXISTS seen_events (event_id TEXT PRIMARY KEY, at REAL NOT NULL);
            CREATE TABLE IF NOT EXISTS threads (channel TEXT, thread_ts TEXT, question TEXT, at REAL);
            CREATE INDEX IF NOT EXISTS threads_key ON threads(channel, thread_ts);
            CREATE TABLE IF NOT EXISTS bot_threads (channel TEXT, thread_ts TEXT, at REAL, PRIMARY KEY (channel, thread_ts));
            CREATE TABLE IF NOT EXISTS answers (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL, user TEXT,
                channel TEXT, question TEXT, answer TEXT, chunk_ids TEXT);
            CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL, answer_id INTEGER,
                user TEXT, verdict TEXT);
            """
        )

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            # WAL with NORMAL syncs at checkpoints, not every commit: the ack path writes here and must stay fast;
            # a power cut may forget the last seen event ids, never corrupt the file.
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def first_time(self, event_id: str) -> bool:
        """True the first time an event id is seen (atomically, across replicas sharing the file)."""
        now = time.time()
        db = self._db()
        if now - self._pruned > PRUNE_EVERY:
            self._pruned = now
            db.execute("DELETE FROM seen_events WHERE at < ?", (now - DEDUPE_TTL,))
        cur = db.execute("INSERT OR IGNORE INTO seen_events VALUES (?, ?)", (event_id, now))
        return cur.rowcount == 1

    def mark_thread(self, channel: str, thread_ts: str) -> None:
        """Remember a thread the bot was asked in, so follow-ups there need no mention (even before it answers)."""
        self._db().execute("INSERT OR IGNORE INTO bot_threads VALUES (?, ?, ?)", (channel, thread_ts, time.time()))

    def is_bot_thread(self, channel: str, thread_ts: str) -> bool:
        db = self._db()
        row = db.execute("SELECT 1 FROM bot_threads WHERE channel=? AND thread_ts=?", (channel, thread_ts)).fetchone()
        return row is not None or db.execute("SELECT 1 FROM threads WHERE channel=? AND thread_ts=? LIMIT 1", (channel, thread_ts)).fetchone() is not None

    def add_thread_question(self, channel: str, thread_ts: str, question: str) -> None:
        self._db().execute("INSERT INTO threads VALUES (?, ?, ?, ?)", (channel, thread_ts, question, time.time()))

    def thread_questions(self, channel: str, thread_ts: str) -> list[str]:
        rows = self._db().execute(
            "SELECT question FROM threads WHERE channel=? AND thread_ts=? ORDER BY at", (channel, thread_ts)
        ).fetchall()
        return [r[0] for r in rows]

    def record_answer(self, user: str, channel: str, question: str, answer: dict, chunk_ids: list[str]) -> int:
        cur = self._db().execute(
            "INSERT INTO answers (at, user, channel, question, answer, chunk_ids) VALUES (?,?,?,?,?,?)",
            (time.time(), user, channel, question, json.dumps(answer), json.dumps(chunk_ids)),
        )
        return int(cur.lastrowid)

    def record_feedback(self, answer_id: int, user: str, verdict: str) -> None:
        self._db().execute("INSERT INTO feedback (at, answer_id, user, verdict) VALUES (?,?,?,?)", (time.time(), answer_id, user, verdict))

    def feedback(self) -> list[dict]:
        rows = self._db().execute(
            "SELECT f.verdict, f.user, a.question, a.answer, a.chunk_ids FROM feedback f JOIN answers a ON a.id=f.answer_id ORDER BY f.id"
        ).fetchall()
        return [{"verdict": r[0], "user": r[1], "question": r[2], "answer": json.loads(r[3]), "chunk_ids": json.loads(r[4])} for r in rows]

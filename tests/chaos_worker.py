"""A separate process that works on an index for the chaos and concurrency tests.

    python -m tests.chaos_worker ingest DATA_DIR FILE POLICY VERSION [--pause-after N --signal DIR] [--slow S]
    python -m tests.chaos_worker search DATA_DIR QUERY POLICY SECONDS OUT_JSON

`--pause-after N --signal DIR`: once N chunks are stored (still pending), create DIR/paused and wait for DIR/go.
`--slow S`: sleep S seconds per embedded batch (so a kill lands mid-ingest).
`--mark-after N --signal DIR`: once N chunks are stored, create DIR/marked and go on (a kill then lands in the
next Chroma write).
"""
from __future__ import annotations

import argparse
import faulthandler
import json
import sys
import time
from pathlib import Path

from vectorstore.embedder import HashingEmbedder
from vectorstore.index import PolicyIndex


class SlowEmbedder(HashingEmbedder):
    def __init__(self, slow: float) -> None:
        super().__init__()
        self.slow = slow

    def embed(self, texts):
        if self.slow:
            time.sleep(self.slow)
        return super().embed(texts)


def pauser(pause_after: int | None, signal_dir: Path | None, mark_after: int | None = None):
    """An ingest progress callback that stops once `pause_after` chunks are stored, until DIR/go exists
    (or, with `mark_after`, only creates DIR/marked once that many are stored)."""
    state = {"paused": pause_after is None}

    def progress(done: int, total: int, name: str) -> None:
        if mark_after is not None and done >= mark_after and not (signal_dir / "marked").exists():
            (signal_dir / "marked").touch()
        if not state["paused"] and done >= pause_after:
            state["paused"] = True
            (signal_dir / "paused").touch()
            while not (signal_dir / "go").exists():
                time.sleep(0.05)

    return progress


def main(argv: list[str]) -> int:
    # A worker that crashes in native code (one ended with SIGSEGV in the kill -9 test) or is still running after
    # 90 s prints every thread's stack to stderr, which finish() shows.
    faulthandler.enable()
    faulthandler.dump_traceback_later(90, exit=False)
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd")
    ap.add_argument("data_dir")
    ap.add_argument("rest", nargs="*")
    ap.add_argument("--pause-after", type=int)
    ap.add_argument("--mark-after", type=int)
    ap.add_argument("--signal", type=Path)
    ap.add_argument("--slow", type=float, default=0.0)
    ap.add_argument("--effective-date", default="")
    a = ap.parse_args(argv)
    ix = PolicyIndex(a.data_dir, SlowEmbedder(a.slow))
    if a.cmd == "ingest":
        file, policy, version = a.rest
        r = ix.ingest_file(file, policy=policy, version=version, effective_date=a.effective_date,
                           progress=pauser(a.pause_after, a.signal, a.mark_after))
        print(json.dumps({"status": r.status, "version": r.version, "superseded": list(r.superseded)}))
        return 0
    if a.cmd == "search":
        query, policy, seconds, out = a.rest
        seen, errors, n = set(), [], 0
        end = time.monotonic() + float(seconds)
        while time.monotonic() < end:
            try:
                hits = ix.search(query, k=3, policy=policy)
                seen.update(h.chunk.version for h in hits)
                n += 1
            except Exception as exc:  # the test asserts there were none
                errors.append(f"{type(exc).__name__}: {exc}")
            time.sleep(0.02)
        Path(out).write_text(json.dumps({"searches": n, "versions": sorted(seen), "errors": errors[:5]}))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

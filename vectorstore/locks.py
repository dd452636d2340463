"""One writer per data dir, across processes: an OS file lock (flock via `filelock`).

Ingest and reindex hold the writer lock for as long as they change the index. The
OS releases it when the holder dies (even on `kill -9`), so "the lock is free" means
"no live process is writing" — which is when a pending document is an orphan.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from .errors import IndexError_


class WriterBusyError(IndexError_):
    """Another process kept the writer lock for longer than we were willing to wait."""


class WriterLock:
    """`with lock.hold():` blocks until this process is the only writer (re-entrant within a thread).

    `timeout` seconds is how long a writer waits for another one to finish."""

    def __init__(self, path: str | Path, *, timeout: float) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self._thread_lock = threading.RLock()  # threads of one process take turns first
        self._file = FileLock(str(self.path), thread_local=False)
        self._depth = 0

    @property
    def held(self) -> bool:
        """Whether this process holds the lock now (through this object)."""
        return self._depth > 0

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._thread_lock:
            if self._depth == 0:
                try:
                    self._file.acquire(timeout=self.timeout)
                except Timeout:
                    raise WriterBusyError(
                        f"another process has been writing to the index ({self.path.parent}) for over "
                        f"{self.timeout:.0f} s (an ingest or reindex); try again when it has finished"
                    ) from None
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._file.release()

    @contextmanager
    def try_hold(self) -> Iterator[bool]:
        """Hold the lock if it is free right now; yields whether we got it (never waits)."""
        if not self._thread_lock.acquire(blocking=False):
            yield False  # another thread of this process is writing
            return
        try:
            if self._depth == 0:
                try:
                    self._file.acquire(timeout=0)
                except Timeout:
                    yield False
                    return
            self._depth += 1
            try:
                yield True
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._file.release()
        finally:
            self._thread_lock.release()

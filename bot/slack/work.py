"""A bounded pool of answering threads: Slack's ack never waits for answering work.

Jobs carry a key (a Slack thread); jobs with one key run one at a time, in the order they were
accepted, so answers in a thread keep their order. Different keys run in parallel.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Callable, Hashable

log = logging.getLogger("policybot.slack")
Job = Callable[[], None]


class WorkQueue:
    """`workers` threads; at most `size` jobs accepted and not yet started."""

    def __init__(self, workers: int, size: int, name: str = "policybot-answer") -> None:
        self.size = size
        self._lock = threading.Condition()
        self._pending: dict[Hashable, deque[Job]] = {}  # key -> its queued jobs; present while a job of it runs
        self._ready: deque[Hashable] = deque()  # keys with a queued job and none running
        self._queued = 0
        self._running = 0
        self._closed = False
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True) for i in range(workers)]
        for t in self._threads:
            t.start()

    @property
    def backlog(self) -> int:
        """Jobs accepted and not finished."""
        with self._lock:
            return self._queued + self._running

    def submit(self, key: Hashable, job: Job) -> bool:
        """Queue `job` behind earlier jobs with the same key; False (nothing queued) when full or closing."""
        with self._lock:
            if self._closed or self._queued >= self.size:
                return False
            jobs = self._pending.get(key)
            if jobs is None:
                self._pending[key] = deque([job])
                self._ready.append(key)
            else:
                jobs.append(job)  # the key is running or already ready: it will be picked up in turn
            self._queued += 1
            self._lock.notify()
            return True

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._ready and not (self._closed and not self._queued):
                    self._lock.wait()
                if not self._ready:
                    return
                key = self._ready.popleft()
                job = self._pending[key].popleft()
                self._queued -= 1
                self._running += 1
            try:
                job()
            except Exception:  # a job reports its own errors; this only keeps the worker alive
                log.exception("unhandled error in a Slack job")
            finally:
                with self._lock:
                    self._running -= 1
                    if self._pending[key]:
                        self._ready.append(key)
                    else:
                        del self._pending[key]
                    self._lock.notify_all()

    def drain(self, timeout: float) -> int:
        """Stop accepting, finish what was accepted within `timeout` seconds; return how many jobs were left."""
        deadline = time.monotonic() + timeout
        with self._lock:
            self._closed = True
            self._lock.notify_all()
            while self._queued + self._running and time.monotonic() < deadline:
                self._lock.wait(max(0.0, deadline - time.monotonic()))
            left = self._queued + self._running
        if left:
            log.warning("shutting down with %d acknowledged Slack requests unanswered after %.0f s", left, timeout)
        return left

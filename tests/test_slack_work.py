"""The bounded answering queue behind the Slack ack (issue 10, item 5)."""
import threading
import time

from bot.slack.work import WorkQueue


def test_order_kept_within_a_key_and_keys_run_in_parallel():
    q = WorkQueue(workers=4, size=100)
    done: list[tuple[str, int]] = []
    lock = threading.Lock()
    started = threading.Event()

    def job(key, i, delay):
        def run():
            started.set()
            time.sleep(delay)
            with lock:
                done.append((key, i))
        return run

    t0 = time.monotonic()
    for i in range(5):
        assert q.submit("thread-a", job("a", i, 0.05 if i == 0 else 0.0))
        assert q.submit("thread-b", job("b", i, 0.0))
    assert q.drain(10) == 0
    assert [i for k, i in done if k == "a"] == list(range(5))
    assert [i for k, i in done if k == "b"] == list(range(5))
    assert done.index(("b", 4)) < done.index(("a", 1))  # thread b did not wait behind thread a's slow first job
    assert time.monotonic() - t0 < 5


def test_full_queue_refuses_instead_of_dropping_and_drain_is_bounded():
    q = WorkQueue(workers=1, size=2)
    gate = threading.Event()
    ran: list[int] = []
    assert q.submit("k0", lambda: (gate.wait(5), ran.append(0)))
    time.sleep(0.1)  # the worker took job 0; two more fit in the queue
    assert q.submit("k1", lambda: ran.append(1))
    assert q.submit("k2", lambda: ran.append(2))
    assert not q.submit("k3", lambda: ran.append(3))
    assert q.backlog == 3
    t0 = time.monotonic()
    assert q.drain(0.2) == 3  # bounded: the stuck job keeps it from finishing
    assert time.monotonic() - t0 < 2
    assert not q.submit("k4", lambda: ran.append(4))  # closed after drain started
    gate.set()
    assert q.drain(5) == 0 and ran == [0, 1, 2]


def test_a_failing_job_does_not_kill_the_worker():
    q = WorkQueue(workers=1, size=10)
    ran = []
    q.submit("k", lambda: 1 / 0)
    q.submit("k", lambda: ran.append("next"))
    assert q.drain(5) == 0 and ran == ["next"]

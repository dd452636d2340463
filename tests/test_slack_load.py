"""Slack under load (issue 10, item 5) and shutdown (issue 9, item 5): the ack never waits for answering work,
a full queue says "busy", answers keep their order in a thread, SIGTERM drains acknowledged answers."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from bot.pipeline import answer
from tests.fake_slack.slack_requests import FORM, SECRET, all_text, command_body, event_body, mention, slack_headers
from tests.test_slack import make_app, ok  # noqa: F401 - the fixture and helper are shared

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def test_full_queue_replies_busy_and_ack_does_not_wait(make_app, fake_slack):
    gate = threading.Event()
    started = threading.Event()

    def held(question, **kw):  # the real pipeline, held until the test lets it go
        started.set()
        gate.wait(30)
        return answer(question, **kw)

    app = make_app(answer_fn=held, slack_workers=1, slack_queue_size=2)
    t0 = time.monotonic()
    ok(app, event_body(mention("what is the ransomware sublimit?", ts="1700000700.000100"), "Eq1"))
    assert started.wait(10)  # the worker holds the first question
    ok(app, event_body(mention("what is the retention per claim?", ts="1700000701.000100"), "Eq2"))
    ok(app, event_body(mention("what is the waiting period?", ts="1700000702.000100"), "Eq3"))
    ok(app, event_body(mention("is war excluded?", ts="1700000703.000100"), "Eq4"))  # queue full
    resp = ok(app, command_body("ask what is the retention per claim?"), content_type=FORM)
    assert time.monotonic() - t0 < 5  # every ack came back while the answering was held
    assert "busy" in resp.body and "try again in a minute" in resp.body
    busy = fake_slack.wait_for("chat.postMessage")[0]
    assert busy["thread_ts"] == "1700000703.000100" and "try again in a minute" in busy["text"]
    gate.set()
    posts = fake_slack.wait_for("chat.postMessage", 4)
    answered = {p["thread_ts"] for p in posts[1:]}
    assert answered == {"1700000700.000100", "1700000701.000100", "1700000702.000100"}
    assert all(p.get("blocks") for p in posts[1:])


def test_answers_keep_their_order_within_a_thread(make_app, fake_slack):
    done: list[str] = []

    def slow_first(question, **kw):
        if "ransomware" in question:
            time.sleep(0.5)  # without per-thread ordering the follow-ups would overtake it
        a = answer(question, **kw)
        done.append(question)
        return a

    app = make_app(answer_fn=slow_first, slack_workers=3)
    ok(app, event_body(mention("what is the ransomware sublimit?", ts="1700000800.000100"), "Eo1"))
    for i, q in enumerate(["and the retention per claim?", "and the waiting period?"], 1):
        ok(app, event_body({"type": "message", "user": "U1", "text": q, "ts": f"1700000800.00010{i}", "thread_ts": "1700000800.000100",
                            "channel": "C1", "channel_type": "channel"}, f"Eo{i + 1}"))
    ok(app, event_body(mention("is war excluded?", ts="1700000900.000100"), "Eo9"))  # another thread runs meanwhile
    posts = fake_slack.wait_for("chat.postMessage", 4)
    in_thread = [q for q in done if q != "is war excluded?"]
    assert in_thread == ["what is the ransomware sublimit?", "and the retention per claim?", "and the waiting period?"]
    assert done.index("is war excluded?") < done.index("what is the ransomware sublimit?")
    thread_posts = [p for p in posts if p["thread_ts"] == "1700000800.000100"]
    assert "$250,000" in all_text(thread_posts[0]) and len(thread_posts) == 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sigterm_drains_acknowledged_answers(sample_index, fake_slack, tmp_path):
    """40 mentions acked by a real `serve --http`, then SIGTERM: all 40 are answered before it exits."""
    data = tmp_path / "data"
    shutil.copytree(sample_index.data_dir, data)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "POLICYBOT_"))}
    env.update(SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN="xoxb-test", POLICYBOT_SLACK_API_URL=fake_slack.url,
               POLICYBOT_SLACK_WORKERS="1", POLICYBOT_SLACK_DRAIN_SECONDS="120", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false", ANONYMIZED_TELEMETRY="False")
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1", "--port", str(port),
                             "--data-dir", str(data)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        end = time.time() + 180
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1)
                break
            except OSError:
                assert proc.poll() is None and time.time() < end, proc.stdout.read() if proc.poll() is not None else "no start"
                time.sleep(0.2)
        questions = ["what is the ransomware sublimit?", "what is the retention per claim?", "how soon must we notify the insurer?",
                     "does our policy require MFA on email?"]
        for n in range(40):
            body = event_body(mention(questions[n % 4], ts=f"{1700001000 + n}.000100"), f"Et{n}")
            req = urllib.request.Request(f"{url}/slack/events", data=body.encode(), headers=slack_headers(body), method="POST")
            with urllib.request.urlopen(req, timeout=10) as r:
                assert r.status == 200
        answered_before = len(fake_slack.requests("chat.postMessage"))
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
    # uvicorn re-raises SIGTERM once its graceful shutdown (and our drain) is complete
    assert proc.returncode in (0, -signal.SIGTERM), out[-2000:]
    posts = fake_slack.requests("chat.postMessage")
    assert answered_before < 40, "SIGTERM came after every answer: the drain was not exercised"
    assert sorted(p["thread_ts"] for p in posts) == sorted(f"{1700001000 + n}.000100" for n in range(40))
    assert all(p.get("blocks") and "northwind" in all_text(p) for p in posts)
    assert "draining" in out and "(0 requests unanswered)" in out

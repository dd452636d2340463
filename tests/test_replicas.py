"""Past one machine (issue 10, item 4): two `serve --http` replicas behind one address share the Chroma server,
the registry and the event de-duplication.

Both replicas run as real subprocesses on one data dir and one `chroma run` server; every Slack request goes
through a round-robin proxy (so the replica that handles it is known), signed as Slack signs them.
"""
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.fake_slack.slack_requests import SECRET, all_text, event_body, mention, slack_headers

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 180  # a replica loads MiniLM; two start at once on a busy 2-core machine


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RoundRobinProxy:
    """The "one address": forwards each request to the next backend in turn and records which one got it."""

    def __init__(self, backends: list[str]) -> None:
        self.backends = backends
        self.routes: list[str] = []  # the backend of each forwarded request, in arrival order
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with proxy._lock:
                    backend = proxy.backends[len(proxy.routes) % len(proxy.backends)]
                    proxy.routes.append(backend)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
                req = urllib.request.Request(backend + self.path, data=body, headers=headers, method="POST")
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        status, reply = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, reply = e.code, e.read()
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def post(self, body: str, headers: dict) -> int:
        """POST a Slack request to /slack/events; the HTTP status Slack would see."""
        req = urllib.request.Request(f"{self.url}/slack/events", data=body.encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_until_up(url: str, proc: subprocess.Popen, what: str) -> None:
    end = time.time() + START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                assert r.status == 200
                return
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(f"{what} exited ({proc.returncode}): {proc.stdout.read()[-3000:]}")
            assert time.time() < end, f"{what} did not start in {START_SECONDS} s"
            time.sleep(0.2)


def thread_posts(fake_slack, thread_ts: str, count: int = 1, timeout: float = 60.0) -> list[dict]:
    """The chat.postMessage calls in one Slack thread, once `count` have arrived."""
    end = time.time() + timeout
    while True:
        got = [p for p in fake_slack.requests("chat.postMessage") if p.get("thread_ts") == thread_ts]
        if len(got) >= count or time.time() > end:
            assert len(got) >= count, f"expected {count} post(s) in thread {thread_ts}, got {got}"
            return got
        time.sleep(0.05)


def headline(msg: dict) -> str:
    """The answer's first block: the verdict with its citation."""
    return msg["blocks"][0]["text"]["text"]


@pytest.fixture
def chroma_server(tmp_path):
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    proc = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "chroma-srv"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, "chroma run")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def test_two_replicas_share_index_uploads_and_dedupe(chroma_server, fake_slack, sample_pdfs, minilm, tmp_path):
    from vectorstore.index import PolicyIndex

    data = tmp_path / "shared-data"
    PolicyIndex(data, minilm, chroma_url=chroma_server).ingest_file(sample_pdfs["2025"], policy="northwind", version="2025")
    assert not (data / "chroma").exists()  # the vectors went to the server, not the data dir

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "POLICYBOT_"))}
    env.update(SLACK_SIGNING_SECRET=SECRET, SLACK_BOT_TOKEN="xoxb-test", POLICYBOT_DATA_DIR=str(data), POLICYBOT_CHROMA_URL=chroma_server,
               POLICYBOT_SLACK_API_URL=fake_slack.url, POLICYBOT_SLACK_FILE_HOSTS=fake_slack.origin, POLICYBOT_SLACK_UPLOADERS="UADMIN",
               POLICYBOT_SLACK_WORKERS="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               ANONYMIZED_TELEMETRY="False")
    ports = [free_port(), free_port()]
    procs = [subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1", "--port", str(p)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for p in ports]
    a, b = (f"http://127.0.0.1:{p}" for p in ports)
    proxy = RoundRobinProxy([a, b])
    try:
        for url, proc in zip((a, b), procs):
            wait_until_up(f"{url}/healthz", proc, f"replica {url}")

        def send(body: str) -> None:
            assert proxy.post(body, slack_headers(body)) == 200

        # Both replicas answer from the 2025 edition first (and so hold its catalog, vectors and BM25 tables).
        send(event_body(mention("what is the ransomware sublimit?", ts="1700002000.000100"), "Er1"))  # -> A
        send(event_body(mention("what is the ransomware sublimit?", ts="1700002001.000100"), "Er2"))  # -> B
        for ts in ("1700002000.000100", "1700002001.000100"):
            before = thread_posts(fake_slack, ts)[0]
            assert "$500,000" in headline(before) and "p. 1" in headline(before)
            assert "northwind-cyber-2025.pdf" in all_text(before)

        # The 2026 edition is uploaded through replica A…
        f = fake_slack.file_object("F26", "northwind-2026.pdf", sample_pdfs["2026"].read_bytes())
        send(event_body({"type": "message", "subtype": "file_share", "user": "UADMIN", "text": "northwind renewal",
                         "ts": "1700002002.000100", "channel": "D9", "channel_type": "im", "files": [f]}, "Er3"))  # -> A
        summary = thread_posts(fake_slack, "1700002002.000100", timeout=120)[0]["text"]
        assert "Indexed *northwind-2026.pdf* as policy *northwind*" in summary and "$500,000 → $250,000" in summary
        # …and replica B, never restarted, answers from it.
        send(event_body(mention("what is the ransomware sublimit?", ts="1700002003.000100"), "Er4"))  # -> B
        after = thread_posts(fake_slack, "1700002003.000100")[0]
        assert "$250,000" in headline(after) and "p. 1" in headline(after)
        assert "Cyber Extortion and Ransomware Sublimit: $250,000" in all_text(after)
        assert "northwind-2026.pdf" in all_text(after) and "northwind-cyber-2025.pdf" not in all_text(after)  # 2025 is superseded

        # Slack retries an event it thinks timed out; the two deliveries land on different replicas at once.
        body = event_body(mention("how soon must we notify the insurer of ransomware?", ts="1700002004.000100"), "Er5")
        retry_status: list[int] = []
        retried = threading.Thread(target=lambda: retry_status.append(proxy.post(
            body, {**slack_headers(body, retry=1), "X-Slack-Retry-Reason": "http_timeout"})))
        retried.start()
        send(body)
        retried.join(30)
        assert retry_status == [200]
        notice = thread_posts(fake_slack, "1700002004.000100")[0]
        assert "72 hours" in headline(notice) and "p. 10" in headline(notice)
        time.sleep(3)  # room for a second answer, were the de-duplication per replica
        assert len(thread_posts(fake_slack, "1700002004.000100")) == 1
        assert proxy.routes[:4] == [a, b, a, b] and sorted(proxy.routes[4:]) == sorted([a, b])
        assert fake_slack.requests("/files/F26")[0]["authorization"] == "Bearer xoxb-test"
    finally:
        proxy.close()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

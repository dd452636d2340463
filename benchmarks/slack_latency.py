"""Slack latency through the production HTTP stack: a real `policybot serve --http` process (uvicorn + Bolt,
the answering queue) with the real index of the sample policy and no LLM, against the local fake Slack API in
this process. Prints figures, asserts nothing.

    ./dev bench slack_latency [--levels 1,20,200] [--workers N] [--queue N]

ack: the HTTP response time Slack would see (Slack gives up at 3 s; target p99 <= 100 ms at 200 concurrent).
mention-to-answer: from sending the event to the fake Slack receiving the chat.postMessage for its thread.
busy: mentions told "busy, try again in a minute" because the queue was full (they count in ack, not in answer).
"""
from __future__ import annotations

import argparse
import json
import os
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "does our policy require MFA on email?", "what is the ransomware sublimit?", "how soon must we notify the insurer of a breach?",
    "is there a patching deadline?", "what is our retention per claim?", "is a state-sponsored attack excluded?",
    "do we need to call back vendors before changing bank details?", "what is the waiting period for business interruption?",
    "are PCI fines covered?", "must backups be offline?",
]
# questions sent at each concurrency level: enough samples for the percentiles, in batches of `level`
PER_LEVEL = {1: 40, 20: 60, 200: 200}


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[max(0, int(round(p * len(xs))) - 1)] if xs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--levels", default="1,20,200", help="concurrency levels")
    ap.add_argument("--workers", type=int, default=None, help="POLICYBOT_SLACK_WORKERS for the server (default: the setting's default)")
    ap.add_argument("--queue", type=int, default=None, help="POLICYBOT_SLACK_QUEUE_SIZE for the server")
    args = ap.parse_args()
    from slack_sdk.signature import SignatureVerifier

    from bot.config import Settings
    from bot.samples import sample_pdfs
    from tests.fake_slack import BOT_USER, FakeSlack
    from vectorstore.embedder import SentenceTransformerEmbedder
    from vectorstore.index import PolicyIndex

    tmp = Path(tempfile.mkdtemp(prefix="pb-slack-bench-"))
    PolicyIndex(tmp / "index", SentenceTransformerEmbedder()).ingest_file(sample_pdfs(tmp / "samples")["2026"], policy="northwind")
    fake = FakeSlack()
    secret = "bench-secret"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "POLICYBOT_"))}
    env.update(SLACK_SIGNING_SECRET=secret, SLACK_BOT_TOKEN="xoxb-test", POLICYBOT_SLACK_API_URL=fake.url, HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false", ANONYMIZED_TELEMETRY="False")
    if args.workers:
        env["POLICYBOT_SLACK_WORKERS"] = str(args.workers)
    if args.queue:
        env["POLICYBOT_SLACK_QUEUE_SIZE"] = str(args.queue)
    log = open(tmp / "server.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--http", "--host", "127.0.0.1", "--port", str(port),
                               "--data-dir", str(tmp / "index")], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1)
            break
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"server exited; see {tmp / 'server.log'}")
            time.sleep(0.1)
    defaults = Settings()
    print(f"server: workers {args.workers or defaults.slack_workers}, queue {args.queue or defaults.slack_queue_size}; "
          f"client and server on this machine ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})")
    verifier = SignatureVerifier(secret)
    counter = iter(range(1, 10**9))

    def request(question: str) -> tuple[str, bytes]:
        n = next(counter)
        ts = f"{1700000000 + n}.000100"
        body = json.dumps({"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": f"Ev{n}",
                           "event_time": int(time.time()),
                           "event": {"type": "app_mention", "user": "U1", "text": f"<@{BOT_USER}> {question}",
                                     "ts": ts, "channel": "C1", "channel_type": "channel"}}).encode()
        now = str(int(time.time()))
        head = (f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
                f"X-Slack-Request-Timestamp: {now}\r\nX-Slack-Signature: {verifier.generate_signature(timestamp=now, body=body)}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        return ts, head.encode() + body

    def fire(questions: list[str]) -> list[tuple[float, str, float]]:
        """Send all at once on open connections, as Slack would from its side; (sent at, thread ts, ack ms) each.

        One select loop measures the response times, so the client's own work is not counted as server latency.
        """
        built = [request(q) for q in questions]
        conns = [socket.create_connection(("127.0.0.1", port)) for _ in built]
        sel = selectors.DefaultSelector()
        sent: dict[socket.socket, tuple[float, str]] = {}
        for sock, (ts, data) in zip(conns, built):
            sent[sock] = (time.monotonic(), ts)
            sock.sendall(data)
            sock.setblocking(False)
            sel.register(sock, selectors.EVENT_READ)
        out = []
        while len(out) < len(conns):
            for key, _ in sel.select(timeout=30):
                sock = key.fileobj
                t1 = time.monotonic()
                first = sock.recv(64)
                sel.unregister(sock)
                sock.close()
                if not first.startswith(b"HTTP/1.1 200"):
                    raise SystemExit(f"not acked with 200: {first!r}")
                t0, ts = sent[sock]
                out.append((t0, ts, (t1 - t0) * 1000))
        return out

    def replies(timeout: float) -> dict[str, tuple[float, bool]]:
        """thread ts -> (arrival, was it 'busy') once every sent mention has its reply."""
        end = time.monotonic() + timeout
        while True:
            got = {b.get("thread_ts"): (t, "try again in a minute" in (b.get("text") or ""))
                   for t, path, b in list(fake.arrivals) if path == "chat.postMessage"}
            if len(got) >= sent_total or time.monotonic() > end:
                return got
            time.sleep(0.01)

    sent_total = 0
    fire([QUESTIONS[0]])  # warm-up
    sent_total += 1
    replies(120)
    for level in [int(x) for x in args.levels.split(",")]:
        acks, sent = [], []
        for _ in range(max(1, PER_LEVEL.get(level, level) // level)):
            batch = [QUESTIONS[i % len(QUESTIONS)] for i in range(level)]
            results = fire(batch)
            sent_total += len(results)
            sent += results
            acks += [a for _, _, a in results]
            if level == 1:
                replies(120)  # one at a time: wait for the answer before the next question
        got = replies(600)
        e2e = [(got[ts][0] - t0) * 1000 for t0, ts, _ in sent if ts in got and not got[ts][1]]
        busy = sum(1 for _, ts, _ in sent if ts in got and got[ts][1])
        lost = sum(1 for _, ts, _ in sent if ts not in got)
        print(f"concurrency {level:>3}: ack p50 {statistics.median(acks):6.1f} ms  p99 {pct(acks, 0.99):6.1f} ms   "
              f"mention-to-answer p50 {statistics.median(e2e) if e2e else float('nan'):7.0f} ms  p95 {pct(e2e, 0.95):7.0f} ms   "
              f"(n={len(acks)}, answered {len(e2e)}, busy {busy}, no reply {lost})")
    print(f"load average at the end {os.getloadavg()[0]:.1f} (figures on a busy machine include waiting for a core)")
    server.send_signal(signal.SIGTERM)
    server.wait(120)
    fake.close()


if __name__ == "__main__":
    main()

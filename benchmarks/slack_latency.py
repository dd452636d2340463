"""Slack latency through the production HTTP stack (uvicorn + Bolt) against the local fake Slack API,
with the real index of the sample policy and no LLM. Prints figures, asserts nothing.

    ./dev bench slack_latency [--rounds 3]

ack latency: the HTTP response time Slack would see (must stay far under 3 s).
mention-to-answer: from sending the event to the fake Slack receiving chat.postMessage for its thread.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "does our policy require MFA on email?", "what is the ransomware sublimit?", "how soon must we notify the insurer of a breach?",
    "is there a patching deadline?", "what is our retention per claim?", "is a state-sponsored attack excluded?",
    "do we need to call back vendors before changing bank details?", "what is the waiting period for business interruption?",
    "are PCI fines covered?", "must backups be offline?",
]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[max(0, int(round(p * len(xs))) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3, help="question batches per concurrency level")
    args = ap.parse_args()
    from slack_sdk import WebClient
    from slack_sdk.signature import SignatureVerifier

    from bot.config import Settings
    from bot.samples import sample_pdfs
    from bot.slack.app import create_app
    from bot.slack.server import http_asgi
    from tests.fake_slack import BOT_USER, FakeSlack
    from tests.http_server import ServerThread
    from vectorstore.embedder import SentenceTransformerEmbedder
    from vectorstore.index import PolicyIndex

    tmp = Path(tempfile.mkdtemp(prefix="pb-slack-bench-"))
    index = PolicyIndex(tmp / "index", SentenceTransformerEmbedder())
    index.ingest_file(sample_pdfs(tmp / "samples")["2026"], policy="northwind")
    index.search("warm up", k=1)
    fake = FakeSlack()
    secret = "bench-secret"
    settings = Settings(data_dir=tmp / "slack", slack_signing_secret=secret, slack_bot_token="xoxb-test", slack_api_url=fake.url)
    app = create_app(settings, index=index, client=WebClient(token="xoxb-test", base_url=fake.url))
    srv = ServerThread(http_asgi(app))
    verifier = SignatureVerifier(secret)
    counter = iter(range(1, 10**9))

    def send(question: str) -> tuple[float, str, float]:
        n = next(counter)
        ts = f"{1700000000 + n}.000100"
        body = json.dumps({"type": "event_callback", "team_id": "T1", "api_app_id": "A1", "event_id": f"Ev{n}",
                           "event_time": int(time.time()),
                           "event": {"type": "app_mention", "user": "U1", "text": f"<@{BOT_USER}> {question}",
                                     "ts": ts, "channel": "C1", "channel_type": "channel"}})
        now = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": now,
                   "X-Slack-Signature": verifier.generate_signature(timestamp=now, body=body)}
        t0 = time.monotonic()
        status, _ = srv.post(body, headers)
        assert status == 200, status
        return t0, ts, (time.monotonic() - t0) * 1000

    def answered_at(ts: str, deadline: float) -> float:
        while time.monotonic() < deadline:
            for t, path, body in list(fake.arrivals):
                if path == "chat.postMessage" and body.get("thread_ts") == ts:
                    return t
            time.sleep(0.005)
        raise TimeoutError(ts)

    send(QUESTIONS[0])  # warm-up
    time.sleep(2)
    for conc in (1, 20):
        acks, e2e = [], []
        for _ in range(args.rounds * (20 // conc)):  # the same number of questions at each level
            batch = [QUESTIONS[i % len(QUESTIONS)] for i in range(conc)]
            with ThreadPoolExecutor(conc) as pool:
                sent = list(pool.map(send, batch))
            for t0, ts, ack in sent:
                acks.append(ack)
                e2e.append((answered_at(ts, time.monotonic() + 120) - t0) * 1000)
        print(f"concurrency {conc:>2}: ack p50 {statistics.median(acks):6.1f} ms  p99 {pct(acks, 0.99):6.1f} ms   "
              f"mention-to-answer p50 {statistics.median(e2e):7.1f} ms  p95 {pct(e2e, 0.95):7.1f} ms   (n={len(acks)})")
    srv.stop()
    fake.close()


if __name__ == "__main__":
    main()

"""Run the Slack app: Socket Mode by default, or HTTP under uvicorn for several replicas.

Both drain on SIGTERM: stop taking requests, finish the acknowledged ones (bounded by
`slack_drain_seconds`), then exit — Slack does not re-send an event it got a 200 for.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import sys
import threading
import time
from typing import Callable
from urllib.parse import parse_qs

from ..config import Settings
from .work import WorkQueue

log = logging.getLogger("policybot.slack")
# The answering threads hold the GIL in turns of sys.getswitchinterval() (5 ms by default); a burst of acks
# waits for each turn to end. Shorter turns keep the ack quick at a small cost in answering throughput.
ACK_SWITCH_INTERVAL = 0.001


def build(settings: Settings, queue: WorkQueue | None = None):
    from vectorstore.embedder import make_embedder
    from vectorstore.index import PolicyIndex

    from ..llm import make_chat_model
    from ..posture import load_posture
    from .app import create_app

    # Not queries_only: a replica also ingests uploads, whose vectors must come from the model that builds the index.
    embedder = make_embedder(settings.embedding_model, settings.embedding_backend)
    embedder.embed(["warm up"])  # load the model now, not while the first question waits
    index = PolicyIndex(settings.data_dir, embedder, chroma_url=settings.chroma_url, max_bytes=settings.max_bytes)
    index.check_model()
    posture = load_posture(settings.posture_file) if settings.posture_file else None
    chat = make_chat_model(settings.llm_model) if settings.llm_model else None
    return create_app(settings, index=index, posture=posture, chat_model=chat, queue=queue)


def parse(body: bytes, headers) -> tuple[dict | None, tuple[int, str] | None]:
    """The request body as Bolt will see it, or (None, (status, reason)) for one Bolt cannot even parse.

    A missing or non-numeric timestamp is 401 (it cannot be signed); an unparsable body is 400 (the caller
    turns that into 401 when the signature is wrong too).
    """
    ts = headers.get("x-slack-request-timestamp", "")
    if not ts.isdigit():
        return None, (401, "missing or non-numeric X-Slack-Request-Timestamp")
    try:
        text = body.decode("utf-8")
        if "application/json" in headers.get("content-type", ""):
            parsed = json.loads(text)
            if isinstance(parsed, dict) and parsed.get("type") == "event_callback" and not isinstance(parsed.get("event"), dict):
                raise ValueError("event_callback without an event object")
        else:
            parsed = {k: v[0] for k, v in parse_qs(text).items()}
            if "payload" in parsed:
                parsed = json.loads(parsed["payload"])
        if not isinstance(parsed, dict):
            raise ValueError(f"body is a JSON {type(parsed).__name__}, not an object")
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None, (400, f"unparsable body ({exc})")
    return parsed, None


class Intake:
    """Events API requests, acknowledged on arrival and handed to Bolt in arrival order by one thread.

    Bolt's dispatch costs ~2 ms of Python a request; done before the 200, a burst of 200 mentions queued up
    behind it for most of a second. Events carry nothing back in their response, so the ack need not wait.
    """

    JOIN_SECONDS = 30.0  # at ~2 ms a request, far more than any backlog needs
    QUIET = 0.005  # dispatch once no request arrived for this long: a burst of acks keeps the GIL to itself…
    MAX_DELAY = 0.25  # …but never hold an event back longer than this

    def __init__(self, app) -> None:
        self.app = app
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self.last_arrival = 0.0
        self._thread = threading.Thread(target=self._run, name="policybot-intake", daemon=True)
        self._thread.start()

    def put(self, body: str, headers: dict) -> None:
        self.last_arrival = now = time.monotonic()
        self._queue.put((now, body, headers))

    def _run(self) -> None:
        from slack_bolt.request import BoltRequest

        while (item := self._queue.get()) is not None:
            arrived, body, headers = item
            while time.monotonic() - self.last_arrival < self.QUIET and time.monotonic() - arrived < self.MAX_DELAY:
                time.sleep(self.QUIET)
            try:
                resp = self.app.dispatch(BoltRequest(body=body, headers=headers))
                if resp.status != 200:  # Bolt or our error handler logged why
                    log.debug("an acknowledged Slack event got HTTP %d from Bolt", resp.status)
            except Exception as exc:
                log.warning("an acknowledged Slack event could not be handled (%s: %s)", type(exc).__name__, exc)

    def close(self) -> None:
        """Hand every acknowledged event to Bolt, then stop."""
        self._queue.put(None)
        self._thread.join(self.JOIN_SECONDS)


def http_asgi(app, *, signing_secret: str | None = None, on_shutdown: Callable[[], object] | None = None):
    """A Starlette ASGI app serving Events API, commands and interactivity at /slack/events.

    With `signing_secret`, signed Events API requests are acknowledged at once and dispatched after (see
    Intake), and a signed unparsable body gets 400 rather than 401. `on_shutdown` runs after uvicorn stopped
    accepting requests, finished the open ones and every acknowledged event reached Bolt (the drain).
    """
    import anyio
    from slack_bolt.adapter.starlette import SlackRequestHandler
    from slack_sdk.signature import SignatureVerifier
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse, Response
    from starlette.routing import Route

    handler = SlackRequestHandler(app)
    verifier = SignatureVerifier(signing_secret) if signing_secret else None
    intake = Intake(app) if verifier else None

    async def events(req: Request):
        body = await req.body()
        parsed, bad = parse(body, req.headers)
        ts = req.headers.get("x-slack-request-timestamp", "")
        signed = verifier is not None and ts.isdigit() and verifier.is_valid(body, ts, req.headers.get("x-slack-signature", ""))
        if bad:
            status, reason = bad
            if status == 400 and verifier is not None and not signed:
                status, reason = 401, f"invalid signature and {reason}"
            log.warning("rejected a Slack request with HTTP %d: %s", status, reason)
            return PlainTextResponse("bad request" if status == 400 else "unauthorized", status_code=status)
        if intake is not None and signed and parsed.get("type") == "event_callback":
            intake.put(body.decode("utf-8"), dict(req.headers.items()))
            return Response(status_code=200)
        try:
            return await handler.handle(req)
        except Exception as exc:  # Bolt choked on a body Slack would never send: bad input, not a 500
            log.warning("rejected a Slack request with HTTP 400: Bolt could not handle it (%s: %s)", type(exc).__name__, exc)
            return PlainTextResponse("bad request", status_code=400)

    async def health(_req: Request):
        return PlainTextResponse("ok")

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        yield
        if intake is not None:
            await anyio.to_thread.run_sync(intake.close)
        if on_shutdown is not None:
            await anyio.to_thread.run_sync(on_shutdown)

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", health)], lifespan=lifespan)


def run(settings: Settings, *, http: bool, host: str, port: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if http and not settings.slack_signing_secret:
        raise SystemExit("HTTP mode needs SLACK_SIGNING_SECRET")
    if not settings.slack_bot_token:
        raise SystemExit("Set SLACK_BOT_TOKEN (xoxb-…) — see README, 'Slack setup'")
    if not http and not settings.slack_app_token:
        raise SystemExit("Socket Mode needs SLACK_APP_TOKEN (xapp-…), or run with --http")
    queue = WorkQueue(settings.slack_workers, settings.slack_queue_size)
    app = build(settings, queue)
    sys.setswitchinterval(ACK_SWITCH_INTERVAL)
    if "torch" in sys.modules:
        # Parallel questions, not parallel matrix ops: intra-op threads per worker would oversubscribe the
        # cores and starve the thread that acknowledges Slack.
        sys.modules["torch"].set_num_threads(max(1, (os.cpu_count() or 1) // settings.slack_workers))

    def drain() -> None:
        log.info("draining %d acknowledged Slack requests (at most %.0f s)", queue.backlog, settings.slack_drain_seconds)
        left = queue.drain(settings.slack_drain_seconds)
        log.info("PolicyBot stopped (%d requests unanswered)", left)

    if http:
        import uvicorn

        # uvicorn handles SIGTERM: it stops accepting, finishes in-flight requests, then runs the lifespan shutdown.
        asgi = http_asgi(app, signing_secret=settings.slack_signing_secret.get_secret_value(), on_shutdown=drain)
        uvicorn.run(asgi, host=host, port=port, log_level="info")
        return
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    handler.connect()
    log.info("PolicyBot connected in Socket Mode")
    stop.wait()
    handler.close()  # no new envelopes; the acknowledged ones are in the queue
    drain()

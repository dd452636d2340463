"""Run the Slack app: Socket Mode by default, or HTTP under uvicorn for several replicas.

Both drain on SIGTERM: stop taking requests, finish the acknowledged ones (bounded by
`slack_drain_seconds`), then exit — Slack does not re-send an event it got a 200 for.
"""
from __future__ import annotations

import contextlib
import json
import logging
import signal
import threading
from typing import Callable
from urllib.parse import parse_qs

from ..config import Settings
from .work import WorkQueue

log = logging.getLogger("policybot.slack")


def build(settings: Settings, queue: WorkQueue | None = None):
    from vectorstore.embedder import SentenceTransformerEmbedder
    from vectorstore.index import PolicyIndex

    from ..llm import make_chat_model
    from ..posture import load_posture
    from .app import create_app

    embedder = SentenceTransformerEmbedder(settings.embedding_model)
    embedder.embed(["warm up"])  # load the model now, not while the first question waits
    index = PolicyIndex(settings.data_dir, embedder, chroma_url=settings.chroma_url, max_bytes=settings.max_bytes)
    index.check_model()
    posture = load_posture(settings.posture_file) if settings.posture_file else None
    chat = make_chat_model(settings.llm_model) if settings.llm_model else None
    return create_app(settings, index=index, posture=posture, chat_model=chat, queue=queue)


def malformed(body: bytes, headers) -> tuple[int, str] | None:
    """(status, reason) for a request Bolt cannot even parse, or None.

    A missing or non-numeric timestamp is 401 (it cannot be signed); an unparsable body is 400 when its
    signature is valid (Slack's or our bug: say so) and 401 otherwise.
    """
    ts = headers.get("x-slack-request-timestamp", "")
    if not ts.isdigit():
        return 401, "missing or non-numeric X-Slack-Request-Timestamp"
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
        return 400, f"unparsable body ({exc})"
    return None


def http_asgi(app, *, signing_secret: str | None = None, on_shutdown: Callable[[], object] | None = None):
    """A Starlette ASGI app serving Events API, commands and interactivity at /slack/events.

    `signing_secret` tells a signed unparsable body (400) from an unsigned one (401); `on_shutdown` runs after
    uvicorn stopped accepting requests and finished the open ones (the drain).
    """
    import anyio
    from slack_bolt.adapter.starlette import SlackRequestHandler
    from slack_sdk.signature import SignatureVerifier
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    handler = SlackRequestHandler(app)
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    async def events(req: Request):
        body = await req.body()
        bad = malformed(body, req.headers)
        if bad:
            status, reason = bad
            if status == 400 and verifier is not None and not verifier.is_valid(
                body, req.headers["x-slack-request-timestamp"], req.headers.get("x-slack-signature", "")
            ):
                status, reason = 401, f"invalid signature and {reason}"
            log.warning("rejected a Slack request with HTTP %d: %s", status, reason)
            return PlainTextResponse("bad request" if status == 400 else "unauthorized", status_code=status)
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

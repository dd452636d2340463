"""Run the Slack app: Socket Mode by default, or HTTP under uvicorn for several replicas."""
from __future__ import annotations

import logging
import signal
import threading

from ..config import Settings

log = logging.getLogger("policybot.slack")


def build(settings: Settings):
    from vectorstore.embedder import SentenceTransformerEmbedder
    from vectorstore.index import PolicyIndex

    from ..llm import make_chat_model
    from ..posture import load_posture
    from .app import create_app

    index = PolicyIndex(settings.data_dir, SentenceTransformerEmbedder(settings.embedding_model), chroma_url=settings.chroma_url, max_bytes=settings.max_bytes)
    index.check_model()
    posture = load_posture(settings.posture_file) if settings.posture_file else None
    chat = make_chat_model(settings.llm_model) if settings.llm_model else None
    return create_app(settings, index=index, posture=posture, chat_model=chat)


def http_asgi(app):
    """A Starlette ASGI app serving Events API, commands and interactivity at /slack/events."""
    from slack_bolt.adapter.starlette import SlackRequestHandler
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    handler = SlackRequestHandler(app)

    async def events(req: Request):
        return await handler.handle(req)

    async def health(_req: Request):
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", health)])


def run(settings: Settings, *, http: bool, host: str, port: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if http and not settings.slack_signing_secret:
        raise SystemExit("HTTP mode needs SLACK_SIGNING_SECRET")
    if not settings.slack_bot_token:
        raise SystemExit("Set SLACK_BOT_TOKEN (xoxb-…) — see README, 'Slack setup'")
    app = build(settings)
    if http:
        import uvicorn

        # uvicorn handles SIGTERM: it stops accepting, finishes in-flight requests, then exits.
        uvicorn.run(http_asgi(app), host=host, port=port, log_level="info")
        return
    if not settings.slack_app_token:
        raise SystemExit("Socket Mode needs SLACK_APP_TOKEN (xapp-…), or run with --http")
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    handler.connect()
    log.info("PolicyBot connected in Socket Mode")
    stop.wait()
    handler.close()
    log.info("PolicyBot stopped")

"""Run the production HTTP stack (uvicorn + Starlette + Bolt) in a thread on a free port."""
from __future__ import annotations

import socket
import threading
import time
import urllib.request


class ServerThread:
    def __init__(self, asgi_app) -> None:
        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(asgi_app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}/slack/events"

    def post(self, body: str, headers: dict) -> tuple[int, str]:
        req = urllib.request.Request(self.url, data=body.encode(), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)

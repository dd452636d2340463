"""A fake Slack Web API: a real HTTP server on a free port that records every request."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

BOT_USER = "UBOT"


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.arrivals: list[tuple[float, str, dict]] = []  # (time.monotonic(), path, body) for latency figures
        self.files: dict[str, bytes] = {}
        self.channels: dict[str, dict] = {}
        self.usergroups: dict[str, list[str]] = {}
        self.redirects: dict[str, str] = {}  # file id -> where GET /files/<id> redirects (302)
        self._failures: dict[str, list[tuple[int, dict, dict]]] = {}  # path -> scripted (status, body, headers) replies
        self._lock = threading.Lock()
        self._ts = 1000
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _reply(self, code: int, body: bytes, ctype: str = "application/json", headers: dict | None = None) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                path = self.path.split("?")[0]
                if path.startswith("/files/"):
                    fake._record(path, {"authorization": self.headers.get("Authorization", "")})
                    target = fake.redirects.get(path[len("/files/"):])
                    if target:
                        return self._reply(302, b"", "text/plain", {"Location": target})
                    if self.headers.get("Authorization", "") != "Bearer xoxb-test":
                        return self._reply(403, b"forbidden", "text/plain")
                    data = fake.files.get(path[len("/files/"):])
                    return self._reply(200, data, "application/octet-stream") if data is not None else self._reply(404, b"", "text/plain")
                self._reply(404, b"{}")

            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(n).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in parse_qs(raw).items()}
                    for k in ("blocks", "view"):
                        if isinstance(body.get(k), str):
                            body[k] = json.loads(body[k])
                path = self.path.split("?")[0].lstrip("/").removeprefix("api/")
                fake._record(path, body)
                scripted = fake._next_failure(path)
                if scripted:
                    status, reply, headers = scripted
                    if status == 0:  # drop the connection without answering
                        self.close_connection = True
                        return
                    return self._reply(status, json.dumps(reply).encode(), headers=headers)
                self._reply(200, json.dumps(fake.respond(path, body)).encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        """scheme://host:port, as the `slack_file_hosts` setting lists allowed file hosts."""
        return self.url.rstrip("/")

    def fail(self, path: str, times: int = 1, *, status: int = 200, error: str = "ratelimited", retry_after: int | None = None) -> None:
        """Answer the next `times` calls to `path` with an error: HTTP 429 with Retry-After, ok=false (status 200),
        or a dropped connection (status 0)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self._lock:
            self._failures.setdefault(path, []).extend([(status, {"ok": False, "error": error}, headers)] * times)

    def _next_failure(self, path: str) -> tuple[int, dict, dict] | None:
        with self._lock:
            queue = self._failures.get(path)
            return queue.pop(0) if queue else None

    def _record(self, path: str, body: dict) -> None:
        with self._lock:
            self.calls.append((path, body))
            self.arrivals.append((time.monotonic(), path, body))

    def respond(self, path: str, body: dict) -> dict:
        if path == "auth.test":
            return {"ok": True, "user_id": BOT_USER, "bot_id": "BBOT", "team_id": "T1", "user": "policybot"}
        if path in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            with self._lock:
                self._ts += 1
                return {"ok": True, "channel": body.get("channel"), "ts": f"{self._ts}.000100", "message_ts": f"{self._ts}.000100"}
        if path == "conversations.info":
            ch = body.get("channel")
            return {"ok": True, "channel": {"id": ch, **self.channels.get(ch, {"is_ext_shared": False})}}
        if path == "usergroups.users.list":
            return {"ok": True, "users": self.usergroups.get(body.get("usergroup"), [])}
        if path == "users.info":
            return {"ok": True, "user": {"id": body.get("user"), "name": "someone"}}
        if path == "conversations.replies":
            return {"ok": True, "messages": []}
        return {"ok": True}

    def file_object(self, file_id: str, name: str, data: bytes, filetype: str = "pdf", url: str | None = None) -> dict:
        """A Slack file object whose download URL is this server (or `url`)."""
        self.files[file_id] = data
        return {"id": file_id, "name": name, "title": name, "filetype": filetype,
                "mimetype": "application/pdf" if filetype == "pdf" else "text/plain", "size": len(data),
                "url_private_download": url or f"{self.url}files/{file_id}"}

    def requests(self, path: str) -> list[dict]:
        with self._lock:
            return [b for p, b in self.calls if p == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 20.0) -> list[dict]:
        """Poll until `count` requests to `path` arrived (Bolt answers in a background thread)."""
        end = time.time() + timeout
        while time.time() < end:
            got = self.requests(path)
            if len(got) >= count:
                return got
            time.sleep(0.02)
        raise AssertionError(f"expected {count} call(s) to {path}, got {len(self.requests(path))}: {[p for p, _ in self.calls]}")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

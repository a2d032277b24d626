"""A small Learning Record Store the tests run (a real HTTP server, not a mock of the client):
``POST /statements`` takes one statement or a list, requires the xAPI version header and the
Basic credentials, stores each statement once by id, and answers like an LRS: 200 with the
ids when all are new, 409 Conflict (storing nothing) when one of them exists already. It can
be told to be down (503) for the next requests."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

USER, PASSWORD = "kring", "lrs-secret"


class LocalLRS:
    def __init__(self) -> None:
        self.statements: dict[str, dict[str, Any]] = {}
        self.stores: dict[str, int] = {}  # id -> times stored (must stay 1)
        self.requests = 0
        self.down_for = 0
        self.lock = threading.Lock()
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any = None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                with lrs.lock:
                    lrs.requests += 1
                    if lrs.down_for > 0:
                        lrs.down_for -= 1
                        self._answer(503, {"error": "down"})
                        return
                expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    self._answer(401, {"error": "credentials"})
                    return
                if not self.headers.get("X-Experience-API-Version", "").startswith("1.0"):
                    self._answer(400, {"error": "version header"})
                    return
                if self.path.rstrip("/") != "/xapi/statements":
                    self._answer(404, {"error": self.path})
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                batch = body if isinstance(body, list) else [body]
                with lrs.lock:
                    if any(s["id"] in lrs.statements for s in batch):
                        self._answer(409, {"error": "statement id exists"})
                        return
                    for statement in batch:
                        lrs.statements[statement["id"]] = statement
                        lrs.stores[statement["id"]] = lrs.stores.get(statement["id"], 0) + 1
                self._answer(200, [s["id"] for s in batch])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}/xapi/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LocalLRS:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

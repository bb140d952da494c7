"""A stand-in for the WhatsApp Cloud API (Graph) on loopback: records what it is sent (messages,
and media uploads as multipart) and answers in Graph's own formats, success or error, as a
test scripts it."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PHONE_NUMBER_ID = "106540352242922"
TOKEN = "EAAG-test-token"
VERSION = "v21.0"


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    authorization: str | None
    content_type: str | None
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)  # when it arrived (benchmarks)


def graph_error(status: int, message: str, code: int, subcode: int | None = None,
                kind: str = "OAuthException") -> tuple[int, dict[str, Any]]:
    """An error exactly as Graph answers one."""
    error: dict[str, Any] = {"message": message, "type": kind, "code": code,
                             "fbtrace_id": "AbCdEfGhIjK"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return status, {"error": error}


class FakeGraph:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self._script: list[tuple[int, dict[str, Any]]] = []
        self._held: dict[str, threading.Event] = {}
        self._lock = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FakeGraph:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._server.server_close()

    def answer_next(self, *answers: tuple[int, dict[str, Any]]) -> None:
        """Answer the next requests with these (status, body); then success again."""
        with self._lock:
            self._script.extend(answers)

    def hold(self, to: str) -> threading.Event:
        """Keep the answers to messages for ``to`` until the returned event is set (a slow
        Graph API for one person); the message counts as received at once."""
        with self._lock:
            self._held[to] = threading.Event()
            return self._held[to]

    def sent(self) -> list[Received]:
        """Messages sent (media uploads left out: see ``uploads``)."""
        with self._lock:
            return [r for r in self.received if not r.path.endswith("/media")]

    def uploads(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.path.endswith("/media")]

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> bool:
        """Block until ``predicate(received)`` holds (woken by each request, no polling)."""
        with self._lock:
            return self._lock.wait_for(lambda: predicate(list(self.received)), timeout)

    def _answer(self, received: Received) -> tuple[int, dict[str, Any]]:
        held = self._held.get(received.body.get("to") or received.body.get("recipient") or "")
        with self._lock:
            self.received.append(received)
            n = len(self.received)
            self._lock.notify_all()
        if held is not None:
            held.wait(30)
        with self._lock:
            if self._script:
                return self._script.pop(0)
        if received.path.endswith("/media"):
            return 200, {"id": f"{1000000000000000 + n}"}
        to = received.body.get("to") or received.body.get("recipient", "")
        who = {"wa_id": to} if "to" in received.body else {"user_id": to}
        return 200, {"messaging_product": "whatsapp", "contacts": [{"input": to, **who}],
                     "messages": [{"id": f"wamid.HBgNNTIxNTUxMjM0NTY3OBUCABEYEj{n:04d}"}]}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                kind = self.headers.get("Content-Type") or ""
                if self.path.endswith("/media"):  # multipart: keep what a test may check
                    body = {"upload": True, "bytes": len(raw), "pdf": b"%PDF" in raw,
                            "multipart": kind.startswith("multipart/form-data")}
                else:
                    body = json.loads(raw or b"{}")
                received = Received("POST", self.path, self.headers.get("Authorization"), kind, body)
                status, body = fake._answer(received)
                out = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Quiet: tests read what the fake received, not its access log."""

        return Handler

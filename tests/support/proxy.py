"""A loopback HTTP proxy that misbehaves like a bad shop connection, for sync fault tests.

Per request it may: drop it (the server never sees it), delay it, send it twice, cut the
answer after the server has committed, or keep a copy and replay it later, after newer
requests (a stale retry arriving out of order). Choices come from a seeded ``random.Random``.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

FAULTS = ("pass", "drop", "delay", "duplicate", "cut", "replay_later")
_FORWARDED = ("Authorization", "Content-Type", "X-MCH-Protocol")


class FaultyProxy:
    def __init__(self, upstream: str, rng: random.Random, fault_rate: float = 0.35) -> None:
        self.upstream = httpx.Client(base_url=upstream, timeout=30)
        self.rng, self.fault_rate = rng, fault_rate
        self.counts: Counter[str] = Counter()
        # Called with ("request" | "answered", method, path) around each forward: tests kill
        # a client process at chosen points of a push or pull.
        # Returning "drop" from the "request" event stops the request there.
        self.on_event: Callable[[str, str, str], str | None] | None = None
        # Called with (method, path, body) before forwarding; a status returned is answered
        # by the proxy itself with nginx's own error page, as a gateway whose upstream is down
        # or too slow does (502, 503, 504), and the server never sees the request.
        self.gateway_error: Callable[[str, str, bytes], int | None] | None = None
        self._stash: list[tuple[str, str, dict[str, str], bytes]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                proxy._handle(self)

            def do_POST(self) -> None:  # noqa: N802
                proxy._handle(self)

            def log_message(self, *args: object) -> None:
                """Quiet: tests read the proxy's counts, not its access log."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FaultyProxy:
        self._thread.start()
        return self

    def calm(self) -> None:
        """No more faults, and no stale replays left to arrive."""
        with self._lock:
            self.fault_rate = 0.0
            self._stash.clear()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.upstream.close()

    def _choose(self) -> str:
        with self._lock:
            if self.rng.random() >= self.fault_rate:
                return "pass"
            return self.rng.choice(FAULTS[1:])

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        body = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        headers = {k: v for k in _FORWARDED if (v := h.headers.get(k)) is not None}
        request = (h.command, h.path, headers, body)
        fault = self._choose()
        self.counts[fault] += 1
        if self.on_event and self.on_event("request", h.command, h.path) == "drop":
            h.close_connection = True  # the client died before this left the shop
            return
        if self.gateway_error and (status := self.gateway_error(h.command, h.path, body)):
            _answer_as_nginx(h, status)
            return
        with self._lock:
            stale = self._stash.pop(0) if self._stash and self.rng.random() < 0.5 else None
        if stale is not None:
            self._forward(*stale)  # an old request lands now, after newer ones
        if fault == "drop":
            h.close_connection = True
            return
        if fault == "delay":
            threading.Event().wait(self.rng.uniform(0.001, 0.03))
        if fault == "replay_later":
            with self._lock:
                self._stash.append(request)
        response = self._forward(*request)
        if fault == "duplicate":
            response = self._forward(*request)
        if fault == "cut" or response is None:
            h.close_connection = True  # committed upstream; the device never hears back
            return
        if self.on_event:
            self.on_event("committed", h.command, h.path)
        h.send_response(response.status_code)
        h.send_header("Content-Type", response.headers.get("content-type", "application/json"))
        h.send_header("Content-Length", str(len(response.content)))
        h.end_headers()
        h.wfile.write(response.content)
        h.wfile.flush()
        if self.on_event:
            self.on_event("answered", h.command, h.path)

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> httpx.Response | None:
        try:
            return self.upstream.request(method, path, headers=headers, content=body or None)
        except httpx.HTTPError:
            return None


def _answer_as_nginx(h: BaseHTTPRequestHandler, status: int) -> None:
    reason = {502: "Bad Gateway", 503: "Service Temporarily Unavailable",
              504: "Gateway Time-out"}.get(status, "Error")
    page = (f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n").encode()
    h.send_response(status, reason)
    h.send_header("Content-Type", "text/html")
    h.send_header("Content-Length", str(len(page)))
    h.end_headers()
    h.wfile.write(page)
    h.wfile.flush()

"""Structured logs: one JSON object per line, the request's id on every line logged while serving it."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}
REQUEST_ID_HEADER = "x-request-id"
# An id from nginx ($request_id: 32 hex) or another proxy is kept if it looks like an id; anything
# else (too long, control characters) would let a client write into our logs, so a new one is made.
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# Probes and scrapes come every few seconds: logged only at DEBUG, or they bury everything else.
_PROBES = frozenset({"/healthz", "/readyz", "/metrics"})

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
access_log = logging.getLogger("sync_server.access")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str, ensure_ascii=False)


class RequestIdFilter(logging.Filter):
    """Stamps the id of the request being served (if any) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and (rid := request_id.get()) is not None:
            record.request_id = rid
        return True


def configure(level: str = "INFO", json_lines: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if json_lines else logging.Formatter("%(levelname)s %(name)s: %(message)s")
    )
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


# (method, route template, status, seconds) of each answered request: metrics.observe_request.
Observer = Callable[[str, str, int, float], None]


class RequestContext:
    """ASGI middleware: give each request an id (the proxy's ``X-Request-ID`` or a new one), echo
    it in the answer, log one access line with method, route, status and duration, and hand the
    same to ``observe`` (the HTTP metrics).

    Pure ASGI rather than Starlette's BaseHTTPMiddleware, so streamed answers (pull pages,
    change notices) pass through untouched.
    """

    def __init__(self, app: ASGIApp, observe: Observer | None = None) -> None:
        self.app, self.observe = app, observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope) or uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500  # what the client gets if the app dies before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), rid.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            # The route's template, never the raw path: ids in paths would make one metric
            # series per device (the log line keeps the raw path of unmatched requests).
            route = getattr(scope.get("route"), "path", None)
            level = logging.DEBUG if scope["path"] in _PROBES else logging.INFO
            access_log.log(level, "request", extra={
                "method": scope["method"], "path": route or scope["path"], "status": status,
                "duration_ms": round(seconds * 1000, 2),
            })
            if self.observe:
                self.observe(scope["method"], route or "unmatched", status, seconds)
            request_id.reset(token)


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER.encode():
            text = value.decode("latin-1")
            return text if _GOOD_ID.fullmatch(text) else None
    return None

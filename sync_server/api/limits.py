"""Request bodies bounded before they are read, and the client's address behind trusted proxies.

One ASGI middleware guards every endpoint: a declared Content-Length past the limit is refused
before a byte of the body is read; a body without one (chunked) is counted as it arrives and
refused the moment it passes. The push has the large limit; everything else the small one.

Before the 413 goes out, whatever the client is still sending is read and thrown away (up to
DRAIN_BYTES, while it keeps arriving): closing a socket with unread data resets it, and the
client would lose the answer it needs to split its batch.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

Network = IPv4Network | IPv6Network
PUSH_PATH = "/v1/sync/push"
DRAIN_BYTES = 32 * 1024 * 1024
DRAIN_IDLE_SECONDS = 0.25


class BodyLimit:
    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app, self.limit_for = app, limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            if not _expects_continue(scope):  # else reading would invite the body in
                await _drain(receive)
            await _too_large(send, limit)
            return
        received, exceeded, started, more_body = 0, False, False, True

        async def limited_receive() -> Message:
            # Past the limit the app is told the client left: whatever it answers is dropped
            # below and the 413 goes out instead, however the app read the body.
            nonlocal received, exceeded, more_body
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                more_body = bool(message.get("more_body", False))
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            if more_body:
                await _drain(receive)
            await _too_large(send, limit)


def limits(push_bytes: int, small_bytes: int) -> Callable[[str], int]:
    return lambda path: push_bytes if path == PUSH_PATH else small_bytes


async def _drain(receive: Receive) -> None:
    """Read and drop the rest of the body: while it keeps coming, up to DRAIN_BYTES."""
    dropped = 0
    while dropped < DRAIN_BYTES:
        try:
            message = await asyncio.wait_for(receive(), DRAIN_IDLE_SECONDS)
        except TimeoutError:
            return
        if message["type"] != "http.request":
            return
        dropped += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _expects_continue(scope: Scope) -> bool:
    return any(name == b"expect" and value.lower() == b"100-continue"
               for name, value in scope.get("headers", ()))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"code": "payload_too_large",
                       "message": f"La petición pasa del límite de {limit // 1024} KiB."}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def client_address(request: Request, trusted: Sequence[Network]) -> str:
    """The peer's address; behind a trusted proxy, the last X-Forwarded-For hop that is not
    one of ours (the nearer hops are our proxies, the farther ones anyone could have typed)."""
    peer = request.client.host if request.client else "unknown"
    if not trusted or not _is_trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _is_trusted(hop, trusted):
            return hop if _is_address(hop) else peer
    return peer


def _is_trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def _is_address(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True

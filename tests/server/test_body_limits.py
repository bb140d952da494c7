"""Finding 3: every endpoint refuses a body past its limit before reading it (413, not 422),
whether the body declares its length or streams it in chunks."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import pytest
from starlette.routing import Mount

from tests.server.owner_api import HEADERS, client, pair, sign_up

pytestmark = pytest.mark.e2e

READING = ["/v1/owners/signup", "/v1/owners/login", "/v1/devices/pair"]
# These read no body at all: only a declared length can be refused (nothing else is read).
SMALL = [*READING, "/v1/pairing-codes", "/v1/sync/pairing-codes", "/v1/devices/x/revoke"]


def _chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b" " * min(size, total - sent)
        sent += size


@pytest.mark.parametrize("path", READING)
def test_a_streamed_body_past_64_kib_is_refused_on_the_small_endpoints(server, path):
    with client(server.url) as api:
        r = api.post(path, content=_chunks(2 * 1024 * 1024),
                     headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()["code"]) == (413, "payload_too_large")


def _every_route_taking_a_body(app) -> list[tuple[str, str]]:
    """(method, path) of every endpoint that takes a body, from the app's own OpenAPI document,
    and every mounted app (MCP and the like: any method): webhooks, MCP and whatever comes later
    are checked without being listed here."""
    found = [(method.upper(), re.sub(r"\{[^}]+\}", "x", path))
             for path, ops in app.openapi()["paths"].items() for method in ops
             if method in ("post", "put", "patch", "delete")]
    found += [("POST", route.path + "/") for route in app.routes if isinstance(route, Mount)]
    return found


def test_every_route_taking_a_body_refuses_a_declared_64_mib(server):
    routes = _every_route_taking_a_body(server.app)
    assert {p for _, p in routes} >= {*SMALL, "/v1/sync/push"}  # the list reads the real app
    answers = {(m, p): _declare(server, m, p, 64 * 1024 * 1024)[:12] for m, p in routes}
    assert set(answers.values()) == {"HTTP/1.1 413"}, answers


def _declare(server, method: str, path: str, length: int) -> str:
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: x\r\n".encode()
                     + b"Content-Type: application/json\r\n"
                     + f"Content-Length: {length}\r\n\r\n".encode())
        raw = b""
        while chunk := sock.recv(4096):  # the server closes after its answer
            raw += chunk
    return raw.decode("latin-1")


@pytest.mark.parametrize("path", [*SMALL, "/v1/sync/push"])
def test_a_declared_64_mib_body_is_refused_before_a_byte_is_read(server, path):
    """Nothing of the body is sent: the answer can only come from the declared length."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n".encode()
            + f"{next(iter(HEADERS))}: {next(iter(HEADERS.values()))}\r\n".encode()
            + b"Content-Length: 67108864\r\n\r\n")
        raw = b""
        while chunk := sock.recv(4096):  # the server closes after its answer
            raw += chunk
    answer = raw.decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer
    assert '"code": "payload_too_large"' in answer


def test_the_push_keeps_its_larger_limit(server):
    with client(server.url) as api:
        owner = sign_up(api)
        device = pair(api, owner["token"])
        cred = {"Authorization": f"Bearer {device['credential']}",
                "Content-Type": "application/json"}
        below = api.post("/v1/sync/push", headers=cred, content=_chunks(1024 * 1024))
        above = api.post("/v1/sync/push", headers=cred,
                         content=_chunks(server.settings.max_body_bytes + 1))
    assert (below.status_code, below.json()["code"]) == (400, "invalid_json")
    assert (above.status_code, above.json()["code"]) == (413, "payload_too_large")

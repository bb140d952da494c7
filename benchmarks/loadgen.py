"""An open-loop HTTP load generator in its own process: ``python -m benchmarks.loadgen URL RATE
BODIES|- SECRET`` sends one request per line of BODIES (a webhook POST signed with SECRET) or,
with ``-``, RATE×5 GETs of /healthz, each due on its schedule (RATE per second) whether or not
earlier ones have answered, and prints the latencies in ms as JSON.

Latency counts from when a request was due, so a client that falls behind shows up in the
figure instead of hiding it. Bare asyncio streams over keep-alive connections keep the client's
own cost per request small on a busy machine (an HTTP library's is several times more).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

CONNECTIONS = 32


def _request(host: str, body: bytes | None, secret: str) -> bytes:
    if body is None:
        return f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    head = (f"POST /v1/whatsapp/webhook HTTP/1.1\r\nHost: {host}\r\n"
            f"Content-Type: application/json\r\nX-Hub-Signature-256: {sig}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def _answer(reader: asyncio.StreamReader) -> int:
    status = int((await reader.readline()).split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return status


async def run(url: str, rate: float, requests: list[bytes]) -> list[float]:
    parts = urlsplit(url)
    queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
    latencies: list[float] = []

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while (item := await queue.get()) is not None:
                due, request = item
                writer.write(request)
                await writer.drain()
                if await _answer(reader) != 200:
                    raise RuntimeError("a request was not answered 200")
                latencies.append((time.perf_counter() - due) * 1000)
        finally:
            writer.close()

    workers = [asyncio.create_task(connection()) for _ in range(CONNECTIONS)]
    start = time.perf_counter() + 0.2
    for i, request in enumerate(requests):
        due = start + i / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        queue.put_nowait((due, request))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return latencies


def main() -> None:
    url, rate, source, secret = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
    host = urlsplit(url).netloc
    bodies: list[bytes | None] = (
        [None] * int(rate * 5) if source == "-"
        else [line.encode() for line in Path(source).read_text().splitlines() if line])
    requests = [_request(host, body, secret) for body in bodies]
    print(json.dumps(asyncio.run(run(url, rate, requests))))


if __name__ == "__main__":
    main()

"""The till's side of change notices: a background thread holding the server's event stream
(GET /v1/sync/notices) and asking the agent to sync the moment the shop's feed moves past what
this till has. When the stream breaks (server restart, a proxy, no internet) it reconnects with
backoff; the agent's own poll keeps going meanwhile, so a lost stream only costs speed."""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable

import httpx

from shared.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 45.0  # three missed heartbeats (15 s): the stream is dead, reconnect
RETRY_MAX_S = 30.0


class NoticeListener:
    def __init__(self, server_url: str, credential: str, cursor: Callable[[], int],
                 on_notice: Callable[[], None], *, read_timeout_s: float = READ_TIMEOUT_S,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._url = server_url.rstrip("/") + "/v1/sync/notices"
        self._headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                         "Authorization": f"Bearer {credential}", "Accept": "text/event-stream"}
        self._cursor, self._on_notice = cursor, on_notice
        self._timeout = httpx.Timeout(10.0, read=read_timeout_s)
        self._transport = transport
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: httpx.Client | None = None
        self.connected = threading.Event()
        self.notices = 0  # how many times the stream said "pull" (for the status bar and tests)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sync-notices", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        client = self._client
        if client is not None:
            client.close()  # breaks a blocking read
        if self._thread:
            self._thread.join(timeout)

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._listen()
                failures = 0  # the server ended the stream on purpose: reconnect at once
            except (httpx.HTTPError, OSError, ValueError) as exc:
                if self._stop.is_set():
                    return
                # A stream that was open and got cut (a proxy's idle limit below the heartbeat)
                # reconnects soon; only failing to connect backs off further each time.
                failures = 1 if self.connected.is_set() else failures + 1
                log.info("notice stream lost (%s); the poll goes on", type(exc).__name__)
            finally:
                self.connected.clear()
            if failures:
                self._stop.wait(random.uniform(0.5, min(RETRY_MAX_S, 2.0 ** min(failures, 5))))

    def _listen(self) -> None:
        with httpx.Client(timeout=self._timeout, transport=self._transport) as client:
            self._client = client
            params = {"cursor": str(self._cursor())}
            with client.stream("GET", self._url, headers=self._headers, params=params) as answer:
                if answer.status_code != 200:
                    answer.read()
                    raise ValueError(f"notices refused: HTTP {answer.status_code}")
                self.connected.set()
                event = ""
                for line in answer.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith("event:"):
                        event = line.removeprefix("event:").strip()
                    elif line.startswith("data:") and event == "feed":
                        head = int(json.loads(line.removeprefix("data:"))["head"])
                        if head > self._cursor():
                            self.notices += 1
                            self._on_notice()
                    elif not line:
                        event = ""

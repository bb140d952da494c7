"""A sync server in its own process (``python -m sync_server serve``), for replica tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.support.wait import wait_until

ROOT = Path(__file__).resolve().parents[2]


class ProcessServer:
    def __init__(self, database_url: str, **env: str) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = {**os.environ, "DATABASE_URL": database_url, "MCH_HOST": "127.0.0.1",
                     "MCH_PORT": str(self.port), "MCH_LOG_JSON": "false",
                     "MCH_JOBS_ENABLED": "false", **env}  # scheduled jobs only when asked
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90) -> ProcessServer:
        self._proc = subprocess.Popen([sys.executable, "-m", "sync_server", "serve"], cwd=ROOT,
                                      env=self._env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
        wait_until(self._ready, timeout=timeout, what="server process")  # slow to import on a busy machine
        return self

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def _ready(self) -> bool:
        assert self._proc is not None
        if self._proc.poll() is not None:
            raise RuntimeError(f"server process exited with {self._proc.returncode}")
        try:
            return httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        if self._proc:
            self._proc.terminate()
            self._proc.wait(20)

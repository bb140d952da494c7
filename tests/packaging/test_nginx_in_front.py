"""nginx in front of a real server. The address the throttles count is the one nginx saw, never
one a client typed into X-Forwarded-For, even when the client's own address falls inside
MCH_TRUSTED_PROXIES (compose trusts its private networks, and a shop on the same LAN, or a
client reaching nginx through Docker's userland proxy, comes from one of them). And bodies
past the server's limits stop at nginx."""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.packaging.test_server_image import PACKAGING, _self_signed
from tests.server.owner_api import HEADERS
from tests.support.server import ServerHarness
from tests.support.wait import wait_until

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def nginx_in_front(database_url: str, tmp_path: Path) -> Iterator[tuple[str, ServerHarness]]:
    nginx = shutil.which("nginx")
    if nginx is None:
        pytest.fail("nginx is missing: run ./bin/test, which installs it")
    # nginx and the client share loopback here, as nginx and a LAN client share compose's trusted
    # private ranges there. Three wrong codes per address, so the server's throttle answers
    # before nginx's own rate limit does.
    server = ServerHarness(database_url, trusted_proxies="127.0.0.0/8",
                           auth_failures_allowed=3).start()
    http_port, https_port = _free_port(), _free_port()
    cert, key = _self_signed(tmp_path)
    conf = (PACKAGING / "nginx" / "michangarrito.conf").read_text(encoding="utf-8")
    conf = (conf.replace("server:8765", f"127.0.0.1:{server.port}")
            .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
            .replace("listen 80;", f"listen 127.0.0.1:{http_port};")
            .replace("listen [::]:443 ssl http2;", "").replace("listen [::]:80;", "")
            .replace("/etc/nginx/certs/fullchain.pem", str(cert))
            .replace("/etc/nginx/certs/privkey.pem", str(key)))
    (tmp_path / "michangarrito.conf").write_text(conf, encoding="utf-8")
    temp = "".join(f"  {kind}_temp_path {tmp_path}/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\n"
        f"http {{\n  access_log off;\n{temp}  include {tmp_path}/michangarrito.conf;\n}}\n",
        encoding="utf-8")
    process = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                                "-g", "daemon off; master_process off;"],
                               stderr=subprocess.PIPE, text=True)
    url = f"https://127.0.0.1:{https_port}"

    def answering() -> bool:
        try:
            return httpx.get(f"{url}/healthz", verify=False, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(answering, timeout=20, what="nginx in front of the server")
        yield url, server
    finally:
        process.terminate()
        process.wait(10)
        server.stop()


def test_a_made_up_forwarded_address_does_not_escape_the_throttle(nginx_in_front):
    url, server = nginx_in_front
    answers = []
    with httpx.Client(base_url=url, headers=HEADERS, verify=False, timeout=10) as api:
        for i in range(5):
            r = api.post("/v1/devices/pair", json={"code": "NOPENOPE", "device_name": "Caja"},
                         headers={"X-Forwarded-For": f"203.0.113.{i}"})
            answers.append((r.status_code, r.json()["code"]))
    assert answers == [(409, "pairing_code_invalid")] * 3 + [(429, "too_many_attempts")] * 2


def test_nginx_refuses_the_bodies_the_server_would_refuse_before_buffering_them(nginx_in_front):
    """A login body past 64 KiB stops at nginx (it is never buffered to disk, never sent on);
    a push of a megabyte goes through to the server, which judges it."""
    url, _ = nginx_in_front
    with httpx.Client(base_url=url, headers=HEADERS, verify=False, timeout=10) as api:
        login = api.post("/v1/owners/login", content=b" " * (65 * 1024),
                         headers={"Content-Type": "application/json"})
        push = api.post("/v1/sync/push", content=b" " * (1024 * 1024),
                        headers={"Content-Type": "application/json",
                                 "Authorization": "Bearer nada"})
    assert login.status_code == 413
    assert "nginx" in login.text  # nginx's own page: the server never saw it
    assert (push.status_code, push.json()["code"]) == (401, "invalid_credential")

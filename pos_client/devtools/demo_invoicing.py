"""The demo shop invoices with no outside account: SAT's test RFC, a CSD made on this machine
at its first run (never a real one), and a stand-in PAC on loopback that speaks Finkok's SOAP
(``tests/support/fakes``). Customers' self-invoicing page is on the demo server, so the QR of
a demo ticket opens it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
RFC, NAME, REGIME, POSTAL_CODE = "EKU9003173C9", "ESCUELA KEMPER URGATE", "601", "76028"
PAC_USER, PAC_PASSWORD = "demo@michangarrito.mx", "demo"


def start_fake_pac(log: IO[bytes],
                   preexec: Callable[[], object]) -> tuple[subprocess.Popen[bytes], str]:
    """The stand-in PAC in its own process; returns it and its URL."""
    pac = subprocess.Popen([sys.executable, "-m", "tests.support.fakes.pac"], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=log,
                           preexec_fn=preexec)
    assert pac.stdout is not None
    url = pac.stdout.readline().decode().strip()
    if not url.startswith("http://"):
        pac.kill()
        sys.exit("No arrancó el PAC de pruebas de la demostración.")
    return pac, url


def remember_shop(data_dir: Path, tenant_id: str) -> None:
    (data_dir / "demo-shop.json").write_text(json.dumps({"tenant_id": tenant_id}))


def set_up(data_dir: Path, env: dict[str, str], pac_url: str) -> bool:
    """Give the demo shop its fiscal data and CSD (first run) and point it at this run's PAC;
    False if the shop is not known (a demo folder from before invoicing)."""
    known = data_dir / "demo-shop.json"
    if not known.exists():
        return False
    tenant = json.loads(known.read_text())["tenant_id"]
    csd_dir = data_dir / "csd"
    args = [sys.executable, "-m", "sync_server", "cfdi-setup", tenant, "--pac-user", PAC_USER,
            "--pac-password-file", str(_secret(data_dir / "pac.txt", PAC_PASSWORD)),
            "--pac-host", pac_url]
    if not (csd_dir / "csd.cer").exists():
        subprocess.run([sys.executable, "-m", "tests.support.fakes.csd", str(csd_dir)], cwd=ROOT,
                       check=True, capture_output=True)
        args += ["--rfc", RFC, "--name", NAME, "--regime", REGIME, "--postal-code", POSTAL_CODE,
                 "--cer", str(csd_dir / "csd.cer"), "--key", str(csd_dir / "csd.key"),
                 "--password-file", str(csd_dir / "csd.txt")]
    subprocess.run(args, cwd=ROOT, env=env, check=True, capture_output=True)
    return True


def _secret(path: Path, value: str) -> Path:
    path.write_text(value)
    path.chmod(0o600)
    return path

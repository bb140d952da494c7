"""The demo: an embedded sync server, a demo shop, and this POS paired to it, in one command."""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import platformdirs

from pos_client import exit_codes
from pos_client.__main__ import pair_store
from pos_client.app import display_problem, run_pos
from pos_client.devtools import demo_invoicing

DEFAULT_PORT = 8765
MCP_KEY_FILE = "mcp_key.txt"  # the demo shop's MCP key, kept beside its data (a demo only)
ROOT = Path(__file__).resolve().parents[1]
READY_TIMEOUT_S = 90


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="michangarrito-demo",
                                     description="Tienda de demostración de MiChangarrito")
    parser.add_argument("--data-dir", type=Path,
                        default=Path(platformdirs.user_data_dir("michangarrito-demo")))
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="puerto del servidor (0: cualquiera libre)")
    parser.add_argument("--exit-when-ready", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if problem := display_problem():
        print(problem, file=sys.stderr)
        sys.exit(exit_codes.NO_DISPLAY)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    port = args.port if args.port and _port_free(args.port) else _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MCH_DATABASE_URL")}
    # With no WhatsApp account, the server's messages go to its WhatsApp simulator page; the
    # demo's PAC is a stand-in on loopback the server may talk to (never in production).
    env.update(MCH_DATA_DIR=str(args.data_dir / "server"), MCH_HOST="127.0.0.1",
               MCH_PORT=str(port), MCH_WHATSAPP_SIMULATOR="true", MCH_CFDI_ALLOW_PAC_HOST="true")
    log_path = args.data_dir / "server.log"
    payments = _demo_payments(url, env, log_path)
    print(f"Iniciando el servidor de sincronización en {url} (bitácora: {log_path}) …")
    with open(log_path, "ab") as log:
        pac, pac_url = demo_invoicing.start_fake_pac(log, _die_with_parent)
        server = subprocess.Popen([sys.executable, "-m", "sync_server", "serve"], env=env,
                                  stdout=log, stderr=subprocess.STDOUT,
                                  preexec_fn=_die_with_parent)
    try:
        _wait_ready(url, server, log_path)
        pos_dir = args.data_dir / "pos"
        if not _point_store_at(pos_dir, url):
            print("Creando la tienda de demostración …")
            created = subprocess.run(
                [sys.executable, "-m", "sync_server", "create-shop", "--demo", "--json"],
                env=env, check=True, capture_output=True, text=True,
            )
            made = json.loads(created.stdout.strip().splitlines()[-1])
            demo_invoicing.remember_shop(args.data_dir, made["tenant_id"])
            pair_store(pos_dir, url, made["pairing_code"], "Caja 1")
            (args.data_dir / "cuenta.txt").write_text(
                f"{made['owner_login']}\n{made['owner_password']}\n", encoding="utf-8")
            _demo_staff(pos_dir)
            if made.get("mcp_key"):
                (args.data_dir / MCP_KEY_FILE).write_text(made["mcp_key"] + "\n")
        _print_mcp(args.data_dir, url)
        if demo_invoicing.set_up(args.data_dir, env, pac_url):
            print(f"Facturación de prueba lista (RFC {demo_invoicing.RFC}, PAC de pruebas): el QR "
                  f"de cada ticket abre {url}/factura/… para que el cliente se facture.")
        print("Entra a la caja con el NIP 1234 (dueña) o 0000 (cajero).")
        print(f"WhatsApp de la tienda (simulador, sin cuenta de Meta): {url}/simulador "
              "— escribe «Hola, tienda ESPERANZA» para empezar.")
        if (args.data_dir / "cuenta.txt").exists():
            login, password = (args.data_dir / "cuenta.txt").read_text(encoding="utf-8").split()
            print(f"Cuenta en línea (Trastienda): {login} / {password}")
        code = run_pos(pos_dir, exit_when_ready=args.exit_when_ready)
    finally:
        pac.terminate()
        if payments is not None:
            payments.terminate()
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
    sys.exit(code)


def _print_mcp(data_dir: Path, url: str) -> None:
    """How an AI app (Claude Desktop, Claude Code, any MCP client) reaches the demo shop."""
    path = data_dir / MCP_KEY_FILE
    if not path.exists():
        return
    key = path.read_text().strip()
    print(f"Asistentes de IA (MCP): {url}/mcp con «Authorization: Bearer {key}», o por stdio:\n"
          f"  MCH_DATA_DIR={data_dir / 'server'} ./bin/server mcp --key {key}")


def _demo_payments(url: str, env: dict[str, str], log_path: Path) -> subprocess.Popen[str] | None:
    """Local stand-ins for Stripe, MercadoPago and Clip (MODO DEMOSTRACIÓN: nothing is
    charged), and the server's settings pointed at them. None when this copy has no stand-ins
    (an installed package): plans are shown, buying them is off."""
    if not (ROOT / "tests" / "support" / "fakes" / "demo.py").exists():
        return None
    with open(log_path, "ab") as log:
        fakes = subprocess.Popen([sys.executable, "-m", "tests.support.fakes.demo",
                                  "--server-url", url], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=log, text=True, preexec_fn=_die_with_parent)
    assert fakes.stdout is not None
    line = fakes.stdout.readline()  # the stand-ins print their addresses once they listen
    try:
        urls = json.loads(line)
    except ValueError:
        fakes.terminate()
        print("Los pagos simulados no arrancaron; la demostración sigue sin ellos.", file=sys.stderr)
        return None
    env.update(urls["settings"], MCH_BILLING_DEMO="1", MCH_STRIPE_API_BASE=urls["stripe"],
               MCH_MERCADOPAGO_API_BASE=urls["mercadopago"], MCH_CLIP_API_BASE=urls["clip"],
               MCH_PUBLIC_URL=url)
    print("Pagos en MODO DEMOSTRACIÓN: Stripe, Mercado Pago y Clip simulados, no se cobra nada.")
    return fakes


def _demo_staff(pos_dir: Path) -> None:
    """The demo shop's people: the owner (NIP 1234) and a cashier (NIP 0000)."""
    from pos_client.services import staff, staff_admin
    from pos_client.services.till import Till
    from pos_client.store.database import Database
    from pos_client.store.device import load_device
    from shared.permissions import Role

    db = Database(pos_dir / "pos.sqlite3")
    try:
        till = Till(db, load_device(db))
        if not staff.has_cashiers(till):
            owner = staff_admin.create_first_owner(till, "Doña Mary", "1234")
            staff_admin.save_cashier(till, None, "Pepe", Role.CASHIER, "0000", True, owner)
    finally:
        db.close()


def _die_with_parent() -> None:
    """In the server child: if the demo is killed (even SIGKILL), stop the server too."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _wait_ready(url: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = log_path.read_text(errors="replace")[-3000:]
            sys.exit(f"El servidor no arrancó (código {server.returncode}). Bitácora:\n{tail}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)  # polling a child process that has no other readiness signal
    sys.exit(f"El servidor no estuvo listo en {READY_TIMEOUT_S} s; revisa {log_path}.")


def _point_store_at(pos_dir: Path, url: str) -> bool:
    """If the demo POS is already paired, point it at this run's server URL (the port may
    have changed) and return True; False means it still has to be paired."""
    from pos_client.store.database import Database
    from pos_client.store.repositories import meta

    if not (pos_dir / "pos.sqlite3").exists():
        return False
    db = Database(pos_dir / "pos.sqlite3")
    try:
        with db.write() as conn:
            if not meta.get(conn, "credential"):
                return False
            meta.put(conn, "server_url", url)
            return True
    finally:
        db.close()


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    main()

"""Command line: ``python -m pos_client`` opens the POS (standalone, or paired with ``--pair``)."""

from __future__ import annotations

import argparse
import logging
import socket
import sys
from collections.abc import Callable
from pathlib import Path

from pos_client.app import default_data_dir, run_pos
from shared.spanish import agree, count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="michangarrito-pos",
                                     description="Punto de venta MiChangarrito")
    parser.add_argument("--data-dir", type=Path, default=default_data_dir(),
                        help="carpeta de datos de esta caja (base de datos local)")
    parser.add_argument("--pair", metavar="CÓDIGO", help="vincular esta caja con un servidor")
    parser.add_argument("--server", metavar="URL", help="dirección del servidor, para --pair")
    parser.add_argument("--starter-catalog", action="store_true",
                        help="cargar el catálogo inicial de productos comunes (tienda nueva)")
    parser.add_argument("--unpair", action="store_true",
                        help="desvincular esta caja del servidor (conserva las ventas)")
    parser.add_argument("--ventana", action="store_true",
                        help="abrir en una ventana en vez de pantalla completa")
    parser.add_argument("--exit-when-ready", action="store_true", help=argparse.SUPPRESS)
    # The installed build's smoke check: a sale on a new data folder, then start and exit.
    parser.add_argument("--smoke-sale", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    if args.pair:
        if not args.server:
            parser.error("--pair necesita --server URL")
        pair_store(args.data_dir, args.server, args.pair, socket.gethostname())
    if args.unpair:
        sys.exit(unpair_store(args.data_dir))
    if args.starter_catalog:
        load_starter_catalog(args.data_dir)
    if args.smoke_sale:
        from pos_client.smoke import sell_once

        args.data_dir.mkdir(parents=True, exist_ok=True)
        print(sell_once(args.data_dir), flush=True)
    exit_when_ready = args.exit_when_ready or args.smoke_sale
    sys.exit(run_pos(args.data_dir, exit_when_ready=exit_when_ready, windowed=args.ventana))


def load_starter_catalog(data_dir: Path) -> None:
    from pos_client.services.catalog import load_starter
    from pos_client.services.till import Till
    from pos_client.store.database import Database
    from pos_client.store.device import load_device
    from shared.catalog import load_starter_catalog as starter

    db = Database(data_dir / "pos.sqlite3")
    added = load_starter(Till(db, load_device(db)), starter())
    db.close()
    print(f"Catálogo inicial: {count(added, 'producto')} {agree(added, 'agregado')}." if added
          else "La tienda ya tiene productos; no se cargó el catálogo inicial.")


def unpair_store(data_dir: Path, answer: Callable[[str], str] = input) -> int:
    """Unpair, asking first when there are changes the server does not have yet."""
    from pos_client.services.device import unpair, unsynced_count
    from pos_client.services.till import Till
    from pos_client.store.database import Database
    from pos_client.store.device import load_device

    db = Database(data_dir / "pos.sqlite3")
    try:
        till = Till(db, load_device(db))
        pending = unsynced_count(till)
        if pending:
            print(f"¡Cuidado! Hay {count(pending, 'cambio')} sin sincronizar; al desvincular, el servidor "
                  "no los recibirá (se quedan guardados en esta caja).")
            if answer("Escribe SI para desvincular de todos modos: ").strip().upper() != "SI":
                print("No se desvinculó la caja.")
                return 1
        unpair(till, lose_unsynced=True)
        print("Caja desvinculada. Sigue funcionando como tienda independiente.")
        return 0
    finally:
        db.close()


def pair_store(data_dir: Path, server_url: str, code: str, device_name: str) -> None:
    from pos_client.services.device import OtherShop, save_pairing, series_so_far, unsynced_count
    from pos_client.services.till import Till
    from pos_client.store.database import Database
    from pos_client.store.device import load_device
    from pos_client.sync.client import Offline, SyncClient, SyncRefused

    db = Database(data_dir / "pos.sqlite3")
    client = SyncClient(server_url)
    try:
        till = Till(db, load_device(db))
        answer = client.pair(code, device_name, series_so_far(till))
    except SyncRefused as exc:
        db.close()
        sys.exit(f"No se pudo vincular: {exc.message}")
    except Offline:
        db.close()
        sys.exit(f"No se pudo vincular: no hay conexión con {server_url}.")
    finally:
        client.close()
    try:
        pending = unsynced_count(till)
        if pending:
            print(f"Esta caja tiene {count(pending, 'cambio')} sin sincronizar: se enviarán a «"
                  f"{answer.shop_name}».")
        save_pairing(till, server_url=server_url, tenant_id=answer.tenant_id,
                     device_id=answer.device_id, device_code=answer.device_code,
                     credential=answer.credential, shop_name=answer.shop_name)
    except OtherShop as exc:
        sys.exit(exc.message)
    finally:
        db.close()
    print(f"Caja vinculada a «{answer.shop_name}» como {answer.device_code}.")


if __name__ == "__main__":
    main()

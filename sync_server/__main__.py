"""The server's commands: serve, migrate, create-shop, pairing-code, backup, restore, jobs, mcp,
mcp-key, cfdi-setup, cfdi-global, plans, billing-backfill."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from pathlib import Path

import uvicorn

from shared.catalog import load_starter_catalog
from shared.clock import utc_now
from sync_server import backups, cli_cfdi, logs
from sync_server.app import create_app, open_database, with_pool
from sync_server.config import Settings
from sync_server.db import Pool
from sync_server.jobs import cli as jobs_cli
from sync_server.jobs.scheduler import engine_from_settings
from sync_server.services import billing_cli, mcp_keys, shops
from sync_server.services.billing_account import Billing, BillingForJobs
from sync_server.services.demo import (
    DEMO_OWNER_EMAIL,
    DEMO_OWNER_PASSWORD,
    DEMO_SHOP_NAME,
    create_demo_shop,
)
from sync_server.services.integrations import Integrations
from sync_server.services.job_messages import ChannelMessages


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="michangarrito-server")
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the HTTP server (default)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    sub.add_parser("migrate", help="apply database migrations and exit")
    new_shop = sub.add_parser("create-shop", help="create a shop and print a pairing code")
    new_shop.add_argument("name", nargs="?", default=DEMO_SHOP_NAME)
    new_shop.add_argument("--starter-catalog", action="store_true",
                          help="load the starter catalog of common products")
    new_shop.add_argument("--demo", action="store_true",
                          help="the demo shop: starter catalog plus customers with fiado")
    new_shop.add_argument("--json", action="store_true", help="print the result as JSON")
    code = sub.add_parser("pairing-code", help="print a new pairing code for a shop")
    code.add_argument("tenant_id", type=uuid.UUID)
    cli_cfdi.add_commands(sub)
    plan_cmd = sub.add_parser("plans", help="list the plans, or edit one: plans set ID campo=valor…")
    plan_cmd.add_argument("action", nargs="?", choices=["list", "set"], default="list")
    plan_cmd.add_argument("plan_id", nargs="?")
    plan_cmd.add_argument("changes", nargs="*", metavar="campo=valor")
    backfill = sub.add_parser("billing-backfill",
                              help="list Stripe's recent events and handle any never received")
    backfill.add_argument("--days", type=int, default=3, help="how far back (Stripe keeps 30)")
    sub.add_parser("backup", help="pg_dump the database into MCH_BACKUP_DIR, pruning old dumps")
    back = sub.add_parser("restore", help="load a backup (server stopped; old data kept aside)")
    back.add_argument("file", type=Path)
    jobs_cli.add_commands(sub)
    sub.add_parser("mcp", help="the shop's MCP server over stdio (--key)", add_help=False)
    new_key = sub.add_parser("mcp-key", help="make an MCP key for a shop and print it")
    new_key.add_argument("tenant_id", type=uuid.UUID)
    new_key.add_argument("--name", default="Llave MCP")
    new_key.add_argument("--write", action="store_true", help="let the key make changes")
    if (argv if argv is not None else sys.argv[1:])[:1] == ["mcp"]:
        from sync_server.mcp.stdio import main as mcp_main  # its own arguments and logging

        mcp_main((argv if argv is not None else sys.argv[1:])[1:])
        return
    args = parser.parse_args(argv)

    settings = Settings()
    logs.configure(settings.log_level, settings.log_json)
    if args.command in (None, "serve"):
        host = getattr(args, "host", None) or settings.host
        port = getattr(args, "port", None) or settings.port
        # access_log off: logs.RequestContext writes one JSON line per request, with its id.
        # Forwarded headers are the app's to judge, against MCH_TRUSTED_PROXIES: uvicorn's own
        # proxy handling would believe any local client's X-Forwarded-For. Change-notice streams
        # never end by themselves: a shutdown cuts them after the grace period (their tills
        # reconnect to another replica, or to this one once it is back).
        uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False,
                    proxy_headers=False, server_header=False,
                    timeout_graceful_shutdown=settings.shutdown_grace_s)
    elif args.command == "migrate":
        database = open_database(settings)
        if database.owner_dsn is None:
            parser.error("migrate needs DATABASE_URL: the login that owns the tables")
        try:
            applied = asyncio.run(database.prepare(settings))
        finally:
            database.stop()
        print("aplicadas:", ", ".join(applied) or "ninguna (al día)")
    elif args.command == "create-shop":
        async def create(pool: Pool) -> tuple[shops.Shop, str, str | None]:
            key = None
            if args.demo:
                mp = settings.demo_mercadopago_token, settings.demo_mercadopago_secret
                shop = await create_demo_shop(
                    pool, Integrations.from_settings(pool, settings),
                    (mp[0].get_secret_value(), mp[1].get_secret_value()) if mp[0] and mp[1]
                    else None)
                # The demo's AI apps connect with this (read-only) key: see the README.
                key = (await mcp_keys.create(pool, shop.tenant_id, "Demo"))[1]
            else:
                catalog = load_starter_catalog() if args.starter_catalog else []
                shop = await shops.create_shop(pool, args.name, catalog)
            return shop, str(await shops.create_pairing_code(pool, shop.tenant_id)), key

        shop, pairing, key = asyncio.run(with_pool(settings, create))
        if args.json:
            demo = {"owner_login": DEMO_OWNER_EMAIL, "owner_password": DEMO_OWNER_PASSWORD}
            print(json.dumps({"tenant_id": str(shop.tenant_id), "name": shop.name,
                              "pairing_code": pairing, "mcp_key": key,
                              **(demo if args.demo else {})}))
        else:
            print(f"tienda: {shop.name}\ntenant_id: {shop.tenant_id}\n"
                  f"código de vinculación (válido 10 minutos): {pairing}")
    elif args.command == "pairing-code":
        async def make(pool: Pool) -> str:
            return str(await shops.create_pairing_code(pool, args.tenant_id))

        print(asyncio.run(with_pool(settings, make)))
    elif args.command == "mcp-key":
        async def make_key(pool: Pool) -> str:
            _, token = await mcp_keys.create(pool, args.tenant_id, args.name, can_write=args.write)
            return token

        print(asyncio.run(with_pool(settings, make_key)))
    elif args.command in ("cfdi-global", "cfdi-setup"):
        async def invoicing(pool: Pool) -> list[str]:
            return await cli_cfdi.run(args, settings, pool)

        for line in asyncio.run(with_pool(settings, invoicing)):
            print(line)
    elif args.command == "plans":
        print(asyncio.run(with_pool(settings, lambda pool: billing_cli.plans_command(
            Billing.from_settings(pool, settings), args.action, args.plan_id, args.changes))))
    elif args.command == "billing-backfill":
        print(asyncio.run(with_pool(settings, lambda pool: billing_cli.backfill_command(
            Billing.from_settings(pool, settings), args.days))))
    elif args.command == "jobs":
        async def jobs(pool: Pool) -> tuple[int, str]:
            for_jobs = BillingForJobs(Billing.from_settings(pool, settings))
            engine = engine_from_settings(pool, settings, ChannelMessages(), pay_links=for_jobs,
                                          plans=for_jobs)
            return await jobs_cli.command(engine, pool, args)

        status, text = asyncio.run(with_pool(settings, jobs))
        print(text, file=sys.stderr if status == jobs_cli.USAGE_ERROR else sys.stdout)
        sys.exit(status)
    elif args.command in ("backup", "restore"):
        sys.exit(_backup_or_restore(settings, args.command, getattr(args, "file", None)))


def _backup_or_restore(settings: Settings, command: str, file: Path | None) -> int:
    database = open_database(settings)
    if database.owner_dsn is None:
        print("El respaldo necesita DATABASE_URL: el usuario dueño de las tablas.", file=sys.stderr)
        return 2
    dsn = database.owner_dsn
    try:
        if command == "backup":
            taken = backups.take_backup(dsn, settings.backups_path(), utc_now(),
                                        settings.backup_keep_days, settings.backup_keep_min)
            print(f"respaldo: {taken.path} ({taken.size // 1024} KiB)")
        else:
            assert file is not None
            aside = backups.restore(dsn, file, settings.app_role, utc_now())
            print(f"restaurado {file.name}; los datos de antes quedaron en el esquema {aside}.\n"
                  "Arranca el servidor: las cajas reenviarán lo que falte al sincronizar.")
        return 0
    except backups.BackupError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    finally:
        database.stop()


if __name__ == "__main__":
    main()

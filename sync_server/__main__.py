"""Command line: ``python -m sync_server [serve|migrate|create-shop|pairing-code|plans|
billing-backfill]``."""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import uvicorn

from shared.catalog import load_starter_catalog
from sync_server import db, logs
from sync_server.app import create_app, open_database
from sync_server.config import Settings
from sync_server.db import Pool
from sync_server.services import billing_cli, shops
from sync_server.services.billing_account import Billing
from sync_server.services.demo import (
    DEMO_OWNER_EMAIL,
    DEMO_OWNER_PASSWORD,
    DEMO_SHOP_NAME,
    create_demo_shop,
)
from sync_server.services.integrations import Integrations

T = TypeVar("T")


async def _with_pool(settings: Settings, work: Callable[[Pool], Awaitable[T]]) -> T:
    dsn, embedded = open_database(settings)
    try:
        await db.migrate(dsn)
        pool = await db.create_pool(dsn, settings.app_role, 2)
        try:
            return await work(pool)
        finally:
            await pool.close()
    finally:
        if embedded:
            embedded.stop()


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
    plan_cmd = sub.add_parser("plans", help="list the plans, or edit one: plans set ID campo=valor…")
    plan_cmd.add_argument("action", nargs="?", choices=["list", "set"], default="list")
    plan_cmd.add_argument("plan_id", nargs="?")
    plan_cmd.add_argument("changes", nargs="*", metavar="campo=valor")
    backfill = sub.add_parser("billing-backfill",
                              help="list Stripe's recent events and handle any never received")
    backfill.add_argument("--days", type=int, default=3, help="how far back (Stripe keeps 30)")
    args = parser.parse_args(argv)

    settings = Settings()
    logs.configure(settings.log_level, settings.log_json)
    if args.command in (None, "serve"):
        host = getattr(args, "host", None) or settings.host
        port = getattr(args, "port", None) or settings.port
        uvicorn.run(create_app(settings), host=host, port=port, log_config=None)
    elif args.command == "migrate":
        dsn, embedded = open_database(settings)
        try:
            applied = asyncio.run(db.migrate(dsn))
        finally:
            if embedded:
                embedded.stop()
        print("aplicadas:", ", ".join(applied) or "ninguna (al día)")
    elif args.command == "create-shop":
        async def create(pool: Pool) -> tuple[shops.Shop, str]:
            if args.demo:
                mp = settings.demo_mercadopago_token, settings.demo_mercadopago_secret
                shop = await create_demo_shop(
                    pool, Integrations.from_settings(pool, settings),
                    (mp[0].get_secret_value(), mp[1].get_secret_value()) if mp[0] and mp[1]
                    else None)
            else:
                catalog = load_starter_catalog() if args.starter_catalog else []
                shop = await shops.create_shop(pool, args.name, catalog)
            return shop, str(await shops.create_pairing_code(pool, shop.tenant_id))

        shop, pairing = asyncio.run(_with_pool(settings, create))
        if args.json:
            demo = {"owner_login": DEMO_OWNER_EMAIL, "owner_password": DEMO_OWNER_PASSWORD}
            print(json.dumps({"tenant_id": str(shop.tenant_id), "name": shop.name,
                              "pairing_code": pairing, **(demo if args.demo else {})}))
        else:
            print(f"tienda: {shop.name}\ntenant_id: {shop.tenant_id}\n"
                  f"código de vinculación (válido 10 minutos): {pairing}")
    elif args.command == "pairing-code":
        async def make(pool: Pool) -> str:
            return str(await shops.create_pairing_code(pool, args.tenant_id))

        print(asyncio.run(_with_pool(settings, make)))
    elif args.command == "plans":
        print(asyncio.run(_with_pool(settings, lambda pool: billing_cli.plans_command(
            Billing.from_settings(pool, settings), args.action, args.plan_id, args.changes))))
    elif args.command == "billing-backfill":
        print(asyncio.run(_with_pool(settings, lambda pool: billing_cli.backfill_command(
            Billing.from_settings(pool, settings), args.days))))


if __name__ == "__main__":
    main()

"""Command-line invoicing: ``cfdi-global`` issues and stamps the factura global of closed
periods now (what the worker does every few minutes), ``cfdi-setup`` gives a shop its fiscal
data, CSD and PAC from files (operators, and the demo with its self-made CSD and fake PAC)."""

from __future__ import annotations

import argparse
import uuid
from datetime import date
from pathlib import Path

from shared.errors import DomainError
from shared.spanish import count
from sync_server import db
from sync_server.cfdi.tickets import period_of
from sync_server.config import Settings
from sync_server.repositories import Pool, invoices
from sync_server.services import fiscal, global_invoice
from sync_server.services.fiscal import CfdiContext
from sync_server.services.invoice_worker import InvoiceWorker


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    glob = sub.add_parser("cfdi-global", help="issue and stamp the factura global of closed periods")
    glob.add_argument("--tenant", type=uuid.UUID, help="only this shop (default: every one)")
    glob.add_argument("--period", type=date.fromisoformat,
                      help="a day of the period to issue (with --tenant), even if tills are missing")
    setup = sub.add_parser("cfdi-setup", help="a shop's fiscal data, CSD and PAC")
    setup.add_argument("tenant", type=uuid.UUID)
    setup.add_argument("--rfc")
    setup.add_argument("--name")
    setup.add_argument("--regime")
    setup.add_argument("--postal-code")
    setup.add_argument("--series", default="F")
    setup.add_argument("--cer", type=Path, help="the CSD's .cer file")
    setup.add_argument("--key", type=Path, help="the CSD's .key file")
    setup.add_argument("--password-file", type=Path, help="a file holding the key's password")
    setup.add_argument("--pac-user")
    setup.add_argument("--pac-password-file", type=Path)
    setup.add_argument("--pac-host", help="another host speaking the PAC's protocol (test only)")
    setup.add_argument("--pac-production", action="store_true")


async def run(args: argparse.Namespace, settings: Settings, pool: Pool) -> list[str]:
    """Run one of the commands; returns the lines to print (Spanish)."""
    ctx = CfdiContext.from_settings(pool, settings)
    if args.command == "cfdi-setup":
        return await _setup(ctx, args)
    out = []
    if args.tenant is None:
        async with db.unscoped_tx(pool) as conn:
            tenants = await invoices.invoicing_tenants(conn)
    else:
        tenants = [args.tenant]
    for tenant_id in tenants:
        try:
            if args.period is not None:
                issuing = await fiscal.issuing(ctx, tenant_id)
                period = period_of(args.period, issuing.preferences.periodicity)
                missing = await global_invoice.missing_tills(ctx, tenant_id, period, issuing)
                await global_invoice.accept_missing(ctx, tenant_id, period,
                                                    [t.device_id for t in missing])
                outcomes = [await global_invoice.issue_global(ctx, tenant_id, period,
                                                              requested_by="owner")]
            else:
                outcomes = await global_invoice.due_globals(ctx, tenant_id)
        except DomainError as exc:
            out.append(f"{tenant_id}: {exc.message}")
            continue
        for o in outcomes:
            if o.state == "waiting":
                names = ", ".join(t.name for t in o.missing)
                out.append(f"{tenant_id} {o.period.label()}: espera a que sincronicen: {names}")
            elif o.state == "issued":
                out.append(f"{tenant_id} {o.period.label()}: factura global con {count(o.sales, 'venta')}")
    worker = InvoiceWorker(ctx)
    while await worker.run_once():
        pass
    return out or ["nada que facturar"]


async def _setup(ctx: CfdiContext, args: argparse.Namespace) -> list[str]:
    out = []
    if args.rfc:
        await fiscal.save_profile(ctx, args.tenant, rfc=args.rfc, name=args.name or "",
                                  regime=args.regime or "", postal_code=args.postal_code or "",
                                  series=args.series)
        out.append("datos fiscales guardados")
    if args.cer and args.key and args.password_file:
        info = await fiscal.save_csd(ctx, args.tenant, args.cer.read_bytes(), args.key.read_bytes(),
                                     args.password_file.read_text().strip())
        out.append(f"CSD {info.number} de {info.rfc}, vigente hasta {info.valid_until:%d/%m/%Y}")
    if args.pac_user:
        password = args.pac_password_file.read_text().strip() if args.pac_password_file else None
        await fiscal.save_pac(ctx, args.tenant, username=args.pac_user, password=password,
                              production=args.pac_production, host=args.pac_host)
        out.append("PAC guardado")
    return out

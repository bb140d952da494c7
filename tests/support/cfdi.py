"""Invoicing tests' shop: fiscal data, a self-made CSD and the fake PAC set up through the real
use cases, a paired till pushing sales through the real push, and the pieces to look inside.

``sale`` builds a sale as a till sends it (any rates, IEPS, weights, discounts, payments);
sales with a ``sold_at`` in the past are how tests make a closed period.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shared.clock import utc_now
from shared.ids import new_uuid7
from shared.quantity import value_of
from shared.sync.envelopes import Change
from sync_server.cfdi.tickets import Periodicity
from sync_server.integrations.vault import Vault
from sync_server.repositories import Pool
from sync_server.services import device_sync, fiscal, invoicing, shops
from sync_server.services.credentials import DeviceCredential, parse_credential
from sync_server.services.fiscal import CfdiContext
from sync_server.services.integrations import Integrations
from tests.support.fakes.csd import MadeCsd
from tests.support.fakes.pac import FakePac
from tests.support.wire_changes import TillChanges

ISSUER_CP = "76028"
MX = ZoneInfo("America/Mexico_City")


@dataclass(frozen=True)
class Item:
    """A line as the cashier rang it: name, quantity (thousandths), unit price, discount."""

    name: str
    unit_price: int
    qty_milli: int = 1000
    iva: str = "16"
    ieps_bp: int = 0
    discount: int = 0
    product_id: uuid.UUID | None = None

    @property
    def total(self) -> int:
        return value_of(self.qty_milli, self.unit_price) - self.discount


@dataclass
class Clock:
    """A clock tests move by hand."""

    now: datetime = field(default_factory=utc_now)

    def __call__(self) -> datetime:
        return self.now


def sale(till: TillChanges, items: Sequence[Item], payments: Sequence[tuple[str, int]] | None = None,
         *, sold_at: datetime | None = None, customer_id: uuid.UUID | None = None,
         sale_id: uuid.UUID | None = None) -> Change:
    """A sale change exactly as a till sends it (payments default to exact cash)."""
    total = sum(i.total for i in items)
    paid = payments or [("efectivo", total)]
    till.folio += 1
    payload: dict[str, Any] = {
        "id": sale_id or new_uuid7(), "folio": f"{till.code}-{till.folio:06d}",
        "sold_at": (sold_at or utc_now()).isoformat(), "total": total, "change": 0,
        "lines": [{"line_no": n, "product_id": i.product_id, "name": i.name, "qty_milli": i.qty_milli,
                   "unit_price": i.unit_price, "total": i.total, "iva": i.iva,
                   "ieps_bp": i.ieps_bp, "discount": i.discount}
                  for n, i in enumerate(items, start=1)],
        "payments": [{"method": m, "amount": a, "tendered": a} for m, a in paid],
        "customer_id": customer_id}
    return till.change("sale", payload)


def sale_id_of(change: Change) -> uuid.UUID:
    sid: uuid.UUID = change.payload.id  # type: ignore[attr-defined]
    return sid


@dataclass
class InvoicingShop:
    """A shop that invoices, one paired till, and what the tests need to drive them."""

    ctx: CfdiContext
    tenant_id: uuid.UUID
    cred: DeviceCredential
    till: TillChanges
    pac: FakePac
    clock: Clock

    async def push(self, *changes: Change) -> None:
        applied = await device_sync.push(self.ctx.pool, self.cred, list(changes))
        assert all(r.status == "accepted" for r in applied.results), applied.results

    async def pulled(self) -> None:
        """The till pulls: it has pushed everything it had (the global waits for this)."""
        await device_sync.pull(self.ctx.pool, self.cred, 0, 1, False)


async def invoicing_shop(pool: Pool, settings: Any, csd: MadeCsd, pac: FakePac,
                         clock: Clock | None = None,
                         integrations: Integrations | None = None) -> InvoicingShop:
    """``integrations``: a running server's (its vault's key), for a shop that server serves."""
    shop = await shops.create_shop(pool, "Abarrotes La Esperanza")
    return await shop_invoices(pool, settings, shop.tenant_id, csd, pac, clock, integrations)


async def shop_invoices(pool: Pool, settings: Any, tenant_id: uuid.UUID, csd: MadeCsd,
                        pac: FakePac, clock: Clock | None = None,
                        integrations: Integrations | None = None) -> InvoicingShop:
    """An existing shop (the demo's) set up to invoice, with a new paired till."""
    clock = clock or Clock()
    ctx = CfdiContext(pool, settings, integrations or Integrations(pool, Vault([Vault.new_key()])),
                      clock=clock)
    code = await shops.create_pairing_code(pool, tenant_id)
    paired = await shops.pair_device(pool, settings, code.code, "Caja 1", "10.0.0.1")
    cred = parse_credential(paired.credential)
    assert cred is not None
    await fiscal.save_profile(ctx, tenant_id, rfc=csd.rfc, name=csd.name, regime="601",
                              postal_code=ISSUER_CP, series="F")
    await fiscal.save_csd(ctx, tenant_id, csd.certificate, csd.key, csd.password)
    await fiscal.save_pac(ctx, tenant_id, username=pac.username, password=pac.password,
                          production=False, host=pac.url)
    return InvoicingShop(ctx, tenant_id, cred, TillChanges(paired.device_code), pac, clock)


async def drain(ctx: CfdiContext, rounds: int = 20) -> int:
    """Run the invoicing worker's passes until nothing is left to do; how many were handled."""
    from sync_server.services.invoice_worker import InvoiceWorker

    worker, total = InvoiceWorker(ctx), 0
    for _ in range(rounds):
        handled = await worker.run_once()
        if not handled:
            return total
        total += handled
    raise AssertionError("the invoicing worker never ran out of work")


async def documents(ctx: CfdiContext, tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> Any:
    """The invoice's stamped CFDI, parsed (its XML validated against SAT's XSDs again)."""
    from sync_server import db
    from sync_server.cfdi.xsd import check_xml
    from sync_server.repositories import invoices

    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        found = await invoices.documents(conn, tenant_id, invoice_id)
    assert found is not None
    assert found[1] is not None, "not stamped"
    return check_xml(found[1])


async def rows(ctx: CfdiContext, tenant_id: uuid.UUID) -> list[Any]:
    """Every invoice of the shop (the repository's rows), oldest first."""
    from datetime import timedelta

    from sync_server import db
    from sync_server.repositories import invoices

    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        return await invoices.list_between(conn, tenant_id, ctx.clock() - timedelta(days=400),
                                           ctx.clock() + timedelta(days=400))


def abono(till: TillChanges, customer_id: uuid.UUID, amount: int,
          method: str = "efectivo") -> Change:
    """An abono to a customer's fiado account, as a till sends it."""
    return till.change("fiado_payment", {"id": new_uuid7(), "customer_id": customer_id,
                                         "amount": amount, "method": method,
                                         "paid_at": utc_now().isoformat()})


async def ppd_invoice(shop: InvoicingShop, receptor: Any, amount: int = 10_000
                      ) -> tuple[uuid.UUID, Any]:
    """A sale put whole on a new customer's fiado, pushed and invoiced at the counter (PPD/99,
    stamped): (the customer's id, the invoice as the use case answers it)."""
    from sync_server.services import invoicing

    customer = new_uuid7()
    change = sale(shop.till, [Item("Despensa", amount)], [("fiado", amount)], customer_id=customer)
    await shop.push(shop.till.customer("Ingrid", customer_id=customer), change,
                    shop.till.change("fiado_charge", {
                        "id": new_uuid7(), "customer_id": customer, "amount": amount,
                        "sale_id": sale_id_of(change), "charged_at": utc_now().isoformat()}))
    invoice = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(change),
                                             receptor, requested_by="counter", wait_s=5)
    assert invoice.stamped
    return customer, invoice


def complement_parts(doc: Any) -> list[tuple[str, int, Any, Any, Any]]:
    """A payment complement's parts: (invoice UUID, NumParcialidad, ImpSaldoAnt, ImpPagado,
    ImpSaldoInsoluto)."""
    return [(str(d["IdDocumento"]), d["NumParcialidad"], d["ImpSaldoAnt"], d["ImpPagado"],
             d["ImpSaldoInsoluto"])
            for p in doc["Complemento"]["Pagos"]["Pago"] for d in p["DoctoRelacionado"]]


async def a_day_waiting_and_one_refused(shop: InvoicingShop, receptor: Any
                                        ) -> tuple[uuid.UUID, uuid.UUID]:
    """A shop on daily globals with yesterday's sale waiting for its global, today one ticket
    invoiced (stamped) and one the PAC refused; returns (stamped sale, refused sale)."""
    await fiscal.save_preferences(shop.ctx, shop.tenant_id,
                                  fiscal.Preferences(periodicity=Periodicity.DAILY))
    yesterday = datetime.now(MX).replace(hour=12) - timedelta(days=1)
    await shop.push(sale(shop.till, [Item("Pan", 500)], sold_at=yesterday.astimezone(UTC)))
    good = sale(shop.till, [Item("Refresco", 1800)])
    bad = sale(shop.till, [Item("Aceite", 4500)])
    await shop.push(good, bad)
    await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(good), receptor,
                                   requested_by="customer", wait_s=5)
    shop.pac.next_answers(("CFDI40102", "El resultado de la digestión no coincide"))
    await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(bad), receptor,
                                   requested_by="customer", wait_s=5)
    return sale_id_of(good), sale_id_of(bad)

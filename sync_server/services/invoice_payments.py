"""Payment complements (CFDI tipo P, Pagos 2.0) for fiado sales invoiced PPD: one for what a
mixed sale paid at the counter, and one for each abono that pays them (the oldest debt first,
as the shop's statement reads it). Each (payment, invoice) goes on a complement once: the
primary key of ``invoice_payments`` refuses a second, so two replicas cannot double one.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.fiscal import USO_PAGOS, Receptor, forma_de_pago, main_forma
from shared.ids import new_uuid7
from shared.sale import PaymentMethod
from shared.tax import TaxSplit
from sync_server import db
from sync_server.cfdi import build
from sync_server.cfdi.documents import Signed
from sync_server.cfdi.payments import Abono, Debt, allocate
from sync_server.cfdi.places import zone_of
from sync_server.repositories import invoice_payments as repo
from sync_server.repositories import invoices
from sync_server.repositories.invoice_payments import OpenPpd
from sync_server.services import fiscal
from sync_server.services.fiscal import CfdiContext, Issuing
from sync_server.services.invoice_records import off_the_loop, record

log = logging.getLogger(__name__)


@dataclass
class _Plan:
    payment_id: uuid.UUID
    at: datetime
    forma: str
    parts: list[tuple[OpenPpd, int]] = field(default_factory=list)


async def issue_payment_receipts(ctx: CfdiContext, tenant_id: uuid.UUID,
                                 issuing: Issuing | None = None) -> int:
    """Sign the complements due (pending: the worker stamps them); returns how many."""
    issuing = issuing or await fiscal.issuing(ctx, tenant_id)
    made = 0
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"cfdi-rep:{tenant_id}")
        await _cancel_given_back(conn, tenant_id)
        owed = await repo.open_ppd(conn, tenant_id)
        if not owed:
            return 0
        done = await repo.recorded(conn, tenant_id, [o.invoice_id for o in owed])
        plans = _at_counter(owed, done, await repo.paid_at_sale(conn, tenant_id,
                                                                [o.sale_id for o in owed]),
                            issuing.preferences.card_forma)
        for customer in {o.customer_id for o in owed if o.customer_id}:
            plans += await _abonos(conn, tenant_id, customer, owed, done,
                                   issuing.preferences.card_forma)
        state = {o.invoice_id: (o.paid, o.installments) for o in owed}
        for plan in sorted(plans, key=lambda p: (p.at, p.payment_id)):
            for rfc in {o.receptor[0] for o, _ in plan.parts}:  # one complement per receptor
                parts = [(o, a) for o, a in plan.parts if o.receptor[0] == rfc]
                made += await _issue(ctx, conn, tenant_id, issuing, plan, parts, state)
    return made


async def _cancel_given_back(conn: db.Connection, tenant_id: uuid.UUID) -> None:
    """An abono given back online (refund, chargeback) after its complement was stamped: the
    complement is cancelled (02); once it is, its payment is freed and what is left of the
    abono, if anything, goes on a new one with the invoice's balance as it now is."""
    for receipt_id in await repo.given_back(conn, tenant_id):
        await invoices.request_cancel(conn, tenant_id, receipt_id, "02", None)
        log.info("payment complement of an abono given back: cancellation asked",
                 extra={"tenant_id": str(tenant_id), "invoice_id": str(receipt_id)})


def _at_counter(owed: Sequence[OpenPpd], done: Sequence[tuple[uuid.UUID, uuid.UUID, int]],
                paid: dict[uuid.UUID, dict[str, int]], card_forma: str) -> list[_Plan]:
    """What a sale put partly on fiado paid at the counter (cash, card…), paid when sold."""
    recorded = {(p, i) for p, i, _ in done}
    plans = []
    for o in owed:
        methods = {PaymentMethod(m): a for m, a in paid.get(o.sale_id, {}).items()}
        if methods and (o.sale_id, o.invoice_id) not in recorded:
            plans.append(_Plan(o.sale_id, o.sold_at, main_forma(methods, card_forma),
                               [(o, sum(methods.values()))]))
    return plans


async def _abonos(conn: db.Connection, tenant_id: uuid.UUID, customer: uuid.UUID,
                  owed: Sequence[OpenPpd], done: Sequence[tuple[uuid.UUID, uuid.UUID, int]],
                  card_forma: str) -> list[_Plan]:
    mine = {o.sale_id: o for o in owed if o.customer_id == customer}
    by_invoice = {o.invoice_id: o.sale_id for o in owed}
    debts = [Debt(sale, amount, at, key) for key, sale, amount, at in
             await repo.debts(conn, tenant_id, customer)]
    paid = await repo.abonos(conn, tenant_id, customer)
    methods = {pid: (method, at) for pid, _, method, at in paid}
    recorded: dict[tuple[uuid.UUID, uuid.UUID], int] = {}
    for payment, invoice, amount in done:
        sale = by_invoice.get(invoice)
        if sale is not None and payment in methods:  # abonos only: not what paid at the counter
            recorded[(payment, sale)] = recorded.get((payment, sale), 0) + amount
    plans: dict[uuid.UUID, _Plan] = {}
    for payment, sale, amount in allocate(debts, [Abono(p, a, at) for p, a, _, at in paid],
                                          recorded):
        if sale not in mine:  # paid a debt nobody invoiced (yet)
            continue
        method, at = methods[payment]
        plan = plans.setdefault(payment, _Plan(payment, at, forma_de_pago(PaymentMethod(method),
                                                                           card_forma)))
        plan.parts.append((mine[sale], amount))
    return list(plans.values())


async def _issue(ctx: CfdiContext, conn: db.Connection, tenant_id: uuid.UUID, issuing: Issuing,
                 plan: _Plan, parts: list[tuple[OpenPpd, int]],
                 state: dict[uuid.UUID, tuple[int, int]]) -> int:
    lines, applications = [], []
    receipt_id = new_uuid7()
    for o, amount in parts:
        paid, n = state[o.invoice_id]
        amount = min(amount, o.total - paid)
        if amount <= 0:
            continue
        lines.append(build.Paid(o.stamped_xml, n + 1, o.total - paid, amount))
        applications.append((plan.payment_id, o.invoice_id, receipt_id, n + 1, o.total - paid,
                             amount))
        state[o.invoice_id] = (paid + amount, n + 1)
    if not lines:
        return 0
    profile = issuing.profile
    series = profile.series_for("payment")
    folio = await invoices.next_folio(conn, tenant_id, series)
    zone = zone_of(profile.postal_code)
    now = ctx.clock().astimezone(zone)

    def sign() -> bytes:
        doc = build.payment(lines, paid_at=plan.at.astimezone(zone), forma_pago=plan.forma,
                            serie=series, folio=str(folio), fecha=now)
        return build.sign(doc, issuing.signer)

    xml = await off_the_loop(sign)
    total = sum(p.amount for p in lines)
    rfc, name, cp, regime = parts[0][0].receptor
    await record(conn, tenant_id, invoice_id=receipt_id, kind="payment", series=series,
                 folio=folio, receptor=Receptor(rfc, name, cp, regime, USO_PAGOS),
                 signed=Signed(xml, now, TaxSplit(total, total, 0, 0), plan.forma, None, [], {}),
                 requested_by="schedule")
    await repo.insert(conn, tenant_id, applications)
    log.info("payment complement signed", extra={"tenant_id": str(tenant_id),
                                                 "invoice_id": str(receipt_id)})
    return 1


async def replace_receipt(ctx: CfdiContext, conn: db.Connection, tenant_id: uuid.UUID,
                          old: invoices.InvoiceRow, issuing: Issuing) -> uuid.UUID:
    """Motive 01 on a complement while its payment stands: the replacement (same payment, same
    parts, relation 04 to the old UUID, the shop's data as it is now) is signed and takes the
    payments over; the worker stamps it, then cancels the old one naming it. Inside the
    caller's transaction, which holds the old row."""
    applied = await repo.applied_by(conn, tenant_id, old.invoice_id)
    assert applied, "a stamped complement applies some payment"
    xmls = await invoices.documents(conn, tenant_id, old.invoice_id)
    assert xmls is not None
    assert xmls[1] is not None
    paid_at, forma, (rfc, name, cp, regime) = build.payment_facts(xmls[1])
    profile = issuing.profile
    series = profile.series_for("payment")
    folio = await invoices.next_folio(conn, tenant_id, series)
    zone = zone_of(profile.postal_code)
    now = ctx.clock().astimezone(zone)
    lines = [build.Paid(a.invoice_xml, a.installment, a.balance_before, a.amount) for a in applied]

    def sign() -> bytes:
        doc = build.payment(lines, paid_at=paid_at, forma_pago=forma, serie=series,
                            folio=str(folio), fecha=now, replaces=[old.cfdi_uuid or ""])
        return build.sign(doc, issuing.signer)

    xml = await off_the_loop(sign)
    total = sum(a.amount for a in applied)
    receipt_id = new_uuid7()
    await record(conn, tenant_id, invoice_id=receipt_id, kind="payment", series=series,
                 folio=folio, receptor=Receptor(rfc, name, cp, regime, USO_PAGOS),
                 signed=Signed(xml, now, TaxSplit(total, total, 0, 0), forma, None, [], {}),
                 requested_by="owner", replaces=old.invoice_id)
    await repo.move(conn, tenant_id, old.invoice_id, receipt_id)
    log.info("payment complement replacement signed", extra={
        "tenant_id": str(tenant_id), "invoice_id": str(receipt_id), "replaces": str(old.invoice_id)})
    return receipt_id

"""Credit notes (CFDI de egreso) for returns after the sale's CFDI was stamped: related to it by
TipoRelacion 01, the returned lines' amounts and taxes to the centavo, valid against SAT's XSD,
stamped once through the same PAC even when it is down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from shared.clock import utc_now
from shared.fiscal import check_receptor
from shared.ids import new_uuid7
from shared.tax import IvaRate, split_included
from sync_server.cfdi.tickets import Periodicity
from sync_server.services import (
    cancellation,
    credit_notes,
    fiscal,
    global_invoice,
    invoice_files,
    invoicing,
)
from sync_server.services.credit_notes import NoteNotHeld
from tests.support.cfdi import Item, documents, drain, rows, sale, sale_id_of

pytestmark = pytest.mark.anyio

MX = ZoneInfo("America/Mexico_City")
CUSTOMER = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G03")
PUBLIC_CUSTOMER = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "605", "S01")


async def _stamped_note(shop):
    """A sale invoiced to the customer and its credit note for a return, both stamped."""
    change = sale(shop.till, [Item("Aceite", 4500), Item("Arroz", 3000)])
    await shop.push(change)
    original = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(change),
                                              CUSTOMER, requested_by="customer", wait_s=5)
    await shop.push(_return(shop, change, [(2, 1000, 3000)]))
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 1
    await drain(shop.ctx)
    [note] = _credits(await rows(shop.ctx, shop.tenant_id))
    return original, note


def _return(shop, change, lines, *, method="efectivo", to_account=0):
    """A return as a till sends it: ``lines`` are (line_no, qty_milli, amount)."""
    amount = sum(a for _, _, a in lines)
    return shop.till.change("sale_return", {
        "id": new_uuid7(), "sale_id": sale_id_of(change), "amount": amount,
        "refund_method": method, "reason": "No le gustó", "returned_at": utc_now().isoformat(),
        "refund_to_account": to_account,
        "lines": [{"line_no": n, "product_id": None, "qty_milli": q, "amount": a}
                  for n, q, a in lines]})


def _expected(items, lines):
    """Total, IVA and IEPS of returned lines: each line's own split, as the IVA report has it."""
    total = iva = ieps = 0
    for n, _, amount in lines:
        item = items[n - 1]
        s = split_included(amount, IvaRate(item.iva), item.ieps_bp)
        total, iva, ieps = total + s.total, iva + s.iva, ieps + s.ieps
    return total, iva, ieps


def _taxes(doc) -> tuple[Decimal, Decimal]:
    iva = ieps = Decimal(0)
    for t in doc["Impuestos"]["Traslados"].values():
        if t["Impuesto"] == "002":
            iva += t.get("Importe") or 0
        elif t["Impuesto"] == "003":
            ieps += t["Importe"]
    return iva, ieps


def _related(doc) -> list[str]:
    return [str(u).upper() for u in doc["CfdiRelacionados"][0]["CfdiRelacionado"]]


def _credits(all_rows):
    return [r for r in all_rows if r.kind == "credit"]


async def test_a_return_after_the_customers_invoice_gets_a_credit_note_to_the_centavo(shop):
    items = [Item("Refresco 600 ml", 1800, 3000), Item("Papas", 1750, 2000, ieps_bp=800),
             Item("Jamón", 18990, 455), Item("Tortilla", 2200, 1000, iva="0"),
             Item("Libro", 12000, iva="exento")]
    change = sale(shop.till, items, [("efectivo", sum(i.total for i in items))])
    await shop.push(change)
    original = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(change),
                                              CUSTOMER, requested_by="customer", wait_s=5)
    assert original.stamped
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 0  # nothing back

    returned = [(1, 1000, 1800), (2, 1000, 1750), (3, 200, 3798), (5, 1000, 12000)]
    await shop.push(_return(shop, change, returned))
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 1
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 0  # once
    await drain(shop.ctx)

    [note] = _credits(await rows(shop.ctx, shop.tenant_id))
    assert (note.status, note.series, note.credits) == ("stamped", "FE", original.invoice_id)
    doc = await documents(shop.ctx, shop.tenant_id, note.invoice_id)  # XSD-valid, stamped
    assert doc["TipoDeComprobante"] == "E"
    assert doc["CfdiRelacionados"][0]["TipoRelacion"] == "01"
    assert _related(doc) == [str(original.uuid).upper()]
    assert (doc["Receptor"]["Rfc"], doc["Receptor"]["UsoCFDI"]) == ("XOJI740919U48", "G02")
    assert (doc["MetodoPago"], doc["FormaPago"]) == ("PUE", "01")
    total, iva, ieps = _expected(items, returned)
    assert doc["Total"] == Decimal(total) / 100 == Decimal(note.total) / 100
    assert _taxes(doc) == (Decimal(iva) / 100, Decimal(ieps) / 100)
    assert (note.iva, note.ieps) == (iva, ieps)
    assert len(doc["Conceptos"]) == len(returned)
    assert doc["Conceptos"][2]["ClaveUnidad"] == "H87"

    # Listed in the month's invoices and in the accountant's ZIP.
    now = datetime.now(MX)
    listed = await invoice_files.list_invoices(shop.ctx, shop.tenant_id, now.year, now.month)
    assert note.invoice_id in [v.invoice_id for v in listed.issued]
    zipped = await invoice_files.month_zip(shop.ctx, shop.tenant_id, now.year, now.month)
    assert f"xml/FE-1_{note.cfdi_uuid}.xml".encode() in zipped


async def test_a_return_before_the_invoice_is_in_it_and_gets_no_note(shop):
    items = [Item("Refresco", 1800, 2000), Item("Galletas", 1500)]
    change = sale(shop.till, items)
    await shop.push(change, _return(shop, change, [(2, 1000, 1500)]))
    got = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(change), CUSTOMER,
                                         requested_by="counter", wait_s=5)
    assert got.stamped
    assert got.total == 3600
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 0
    await shop.push(_return(shop, change, [(1, 1000, 1800)]))  # this one came after
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 1
    [note] = _credits(await rows(shop.ctx, shop.tenant_id))
    assert note.total == 1800


async def test_a_refund_by_card_keeps_the_card_kind_and_one_to_the_account_compensates(shop):
    change = sale(shop.till, [Item("Aceite", 4500), Item("Arroz", 3000)], [("tarjeta", 7500)])
    await shop.push(change)
    card = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G01")
    got = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(change), card,
                                         requested_by="customer", card_forma="28", wait_s=5)
    assert got.stamped
    customer = new_uuid7()
    on_fiado = sale(shop.till, [Item("Despensa", 10_000)], [("fiado", 10_000)],
                    customer_id=customer)
    await shop.push(shop.till.customer("Ingrid", customer_id=customer), on_fiado,
                    shop.till.change("fiado_charge", {
                        "id": new_uuid7(), "customer_id": customer, "amount": 10_000,
                        "sale_id": sale_id_of(on_fiado), "charged_at": utc_now().isoformat()}))
    ppd = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(on_fiado), card,
                                         requested_by="counter", wait_s=5)
    assert ppd.stamped
    await shop.push(_return(shop, change, [(1, 1000, 4500)], method="tarjeta"))
    await shop.push(_return(shop, on_fiado, [(1, 400, 4000)], method="fiado", to_account=4000))
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 2
    await drain(shop.ctx)
    formas = []
    for note in _credits(await rows(shop.ctx, shop.tenant_id)):
        formas.append((await documents(shop.ctx, shop.tenant_id, note.invoice_id))["FormaPago"])
    assert formas == ["28", "17"]  # the card the customer named; compensación of the debt


def _yesterday_at(hour: int) -> datetime:
    day = datetime.now(MX).date() - timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=MX).astimezone(UTC)


async def test_a_return_after_a_stamped_global_gets_a_note_to_the_public_once_under_a_pac_outage(shop):
    await fiscal.save_preferences(shop.ctx, shop.tenant_id,
                                  fiscal.Preferences(periodicity=Periodicity.DAILY))
    items = [Item("Cerveza", 2300, 6000, ieps_bp=2650), Item("Pan", 4000, iva="0")]
    before = sale(shop.till, [Item("Leche", 2800, iva="0"), Item("Chocolate", 1500)],
                  sold_at=_yesterday_at(9))
    change = sale(shop.till, items, sold_at=_yesterday_at(10))
    await shop.push(before, change, _return(shop, before, [(2, 1000, 1500)]))
    await shop.pulled()
    [issued] = await global_invoice.due_globals(shop.ctx, shop.tenant_id)
    await drain(shop.ctx)
    [g] = [r for r in await rows(shop.ctx, shop.tenant_id) if r.kind == "global"]
    assert g.status == "stamped"
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 0  # net already

    returned = [(1, 2000, 4600), (2, 1000, 4000)]
    await shop.push(_return(shop, change, returned))
    shop.pac.next_answers("down", "down")
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 1
    await drain(shop.ctx)  # down twice, then stamped
    [note] = _credits(await rows(shop.ctx, shop.tenant_id))
    assert (note.status, note.attempts, note.credits) == ("stamped", 3, issued.invoice_id)
    assert len(shop.pac.stamped_for("FE", "1")) == 1
    doc = await documents(shop.ctx, shop.tenant_id, note.invoice_id)
    assert (doc["Receptor"]["Rfc"], doc["Receptor"]["UsoCFDI"]) == ("XAXX010101000", "S01")
    assert doc["InformacionGlobal"]["Periodicidad"] == "01"
    assert _related(doc) == [str(g.cfdi_uuid).upper()]
    assert {c["NoIdentificacion"] for c in doc["Conceptos"]} == {change.payload.folio}  # type: ignore[attr-defined]
    total, iva, ieps = _expected(items, returned)
    assert (doc["Total"], _taxes(doc)) == (Decimal(total) / 100,
                                           (Decimal(iva) / 100, Decimal(ieps) / 100))
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 0


async def test_a_ticket_invoiced_by_its_customer_after_the_global_gets_no_note_for_earlier_returns(shop):
    """Motive 04: the customer's invoice is built net of the returns already made."""
    await fiscal.save_preferences(shop.ctx, shop.tenant_id,
                                  fiscal.Preferences(periodicity=Periodicity.DAILY))
    change = sale(shop.till, [Item("Atún", 2500), Item("Mayonesa", 3900)], sold_at=_yesterday_at(11))
    await shop.push(change)
    await shop.pulled()
    await global_invoice.due_globals(shop.ctx, shop.tenant_id)
    await drain(shop.ctx)
    await shop.push(_return(shop, change, [(1, 1000, 2500)]))
    await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(change), PUBLIC_CUSTOMER,
                                   requested_by="customer")
    await drain(shop.ctx)  # the global is cancelled (04), then the customer's invoice stamped
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 0
    mine = [r for r in await rows(shop.ctx, shop.tenant_id) if r.kind == "ticket"]
    assert [(r.status, r.total) for r in mine] == [("stamped", 3900)]


async def test_cancelling_an_invoice_cancels_its_credit_notes_first_and_the_replacement_nets_it(shop):

    items = [Item("Aceite", 4500), Item("Arroz", 3000)]
    change = sale(shop.till, items)
    await shop.push(change)
    original = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(change),
                                              CUSTOMER, requested_by="customer", wait_s=5)
    await shop.push(_return(shop, change, [(2, 1000, 3000)]))
    await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id)
    await drain(shop.ctx)
    [note] = _credits(await rows(shop.ctx, shop.tenant_id))
    assert note.status == "stamped"

    fixed = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G01")
    replacement = await cancellation.cancel_invoice(shop.ctx, shop.tenant_id,
                                                    original.invoice_id, "01", fixed)
    await drain(shop.ctx)
    by_id = {r.invoice_id: r for r in await rows(shop.ctx, shop.tenant_id)}
    old, new, note = (by_id[original.invoice_id], by_id[replacement.invoice_id],
                      by_id[note.invoice_id])
    assert (note.cancel_status, note.cancel_motive) == ("cancelled", "02")
    assert old.cancel_status == "cancelled"
    assert note.cancelled_at <= old.cancelled_at  # SAT cancels no CFDI with related ones in force
    assert (new.status, new.total) == ("stamped", 4500)  # net of the return
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 0


async def test_motive_04_cancels_the_globals_credit_notes_first_and_the_new_global_nets_the_return(shop):
    await fiscal.save_preferences(shop.ctx, shop.tenant_id,
                                  fiscal.Preferences(periodicity=Periodicity.DAILY))
    returned = sale(shop.till, [Item("Leche", 2800, iva="0"), Item("Galletas", 1500)],
                    sold_at=_yesterday_at(9))
    claimed = sale(shop.till, [Item("Atún", 2500)], sold_at=_yesterday_at(10))
    await shop.push(returned, claimed)
    await shop.pulled()
    [first] = await global_invoice.due_globals(shop.ctx, shop.tenant_id)
    await drain(shop.ctx)
    await shop.push(_return(shop, returned, [(2, 1000, 1500)]))
    await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id)
    await drain(shop.ctx)
    [note] = _credits(await rows(shop.ctx, shop.tenant_id))
    assert (note.status, note.credits) == ("stamped", first.invoice_id)

    await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(claimed),
                                   PUBLIC_CUSTOMER, requested_by="customer")
    await drain(shop.ctx)
    by_id = {r.invoice_id: r for r in await rows(shop.ctx, shop.tenant_id)}
    old, note = by_id[first.invoice_id], by_id[note.invoice_id]
    assert (old.cancel_status, old.cancel_motive) == ("cancelled", "04")
    assert note.cancel_status == "cancelled"
    assert note.cancelled_at <= old.cancelled_at
    [new_global] = [r for r in by_id.values() if r.kind == "global" and r.invoice_id != old.invoice_id]
    assert (new_global.status, new_global.total) == ("stamped", 2800)  # the leche, net of the return
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 0


async def test_a_credit_note_lowers_what_the_payment_complements_say_is_owed(shop):
    from sync_server.services.invoice_worker import InvoiceWorker

    customer = new_uuid7()
    on_fiado = sale(shop.till, [Item("Despensa", 6_000), Item("Jabón", 4_000)],
                    [("fiado", 10_000)], customer_id=customer)
    await shop.push(shop.till.customer("Ingrid", customer_id=customer), on_fiado,
                    shop.till.change("fiado_charge", {
                        "id": new_uuid7(), "customer_id": customer, "amount": 10_000,
                        "sale_id": sale_id_of(on_fiado), "charged_at": utc_now().isoformat()}))
    ppd = await invoicing.invoice_ticket(shop.ctx, shop.tenant_id, sale_id_of(on_fiado),
                                         CUSTOMER, requested_by="counter", wait_s=5)
    assert ppd.stamped
    await shop.push(_return(shop, on_fiado, [(2, 1000, 4_000)], method="fiado", to_account=4_000),
                    shop.till.change("fiado_payment", {
                        "id": new_uuid7(), "customer_id": customer, "amount": 6_000,
                        "method": "efectivo", "paid_at": utc_now().isoformat()}))
    await InvoiceWorker(shop.ctx).schedule_pass()  # the credit note first, then the complement
    await drain(shop.ctx)
    [rep] = [r for r in await rows(shop.ctx, shop.tenant_id) if r.kind == "payment"]
    doc = await documents(shop.ctx, shop.tenant_id, rep.invoice_id)
    [dr] = [d for p in doc["Complemento"]["Pagos"]["Pago"] for d in p["DoctoRelacionado"]]
    assert (dr["ImpSaldoAnt"], dr["ImpPagado"], dr["ImpSaldoInsoluto"]) == (
        Decimal("60.00"), Decimal("60.00"), Decimal("0.00"))
    [note] = _credits(await rows(shop.ctx, shop.tenant_id))
    assert (note.status, note.total, note.forma_pago) == ("stamped", 4_000, "17")


async def test_a_note_the_owner_cancelled_stays_cancelled_until_they_ask_for_it_again(shop):
    original, note = await _stamped_note(shop)
    with pytest.raises(NoteNotHeld):  # one in force is not "asked again"
        await credit_notes.ask_again(shop.ctx, shop.tenant_id, note.invoice_id)

    await cancellation.cancel_invoice(shop.ctx, shop.tenant_id, note.invoice_id, "02")
    await drain(shop.ctx)
    [note] = _credits(await rows(shop.ctx, shop.tenant_id))
    assert (note.cancel_status, note.keep_cancelled) == ("cancelled", True)
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 0  # stays so
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 0

    assert await credit_notes.ask_again(shop.ctx, shop.tenant_id, note.invoice_id) == 1
    await drain(shop.ctx)
    old, new = sorted(_credits(await rows(shop.ctx, shop.tenant_id)), key=lambda r: r.folio)
    assert (old.cancel_status, new.status, new.total, new.credits) == (
        "cancelled", "stamped", 3000, original.invoice_id)
    assert await credit_notes.issue_credit_notes(shop.ctx, shop.tenant_id) == 0
    with pytest.raises(NoteNotHeld):  # asked once: it is no longer held
        await credit_notes.ask_again(shop.ctx, shop.tenant_id, old.invoice_id)


async def test_a_note_is_not_asked_again_once_its_invoice_is_cancelled(shop):
    """The Facturas tab says a new note is made: when the invoice it credited is cancelled
    there is nothing to credit, so the server says so instead of answering that it did."""
    original, note = await _stamped_note(shop)
    await cancellation.cancel_invoice(shop.ctx, shop.tenant_id, note.invoice_id, "02")
    await drain(shop.ctx)
    await cancellation.cancel_invoice(shop.ctx, shop.tenant_id, original.invoice_id, "02")
    await drain(shop.ctx)
    with pytest.raises(NoteNotHeld):
        await credit_notes.ask_again(shop.ctx, shop.tenant_id, note.invoice_id)

"""Checks a change must pass against what the shop already has, before it is applied.

Envelope and payload shape are checked by the wire models; these need the database: a return
must point at a known sale line of the same product and not exceed what is left of it; a
folio belongs to one sale; stock alerts are the server's alone; a WhatsApp message goes only
to the phone on file of one of the shop's customers; a fact names only what the shop has
(sync/references.py).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from shared.returns import ReturnableSale, SoldLine, refunded_by_method, return_refusal
from shared.sale import PaymentMethod
from shared.sync.envelopes import Change, CustomerChange, MessageRequestChange, SaleChange, SaleReturnChange
from sync_server.db import Connection
from sync_server.repositories import customers, outbound, tenants
from sync_server.repositories import returns as returns_repo
from sync_server.repositories import sales as sales_repo
from sync_server.sync import references

Refusal = tuple[str, str]


async def refusals(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None,
    changes: Sequence[Change],
) -> dict[uuid.UUID, Refusal]:
    """change_id → (code, Spanish message) for each change that must be rejected."""
    out: dict[uuid.UUID, Refusal] = {}
    if origin is not None:
        for c in changes:
            if c.entity == "stock_alert":
                out[c.change_id] = ("server_only", "Solo el servidor levanta alertas de existencia.")
            elif c.entity == "plan":
                out[c.change_id] = ("server_only", "Solo el servidor cambia el plan de la tienda.")
            elif c.entity == "order":
                out[c.change_id] = ("server_only", "Los pedidos los registra el servidor.")
            elif c.entity == "message_status":
                out[c.change_id] = ("server_only",
                                    "Solo el servidor dice en qué va un mensaje de WhatsApp.")
    out.update(await _folios(conn, tenant_id, [c for c in changes if isinstance(c, SaleChange)]))
    out.update(await _returns(conn, tenant_id, changes))
    out.update(await _message_requests(conn, tenant_id, changes))
    out.update(await references.refusals(conn, tenant_id, changes, out.keys()))
    return out


MESSAGES_PER_DAY = 300  # one shop's WhatsApp messages in 24 h: far above a corner shop's day
# A shop's first week: sign-up is open, so a new shop cannot yet send the full volume through
# the platform's shared number.
NEW_SHOP_MESSAGES_PER_DAY = 30
NEW_SHOP_DAYS = 7


async def _message_requests(
    conn: Connection, tenant_id: uuid.UUID, changes: Sequence[Change]
) -> dict[uuid.UUID, Refusal]:
    """The server sends these from the shared business number, so it trusts no till with the
    recipient: the customer must be the shop's, not deleted, and ``to`` their phone on file;
    and a shop's volume is capped (a buggy or stolen till must not get the number banned)."""
    requests = [c for c in changes if isinstance(c, MessageRequestChange)]
    if not requests:
        return {}
    phones = await customers.phones(conn, tenant_id, [c.payload.customer_id for c in requests])
    for c in changes:  # a customer created or edited earlier in this same push
        if isinstance(c, CustomerChange):
            if c.op == "delete":
                phones.pop(c.payload.id, None)
            else:
                phones[c.payload.id] = c.payload.phone
    sent_today = await outbound.count_last_day(conn, tenant_id)
    age = await tenants.age_days(conn, tenant_id)
    cap = NEW_SHOP_MESSAGES_PER_DAY if age < NEW_SHOP_DAYS else MESSAGES_PER_DAY
    out: dict[uuid.UUID, Refusal] = {}
    for c in requests:
        if c.payload.customer_id not in phones:
            out[c.change_id] = ("unknown_customer", "El mensaje es para un cliente que la tienda "
                                                    "no tiene.")
        elif phones[c.payload.customer_id] != c.payload.to:
            out[c.change_id] = ("wrong_recipient", "El número no es el del cliente: revisa su "
                                                   "teléfono y vuelve a enviarlo.")
        elif sent_today >= cap:
            out[c.change_id] = ("too_many_messages", "La tienda llegó al límite de mensajes de "
                                                     "WhatsApp por día. Intenta mañana.")
        else:
            sent_today += 1
    return out


async def _folios(
    conn: Connection, tenant_id: uuid.UUID, sales: Sequence[SaleChange]
) -> dict[uuid.UUID, Refusal]:
    if not sales:
        return {}
    owner = await sales_repo.folio_holders(conn, tenant_id, [s.payload.folio for s in sales])
    out: dict[uuid.UUID, Refusal] = {}
    for s in sales:
        holder = owner.setdefault(s.payload.folio, s.payload.id)
        if holder != s.payload.id:
            out[s.change_id] = ("folio_taken",
                                f"El folio {s.payload.folio} ya pertenece a otra venta.")
    return out


async def _returns(
    conn: Connection, tenant_id: uuid.UUID, changes: Sequence[Change]
) -> dict[uuid.UUID, Refusal]:
    returns = [c for c in changes if isinstance(c, SaleReturnChange)]
    if not returns:
        return {}
    sale_ids = list({r.payload.sale_id for r in returns})
    sold: dict[tuple[uuid.UUID, int], tuple[uuid.UUID | None, int]] = {}
    paid: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)  # by method, fiado included
    for c in changes:  # sales earlier in this same batch count as known
        if isinstance(c, SaleChange) and c.payload.id in sale_ids:
            for ln in c.payload.lines:
                sold[(c.payload.id, ln.line_no)] = (ln.product_id, ln.qty_milli)
            for pay in c.payload.payments:
                by = paid[c.payload.id]
                by[pay.method.value] = by.get(pay.method.value, 0) + pay.amount
    paid.update(await sales_repo.paid_by_method(conn, tenant_id, sale_ids))
    credited: dict[uuid.UUID, int] = defaultdict(int, await returns_repo.credited_to_account(
        conn, tenant_id, sale_ids))
    stored = await returns_repo.refund_rows(conn, tenant_id, sale_ids)
    sold.update(await sales_repo.lines_sold(conn, tenant_id, sale_ids))
    returned: dict[tuple[uuid.UUID, int], int] = defaultdict(int, await returns_repo.returned_by_line(
        conn, tenant_id, sale_ids))
    lines: dict[uuid.UUID, dict[int, SoldLine]] = defaultdict(dict)
    for (sale_id, line_no), (product_id, qty) in sold.items():
        lines[sale_id][line_no] = SoldLine(product_id, qty, returned[(sale_id, line_no)])
    known = {s: _returnable(by_no, paid[s], credited[s], stored.get(s, []))
             for s, by_no in lines.items()}
    out: dict[uuid.UUID, Refusal] = {}
    for c in returns:
        sale_id, p = c.payload.sale_id, c.payload
        tender = {PaymentMethod.CARD.value: p.refund_card,
                  PaymentMethod.TRANSFER.value: p.refund_transfer}
        refused = return_refusal(known.get(sale_id), p.lines, p.refund_to_account, tender)
        if refused is not None:
            out[c.change_id] = (refused.code, refused.message)
        else:
            known[sale_id] = known[sale_id].after(p.lines, p.refund_to_account, tender)
    return out


def _returnable(lines: dict[int, SoldLine], paid: dict[str, int], credited: int,
                stored: list[tuple[str, int, int, int, int]]) -> ReturnableSale:
    """A stored sale as the return rule has it: what each tender has left to give back."""
    refunded = refunded_by_method(stored)
    left = {m: paid.get(m, 0) - refunded.get(m, 0)
            for m in (PaymentMethod.CARD.value, PaymentMethod.TRANSFER.value)}
    return ReturnableSale(lines, paid.get(PaymentMethod.FIADO.value, 0), credited, left)

"""Each change of an order's status messages its customer once, in the transaction that applies
it: from a till's push or from the server's own tools alike.

The message's id is made of the order and the status, so two tills that accepted the same
order offline (two changes, one status after the merge) queue it once; a change stamped before
the status the server already had (it lost the merge) queues nothing. The customer is found
by who placed it over WhatsApp, else by its customer or phone; the sender then applies
consent, caps and the 24-hour window.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from shared.money import format_mxn
from shared.orders import STATUS_LABELS
from shared.sync.envelopes import OrderStatusChange
from sync_server.db import Connection
from sync_server.repositories import orders, outbound, tenants, wa_contacts

_SAYS = {
    "aceptado": "¡{shop} aceptó tu pedido #{n}! Te avisamos cuando esté listo.",
    "preparando": "Estamos preparando tu pedido #{n}.",
    "listo": "Tu pedido #{n} ya está listo{how}. Total: {total}.",
    "entregado": "Tu pedido #{n} quedó entregado. ¡Gracias por tu compra en {shop}!",
    "rechazado": "Lo sentimos: {shop} no pudo surtir tu pedido #{n}. Motivo: {note}",
    "cancelado": "Tu pedido #{n} fue cancelado.",
}


def message_id(order_id: uuid.UUID, status: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"michangarrito:order:{order_id}:{status}")


async def queue_order_messages(conn: Connection, tenant_id: uuid.UUID,
                               changes: Sequence[OrderStatusChange],
                               stamps_before: Mapping[uuid.UUID, int]) -> int:
    """Queue the customer's message for each status these changes moved an order to, oldest
    first (a till that accepted, readied and delivered offline pushes all three at once); a
    change stamped before what the server already had lost the merge and says nothing."""
    shop = None
    queued = 0
    for change in sorted(changes, key=lambda c: (c.hlc, str(c.change_id))):
        status = change.payload.status
        if status == "recibido" or status not in _SAYS:
            continue  # "recibido" is answered by the bot when the order is placed
        if change.hlc <= stamps_before.get(change.payload.id, -1):
            continue
        order = await orders.get(conn, tenant_id, change.payload.id)
        if order is None:
            continue  # an order the shop does not have
        contact = await wa_contacts.contact_of_order(conn, tenant_id, order.order_id)
        if contact is None:
            continue  # placed at the counter or by someone not on WhatsApp
        shop = shop or await tenants.get_name(conn, tenant_id) or "La tienda"
        how = " para recoger" if order.fulfilment == "recoger" else " y va en camino"
        text = _SAYS[status].format(shop=shop, n=order.number, how=how,
                                    total=format_mxn(order.total),
                                    note=change.payload.note or "sin motivo escrito")
        if await outbound.insert_message(
                conn, tenant_id, message_id(order.order_id, status), kind="order_update",
                body=f"{text}\n({STATUS_LABELS[status]})", contact_id=contact.contact_id,
                to_phone=contact.phone, to_bsuid=contact.bsuid, customer_id=order.customer_id):
            queued += 1
    return queued

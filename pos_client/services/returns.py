"""Returns and cancellations: a new fact pointing at the sale; stock comes back."""

from __future__ import annotations

import uuid

from pos_client.services import local
from pos_client.services.device import Device
from pos_client.store.database import Database
from pos_client.store.repositories import facts, operations
from shared.clock import utc_now
from shared.errors import DomainError, InvalidQuantity
from shared.ids import new_uuid7
from shared.sale import PaymentMethod, line_total
from shared.sync.wire import SaleReturnLinePayload, SaleReturnPayload


class NothingToReturn(DomainError):
    code = "nothing_to_return"


def return_sale(
    db: Database, device: Device, sale_id: uuid.UUID, reason: str,
    quantities: dict[int, int] | None = None, cashier_id: uuid.UUID | None = None,
) -> SaleReturnPayload:
    """Return ``quantities`` (sale line number → qty in thousandths), or cancel what is left of
    the whole sale when None. Returned units cannot exceed what was sold minus earlier returns
    (from any device this one has heard of)."""
    with db.write() as conn:
        sold = facts.sale_lines_of(conn, sale_id)
        if not sold:
            raise NothingToReturn("No encontré esa venta.")
        already = operations.returned_qty(conn, sale_id)
        wanted = quantities or {ln.line_no: ln.qty_milli - already.get(ln.line_no, 0) for ln in sold}
        lines = []
        for ln in sold:
            qty = wanted.get(ln.line_no, 0)
            if qty <= 0:
                continue
            if qty > ln.qty_milli - already.get(ln.line_no, 0):
                raise InvalidQuantity(f"El renglón {ln.line_no} no tiene tanto por devolver.")
            lines.append(SaleReturnLinePayload(line_no=ln.line_no, product_id=ln.product_id,
                                               qty_milli=qty,
                                               amount=line_total(ln.unit_price, qty)))
        if not lines or set(wanted) - {ln.line_no for ln in sold}:
            raise NothingToReturn("No hay nada que devolver de esa venta.")
        # A fiado sale's refund goes back to the customer's account, never out of the drawer.
        methods = facts.payment_methods_of(conn, sale_id)
        refund = PaymentMethod.FIADO if PaymentMethod.FIADO.value in methods else PaymentMethod.CASH
        payload = SaleReturnPayload(
            id=new_uuid7(), sale_id=sale_id, lines=lines, amount=sum(x.amount for x in lines),
            refund_method=refund, reason=reason, cashier_id=cashier_id, returned_at=utc_now())
        local.save(conn, device, "sale_return", payload)
    return payload

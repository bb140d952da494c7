"""Builders that write money facts straight into a till's store, to set up a scenario fast:
sales, fiado charges and abonos, returns credited to an account, cash movements.

They BYPASS the rules the use cases enforce: no credit limit, no balance check on an abono,
no open shift, no permission, no audit event, any date. Use them only to put the store in a
state (or to stand for what another till or an older version stored); what a test checks
must go through the use cases in ``pos_client.services``.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime

from pos_client.services import local
from pos_client.services.till import Till
from shared.corte import CashDirection
from shared.folio import format_folio
from shared.ids import new_uuid7
from shared.sale import PaymentMethod
from shared.sync.payloads import (
    CashMovementPayload,
    FiadoChargePayload,
    FiadoPaymentPayload,
    SaleLinePayload,
    SalePayload,
    SalePaymentPayload,
    SaleReturnLinePayload,
    SaleReturnPayload,
    Wire,
)
from shared.tax import IvaRate

_folios = itertools.count(1)


def _save(till: Till, entity: str, payload: Wire) -> None:
    with till.db.write() as tx:
        local.save(tx, till, entity, payload)


def sale(till: Till, payments: list[tuple[PaymentMethod, int, int]], *,
         shift_id: uuid.UUID | None = None, customer_id: uuid.UUID | None = None,
         folio: str | None = None, at: datetime | None = None) -> uuid.UUID:
    """A one-line sale paid as (method, applied, tendered), written without the sale's checks
    and without its fiado charge (see :func:`fiado_sale`)."""
    total = sum(p[1] for p in payments)
    payload = SalePayload(
        id=new_uuid7(), folio=folio or format_folio("T1", next(_folios)), sold_at=at or till.now(),
        total=total, change=sum(t - a for _, a, t in payments),
        lines=[SaleLinePayload(line_no=1, product_id=None, name="Varios", qty_milli=1000,
                               unit_price=total, total=total, iva=IvaRate.GENERAL)],
        payments=[SalePaymentPayload(method=m, amount=a, tendered=t) for m, a, t in payments],
        customer_id=customer_id, shift_id=shift_id)
    _save(till, "sale", payload)
    return payload.id


def fiado_charge(till: Till, customer_id: uuid.UUID, amount: int, *, at: datetime | None = None,
                 sale_id: uuid.UUID | None = None, note: str | None = None) -> uuid.UUID:
    """Credit given, on any date, past any limit."""
    charge = FiadoChargePayload(id=new_uuid7(), customer_id=customer_id, amount=amount,
                                sale_id=sale_id, note=note, charged_at=at or till.now())
    _save(till, "fiado_charge", charge)
    return charge.id


def fiado_sale(till: Till, customer_id: uuid.UUID, amount: int, *, folio: str,
               at: datetime | None = None) -> uuid.UUID:
    """A sale paid on fiado with its charge, as the counter records them (limit unchecked)."""
    sale_id = sale(till, [(PaymentMethod.FIADO, amount, amount)], customer_id=customer_id,
                   folio=folio, at=at)
    fiado_charge(till, customer_id, amount, at=at, sale_id=sale_id)
    return sale_id


def fiado_payment(till: Till, customer_id: uuid.UUID, amount: int, *, at: datetime | None = None,
                  method: PaymentMethod = PaymentMethod.CASH, note: str | None = None,
                  shift_id: uuid.UUID | None = None) -> uuid.UUID:
    """An abono on any date, of any amount (even more than is owed, or before any charge)."""
    payment = FiadoPaymentPayload(id=new_uuid7(), customer_id=customer_id, amount=amount,
                                  method=method, note=note, paid_at=at or till.now(),
                                  shift_id=shift_id)
    _save(till, "fiado_payment", payment)
    return payment.id


def fiado_return(till: Till, sale_id: uuid.UUID, amount: int, *,
                 at: datetime | None = None) -> uuid.UUID:
    """Part of a fiado sale returned and credited to the account, without the return's checks."""
    back = SaleReturnPayload(
        id=new_uuid7(), sale_id=sale_id, amount=amount, refund_method=PaymentMethod.FIADO,
        refund_to_account=amount, reason="No la quiso", returned_at=at or till.now(),
        lines=[SaleReturnLinePayload(line_no=1, product_id=None, qty_milli=1000, amount=amount)])
    _save(till, "sale_return", back)
    return back.id


def cash_movement(till: Till, direction: CashDirection, amount: int, reason: str, *,
                  shift_id: uuid.UUID | None = None, at: datetime | None = None) -> uuid.UUID:
    """Cash in or out with no permission, no audit, no check that the shift is open or the
    drawer holds it, and possibly on no shift at all (as an older till could store it)."""
    movement = CashMovementPayload(id=new_uuid7(), shift_id=shift_id, direction=direction,
                                   amount=amount, reason=reason, moved_at=at or till.now())
    _save(till, "cash_movement", movement)
    return movement.id

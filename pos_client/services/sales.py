"""Charging a ticket: the sale, its folio and its outbox change, committed in one transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from pos_client.services import local, staff
from pos_client.services.till import Till
from pos_client.store.database import Tx
from pos_client.store.device import Device
from pos_client.store.repositories import customers, meta, operations
from shared.errors import DomainError, EmptySale, UnknownCustomer
from shared.folio import format_folio
from shared.ids import new_uuid7
from shared.money import format_mxn
from shared.permissions import Permission
from shared.sale import Payment, PaymentMethod, Tender, settle
from shared.sync.payloads import FiadoChargePayload, SaleLinePayload, SalePayload, SalePaymentPayload
from shared.ticket import Ticket


class CreditLimitExceeded(DomainError):
    code = "credit_limit_exceeded"


class ShiftClosed(DomainError):
    code = "shift_closed"


@dataclass(frozen=True, slots=True)
class SaleReceipt:
    """What the cashier sees after charging: enough to print the ticket and give change."""

    sale_id: uuid.UUID
    folio: str
    total: int
    change: int
    payments: tuple[Payment, ...]


@dataclass(frozen=True, slots=True)
class SaleContext:
    """Who sells, on which shift, to whom on fiado, and who approved what needed approval."""

    cashier_id: uuid.UUID | None = None
    shift_id: uuid.UUID | None = None
    customer_id: uuid.UUID | None = None
    fiado_override_by: uuid.UUID | None = None  # approved selling on fiado above the limit
    discount_by: uuid.UUID | None = None  # approved the ticket's discounts


NO_CONTEXT = SaleContext()


def record_sale(
    till: Till, ticket: Ticket, tenders: Sequence[Tender], context: SaleContext = NO_CONTEXT,
) -> SaleReceipt:
    """Validate and commit a sale. On return it is on disk (synchronous=FULL) and queued to sync.

    A fiado part becomes a charge on the customer's account in the same transaction; it is
    refused above the customer's available credit unless someone allowed approved it.
    Nothing is written if any rule refuses it (empty ticket, short payment, bad amounts).
    """
    if not ticket.lines:
        raise EmptySale("El ticket está vacío. Escanea o busca un producto.")
    # Each line's price and amount worked out once (TicketLine recomputes them on every read).
    priced = [(ln, ln.unit_price, ln.total) for ln in ticket.lines]
    total = sum(amount for _, _, amount in priced)
    settlement = settle(total, tenders)
    fiado = sum(p.amount for p in settlement.payments if p.method is PaymentMethod.FIADO)
    if fiado and context.customer_id is None:
        raise UnknownCustomer("Para fiar, elige al cliente.")
    sale_id, now, device = new_uuid7(), till.now(), till.device
    lines = [
        SaleLinePayload(
            line_no=i, product_id=ln.product_id, name=ln.name, qty_milli=ln.qty_milli,
            unit_price=unit, total=amount, iva=ln.iva, ieps_bp=ln.ieps_bp,
            discount=ln.discount, cost=ln.cost,
        )
        for i, (ln, unit, amount) in enumerate(priced, start=1)
    ]
    payments = [
        SalePaymentPayload(method=p.method, amount=p.amount, tendered=p.tendered,
                           reference=p.reference)
        for p in settlement.payments
    ]
    with till.db.write() as conn:
        _check_rules(conn, device, context, ticket)
        if fiado:
            _check_credit(conn, till, context, fiado)
        number = meta.next_number(conn, "folio_last")
        payload = SalePayload(
            id=sale_id, folio=format_folio(device.code, number), sold_at=now, total=total,
            change=settlement.change, lines=lines, payments=payments,
            customer_id=context.customer_id if fiado else None,
            cashier_id=context.cashier_id, shift_id=context.shift_id,
        )
        local.save(conn, till, "sale", payload)
        if fiado:
            assert context.customer_id is not None
            local.save(conn, till, "fiado_charge", FiadoChargePayload(
                id=new_uuid7(), customer_id=context.customer_id, amount=fiado, sale_id=sale_id,
                note=f"Venta {payload.folio}", charged_at=now))
        if ticket.discount:
            staff.audit(conn, till, "discount", cashier_id=context.cashier_id,
                        authorized_by=context.discount_by, subject_id=sale_id,
                        detail=f"{payload.folio}: {format_mxn(ticket.discount)} de descuento")
    return SaleReceipt(sale_id, payload.folio, payload.total, settlement.change,
                       settlement.payments)


def _check_rules(conn: Tx, device: Device, context: SaleContext, ticket: Ticket) -> None:
    """The screen asked first; this is the rule itself, checked where the sale is written."""
    if context.shift_id is not None and not operations.shift_is_open(
            conn, context.shift_id, device.device_id):
        raise ShiftClosed("El turno ya se cerró (corte Z). Abre un turno nuevo para vender.")
    if ticket.discount:
        staff.require(conn, context.discount_by or context.cashier_id, Permission.DISCOUNT)


def _check_credit(conn: Tx, till: Till, context: SaleContext, fiado: int) -> None:
    assert context.customer_id is not None
    account = customers.account(conn, context.customer_id)
    if account is None:
        raise UnknownCustomer("Ese cliente no existe o está dado de baja.")
    available = account.credit_limit - account.balance
    if fiado <= available:
        return
    if context.fiado_override_by is not None:
        staff.require(conn, context.fiado_override_by, Permission.FIADO_OVERRIDE)
    else:
        raise CreditLimitExceeded(
            f"{account.name} debe {format_mxn(account.balance)} y su límite es "
            f"{format_mxn(account.credit_limit)}: solo se le pueden fiar "
            f"{format_mxn(max(available, 0))}. Se necesita autorización.")
    staff.audit(conn, till, "fiado_override", cashier_id=context.cashier_id,
                authorized_by=context.fiado_override_by, subject_id=context.customer_id,
                detail=f"{account.name}: fiado de {format_mxn(fiado)} con saldo "
                       f"{format_mxn(account.balance)} y límite {format_mxn(account.credit_limit)}")

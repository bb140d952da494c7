"""Shifts and cortes: opening a shift with its float, cash in and out, Corte X and Z, history.

What a corte adds up (expected per payment form, counted versus expected) is in
``shared.corte``; the sums come from ``store.repositories.cortes``, ``shifts`` and ``cash``;
the paper is ``receipts.corte``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from pos_client.services import local, staff
from pos_client.services.till import Till
from pos_client.store.database import Tx
from pos_client.store.repositories import cash, outbox, shifts
from pos_client.store.repositories import cortes as cortes_repo
from pos_client.store.repositories.shop import current_settings, zone_named
from shared.corte import (
    CashDirection,
    CorteReport,
    FormTotals,
    InvalidCount,
    ShiftInfo,
    checked_counts,
)
from shared.errors import DomainError, InvalidAmount
from shared.ids import new_uuid7
from shared.money import Centavos, format_mxn
from shared.permissions import Permission
from shared.returns import refund_parts
from shared.sale import PaymentMethod
from shared.sync.payloads import CashMovementPayload, CountedAmount, ShiftClosePayload, ShiftOpenPayload


class ShiftNotFound(DomainError):
    code = "shift_not_found"


class ShiftAlreadyClosed(DomainError):
    code = "shift_already_closed"


class ShiftAlreadyOpen(DomainError):
    code = "shift_already_open"


@dataclass(frozen=True, slots=True)
class Letterhead:
    """Whose paper a corte is printed on: the shop's name and the zone its times are shown in."""

    shop: str
    tz: ZoneInfo


@dataclass(frozen=True, slots=True)
class Overview:
    """The shifts page: this till's open shift (its corte so far), closed shifts, the header."""

    current: CorteReport | None
    history: list[CorteReport]
    letterhead: Letterhead


# --- reading -------------------------------------------------------------------------------


def current_shift(till: Till) -> ShiftInfo | None:
    """This till's open shift (opened and not closed), the latest if somehow several."""
    with till.db.read() as tx:
        return shifts.open_on(tx, till.device.device_id)


def corte(till: Till, shift_id: uuid.UUID) -> CorteReport:
    """The shift's report: expected per payment form, counts, cash movements and, when closed,
    what was counted."""
    with till.db.read() as tx:
        return _report(tx, shift_id)


def counting(till: Till, shift_id: uuid.UUID) -> tuple[CorteReport, Letterhead]:
    """What the corte dialog shows while the drawer is counted, and the paper's header."""
    with till.db.read() as tx:
        return _report(tx, shift_id), _letterhead(tx, till)


def overview(till: Till, limit: int = 50) -> Overview:
    """The open shift of this till, and the latest closed shifts of every till, newest first."""
    with till.db.read() as tx:
        shift = shifts.open_on(tx, till.device.device_id)
        current = _report(tx, shift.id) if shift else None
        history = [_report(tx, i) for i in shifts.closed_ids(tx, limit)]
        return Overview(current, history, _letterhead(tx, till))


def _letterhead(tx: Tx, till: Till) -> Letterhead:
    """The shop's name and time zone for printouts (settings first, then what pairing said)."""
    row = current_settings(tx)
    return Letterhead(row.shop_name if row else till.device.shop_name,
                      zone_named(row.timezone if row else None))


def _report(tx: Tx, shift_id: uuid.UUID) -> CorteReport:
    shift = shifts.shift(tx, shift_id)
    if shift is None:
        raise ShiftNotFound("No encontré ese turno.")
    close = shifts.close_of(tx, shift_id)
    window = cortes_repo.Window(shift.device_id, shift.opened_at, close.closed_at if close else None)
    paid = cortes_repo.sale_payments_by_method(tx, shift_id)
    abonos = cortes_repo.abonos_by_method(tx, shift_id, window)
    refunds: dict[PaymentMethod, Centavos] = {}
    # A refund partly credited to a fiado account takes only its other part out of the drawer.
    for r in cortes_repo.refunds_of(tx, shift_id, window):
        for method, part in refund_parts(r.method, r.amount, r.to_account, r.card,
                                         r.transfer).items():
            refunds[PaymentMethod(method)] = refunds.get(PaymentMethod(method), 0) + part
    # An "abono" on fiado would be credit paying credit: it never adds to anything.
    forms = {m: FormTotals(sales=paid.get(m, 0),
                           abonos=0 if m is PaymentMethod.FIADO else abonos.get(m, 0),
                           refunds=refunds.get(m, 0))
             for m in PaymentMethod}
    moves = cash.movements_of(tx, shift_id)
    count, total = cortes_repo.sales_count_and_total(tx, shift_id)
    returns_count, cancelled = cortes_repo.returns_counts(tx, shift_id, window)
    report = CorteReport(
        shift=shift, forms=forms, movements=moves,
        cash_in=sum(m.amount for m in moves if m.direction == "entrada"),
        cash_out=sum(m.amount for m in moves if m.direction == "salida"),
        sales_count=count, sales_total=total, returns_count=returns_count,
        cancelled_count=cancelled, pending_changes=outbox.counts(tx).pending,
        closed_at=close.closed_at if close else None)
    return report.with_counted(close.counted, close.note) if close else report


# --- writing -------------------------------------------------------------------------------


def open_shift(till: Till, float_amount: Centavos, cashier_id: uuid.UUID | None = None
               ) -> uuid.UUID:
    """Open this till's shift with its float (fondo de caja). One at a time: a second one
    would split the day's sales across two cortes."""
    if float_amount < 0:
        raise InvalidAmount("El fondo de caja no puede ser negativo.")
    try:
        shift = ShiftOpenPayload(id=new_uuid7(), cashier_id=cashier_id, float_amount=float_amount,
                                 opened_at=till.now())
    except ValidationError as exc:
        raise InvalidAmount("El fondo de caja es demasiado grande.") from exc
    with till.db.write() as tx:
        if shifts.open_on(tx, till.device.device_id) is not None:
            raise ShiftAlreadyOpen("Ya hay un turno abierto en esta caja. Haz su corte Z primero.")
        local.save(tx, till, "shift_open", shift)
    return shift.id


def _check_open(tx: Tx, shift_id: uuid.UUID) -> None:
    if shifts.shift(tx, shift_id) is None:
        raise ShiftNotFound("No encontré ese turno.")
    if shifts.close_of(tx, shift_id) is not None:
        raise ShiftAlreadyClosed("Ese turno ya está cerrado; su corte Z se puede reimprimir.")


def move_cash(till: Till, shift_id: uuid.UUID, direction: CashDirection, amount: Centavos,
              reason: str, cashier_id: uuid.UUID | None = None,
              authorized_by: uuid.UUID | None = None) -> uuid.UUID:
    """Cash put into or taken out of the drawer during an open shift, always with a reason.
    A salida cannot take out more cash than the drawer should hold.

    The movement and an "open_drawer" audit event are written in one transaction: who was at
    the till (``cashier_id``) and who typed their PIN to allow it (``authorized_by``) are kept
    with the money that moved. On a till with users, the one allowing it must still hold
    OPEN_DRAWER when it is written (the matrix may have changed since the screen asked)."""
    reason = reason.strip()
    if amount <= 0:
        raise InvalidAmount("El importe debe ser mayor que cero.")
    if not reason:
        raise DomainError("Escribe el motivo del movimiento.", code="reason_required")
    if len(reason) > 200 or not reason.isprintable():
        raise DomainError("El motivo es muy largo o tiene caracteres no válidos.",
                          code="invalid_reason")
    try:
        movement = CashMovementPayload(id=new_uuid7(), shift_id=shift_id, direction=direction,
                                       amount=amount, reason=reason, moved_at=till.now(),
                                       cashier_id=cashier_id)
    except ValidationError as exc:
        raise InvalidAmount("El importe es demasiado grande.") from exc
    word = "Entrada" if direction == "entrada" else "Salida"
    with till.db.write() as tx:
        if cashier_id or authorized_by:
            staff.require(tx, authorized_by or cashier_id, Permission.OPEN_DRAWER)
        _check_open(tx, shift_id)
        in_drawer = _report(tx, shift_id).expected(PaymentMethod.CASH)
        if direction == "salida" and amount > in_drawer:
            raise DomainError(f"En caja debería haber {format_mxn(in_drawer)}; no se puede sacar "
                              f"{format_mxn(amount)}.", code="not_enough_cash")
        local.save(tx, till, "cash_movement", movement)
        staff.audit(tx, till, "open_drawer", cashier_id=cashier_id,
                    authorized_by=authorized_by if authorized_by != cashier_id else None,
                    subject_id=movement.id, detail=f"{word} de {format_mxn(amount)}: {reason}")
    return movement.id


def corte_x(till: Till, shift_id: uuid.UUID, cashier_id: uuid.UUID | None,
            counted: Mapping[PaymentMethod, Centavos] | None = None,
            note: str | None = None) -> CorteReport:
    """A partial corte: resets nothing, closes nothing; who looked at the drawer is audited."""
    checked = checked_counts(counted or {})
    with till.db.write() as tx:
        _check_open(tx, shift_id)
        staff.audit(tx, till, "corte_x", cashier_id=cashier_id, subject_id=shift_id,
                    detail=_counted_detail(checked))
        report = _report(tx, shift_id)
    return report.with_counted(checked, (note or "").strip() or None)


def close_with_corte(till: Till, shift_id: uuid.UUID, counted: Mapping[PaymentMethod, Centavos],
                     note: str | None, cashier_id: uuid.UUID | None) -> CorteReport:
    """Corte Z: closes the shift with what was counted and audits it, in one transaction, so a
    crash leaves either a closed, audited shift or an open one. Works with no server at all:
    the close waits in the outbox like every other change."""
    counted = checked_counts(counted)
    if PaymentMethod.CASH not in counted:
        raise InvalidCount("Falta lo contado en efectivo.", code="count_required")
    note = (note or "").strip() or None
    try:
        close = ShiftClosePayload(
            id=new_uuid7(), shift_id=shift_id, note=note, closed_at=till.now(),
            counted=[CountedAmount(method=m, amount=a) for m, a in counted.items()])
    except ValidationError as exc:
        raise DomainError("La nota tiene caracteres no válidos o es muy larga.",
                          code="invalid_note") from exc
    with till.db.write() as tx:
        _check_open(tx, shift_id)
        local.save(tx, till, "shift_close", close)
        staff.audit(tx, till, "corte_z", cashier_id=cashier_id, subject_id=shift_id,
                    detail=_counted_detail(counted))
        return _report(tx, shift_id)


def reprint(till: Till, shift_id: uuid.UUID, cashier_id: uuid.UUID | None) -> CorteReport:
    """A closed shift's corte again, as it was counted; the reprint itself is audited. How
    many changes were pending at the close was never stored, and today's count is not it,
    so a reprint leaves it out (``pending_changes`` None) rather than print a wrong number."""
    with till.db.write() as tx:
        report = _report(tx, shift_id)
        staff.audit(tx, till, "reprint", cashier_id=cashier_id, subject_id=shift_id,
                    detail="corte Z" if report.closed_at else "corte X")
    return replace(report, pending_changes=None)


def _counted_detail(counted: Mapping[PaymentMethod, Centavos]) -> str | None:
    return ", ".join(f"{m.value} {format_mxn(a)}" for m, a in counted.items()) or None

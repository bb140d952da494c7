"""Shifts and cortes: what the drawer should hold per payment form, Corte X and Corte Z, history.

Expected amounts are derived from facts, never stored: a corte reprinted next month adds up the
same sales, movements, returns and abonos it did on the night.
"""

from __future__ import annotations

import json
import textwrap
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import ColumnElement, Connection, Row, Select, and_, func, or_, select

from pos_client.receipts.document import Document, DocumentBuilder, Style
from pos_client.services import local, staff
from pos_client.services.returns import refund_parts
from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.store.repositories import outbox
from pos_client.store.repositories.shop import current_settings, zone_named
from pos_client.store.schema import (
    cash_movements,
    cashiers,
    fiado_payments,
    sale_payments,
    sale_returns,
    sales,
    shift_closes,
    shifts,
)
from shared.clock import utc_now
from shared.errors import DomainError, InvalidAmount
from shared.ids import new_uuid7
from shared.money import Centavos, format_mxn
from shared.permissions import Permission
from shared.sale import PaymentMethod
from shared.sync.payloads import CashMovementPayload, CountedAmount, ShiftClosePayload

CorteKind = Literal["X", "Z"]

# Forms of payment that end up somewhere the cashier can count: the drawer, card vouchers or
# the terminal's batch, the bank app. Fiado is credit given, reported but never counted.
COUNTED_METHODS: tuple[PaymentMethod, ...] = (
    PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.TRANSFER)
METHOD_LABELS: Mapping[PaymentMethod, str] = {
    PaymentMethod.CASH: "Efectivo", PaymentMethod.CARD: "Tarjeta",
    PaymentMethod.TRANSFER: "Transferencia", PaymentMethod.FIADO: "Fiado",
}

# Mexican bills and coins in circulation, in centavos. $20 exists as both bill and coin: the
# counting grid shows both and adds their pieces under one value.
BILLS: tuple[Centavos, ...] = (100_000, 50_000, 20_000, 10_000, 5_000, 2_000)
COINS: tuple[Centavos, ...] = (2_000, 1_000, 500, 200, 100, 50)
DENOMINATIONS: frozenset[Centavos] = frozenset(BILLS + COINS)
# More pieces of one kind than a corner-shop drawer could hold: a slip of the finger.
MAX_PIECES = 5_000


class ShiftNotFound(DomainError):
    code = "shift_not_found"


class ShiftAlreadyClosed(DomainError):
    code = "shift_already_closed"


class InvalidCount(DomainError):
    code = "invalid_count"


@dataclass(frozen=True, slots=True)
class ShiftInfo:
    id: uuid.UUID
    cashier_name: str | None
    float_amount: Centavos
    device_id: str | None
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class CashMove:
    direction: Literal["entrada", "salida"]
    amount: Centavos
    reason: str
    moved_at: datetime


@dataclass(frozen=True, slots=True)
class FormTotals:
    """One payment form over a shift: what came in by sales and abonos, what went back."""

    sales: Centavos = 0
    abonos: Centavos = 0
    refunds: Centavos = 0


@dataclass(frozen=True, slots=True)
class CorteReport:
    shift: ShiftInfo
    forms: Mapping[PaymentMethod, FormTotals]
    cash_in: Centavos
    cash_out: Centavos
    movements: tuple[CashMove, ...]
    sales_count: int
    sales_total: Centavos
    returns_count: int
    cancelled_count: int
    # Changes not yet on the server when the report was made; None on a reprint, where
    # today's count would say nothing about the close (the wire keeps no count at close).
    pending_changes: int | None
    closed_at: datetime | None = None
    counted: Mapping[PaymentMethod, Centavos] = field(default_factory=dict)
    note: str | None = None

    def expected(self, method: PaymentMethod) -> Centavos:
        """What should be there: for cash, the float and movements count too; for fiado it is
        the credit given (informational, nobody counts it)."""
        form = self.forms.get(method, FormTotals())
        amount = form.sales + form.abonos - form.refunds
        if method is PaymentMethod.CASH:
            amount += self.shift.float_amount + self.cash_in - self.cash_out
        return amount

    def difference(self, method: PaymentMethod) -> Centavos | None:
        """Counted minus expected: negative is a shortage (faltante), positive a surplus."""
        if method not in self.counted:
            return None
        return self.counted[method] - self.expected(method)

    def with_counted(self, counted: Mapping[PaymentMethod, Centavos], note: str | None = None
                     ) -> CorteReport:
        return replace(self, counted=dict(counted), note=note)


def count_denominations(pieces: Mapping[Centavos, int]) -> Centavos:
    """Cash counted bill by bill and coin by coin: {denomination in centavos: pieces} → total."""
    total = 0
    for value, count in pieces.items():
        if value not in DENOMINATIONS:
            raise InvalidCount(f"{format_mxn(value)} no es un billete ni una moneda mexicana.")
        if count < 0:
            raise InvalidCount(f"Las piezas de {format_mxn(value)} no pueden ser negativas.")
        if count > MAX_PIECES:
            raise InvalidCount(f"¿{count:,} piezas de {format_mxn(value)}? Revisa el conteo.")
        total += value * count
    return total


def describe_difference(diff: Centavos) -> str:
    if diff < 0:
        return f"Faltante {format_mxn(-diff)}"
    if diff > 0:
        return f"Sobrante {format_mxn(diff)}"
    return "Cuadra"


# --- reading -------------------------------------------------------------------------------


def _shift_query() -> Select[Any]:
    return (select(shifts.c.id, shifts.c.float_amount, shifts.c.device_id, shifts.c.opened_at,
                   cashiers.c.name.label("cashier_name"))
            .select_from(shifts.outerjoin(cashiers, cashiers.c.id == shifts.c.cashier_id)))


def _shift_info(row: Row[Any]) -> ShiftInfo:
    return ShiftInfo(uuid.UUID(row.id), row.cashier_name, row.float_amount, row.device_id,
                     datetime.fromisoformat(row.opened_at))


def current_shift(conn: Connection, device_id: uuid.UUID) -> ShiftInfo | None:
    """This device's open shift (opened and not closed), the latest if somehow several."""
    row = conn.execute(
        _shift_query().where(shifts.c.device_id == str(device_id),
                             shifts.c.id.not_in(select(shift_closes.c.shift_id)))
        .order_by(shifts.c.opened_at.desc()).limit(1)
    ).first()
    return _shift_info(row) if row else None


def _close_row(conn: Connection, shift_id: uuid.UUID) -> tuple[str, str | None, str] | None:
    """(counted JSON, note, closed_at) of the shift's close, if it has one."""
    row = conn.execute(
        select(shift_closes.c.counted, shift_closes.c.note, shift_closes.c.closed_at)
        .where(shift_closes.c.shift_id == str(shift_id)).order_by(shift_closes.c.closed_at).limit(1)
    ).first()
    return (row.counted, row.note, row.closed_at) if row else None


def corte(conn: Connection, shift_id: uuid.UUID) -> CorteReport:
    """The shift's report: expected per payment form, counts, cash movements and, when closed,
    what was counted. Abonos count by the shift they name; returns, and abonos that name no
    shift, count when made on the shift's device while it was open."""
    row = conn.execute(_shift_query().where(shifts.c.id == str(shift_id))).first()
    if row is None:
        raise ShiftNotFound("No encontré ese turno.")
    shift = _shift_info(row)
    close = _close_row(conn, shift_id)
    closed_at = datetime.fromisoformat(close[2]) if close else None
    window = (shift.opened_at.isoformat(), closed_at.isoformat() if closed_at else None)

    paid, abonos = _sale_payments(conn, shift_id), _abonos(conn, shift_id, shift.device_id, window)
    refunds = _refunds(conn, shift.device_id, window)
    # An "abono" on fiado would be credit paying credit: it never adds to anything.
    forms = {m: FormTotals(sales=paid.get(m, 0),
                           abonos=0 if m is PaymentMethod.FIADO else abonos.get(m, 0),
                           refunds=refunds.get(m, 0))
             for m in PaymentMethod}
    moves = _movements(conn, shift_id)
    count, total = conn.execute(
        select(func.count(), func.coalesce(func.sum(sales.c.total), 0))
        .where(sales.c.shift_id == str(shift_id))).one()
    returns_count, cancelled = _returns_counts(conn, shift.device_id, window)
    report = CorteReport(
        shift=shift, forms=forms, movements=moves,
        cash_in=sum(m.amount for m in moves if m.direction == "entrada"),
        cash_out=sum(m.amount for m in moves if m.direction == "salida"),
        sales_count=count, sales_total=total, returns_count=returns_count,
        cancelled_count=cancelled, pending_changes=outbox.counts(conn).pending, closed_at=closed_at)
    if close:
        counted = {PaymentMethod(c["method"]): int(c["amount"]) for c in json.loads(close[0])}
        report = report.with_counted(counted, close[1])
    return report


def _in_window(column: ColumnElement[Any], window: tuple[str, str | None]
               ) -> list[ColumnElement[bool]]:
    # Timestamps this device wrote are all UTC isoformat strings, so they order as text.
    start, end = window
    clauses: list[ColumnElement[bool]] = [column >= start]
    if end is not None:
        clauses.append(column <= end)
    return clauses


def _by_method(conn: Connection, stmt: Select[Any]) -> dict[PaymentMethod, Centavos]:
    """Run a (method, sum) query grouped by method; forms nobody used are absent."""
    return {PaymentMethod(method): int(total) for method, total in conn.execute(stmt)}


def _sale_payments(conn: Connection, shift_id: uuid.UUID) -> dict[PaymentMethod, Centavos]:
    return _by_method(conn, select(sale_payments.c.method, func.sum(sale_payments.c.amount))
                      .join(sales, sales.c.id == sale_payments.c.sale_id)
                      .where(sales.c.shift_id == str(shift_id)).group_by(sale_payments.c.method))


def _abonos(conn: Connection, shift_id: uuid.UUID, device_id: str | None,
            window: tuple[str, str | None]) -> dict[PaymentMethod, Centavos]:
    """Abonos taken on the shift: those that name it, and those that name no shift (made
    before abonos carried one, or outside the counter) on its device while it was open."""
    no_shift = and_(fiado_payments.c.shift_id.is_(None), fiado_payments.c.device_id == device_id,
                    *_in_window(fiado_payments.c.paid_at, window))
    return _by_method(conn, select(fiado_payments.c.method, func.sum(fiado_payments.c.amount))
                      .where(or_(fiado_payments.c.shift_id == str(shift_id), no_shift))
                      .group_by(fiado_payments.c.method))


def _refunds(conn: Connection, device_id: str | None, window: tuple[str, str | None]
             ) -> dict[PaymentMethod, Centavos]:
    """Refunds per form: the part credited to a fiado account, the rest out of the drawer
    (never the whole amount of a refund that was partly credited)."""
    out: dict[PaymentMethod, Centavos] = {}
    for r in conn.execute(select(sale_returns.c.refund_method, sale_returns.c.amount,
                                 sale_returns.c.refund_to_account)
                          .where(sale_returns.c.device_id == device_id,
                                 *_in_window(sale_returns.c.returned_at, window))):
        for method, part in refund_parts(r.refund_method, r.amount, r.refund_to_account or 0).items():
            out[PaymentMethod(method)] = out.get(PaymentMethod(method), 0) + part
    return out


def _returns_counts(conn: Connection, device_id: str | None, window: tuple[str, str | None]
                    ) -> tuple[int, int]:
    """Returns made in the shift, and how many of their tickets are now returned in full
    (a cancellation is a return of every line)."""
    sale_ids = [r.sale_id for r in conn.execute(
        select(sale_returns.c.sale_id)
        .where(sale_returns.c.device_id == device_id,
               *_in_window(sale_returns.c.returned_at, window)))]
    if not sale_ids:
        return 0, 0
    returned = select(sale_returns.c.sale_id, func.sum(sale_returns.c.amount).label("back")) \
        .where(sale_returns.c.sale_id.in_(set(sale_ids))).group_by(sale_returns.c.sale_id).subquery()
    cancelled = conn.execute(
        select(func.count()).select_from(returned.join(sales, sales.c.id == returned.c.sale_id))
        .where(returned.c.back >= sales.c.total)).scalar_one()
    return len(sale_ids), int(cancelled)


def _movements(conn: Connection, shift_id: uuid.UUID) -> tuple[CashMove, ...]:
    rows = conn.execute(
        select(cash_movements.c.direction, cash_movements.c.amount, cash_movements.c.reason,
               cash_movements.c.moved_at)
        .where(cash_movements.c.shift_id == str(shift_id)).order_by(cash_movements.c.moved_at))
    return tuple(CashMove(r.direction, r.amount, r.reason, datetime.fromisoformat(r.moved_at))
                 for r in rows)


def closed_shifts(conn: Connection, limit: int = 30) -> list[CorteReport]:
    """The latest closed shifts of every device this one knows of, newest first, for reprint."""
    ids = conn.execute(
        select(shift_closes.c.shift_id).join(shifts, shifts.c.id == shift_closes.c.shift_id)
        .group_by(shift_closes.c.shift_id)
        .order_by(func.min(shift_closes.c.closed_at).desc()).limit(limit)).scalars().all()
    return [corte(conn, uuid.UUID(i)) for i in ids]


def shop_header(conn: Connection, device: Device) -> tuple[str, ZoneInfo]:
    """The shop's name and time zone for printouts (settings first, then what pairing said)."""
    row = current_settings(conn)
    return (row.shop_name if row else device.shop_name), zone_named(row.timezone if row else None)


# --- writing -------------------------------------------------------------------------------


def _check_open(conn: Connection, shift_id: uuid.UUID) -> None:
    if conn.execute(select(shifts.c.id).where(shifts.c.id == str(shift_id))).first() is None:
        raise ShiftNotFound("No encontré ese turno.")
    if _close_row(conn, shift_id) is not None:
        raise ShiftAlreadyClosed("Ese turno ya está cerrado; su corte Z se puede reimprimir.")


def move_cash(db: Database, device: Device, shift_id: uuid.UUID,
              direction: Literal["entrada", "salida"], amount: Centavos, reason: str,
              cashier_id: uuid.UUID | None = None, authorized_by: uuid.UUID | None = None
              ) -> uuid.UUID:
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
                                       amount=amount, reason=reason, moved_at=utc_now())
    except ValidationError as exc:
        raise InvalidAmount("El importe es demasiado grande.") from exc
    word = "Entrada" if direction == "entrada" else "Salida"
    with db.write() as conn:
        if cashier_id or authorized_by:
            staff.require(conn, authorized_by or cashier_id, Permission.OPEN_DRAWER)
        _check_open(conn, shift_id)
        in_drawer = corte(conn, shift_id).expected(PaymentMethod.CASH)
        if direction == "salida" and amount > in_drawer:
            raise DomainError(f"En caja debería haber {format_mxn(in_drawer)}; no se puede sacar "
                              f"{format_mxn(amount)}.", code="not_enough_cash")
        local.save(conn, device, "cash_movement", movement)
        staff.audit(conn, device, "open_drawer", cashier_id=cashier_id,
                    authorized_by=authorized_by if authorized_by != cashier_id else None,
                    subject_id=movement.id, detail=f"{word} de {format_mxn(amount)}: {reason}")
    return movement.id


def corte_x(db: Database, device: Device, shift_id: uuid.UUID,
            cashier_id: uuid.UUID | None, counted: Mapping[PaymentMethod, Centavos] | None = None,
            note: str | None = None) -> CorteReport:
    """A partial corte: resets nothing, closes nothing; who looked at the drawer is audited."""
    checked = _checked_counted(counted or {})
    with db.write() as conn:
        _check_open(conn, shift_id)
        staff.audit(conn, device, "corte_x", cashier_id=cashier_id, subject_id=shift_id,
                    detail=_counted_detail(checked))
        report = corte(conn, shift_id)
    return report.with_counted(checked, (note or "").strip() or None)


def close_with_corte(db: Database, device: Device, shift_id: uuid.UUID,
                     counted: Mapping[PaymentMethod, Centavos], note: str | None,
                     cashier_id: uuid.UUID | None) -> CorteReport:
    """Corte Z: closes the shift with what was counted and audits it, in one transaction, so a
    crash leaves either a closed, audited shift or an open one. Works with no server at all:
    the close waits in the outbox like every other change."""
    counted = _checked_counted(counted)
    if PaymentMethod.CASH not in counted:
        raise InvalidCount("Falta lo contado en efectivo.", code="count_required")
    note = (note or "").strip() or None
    try:
        close = ShiftClosePayload(
            id=new_uuid7(), shift_id=shift_id, note=note, closed_at=utc_now(),
            counted=[CountedAmount(method=m, amount=a) for m, a in counted.items()])
    except ValidationError as exc:
        raise DomainError("La nota tiene caracteres no válidos o es muy larga.",
                          code="invalid_note") from exc
    with db.write() as conn:
        _check_open(conn, shift_id)
        local.save(conn, device, "shift_close", close)
        staff.audit(conn, device, "corte_z", cashier_id=cashier_id, subject_id=shift_id,
                    detail=_counted_detail(counted))
        return corte(conn, shift_id)


def reprint(db: Database, device: Device, shift_id: uuid.UUID,
            cashier_id: uuid.UUID | None) -> CorteReport:
    """A closed shift's corte again, as it was counted; the reprint itself is audited. How
    many changes were pending at the close was never stored, and today's count is not it,
    so a reprint leaves it out (``pending_changes`` None) rather than print a wrong number."""
    with db.write() as conn:
        report = corte(conn, shift_id)
        staff.audit(conn, device, "reprint", cashier_id=cashier_id, subject_id=shift_id,
                    detail="corte Z" if report.closed_at else "corte X")
    return replace(report, pending_changes=None)


def _checked_counted(counted: Mapping[PaymentMethod, Centavos]) -> dict[PaymentMethod, Centavos]:
    out: dict[PaymentMethod, Centavos] = {}
    for method, amount in counted.items():
        if method not in COUNTED_METHODS:
            raise InvalidCount(f"{METHOD_LABELS[method]} no se cuenta en el corte.")
        if amount < 0:
            raise InvalidAmount(f"Lo contado en {METHOD_LABELS[method]} no puede ser negativo.")
        out[method] = amount
    return out


def _counted_detail(counted: Mapping[PaymentMethod, Centavos]) -> str | None:
    return ", ".join(f"{m.value} {format_mxn(a)}" for m, a in counted.items()) or None


# --- printout ------------------------------------------------------------------------------

WIDTH = 32  # the narrowest paper (58 mm): every line must fit it


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def _wrapped(builder: DocumentBuilder, text: str, style: Style = Style.NORMAL) -> None:
    for part in textwrap.wrap(text, WIDTH) or [""]:
        builder.add(part, style)


def pending_text(pending: int | None) -> str:
    """What the paper and the screen say about changes the server has not got yet; nothing
    when that is not known (a reprint)."""
    if pending is None:
        return ""
    if pending == 0:
        return "Todo está sincronizado."
    noun = "cambio" if pending == 1 else "cambios"
    return f"Quedan {pending} {noun} por sincronizar; se enviarán al volver la conexión."


def corte_document(report: CorteReport, kind: CorteKind, shop_name: str, tz: ZoneInfo,
                   printed_at: datetime | None = None) -> Document:
    """The paper the cashier signs: expected, counted and difference per form, the cash
    movements, and how many changes have not reached the server yet (when known: not on a
    reprint, see :func:`reprint`)."""
    b = DocumentBuilder()
    b.add(shop_name, Style.TITLE)
    b.add("CORTE Z (cierre de turno)" if kind == "Z" else "CORTE X (parcial)", Style.CENTER)
    b.add("Abierto", right=_when(report.shift.opened_at, tz))
    if report.closed_at is not None:
        b.add("Cerrado", right=_when(report.closed_at, tz))
    b.add("Impreso", right=_when(printed_at or utc_now(), tz))
    b.add("Cajero", right=(report.shift.cashier_name or "—")[:20])
    b.rule()
    _cash_section(b, report)
    for method in (PaymentMethod.CARD, PaymentMethod.TRANSFER):
        _form_section(b, report, method)
    b.add("Fiado otorgado", right=format_mxn(report.expected(PaymentMethod.FIADO)))
    b.add("(crédito, no está en caja)")
    b.rule()
    b.add(f"Ventas ({report.sales_count})", right=format_mxn(report.sales_total))
    b.add("Devoluciones", right=str(report.returns_count))
    b.add("Tickets cancelados", right=str(report.cancelled_count))
    if report.movements:
        b.rule()
        b.add("Movimientos de efectivo", Style.BOLD)
        for m in report.movements:
            sign = "+" if m.direction == "entrada" else "-"
            b.add(f"{m.moved_at.astimezone(tz):%H:%M} {m.reason}"[:WIDTH - 12],
                  right=f"{sign}{format_mxn(m.amount)}")
    if report.note:
        b.rule()
        _wrapped(b, f"Nota: {report.note}")
    b.rule()
    if report.pending_changes is not None:
        _wrapped(b, pending_text(report.pending_changes))
    if kind == "Z":
        b.add()
        b.add("Firma: ______________________")
    return b.build(title=f"Corte {kind}")


def _counted_lines(b: DocumentBuilder, report: CorteReport, method: PaymentMethod) -> None:
    b.add("Esperado", Style.BOLD, right=format_mxn(report.expected(method)))
    diff = report.difference(method)
    if diff is not None:
        b.add("Contado", right=format_mxn(report.counted[method]))
        b.add(describe_difference(diff), Style.BOLD)


def _cash_section(b: DocumentBuilder, report: CorteReport) -> None:
    cash = report.forms.get(PaymentMethod.CASH, FormTotals())
    b.add("EFECTIVO", Style.BOLD)
    b.add("Fondo inicial", right=format_mxn(report.shift.float_amount))
    b.add("Ventas", right=format_mxn(cash.sales))
    b.add("Abonos de fiado", right=format_mxn(cash.abonos))
    b.add("Entradas", right=format_mxn(report.cash_in))
    b.add("Salidas", right=f"-{format_mxn(report.cash_out)}")
    b.add("Devoluciones", right=f"-{format_mxn(cash.refunds)}")
    _counted_lines(b, report, PaymentMethod.CASH)
    b.rule()


def _form_section(b: DocumentBuilder, report: CorteReport, method: PaymentMethod) -> None:
    form = report.forms.get(method, FormTotals())
    b.add(METHOD_LABELS[method].upper(), Style.BOLD)
    b.add("Ventas", right=format_mxn(form.sales))
    if form.abonos:
        b.add("Abonos de fiado", right=format_mxn(form.abonos))
    if form.refunds:
        b.add("Devoluciones", right=f"-{format_mxn(form.refunds)}")
    _counted_lines(b, report, method)
    b.rule()

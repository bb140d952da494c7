"""Cash tools: the last corte (expected against counted per payment form) and the cash
differences of recent cortes. What is expected is shared.corte's rule, as on the till's paper."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from shared.corte import (
    COUNTED_METHODS,
    METHOD_LABELS,
    CorteReport,
    FormTotals,
    ShiftInfo,
    describe_difference,
)
from shared.money import format_mxn
from shared.returns import refund_parts
from shared.sale import PaymentMethod
from shared.spanish import count
from sync_server.repositories import Connection, cortes
from sync_server.repositories.cortes import ClosedShift
from sync_server.tools.base import OWNER_ONLY, ToolContext, ToolInput, ToolOutput, tool


async def corte_of(conn: Connection, tenant_id: uuid.UUID, shift: ClosedShift) -> CorteReport:
    """A closed shift's corte, added up from the facts as the till adds it up."""
    sums = await cortes.sums(conn, tenant_id, shift)
    refunds: dict[PaymentMethod, int] = {}
    for stored in sums.refunds:
        for m, part in refund_parts(*stored).items():
            refunds[PaymentMethod(m)] = refunds.get(PaymentMethod(m), 0) + part
    forms = {m: FormTotals(sales=sums.payments.get(m.value, 0),
                           abonos=0 if m is PaymentMethod.FIADO else sums.abonos.get(m.value, 0),
                           refunds=refunds.get(m, 0))
             for m in PaymentMethod}
    report = CorteReport(
        shift=ShiftInfo(shift.shift_id, shift.cashier_name, shift.float_amount,
                        str(shift.device_id) if shift.device_id else None, shift.opened_at),
        forms=forms, cash_in=sums.cash_in, cash_out=sums.cash_out, movements=(),
        sales_count=sums.sales_count, sales_total=sums.sales_total,
        returns_count=sums.returns_count, cancelled_count=0, pending_changes=None,
        closed_at=shift.closed_at)
    return report.with_counted({PaymentMethod(m): a for m, a in shift.counted.items()}, shift.note)


class FormLine(BaseModel):
    method: str
    label: str
    expected_centavos: int
    counted_centavos: int | None
    difference_centavos: int | None = Field(description="Contado menos esperado: negativo es "
                                                        "faltante, positivo sobrante.")


class CorteOut(BaseModel):
    shift_id: uuid.UUID
    device: str | None
    cashier: str | None
    opened_at: datetime
    closed_at: datetime
    float_centavos: int
    sales_count: int
    sales_total_centavos: int
    cash_in_centavos: int
    cash_out_centavos: int
    forms: list[FormLine]
    note: str | None


def _corte_out(report: CorteReport, shift: ClosedShift) -> CorteOut:
    assert report.closed_at is not None
    return CorteOut(
        shift_id=shift.shift_id, device=shift.device_name, cashier=shift.cashier_name,
        opened_at=shift.opened_at, closed_at=report.closed_at, float_centavos=shift.float_amount,
        sales_count=report.sales_count, sales_total_centavos=report.sales_total,
        cash_in_centavos=report.cash_in, cash_out_centavos=report.cash_out,
        forms=[FormLine(method=m.value, label=METHOD_LABELS[m],
                        expected_centavos=report.expected(m), counted_centavos=report.counted.get(m),
                        difference_centavos=report.difference(m)) for m in COUNTED_METHODS],
        note=report.note)


class LastCorteArgs(ToolInput):
    pass


class LastCorte(ToolOutput):
    corte: CorteOut | None


@tool("last_corte", "Último corte", OWNER_ONLY)
async def last_corte(ctx: ToolContext, conn: Connection, args: LastCorteArgs) -> LastCorte:
    """El último corte Z de la tienda (de cualquier caja): lo esperado contra lo contado en
    efectivo, tarjeta y transferencia, y si cuadró, faltó o sobró."""
    shifts = await cortes.closed(conn, ctx.tenant_id, 1)
    if not shifts:
        return LastCorte(summary="Todavía no hay cortes Z.", corte=None)
    report = await corte_of(conn, ctx.tenant_id, shifts[0])
    out = _corte_out(report, shifts[0])
    where = f" de {out.device}" if out.device else ""
    who = f" ({out.cashier})" if out.cashier else ""
    parts = [f"{f.label}: esperado {format_mxn(f.expected_centavos)}, contado "
             f"{format_mxn(f.counted_centavos)} — {describe_difference(f.difference_centavos or 0)}"
             for f in out.forms if f.counted_centavos is not None]
    text = (f"Último corte{where}{who}, {out.closed_at.astimezone(ctx.tz):%d/%m/%Y %H:%M}: "
            f"{count(out.sales_count, 'venta')} por {format_mxn(out.sales_total_centavos)}.\n"
            + "\n".join(f"• {p}" for p in parts))
    return LastCorte(summary=text, corte=out)


class DifferencesArgs(ToolInput):
    limit: int = Field(10, ge=1, le=60, description="Cuántos cortes recientes revisar.")


class DifferenceRow(BaseModel):
    closed_at: datetime
    device: str | None
    cashier: str | None
    cash_difference_centavos: int | None
    other_differences: dict[str, int]


class CashDifferences(ToolOutput):
    cortes: list[DifferenceRow]
    shortages_centavos: int = Field(description="La suma de los faltantes de efectivo.")
    surpluses_centavos: int


@tool("cash_differences", "Diferencias de caja", OWNER_ONLY)
async def cash_differences(ctx: ToolContext, conn: Connection, args: DifferencesArgs
                           ) -> CashDifferences:
    """Las diferencias de caja de los cortes Z recientes: cuánto faltó o sobró de efectivo (y de
    tarjeta o transferencia) en cada uno, con quién y en qué caja."""
    rows: list[DifferenceRow] = []
    for shift in await cortes.closed(conn, ctx.tenant_id, args.limit):
        report = await corte_of(conn, ctx.tenant_id, shift)
        others = {METHOD_LABELS[m]: d for m in COUNTED_METHODS if m is not PaymentMethod.CASH
                  and (d := report.difference(m))}
        rows.append(DifferenceRow(closed_at=shift.closed_at, device=shift.device_name,
                                  cashier=shift.cashier_name,
                                  cash_difference_centavos=report.difference(PaymentMethod.CASH),
                                  other_differences=others))
    cash = [r.cash_difference_centavos or 0 for r in rows]
    short, over = -sum(d for d in cash if d < 0), sum(d for d in cash if d > 0)
    if not rows:
        return CashDifferences(summary="Todavía no hay cortes Z.", cortes=[], shortages_centavos=0,
                               surpluses_centavos=0)
    lines = "\n".join(f"• {r.closed_at.astimezone(ctx.tz):%d/%m %H:%M} {r.cashier or ''}: "
                      f"{_cash_text(r.cash_difference_centavos)}" for r in rows)
    last = "En el último corte" if len(rows) == 1 else "En los últimos " + count(len(rows), "corte")
    text = (f"{last} faltaron {format_mxn(short)} y sobraron "
            f"{format_mxn(over)} de efectivo.\n{lines}")
    return CashDifferences(summary=text, cortes=rows, shortages_centavos=short,
                           surpluses_centavos=over)


def _cash_text(difference: int | None) -> str:
    return describe_difference(difference) if difference is not None else "sin conteo de efectivo"


TOOLS = [last_corte, cash_differences]

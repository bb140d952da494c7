"""The corte X or Z on paper: expected, counted and difference per payment form, the cash
movements, and whether every change has reached the server."""

from __future__ import annotations

import textwrap
from datetime import datetime
from zoneinfo import ZoneInfo

from pos_client.receipts.document import Document, DocumentBuilder, Style
from shared.clock import shown_date_time
from shared.corte import METHOD_LABELS, CorteKind, CorteReport, FormTotals, describe_difference, pending_text
from shared.money import format_mxn
from shared.sale import PaymentMethod

WIDTH = 32  # the narrowest paper (58 mm): every line must fit it


def corte_document(report: CorteReport, kind: CorteKind, shop_name: str, tz: ZoneInfo,
                   printed_at: datetime) -> Document:
    """The paper the cashier signs. How many changes have not reached the server yet is printed
    when known: not on a reprint (``report.pending_changes`` None), where today's count would
    say nothing about the close."""
    b = DocumentBuilder()
    b.add(shop_name, Style.TITLE)
    b.add("CORTE Z (cierre de turno)" if kind == "Z" else "CORTE X (parcial)", Style.CENTER)
    b.add("Abierto", right=_when(report.shift.opened_at, tz))
    if report.closed_at is not None:
        b.add("Cerrado", right=_when(report.closed_at, tz))
    b.add("Impreso", right=_when(printed_at, tz))
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


def _when(moment: datetime, tz: ZoneInfo) -> str:
    return shown_date_time(moment, tz)


def _wrapped(builder: DocumentBuilder, text: str, style: Style = Style.NORMAL) -> None:
    for part in textwrap.wrap(text, WIDTH) or [""]:
        builder.add(part, style)


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
    b.add("Salidas", right=format_mxn(-report.cash_out))  # "$0.00" when none, never "-$0.00"
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

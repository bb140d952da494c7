"""Invoice tools: the owner's month of CFDI at a glance — issued by kind with their totals,
cancelled, in process, errors, and the sales still waiting for their factura global. Read only;
the piles are the back room's (services.invoice_records.sorted_out), the pending periods the
worker's (services.global_invoice.uncovered)."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, Field

from shared.money import format_mxn
from shared.spanish import count
from sync_server.repositories import Connection, integrations, invoices
from sync_server.repositories.invoices import InvoiceRow
from sync_server.services.fiscal import KIND_CFDI, KIND_CSD, Preferences
from sync_server.services.global_invoice import uncovered
from sync_server.services.invoice_records import sorted_out
from sync_server.tools.base import OWNER_ONLY, ToolContext, ToolOutput, tool
from sync_server.tools.period import PeriodArgs, PeriodName, resolve

# The kinds as the owner names them, in the order they are told.
KINDS = {"ticket": ("factura a cliente", "facturas a clientes"),
         "global": ("factura global", "facturas globales"),
         "credit": ("nota de crédito", "notas de crédito"),
         "payment": ("complemento de pago", "complementos de pago")}
SHOWN_ERRORS = 5


class InvoicesArgs(PeriodArgs):
    period: PeriodName = Field(
        "este_mes", description="Periodo (por omisión este_mes): hoy, ayer, esta_semana, "
                                "semana_pasada, este_mes, mes_pasado, ultimos_7_dias, "
                                "ultimos_30_dias, o personalizado con start y end.")


class KindTotal(BaseModel):
    kind: str = Field(description="ticket (a un cliente), global, credit (nota de crédito) o "
                                  "payment (complemento de pago).")
    count: int
    total_centavos: int


class InvoiceError(BaseModel):
    number: str = Field(description="Serie y folio, p. ej. F-12.")
    kind: str
    issued_at: date = Field(description="Día en que se hizo, en la zona de la tienda.")
    error: str | None = Field(description="Lo que dijo el PAC o el SAT, si lo dijo.")


class PendingGlobal(BaseModel):
    first_day: date
    last_day: date
    sales: int = Field(description="Ventas del periodo que ninguna factura cubre todavía.")


class InvoicesSummary(ToolOutput):
    label: str
    first_day: date
    last_day: date
    invoices: bool = Field(description="La tienda tiene sus datos fiscales y su CSD.")
    issued: list[KindTotal] = Field(description="Emitidas en el periodo (timbradas o en "
                                                "proceso, sin las canceladas), por tipo.")
    in_process: int = Field(description="De las emitidas, las que el SAT aún no timbra.")
    cancelled: int
    errors: int = Field(description="Con error, de cualquier fecha: rechazadas por el PAC, "
                                    "atoradas o con la cancelación rechazada.")
    error_list: list[InvoiceError]
    pending_globals: list[PendingGlobal] = Field(
        description="Periodos cerrados cuyas ventas esperan su factura global.")


@tool("invoices_summary", "Resumen de facturas", OWNER_ONLY)
async def invoices_summary(ctx: ToolContext, conn: Connection, args: InvoicesArgs
                           ) -> InvoicesSummary:
    """Las facturas (CFDI) de la tienda en un periodo, por omisión este mes: cuántas se
    emitieron y por cuánto (a clientes, globales, notas de crédito, complementos de pago),
    cuántas se cancelaron, cuáles siguen en proceso, cuáles tienen error y qué ventas esperan
    su factura global."""
    span = resolve(args, ctx.today, ctx.tz)
    issued, cancelled, errors = sorted_out(
        await invoices.list_between(conn, ctx.tenant_id, span.lo, span.hi),
        await invoices.unfinished(conn, ctx.tenant_id))
    set_up = await integrations.get(conn, ctx.tenant_id, KIND_CSD) is not None
    pending: list[PendingGlobal] = []
    if set_up:
        stored = await integrations.get(conn, ctx.tenant_id, KIND_CFDI)
        periodicity = Preferences.from_settings(stored.settings if stored else {}).periodicity
        pending = [PendingGlobal(first_day=p.start, last_day=p.end - timedelta(days=1), sales=n)
                   for p, n in (await uncovered(conn, ctx.tenant_id, ctx.now, ctx.tz,
                                                periodicity)).items()]
    totals = [KindTotal(kind=k, count=sum(r.kind == k for r in issued),
                        total_centavos=sum(r.total for r in issued if r.kind == k)) for k in KINDS]
    out = InvoicesSummary(
        summary="", label=span.label, first_day=span.first, last_day=span.end - timedelta(days=1),
        invoices=set_up, issued=[t for t in totals if t.count],
        in_process=sum(r.status != "stamped" for r in issued), cancelled=len(cancelled),
        errors=len(errors), error_list=[_error(ctx, r) for r in errors[:SHOWN_ERRORS]],
        pending_globals=pending)
    return out.model_copy(update={"summary": _text(out)})


def _error(ctx: ToolContext, row: InvoiceRow) -> InvoiceError:
    said = row.cancel_error if row.cancel_status == "refused" else row.last_error
    return InvoiceError(number=f"{row.series}-{row.folio}", kind=row.kind,
                        issued_at=row.issued_at.astimezone(ctx.tz).date(), error=said)


def _text(s: InvoicesSummary) -> str:
    if not s.invoices and not s.issued and not s.cancelled and not s.errors:
        return ("La tienda todavía no emite facturas: faltan sus datos fiscales o su certificado "
                "(CSD). Se configuran en la caja, en Facturación.")
    kinds = [f"{count(t.count, *KINDS[t.kind])} por {format_mxn(t.total_centavos)}"
             for t in s.issued]
    lines = [f"Facturas de {s.label}: " + (_join(kinds) if kinds else "ninguna emitida") + "."]
    if s.in_process:
        lines.append(f"En proceso con el SAT: {s.in_process}.")
    if s.cancelled:
        lines.append(f"Canceladas: {s.cancelled}.")
    if s.errors:
        shown = "; ".join(f"{e.number}" + (f": {e.error[:120]}" if e.error else "")
                          for e in s.error_list)
        more = f" y {s.errors - len(s.error_list)} más" if s.errors > len(s.error_list) else ""
        lines.append(f"Con error: {s.errors} ({shown}{more}). Revísalas en la caja, en "
                     "Facturación.")
    else:
        lines.append("Ninguna con error.")
    for p in s.pending_globals:
        days = f"del {p.first_day:%d/%m} al {p.last_day:%d/%m}" if p.first_day != p.last_day \
            else f"del {p.first_day:%d/%m}"
        lines.append(f"Factura global pendiente {days}: {count(p.sales, 'venta')} sin facturar.")
    return "\n".join(lines)


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " y " + parts[-1]


TOOLS = [invoices_summary]

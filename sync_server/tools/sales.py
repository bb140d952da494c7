"""Sales tools: a period's totals against the one before, sales by day, hour, department and
payment form, the best sellers and the gross margin. Figures follow the till's reports: a
period is local days, returns count on the day they happen, departments are the products'
current ones, a refund is split by where its money went (shared.returns.refund_parts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from shared.money import div_round_half_up, format_mxn
from shared.quantity import format_quantity, value_of
from shared.returns import refund_parts
from shared.spanish import count
from sync_server.repositories import Connection, sales_report
from sync_server.repositories.sales_report import Bucket, Totals
from sync_server.tools.base import OWNER_ONLY, ToolContext, ToolOutput, tool
from sync_server.tools.period import PeriodArgs, Span, day_label, previous, resolve

NO_DEPARTMENT = "Sin departamento"
PAYMENT_LABELS = {"efectivo": "Efectivo", "tarjeta": "Tarjeta", "transferencia": "Transferencia",
                  "fiado": "Fiado"}


class PeriodTotals(BaseModel):
    label: str
    first_day: date
    last_day: date
    tickets: int
    gross_centavos: int = Field(description="Ventas (suma de los tickets) en centavos.")
    returns_centavos: int = Field(description="Devoluciones hechas en el periodo, en centavos.")
    net_centavos: int
    average_ticket_centavos: int | None


def _totals(t: Totals, s: Span) -> PeriodTotals:
    return PeriodTotals(label=s.label, first_day=s.first, last_day=s.end - timedelta(days=1),
        tickets=t.tickets, gross_centavos=t.gross,
        returns_centavos=t.returns, net_centavos=t.gross - t.returns,
        average_ticket_centavos=div_round_half_up(t.gross, t.tickets) if t.tickets else None)


def _change_bp(now: int, before: int) -> int | None:
    return div_round_half_up((now - before) * 10_000, before) if before > 0 else None


def _compared(cur: PeriodTotals, prev: PeriodTotals) -> str:
    change = _change_bp(cur.net_centavos, prev.net_centavos)
    if change is None:
        return f"{prev.label} no hubo ventas para comparar."
    word = "más" if change >= 0 else "menos"
    return (f"Contra {prev.label}: {format_mxn(prev.net_centavos)}, {abs(change) / 100:.1f} % "
            f"{word}.")


async def _period(ctx: ToolContext, conn: Connection, args: PeriodArgs
                  ) -> tuple[Span, PeriodTotals, PeriodTotals]:
    cur = resolve(args, ctx.today, ctx.tz)
    prev = previous(cur, ctx.tz, ctx.now)
    now_t = await sales_report.totals(conn, ctx.tenant_id, cur.lo, cur.hi)
    before_t = await sales_report.totals(conn, ctx.tenant_id, prev.lo, prev.hi)
    return cur, _totals(now_t, cur), _totals(before_t, prev)


class SalesSummary(ToolOutput):
    period: PeriodTotals
    previous: PeriodTotals
    change_bp: int | None = Field(description="Cambio de la venta neta contra el periodo anterior, "
                                              "en puntos base (1250 = 12.5 %); null sin ventas antes.")


@tool("sales_summary", "Resumen de ventas", OWNER_ONLY)
async def sales_summary(ctx: ToolContext, conn: Connection, args: PeriodArgs) -> SalesSummary:
    """Cuánto se vendió en un periodo (tickets, ventas, devoluciones, neto, ticket promedio) y
    cómo va contra el periodo anterior del mismo largo (hoy contra ayer a la misma hora, esta
    semana contra la pasada…)."""
    _, cur, prev = await _period(ctx, conn, args)
    avg = f", ticket promedio {format_mxn(cur.average_ticket_centavos)}" \
        if cur.average_ticket_centavos else ""
    back = f", devoluciones {format_mxn(cur.returns_centavos)}" if cur.returns_centavos else ""
    text = (f"Ventas de {cur.label}: {format_mxn(cur.net_centavos)} netos en {cur.tickets} "
            f"tickets{avg}{back}. {_compared(cur, prev)}")
    return SalesSummary(summary=text, period=cur, previous=prev,
                        change_bp=_change_bp(cur.net_centavos, prev.net_centavos))


# ---- breakdowns -------------------------------------------------------------------------------


class BreakdownRow(BaseModel):
    key: str
    label: str
    tickets: int
    gross_centavos: int
    returns_centavos: int
    net_centavos: int


class Breakdown(ToolOutput):
    period: PeriodTotals
    previous: PeriodTotals
    rows: list[BreakdownRow]


def _rows(sold: Iterable[Bucket], returned: dict[date | int, int] | dict[str, int],
          label: Callable[[date | int | str], str], biggest_first: bool) -> list[BreakdownRow]:
    """As the till adds them up: a row per key sold or returned, in key order, or biggest net
    first (ties in key order) for departments and payment forms."""
    tickets: dict[date | int | str, int] = defaultdict(int)
    gross: dict[date | int | str, int] = defaultdict(int)
    for b in sold:
        tickets[b.key] += b.tickets
        gross[b.key] += b.amount
    back: dict[date | int | str, int] = defaultdict(int, returned)  # type: ignore[arg-type]
    keys = sorted(set(gross) | set(back), key=lambda k: (str(type(k)), k))  # one kind per report
    rows = [BreakdownRow(key=str(k), label=label(k), tickets=tickets[k], gross_centavos=gross[k],
                         returns_centavos=back[k], net_centavos=gross[k] - back[k]) for k in keys]
    if biggest_first:
        rows.sort(key=lambda r: -r.net_centavos)
    return rows


def _breakdown_text(title: str, cur: PeriodTotals, prev: PeriodTotals, rows: list[BreakdownRow],
                    shown: int = 12) -> str:
    lines = "\n".join(f"• {r.label}: {format_mxn(r.net_centavos)} ({count(r.tickets, 'ticket')})"
                      for r in rows[:shown])
    more = f"\n…y {len(rows) - shown} más." if len(rows) > shown else ""
    if not rows:
        return f"{title} de {cur.label}: no hubo ventas. {_compared(cur, prev)}"
    return (f"{title} de {cur.label} (neto {format_mxn(cur.net_centavos)}):\n{lines}{more}\n"
            f"{_compared(cur, prev)}")


@tool("sales_by_day", "Ventas por día", OWNER_ONLY)
async def sales_by_day(ctx: ToolContext, conn: Connection, args: PeriodArgs) -> Breakdown:
    """Ventas de cada día del periodo (tickets, ventas, devoluciones, neto), y el total contra el
    periodo anterior."""
    cur_span, cur, prev = await _period(ctx, conn, args)
    lo, hi, tz = cur_span.lo, cur_span.hi, ctx.tz.key
    rows = _rows(await sales_report.sales_by_time(conn, ctx.tenant_id, lo, hi, tz, "day"),
                 await sales_report.returns_by_time(conn, ctx.tenant_id, lo, hi, tz, "day"),
                 lambda k: day_label(k) if isinstance(k, date) else str(k), False)
    return Breakdown(summary=_breakdown_text("Ventas por día", cur, prev, rows, 31), period=cur,
                     previous=prev, rows=rows)


@tool("sales_by_hour", "Ventas por hora", OWNER_ONLY)
async def sales_by_hour(ctx: ToolContext, conn: Connection, args: PeriodArgs) -> Breakdown:
    """Ventas por hora del día (reloj de la tienda) en el periodo: a qué horas se vende más."""
    cur_span, cur, prev = await _period(ctx, conn, args)
    lo, hi, tz = cur_span.lo, cur_span.hi, ctx.tz.key
    rows = _rows(await sales_report.sales_by_time(conn, ctx.tenant_id, lo, hi, tz, "hour"),
                 await sales_report.returns_by_time(conn, ctx.tenant_id, lo, hi, tz, "hour"),
                 lambda h: f"{h:02d}:00" if isinstance(h, int) else str(h), False)
    return Breakdown(summary=_breakdown_text("Ventas por hora", cur, prev, rows, 24), period=cur,
                     previous=prev, rows=rows)


@tool("sales_by_department", "Ventas por departamento", OWNER_ONLY)
async def sales_by_department(ctx: ToolContext, conn: Connection, args: PeriodArgs) -> Breakdown:
    """Ventas por departamento (el actual de cada producto; los artículos sin departamento van
    en «Sin departamento»), el que más vende primero."""
    cur_span, cur, prev = await _period(ctx, conn, args)
    lo, hi = cur_span.lo, cur_span.hi
    rows = _rows(await sales_report.sales_by_department(conn, ctx.tenant_id, lo, hi, NO_DEPARTMENT),
                 await sales_report.returns_by_department(conn, ctx.tenant_id, lo, hi, NO_DEPARTMENT),
                 str, True)
    return Breakdown(summary=_breakdown_text("Ventas por departamento", cur, prev, rows),
                     period=cur, previous=prev, rows=rows)


@tool("sales_by_payment", "Ventas por forma de pago", OWNER_ONLY)
async def sales_by_payment(ctx: ToolContext, conn: Connection, args: PeriodArgs) -> Breakdown:
    """Ventas por forma de pago (efectivo ya sin el cambio, tarjeta, transferencia, fiado); las
    devoluciones van donde fue su dinero (a la cuenta del cliente o de la caja)."""
    cur_span, cur, prev = await _period(ctx, conn, args)
    back: dict[str, int] = defaultdict(int)
    for g in await sales_report.refund_groups(conn, ctx.tenant_id, cur_span.lo, cur_span.hi):
        for method, part in refund_parts(g.refund_method, g.amount, g.to_account, g.card,
                                         g.transfer).items():
            back[method] += part
    rows = _rows(await sales_report.sales_by_payment(conn, ctx.tenant_id, cur_span.lo, cur_span.hi),
                 dict(back), lambda m: PAYMENT_LABELS.get(str(m), str(m)), True)
    return Breakdown(summary=_breakdown_text("Ventas por forma de pago", cur, prev, rows),
                     period=cur, previous=prev, rows=rows)


# ---- products ---------------------------------------------------------------------------------


class TopArgs(PeriodArgs):
    by: Literal["amount", "qty"] = Field("amount", description="amount: por importe; qty: por cantidad.")
    limit: int = Field(10, ge=1, le=50)


class ProductSalesRow(BaseModel):
    product_id: str | None
    name: str
    department: str
    qty: str
    qty_milli: int
    amount_centavos: int


class TopProducts(ToolOutput):
    period: PeriodTotals
    rows: list[ProductSalesRow]


@tool("top_products", "Productos más vendidos", OWNER_ONLY)
async def top_products(ctx: ToolContext, conn: Connection, args: TopArgs) -> TopProducts:
    """Los productos más vendidos del periodo, por importe o por cantidad, ya descontadas sus
    devoluciones."""
    cur_span, cur, _ = await _period(ctx, conn, args)
    qty: dict[tuple[str | None, str], int] = defaultdict(int)
    amount: dict[tuple[str | None, str], int] = defaultdict(int)
    dept: dict[tuple[str | None, str], str] = {}
    for g in await sales_report.product_sales(conn, ctx.tenant_id, cur_span.lo, cur_span.hi,
                                              NO_DEPARTMENT):
        key = (str(g.product_id) if g.product_id else None, g.name)
        qty[key] += g.qty_milli
        amount[key] += g.amount
        dept.setdefault(key, g.department)
    ranked = sorted(qty, key=lambda k: (-(amount[k] if args.by == "amount" else qty[k]), k[1]))
    rows = [ProductSalesRow(product_id=k[0], name=k[1], department=dept[k],
                            qty=format_quantity(qty[k]), qty_milli=qty[k], amount_centavos=amount[k])
            for k in ranked[:args.limit]]
    what = "importe" if args.by == "amount" else "cantidad"
    lines = "\n".join(f"{i}. {r.name}: {r.qty} — {format_mxn(r.amount_centavos)}"
                      for i, r in enumerate(rows, 1))
    text = (f"Más vendidos por {what}, {cur.label}:\n{lines}" if rows
            else f"No hubo ventas {cur.label}.")
    return TopProducts(summary=text, period=cur, rows=rows)


class MarginRow(BaseModel):
    name: str
    qty: str
    net_centavos: int
    cost_centavos: int | None = Field(description="null: sin costo registrado (fuera del margen).")
    margin_centavos: int | None


class GrossMargin(ToolOutput):
    period: PeriodTotals
    net_sales_centavos: int
    costed_sales_centavos: int = Field(description="Ventas netas de lo que tiene costo.")
    cost_centavos: int
    margin_centavos: int
    margin_bp: int | None = Field(description="Margen sobre lo vendido con costo, en puntos base.")
    rows: list[MarginRow]


class MarginArgs(PeriodArgs):
    limit: int = Field(15, ge=1, le=100, description="Cuántos productos listar.")


@tool("gross_margin", "Margen bruto", OWNER_ONLY)
async def gross_margin(ctx: ToolContext, conn: Connection, args: MarginArgs) -> GrossMargin:
    """Margen bruto del periodo: ventas netas menos su costo (el costo de cada renglón cuando se
    vendió, o el actual del producto si no lo tiene). Lo vendido sin costo queda aparte, para
    no inflar el porcentaje."""
    cur_span, cur, _ = await _period(ctx, conn, args)
    qty: dict[tuple[str | None, str, bool], int] = defaultdict(int)
    net: dict[tuple[str | None, str, bool], int] = defaultdict(int)
    cost: dict[tuple[str | None, str, bool], int] = defaultdict(int)
    for g in await sales_report.cost_groups(conn, ctx.tenant_id, cur_span.lo, cur_span.hi):
        key = (str(g.product_id) if g.product_id else None, g.name, g.unit_cost is not None)
        qty[key] += g.qty_milli * g.count
        net[key] += g.amount
        if g.unit_cost is not None:
            cost[key] += g.count * value_of(g.qty_milli, g.unit_cost)
    rows = [MarginRow(name=k[1], qty=format_quantity(qty[k]), net_centavos=net[k],
                      cost_centavos=cost[k] if k[2] else None,
                      margin_centavos=net[k] - cost[k] if k[2] else None) for k in qty]
    rows.sort(key=lambda r: (r.cost_centavos is None,
                             -(r.margin_centavos if r.margin_centavos is not None else r.net_centavos),
                             r.name))
    costed = sum(r.net_centavos for r in rows if r.cost_centavos is not None)
    total_cost = sum(r.cost_centavos or 0 for r in rows)
    margin = costed - total_cost
    margin_bp = div_round_half_up(margin * 10_000, costed) if costed > 0 else None
    net_sales = sum(r.net_centavos for r in rows)
    pct = f" ({margin_bp / 100:.1f} %)" if margin_bp is not None else ""
    uncosted = net_sales - costed
    text = (f"Margen bruto de {cur.label}: {format_mxn(margin)}{pct} sobre "
            f"{format_mxn(costed)} vendidos con costo."
            + (f" Sin costo registrado: {format_mxn(uncosted)}." if uncosted else ""))
    return GrossMargin(summary=text, period=cur, net_sales_centavos=net_sales,
                       costed_sales_centavos=costed, cost_centavos=total_cost,
                       margin_centavos=margin, margin_bp=margin_bp, rows=rows[:args.limit])


TOOLS = [sales_summary, sales_by_day, sales_by_hour, sales_by_department, sales_by_payment,
         top_products, gross_margin]

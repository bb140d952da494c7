"""The owner's daily summary at closing time: sales and tickets, payment forms, best sellers,
fiado given and collected, the day's cortes and their cash difference, the same weekday last
week, and the tills whose data may be missing ("faltan datos de la caja C2").

Every figure comes from the shop's tools (sync_server/tools), the functions the assistant, the
bot and MCP answer with and that tests hold equal to the till's own reports: the summary adds
no second calculation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from shared.corte import describe_difference
from shared.money import div_round_half_up, format_mxn
from shared.spanish import count
from sync_server.db import Connection, tenant_tx
from sync_server.jobs.base import Job, Missed, Outcome, Run, sent, skipped
from sync_server.jobs.delivery import NotSent
from sync_server.jobs.schedule import Daily
from sync_server.repositories import fiado
from sync_server.tools import cash, sales, shop
from sync_server.tools.base import ToolContext
from sync_server.tools.period import PeriodArgs, day_label, span

# A summary at 00:00–05:59 is a shop closing after midnight: it tells the day that just ended.
AFTER_MIDNIGHT_UNTIL = time(6, 0)
# A till that synced this long before the summary (or after the day ended) has its data in.
SYNCED_LATELY = timedelta(hours=1)
TOP = 5


@dataclass(frozen=True, slots=True)
class Payment:
    method: str
    label: str
    net: int


@dataclass(frozen=True, slots=True)
class Seller:
    name: str
    qty: str
    amount: int


@dataclass(frozen=True, slots=True)
class Corte:
    closed_at: datetime
    device: str | None
    cashier: str | None
    cash_difference: int | None  # counted − expected; None: cash not counted


@dataclass(frozen=True, slots=True)
class MissingTill:
    code: str
    name: str
    last_sync_at: datetime | None


@dataclass(frozen=True, slots=True)
class DaySummary:
    day: date
    tickets: int
    gross: int
    returns: int
    net: int
    average_ticket: int | None
    payments: list[Payment]
    top: list[Seller]
    fiado_given: int  # sold on fiado, less returns credited back to accounts
    fiado_collected: int  # abonos received
    cortes: list[Corte]
    last_week_day: date
    last_week_net: int
    last_week_tickets: int
    missing: list[MissingTill]

    @property
    def quiet(self) -> bool:
        """Nothing happened that the server knows of, and no till is missing: a day the shop
        was closed says nothing."""
        return not (self.tickets or self.returns or self.fiado_collected or self.cortes
                    or self.missing)

    @property
    def change_bp(self) -> int | None:
        """Net against the same weekday last week, in basis points; None without sales then."""
        if self.last_week_net <= 0:
            return None
        return div_round_half_up((self.net - self.last_week_net) * 10_000, self.last_week_net)


def covered_day(slot_day: date, at: time) -> date:
    return slot_day - timedelta(days=1) if at < AFTER_MIDNIGHT_UNTIL else slot_day


def _day(first: date) -> PeriodArgs:
    return PeriodArgs(period="personalizado", start=first, end=first)


async def compute(ctx: ToolContext, conn: Connection, day: date) -> DaySummary:
    """The day's figures through the shop's tools, as of ``ctx.now``."""
    totals = (await sales.sales_summary.run(ctx, conn, _day(day))).period
    week = (await sales.sales_summary.run(ctx, conn, _day(day - timedelta(days=7)))).period
    by_payment = await sales.sales_by_payment.run(ctx, conn, _day(day))
    top = await sales.top_products.run(ctx, conn, sales.TopArgs(
        period="personalizado", start=day, end=day, by="amount", limit=TOP))
    bounds = span(day, day + timedelta(days=1), ctx.tz)
    recent = await cash.cash_differences.run(ctx, conn, cash.DifferencesArgs(limit=60))
    devices = await shop.devices_status.run(ctx, conn, shop.NoArgs())
    fresh_since = min(ctx.now, bounds.hi) - SYNCED_LATELY
    return DaySummary(
        day=day, tickets=totals.tickets, gross=totals.gross_centavos,
        returns=totals.returns_centavos, net=totals.net_centavos,
        average_ticket=totals.average_ticket_centavos,
        payments=[Payment(r.key, r.label, r.net_centavos) for r in by_payment.rows],
        top=[Seller(r.name, r.qty, r.amount_centavos) for r in top.rows],
        fiado_given=sum(r.net_centavos for r in by_payment.rows if r.key == "fiado"),
        fiado_collected=await fiado.paid_between(conn, ctx.tenant_id, bounds.lo, bounds.hi),
        cortes=[Corte(c.closed_at, c.device, c.cashier, c.cash_difference_centavos)
                for c in reversed(recent.cortes) if bounds.lo <= c.closed_at < bounds.hi],
        last_week_day=day - timedelta(days=7), last_week_net=week.net_centavos,
        last_week_tickets=week.tickets,
        missing=[MissingTill(d.code, d.name, d.last_sync_at) for d in devices.devices
                 if not d.revoked and (d.last_sync_at is None or d.last_sync_at < fresh_since)])


def render(s: DaySummary, shop_name: str, ctx: ToolContext, late: bool) -> str:
    """The WhatsApp text (es-MX)."""
    head = f"Resumen de {shop_name}, {day_label(s.day)}" + (" (enviado tarde)" if late else "")
    lines = [head]
    if s.tickets or s.returns:
        avg = f" (ticket promedio {format_mxn(s.average_ticket)})" if s.average_ticket else ""
        lines.append(f"Ventas: {format_mxn(s.net)} en {count(s.tickets, 'ticket')}{avg}."
                     + (f" Devoluciones: {format_mxn(s.returns)}." if s.returns else ""))
    else:
        lines.append("No hubo ventas.")
    change = s.change_bp
    before = f"el {day_label(s.last_week_day)}"
    lines.append(f"Contra {before}: {format_mxn(s.last_week_net)}"
                 + (f", {abs(change) / 100:.1f} % {'más' if change >= 0 else 'menos'}."
                    if change is not None else "."))
    if s.payments:
        lines.append("Formas de pago: " + " · ".join(f"{p.label} {format_mxn(p.net)}"
                                                     for p in s.payments))
    if s.top:
        lines.append("Más vendidos: " + "; ".join(f"{i}. {t.name}: {t.qty} — {format_mxn(t.amount)}"
                                                  for i, t in enumerate(s.top, 1)))
    lines.append(f"Fiado: se dio {format_mxn(s.fiado_given)} y se cobró "
                 f"{format_mxn(s.fiado_collected)}.")
    for c in s.cortes:
        who = " ".join(x for x in (c.device, f"({c.cashier})" if c.cashier else None) if x)
        diff = describe_difference(c.cash_difference) if c.cash_difference is not None \
            else "sin conteo de efectivo"
        lines.append(f"Corte {who + ' ' if who else ''}de las "
                     f"{c.closed_at.astimezone(ctx.tz):%H:%M}: {diff}.")
    if not s.cortes:
        lines.append("Sin corte Z este día.")
    for m in s.missing:
        since = (f"no sincroniza desde el {m.last_sync_at.astimezone(ctx.tz):%d/%m %H:%M}"
                 if m.last_sync_at else "nunca ha sincronizado")
        lines.append(f"⚠ Faltan datos de la caja {m.code} ({m.name}): {since}; sus ventas no "
                     "están en este resumen.")
    return "\n".join(lines)


async def run_summary(run: Run) -> Outcome:
    at = run.slot.at.astimezone(run.tz).time()
    day = covered_day(run.slot.local_day or run.now.astimezone(run.tz).date(), at)
    async with tenant_tx(run.env.pool, run.tenant_id) as conn:
        ctx = await run.tools(conn)
        figures = await compute(ctx, conn, day)
        text = render(figures, ctx.shop_name, ctx, run.late)
        detail = {"day": day.isoformat(), "net": figures.net, "tickets": figures.tickets,
                  "figures": asdict(figures), "text": text}
        if figures.quiet:
            return skipped("no_activity", **detail)
        delivery = await run.env.messages.to_owner(conn, run.tenant_id, run.message_id(),
                                                   "daily_summary", text)
    if isinstance(delivery, NotSent):
        return skipped(delivery.reason, **detail)
    return sent(**detail)


DAILY_SUMMARY = Job(
    name="daily_summary", title="Resumen del día",
    description="Al cierre: ventas, tickets, formas de pago, lo más vendido, fiado dado y "
                "cobrado, el corte y su diferencia, y cómo va contra el mismo día de la semana "
                "pasada. Llega al WhatsApp verificado del dueño.",
    schedule=Daily(time(21, 30)), enabled_by_default=True, missed=Missed.SEND_LATE,
    run=run_summary)

"""What fell to its minimum or below today, with how much to order (from sales velocity), for
the owner. The products and quantities are the shop tools' ``low_stock`` and
``reorder_suggestions``: the assistant and the bot would name the same ones.

"Fell today": below minimum now and not at the last run (each run keeps the list it saw); the
first run names everything below minimum. The ones still low from before are only counted.
"""

from __future__ import annotations

from datetime import time

from sync_server.db import tenant_tx
from sync_server.jobs.base import Job, Missed, Outcome, Run, sent, skipped
from sync_server.jobs.delivery import NotSent
from sync_server.jobs.schedule import Daily
from sync_server.repositories import job_runs
from sync_server.tools import catalog
from sync_server.tools.period import day_label

JOB = "low_stock"
SHOWN = 20


async def run_low_stock(run: Run) -> Outcome:
    async with tenant_tx(run.env.pool, run.tenant_id) as conn:
        ctx = await run.tools(conn)
        low = (await catalog.low_stock.run(ctx, conn, catalog.LowStockArgs(limit=200))).products
        order = {i.product.product_id: i for i in (await catalog.reorder_suggestions.run(
            ctx, conn, catalog.ReorderArgs(days=30, cover_days=7, limit=200))).products}
        before = await job_runs.last_finished(conn, run.tenant_id, JOB, run.slot.period_key,
                                              having="below")
        seen = set((before.detail or {}).get("below", [])) if before else set()
        fell = [i for i in low if str(i.product.product_id) not in seen]
        below = [str(i.product.product_id) for i in low]
        if not fell:
            return skipped("nothing_fell", below=below)
        lines = []
        for i in fell[:SHOWN]:
            suggestion = order.get(i.product.product_id)
            ask = f" — pedir {suggestion.order}" if suggestion else ""
            lines.append(f"• {i.product.name}: quedan {i.product.stock} (mínimo {i.min_stock}){ask}")
        more = len(fell) - SHOWN
        still = len(low) - len(fell)
        day = run.slot.local_day or run.now.astimezone(run.tz).date()
        text = (f"Existencias bajas en {ctx.shop_name}, {day_label(day)}"
                + (" (enviado tarde)" if run.late else "") + ":\n" + "\n".join(lines)
                + (f"\n…y {more} más." if more > 0 else "")
                + (f"\nOtros {still} siguen bajo su mínimo desde antes." if still else ""))
        delivery = await run.env.messages.to_owner(conn, run.tenant_id, run.message_id(),
                                                   "low_stock", text)
    detail = {"below": below, "fell": [str(i.product.product_id) for i in fell], "text": text}
    if isinstance(delivery, NotSent):
        return skipped(delivery.reason, **detail)
    return sent(**detail)


LOW_STOCK = Job(
    name=JOB, title="Existencias bajas",
    description="Lo que hoy quedó en su mínimo o por debajo, con cuánto pedir según lo que se "
                "vende. Llega al WhatsApp verificado del dueño.",
    schedule=Daily(time(21, 0)), enabled_by_default=True, missed=Missed.SEND_LATE,
    run=run_low_stock)

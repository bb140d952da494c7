"""A till that was selling and has not synced for a day: its sales are invisible to the owner,
the reports and invoicing. The owner is told once per silent spell, and not again once it syncs.

Checked every hour in every replica. A spell is named by the till and the moment it last
synced: the alert for it is claimed like a run (one replica sends it, once, ever), and a till
that syncs and falls silent again starts a new spell.
"""

from __future__ import annotations

from datetime import timedelta

from shared.spanish import count
from sync_server.db import tenant_tx
from sync_server.jobs.base import Job, Missed, Outcome, Run, message_id, sent, skipped
from sync_server.jobs.delivery import NotSent
from sync_server.jobs.schedule import Every
from sync_server.repositories import job_runs
from sync_server.repositories.job_runs import Claim
from sync_server.tools import shop
from sync_server.tools.base import ToolContext

SILENT_FOR = shop.STALE_AFTER  # 24 hours, as the devices tool says "más de un día"
SOLD_WITHIN = timedelta(days=7)  # it was selling: a sale within a week before it went quiet
JOB = "stale_till"


def _text(ctx: ToolContext, d: shop.DeviceOut) -> str:
    assert d.last_sync_at is not None
    hours = int((ctx.now - d.last_sync_at).total_seconds() // 3600)
    return (f"⚠ La caja {d.code} ({d.name}) de {ctx.shop_name} no sincroniza desde el "
            f"{d.last_sync_at.astimezone(ctx.tz):%d/%m %H:%M} (hace {count(hours, 'hora')}). Sus ventas "
            "no se ven en los reportes ni en la facturación. Revisa que esté encendida y con "
            "internet; al sincronizar se pone al día sola.")


async def check_tills(run: Run) -> Outcome:
    alerted = []
    async with tenant_tx(run.env.pool, run.tenant_id) as conn:
        ctx = await run.tools(conn)
        devices = (await shop.devices_status.run(ctx, conn, shop.NoArgs())).devices
    for d in devices:
        if d.revoked or d.last_sync_at is None or d.last_sale_at is None:
            continue  # never synced or never sold: nothing the owner is missing
        if d.last_sync_at > run.now - SILENT_FOR or d.last_sale_at < d.last_sync_at - SOLD_WITHIN:
            continue
        spell = f"{d.device_id}@{d.last_sync_at.isoformat(timespec='seconds')}"
        # Claim, queue and finish in one transaction: a crash leaves none of it (the next
        # check tries again), and a second replica's claim waits for this one and finds it.
        async with tenant_tx(run.env.pool, run.tenant_id) as conn:
            claim = Claim(run.env.replica, run.now, run.env.lease, timedelta(minutes=5))
            if not await job_runs.claim(conn, run.tenant_id, JOB, spell,
                                        d.last_sync_at + SILENT_FOR, False, claim):
                continue  # this spell was told already
            text = _text(ctx, d)
            delivery = await run.env.messages.to_owner(
                conn, run.tenant_id, message_id(run.tenant_id, JOB, spell), "till_silent", text)
            status = "skipped" if isinstance(delivery, NotSent) else "sent"
            reason = delivery.reason if isinstance(delivery, NotSent) else None
            await job_runs.finish(conn, run.tenant_id, JOB, spell, status, reason,
                                  {"device": d.code, "text": text}, run.now)
        alerted.append(d.code)
    return sent(tills=alerted) if alerted else skipped("nothing_to_say")


STALE_TILL = Job(
    name=JOB, title="Caja sin sincronizar",
    description="Avisa al dueño, una vez, cuando una caja que vendía lleva más de 24 horas sin "
                "sincronizar: sus ventas no se ven en reportes ni facturación.",
    schedule=Every(timedelta(hours=1)), enabled_by_default=True, missed=Missed.SKIP,
    run=check_tills, claims_period=False)

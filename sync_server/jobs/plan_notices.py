"""Notices about the shop's plan, to the owner: the trial ends in 3 days, a payment failed,
prepaid time runs out. Billing says which are due (billing_port.PlanNotices); each one is
claimed by its key and sent once, ever."""

from __future__ import annotations

from datetime import time, timedelta

from sync_server.db import tenant_tx
from sync_server.jobs.base import Job, Missed, Outcome, Run, message_id, sent, skipped
from sync_server.jobs.delivery import NotSent
from sync_server.jobs.schedule import Daily
from sync_server.repositories import job_runs
from sync_server.repositories.job_runs import Claim

JOB = "plan_notices"
NOTICE = "plan_notice"  # each notice's own run: (shop, "plan_notice", its key)


async def run_plan_notices(run: Run) -> Outcome:
    async with tenant_tx(run.env.pool, run.tenant_id) as conn:
        notices = await run.env.plans.due(conn, run.tenant_id, run.now)
    told: dict[str, str] = {}
    for n in notices:
        async with tenant_tx(run.env.pool, run.tenant_id) as conn:
            claim = Claim(run.env.replica, run.now, run.env.lease, timedelta(minutes=5))
            if not await job_runs.claim(conn, run.tenant_id, NOTICE, n.key, run.now, False, claim):
                continue
            delivery = await run.env.messages.to_owner(
                conn, run.tenant_id, message_id(run.tenant_id, NOTICE, n.key), "plan_notice",
                n.text)
            status = "skipped" if isinstance(delivery, NotSent) else "sent"
            reason = delivery.reason if isinstance(delivery, NotSent) else None
            await job_runs.finish(conn, run.tenant_id, NOTICE, n.key, status, reason,
                                  {"text": n.text}, run.now)
            told[n.key] = status
    return sent(notices=told) if told else skipped("nothing_to_say")


PLAN_NOTICES = Job(
    name=JOB, title="Avisos del plan",
    description="Avisa al dueño cuando su periodo de prueba termina en 3 días, cuando un pago "
                "falló y cuando se acaba el tiempo prepagado.",
    schedule=Daily(time(10, 0)), enabled_by_default=True, missed=Missed.SEND_LATE,
    run=run_plan_notices)

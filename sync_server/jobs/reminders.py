"""Polite fiado reminders, for customers who agreed to them: their balance and, when the shop
has a payment provider, a link to pay it.

- Only customers who opted in (the WhatsApp channel says who; BAJA takes them out).
- At most once a week per customer, whatever the replicas and restarts: the weekly mark and
  the queued message are written in one transaction (repositories/reminders.py).
- Never in quiet hours (21:00–09:00 shop time): the owner cannot set the job's time there, and
  a run that would send in them (late, or crossing 21:00) stops.
- A debt younger than a week is not reminded (a sale on fiado yesterday is not overdue).
- Missed runs are skipped, never bunched: a run past its time does nothing, the next day's run
  reminds whoever is due then.
"""

from __future__ import annotations

from datetime import time, timedelta

from shared.money import format_mxn
from sync_server.db import tenant_tx
from sync_server.jobs.base import Job, Missed, Outcome, Run, message_id, sent, skipped
from sync_server.jobs.delivery import NotSent
from sync_server.jobs.schedule import Daily, in_quiet_hours
from sync_server.repositories import reminders
from sync_server.tools import customers
from sync_server.tools.customers import CustomerItem

JOB = "fiado_reminders"
WEEK = timedelta(days=7)
MIN_AGE_DAYS = 7


class _NotQueued(Exception):
    """Undo the week's mark: the channel did not take the message."""

    def __init__(self, why: NotSent) -> None:
        super().__init__(why.reason)
        self.why = why


def reminder_text(shop_name: str, c: CustomerItem, pay_line: str | None) -> str:
    first = c.name.split()[0] if c.name.split() else c.name
    return (f"Hola, {first}. Te saludamos de {shop_name}. Te recordamos con gusto que tu saldo "
            f"de fiado es de {format_mxn(c.balance_centavos)}."
            + (f"\n{pay_line}" if pay_line else "")
            + "\nSi ya pagaste, no hagas caso de este mensaje. ¡Gracias por tu preferencia!"
            + "\nPara no recibir estos recordatorios responde BAJA.")


async def run_reminders(run: Run) -> Outcome:
    if in_quiet_hours(run.now, run.tz):
        return skipped("quiet_hours")
    async with tenant_tx(run.env.pool, run.tenant_id) as conn:
        ctx = await run.tools(conn)
        agreed = await run.env.messages.opted_in(conn, run.tenant_id)
        owing = (await customers.debtors_by_age.run(ctx, conn, customers.AgingArgs(
            order="age", limit=200))).debtors
        due = [d.customer for d in owing if d.customer.customer_id in agreed
               and (d.customer.age_days or 0) >= MIN_AGE_DAYS and d.customer.balance_centavos > 0]
        recent = {c.customer_id for c in due
                  if (at := await reminders.last_reminded(conn, run.tenant_id, c.customer_id))
                  and at > run.slot.at - WEEK}
    reminded, not_sent = [], {}
    for c in (c for c in due if c.customer_id not in recent):
        if in_quiet_hours(run.env.clock(), run.tz):
            break  # the run reached 21:00: the rest wait for tomorrow
        pay_line = await run.env.pay_links.line(run.tenant_id, c.customer_id, c.balance_centavos)
        text = reminder_text(ctx.shop_name, c, pay_line)
        try:
            async with tenant_tx(run.env.pool, run.tenant_id) as conn:
                # The week is marked at the slot's time, not the tick's: next week's tick may
                # come a little earlier after its own slot, and must still find 7 days passed.
                if not await reminders.take_week(conn, run.tenant_id, c.customer_id,
                                                 run.slot.at, WEEK):
                    continue  # reminded meanwhile (another replica)
                delivery = await run.env.messages.to_customer(
                    conn, run.tenant_id, message_id(run.tenant_id, JOB, c.customer_id,
                                                    run.now.isoformat()),
                    c.customer_id, "reminder", text)
                if isinstance(delivery, NotSent):
                    raise _NotQueued(delivery)
            reminded.append(str(c.customer_id))
        except _NotQueued as exc:
            not_sent[str(c.customer_id)] = exc.why.reason
    detail = {"reminded": reminded, "not_sent": not_sent, "waiting_a_week": len(recent)}
    return sent(**detail) if reminded else skipped("nobody_due", **detail)


FIADO_REMINDERS = Job(
    name=JOB, title="Recordatorios de fiado",
    description="Un recordatorio amable, a lo más uno por semana, a los clientes que aceptaron "
                "recibirlos, con su saldo y un enlace de pago si la tienda cobra en línea. "
                "Nunca entre 21:00 y 09:00. Desactivado hasta que el dueño lo active.",
    schedule=Daily(time(10, 0)), enabled_by_default=False, missed=Missed.SKIP,
    run=run_reminders, customer_facing=True)

"""The factura global: every sale of a period that no invoice of its own covers, to the public.

It is issued once every till has pulled since the period closed (a till pushes its whole outbox
before it pulls, so its sales of the period have all arrived), or once the owner says not to
wait for the tills that have not, by name. The invoicing worker runs :func:`due_globals` for
every invoicing shop every few minutes, so a global is stamped within hours of its period's
close (SAT allows 24); ``./bin/server cfdi-global`` runs the same by hand. A sale that reaches
the server after its period's global goes into another global of that same period.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from shared.errors import DomainError
from shared.ids import new_uuid7
from sync_server import db
from sync_server.cfdi import build, documents
from sync_server.cfdi.places import zone_of
from sync_server.cfdi.tickets import Period, Periodicity, closed_periods, period_of
from sync_server.repositories import credit_notes, devices, invoiced_sales, invoices
from sync_server.services import fiscal
from sync_server.services.fiscal import CfdiContext, Issuing
from sync_server.services.invoice_records import off_the_loop, record

log = logging.getLogger(__name__)

LOOK_BACK_DAYS = 62  # closed periods this far back are still issued (late sales included)


class TillsNotSynced(DomainError):
    code = "tills_not_synced"


@dataclass(frozen=True)
class Till:
    device_id: uuid.UUID
    name: str
    code: str
    last_pull_at: datetime | None


@dataclass(frozen=True)
class GlobalOutcome:
    """What happened to one period: ``issued`` (invoice_id), ``waiting`` (for ``missing``
    tills), or ``nothing`` (no sale left to put in a global)."""

    period: Period
    state: str
    invoice_id: uuid.UUID | None = None
    missing: list[Till] = field(default_factory=list)
    sales: int = 0
    deadline: datetime | None = None  # 24 hours after the period closed


def _deadline(period: Period, issuing: Issuing) -> datetime:
    return period.bounds(issuing.zone)[1] + timedelta(hours=24)


async def missing_tills(ctx: CfdiContext, tenant_id: uuid.UUID, period: Period,
                        issuing: Issuing) -> list[Till]:
    """Active tills that have not pulled since the period ended (plus the margin for a till
    clock behind the server's), less those the owner said not to wait for. A till paired
    later counts too: a shop that sold alone for a while brings its old sales when it pairs."""
    _, end = period.bounds(issuing.zone)
    since = end + timedelta(seconds=ctx.settings.cfdi_sync_margin_s)
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        marks = await devices.sync_marks(conn, tenant_id)
        accepted = set(await _accepted(conn, tenant_id, period))
    return [Till(m.device_id, m.name, m.code, m.last_pull_at) for m in marks
            if (m.last_pull_at is None or m.last_pull_at < since) and m.device_id not in accepted]


async def _accepted(conn: db.Connection, tenant_id: uuid.UUID, period: Period) -> list[uuid.UUID]:
    row = await conn.fetchrow(
        """SELECT accepted_missing FROM global_periods
           WHERE tenant_id = $1 AND periodicity = $2 AND period_start = $3""",
        tenant_id, period.periodicity.value, period.start)
    return list(row["accepted_missing"]) if row else []


async def accept_missing(ctx: CfdiContext, tenant_id: uuid.UUID, period: Period,
                         device_ids: Sequence[uuid.UUID]) -> None:
    """The owner says: issue this period's global without waiting for these tills."""
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        await conn.execute(
            """INSERT INTO global_periods (tenant_id, periodicity, period_start, period_end,
                                           accepted_missing, accepted_at)
               VALUES ($1, $2, $3, $4, $5, now())
               ON CONFLICT (tenant_id, periodicity, period_start) DO UPDATE
               SET accepted_missing = ARRAY(SELECT DISTINCT unnest(
                       global_periods.accepted_missing || EXCLUDED.accepted_missing)),
                   accepted_at = now()""",
            tenant_id, period.periodicity.value, period.start, period.end, list(device_ids))


async def issue_global(ctx: CfdiContext, tenant_id: uuid.UUID, period: Period, *,
                       requested_by: str = "schedule", issuing: Issuing | None = None,
                       check_tills: bool = True) -> GlobalOutcome:
    """Issue the period's global invoice (pending: the worker stamps it), or say why not."""
    issuing = issuing or await fiscal.issuing(ctx, tenant_id)
    if check_tills and (missing := await missing_tills(ctx, tenant_id, period, issuing)):
        return GlobalOutcome(period, "waiting", missing=missing,
                             deadline=_deadline(period, issuing))
    start, end = period.bounds(issuing.zone)
    invoice_id = new_uuid7()
    profile = issuing.profile
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        # Claim the sales first: their rows stay locked until this commits, so a customer
        # invoicing one of them meanwhile waits, then finds it in this global (motive 04).
        candidates = await invoiced_sales.sales_between(conn, tenant_id, start, end)
        claimed = await invoiced_sales.claim_for_global(conn, tenant_id, candidates, invoice_id)
        if not claimed:
            return GlobalOutcome(period, "nothing")
        rows = await invoiced_sales.load(conn, tenant_id, claimed)
        tickets = [documents.ticket_of(rows[s]) for s in claimed]
        series = profile.series_for("global")
        folio = await invoices.next_folio(conn, tenant_id, series)
        now = ctx.clock().astimezone(zone_of(profile.postal_code))
        signed = await off_the_loop(lambda: documents.global_invoice(
            profile.issuer, issuing.signer, tickets, period, serie=series, folio=folio,
            fecha=now, card_forma=issuing.preferences.card_forma))
        await record(conn, tenant_id, invoice_id=invoice_id, kind="global", series=series,
                     folio=folio, receptor=build.public_receptor(profile.issuer), signed=signed,
                     requested_by=requested_by,
                     period=(period.periodicity.value, period.start, period.end))
    if signed.left_out:
        log.warning("global invoice left out a rounding residue",
                    extra={"tenant_id": str(tenant_id), "left_out": str(signed.left_out)})
    log.info("global invoice issued", extra={"tenant_id": str(tenant_id),
                                             "period": period.label(), "sales": len(claimed)})
    return GlobalOutcome(period, "issued", invoice_id, sales=len(claimed),
                         deadline=_deadline(period, issuing))


async def rebuild_global(ctx: CfdiContext, conn: db.Connection, tenant_id: uuid.UUID,
                         invoice_id: uuid.UUID, issuing: Issuing, without: uuid.UUID) -> None:
    """A global not sent to the PAC yet loses a sale (its customer invoiced it): signed again
    without it, same folio; discarded if nothing is left. Inside the caller's transaction,
    which holds the sale's and the invoice's rows."""
    row = await invoices.get(conn, tenant_id, invoice_id, lock=True)
    assert row is not None
    assert row.period_start
    assert row.period_end
    assert row.periodicity
    await invoiced_sales.unlink(conn, tenant_id, invoice_id, without)
    await invoiced_sales.set_global(conn, tenant_id, without, None)
    left = await invoiced_sales.sales_of(conn, tenant_id, invoice_id)
    if not left:
        await invoices.discard(conn, tenant_id, invoice_id)
        return
    rows = await invoiced_sales.load(conn, tenant_id, left)
    tickets = [documents.ticket_of(rows[s]) for s in left]
    period = Period(Periodicity(row.periodicity), row.period_start, row.period_end)
    now = ctx.clock().astimezone(zone_of(issuing.profile.postal_code))
    signed = await off_the_loop(lambda: documents.global_invoice(
        issuing.profile.issuer, issuing.signer, tickets, period, serie=row.series,
        folio=row.folio, fecha=now, card_forma=issuing.preferences.card_forma))
    t = signed.totals
    await invoices.replace_document(conn, tenant_id, invoice_id, signed.xml, now,
                                    (t.total, t.base, t.iva, t.ieps))
    await credit_notes.account_for(conn, tenant_id, invoice_id, signed.returns)


async def replace_global(ctx: CfdiContext, conn: db.Connection, tenant_id: uuid.UUID,
                         old_id: uuid.UUID, issuing: Issuing, without: uuid.UUID) -> uuid.UUID:
    """Motive 04: a stamped global held a sale its customer now invoices. The global is
    cancelled (04), and a new one for the same period, without that sale, is stamped once the
    cancellation is done. Returns the old global's id (the customer's invoice waits for it)."""
    old = await invoices.get(conn, tenant_id, old_id, lock=True)
    assert old is not None
    assert old.period_start
    assert old.period_end
    assert old.periodicity
    await invoices.request_cancel(conn, tenant_id, old_id, "04", None)
    left = [s for s in await invoiced_sales.sales_of(conn, tenant_id, old_id) if s != without]
    new_id = new_uuid7()
    # Only sales still counted in the old global move (others got their own invoice already).
    keep = await invoiced_sales.move_to_global(conn, tenant_id, left, old_id, new_id)
    await invoiced_sales.set_global(conn, tenant_id, without, None)
    if not keep:
        return old_id
    covered = await invoiced_sales.load(conn, tenant_id, keep)
    tickets = [documents.ticket_of(covered[s]) for s in keep]
    period = Period(Periodicity(old.periodicity), old.period_start, old.period_end)
    series = issuing.profile.series_for("global")
    folio = await invoices.next_folio(conn, tenant_id, series)
    now = ctx.clock().astimezone(zone_of(issuing.profile.postal_code))
    signed = await off_the_loop(lambda: documents.global_invoice(
        issuing.profile.issuer, issuing.signer, tickets, period, serie=series, folio=folio,
        fecha=now, card_forma=issuing.preferences.card_forma))
    await record(conn, tenant_id, invoice_id=new_id, kind="global", series=series, folio=folio,
                 receptor=build.public_receptor(issuing.profile.issuer), signed=signed,
                 requested_by="schedule", after_cancel_of=old_id,
                 period=(old.periodicity, old.period_start, old.period_end))
    return old_id


async def due_globals(ctx: CfdiContext, tenant_id: uuid.UUID,
                      issuing: Issuing | None = None) -> list[GlobalOutcome]:
    """Every closed period (of the last two months) with sales no invoice covers: issued, or
    waiting for tills. The worker's pass and ``cfdi-global`` run this."""
    issuing = issuing or await fiscal.issuing(ctx, tenant_id)
    due = await _uncovered(ctx, tenant_id, issuing)
    return [await issue_global(ctx, tenant_id, p, issuing=issuing) for p in due]


async def _uncovered(ctx: CfdiContext, tenant_id: uuid.UUID, issuing: Issuing) -> dict[Period, int]:
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        return await uncovered(conn, tenant_id, ctx.clock(), issuing.zone,
                               issuing.preferences.periodicity)


async def uncovered(conn: db.Connection, tenant_id: uuid.UUID, now: datetime, zone: ZoneInfo,
                    periodicity: Periodicity) -> dict[Period, int]:
    """Closed periods of the last two months with sales no invoice covers (how many), oldest
    first: the globals still to issue (the worker's, the owner's list, the owner's chat)."""
    periods = closed_periods(now, zone, periodicity, LOOK_BACK_DAYS)
    if not periods:
        return {}
    start, _ = periods[0].bounds(zone)
    _, end = periods[-1].bounds(zone)
    times = await invoiced_sales.pending_periods(conn, tenant_id, start, end)
    counts: dict[Period, int] = {}
    for t in times:
        p = period_of(t.astimezone(zone).date(), periodicity)
        counts[p] = counts.get(p, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: kv[0].start))


async def pending_globals(ctx: CfdiContext, tenant_id: uuid.UUID) -> list[GlobalOutcome]:
    """Closed periods whose sales no invoice covers yet, and the tills each waits for (what
    the owner sees; nothing is issued here)."""
    issuing = await fiscal.issuing(ctx, tenant_id)
    out = []
    for p, sales in (await _uncovered(ctx, tenant_id, issuing)).items():
        missing = await missing_tills(ctx, tenant_id, p, issuing)
        out.append(GlobalOutcome(p, "waiting" if missing else "ready", missing=missing,
                                 sales=sales, deadline=_deadline(p, issuing)))
    return out


async def issue_now(ctx: CfdiContext, tenant_id: uuid.UUID, day: date,
                    accept: Sequence[uuid.UUID] = ()) -> GlobalOutcome:
    """The owner issues the global of the closed period holding ``day`` now, not waiting for
    the tills in ``accept``."""
    issuing = await fiscal.issuing(ctx, tenant_id)
    period = period_of(day, issuing.preferences.periodicity)
    if period.end > ctx.clock().astimezone(issuing.zone).date():
        raise PeriodOpen(f"El periodo {period.label()} todavía no termina.")
    if accept:
        await accept_missing(ctx, tenant_id, period, accept)
    return await issue_global(ctx, tenant_id, period, requested_by="owner", issuing=issuing)


class PeriodOpen(DomainError):
    code = "period_open"

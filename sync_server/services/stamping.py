"""Stamping and cancelling with the shop's PAC: claim (committed) → call the PAC with no
transaction open → record the answer (the house pattern of the WhatsApp sender).

Unlike a WhatsApp message, stamping is safe to repeat: the invoice keeps its sealed XML, and a
PAC answers a CFDI it already stamped with that same stamp (never a second one). So every
unknown outcome (no answer in time, a dropped connection, a 5xx, a worker that died holding the
claim) leaves the invoice pending, tried again with backoff, never lost; series and folio are
the invoice's own for good (``UNIQUE (tenant_id, series, folio)``).
"""

from __future__ import annotations

import logging
import math
import uuid
from datetime import datetime, timedelta

from shared.errors import DomainError
from shared.spanish import count
from sync_server import db
from sync_server.cfdi import build
from sync_server.cfdi.places import zone_of
from sync_server.db import Connection
from sync_server.integrations.pac import CancelAnswer, PacRefused, PacUnavailable
from sync_server.repositories import invoice_holds, invoice_payments, invoiced_sales, invoices
from sync_server.services import invoice_whatsapp
from sync_server.services.fiscal import CfdiContext, Issuing
from sync_server.services.invoice_records import off_the_loop

log = logging.getLogger(__name__)

CLAIM_LEASE_S = 300.0  # longer than any PAC call may take (its deadline is 30 s)
IN_PROCESS_RETRY_S = 3600.0  # a cancellation waiting on the customer: ask SAT again hourly
STALE_DATE = "401"  # Finkok/SAT: Fecha more than 72 hours before stamping
# After a PAC refusal the automatic pass waits this long before it makes that kind again (then
# a day after each further refusal); the kinds it makes on its own. docs/cfdi.md "Refusals".
REMAKE_WAITS_S = (3600.0, 4 * 3600.0, 24 * 3600.0)
REMADE_KINDS = frozenset({"global", "payment", "credit"})
REMAKE_EVERY = timedelta(minutes=1)  # "Reintentar ahora" per shop, at most


def backoff(ctx: CfdiContext, attempts: int) -> float:
    return float(min(ctx.settings.cfdi_retry_base_s * 2 ** max(attempts - 1, 0),
                     ctx.settings.cfdi_retry_max_s))


async def stamp_next(ctx: CfdiContext, tenant_id: uuid.UUID, issuing: Issuing,
                     invoice_id: uuid.UUID | None = None) -> bool:
    """Stamp the oldest invoice due (or ``invoice_id``, if it is due); False when none is."""
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        claimed = await invoices.claim_to_stamp(conn, tenant_id, invoice_id)
    if claimed is None:
        return False
    where = {"tenant_id": str(tenant_id), "invoice_id": str(claimed.invoice_id)}
    try:
        stamped = await issuing.pac.stamp(claimed.signed_xml)
    except PacUnavailable as exc:
        delay = backoff(ctx, claimed.attempts)
        async with db.tenant_tx(ctx.pool, tenant_id) as conn:
            await invoices.mark_retry(conn, tenant_id, claimed.invoice_id,
                                      f"El PAC no respondió: {exc}", delay)
        log.warning("PAC unavailable; invoice stays pending", extra={**where, "error": str(exc),
                                                                      "retry_in_s": delay})
        return True
    except PacRefused as exc:
        if exc.code == STALE_DATE:
            await _redate(ctx, tenant_id, issuing, claimed.invoice_id, claimed.signed_xml)
            return True
        async with db.tenant_tx(ctx.pool, tenant_id) as conn:
            await invoices.mark_rejected(conn, tenant_id, claimed.invoice_id,
                                         f"{exc.code} {exc.message}".strip())
            await _after_refusal(conn, tenant_id, claimed.invoice_id, ctx.clock())
        log.warning("PAC refused an invoice", extra={**where, "error": str(exc)})
        return True
    if build.seal_of(stamped.xml) != build.seal_of(claimed.signed_xml):
        async with db.tenant_tx(ctx.pool, tenant_id) as conn:
            await invoices.mark_retry(conn, tenant_id, claimed.invoice_id,
                                      "El PAC devolvió otro comprobante", backoff(ctx, claimed.attempts))
        log.error("PAC answered with another CFDI", extra=where)
        return True
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        if await invoices.mark_stamped(conn, tenant_id, claimed.invoice_id, stamped.uuid,
                                       stamped.xml):
            await _after_stamp(conn, tenant_id, claimed.invoice_id)
            await invoice_whatsapp.queue_if_asked(ctx, conn, tenant_id, claimed.invoice_id)
    log.info("invoice stamped", extra={**where, "uuid": stamped.uuid})
    return True


async def _redate(ctx: CfdiContext, tenant_id: uuid.UUID, issuing: Issuing,
                  invoice_id: uuid.UUID, signed_xml: bytes) -> None:
    """The PAC refused the date (the invoice waited more than 72 hours) and so had not stamped
    it: sign it again dated now, same series and folio, and try again at once."""
    now = ctx.clock().astimezone(zone_of(issuing.profile.postal_code))
    xml = await off_the_loop(lambda: build.resign(signed_xml, issuing.signer, now))
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        row = await invoices.get(conn, tenant_id, invoice_id)
        assert row is not None
        await invoices.mark_retry(conn, tenant_id, invoice_id, "Fecha renovada", 0)
        await invoices.replace_document(conn, tenant_id, invoice_id, xml, now,
                                        (row.total, row.base, row.iva, row.ieps))
    log.info("invoice signed again with today's date",
             extra={"tenant_id": str(tenant_id), "invoice_id": str(invoice_id)})


async def _after_stamp(conn: Connection, tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> None:
    """A replacement stamped: the invoice it replaces can now be cancelled with motive 01. A
    credit note or payment complement stamped while its invoice's cancellation was asked for
    goes first (02)."""
    row = await invoices.get(conn, tenant_id, invoice_id)
    if row and row.kind in REMADE_KINDS:  # the PAC takes this kind again: its count ends
        await invoice_holds.lift(conn, tenant_id, [row.kind])
    if row and row.replaces:
        await invoices.request_cancel(conn, tenant_id, row.replaces, "01", invoice_id)
    if row and row.credits:
        credited = await invoices.get(conn, tenant_id, row.credits)
        if credited and credited.cancel_status not in (None, "refused"):
            await invoices.request_cancel(conn, tenant_id, invoice_id, "02", None)
    if row and row.kind == "payment" and (
            await invoice_payments.pays_cancelled(conn, tenant_id, invoice_id)):
        await invoices.request_cancel(conn, tenant_id, invoice_id, "02", None)


async def _after_refusal(conn: Connection, tenant_id: uuid.UUID, invoice_id: uuid.UUID,
                         now: datetime) -> None:
    """A refused CFDI covers nothing (one rule for every kind): its sales, returns (a credit
    note: ``credit_notes.uncredited`` skips refused notes) and payments (a complement) go on
    the next one made — after a wait (``REMAKE_WAITS_S``) for the kinds the automatic pass
    makes, since the data it was refused for is most likely still the same; a refused
    replacement leaves the original in place."""
    row = await invoices.get(conn, tenant_id, invoice_id)
    if row and row.kind in REMADE_KINDS:
        refusals = await invoice_holds.count_refusal(conn, tenant_id, row.kind, now)
        wait = REMAKE_WAITS_S[min(refusals, len(REMAKE_WAITS_S)) - 1]
        await invoice_holds.hold_until(conn, tenant_id, row.kind, now + timedelta(seconds=wait))
    sales = await invoiced_sales.sales_of(conn, tenant_id, invoice_id)
    await invoiced_sales.release(conn, tenant_id, invoice_id)
    if row and row.kind == "payment" and row.replaces:  # the old complement keeps its payments
        await invoice_payments.move(conn, tenant_id, invoice_id, row.replaces)
        # (and goes, if their invoice's cancellation was asked for meanwhile: it waits for it)
        if await invoice_payments.pays_cancelled(conn, tenant_id, row.replaces):
            await invoices.request_cancel(conn, tenant_id, row.replaces, "02", None)
    await invoice_payments.release(conn, tenant_id, invoice_id)
    if row and row.replaces:
        for sale in sales:
            await invoiced_sales.set_own(conn, tenant_id, sale, row.replaces)
    await invoices.cancelled_unstamped(conn, tenant_id)


async def cancel_next(ctx: CfdiContext, tenant_id: uuid.UUID, issuing: Issuing) -> bool:
    """Send the next cancellation due to the PAC, or ask SAT about one waiting on the
    customer; the state follows the answer. False when none is due."""
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        for done in await invoices.cancelled_unstamped(conn, tenant_id):
            await invoiced_sales.release(conn, tenant_id, done)
        claimed = await invoices.claim_to_cancel(conn, tenant_id)
    if claimed is None:
        return False
    where = {"tenant_id": str(tenant_id), "invoice_id": str(claimed.invoice_id)}
    answer: CancelAnswer | None
    try:
        if claimed.cancel_status == "sending":
            answer = await issuing.pac.cancel(claimed.stamped_xml, claimed.motive,
                                              claimed.substitute_uuid, issuing.signer)
        else:
            answer = await issuing.pac.cancellation(claimed.stamped_xml)
    except PacUnavailable as exc:
        async with db.tenant_tx(ctx.pool, tenant_id) as conn:
            again = "requested" if claimed.cancel_status == "sending" else "in_process"
            await invoices.mark_cancel(conn, tenant_id, claimed.invoice_id, again,
                                       f"El PAC no respondió: {exc}",
                                       retry_s=backoff(ctx, claimed.attempts))
        log.warning("PAC unavailable for a cancellation", extra={**where, "error": str(exc)})
        return True
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        if answer is None or answer.state == "in_process":
            await invoices.mark_cancel(conn, tenant_id, claimed.invoice_id, "in_process",
                                       acuse=answer.acuse if answer else None,
                                       retry_s=IN_PROCESS_RETRY_S)
        elif answer.state == "cancelled":
            await invoices.mark_cancel(conn, tenant_id, claimed.invoice_id, "cancelled",
                                       acuse=answer.acuse)
            await invoiced_sales.release(conn, tenant_id, claimed.invoice_id)
            # A complement cancelled without a replacement (01 moved them to it) frees its
            # payments: what still stands goes on the next pass's complement.
            await invoice_payments.release(conn, tenant_id, claimed.invoice_id)
        else:
            await invoices.mark_cancel(conn, tenant_id, claimed.invoice_id, "refused",
                                       answer.message or "El SAT no aceptó la cancelación.",
                                       acuse=answer.acuse)
    log.info("cancellation answered", extra={**where, "state": answer.state if answer else
                                              "in_process"})
    return True


async def held_kinds(ctx: CfdiContext, tenant_id: uuid.UUID) -> set[str]:
    """The kinds the automatic pass does not make now (refused a moment ago)."""
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        return await invoice_holds.held(conn, tenant_id, ctx.clock())


class RemakeTooSoon(DomainError):
    code = "remake_too_soon"


async def claim_remake(ctx: CfdiContext, tenant_id: uuid.UUID) -> None:
    """A press of "Reintentar ahora", from the owner's session or a till: at most one per shop
    per minute (each makes and signs CFDI again; pressed over and over while the data is still
    bad, it signed one more refused CFDI per kind each time). ``RemakeTooSoon`` says when."""
    now = ctx.clock()
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        last = await invoice_holds.press_remake(conn, tenant_id, now, REMAKE_EVERY)
    if last is not None:
        wait = max(1, math.ceil((last + REMAKE_EVERY - now).total_seconds()))
        raise RemakeTooSoon(f"Ya se pidió rehacerlas hace un momento. Puedes pulsar «Reintentar "
                            f"ahora» otra vez en {count(wait, 'segundo')}.")


async def lift_waits(ctx: CfdiContext, tenant_id: uuid.UUID) -> None:
    """The owner fixed something (or asks to try now): the next pass makes every kind again."""
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        await invoice_holds.lift(conn, tenant_id)


def local_now(ctx: CfdiContext, issuing: Issuing) -> datetime:
    """Now, in the time zone of the shop's place of issue (a CFDI's Fecha)."""
    return ctx.clock().astimezone(zone_of(issuing.profile.postal_code))

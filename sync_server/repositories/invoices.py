"""CFDI invoices: folio series, the invoice rows and their stamping and cancellation state."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sync_server.repositories import Connection

# A stamping or cancelling claim older than this is taken for a worker that died mid-call.
_SUMMARY = """invoice_id, kind, series, folio, status, receptor_rfc, receptor_name, uso, forma_pago,
    metodo_pago, total, base, iva, ieps, periodicity, period_start, period_end, issued_at, uuid AS cfdi_uuid,
    attempts, last_error, cancel_status, cancel_motive, cancel_error, cancelled_at, access_key,
    after_cancel_of, replaces, requested_by, credits, keep_cancelled"""


@dataclass(frozen=True)
class NewInvoice:
    invoice_id: uuid.UUID
    kind: str
    series: str
    folio: int
    receptor: tuple[str, str, str, str, str]  # rfc, name, postal code, regime, uso
    forma_pago: str | None
    metodo_pago: str | None
    total: int
    base: int
    iva: int
    ieps: int
    issued_at: datetime
    signed_xml: bytes
    access_key: str
    requested_by: str
    device_id: uuid.UUID | None = None
    period: tuple[str, date, date] | None = None  # periodicity, start, end (a global)
    after_cancel_of: uuid.UUID | None = None
    replaces: uuid.UUID | None = None
    credits: uuid.UUID | None = None  # a credit note: the stamped CFDI it is related to
    whatsapp_to: str | None = None  # send it there once stamped (E.164)


@dataclass(frozen=True)
class InvoiceRow:
    invoice_id: uuid.UUID
    kind: str
    series: str
    folio: int
    status: str
    receptor_rfc: str
    receptor_name: str
    uso: str
    forma_pago: str | None
    metodo_pago: str | None
    total: int
    base: int
    iva: int
    ieps: int
    periodicity: str | None
    period_start: date | None
    period_end: date | None
    issued_at: datetime
    cfdi_uuid: str | None
    attempts: int
    last_error: str | None
    cancel_status: str | None
    cancel_motive: str | None
    cancel_error: str | None
    cancelled_at: datetime | None
    access_key: str
    after_cancel_of: uuid.UUID | None
    replaces: uuid.UUID | None
    requested_by: str
    credits: uuid.UUID | None = None
    keep_cancelled: bool = False  # a credit note its owner cancelled: no new one for its returns


async def next_folio(conn: Connection, tenant_id: uuid.UUID, series: str) -> int:
    """The next folio of a series; the row lock keeps two invoices from sharing one."""
    n: int = await conn.fetchval(
        """INSERT INTO invoice_series (tenant_id, series, last_folio) VALUES ($1, $2, 1)
           ON CONFLICT (tenant_id, series) DO UPDATE SET last_folio = invoice_series.last_folio + 1
           RETURNING last_folio""", tenant_id, series)
    return n


async def insert(conn: Connection, tenant_id: uuid.UUID, inv: NewInvoice) -> None:
    periodicity, start, end = inv.period or (None, None, None)
    await conn.execute(
        """INSERT INTO invoices (tenant_id, invoice_id, kind, series, folio, receptor_rfc,
               receptor_name, receptor_postal_code, receptor_regime, uso, forma_pago, metodo_pago,
               total, base, iva, ieps, periodicity, period_start, period_end, issued_at, signed_xml,
               access_key, requested_by, device_id, after_cancel_of, replaces, credits,
               whatsapp_to)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                   $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)""",
        tenant_id, inv.invoice_id, inv.kind, inv.series, inv.folio, *inv.receptor, inv.forma_pago,
        inv.metodo_pago, inv.total, inv.base, inv.iva, inv.ieps, periodicity, start, end,
        inv.issued_at, inv.signed_xml, inv.access_key, inv.requested_by, inv.device_id,
        inv.after_cancel_of, inv.replaces, inv.credits, inv.whatsapp_to)


async def replace_document(conn: Connection, tenant_id: uuid.UUID, invoice_id: uuid.UUID,
                           signed_xml: bytes, issued_at: datetime,
                           amounts: tuple[int, int, int, int]) -> None:
    """A pending invoice signed anew (a global that lost a sale; one dated too long ago)."""
    total, base, iva, ieps = amounts
    await conn.execute(
        """UPDATE invoices SET signed_xml = $3, issued_at = $4, total = $5, base = $6, iva = $7,
                  ieps = $8
           WHERE tenant_id = $1 AND invoice_id = $2 AND status = 'pending'""",
        tenant_id, invoice_id, signed_xml, issued_at, total, base, iva, ieps)


async def get(conn: Connection, tenant_id: uuid.UUID, invoice_id: uuid.UUID,
              *, lock: bool = False) -> InvoiceRow | None:
    row = await conn.fetchrow(
        f"SELECT {_SUMMARY} FROM invoices WHERE tenant_id = $1 AND invoice_id = $2"
        + (" FOR UPDATE" if lock else ""), tenant_id, invoice_id)
    return InvoiceRow(**dict(row)) if row else None


async def replacement_under_way(conn: Connection, tenant_id: uuid.UUID,
                                invoice_id: uuid.UUID) -> bool:
    """Whether a replacement of this invoice (motive 01) is signed and waits to be stamped
    (once it is, the invoice's own cancellation is asked for)."""
    found = await conn.fetchval(
        """SELECT 1 FROM invoices WHERE tenant_id = $1 AND replaces = $2
             AND status IN ('pending', 'stamping') LIMIT 1""", tenant_id, invoice_id)
    return found is not None


async def whatsapp_to(conn: Connection, tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> str | None:
    """Where the customer asked for their invoice on WhatsApp, if they did."""
    to: str | None = await conn.fetchval(
        "SELECT whatsapp_to FROM invoices WHERE tenant_id = $1 AND invoice_id = $2",
        tenant_id, invoice_id)
    return to


async def documents(conn: Connection, tenant_id: uuid.UUID,
                    invoice_id: uuid.UUID) -> tuple[bytes, bytes | None] | None:
    """(signed XML, stamped XML or None)."""
    row = await conn.fetchrow("""SELECT signed_xml, stamped_xml FROM invoices
                                 WHERE tenant_id = $1 AND invoice_id = $2""", tenant_id, invoice_id)
    return (row["signed_xml"], row["stamped_xml"]) if row else None


async def list_between(conn: Connection, tenant_id: uuid.UUID, start: datetime, end: datetime,
                       kinds: Sequence[str] | None = None) -> list[InvoiceRow]:
    rows = await conn.fetch(
        f"""SELECT {_SUMMARY} FROM invoices
            WHERE tenant_id = $1 AND issued_at >= $2 AND issued_at < $3
              AND ($4::text[] IS NULL OR kind = ANY ($4::text[]))
            ORDER BY issued_at, series, folio""", tenant_id, start, end,
        list(kinds) if kinds else None)
    return [InvoiceRow(**dict(r)) for r in rows]


async def stamped_between(conn: Connection, tenant_id: uuid.UUID, start: datetime,
                          end: datetime) -> list[tuple[str, int, str | None, bytes, bytes | None]]:
    """(series, folio, cancel status, stamped XML, cancellation acuse) of the CFDIs stamped in
    [start, end): the accountant's month."""
    rows = await conn.fetch(
        """SELECT series, folio, cancel_status, stamped_xml, cancel_acuse FROM invoices
           WHERE tenant_id = $1 AND status = 'stamped' AND stamped_at >= $2 AND stamped_at < $3
           ORDER BY stamped_at, series, folio""", tenant_id, start, end)
    return [(r["series"], r["folio"], r["cancel_status"], r["stamped_xml"], r["cancel_acuse"])
            for r in rows]


async def unfinished(conn: Connection, tenant_id: uuid.UUID) -> list[InvoiceRow]:
    """Invoices not stamped yet, refused, or whose cancellation is under way or was refused."""
    rows = await conn.fetch(
        f"""SELECT {_SUMMARY} FROM invoices WHERE tenant_id = $1
            AND (status IN ('pending', 'stamping', 'rejected')
                 OR cancel_status IN ('requested', 'sending', 'in_process', 'refused'))
            ORDER BY created_at""", tenant_id)
    return [InvoiceRow(**dict(r)) for r in rows]


# ---- the worker's side: stamping --------------------------------------------------------------


async def due_tenants(conn: Connection, lease_s: float) -> list[uuid.UUID]:
    rows = await conn.fetch("SELECT t FROM mch_cfdi_due_tenants(make_interval(secs => $1)) AS t",
                            lease_s)
    return [r["t"] for r in rows]


async def invoicing_tenants(conn: Connection) -> list[uuid.UUID]:
    return [r["t"] for r in await conn.fetch("SELECT t FROM mch_cfdi_tenants() AS t")]


async def expire_claims(conn: Connection, tenant_id: uuid.UUID, lease_s: float) -> int:
    """Claims past their lease: the worker died mid-call. Stamping is safe to repeat (same
    sealed XML), so they are simply due again."""
    done = await conn.execute(
        """UPDATE invoices SET status = 'pending', claimed_at = NULL
           WHERE tenant_id = $1 AND status = 'stamping'
             AND claimed_at < now() - make_interval(secs => $2)""", tenant_id, lease_s)
    done_c = await conn.execute(
        """UPDATE invoices SET cancel_status = 'requested', cancel_claimed_at = NULL
           WHERE tenant_id = $1 AND cancel_status = 'sending'
             AND cancel_claimed_at < now() - make_interval(secs => $2)""", tenant_id, lease_s)
    return int(done.split()[-1]) + int(done_c.split()[-1])


@dataclass(frozen=True)
class Claimed:
    invoice_id: uuid.UUID
    kind: str
    signed_xml: bytes
    issued_at: datetime
    attempts: int


async def claim_to_stamp(conn: Connection, tenant_id: uuid.UUID,
                         invoice_id: uuid.UUID | None = None) -> Claimed | None:
    """Claim the oldest invoice due for stamping (or that one): ``stamping``, one more attempt.
    Committed before calling the PAC. One waiting on another's cancellation is not due until
    that one is cancelled. SKIP LOCKED: two replicas never claim the same invoice."""
    row = await conn.fetchrow(
        """UPDATE invoices SET status = 'stamping', attempts = attempts + 1, claimed_at = now()
           WHERE tenant_id = $1 AND invoice_id = (
               SELECT i.invoice_id FROM invoices i
               WHERE i.tenant_id = $1 AND i.status = 'pending' AND i.next_attempt_at <= now()
                 AND ($2::uuid IS NULL OR i.invoice_id = $2)
                 AND (i.after_cancel_of IS NULL OR EXISTS (
                      SELECT 1 FROM invoices w WHERE w.tenant_id = i.tenant_id
                        AND w.invoice_id = i.after_cancel_of AND w.cancel_status = 'cancelled'))
               ORDER BY i.created_at, i.invoice_id LIMIT 1 FOR UPDATE SKIP LOCKED)
           RETURNING invoice_id, kind, signed_xml, issued_at, attempts""", tenant_id, invoice_id)
    return Claimed(**dict(row)) if row else None


async def mark_stamped(conn: Connection, tenant_id: uuid.UUID, invoice_id: uuid.UUID, uuid_: str,
                       stamped_xml: bytes) -> bool:
    done: str = await conn.execute(
        """UPDATE invoices SET status = 'stamped', uuid = $3, stamped_xml = $4,
                  stamped_at = now(), claimed_at = NULL, last_error = NULL
           WHERE tenant_id = $1 AND invoice_id = $2 AND status IN ('stamping', 'pending')""",
        tenant_id, invoice_id, uuid_, stamped_xml)
    return done.endswith(" 1")


async def mark_retry(conn: Connection, tenant_id: uuid.UUID, invoice_id: uuid.UUID, error: str,
                     delay_s: float) -> None:
    await conn.execute(
        """UPDATE invoices SET status = 'pending', claimed_at = NULL, last_error = $3,
                  next_attempt_at = now() + make_interval(secs => $4)
           WHERE tenant_id = $1 AND invoice_id = $2 AND status = 'stamping'""",
        tenant_id, invoice_id, error, delay_s)


async def mark_rejected(conn: Connection, tenant_id: uuid.UUID, invoice_id: uuid.UUID,
                        error: str) -> None:
    await conn.execute(
        """UPDATE invoices SET status = 'rejected', claimed_at = NULL, last_error = $3
           WHERE tenant_id = $1 AND invoice_id = $2 AND status IN ('stamping', 'pending')""",
        tenant_id, invoice_id, error)


async def discard(conn: Connection, tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> None:
    await conn.execute("""UPDATE invoices SET status = 'discarded'
                          WHERE tenant_id = $1 AND invoice_id = $2 AND status = 'pending'""",
                       tenant_id, invoice_id)


# ---- the worker's side: cancelling ------------------------------------------------------------


async def request_cancel(conn: Connection, tenant_id: uuid.UUID, invoice_id: uuid.UUID,
                         motive: str, substitute: uuid.UUID | None, *,
                         by_owner: bool = False) -> bool:
    """Ask for an invoice's cancellation (once: a second request is refused). Its credit notes
    and payment complements go first (SAT does not cancel a CFDI with related ones in force): a
    pending one is discarded, a stamped one is cancelled with motive 02; the invoice's own
    cancellation waits for them (``claim_to_cancel``). A credit note the owner cancels on its
    own (``by_owner``) keeps its returns accounted for; one cancelled with its invoice does not."""
    done: str = await conn.execute(
        """UPDATE invoices SET cancel_status = 'requested', cancel_motive = $3,
                   cancel_substitute = $4, cancel_next_at = now(), cancel_error = NULL,
                   keep_cancelled = $5 AND kind = 'credit'
            WHERE tenant_id = $1 AND invoice_id = $2
              AND (cancel_status IS NULL OR cancel_status = 'refused')""",
        tenant_id, invoice_id, motive, substitute, by_owner)
    await conn.execute("""UPDATE invoices SET status = 'discarded'
                          WHERE tenant_id = $1 AND credits = $2 AND status = 'pending'""",
                       tenant_id, invoice_id)
    notes = await conn.fetch("""SELECT invoice_id FROM invoices
                                WHERE tenant_id = $1 AND credits = $2 AND status = 'stamped'""",
                             tenant_id, invoice_id)
    for note in notes:
        await request_cancel(conn, tenant_id, note["invoice_id"], "02", None)
    # Its payment complements likewise (one in force relates it by DoctoRelacionado): a pending
    # one is discarded and its payments freed, a stamped one cancelled with 02 (its payments
    # are freed once it is); what they paid goes on the replacement's, or on no complement. A
    # complement's own 01 replacement under way is stamped and then cancelled
    # (services.stamping), as its old one must be too.
    await conn.execute(
        """WITH gone AS (
               UPDATE invoices r SET status = 'discarded'
               WHERE r.tenant_id = $1 AND r.kind = 'payment' AND r.status = 'pending'
                 AND r.replaces IS NULL
                 AND EXISTS (SELECT 1 FROM invoice_payments p WHERE p.tenant_id = r.tenant_id
                               AND p.receipt_id = r.invoice_id AND p.invoice_id = $2)
               RETURNING r.invoice_id)
           DELETE FROM invoice_payments WHERE tenant_id = $1
             AND receipt_id IN (SELECT invoice_id FROM gone)""", tenant_id, invoice_id)
    receipts = await conn.fetch(
        """SELECT DISTINCT r.invoice_id FROM invoices r JOIN invoice_payments p
             ON p.tenant_id = r.tenant_id AND p.receipt_id = r.invoice_id
           WHERE r.tenant_id = $1 AND p.invoice_id = $2 AND r.kind = 'payment'
             AND r.status = 'stamped'""", tenant_id, invoice_id)
    for receipt in receipts:
        await request_cancel(conn, tenant_id, receipt["invoice_id"], "02", None)
    return done.endswith(" 1")


async def release_cancelled_note(conn: Connection, tenant_id: uuid.UUID,
                                 invoice_id: uuid.UUID) -> bool:
    """The owner asks for a note again: the one they cancelled no longer accounts for its
    returns. False unless it is a credit note they cancelled of a CFDI still in force (one
    cancelled since covers nothing a note could credit)."""
    done: str = await conn.execute(
        """UPDATE invoices n SET keep_cancelled = false
           WHERE n.tenant_id = $1 AND n.invoice_id = $2 AND n.kind = 'credit'
             AND n.cancel_status = 'cancelled' AND n.keep_cancelled
             AND EXISTS (SELECT 1 FROM invoices i WHERE i.tenant_id = n.tenant_id
                           AND i.invoice_id = n.credits AND i.status = 'stamped'
                           AND (i.cancel_status IS NULL OR i.cancel_status = 'refused'))""",
        tenant_id, invoice_id)
    return done.endswith(" 1")


@dataclass(frozen=True)
class ToCancel:
    invoice_id: uuid.UUID
    cancel_status: str  # sending (just claimed) or in_process (asking SAT how it went)
    motive: str
    stamped_xml: bytes
    substitute_uuid: str | None
    attempts: int


async def claim_to_cancel(conn: Connection, tenant_id: uuid.UUID) -> ToCancel | None:
    """Claim a cancellation due: one requested (its substitute, for motive 01, stamped, and its
    credit notes and payment complements cancelled) or one waiting on the customer whose time
    to ask again came."""
    row = await conn.fetchrow(
        """UPDATE invoices i SET cancel_status = CASE WHEN i.cancel_status = 'requested'
                                 THEN 'sending' ELSE i.cancel_status END,
                  cancel_attempts = i.cancel_attempts + 1, cancel_claimed_at = now(),
                  cancel_next_at = now() + interval '10 minutes'
           WHERE i.tenant_id = $1 AND i.invoice_id = (
               SELECT c.invoice_id FROM invoices c
               WHERE c.tenant_id = $1 AND c.status = 'stamped'
                 AND c.cancel_status IN ('requested', 'in_process') AND c.cancel_next_at <= now()
                 AND (c.cancel_motive <> '01' OR EXISTS (
                      SELECT 1 FROM invoices s WHERE s.tenant_id = c.tenant_id
                        AND s.invoice_id = c.cancel_substitute AND s.status = 'stamped'))
                 AND NOT EXISTS (
                      SELECT 1 FROM invoices n WHERE n.tenant_id = c.tenant_id
                        AND n.credits = c.invoice_id
                        AND (n.status IN ('pending', 'stamping')
                             OR (n.status = 'stamped'
                                 AND n.cancel_status IS DISTINCT FROM 'cancelled')))
                 AND NOT EXISTS (
                      SELECT 1 FROM invoice_payments p JOIN invoices n
                        ON n.tenant_id = p.tenant_id AND n.invoice_id = p.receipt_id
                      WHERE p.tenant_id = c.tenant_id AND p.invoice_id = c.invoice_id
                        AND (n.status IN ('pending', 'stamping')
                             OR (n.status = 'stamped'
                                 AND n.cancel_status IS DISTINCT FROM 'cancelled')))
               ORDER BY c.cancel_next_at LIMIT 1 FOR UPDATE SKIP LOCKED)
           RETURNING i.invoice_id, i.cancel_status, i.cancel_motive AS motive, i.stamped_xml,
                     i.cancel_attempts AS attempts,
                     (SELECT s.uuid FROM invoices s WHERE s.tenant_id = i.tenant_id
                        AND s.invoice_id = i.cancel_substitute) AS substitute_uuid""", tenant_id)
    return ToCancel(**dict(row)) if row else None


async def mark_cancel(conn: Connection, tenant_id: uuid.UUID, invoice_id: uuid.UUID, status: str,
                      error: str | None = None, acuse: bytes | None = None,
                      retry_s: float | None = None) -> None:
    """Record the PAC's (or SAT's) answer: cancelled, in_process (ask again in ``retry_s``),
    refused (with why), or requested again after an unknown outcome."""
    await conn.execute(
        """UPDATE invoices SET cancel_status = $3, cancel_error = $4,
                  cancel_acuse = COALESCE($5, cancel_acuse), cancel_claimed_at = NULL,
                  cancel_next_at = now() + make_interval(secs => COALESCE($6, 0)),
                  cancelled_at = CASE WHEN $3 = 'cancelled' THEN now() ELSE cancelled_at END
           WHERE tenant_id = $1 AND invoice_id = $2""",
        tenant_id, invoice_id, status, error, acuse, retry_s)


async def cancelled_unstamped(conn: Connection, tenant_id: uuid.UUID) -> list[uuid.UUID]:
    """Cancellations asked for invoices the PAC refused (never valid): done at once."""
    rows = await conn.fetch(
        """UPDATE invoices SET cancel_status = 'cancelled', cancelled_at = now()
           WHERE tenant_id = $1 AND status IN ('rejected', 'discarded')
             AND cancel_status IN ('requested', 'in_process')
           RETURNING invoice_id""", tenant_id)
    return [r["invoice_id"] for r in rows]


def summary(row: Any) -> InvoiceRow:
    return InvoiceRow(**dict(row))

"""Credit notes (CFDI de egreso) for returns made after their sale's CFDI was stamped: the
customer's own invoice, or the factura global the ticket is in (SAT's global must be net of
returns; one stamped already cannot change, so the return is credited).

An ingreso records the returns it was signed net of (``invoice_returns``); a return its sale's
stamped CFDI does not account for gets one note, related to that CFDI (TipoRelacion 01), with
the returned lines' amounts and taxes, the forma of the refund, signed pending: the worker
stamps it like any other CFDI (retried, never twice). The note and the return's row are
written in one transaction under the shop's lock, so a second pass or replica adds nothing.
"""

from __future__ import annotations

import logging
import uuid
from functools import partial

from shared.errors import DomainError
from shared.fiscal import Receptor
from shared.ids import new_uuid7
from shared.tax import IvaRate
from sync_server import db
from sync_server.cfdi import build, documents
from sync_server.cfdi.credit import Refund, ReturnedLine, credit_uso, refund_forma
from sync_server.cfdi.places import zone_of
from sync_server.cfdi.tickets import Period, Periodicity
from sync_server.repositories import credit_notes, invoices
from sync_server.repositories.credit_notes import Uncredited
from sync_server.services import fiscal
from sync_server.services.fiscal import CfdiContext, Issuing
from sync_server.services.invoice_records import off_the_loop, record

log = logging.getLogger(__name__)


def refund_of(u: Uncredited) -> Refund:
    return Refund(u.return_id, u.sale_id, u.folio, u.returned_at, u.refund_method, u.amount,
                  u.to_account,
                  [ReturnedLine(n, name, qty, amount, IvaRate(iva), ieps, by_weight, barcode,
                                product_key or build.CLAVE_SIN_CATALOGO, unit_key)
                   for n, name, qty, amount, iva, ieps, by_weight, barcode, product_key, unit_key
                   in u.lines], u.card, u.transfer)


def _receptor(u: Uncredited, issuing: Issuing) -> tuple[Receptor, Period | None]:
    if u.kind == "global":
        assert u.period is not None
        periodicity, start, end = u.period
        return (build.public_receptor(issuing.profile.issuer),
                Period(Periodicity(periodicity), start, end))
    rfc, name, cp, regime = u.receptor
    return Receptor(rfc, name, cp, regime, credit_uso(regime)), None


async def issue_credit_notes(ctx: CfdiContext, tenant_id: uuid.UUID,
                             issuing: Issuing | None = None) -> int:
    """Sign the credit notes due (pending: the worker stamps them); returns how many."""
    issuing = issuing or await fiscal.issuing(ctx, tenant_id)
    made = 0
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"cfdi-credit:{tenant_id}")
        for u in await credit_notes.uncredited(conn, tenant_id):
            refund = refund_of(u)
            if refund.totals().total <= 0:  # nothing with money in it came back
                continue
            receptor, period = _receptor(u, issuing)
            forma = refund_forma(refund, u.forma_pago, issuing.preferences.card_forma)
            series = issuing.profile.series_for("credit")
            folio = await invoices.next_folio(conn, tenant_id, series)
            fecha = ctx.clock().astimezone(zone_of(issuing.profile.postal_code))
            signed = await off_the_loop(partial(
                documents.credit_note, issuing.profile.issuer, issuing.signer, refund, receptor,
                credits=u.cfdi_uuid, serie=series, folio=folio, fecha=fecha, forma_pago=forma,
                period=period))
            note_id = new_uuid7()
            await record(conn, tenant_id, invoice_id=note_id, kind="credit", series=series,
                         folio=folio, receptor=receptor, signed=signed, requested_by="schedule",
                         credits=u.invoice_id)
            log.info("credit note signed", extra={"tenant_id": str(tenant_id),
                                                  "invoice_id": str(note_id),
                                                  "return_id": str(u.return_id)})
            made += 1
    return made


class NoteNotHeld(DomainError):
    code = "note_not_cancelled_by_owner"


async def ask_again(ctx: CfdiContext, tenant_id: uuid.UUID, note_id: uuid.UUID) -> int:
    """The owner cancelled a credit note and now wants one again for its returns: the next
    note is made now (pending: the worker stamps it); returns how many were made. Nothing
    changes if the shop cannot sign now (its CSD or PAC): the owner is told why."""
    issuing = await fiscal.issuing(ctx, tenant_id)
    async with db.tenant_tx(ctx.pool, tenant_id) as conn:
        if not await invoices.release_cancelled_note(conn, tenant_id, note_id):
            raise NoteNotHeld("Solo se vuelve a emitir una nota de crédito que tú cancelaste "
                              "de una factura que sigue vigente.")
    log.info("credit note asked for again", extra={"tenant_id": str(tenant_id),
                                                   "invoice_id": str(note_id)})
    return await issue_credit_notes(ctx, tenant_id, issuing)

"""Which returns each CFDI accounts for, and the returns whose sale's stamped CFDI does not
(they need a credit note), with their lines as the note needs them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sync_server.repositories import Connection


async def account_for(conn: Connection, tenant_id: uuid.UUID, invoice_id: uuid.UUID,
                      return_ids: Sequence[uuid.UUID]) -> None:
    """The CFDI ``invoice_id`` accounts for these returns (signed net of them, or crediting
    them). Idempotent: a global signed again records what it had again."""
    if not return_ids:
        return
    await conn.execute(
        """INSERT INTO invoice_returns (tenant_id, invoice_id, return_id)
           SELECT $1, $2, r FROM unnest($3::uuid[]) AS r ON CONFLICT DO NOTHING""",
        tenant_id, invoice_id, list(dict.fromkeys(return_ids)))


@dataclass(frozen=True)
class Uncredited:
    """A return of a sale whose stamped CFDI (``invoice_id``) does not account for it."""

    return_id: uuid.UUID
    sale_id: uuid.UUID
    folio: str
    returned_at: datetime
    refund_method: str
    amount: int
    to_account: int
    invoice_id: uuid.UUID
    kind: str  # ticket (the customer's own) or global
    cfdi_uuid: str
    receptor: tuple[str, str, str, str]  # rfc, name, postal code, regime
    forma_pago: str | None
    period: tuple[str, date, date] | None  # a global's periodicity, start, end
    # (line_no, name, qty_milli, amount, iva, ieps_bp, by weight, barcode, SAT product key,
    # SAT unit key)
    lines: list[tuple[int, str, int, int, str, int, bool, str | None, str | None, str | None]] = (
        field(default_factory=list))
    card: int = 0  # the parts given back to the card and by transfer (refunds by tender)
    transfer: int = 0


async def uncredited(conn: Connection, tenant_id: uuid.UUID, limit: int = 200) -> list[Uncredited]:
    """Returns whose sale is covered by a stamped CFDI in force (not cancelled, no cancellation
    under way) that was not signed net of them and that no credit note credits yet (one the
    PAC refused or that was discarded does not, like a refused invoice; nor a cancelled one
    unless the owner cancelled it on its own: that stays so until they ask for a note again),
    oldest first, with their lines."""
    heads = await conn.fetch(
        """SELECT r.return_id, r.sale_id, s.folio, r.returned_at, r.refund_method, r.amount,
                  r.refund_to_account, r.refund_card, r.refund_transfer, i.invoice_id, i.kind,
                  i.uuid, i.receptor_rfc,
                  i.receptor_name, i.receptor_postal_code, i.receptor_regime, i.forma_pago,
                  i.periodicity, i.period_start, i.period_end
           FROM sale_returns r
           JOIN sales s ON s.tenant_id = r.tenant_id AND s.sale_id = r.sale_id
           JOIN sale_invoicing c ON c.tenant_id = r.tenant_id AND c.sale_id = r.sale_id
           JOIN invoices i ON i.tenant_id = c.tenant_id
                          AND i.invoice_id = COALESCE(c.invoice_id, c.global_invoice_id)
           WHERE r.tenant_id = $1 AND i.kind IN ('ticket', 'global') AND i.status = 'stamped'
             AND (i.cancel_status IS NULL OR i.cancel_status = 'refused')
             AND NOT EXISTS (
                 SELECT 1 FROM invoice_returns x JOIN invoices e
                   ON e.tenant_id = x.tenant_id AND e.invoice_id = x.invoice_id
                 WHERE x.tenant_id = r.tenant_id AND x.return_id = r.return_id
                   AND (e.invoice_id = i.invoice_id
                        OR (e.kind = 'credit' AND e.status NOT IN ('discarded', 'rejected')
                            AND (e.cancel_status IS DISTINCT FROM 'cancelled'
                                 OR (e.keep_cancelled AND e.credits = i.invoice_id)))))
           ORDER BY r.returned_at, r.return_id LIMIT $2""", tenant_id, limit)
    out = {r["return_id"]: Uncredited(
        r["return_id"], r["sale_id"], r["folio"], r["returned_at"], r["refund_method"],
        r["amount"], r["refund_to_account"], r["invoice_id"], r["kind"], r["uuid"],
        (r["receptor_rfc"], r["receptor_name"], r["receptor_postal_code"], r["receptor_regime"]),
        r["forma_pago"],
        (r["periodicity"], r["period_start"], r["period_end"]) if r["periodicity"] else None,
        card=r["refund_card"], transfer=r["refund_transfer"])
        for r in heads}
    if not out:
        return []
    for r in await conn.fetch(
            """SELECT x.return_id, x.line_no, l.name, x.qty_milli, x.amount, l.iva, l.ieps_bp,
                      COALESCE(p.sold_by_weight, false) AS by_weight, p.barcodes[1] AS barcode,
                      p.sat_product_key, p.sat_unit_key
               FROM sale_return_lines x
               JOIN sale_returns r ON r.tenant_id = x.tenant_id AND r.return_id = x.return_id
               JOIN sale_lines l ON l.tenant_id = r.tenant_id AND l.sale_id = r.sale_id
                                AND l.line_no = x.line_no
               LEFT JOIN products p ON p.tenant_id = l.tenant_id AND p.product_id = l.product_id
               WHERE x.tenant_id = $1 AND x.return_id = ANY ($2::uuid[])
               ORDER BY x.return_id, x.line_no""", tenant_id, list(out)):
        out[r["return_id"]].lines.append((r["line_no"], r["name"], r["qty_milli"], r["amount"],
                                          r["iva"], r["ieps_bp"], r["by_weight"], r["barcode"],
                                          r["sat_product_key"], r["sat_unit_key"]))
    return list(out.values())


async def credited_by(conn: Connection, tenant_id: uuid.UUID,
                      invoice_id: uuid.UUID) -> list[uuid.UUID]:
    """The returns a CFDI accounts for."""
    rows = await conn.fetch("""SELECT return_id FROM invoice_returns
                               WHERE tenant_id = $1 AND invoice_id = $2 ORDER BY return_id""",
                            tenant_id, invoice_id)
    return [r["return_id"] for r in rows]


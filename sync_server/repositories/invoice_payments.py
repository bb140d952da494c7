"""What payment complements need: stamped PPD invoices still owed, their customers' fiado debts
and abonos, and the payments already put on a complement."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sync_server.repositories import Connection
from sync_server.repositories.bulk import insert_many


@dataclass(frozen=True)
class OpenPpd:
    invoice_id: uuid.UUID
    sale_id: uuid.UUID
    customer_id: uuid.UUID | None
    sold_at: datetime
    total: int
    paid: int  # already on complements
    # the last NumParcialidad given (not how many are in force: after a complement before the
    # last is cancelled, the next one must not repeat the last one's number)
    installments: int
    stamped_xml: bytes
    receptor: tuple[str, str, str, str]  # rfc, name, postal code, regime


async def open_ppd(conn: Connection, tenant_id: uuid.UUID) -> list[OpenPpd]:
    """Stamped PPD invoices of one sale, not cancelled, with part of them still unpaid;
    ``total`` is what is owed on them, less their credit notes (returns after the invoice).
    A replacement (motive 01) waits until the complements of the invoice it replaces are
    cancelled: until then its payments are on those, and would be reported twice."""
    rows = await conn.fetch(
        """SELECT i.invoice_id, l.sale_id, s.customer_id, s.sold_at,
                  (i.total - COALESCE(n.credited, 0))::bigint AS total, i.stamped_xml,
                  i.receptor_rfc, i.receptor_name, i.receptor_postal_code, i.receptor_regime,
                  COALESCE(p.paid, 0)::bigint AS paid, COALESCE(p.n, 0)::int AS installments
           FROM invoices i
           JOIN invoice_sales l ON l.tenant_id = i.tenant_id AND l.invoice_id = i.invoice_id
           JOIN sales s ON s.tenant_id = l.tenant_id AND s.sale_id = l.sale_id
           LEFT JOIN (SELECT invoice_id, sum(amount) AS paid, max(installment) AS n FROM invoice_payments
                      WHERE tenant_id = $1 GROUP BY invoice_id) p ON p.invoice_id = i.invoice_id
           LEFT JOIN (SELECT credits, sum(total) AS credited FROM invoices
                      WHERE tenant_id = $1 AND kind = 'credit'
                        AND status IN ('pending', 'stamping', 'stamped')
                        AND cancel_status IS DISTINCT FROM 'cancelled'
                      GROUP BY credits) n ON n.credits = i.invoice_id
           WHERE i.tenant_id = $1 AND i.kind = 'ticket' AND i.metodo_pago = 'PPD'
             AND i.status = 'stamped' AND (i.cancel_status IS NULL OR i.cancel_status = 'refused')
             AND COALESCE(p.paid, 0) < i.total - COALESCE(n.credited, 0)
             AND NOT EXISTS (SELECT 1 FROM invoice_payments q  -- see the docstring
                             WHERE q.tenant_id = i.tenant_id AND q.invoice_id = i.replaces)
           ORDER BY s.sold_at""", tenant_id)
    return [OpenPpd(r["invoice_id"], r["sale_id"], r["customer_id"], r["sold_at"], r["total"],
                    r["paid"], r["installments"], r["stamped_xml"],
                    (r["receptor_rfc"], r["receptor_name"], r["receptor_postal_code"],
                     r["receptor_regime"]))
            for r in rows]


async def debts(conn: Connection, tenant_id: uuid.UUID, customer_id: uuid.UUID
                ) -> list[tuple[uuid.UUID, uuid.UUID | None, int, datetime]]:
    """(charge, sale, amount less what the sale's returns credited back, when). The charge an
    online abono's refund or chargeback made is not a debt here: the abono is smaller instead
    (``abonos``), as SAT reads a payment given back."""
    rows = await conn.fetch(
        """SELECT c.charge_id, c.sale_id, c.charged_at,
                  (c.amount - COALESCE((SELECT sum(r.refund_to_account) FROM sale_returns r
                                        WHERE r.tenant_id = c.tenant_id AND r.sale_id = c.sale_id),
                                       0))::bigint AS amount
           FROM fiado_charges c WHERE c.tenant_id = $1 AND c.customer_id = $2
             AND NOT EXISTS (SELECT 1 FROM pay_reversals v
                             WHERE v.tenant_id = c.tenant_id AND v.charge_id = c.charge_id)""",
        tenant_id, customer_id)
    return [(r["charge_id"], r["sale_id"], r["amount"], r["charged_at"]) for r in rows]


async def abonos(conn: Connection, tenant_id: uuid.UUID, customer_id: uuid.UUID
                 ) -> list[tuple[uuid.UUID, int, str, datetime]]:
    """(payment, amount less what was given back of it online, method, when) of a customer's
    abonos."""
    rows = await conn.fetch(
        """SELECT f.payment_id, (f.amount - COALESCE(b.back, 0))::bigint AS amount, f.method,
                  f.paid_at
           FROM fiado_payments f
           LEFT JOIN (SELECT p.abono_id, sum(v.amount) AS back FROM pay_payments p
                      JOIN pay_reversals v ON v.tenant_id = p.tenant_id
                                          AND v.provider = p.provider
                                          AND v.payment_ref = p.payment_ref
                      WHERE p.tenant_id = $1 GROUP BY p.abono_id) b ON b.abono_id = f.payment_id
           WHERE f.tenant_id = $1 AND f.customer_id = $2""", tenant_id, customer_id)
    return [(r["payment_id"], r["amount"], r["method"], r["paid_at"]) for r in rows]


async def recorded(conn: Connection, tenant_id: uuid.UUID,
                   invoice_ids: Sequence[uuid.UUID]) -> list[tuple[uuid.UUID, uuid.UUID, int]]:
    """(payment, invoice, amount) already on a payment complement."""
    rows = await conn.fetch(
        """SELECT payment_id, invoice_id, amount FROM invoice_payments
           WHERE tenant_id = $1 AND invoice_id = ANY ($2::uuid[])""", tenant_id, list(invoice_ids))
    return [(r["payment_id"], r["invoice_id"], r["amount"]) for r in rows]


async def paid_at_sale(conn: Connection, tenant_id: uuid.UUID,
                       sale_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """sale → method → what was paid at the counter other than on fiado."""
    rows = await conn.fetch(
        """SELECT sale_id, method, sum(amount)::bigint AS amount FROM sale_payments
           WHERE tenant_id = $1 AND sale_id = ANY ($2::uuid[]) AND method <> 'fiado'
           GROUP BY sale_id, method""", tenant_id, list(sale_ids))
    out: dict[uuid.UUID, dict[str, int]] = {}
    for r in rows:
        out.setdefault(r["sale_id"], {})[r["method"]] = r["amount"]
    return out


async def insert(conn: Connection, tenant_id: uuid.UUID,
                 rows: Sequence[tuple[uuid.UUID, uuid.UUID, uuid.UUID, int, int, int]]) -> None:
    """(payment, invoice, receipt, installment, balance before, amount)."""
    await insert_many(conn, "invoice_payments", [
        ("tenant_id", "uuid"), ("payment_id", "uuid"), ("invoice_id", "uuid"),
        ("receipt_id", "uuid"), ("installment", "int"), ("balance_before", "bigint"),
        ("amount", "bigint")], [(tenant_id, *r) for r in rows])


async def release(conn: Connection, tenant_id: uuid.UUID, receipt_id: uuid.UUID) -> int:
    """A complement that covers nothing (the PAC refused it): its payments go on the next one."""
    done: str = await conn.execute(
        "DELETE FROM invoice_payments WHERE tenant_id = $1 AND receipt_id = $2",
        tenant_id, receipt_id)
    return int(done.split()[-1])


@dataclass(frozen=True)
class Applied:
    """A payment as one complement applied it to a PPD invoice (its stamped XML)."""

    payment_id: uuid.UUID
    invoice_id: uuid.UUID
    installment: int
    balance_before: int
    amount: int
    invoice_xml: bytes


async def applied_by(conn: Connection, tenant_id: uuid.UUID, receipt_id: uuid.UUID) -> list[Applied]:
    rows = await conn.fetch(
        """SELECT p.payment_id, p.invoice_id, p.installment, p.balance_before, p.amount,
                  i.stamped_xml
           FROM invoice_payments p JOIN invoices i
             ON i.tenant_id = p.tenant_id AND i.invoice_id = p.invoice_id
           WHERE p.tenant_id = $1 AND p.receipt_id = $2 ORDER BY p.invoice_id""",
        tenant_id, receipt_id)
    return [Applied(r["payment_id"], r["invoice_id"], r["installment"], r["balance_before"],
                    r["amount"], r["stamped_xml"]) for r in rows]


async def move(conn: Connection, tenant_id: uuid.UUID, from_receipt: uuid.UUID,
               to_receipt: uuid.UUID) -> None:
    """The payments of one complement are another's now (its replacement, or back again)."""
    await conn.execute(
        """UPDATE invoice_payments SET receipt_id = $3
           WHERE tenant_id = $1 AND receipt_id = $2""", tenant_id, from_receipt, to_receipt)


async def pays_cancelled(conn: Connection, tenant_id: uuid.UUID, receipt_id: uuid.UUID) -> bool:
    """Whether a complement applies a payment to an invoice whose cancellation was asked."""
    found = await conn.fetchval(
        """SELECT 1 FROM invoice_payments p JOIN invoices i
             ON i.tenant_id = p.tenant_id AND i.invoice_id = p.invoice_id
           WHERE p.tenant_id = $1 AND p.receipt_id = $2
             AND i.cancel_status IS NOT NULL AND i.cancel_status <> 'refused' LIMIT 1""",
        tenant_id, receipt_id)
    return found is not None


async def given_back(conn: Connection, tenant_id: uuid.UUID) -> list[uuid.UUID]:
    """Stamped complements in force (no cancellation asked) of abonos partly or wholly given
    back online since: together they apply more than is left of the abono."""
    rows = await conn.fetch(
        """WITH back AS (
               SELECT p.abono_id, p.amount - sum(v.amount) AS left_amount FROM pay_payments p
               JOIN pay_reversals v ON v.tenant_id = p.tenant_id AND v.provider = p.provider
                                   AND v.payment_ref = p.payment_ref
               WHERE p.tenant_id = $1 GROUP BY p.abono_id, p.amount),
           applied AS (
               SELECT a.payment_id, a.receipt_id, a.amount, r.status, r.cancel_status
               FROM invoice_payments a JOIN invoices r
                 ON r.tenant_id = a.tenant_id AND r.invoice_id = a.receipt_id
               WHERE a.tenant_id = $1 AND a.payment_id IN (SELECT abono_id FROM back)
                 AND r.cancel_status IS DISTINCT FROM 'cancelled')
           SELECT DISTINCT x.receipt_id FROM applied x JOIN back b ON b.abono_id = x.payment_id
           WHERE x.status = 'stamped' AND x.cancel_status IS NULL
             AND (SELECT sum(y.amount) FROM applied y WHERE y.payment_id = x.payment_id)
                 > b.left_amount""", tenant_id)
    return [r["receipt_id"] for r in rows]

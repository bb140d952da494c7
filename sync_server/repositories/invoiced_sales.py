"""Sales as invoices need them (lines, payments, returns), and which invoice covers each sale."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sync_server.repositories import Connection
from sync_server.repositories.bulk import insert_many


@dataclass(frozen=True)
class SaleRows:
    """One sale's rows, plain: the service turns them into a ``cfdi.tickets.Ticket``."""

    sale_id: uuid.UUID
    folio: str
    sold_at: datetime
    total: int
    customer_id: uuid.UUID | None
    device_id: uuid.UUID | None
    # (line_no, name, qty_milli, total, iva, ieps_bp, sold by weight, first barcode, SAT product
    # key, SAT unit key): the keys are the product's now (null: the defaults)
    lines: list[tuple[int, str, int, int, str, int, bool, str | None, str | None, str | None]]
    paid: dict[str, int]  # method → amount
    returned: list[tuple[int, int, int]]  # (line_no, qty_milli, amount), one per returned line
    return_ids: list[uuid.UUID] = field(default_factory=list)  # the returns ``returned`` came from


async def load(conn: Connection, tenant_id: uuid.UUID,
               sale_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, SaleRows]:
    """Sales with their lines, payments per method and returned lines, in four queries."""
    ids = list(sale_ids)
    heads = await conn.fetch(
        """SELECT sale_id, folio, sold_at, total, customer_id, device_id FROM sales
           WHERE tenant_id = $1 AND sale_id = ANY ($2::uuid[])""", tenant_id, ids)
    out = {r["sale_id"]: SaleRows(r["sale_id"], r["folio"], r["sold_at"], r["total"],
                                  r["customer_id"], r["device_id"], [], {}, [])
           for r in heads}
    for r in await conn.fetch(
            """SELECT l.sale_id, l.line_no, l.name, l.qty_milli, l.total, l.iva, l.ieps_bp,
                      COALESCE(p.sold_by_weight, false) AS by_weight, p.barcodes[1] AS barcode,
                      p.sat_product_key, p.sat_unit_key
               FROM sale_lines l LEFT JOIN products p
                 ON p.tenant_id = l.tenant_id AND p.product_id = l.product_id
               WHERE l.tenant_id = $1 AND l.sale_id = ANY ($2::uuid[])
               ORDER BY l.sale_id, l.line_no""", tenant_id, ids):
        out[r["sale_id"]].lines.append((r["line_no"], r["name"], r["qty_milli"], r["total"],
                                        r["iva"], r["ieps_bp"], r["by_weight"], r["barcode"],
                                        r["sat_product_key"], r["sat_unit_key"]))
    for r in await conn.fetch(
            """SELECT sale_id, method, sum(amount)::bigint AS amount FROM sale_payments
               WHERE tenant_id = $1 AND sale_id = ANY ($2::uuid[]) GROUP BY sale_id, method""",
            tenant_id, ids):
        out[r["sale_id"]].paid[r["method"]] = r["amount"]
    for r in await conn.fetch(
            """SELECT s.sale_id, s.return_id, l.line_no, l.qty_milli, l.amount
               FROM sale_return_lines l JOIN sale_returns s
                 ON s.tenant_id = l.tenant_id AND s.return_id = l.return_id
               WHERE s.tenant_id = $1 AND s.sale_id = ANY ($2::uuid[])
               ORDER BY s.returned_at, s.return_id, l.line_no""", tenant_id, ids):
        sale = out[r["sale_id"]]
        sale.returned.append((r["line_no"], r["qty_milli"], r["amount"]))
        if r["return_id"] not in sale.return_ids:
            sale.return_ids.append(r["return_id"])
    return out


async def sales_between(conn: Connection, tenant_id: uuid.UUID, start: datetime,
                        end: datetime) -> list[uuid.UUID]:
    """Sales made in [start, end) that neither have their own invoice nor are in a global (and
    were not returned in full: nothing of them is left to invoice)."""
    rows = await conn.fetch(
        """SELECT s.sale_id FROM sales s LEFT JOIN sale_invoicing i
             ON i.tenant_id = s.tenant_id AND i.sale_id = s.sale_id
           WHERE s.tenant_id = $1 AND s.sold_at >= $2 AND s.sold_at < $3
             AND i.invoice_id IS NULL AND i.global_invoice_id IS NULL
             AND s.total > COALESCE((SELECT sum(r.amount) FROM sale_returns r
                                     WHERE r.tenant_id = s.tenant_id AND r.sale_id = s.sale_id), 0)
           ORDER BY s.sold_at, s.folio""", tenant_id, start, end)
    return [r["sale_id"] for r in rows]


async def pending_periods(conn: Connection, tenant_id: uuid.UUID, start: datetime,
                          end: datetime) -> list[datetime]:
    """When each sale of [start, end) that no invoice covers was made (to find its period)."""
    rows = await conn.fetch(
        """SELECT s.sold_at FROM sales s LEFT JOIN sale_invoicing i
             ON i.tenant_id = s.tenant_id AND i.sale_id = s.sale_id
           WHERE s.tenant_id = $1 AND s.sold_at >= $2 AND s.sold_at < $3
             AND i.invoice_id IS NULL AND i.global_invoice_id IS NULL
             AND s.total > COALESCE((SELECT sum(r.amount) FROM sale_returns r
                                     WHERE r.tenant_id = s.tenant_id AND r.sale_id = s.sale_id), 0)""",
        tenant_id, start, end)
    return [r["sold_at"] for r in rows]


@dataclass(frozen=True)
class Coverage:
    invoice_id: uuid.UUID | None
    global_invoice_id: uuid.UUID | None


async def lock_sale(conn: Connection, tenant_id: uuid.UUID, sale_id: uuid.UUID) -> Coverage:
    """Which invoices cover a sale, its row locked until commit (two requests to invoice one
    sale, or a global being built meanwhile, queue up here)."""
    await conn.execute(
        """INSERT INTO sale_invoicing (tenant_id, sale_id) VALUES ($1, $2)
           ON CONFLICT DO NOTHING""", tenant_id, sale_id)
    row = await conn.fetchrow(
        """SELECT invoice_id, global_invoice_id FROM sale_invoicing
           WHERE tenant_id = $1 AND sale_id = $2 FOR UPDATE""", tenant_id, sale_id)
    assert row is not None  # inserted just above
    return Coverage(row["invoice_id"], row["global_invoice_id"])


async def coverage(conn: Connection, tenant_id: uuid.UUID, sale_id: uuid.UUID) -> Coverage:
    row = await conn.fetchrow(
        """SELECT invoice_id, global_invoice_id FROM sale_invoicing
           WHERE tenant_id = $1 AND sale_id = $2""", tenant_id, sale_id)
    return Coverage(row["invoice_id"], row["global_invoice_id"]) if row else Coverage(None, None)


async def set_own(conn: Connection, tenant_id: uuid.UUID, sale_id: uuid.UUID,
                  invoice_id: uuid.UUID | None) -> None:
    await conn.execute("""UPDATE sale_invoicing SET invoice_id = $3
                          WHERE tenant_id = $1 AND sale_id = $2""", tenant_id, sale_id, invoice_id)


async def claim_for_global(conn: Connection, tenant_id: uuid.UUID, sale_ids: Sequence[uuid.UUID],
                           global_id: uuid.UUID) -> list[uuid.UUID]:
    """Put sales in a global invoice, those still free (no own invoice, no other global); the
    rows stay locked until commit. Returns the ones claimed."""
    rows = await conn.fetch(
        """INSERT INTO sale_invoicing (tenant_id, sale_id, global_invoice_id)
           SELECT $1, s, $3 FROM unnest($2::uuid[]) AS s
           ON CONFLICT (tenant_id, sale_id) DO UPDATE SET global_invoice_id = EXCLUDED.global_invoice_id
           WHERE sale_invoicing.invoice_id IS NULL AND sale_invoicing.global_invoice_id IS NULL
           RETURNING sale_id""", tenant_id, list(sale_ids), global_id)
    return [r["sale_id"] for r in rows]


async def move_to_global(conn: Connection, tenant_id: uuid.UUID, sale_ids: Sequence[uuid.UUID],
                         old: uuid.UUID, new: uuid.UUID) -> list[uuid.UUID]:
    """Sales still counted in global ``old`` now count in ``new``; returns the ones moved."""
    rows = await conn.fetch(
        """UPDATE sale_invoicing SET global_invoice_id = $4
           WHERE tenant_id = $1 AND sale_id = ANY ($2::uuid[]) AND global_invoice_id = $3
           RETURNING sale_id""", tenant_id, list(sale_ids), old, new)
    return [r["sale_id"] for r in rows]


async def set_global(conn: Connection, tenant_id: uuid.UUID, sale_id: uuid.UUID,
                     invoice_id: uuid.UUID | None) -> None:
    await conn.execute("""UPDATE sale_invoicing SET global_invoice_id = $3
                          WHERE tenant_id = $1 AND sale_id = $2""", tenant_id, sale_id, invoice_id)


async def release(conn: Connection, tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> None:
    """An invoice that will never be valid (refused, cancelled) covers its sales no more."""
    await conn.execute("""UPDATE sale_invoicing SET invoice_id = NULL
                          WHERE tenant_id = $1 AND invoice_id = $2""", tenant_id, invoice_id)
    await conn.execute("""UPDATE sale_invoicing SET global_invoice_id = NULL
                          WHERE tenant_id = $1 AND global_invoice_id = $2""", tenant_id, invoice_id)


async def link(conn: Connection, tenant_id: uuid.UUID, invoice_id: uuid.UUID,
               sales: Sequence[tuple[uuid.UUID, int]]) -> None:
    await insert_many(conn, "invoice_sales", [("tenant_id", "uuid"), ("invoice_id", "uuid"),
                                              ("sale_id", "uuid"), ("total", "bigint")],
                      [(tenant_id, invoice_id, s, t) for s, t in sales])


async def unlink(conn: Connection, tenant_id: uuid.UUID, invoice_id: uuid.UUID,
                 sale_id: uuid.UUID) -> None:
    await conn.execute("""DELETE FROM invoice_sales
                          WHERE tenant_id = $1 AND invoice_id = $2 AND sale_id = $3""",
                       tenant_id, invoice_id, sale_id)


async def sales_of(conn: Connection, tenant_id: uuid.UUID, invoice_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await conn.fetch("""SELECT sale_id FROM invoice_sales
                               WHERE tenant_id = $1 AND invoice_id = $2 ORDER BY sale_id""",
                            tenant_id, invoice_id)
    return [r["sale_id"] for r in rows]


async def invoices_of_sale(conn: Connection, tenant_id: uuid.UUID,
                           sale_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await conn.fetch(
        """SELECT l.invoice_id FROM invoice_sales l JOIN invoices i
             ON i.tenant_id = l.tenant_id AND i.invoice_id = l.invoice_id
           WHERE l.tenant_id = $1 AND l.sale_id = $2 AND i.kind = 'ticket'
           ORDER BY i.created_at DESC""", tenant_id, sale_id)
    return [r["invoice_id"] for r in rows]


async def tenants_of_sale(conn: Connection, sale_id: uuid.UUID) -> list[uuid.UUID]:
    """The shops with a sale of this id (any connection: a definer function answers)."""
    return [r["t"] for r in await conn.fetch("SELECT t FROM mch_sale_tenants($1) AS t", sale_id)]


async def sales_with_folio(conn: Connection, tenant_id: uuid.UUID, folio: str) -> list[uuid.UUID]:
    """The shop's sales printed with this folio (any case; a till's folios never repeat, but
    nothing in the table forbids it)."""
    rows = await conn.fetch(
        """SELECT sale_id FROM sales WHERE tenant_id = $1 AND upper(folio) = upper($2)
           ORDER BY sold_at DESC LIMIT 5""", tenant_id, folio.strip())
    return [r["sale_id"] for r in rows]

"""Customers (records, last writer wins) and their fiado charges and payments (facts)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from shared.ids import SERVER_WRITER
from shared.sync.envelopes import CustomerChange, FiadoChargeChange, FiadoPaymentChange
from sync_server.repositories import Connection
from sync_server.repositories.bulk import upsert_newest


async def upsert_lww(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None,
    changes: Sequence[CustomerChange],
) -> None:
    await upsert_newest(conn, "customers", "customer_id", [
        ("tenant_id", "uuid"), ("customer_id", "uuid"), ("name", "text"), ("phone", "text"),
        ("credit_limit", "bigint"), ("active", "boolean"), ("deleted", "boolean"),
        ("hlc", "bigint"), ("hlc_device", "uuid"),
    ], [(tenant_id, c.payload.id, c.payload.name, c.payload.phone, c.payload.credit_limit,
         c.payload.active, c.op == "delete", c.hlc, origin or SERVER_WRITER) for c in changes])


async def insert_charges(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None,
    changes: Sequence[FiadoChargeChange],
) -> None:
    await conn.executemany(
        """INSERT INTO fiado_charges (tenant_id, charge_id, customer_id, amount, sale_id, note,
                                      device_id, charged_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING""",
        [
            (tenant_id, c.payload.id, c.payload.customer_id, c.payload.amount, c.payload.sale_id,
             c.payload.note, origin, c.payload.charged_at)
            for c in changes
        ],
    )


async def insert_payments(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None,
    changes: Sequence[FiadoPaymentChange],
) -> None:
    await conn.executemany(
        """INSERT INTO fiado_payments (tenant_id, payment_id, customer_id, amount, method, note,
                                       device_id, paid_at, cashier_id, shift_id, reference)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING""",
        [
            (tenant_id, p.id, p.customer_id, p.amount, p.method.value, p.note, origin, p.paid_at,
             p.cashier_id, p.shift_id, p.reference)
            for p in (c.payload for c in changes)
        ],
    )


async def balance(conn: Connection, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> int:
    value: int | None = await conn.fetchval(
        "SELECT balance FROM customer_balances WHERE tenant_id = $1 AND customer_id = $2",
        tenant_id, customer_id,
    )
    return value or 0


async def phones(
    conn: Connection, tenant_id: uuid.UUID, customer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str | None]:
    """customer_id → phone on file, for those of ``customer_ids`` the shop has (not deleted)."""
    rows = await conn.fetch(
        """SELECT customer_id, phone FROM customers
           WHERE tenant_id = $1 AND customer_id = ANY($2::uuid[]) AND NOT deleted""",
        tenant_id, list(customer_ids))
    return {r["customer_id"]: r["phone"] for r in rows}


async def existing(
    conn: Connection, tenant_id: uuid.UUID, customer_ids: Sequence[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of ``customer_ids`` the shop has (a deleted customer keeps its account)."""
    rows = await conn.fetch(
        "SELECT customer_id FROM customers WHERE tenant_id = $1 AND customer_id = ANY($2::uuid[])",
        tenant_id, list(customer_ids))
    return {r["customer_id"] for r in rows}

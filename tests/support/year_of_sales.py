"""A year of a busy corner shop's facts, written straight into the server's tables with COPY,
for the tools' benchmark (and any test that needs volume).

It BYPASSES the push path and its checks on purpose: a year is ~50,000 tickets, and pushing
them through HTTP would measure the push, not the reads. Every row is shaped as the push would
store it (totals add up, fiado sales carry their charge, returns take back sold lines,
shifts close with counts), so the tools read what a real shop would have.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from shared.catalog import StarterProduct, starter_product_id
from shared.ids import new_uuid7
from shared.sale import line_total


@dataclass
class Year:
    tenant_id: uuid.UUID
    device_id: uuid.UUID
    customers: list[uuid.UUID] = field(default_factory=list)
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def add(self, table: str, *row: Any) -> None:
        self.rows.setdefault(table, []).append(row)

    @property
    def tickets(self) -> int:
        return len(self.rows.get("sales", []))


_COLUMNS = {
    "customers": ["tenant_id", "customer_id", "name", "phone", "credit_limit", "active",
                  "deleted", "hlc", "hlc_device"],
    "shifts": ["tenant_id", "shift_id", "cashier_id", "float_amount", "device_id", "opened_at"],
    "sales": ["tenant_id", "sale_id", "device_id", "folio", "sold_at", "total", "change",
              "customer_id", "cashier_id", "shift_id"],
    "sale_lines": ["tenant_id", "sale_id", "line_no", "product_id", "name", "qty_milli",
                   "unit_price", "total", "iva", "ieps_bp", "discount", "cost"],
    "sale_payments": ["tenant_id", "sale_id", "payment_no", "method", "amount", "tendered",
                      "reference"],
    "fiado_charges": ["tenant_id", "charge_id", "customer_id", "amount", "sale_id", "note",
                      "device_id", "charged_at"],
    "fiado_payments": ["tenant_id", "payment_id", "customer_id", "amount", "method", "note",
                       "device_id", "paid_at", "cashier_id", "shift_id", "reference"],
    "sale_returns": ["tenant_id", "return_id", "sale_id", "amount", "refund_method", "reason",
                     "cashier_id", "device_id", "returned_at", "refund_to_account"],
    "sale_return_lines": ["tenant_id", "return_id", "line_no", "product_id", "qty_milli",
                          "amount"],
    "cash_movements": ["tenant_id", "movement_id", "shift_id", "direction", "amount", "reason",
                       "device_id", "moved_at"],
    "shift_closes": ["tenant_id", "close_id", "shift_id", "counted", "note", "device_id",
                     "closed_at"],
}


def _uuid7_at(at: datetime, rnd: random.Random) -> uuid.UUID:
    """A UUIDv7 made at ``at`` (RFC 9562: 48-bit ms, version 7, variant, random)."""
    ms = int(at.timestamp() * 1000)
    value = (ms << 80) | (0x7 << 76) | (rnd.getrandbits(12) << 64) | (0b10 << 62) | rnd.getrandbits(62)
    return uuid.UUID(int=value)


def build_year(tenant_id: uuid.UUID, device_id: uuid.UUID, catalog: list[StarterProduct],
               end: datetime, *, days: int = 365, tickets_per_day: int = 140, seed: int = 7
               ) -> Year:
    """``days`` of trade up to ``end`` (UTC), ~``tickets_per_day`` tickets a day from 8:00 to
    21:00 in Mexico City (UTC−6), one shift a day with its corte, 40 fiado customers."""
    rnd = random.Random(seed)
    year = Year(tenant_id, device_id)
    for n in range(40):
        cid = new_uuid7()
        year.customers.append(cid)
        year.add("customers", tenant_id, cid, f"Cliente {n + 1}", f"+5255{n:08d}", 80_000, True,
                 False, 1, uuid.UUID(int=0))
    pieces = [p for p in catalog if not p.sold_by_weight]
    weights = [1.0 / (i + 1) ** 0.6 for i in range(len(pieces))]  # a few sell most
    folio = 0
    start_day = (end - timedelta(days=days)).replace(hour=14, minute=0, second=0, microsecond=0)
    for d in range(days):
        opened = start_day + timedelta(days=d)  # 08:00 local
        shift = new_uuid7()
        year.add("shifts", tenant_id, shift, None, 50_000, device_id, opened)
        cash = 50_000
        for _ in range(rnd.randint(tickets_per_day - 30, tickets_per_day + 30)):
            folio += 1
            at = opened + timedelta(seconds=rnd.randint(0, 13 * 3600))
            sale_id = _uuid7_at(at, rnd)  # as the till makes it: with the sale
            lines = []
            for no, product in enumerate(rnd.choices(pieces, weights, k=rnd.randint(1, 5)), 1):
                qty = rnd.choice((1000, 1000, 1000, 2000, 3000))
                total = line_total(product.price, qty)
                lines.append((no, product, qty, total))
                year.add("sale_lines", tenant_id, sale_id, no, starter_product_id(product.barcode),
                         product.name, qty, product.price, total, product.iva.value,
                         product.ieps_bp, 0, product.cost)
            total = sum(t for *_, t in lines)
            method = rnd.choices(("efectivo", "tarjeta", "transferencia", "fiado"),
                                 (70, 15, 10, 5))[0]
            customer = rnd.choice(year.customers) if method == "fiado" else None
            year.add("sales", tenant_id, sale_id, device_id, f"C1-{folio}", at, total, 0,
                     customer, None, shift)
            year.add("sale_payments", tenant_id, sale_id, 1, method, total, total, None)
            if customer:
                year.add("fiado_charges", tenant_id, new_uuid7(), customer, total, sale_id, None,
                         device_id, at)
            if method == "efectivo":
                cash += total
            if rnd.random() < 0.01:  # a return of the first line, an hour later, in cash
                no, product, qty, line = lines[0]
                rid = new_uuid7()
                year.add("sale_returns", tenant_id, rid, sale_id, line, "efectivo", "No servía",
                         None, device_id, at + timedelta(hours=1), 0)
                year.add("sale_return_lines", tenant_id, rid, no,
                         starter_product_id(product.barcode), qty, line)
                cash -= line
        if d % 3 == 0:
            customer = rnd.choice(year.customers)
            year.add("fiado_payments", tenant_id, new_uuid7(), customer, 5_000, "efectivo", None,
                     device_id, opened + timedelta(hours=5), None, shift, None)
            cash += 5_000
        year.add("cash_movements", tenant_id, new_uuid7(), shift, "salida", 20_000,
                 "Pago al proveedor", device_id, opened + timedelta(hours=6))
        cash -= 20_000
        counted = cash + rnd.choice((0, 0, 0, -500, 1000))
        year.add("shift_closes", tenant_id, new_uuid7(), shift,
                 f'[{{"method": "efectivo", "amount": {counted}}}]', None, device_id,
                 opened + timedelta(hours=13, minutes=30))
    return year


async def write_year(dsn: str, year: Year) -> None:
    """COPY every table's rows as the database owner, then VACUUM ANALYZE: the statistics and
    visibility map a year-old database has (autovacuum keeps them so)."""
    conn = await asyncpg.connect(dsn)
    try:
        for table, columns in _COLUMNS.items():
            if year.rows.get(table):
                await conn.copy_records_to_table(table, records=year.rows[table], columns=columns)
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def year_end() -> datetime:
    return datetime.now(UTC)

"""A paired till's facts for server tests of the shop's tools: sales with any quantities,
payment forms, discounts and times, returns, fiado, shifts with their cortes, pushed through
the real push use case (the server checks and applies them as from a till).

The builder computes totals with the shared rules (``line_total``), so every sale passes the
wire's checks; what it sells is up to the test.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.catalog import StarterProduct, starter_product_id
from shared.ids import new_uuid7
from shared.sale import line_total
from shared.sync.envelopes import Change
from sync_server.db import Pool
from sync_server.services import device_sync, shops
from sync_server.services.credentials import DeviceCredential, parse_credential
from tests.support.wire_changes import TillChanges


@dataclass
class Line:
    product: StarterProduct | None  # None: a "producto común"
    qty_milli: int = 1000
    price: int | None = None  # the unit price; the product's by default
    discount: int = 0
    cost: int | None = None  # the unit cost recorded on the line


class PairedTill:
    """A till paired with the shop over the real pairing use case, pushing its facts."""

    def __init__(self, pool: Pool, cred: DeviceCredential, code: str) -> None:
        self.pool, self.cred = pool, cred
        self.changes = TillChanges(code)

    @classmethod
    async def pair(cls, pool: Pool, settings: Any, tenant_id: uuid.UUID, name: str = "Caja 1"
                   ) -> PairedTill:
        code = await shops.create_pairing_code(pool, tenant_id)
        paired = await shops.pair_device(pool, settings, code.code, name, "10.0.0.9")
        cred = parse_credential(paired.credential)
        assert cred is not None
        return cls(pool, cred, paired.device_code)

    async def push(self, *changes: Change) -> None:
        applied = await device_sync.push(self.pool, self.cred, changes)
        refused = [r for r in applied.results if r.status == "rejected"]
        assert not refused, refused

    def sale(self, lines: Sequence[Line], at: datetime, *, pay: str = "efectivo",
             customer: uuid.UUID | None = None, shift: uuid.UUID | None = None,
             split: Sequence[tuple[str, int]] = ()) -> tuple[Change, uuid.UUID]:
        """A sale paid whole by ``pay`` (or by the ``split`` amounts, the rest by ``pay``)."""
        body = []
        for n, ln in enumerate(lines, start=1):
            price = ln.price if ln.price is not None else (ln.product.price if ln.product else 1000)
            gross = line_total(price, ln.qty_milli)
            body.append({"line_no": n, "product_id": starter_product_id(ln.product.barcode)
                         if ln.product else None,
                         "name": ln.product.name if ln.product else "Artículo común",
                         "qty_milli": ln.qty_milli, "unit_price": price,
                         "total": gross - ln.discount, "discount": ln.discount,
                         "iva": ln.product.iva.value if ln.product else "16", "cost": ln.cost})
        total = sum(b["total"] for b in body)
        payments = [{"method": m, "amount": a, "tendered": a} for m, a in split]
        rest = total - sum(a for _, a in split)
        if rest:
            payments.append({"method": pay, "amount": rest, "tendered": rest})
        sale_id = new_uuid7()
        self.changes.folio += 1
        change = self.changes.change("sale", {
            "id": sale_id, "folio": f"{self.changes.code}-{self.changes.folio}",
            "sold_at": at.isoformat(), "total": total, "change": 0, "lines": body,
            "payments": payments, "customer_id": customer, "shift_id": shift})
        return change, sale_id

    def sale_return(self, sale_id: uuid.UUID, lines: Sequence[tuple[int, StarterProduct | None, int, int]],
                    at: datetime, *, method: str = "efectivo", to_account: int = 0) -> Change:
        """Return (line_no, product, qty_milli, amount) of a sale."""
        return self.changes.change("sale_return", {
            "id": new_uuid7(), "sale_id": sale_id, "amount": sum(a for *_, a in lines),
            "refund_method": method, "reason": "No le gustó", "returned_at": at.isoformat(),
            "refund_to_account": to_account,
            "lines": [{"line_no": n, "product_id": starter_product_id(p.barcode) if p else None,
                       "qty_milli": q, "amount": a} for n, p, q, a in lines]})

    def movement(self, product_id: uuid.UUID, qty_milli: int, reason: str = "receipt") -> Change:
        return self.changes.movement(product_id, qty_milli, reason)

    def customer(self, name: str, phone: str | None = None, limit: int = 100_000) -> tuple[Change, uuid.UUID]:
        customer_id = new_uuid7()
        return self.changes.customer(name, phone, customer_id, limit), customer_id

    def charge(self, customer_id: uuid.UUID, amount: int, at: datetime,
               sale_id: uuid.UUID | None = None) -> Change:
        """A fiado charge: of a sale paid on fiado (as the till writes one with the sale), or an
        opening balance from the notebook."""
        return self.changes.change("fiado_charge", {
            "id": new_uuid7(), "customer_id": customer_id, "amount": amount, "sale_id": sale_id,
            "note": None if sale_id else "Saldo del cuaderno", "charged_at": at.isoformat()})

    def abono(self, customer_id: uuid.UUID, amount: int, at: datetime, *, method: str = "efectivo",
              shift: uuid.UUID | None = None) -> Change:
        return self.changes.change("fiado_payment", {
            "id": new_uuid7(), "customer_id": customer_id, "amount": amount, "method": method,
            "paid_at": at.isoformat(), "shift_id": shift})

    def shift_open(self, at: datetime, float_amount: int = 50_000) -> tuple[Change, uuid.UUID]:
        shift_id = new_uuid7()
        return self.changes.change("shift_open", {"id": shift_id, "float_amount": float_amount,
                                                  "opened_at": at.isoformat()}), shift_id

    def shift_close(self, shift_id: uuid.UUID, counted: dict[str, int], at: datetime) -> Change:
        return self.changes.change("shift_close", {
            "id": new_uuid7(), "shift_id": shift_id, "closed_at": at.isoformat(),
            "counted": [{"method": m, "amount": a} for m, a in counted.items()]})

    def cash(self, shift_id: uuid.UUID, direction: str, amount: int, at: datetime) -> Change:
        return self.changes.change("cash_movement", {
            "id": new_uuid7(), "shift_id": shift_id, "direction": direction, "amount": amount,
            "reason": "Pago al proveedor" if direction == "salida" else "Cambio",
            "moved_at": at.isoformat()})

"""Wire changes as a till sends them (JSON through the strict models), for server tests that
push without a till. They pass every rule of the wire models; what the server checks against
the shop (references, folios, returns) is up to the test."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter

from shared.clock import utc_now
from shared.hlc import HybridClock
from shared.ids import new_uuid7
from shared.sync.envelopes import Change

_CHANGE: TypeAdapter[Change] = TypeAdapter(Change)


class TillChanges:
    """One till's changes: its own hybrid clock and gapless ``device_seq`` from 1."""

    def __init__(self, code: str = "C1") -> None:
        self.clock, self.seq, self.code, self.folio = HybridClock(), 0, code, 0

    def change(self, entity: str, payload: dict[str, Any], op: str | None = None) -> Change:
        self.seq += 1
        body: dict[str, Any] = {"change_id": new_uuid7(), "device_seq": self.seq,
                                "hlc": self.clock.now(), "created_at": utc_now(),
                                "entity": entity, "payload": payload}
        if op:
            body["op"] = op
        return _CHANGE.validate_json(json.dumps(body, default=str))

    def customer(self, name: str = "Lupita", phone: str | None = None,
                 customer_id: uuid.UUID | None = None, limit: int = 100_000) -> Change:
        return self.change("customer", {"id": customer_id or new_uuid7(), "name": name,
                                        "phone": phone, "credit_limit": limit})

    def sale(self, lines: Sequence[tuple[uuid.UUID | None, int]], *, fiado_for: uuid.UUID | None = None,
             sale_id: uuid.UUID | None = None, folio: str | None = None,
             shift_id: uuid.UUID | None = None, sold_at: str | None = None) -> Change:
        """A sale of one piece of each ``(product_id, unit_price)``, paid exactly in cash, or on
        fiado by ``fiado_for``."""
        self.folio += 1
        total = sum(price for _, price in lines)
        method = "fiado" if fiado_for else "efectivo"
        return self.change("sale", {
            "id": sale_id or new_uuid7(), "folio": folio or f"{self.code}-{self.folio}",
            "sold_at": sold_at or utc_now().isoformat(), "total": total, "change": 0,
            "lines": [{"line_no": i, "product_id": pid, "name": f"Producto {i}", "qty_milli": 1000,
                       "unit_price": price, "total": price, "iva": "16"}
                      for i, (pid, price) in enumerate(lines, start=1)],
            "payments": [{"method": method, "amount": total, "tendered": total}],
            "customer_id": fiado_for, "shift_id": shift_id})

    def sale_return(self, sale_id: uuid.UUID, lines: Sequence[tuple[int, uuid.UUID | None, int]],
                    to_account: int = 0) -> Change:
        """Return one piece of each ``(line_no, product_id, amount)`` of a sale."""
        amount = sum(a for _, _, a in lines)
        return self.change("sale_return", {
            "id": new_uuid7(), "sale_id": sale_id, "amount": amount,
            "refund_method": "fiado" if to_account else "efectivo", "reason": "Caducado",
            "returned_at": utc_now().isoformat(), "refund_to_account": to_account,
            "lines": [{"line_no": n, "product_id": p, "qty_milli": 1000, "amount": a}
                      for n, p, a in lines]})

    def fiado_charge(self, customer_id: uuid.UUID, amount: int) -> Change:
        return self.change("fiado_charge", {"id": new_uuid7(), "customer_id": customer_id,
                                            "amount": amount, "charged_at": utc_now().isoformat()})

    def fiado_payment(self, customer_id: uuid.UUID, amount: int,
                      shift_id: uuid.UUID | None = None) -> Change:
        return self.change("fiado_payment", {"id": new_uuid7(), "customer_id": customer_id,
                                             "amount": amount, "method": "efectivo",
                                             "paid_at": utc_now().isoformat(),
                                             "shift_id": shift_id})

    def movement(self, product_id: uuid.UUID, qty_milli: int, reason: str = "receipt") -> Change:
        return self.change("inventory_movement", {"id": new_uuid7(), "product_id": product_id,
                                                  "qty_milli": qty_milli, "reason": reason,
                                                  "moved_at": utc_now().isoformat()})

    def shift_open(self, shift_id: uuid.UUID | None = None, float_amount: int = 50_000) -> Change:
        return self.change("shift_open", {"id": shift_id or new_uuid7(),
                                          "float_amount": float_amount,
                                          "opened_at": utc_now().isoformat()})

    def shift_close(self, shift_id: uuid.UUID) -> Change:
        return self.change("shift_close", {"id": new_uuid7(), "shift_id": shift_id,
                                           "counted": [{"method": "efectivo", "amount": 50_000}],
                                           "closed_at": utc_now().isoformat()})

    def cash_movement(self, shift_id: uuid.UUID | None, amount: int = 10_000) -> Change:
        return self.change("cash_movement", {"id": new_uuid7(), "shift_id": shift_id,
                                             "direction": "salida", "amount": amount,
                                             "reason": "Pago al proveedor",
                                             "moved_at": utc_now().isoformat()})

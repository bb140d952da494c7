"""Stock facts of a few products with chosen hybrid-clock stamps, as wire changes (made by the
server: device_seq 0), for the tests that hold the till's stock cache and the server's view to
the one rule (shared/stock.py). A builder: nothing here checks the shop's rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from hypothesis import strategies as st

from shared.ids import new_uuid7
from shared.sale import PaymentMethod
from shared.stock import Count, Move
from shared.sync.envelopes import Change, make_change
from shared.sync.payloads import (
    InventoryMovementPayload,
    SaleLinePayload,
    SalePayload,
    SalePaymentPayload,
    SaleReturnLinePayload,
    SaleReturnPayload,
    StockCountPayload,
)
from shared.tax import IvaRate

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)
PRODUCTS = [uuid.UUID(int=i) for i in (0xA1, 0xB2)]


@dataclass(frozen=True)
class StockFact:
    """What the test drew: a kind, a product, a quantity and a stamp (and for a return, which
    sale it takes back)."""

    kind: str  # movement, sale, return, count
    product: int
    qty_milli: int
    hlc: int
    of_sale: int = 0


stock_fact = st.builds(
    StockFact, kind=st.sampled_from(["movement", "sale", "return", "count"]),
    product=st.integers(0, len(PRODUCTS) - 1), qty_milli=st.integers(0, 40).map(lambda n: n * 500),
    hlc=st.integers(1, 60).map(lambda n: n << 16),  # few distinct stamps: ties happen
    of_sale=st.integers(0, 50))


def changes_for(facts: list[StockFact]) -> list[Change]:
    """One change per drawn fact (a return only when some sale of its product came before in
    the list; it returns part of that sale), in the drawn order."""
    out: list[Change] = []
    sold: dict[int, list[list]] = {}  # product → [sale id, what is left to return]
    for n, f in enumerate(facts):
        pid, qty = PRODUCTS[f.product], max(f.qty_milli, 500)
        if f.kind == "movement":
            payload: object = InventoryMovementPayload(
                id=new_uuid7(), product_id=pid, qty_milli=qty if n % 3 else -qty,
                reason="receipt" if n % 3 else "adjustment", moved_at=AT)
            entity = "inventory_movement"
        elif f.kind == "count":
            payload = StockCountPayload(id=new_uuid7(), product_id=pid,
                                        counted_milli=f.qty_milli, counted_at=AT)
            entity = "stock_count"
        elif f.kind == "sale":
            sale_id = new_uuid7()
            payload = SalePayload(
                id=sale_id, folio=f"S-{n}", sold_at=AT, total=qty, change=0,
                lines=[SaleLinePayload(line_no=1, product_id=pid, name="Producto", qty_milli=qty,
                                       unit_price=1000, total=qty, iva=IvaRate.GENERAL)],
                payments=[SalePaymentPayload(method=PaymentMethod.CASH, amount=qty, tendered=qty)])
            sold.setdefault(f.product, []).append([sale_id, qty])
            entity = "sale"
        else:
            left = [s for s in sold.get(f.product, []) if s[1]]
            if not left:
                continue
            chosen = left[f.of_sale % len(left)]
            sale_id, back = chosen[0], min(qty, chosen[1])
            chosen[1] -= back
            payload = SaleReturnPayload(
                id=new_uuid7(), sale_id=sale_id, amount=0, refund_method=PaymentMethod.CASH,
                reason="Devolución", returned_at=AT,
                lines=[SaleReturnLinePayload(line_no=1, product_id=pid, qty_milli=back, amount=0)])
            entity = "sale_return"
        out.append(make_change(entity, payload,  # type: ignore[arg-type]
                               change_id=new_uuid7(), device_seq=0, hlc=f.hlc, created_at=AT))
    return out


def by_rule(changes: list[Change]) -> dict[uuid.UUID, tuple[list[Count], list[Move]]]:
    """Each product's counts and signed moves, as shared.stock takes them."""
    out: dict[uuid.UUID, tuple[list[Count], list[Move]]] = {p: ([], []) for p in PRODUCTS}
    for c in changes:
        p = c.payload
        if isinstance(p, StockCountPayload):
            out[p.product_id][0].append(Count(str(p.id), c.hlc, p.counted_milli))
        elif isinstance(p, InventoryMovementPayload):
            out[p.product_id][1].append(Move(c.hlc, p.qty_milli))
        elif isinstance(p, SalePayload):
            for ln in p.lines:
                assert ln.product_id is not None
                out[ln.product_id][1].append(Move(c.hlc, -ln.qty_milli))
        elif isinstance(p, SaleReturnPayload):
            for rl in p.lines:
                assert rl.product_id is not None
                out[rl.product_id][1].append(Move(c.hlc, rl.qty_milli))
    return out

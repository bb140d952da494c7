"""Facts must name things the shop has. A customer, product, sale or shift that is neither in
the shop nor made by an accepted change of the same batch is refused, per change, with
``unknown_customer``, ``unknown_product``, ``unknown_sale`` or ``unknown_shift``: stored, such
a fact would point at nothing (an abono to nobody's account, stock of no product).

A sale's lines are left alone on purpose: a sale that happened is kept, and a line keeps its
name and price whatever became of its product.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence

from shared.sync.envelopes import (
    CashMovementChange,
    Change,
    CustomerChange,
    FiadoChargeChange,
    FiadoPaymentChange,
    InventoryMovementChange,
    ProductChange,
    SaleChange,
    SaleReturnChange,
    ShiftCloseChange,
    ShiftOpenChange,
    StockCountChange,
)
from sync_server.db import Connection
from sync_server.repositories import catalog, customers, operations, sales

Refusal = tuple[str, str]

_REFUSALS: dict[str, Refusal] = {
    "customer": ("unknown_customer", "El cliente no existe en esta tienda: sincroniza la caja "
                                     "y revisa el cliente."),
    "product": ("unknown_product", "El producto no existe en esta tienda."),
    "sale": ("unknown_sale", "La venta no existe en esta tienda."),
    "shift": ("unknown_shift", "El turno no existe en esta tienda."),
}


def _named(change: Change) -> list[tuple[str, uuid.UUID]]:
    """(kind, id) of each thing ``change`` points at."""
    out: list[tuple[str, uuid.UUID | None]] = []
    if isinstance(change, SaleChange):
        out = [("customer", change.payload.customer_id), ("shift", change.payload.shift_id)]
    elif isinstance(change, FiadoChargeChange):
        out = [("customer", change.payload.customer_id), ("sale", change.payload.sale_id)]
    elif isinstance(change, FiadoPaymentChange):
        out = [("customer", change.payload.customer_id), ("shift", change.payload.shift_id)]
    elif isinstance(change, InventoryMovementChange | StockCountChange):
        out = [("product", change.payload.product_id)]
    elif isinstance(change, CashMovementChange | ShiftCloseChange | SaleReturnChange):
        out = [("shift", change.payload.shift_id)]  # a return's sale: the return rule checks
    return [(kind, ref) for kind, ref in out if ref is not None]


def _made(change: Change) -> tuple[str, uuid.UUID] | None:
    """(kind, id) of the thing ``change`` creates or edits, if it can be named by others."""
    if isinstance(change, CustomerChange):
        return "customer", change.payload.id
    if isinstance(change, ProductChange):
        return "product", change.payload.id
    if isinstance(change, SaleChange):
        return "sale", change.payload.id
    if isinstance(change, ShiftOpenChange):
        return "shift", change.payload.id
    return None


async def refusals(
    conn: Connection, tenant_id: uuid.UUID, changes: Sequence[Change],
    refused: Collection[uuid.UUID],
) -> dict[uuid.UUID, Refusal]:
    """change_id → refusal for changes naming what the shop does not have. ``refused``: changes
    of this batch already refused, whose records or facts therefore do not count."""
    known: dict[str, set[uuid.UUID]] = defaultdict(set)
    for c in changes:
        if c.change_id not in refused and (made := _made(c)):
            known[made[0]].add(made[1])
    wanted: dict[str, set[uuid.UUID]] = defaultdict(set)
    for c in changes:
        for kind, ref in _named(c):
            if ref not in known[kind]:
                wanted[kind].add(ref)
    lookups = {"customer": customers.existing, "product": catalog.existing,
               "sale": sales.existing, "shift": operations.existing_shifts}
    for kind, ids in wanted.items():
        known[kind] |= await lookups[kind](conn, tenant_id, sorted(ids))
    out: dict[uuid.UUID, Refusal] = {}
    for c in changes:
        missing = [kind for kind, ref in _named(c) if ref not in known[kind]]
        if missing and c.change_id not in refused:
            out[c.change_id] = _REFUSALS[missing[0]]
    return out

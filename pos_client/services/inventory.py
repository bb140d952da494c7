"""Inventory use cases: receiving merchandise, adjustments, physical counts, low stock, history.

Stock is never stored by these functions: each writes inventory movements (facts that sync) and
the local ``stock`` cache follows from them by triggers, in the same transaction.

Cost rule: receiving at a new unit cost replaces the product's cost ("último costo"), which is
how a corner-shop owner prices: the last invoice is what the next case will cost. A weighted
average would need every device's receipts in order and would drift from what they remember.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pos_client.services import local, staff
from pos_client.services.files import safe_text
from pos_client.services.till import Till
from pos_client.store.database import Tx
from pos_client.store.repositories import catalog, shop, stock_ledger
from pos_client.store.repositories.stock_ledger import StockItem
from shared.errors import DomainError, InvalidAmount, InvalidQuantity, UnknownProduct
from shared.ids import new_uuid7
from shared.money import format_mxn
from shared.permissions import Permission
from shared.quantity import MAX_QTY_MILLI, QTY_SCALE, format_quantity, value_of
from shared.sale import MAX_UNIT_PRICE
from shared.spanish import agree, count
from shared.sync.payloads import InventoryMovementPayload, MovementReason, StockCountPayload

# Offered as choices on the adjustment screen; any other text is accepted too.
ADJUSTMENT_REASONS = ("Merma", "Caducado", "Robo", "Dañado", "Consumo propio", "Error de captura")
MAX_NOTE = 200

__all__ = ["StockItem"]


class MissingReason(DomainError):
    code = "missing_reason"


@dataclass(frozen=True, slots=True)
class CostChange:
    product_id: uuid.UUID
    name: str
    old_cost: int
    new_cost: int


@dataclass(frozen=True, slots=True)
class ReceiptResult:
    movement_ids: list[uuid.UUID]
    cost_changes: list[CostChange]


@dataclass(frozen=True, slots=True)
class Correction:
    """One product's line of a physical count: what the store expected and what was on the shelf."""

    product_id: uuid.UUID
    name: str
    sold_by_weight: bool
    expected_milli: int
    counted_milli: int
    difference_milli: int
    value: int  # the difference at cost, in centavos (negative: merchandise missing)


@dataclass(frozen=True, slots=True)
class LowStockRow:
    item: StockItem
    to_buy_milli: int  # enough to reach the minimum; whole pieces for piece goods

    @property
    def purchase_cost(self) -> int:
        return value_of(self.to_buy_milli, self.item.cost)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    at: datetime
    kind: str  # Spanish label: Recepción, Ajuste, Conteo, Inventario inicial, Venta, Devolución
    reference: str
    qty_milli: int
    balance_milli: int


@dataclass(frozen=True, slots=True)
class History:
    """A product's stock movements, and the shop's zone to show their times in."""

    rows: list[HistoryRow]
    zone: ZoneInfo


KIND_LABELS = {"initial": "Inventario inicial", "receipt": "Recepción", "adjustment": "Ajuste",
               "count": "Conteo", "counted": "Conteo físico", "sale": "Venta",
               "return": "Devolución"}


# ---- checks ---------------------------------------------------------------------------------


def _known(tx: Tx, product_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, StockItem]:
    found = stock_ledger.items(tx, product_ids)
    for pid in product_ids:
        if pid not in found or found[pid].deleted:
            raise UnknownProduct("Ese producto no existe en esta tienda (¿lo borraron?).")
    return found


def _check_qty(item: StockItem, qty_milli: int, *, allow_zero: bool = False) -> None:
    """Quantities typed in the back room: whole pieces, at most 9,999 units at once."""
    if qty_milli < 0 or (qty_milli == 0 and not allow_zero):
        raise InvalidQuantity(f"{item.name}: la cantidad debe ser mayor que cero.")
    if qty_milli > MAX_QTY_MILLI:
        raise InvalidQuantity(f"{item.name}: {format_quantity(qty_milli, item.sold_by_weight)} es "
                              "demasiado. Revisa lo que escribiste.")
    if not item.sold_by_weight and qty_milli % QTY_SCALE:
        raise InvalidQuantity(f"{item.name} se maneja por pieza: usa cantidades enteras.")


def _movement(till: Till, product_id: uuid.UUID, qty_milli: int, reason: MovementReason,
              note: str | None) -> InventoryMovementPayload:
    return InventoryMovementPayload(id=new_uuid7(), product_id=product_id, qty_milli=qty_milli,
                                    reason=reason, note=note, moved_at=till.now())


def _clean_note(note: str | None) -> str | None:
    cleaned = " ".join((note or "").split())  # control characters and newlines are not stored
    if len(cleaned) > MAX_NOTE:
        raise DomainError(f"La nota es muy larga (máximo {MAX_NOTE} letras).", code="note_too_long")
    return cleaned or None


# ---- receiving ------------------------------------------------------------------------------


def receive(
    till: Till, lines: Sequence[tuple[uuid.UUID, int, int | None]],
    supplier_note: str | None, cashier_id: uuid.UUID | None, *,
    authorized_by: uuid.UUID | None = None,
) -> ReceiptResult:
    """Merchandise in: a receipt movement per line (product, quantity, unit cost or None), and
    the product's cost replaced by the new unit cost when it differs, all in one transaction.
    A product listed twice keeps the cost of its last line."""
    if not lines:
        raise InvalidQuantity("Agrega al menos un producto a la recepción.")
    note = _clean_note(supplier_note)
    for _, _, cost in lines:
        if cost is not None and not 0 <= cost <= MAX_UNIT_PRICE:
            raise InvalidAmount(f"El costo {format_mxn(cost)} no es válido.")
    with till.db.write() as tx:
        staff.guard(tx, cashier_id, authorized_by, Permission.EDIT_CATALOG)
        found = _known(tx, [pid for pid, _, _ in lines])
        for pid, qty, _ in lines:
            _check_qty(found[pid], qty)
        ids = []
        for pid, qty, cost in lines:
            priced = None if cost is None else f"costo {format_mxn(cost)}"
            movement = _movement(till, pid, qty, "receipt",
                                 " · ".join(filter(None, [note, priced])) or None)
            local.save(tx, till, "inventory_movement", movement)
            ids.append(movement.id)
        new_costs = {pid: cost for pid, _, cost in lines if cost is not None}
        changes = [CostChange(pid, found[pid].name, found[pid].cost, cost)
                   for pid, cost in new_costs.items() if cost != found[pid].cost]
        for change in changes:
            _set_cost(tx, till, change, cashier_id, authorized_by)
    return ReceiptResult(ids, changes)


def _set_cost(tx: Tx, till: Till, change: CostChange, cashier_id: uuid.UUID | None,
              authorized_by: uuid.UUID | None) -> None:
    current = catalog.payload(tx, change.product_id)
    assert current is not None  # checked by _known in this transaction
    updated = current.model_validate({**current.model_dump(), "cost": change.new_cost})
    local.save(tx, till, "product", updated, op="upsert")
    staff.audit(tx, till, "catalog_edit", cashier_id=cashier_id, authorized_by=authorized_by,
                subject_id=change.product_id,
                detail=f"Costo de {change.name}: {format_mxn(change.old_cost)} → "
                       f"{format_mxn(change.new_cost)} (recepción de mercancía)")


# ---- adjustments ----------------------------------------------------------------------------


def adjust(
    till: Till, product_id: uuid.UUID, delta_milli: int, reason_text: str,
    cashier_id: uuid.UUID | None, *, authorized_by: uuid.UUID | None = None,
) -> uuid.UUID:
    """Stock corrected by hand (merma, caducado, robo…): the reason is required and audited.
    Taking out more than the store has is refused: that calls for a physical count."""
    reason = _clean_note(reason_text)
    if reason is None:
        raise MissingReason("Escribe o elige el motivo del ajuste (merma, caducado, robo…).")
    with till.db.write() as tx:
        staff.guard(tx, cashier_id, authorized_by, Permission.EDIT_CATALOG)
        item = _known(tx, [product_id])[product_id]
        _check_qty(item, abs(delta_milli))
        if delta_milli < 0 and item.stock_milli + delta_milli < 0:
            raise InvalidQuantity(
                f"Solo hay {format_quantity(item.stock_milli, item.sold_by_weight)} de {item.name}: "
                "no se puede quitar más. Si el sistema está mal, haz un conteo físico.")
        movement = _movement(till, product_id, delta_milli, "adjustment", reason)
        local.save(tx, till, "inventory_movement", movement)
        sign = "+" if delta_milli > 0 else ""
        staff.audit(tx, till, "catalog_edit", cashier_id=cashier_id,
                    authorized_by=authorized_by, subject_id=product_id,
                    detail=f"Ajuste de inventario de {item.name}: "
                           f"{sign}{format_quantity(delta_milli, item.sold_by_weight)} ({reason})")
    return movement.id


# ---- physical count -------------------------------------------------------------------------
#
# A count is absolute: "at this moment the shelf held N" (a ``stock_count`` fact; the rule is
# shared/stock.py). The moment is the till's hybrid-clock stamp when that product's quantity
# was typed (``count_moment``), so on every till and the server:
#   * a sale stamped BEFORE the product was counted was already off the shelf: stock = counted,
#     even when it comes from another till that syncs after the count;
#   * a sale stamped AFTER it was counted (before Aplicar, or on another till) is kept:
#     stock = counted − sold.
# Without a moment the count is taken as of applying it: stock = counted.


@dataclass(frozen=True, slots=True)
class CountMoment:
    """When a product's quantity was typed: wall time for people, hlc for the stock rule."""

    at: datetime
    hlc: int


def count_moment(till: Till) -> CountMoment:
    """Now, as a count's moment (the count screen asks when each quantity is typed)."""
    return CountMoment(till.now(), till.device.clock.now())


def _corrections(
    tx: Tx, counted: Mapping[uuid.UUID, int], counted_at: Mapping[uuid.UUID, CountMoment],
) -> list[Correction]:
    found = _known(tx, list(counted))
    out = []
    for pid, qty in counted.items():
        item = found[pid]
        _check_qty(item, qty, allow_zero=True)
        expected = item.stock_milli
        if pid in counted_at:
            expected -= stock_ledger.moved_after(tx, pid, counted_at[pid].hlc)
        out.append(Correction(pid, item.name, item.sold_by_weight, expected, qty, qty - expected,
                              value_of(qty - expected, item.cost)))
    return sorted(out, key=lambda c: c.name.casefold())


def preview_count(
    till: Till, counted: Mapping[uuid.UUID, int],
    counted_at: Mapping[uuid.UUID, CountMoment] | None = None,
) -> list[Correction]:
    """The corrections applying this count now would make (for the confirmation)."""
    with till.db.read() as tx:
        return [c for c in _corrections(tx, counted, counted_at or {}) if c.difference_milli]


def apply_count(
    till: Till, counted: Mapping[uuid.UUID, int], cashier_id: uuid.UUID | None,
    counted_at: Mapping[uuid.UUID, CountMoment] | None = None, *,
    authorized_by: uuid.UUID | None = None,
) -> list[Correction]:
    """Write a ``stock_count`` per counted product (one that matches too: it is what the shelf
    held, and a late sale from another till must not be taken off it again), stamped with the
    moment it was counted; returns the products whose count differed from their stock."""
    if not counted:
        raise InvalidQuantity("Escribe lo contado de al menos un producto.")
    moments = counted_at or {}
    with till.db.write() as tx:
        staff.guard(tx, cashier_id, authorized_by, Permission.EDIT_CATALOG)
        lines = _corrections(tx, counted, moments)
        for c in lines:
            moment = moments.get(c.product_id)
            note = (f"Conteo físico: contado {format_quantity(c.counted_milli, c.sold_by_weight)}, "
                    f"esperado {format_quantity(c.expected_milli, c.sold_by_weight)}")
            fact = StockCountPayload(id=new_uuid7(), product_id=c.product_id,
                                     counted_milli=c.counted_milli,
                                     counted_at=moment.at if moment else till.now(), note=note,
                                     cashier_id=cashier_id)
            local.save(tx, till, "stock_count", fact, hlc=moment.hlc if moment else None)
        corrections = [c for c in lines if c.difference_milli]
        if corrections:
            staff.audit(tx, till, "catalog_edit", cashier_id=cashier_id,
                        authorized_by=authorized_by,
                        detail=f"Conteo físico: {count(len(counted), 'producto')} "
                               f"{agree(len(counted), 'contado')}, "
                               f"{count(len(corrections), 'corregido')}, valor "
                               f"{format_mxn(sum(c.value for c in corrections))}")
    return corrections


# ---- reports --------------------------------------------------------------------------------


def _to_buy(item: StockItem) -> int:
    missing = max(item.min_stock_milli - item.stock_milli, 0)
    if item.sold_by_weight:
        return missing
    return -(-missing // QTY_SCALE) * QTY_SCALE  # whole pieces, rounded up


def _urgency(row: LowStockRow) -> tuple[int, float, str]:
    item = row.item
    if item.stock_milli <= 0:
        return (0, item.stock_milli, item.name.casefold())
    return (1, item.stock_milli / item.min_stock_milli, item.name.casefold())


def low_stock(till: Till) -> list[LowStockRow]:
    """Products on sale under their minimum or out of stock, most urgent first: out of stock
    (most oversold first), then by how much of the minimum is left."""
    with till.db.read() as tx:
        below = stock_ledger.below_minimum(tx)
    return sorted((LowStockRow(i, _to_buy(i)) for i in below), key=_urgency)


def export_low_stock(rows: Sequence[LowStockRow], path: Path) -> None:
    """The report as a CSV the owner can open in Excel (UTF-8 with BOM) or take to the supplier.
    Names and departments go through :func:`safe_text`: a product named «=…» stays text."""
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        out = csv.writer(f)
        out.writerow(["Producto", "Departamento", "Existencia", "Mínimo", "Comprar",
                      "Costo unitario", "Costo estimado"])
        for r in rows:
            i = r.item
            out.writerow([safe_text(i.name), safe_text(i.department or ""),
                          format_quantity(i.stock_milli, i.sold_by_weight),
                          format_quantity(i.min_stock_milli, i.sold_by_weight),
                          format_quantity(r.to_buy_milli, i.sold_by_weight),
                          format_mxn(i.cost), format_mxn(r.purchase_cost)])


def history(till: Till, product_id: uuid.UUID, limit: int = 500) -> History:
    """The product's last ``limit`` stock facts, oldest first, each with the stock after it.
    The balance runs over the whole ledger, so the last one equals the stock cache."""
    rows, balance = [], 0
    with till.db.read() as tx:
        ledger, zone = stock_ledger.ledger(tx, product_id), shop.shop_zone(tx)
    for e in ledger:
        balance = e.qty_milli if e.absolute else balance + e.qty_milli
        rows.append(HistoryRow(e.at, KIND_LABELS.get(e.kind, e.kind), e.reference or "",
                               e.qty_milli, balance))
    return History(rows[-limit:] if limit else rows, zone)


def find(till: Till, typed: str) -> list[StockItem]:
    """Products for a scanned code or typed words (on sale only), with cost and stock."""
    code = typed.strip()
    if not code:
        return []
    with till.db.read() as tx:
        exact = catalog.by_barcode(tx, code) if code.isdigit() else None
        matches = [exact] if exact else catalog.search(tx, code, limit=30)
        found = stock_ledger.items(tx, [p.id for p in matches])
    return [found[p.id] for p in matches if p.id in found]


def count_sheet(till: Till) -> list[StockItem]:
    """Every product on sale, to count the whole shop."""
    with till.db.read() as tx:
        return stock_ledger.active_items(tx)

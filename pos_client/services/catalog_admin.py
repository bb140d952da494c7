"""Catalog administration: saving a product as a whole record, departments, picking starter products."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from pos_client.services import local, staff
from pos_client.services.till import Till
from pos_client.store.database import Tx
from pos_client.store.repositories import catalog, product_records
from pos_client.store.repositories import departments as department_records
from pos_client.store.repositories.catalog import Product
from pos_client.store.repositories.departments import Department
from shared.catalog import StarterProduct, load_starter_catalog, name_key, starter_product_id
from shared.errors import DomainError, InvalidQuantity, UnknownProduct
from shared.fiscal import FiscalDataInvalid, check_product_key, check_unit_key
from shared.ids import new_uuid7
from shared.money import format_mxn
from shared.permissions import Permission
from shared.quantity import MAX_QTY_MILLI, parse_quantity
from shared.sale import MAX_UNIT_PRICE
from shared.spanish import agree, count
from shared.sync.payloads import CategoryPayload, ProductPayload
from shared.tax import IvaRate

MAX_IEPS_BP = 16_000  # 160 %: the highest IEPS rate in the law (tobacco)
MAX_BARCODES = 20
_BARCODE = re.compile(r"[0-9A-Za-z\-]{1,48}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ProductRefused(DomainError):
    """A product that cannot be saved; ``field`` names the form field (import column) at fault."""

    code = "product_refused"

    def __init__(self, message: str, *, field: str, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.field = field


__all__ = ["Department", "Product"]


def find_products(till: Till, text: str = "", *, inactive: bool = False) -> list[Product]:
    """The products on sale matching ``text`` (words or a barcode's first digits), or the
    ones switched off (not sold, not found at the till), to find and switch them back on."""
    with till.db.read() as tx:
        return product_records.inactive(tx, text) if inactive else catalog.search(tx, text)


def product(till: Till, product_id: uuid.UUID) -> ProductPayload | None:
    """The stored product as a whole record, to edit it."""
    with till.db.read() as tx:
        return catalog.payload(tx, product_id)


class DepartmentRefused(DomainError):
    code = "department_refused"


@dataclass(frozen=True, slots=True)
class ProductDraft:
    """What a form or a spreadsheet row says about a product, before it is checked.

    Plain ints, so a negative price can be represented, and refused in Spanish, rather than
    failing deep inside the wire model's validation.
    """

    name: str
    price: int
    id: uuid.UUID | None = None
    barcodes: tuple[str, ...] = ()
    department: str | None = None
    cost: int = 0
    iva: IvaRate = IvaRate.GENERAL
    ieps_bp: int = 0
    sold_by_weight: bool = False
    min_stock_milli: int = 0
    active: bool = True
    wholesale_price: int | None = None
    wholesale_min_milli: int = 0
    sat_product_key: str | None = None  # as typed; empty or None: 01010101
    sat_unit_key: str | None = None  # as typed; empty or None: H87, or KGM by weight

    @classmethod
    def of(cls, p: ProductPayload) -> ProductDraft:
        return cls(id=p.id, name=p.name, price=p.price, barcodes=tuple(p.barcodes),
                   department=p.department, cost=p.cost, iva=p.iva, ieps_bp=p.ieps_bp,
                   sold_by_weight=p.sold_by_weight, min_stock_milli=p.min_stock_milli,
                   active=p.active, wholesale_price=p.wholesale_price,
                   wholesale_min_milli=p.wholesale_min_milli, sat_product_key=p.sat_product_key,
                   sat_unit_key=p.sat_unit_key)


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str  # the import column / form field: nombre, codigos, precio, …
    message: str


def _money_problems(field_name: str, label: str, amount: int) -> list[FieldProblem]:
    if amount < 0:
        return [FieldProblem(field_name, f"{label} no puede ser negativo.")]
    if amount > MAX_UNIT_PRICE:
        return [FieldProblem(field_name, f"{label} pasa del máximo de {format_mxn(MAX_UNIT_PRICE)}.")]
    return []


def _wholesale_problems(d: ProductDraft) -> list[FieldProblem]:
    if d.wholesale_price is None:
        if d.wholesale_min_milli:
            return [FieldProblem("precio_mayoreo", "Falta el precio de mayoreo para esa cantidad.")]
        return []
    out = _money_problems("precio_mayoreo", "El precio de mayoreo", d.wholesale_price)
    if not out and d.price >= 0 and d.wholesale_price > d.price:
        out.append(FieldProblem("precio_mayoreo", f"El precio de mayoreo ({format_mxn(d.wholesale_price)})"
                                f" no puede ser mayor que el precio ({format_mxn(d.price)})."))
    if d.wholesale_min_milli <= 0:
        out.append(FieldProblem("cantidad_mayoreo", "Indica desde qué cantidad aplica el mayoreo."))
    elif d.wholesale_min_milli > MAX_QTY_MILLI:
        out.append(FieldProblem("cantidad_mayoreo", "La cantidad de mayoreo es demasiado grande."))
    return out


def problems(d: ProductDraft) -> list[FieldProblem]:
    """Everything wrong with a draft, in Spanish, per field; empty when it can be saved.

    The same rules serve the editor (first problem shown) and the import (every problem listed).
    """
    out: list[FieldProblem] = []
    name = d.name.strip()
    if not name:
        out.append(FieldProblem("nombre", "El nombre no puede quedar vacío."))
    elif len(name) > 200 or _CONTROL.search(name):
        out.append(FieldProblem("nombre", "El nombre es demasiado largo o tiene caracteres raros."))
    for code in d.barcodes:
        if not _BARCODE.fullmatch(code):
            out.append(FieldProblem("codigos", f"«{code[:60]}» no es un código válido "
                                    "(solo letras, números y guiones, hasta 48)."))
    if len(set(d.barcodes)) > MAX_BARCODES:
        out.append(FieldProblem("codigos", f"Un producto puede tener hasta {MAX_BARCODES} códigos."))
    if d.department and (len(d.department) > 80 or _CONTROL.search(d.department)):
        out.append(FieldProblem("departamento", "El departamento es demasiado largo."))
    out += _money_problems("precio", "El precio", d.price)
    out += _money_problems("costo", "El costo", d.cost)
    out += _wholesale_problems(d)
    if not 0 <= d.ieps_bp <= MAX_IEPS_BP:
        out.append(FieldProblem("ieps", "El IEPS debe estar entre 0 y 160 %."))
    if not 0 <= d.min_stock_milli <= MAX_QTY_MILLI * 100:
        out.append(FieldProblem("minimo", "El mínimo no puede ser negativo ni tan grande."))
    for field_name, check, typed in (("clave_sat", check_product_key, d.sat_product_key),
                                     ("unidad_sat", check_unit_key, d.sat_unit_key)):
        try:
            check(typed or "")
        except FiscalDataInvalid as exc:
            out.append(FieldProblem(field_name, exc.message))
    return out


def to_payload(d: ProductDraft) -> ProductPayload:
    """The checked record; raises :class:`ProductRefused` with the first problem."""
    found = problems(d)
    if found:
        raise ProductRefused(found[0].message, field=found[0].field, code="invalid_product")
    codes = list(dict.fromkeys(c.strip() for c in d.barcodes))  # unique, in the order typed
    department = (d.department or "").strip() or None
    return ProductPayload(
        id=d.id or new_uuid7(), name=d.name.strip(), barcodes=codes, department=department,
        price=d.price, cost=d.cost, iva=d.iva, ieps_bp=d.ieps_bp, sold_by_weight=d.sold_by_weight,
        min_stock_milli=d.min_stock_milli, active=d.active, wholesale_price=d.wholesale_price,
        wholesale_min_milli=d.wholesale_min_milli if d.wholesale_price is not None else 0,
        sat_product_key=check_product_key(d.sat_product_key or ""),
        sat_unit_key=check_unit_key(d.sat_unit_key or ""))


def refuse_clashes(tx: Tx, payload: ProductPayload) -> None:
    if not payload.active:
        return  # an inactive product is never looked up by its code
    clashes = product_records.barcode_owners(tx, payload.barcodes, exclude=payload.id)
    if clashes:
        code, owner = next(iter(sorted(clashes.items())))
        raise ProductRefused(f"El código {code} ya es de «{owner}».", field="codigos",
                             code="barcode_taken")


def refuse_twin_name(tx: Tx, payload: ProductPayload, before: ProductPayload | None) -> None:
    """Two products with one name make the cashier guess at the counter's list (issue 12).
    Only a new name, or a product switched back on, is checked: an old pair (from another till
    offline) can still be edited. Names compare by shared.catalog.name_key, as the import does."""
    if not payload.active or (before is not None and before.active
                              and name_key(before.name) == name_key(payload.name)):
        return
    twin = product_records.active_named(tx, payload.name, exclude=payload.id)
    if twin is not None:
        raise ProductRefused(f"Ya hay un producto llamado «{twin}»: usa otro nombre "
                             "(por ejemplo con la presentación).", field="nombre",
                             code="name_taken")


def _edit_detail(before: ProductPayload | None, after: ProductPayload) -> str:
    if before is None:
        return f"Producto nuevo «{after.name}», precio {format_mxn(after.price)}"
    changed = [k for k, v in after.model_dump().items() if getattr(before, k) != v]
    detail = f"Producto «{after.name}»: cambió {', '.join(changed) or 'nada'}"
    if before.price != after.price:
        detail += f"; precio {format_mxn(before.price)} → {format_mxn(after.price)}"
    return detail


def save_product(
    till: Till, payload: ProductPayload | ProductDraft, cashier_id: uuid.UUID | None,
    *, authorized_by: uuid.UUID | None = None,
) -> ProductPayload:
    """Create or edit a product as a whole record, with its audit event, in one transaction."""
    record = to_payload(payload if isinstance(payload, ProductDraft) else ProductDraft.of(payload))
    with till.db.write() as tx:
        staff.guard(tx, cashier_id, authorized_by, Permission.EDIT_CATALOG)
        refuse_clashes(tx, record)
        before = catalog.payload(tx, record.id)
        refuse_twin_name(tx, record, before)
        local.save(tx, till, "product", record, op="upsert")
        staff.audit(tx, till, "catalog_edit", cashier_id=cashier_id,
                    authorized_by=authorized_by, subject_id=record.id,
                    detail=_edit_detail(before, record))
    return record


def delete_product(till: Till, product_id: uuid.UUID,
                   cashier_id: uuid.UUID | None, *, authorized_by: uuid.UUID | None = None) -> None:
    """A tombstone that syncs, with its audit event; past sales keep the product's name."""
    with till.db.write() as tx:
        staff.guard(tx, cashier_id, authorized_by, Permission.EDIT_CATALOG)
        current = catalog.payload(tx, product_id)
        if current is None:
            raise UnknownProduct("Ese producto no existe en esta tienda.")
        local.save(tx, till, "product", current, op="delete")
        staff.audit(tx, till, "catalog_edit", cashier_id=cashier_id,
                    authorized_by=authorized_by, subject_id=product_id,
                    detail=f"Producto eliminado «{current.name}»")


# ---- departments ----------------------------------------------------------------------------


def departments(till: Till, include_inactive: bool = False) -> list[Department]:
    with till.db.read() as tx:
        return department_records.listed(tx, include_inactive)


def _refuse_taken_name(tx: Tx, name: str, exclude: uuid.UUID | None = None) -> str:
    clean = name.strip()
    if not clean:
        raise DepartmentRefused("El nombre del departamento no puede quedar vacío.")
    if len(clean) > 80 or _CONTROL.search(clean):
        raise DepartmentRefused("El nombre del departamento es demasiado largo.")
    for d in department_records.listed(tx, include_inactive=True):
        if d.id != exclude and name_key(d.name) == name_key(clean):
            raise DepartmentRefused(f"Ya existe el departamento «{d.name}».")
    return clean


def add_department(till: Till, name: str, cashier_id: uuid.UUID | None,
                   *, authorized_by: uuid.UUID | None = None) -> uuid.UUID:
    with till.db.write() as tx:
        staff.guard(tx, cashier_id, authorized_by, Permission.EDIT_CATALOG)
        record = CategoryPayload(id=new_uuid7(), name=_refuse_taken_name(tx, name))
        local.save(tx, till, "category", record, op="upsert")
        staff.audit(tx, till, "catalog_edit", cashier_id=cashier_id,
                    authorized_by=authorized_by, subject_id=record.id,
                    detail=f"Departamento nuevo «{record.name}»")
    return record.id


def _department(tx: Tx, department_id: uuid.UUID) -> Department:
    found = [d for d in department_records.listed(tx, include_inactive=True) if d.id == department_id]
    if not found:
        raise DepartmentRefused("Ese departamento no existe.", code="unknown_department")
    return found[0]


def rename_department(till: Till, department_id: uuid.UUID, name: str,
                      cashier_id: uuid.UUID | None, *, authorized_by: uuid.UUID | None = None) -> int:
    """Rename it and move its products along (they carry the name); returns how many moved."""
    with till.db.write() as tx:
        staff.guard(tx, cashier_id, authorized_by, Permission.EDIT_CATALOG)
        old = _department(tx, department_id)
        new_name = _refuse_taken_name(tx, name, exclude=department_id)
        local.save(tx, till, "category",
                   CategoryPayload(id=old.id, name=new_name, active=old.active), op="upsert")
        ids = product_records.in_department(tx, old.name)
        for product_id in ids:
            current = catalog.payload(tx, product_id)
            if current is not None:
                local.save(tx, till, "product",
                           current.model_copy(update={"department": new_name}), op="upsert")
        staff.audit(tx, till, "catalog_edit", cashier_id=cashier_id,
                    authorized_by=authorized_by, subject_id=old.id,
                    detail=f"Departamento «{old.name}» ahora es «{new_name}» "
                           f"({count(len(ids), 'producto')})")
    return len(ids)


def set_department_active(till: Till, department_id: uuid.UUID, active: bool,
                          cashier_id: uuid.UUID | None, *,
                          authorized_by: uuid.UUID | None = None) -> None:
    """Hide a department from the editor's list; its products keep their department."""
    with till.db.write() as tx:
        staff.guard(tx, cashier_id, authorized_by, Permission.EDIT_CATALOG)
        old = _department(tx, department_id)
        local.save(tx, till, "category", CategoryPayload(id=old.id, name=old.name, active=active),
                   op="upsert")
        staff.audit(tx, till, "catalog_edit", cashier_id=cashier_id,
                    authorized_by=authorized_by, subject_id=old.id,
                    detail=f"Departamento «{old.name}» {'activado' if active else 'desactivado'}")


# ---- the starter catalog --------------------------------------------------------------------


def starter_present(tx: Tx, starter: Iterable[StarterProduct]) -> set[str]:
    """Barcodes of the starter products this shop already has (same id, or its code in use)."""
    items = list(starter)
    by_id = {starter_product_id(p.barcode): p.barcode for p in items}
    present = {by_id[i] for i in product_records.existing(tx, by_id)}
    return present | product_records.barcodes_in_use(tx, [p.barcode for p in items])


def starter_choices(till: Till) -> tuple[list[StarterProduct], set[str]]:
    """The starter catalog to pick from, and the barcodes of those the shop already has."""
    items = load_starter_catalog()
    with till.db.read() as tx:
        return items, starter_present(tx, items)


def starter_payload(item: StarterProduct) -> ProductPayload:
    return ProductPayload(
        id=starter_product_id(item.barcode), name=item.name, barcodes=[item.barcode],
        department=item.department, price=item.price, cost=item.cost, iva=item.iva,
        ieps_bp=item.ieps_bp, sold_by_weight=item.sold_by_weight,
        min_stock_milli=item.min_stock_milli)


def add_starter(till: Till, chosen: Iterable[StarterProduct],
                cashier_id: uuid.UUID | None, *, authorized_by: uuid.UUID | None = None) -> int:
    """Add the chosen starter products the shop does not have yet, and their departments.

    No opening stock: the starter's stock figures are an example shop's, not this one's; the
    real stock comes from receiving merchandise or a physical count.
    """
    items = list(chosen)
    with till.db.write() as tx:
        staff.guard(tx, cashier_id, authorized_by, Permission.EDIT_CATALOG)
        present = starter_present(tx, items)
        new = [p for p in items if p.barcode not in present]
        known = {name_key(d.name) for d in department_records.listed(tx, include_inactive=True)}
        for name in dict.fromkeys(p.department for p in new):
            if name_key(name) not in known:
                local.save(tx, till, "category", CategoryPayload(id=new_uuid7(), name=name))
                known.add(name_key(name))
        for item in new:
            local.save(tx, till, "product", starter_payload(item), op="upsert")
        if new:
            staff.audit(tx, till, "catalog_edit", cashier_id=cashier_id,
                        authorized_by=authorized_by,
                        detail=f"Catálogo inicial: {count(len(new), 'producto')} "
                               f"{agree(len(new), 'agregado')}")
    return len(new)


_PCT = re.compile(r"[0-9]{1,3}(\.[0-9]{1,2})?")


def parse_qty(text: str, by_weight: bool, field: str) -> int:
    """A stock minimum or a mayoreo quantity (``"12"`` pieces, ``"1.5"`` kg) as thousandths;
    zero allowed (the ranges are :func:`problems`' to check)."""
    try:
        return parse_quantity(text, by_weight, allow_zero=True, limit=MAX_QTY_MILLI * 100)
    except InvalidQuantity as exc:
        raise ProductRefused(exc.message, field=field, code=exc.code) from None


def parse_pct(text: str, field: str = "ieps") -> int:
    """``"8"``, ``"26.5 %"`` → basis points (800, 2650)."""
    plain = text.strip().removesuffix("%").strip()
    if not _PCT.fullmatch(plain):
        raise ProductRefused(f"«{text.strip()[:30]}» no es un porcentaje válido; ejemplo: 8",
                             field=field, code="invalid_percent")
    return int(Decimal(plain) * 100)


def pct_text(bp: int) -> str:
    return f"{bp // 100}" + (f".{bp % 100:02d}".rstrip("0") if bp % 100 else "")


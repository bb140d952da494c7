"""The counter's own use cases: finding what was scanned or typed, tickets set aside (parked), what
a cashier who logs in may do and their open shift, products created at the till."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from pos_client.services import local, staff
from pos_client.services.staff import Cashier
from pos_client.services.till import Till
from pos_client.store.repositories import catalog, operations, parked, shop
from pos_client.store.repositories.catalog import Product
from pos_client.store.repositories.parked import ParkedTicket
from shared.clock import DEFAULT_ZONE, shown_time
from shared.errors import DomainError
from shared.ids import new_uuid7
from shared.permissions import Permission, Role
from shared.scale import parse_scale_label, plu_candidates
from shared.spanish import count
from shared.sync.payloads import ProductPayload
from shared.tax import IvaRate
from shared.ticket import Ticket

__all__ = ["MAX_PARKED", "Cashier", "CounterSession", "Parked", "Product", "Scanned",
           "TooManyParked", "create_product_at_counter", "lookup", "park", "parked_tickets",
           "resume", "search", "session_for", "shop_name"]

MAX_PARKED = 20
Parked = ParkedTicket  # what the list of tickets on hold shows


class TooManyParked(DomainError):
    code = "too_many_parked"


# ---- finding products -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scanned:
    """What a scanned code is: a product, and for a scale label its weight or its price."""

    product: Product | None
    grams: int | None = None
    label_price: int | None = None


def lookup(till: Till, code: str) -> Scanned:
    """A barcode, or a scale label (its PLU with or without leading zeros)."""
    with till.db.read() as tx:
        product = catalog.by_barcode(tx, code)
        if product is not None:
            return Scanned(product)
        label = parse_scale_label(code)
        if label is None:
            return Scanned(None)
        for plu in plu_candidates(label.plu):
            if (product := catalog.by_barcode(tx, plu)) is not None:
                return Scanned(product, label.grams, label.price)
    return Scanned(None)


def search(till: Till, text: str = "", limit: int = 200) -> list[Product]:
    """What the product list shows for the typed text (the whole catalog's first page if empty)."""
    with till.db.read() as tx:
        return catalog.search(tx, text, limit)


# ---- tickets on hold -----------------------------------------------------------------------


def park(till: Till, ticket: Ticket, label: str | None = None) -> uuid.UUID:
    """Set a ticket aside while another customer is served. On disk: it survives a restart.
    Without a label it is named by the shop's time: "Cliente de las 20:29"."""
    if not ticket.lines:
        raise DomainError("El ticket está vacío: no hay nada que poner en espera.", code="empty_sale")
    parked_id = new_uuid7()
    with till.db.write() as tx:
        waiting = parked.count(tx)
        if waiting >= MAX_PARKED:
            raise TooManyParked(f"Ya hay {count(waiting, 'ticket')} en espera. Cobra o descarta "
                                "alguno.")
        now = till.now()
        label = (label or "").strip()[:60] or f"Cliente de las {shown_time(now, shop.shop_zone(tx))}"
        parked.add(tx, parked_id, label, ticket, now)
    return parked_id


def parked_tickets(till: Till) -> list[Parked]:
    with till.db.read() as tx:
        return parked.listed(tx)


def resume(till: Till, parked_id: uuid.UUID) -> Ticket:
    """Take a parked ticket back (it leaves the list in the same transaction)."""
    with till.db.write() as tx:
        ticket = parked.take(tx, parked_id)
    if ticket is None:
        raise DomainError("Ese ticket ya no está en espera.", code="not_parked")
    return ticket


# ---- who is at the till ---------------------------------------------------------------------


def shop_name(till: Till) -> str:
    """The shop this till belongs to, as it was named when the till started (its title)."""
    return till.device.shop_name


@dataclass(frozen=True, slots=True)
class CounterSession:
    """What a cashier who just logged in may do, and their till's open shift (None: none yet)."""

    matrix: dict[Role, frozenset[Permission]]
    shift_id: uuid.UUID | None
    zone: ZoneInfo = field(default=DEFAULT_ZONE)  # the shop's: every time the screens show


def session_for(till: Till) -> CounterSession:
    with till.db.read() as tx:
        return CounterSession(staff.permission_matrix(tx),
                              operations.open_shift_of(tx, till.device.device_id),
                              shop.shop_zone(tx))


# ---- products created at the till -------------------------------------------------------------


def create_product_at_counter(
    till: Till, *, barcode: str, name: str, price: int, iva: IvaRate,
    sold_by_weight: bool, cashier_id: uuid.UUID | None, authorized_by: uuid.UUID | None,
) -> Product:
    """A scanned code the catalog doesn't know, created on the spot so it sells next time too
    (by someone allowed to edit the catalog, or with the approval of someone who is)."""
    payload = ProductPayload(id=new_uuid7(), name=name.strip(), barcodes=[barcode], price=price,
                             iva=iva, sold_by_weight=sold_by_weight)
    with till.db.write() as tx:
        staff.guard(tx, cashier_id, authorized_by, Permission.EDIT_CATALOG)
        if catalog.by_barcode(tx, barcode) is not None:
            raise DomainError(f"El código {barcode} ya existe en el catálogo.", code="barcode_taken")
        local.save(tx, till, "product", payload, op="upsert")
        staff.audit(tx, till, "catalog_edit", cashier_id=cashier_id,
                    authorized_by=authorized_by, subject_id=payload.id,
                    detail=f"Alta en caja: {payload.name} ({barcode})")
        product = catalog.by_id(tx, payload.id)
    assert product is not None
    return product

"""The screenshots' demo shop: a standalone store with a week behind it (the starter catalog,
the owner and two employees, customers owing on fiado, closed shifts with their cortes,
merchandise received, returns, backups, today's shift open with two parked tickets).

Everything is written through the real use cases on a :class:`~pos_client.services.till.Till`
whose clock is the demo's own (:class:`DemoClock`): the past days happen by setting that clock
back, never by patching modules.
"""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

from pos_client.services import (
    accounts,
    catalog_admin,
    cortes,
    counter,
    inventory,
    returns,
    staff_admin,
)
from pos_client.services.accounts import CustomerDraft
from pos_client.services.catalog import load_starter
from pos_client.services.sales import SaleContext, record_sale
from pos_client.services.staff import Cashier
from pos_client.services.till import Till
from pos_client.store.backup import backup_now, backups_dir
from pos_client.store.database import Database
from pos_client.store.device import Device, load_device
from pos_client.store.repositories import catalog, meta
from pos_client.store.repositories.catalog import Product
from pos_client.store.repositories.stock_ledger import StockItem
from shared import clock
from shared.catalog import load_starter_catalog
from shared.permissions import Role
from shared.quantity import QTY_SCALE
from shared.sale import PaymentMethod, Tender
from shared.sync.payloads import SETTINGS_ID, SettingsPayload
from shared.ticket import Ticket, TicketLine

SHOP_NAME = "Abarrotes La Esperanza"
ZONE = ZoneInfo("America/Mexico_City")
HISTORY_DAYS = 6  # closed shifts before today's open one

# Barcodes from the starter catalog (shared/data/starter_catalog.csv).
COCA_600 = "7501055300075"
COCA_2L = "7501055003013"
FANTA = "7501055003037"
EVERYDAY = (COCA_600, COCA_2L, FANTA)
EGGS = "1101"
BEANS = "1001"


# ---- the demo shop ----------------------------------------------------------------------------


class DemoClock:
    """The demo's wall clock, handed to the services through its Till: the real time, or a
    moment of the demo's past while :meth:`at` holds one (a second later at each reading, so
    facts written together keep their order)."""

    def __init__(self) -> None:
        self._held: list[Callable[[], datetime]] = []

    def now(self) -> datetime:
        return self._held[-1]() if self._held else clock.utc_now()

    @contextmanager
    def at(self, moment: datetime) -> Iterator[None]:
        ticks = itertools.count()
        self._held.append(lambda: moment + timedelta(seconds=next(ticks)))
        try:
            yield
        finally:
            self._held.pop()


@dataclass
class DemoShop:
    db: Database
    device: Device
    owner: Cashier
    cashier: Cashier
    shift_id: uuid.UUID
    products: dict[str, Product]
    clock: DemoClock = field(default_factory=DemoClock)
    customers: dict[str, uuid.UUID] = field(default_factory=dict)
    stock: dict[str, StockItem] = field(default_factory=dict)  # by barcode, for the back room

    @property
    def till(self) -> Till:
        """The shop as the use cases see it, on the demo's clock."""
        return Till(self.db, self.device, now=self.clock.now)


def local_moment(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, clock_time(hour, minute), ZONE).astimezone(UTC)


def line(product: Product, qty_milli: int) -> TicketLine:
    """A ticket line for ``product`` as the counter makes it (mayoreo included)."""
    return TicketLine(product.id, product.name, product.price, qty_milli, product.iva,
                      product.ieps_bp, product.sold_by_weight,
                      wholesale_price=product.wholesale_price,
                      wholesale_min_milli=product.wholesale_min_milli)


def build_shop(folder: Path) -> DemoShop:
    """A shop with a week behind it; ends with today's shift open by the owner."""
    db = Database(folder / "pos.sqlite3")
    device = load_device(db)
    device.shop_name = SHOP_NAME
    with db.write() as conn:
        meta.put(conn, "shop_name", SHOP_NAME)
    now = clock.utc_now()
    today = now.astimezone(ZONE).date()
    start = today - timedelta(days=HISTORY_DAYS + 1)
    demo_clock = DemoClock()
    till = Till(db, device, now=demo_clock.now)
    with demo_clock.at(local_moment(start, 8)):
        load_starter(till, load_starter_catalog())
        owner = staff_admin.create_first_owner(till, "Doña Mary", "1234")
        staff_admin.save_settings(till, SettingsPayload(
            id=SETTINGS_ID, shop_name=SHOP_NAME, address="Av. Hidalgo 118, Col. Centro, Puebla, Pue.",
            phone="+522221234567", rfc="HEMM720315AB1", timezone="America/Mexico_City",
            receipt_footer="¡Gracias por su preferencia! Vuelva pronto."), owner)
        pepe = Cashier(staff_admin.save_cashier(till, None, "Pepe", Role.CASHIER, "0000", True, owner),
                       "Pepe", Role.CASHIER)
        staff_admin.save_cashier(till, None, "Lupita", Role.MANAGER, "2468", True, owner)
        with db.read() as conn:
            products = {p.barcode: p for p in catalog.search(conn, "", limit=1000) if p.barcode}
        # Mayoreo: six or more Coca-Cola 600 ml cost $20.00 each instead of $22.00.
        coca = catalog_admin.product(till, products[COCA_600].id)
        assert coca is not None
        catalog_admin.save_product(till, coca.model_copy(update={
            "wholesale_price": 2000, "wholesale_min_milli": 6 * QTY_SCALE}), owner.id)
        with db.read() as conn:
            products[COCA_600] = catalog.by_barcode(conn, COCA_600) or products[COCA_600]
    shop = DemoShop(db, device, owner, pepe, uuid.uuid4(), products, demo_clock)
    _add_customers(shop, local_moment(start, 9))
    rng = random.Random(2024)
    for back in range(HISTORY_DAYS, 0, -1):
        _past_day(shop, today - timedelta(days=back), rng)
        if back <= 3:
            backup_now(db.path, backups_dir(folder), local_moment(today - timedelta(days=back), 23))
    _today(shop, now, rng)
    for code in (COCA_600, COCA_2L, FANTA, EGGS, BEANS):
        shop.stock[code] = inventory.find(till, code)[0]
    return shop


def _add_customers(shop: DemoShop, moment: datetime) -> None:
    """Customers, some bringing an old debt from the notebook (so the aging report has more
    than one bucket)."""
    people = (("Rosa Hernández", "55 1234 5678", "1500", "320", 40),
              ("Don Chuy Ramírez", "222 345 6789", "800", "", 0),
              ("Lupita Torres", "", "500", "150", 75),
              ("Taquería El Güero", "222 987 6543", "3000", "", 0),
              ("Profe Alfredo Méndez", "222 111 2233", "1000", "", 0),
              ("Doña Carmen Ruiz", "222 555 0101", "600", "95", 120))
    for name, phone, limit, opening, days_ago in people:
        with shop.clock.at(moment - timedelta(days=days_ago)):
            payload = accounts.save_customer(shop.till, CustomerDraft(
                name, phone, limit, opening_balance=opening))
            shop.customers[name] = payload.id


def _random_ticket(shop: DemoShop, rng: random.Random) -> Ticket:
    ticket = Ticket()
    pieces = [p for p in shop.products.values() if not p.sold_by_weight and p.price < 15_000]
    bulk = [p for p in shop.products.values() if p.sold_by_weight]
    for product in rng.sample(pieces, rng.randint(1, 5)):
        ticket.add(line(product, rng.choice((1, 1, 1, 2, 3)) * QTY_SCALE))
    if rng.random() < 0.3:
        ticket.add(line(rng.choice(bulk), rng.choice((250, 500, 750, 1000))))
    if rng.random() < 0.4:
        ticket.add(line(shop.products[rng.choice(EVERYDAY)], rng.choice((1, 2)) * QTY_SCALE))
    return ticket


def _sell(shop: DemoShop, ticket: Ticket, how: str, cashier: Cashier, rng: random.Random,
          customer: str | None = None) -> uuid.UUID:
    total = ticket.total
    if how == "tarjeta":
        tenders = [Tender(PaymentMethod.CARD, total, f"{rng.randint(100000, 999999)}")]
    elif how == "transferencia":
        tenders = [Tender(PaymentMethod.TRANSFER, total, f"SPEI{rng.randint(10**7, 10**8 - 1)}")]
    elif how == "mixto":
        card = total // 2
        tenders = [Tender(PaymentMethod.CARD, card, f"{rng.randint(100000, 999999)}"),
                   Tender(PaymentMethod.CASH, -(-(total - card) // 5000) * 5000)]
    elif how == "fiado":
        tenders = [Tender(PaymentMethod.FIADO, total)]
    else:
        tenders = [Tender(PaymentMethod.CASH, -(-total // 10000) * 10000)]
    context = SaleContext(cashier_id=cashier.id, shift_id=shop.shift_id,
                          customer_id=shop.customers[customer] if customer else None)
    return record_sale(shop.till, ticket, tenders, context).sale_id


def _sales(shop: DemoShop, day_start: datetime, count: int, cashier: Cashier,
           rng: random.Random) -> list[uuid.UUID]:
    """``count`` sales spread over the day from ``day_start``; about one in eight is on fiado."""
    sold = []
    minutes = sorted(rng.sample(range(10, 12 * 60), count))
    for minute in minutes:
        how = rng.choice(("efectivo",) * 5 + ("tarjeta", "tarjeta", "mixto", "transferencia"))
        customer = None
        if rng.random() < 0.12:
            how, customer = "fiado", rng.choice(("Rosa Hernández", "Don Chuy Ramírez",
                                                 "Taquería El Güero", "Profe Alfredo Méndez"))
        with shop.clock.at(day_start + timedelta(minutes=minute)):
            sold.append(_sell(shop, _random_ticket(shop, rng), how, cashier, rng, customer))
    return sold


def _past_day(shop: DemoShop, day: date, rng: random.Random) -> None:
    """A closed day: shift, sales, an abono, merchandise or an adjustment, and the corte Z."""
    cashier = shop.cashier if day.toordinal() % 2 else shop.owner
    with shop.clock.at(local_moment(day, 8)):
        shop.shift_id = cortes.open_shift(shop.till, 50_000, cashier.id)
    sold = _sales(shop, local_moment(day, 8), rng.randint(9, 16), cashier, rng)
    with shop.clock.at(local_moment(day, 11, 30)):
        if day.toordinal() % 3 == 0:
            items = [(shop.products[code].id, qty * QTY_SCALE, cost)
                     for code, qty, cost in ((COCA_600, 48, 1700), ("7501055003013", 12, 3300),
                                             ("7501055003037", 24, 1580))]
            inventory.receive(shop.till, items, "Proveedor: Refrescos del Valle", shop.owner.id)
        elif day.toordinal() % 3 == 1:
            inventory.adjust(shop.till, shop.products[EGGS].id, -500,
                             "Merma: se rompieron huevos", shop.owner.id)
    with shop.clock.at(local_moment(day, 13)):
        cortes.move_cash(shop.till, shop.shift_id, "salida", 35_000,
                         "Pago al repartidor de pan")
    with shop.clock.at(local_moment(day, 17)):
        owing = "Rosa Hernández" if day.toordinal() % 2 else "Taquería El Güero"
        owed = accounts.account(shop.till, shop.customers[owing]).balance
        if owed > 10_000:
            accounts.pay(shop.till, shop.customers[owing], min(owed // 2, 20_000),
                         PaymentMethod.CASH)
    with shop.clock.at(local_moment(day, 18)):
        if day.toordinal() % 3 == 0:
            returns.return_sale(shop.till, sold[2], "Se cobró dos veces", None,
                                cashier.id, authorized_by=shop.owner.id)
        else:
            returns.return_sale(shop.till, sold[1], "Venía caducado", {1: QTY_SCALE},
                                cashier.id, authorized_by=shop.owner.id)
    with shop.clock.at(local_moment(day, 21)):
        report = cortes.corte(shop.till, shop.shift_id)
        short = 2_000 if day.toordinal() % 4 == 0 else 0
        counted = {PaymentMethod.CASH: report.expected(PaymentMethod.CASH) - short,
                   PaymentMethod.CARD: report.expected(PaymentMethod.CARD)}
        cortes.close_with_corte(shop.till, shop.shift_id, counted,
                                "Faltaron $20" if short else None, cashier.id)


def _today(shop: DemoShop, now: datetime, rng: random.Random) -> None:
    """Today's shift, open since a while ago with a few sales, and two parked tickets."""
    opened = now - timedelta(hours=3)
    with shop.clock.at(opened):
        shop.shift_id = cortes.open_shift(shop.till, 50_000, shop.owner.id)
    for i in range(7):
        how = ("efectivo", "tarjeta", "efectivo", "mixto", "efectivo", "transferencia",
               "efectivo")[i]
        with shop.clock.at(opened + timedelta(minutes=10 + 22 * i)):
            _sell(shop, _random_ticket(shop, rng), how, shop.owner, rng)
    with shop.clock.at(now - timedelta(minutes=20)):
        _sell(shop, _random_ticket(shop, rng), "fiado", shop.owner, rng, "Lupita Torres")
    for minutes_ago in (12, 5):
        moment = now - timedelta(minutes=minutes_ago)
        with shop.clock.at(moment):  # labelled as the counter's F7 labels them
            counter.park(shop.till, _random_ticket(shop, rng),
                         f"Cliente de las {moment.astimezone(ZONE):%H:%M}")

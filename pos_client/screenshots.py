"""Save screenshots of the POS's main states: ``python -m pos_client.screenshots OUT_DIR``.

Runs offscreen, with no server, over a throwaway standalone shop with a week of history:
the starter catalog, the owner and a cashier, customers owing on fiado, closed shifts with
their cortes, receipts of merchandise, a return and a cancellation, backups. Every state is
reached through the real widgets (the same calls a cashier's keys make); the command prints
each file it writes and exits non-zero if any state could not be produced.
"""

from __future__ import annotations

import itertools
import os
import random
import sys
import tempfile
import time
import traceback
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pos_client.services import (  # noqa: E402
    accounts,
    catalog_admin,
    cortes,
    counter,
    inventory,
    returns,
    staff_admin,
)
from pos_client.services.accounts import CustomerDraft  # noqa: E402
from pos_client.services.catalog import load_starter  # noqa: E402
from pos_client.services.sales import SaleContext, record_sale  # noqa: E402
from pos_client.services.staff import Cashier  # noqa: E402
from pos_client.services.till import Till  # noqa: E402
from pos_client.store.backup import backup_now, backups_dir  # noqa: E402
from pos_client.store.database import Database  # noqa: E402
from pos_client.store.device import Device, load_device  # noqa: E402
from pos_client.store.repositories import catalog, meta  # noqa: E402
from pos_client.store.repositories.catalog import Product  # noqa: E402
from pos_client.store.repositories.stock_ledger import StockItem  # noqa: E402
from pos_client.ui.backroom.catalog_page import CatalogPage  # noqa: E402
from pos_client.ui.backroom.customers_page import CustomersPage  # noqa: E402
from pos_client.ui.backroom.inventory_page import InventoryPage  # noqa: E402
from pos_client.ui.backroom.reports_page import ReportsPage  # noqa: E402
from pos_client.ui.backroom.window import SECTIONS, BackRoomWindow  # noqa: E402
from pos_client.ui.context import AppContext, Session  # noqa: E402
from pos_client.ui.counter_dialogs import OpenShiftDialog  # noqa: E402
from pos_client.ui.main_window import MainWindow  # noqa: E402
from pos_client.ui.qt import (  # noqa: E402
    QApplication,
    QCoreApplication,
    QDate,
    QMessageLogContext,
    QTabWidget,
    QtMsgType,
    QWidget,
    qInstallMessageHandler,
)
from pos_client.ui.worker import Worker  # noqa: E402
from shared import clock  # noqa: E402
from shared.catalog import load_starter_catalog  # noqa: E402
from shared.permissions import Role  # noqa: E402
from shared.quantity import QTY_SCALE  # noqa: E402
from shared.sale import PaymentMethod, Tender  # noqa: E402
from shared.sync.payloads import SETTINGS_ID, SettingsPayload  # noqa: E402
from shared.ticket import Ticket, TicketLine  # noqa: E402

SHOP_NAME = "Abarrotes La Esperanza"
ZONE = ZoneInfo("America/Mexico_City")
COUNTER_SIZES = {"1024x600": (1024, 600), "1920x1080": (1920, 1080)}
BACK_ROOM_SIZE = (1024, 600)
HISTORY_DAYS = 6  # closed shifts before today's open one
SETTLE_TIMEOUT_S = 15.0

# Barcodes from the starter catalog (shared/data/starter_catalog.csv).
COCA_600 = "7501055300075"
COCA_2L = "7501055003013"
FANTA = "7501055003037"
EVERYDAY = (COCA_600, COCA_2L, FANTA)
EGGS = "1101"
BEANS = "1001"


# ---- the demo shop ----------------------------------------------------------------------------


@dataclass
class DemoShop:
    db: Database
    device: Device
    owner: Cashier
    cashier: Cashier
    shift_id: uuid.UUID
    products: dict[str, Product]
    customers: dict[str, uuid.UUID] = field(default_factory=dict)
    stock: dict[str, StockItem] = field(default_factory=dict)  # by barcode, for the back room

    @property
    def till(self) -> Till:
        """The shop as the use cases see it, on the demo's clock."""
        return Till(self.db, self.device, now=demo_now)


_frozen: list[Callable[[], datetime]] = []  # the moment frozen_clock holds, if any


def demo_now() -> datetime:
    """The wall clock the demo hands the services through its Till: frozen_clock's moment
    while one is held, the real time otherwise."""
    return _frozen[-1]() if _frozen else clock.utc_now()


@contextmanager
def frozen_clock(moment: datetime) -> Iterator[None]:
    """Make the demo's clock return ``moment`` (one second later each call), so the demo's
    history happens on past days. Services that take a Till read it from ``demo_now``; those
    that still call ``utc_now`` themselves import it by name, so each module is patched
    (only for building the demo, before any thread or window exists)."""
    real = clock.utc_now
    ticks = itertools.count()

    def fake() -> datetime:
        return moment + timedelta(seconds=next(ticks))

    _frozen.append(fake)

    patched = [m for name, m in list(sys.modules.items())
               if name.split(".")[0] in ("pos_client", "shared")
               and getattr(m, "utc_now", None) is real]
    for module in patched:
        setattr(module, "utc_now", fake)  # noqa: B010
    try:
        yield
    finally:
        _frozen.pop()
        for module in patched:
            setattr(module, "utc_now", real)  # noqa: B010


def _till(shop: DemoShop) -> Till:
    """The demo shop's till, on the clock ``frozen_clock`` sets (read at each call)."""
    return Till(shop.db, shop.device, now=lambda: clock.utc_now())


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
    till = Till(db, device, now=demo_now)  # frozen_clock moves it to the demo's past days
    with frozen_clock(local_moment(start, 8)):
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
    shop = DemoShop(db, device, owner, pepe, uuid.uuid4(), products)
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
        with frozen_clock(moment - timedelta(days=days_ago)):
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
    return record_sale(_till(shop), ticket, tenders, context).sale_id


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
        with frozen_clock(day_start + timedelta(minutes=minute)):
            sold.append(_sell(shop, _random_ticket(shop, rng), how, cashier, rng, customer))
    return sold


def _past_day(shop: DemoShop, day: date, rng: random.Random) -> None:
    """A closed day: shift, sales, an abono, merchandise or an adjustment, and the corte Z."""
    cashier = shop.cashier if day.toordinal() % 2 else shop.owner
    with frozen_clock(local_moment(day, 8)):
        shop.shift_id = cortes.open_shift(shop.till, 50_000, cashier.id)
    sold = _sales(shop, local_moment(day, 8), rng.randint(9, 16), cashier, rng)
    with frozen_clock(local_moment(day, 11, 30)):
        if day.toordinal() % 3 == 0:
            items = [(shop.products[code].id, qty * QTY_SCALE, cost)
                     for code, qty, cost in ((COCA_600, 48, 1700), ("7501055003013", 12, 3300),
                                             ("7501055003037", 24, 1580))]
            inventory.receive(shop.till, items, "Proveedor: Refrescos del Valle", shop.owner.id)
        elif day.toordinal() % 3 == 1:
            inventory.adjust(shop.till, shop.products[EGGS].id, -500,
                             "Merma: se rompieron huevos", shop.owner.id)
    with frozen_clock(local_moment(day, 13)):
        cortes.move_cash(shop.till, shop.shift_id, "salida", 35_000,
                         "Pago al repartidor de pan")
    with frozen_clock(local_moment(day, 17)):
        owing = "Rosa Hernández" if day.toordinal() % 2 else "Taquería El Güero"
        owed = accounts.account(shop.till, shop.customers[owing]).balance
        if owed > 10_000:
            accounts.pay(shop.till, shop.customers[owing], min(owed // 2, 20_000),
                         PaymentMethod.CASH)
    with frozen_clock(local_moment(day, 18)):
        if day.toordinal() % 3 == 0:
            returns.return_sale(_till(shop), sold[2], "Se cobró dos veces", None,
                                cashier.id, authorized_by=shop.owner.id)
        else:
            returns.return_sale(_till(shop), sold[1], "Venía caducado", {1: QTY_SCALE},
                                cashier.id, authorized_by=shop.owner.id)
    with frozen_clock(local_moment(day, 21)):
        report = cortes.corte(shop.till, shop.shift_id)
        short = 2_000 if day.toordinal() % 4 == 0 else 0
        counted = {PaymentMethod.CASH: report.expected(PaymentMethod.CASH) - short,
                   PaymentMethod.CARD: report.expected(PaymentMethod.CARD)}
        cortes.close_with_corte(shop.till, shop.shift_id, counted,
                                "Faltaron $20" if short else None, cashier.id)


def _today(shop: DemoShop, now: datetime, rng: random.Random) -> None:
    """Today's shift, open since a while ago with a few sales, and two parked tickets."""
    opened = now - timedelta(hours=3)
    with frozen_clock(opened):
        shop.shift_id = cortes.open_shift(shop.till, 50_000, shop.owner.id)
    for i in range(7):
        how = ("efectivo", "tarjeta", "efectivo", "mixto", "efectivo", "transferencia",
               "efectivo")[i]
        with frozen_clock(opened + timedelta(minutes=10 + 22 * i)):
            _sell(shop, _random_ticket(shop, rng), how, shop.owner, rng)
    with frozen_clock(now - timedelta(minutes=20)):
        _sell(shop, _random_ticket(shop, rng), "fiado", shop.owner, rng, "Lupita Torres")
    for minutes_ago in (12, 5):
        moment = now - timedelta(minutes=minutes_ago)
        with frozen_clock(moment):  # labelled as the counter's F7 labels them
            counter.park(_till(shop), _random_ticket(shop, rng),
                         f"Cliente de las {moment.astimezone(ZONE):%H:%M}")


# ---- taking the pictures -------------------------------------------------------------------------


class StateFailed(Exception):
    """A state could not be reached (or did not finish loading) in time."""


class Camera:
    """Saves widgets as PNGs once the worker has nothing left to do; remembers what failed."""

    def __init__(self, app: QCoreApplication, worker: Worker, out: Path) -> None:
        self.app, self.worker, self.out = app, worker, out
        self.saved: list[Path] = []
        self.failed: list[str] = []

    def settle(self, condition: Callable[[], bool] | None = None,
               timeout: float = SETTLE_TIMEOUT_S) -> bool:
        """Run the event loop until the worker is idle and ``condition`` holds (no sleeping:
        the background jobs' results arrive as queued events)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.app.processEvents()
            if self.worker.idle and (condition is None or condition()):
                self.app.processEvents()  # the results' own follow-up events (layouts, repaints)
                if self.worker.idle:
                    return True
        return False

    def wait(self, condition: Callable[[], bool], what: str) -> None:
        if not self.settle(condition):
            raise StateFailed(f"no llegó a tiempo: {what}")

    def save(self, widget: QWidget, name: str) -> None:
        self.wait(lambda: True, name)
        pixmap = widget.grab()
        path = self.out / f"{name}.png"
        if pixmap.isNull() or not pixmap.save(str(path), "PNG"):
            raise StateFailed(f"no se pudo guardar {path}")
        self.saved.append(path)
        print(path, flush=True)

    def state(self, name: str, produce: Callable[[], None]) -> None:
        """Run one state's steps; a failure is reported and the next state still runs."""
        try:
            produce()
        except Exception:  # noqa: BLE001 - every failure is reported, and the exit code says so
            self.failed.append(name)
            print(f"ERROR en {name}:", file=sys.stderr)
            traceback.print_exc()


def slug(text: str) -> str:
    """Spanish kebab-case for file names: "Clientes y fiados" → "clientes-y-fiados"."""
    text = text.split("(")[0]
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(c if c.isalnum() else " " for c in plain).split())


class Tour:
    """The states, in the order a day at the counter reaches them."""

    def __init__(self, shop: DemoShop, camera: Camera, worker: Worker) -> None:
        self.shop, self.camera = shop, camera
        self.ctx = AppContext(shop.till, worker, Session(shop.owner, shop.shift_id))
        self.window = MainWindow(self.ctx)

    def run(self) -> None:
        c = self.camera
        c.state("venta-vacia", self.empty_counter)
        c.state("entrar-con-nip", self.pin_login)
        c.state("abrir-turno", self.open_shift_dialog)
        c.state("venta-con-ticket", self.ticket_with_discount)
        c.state("cobro-mixto", self.mixed_payment)
        c.state("fiado-elegir-cliente", self.fiado_picker)
        c.state("codigo-desconocido", self.unknown_barcode)
        c.state("tickets-en-espera", self.parked_tickets)
        c.state("ventas-historial", self.sales_history)
        c.state("trastienda", self.back_room)

    def close(self) -> None:
        for widget in QApplication.topLevelWidgets():
            widget.close()
        self.camera.settle()

    # ---- the counter ----------------------------------------------------------------------

    def _counter_at(self, size: str) -> None:
        self.window.resize(*COUNTER_SIZES[size])
        self.window.show()
        self.camera.wait(lambda: self.window.products_model.rowCount() > 0, "catálogo")

    def empty_counter(self) -> None:
        for size in COUNTER_SIZES:
            self._counter_at(size)
            self.camera.save(self.window, f"venta-vacia-{size}")
        self._counter_at("1024x600")

    def pin_login(self) -> None:
        w = self.window
        w.lock()
        self.camera.wait(lambda: getattr(w, "login_dialog", None) is not None
                         and w.login_dialog.isVisible(), "diálogo de NIP")
        dialog = w.login_dialog
        dialog.pin_input.setText("12")
        self.camera.save(dialog, "entrar-con-nip")
        dialog.pin_input.setText("1234")
        dialog.check()
        self.camera.wait(lambda: self.ctx.session is not None, "entrar con el NIP 1234")

    def open_shift_dialog(self) -> None:
        dialog = OpenShiftDialog("Pepe", self.window)
        dialog.float_amount.setText("500")
        dialog.open()
        self.camera.save(dialog, "abrir-turno")
        dialog.reject()

    def _scan(self, barcode: str, qty: str | None = None) -> None:
        product = self.shop.products[barcode]
        self.window.add_product(product, qty)

    def ticket_with_discount(self) -> None:
        w = self.window
        before = len(w.ticket.lines)
        self._scan(COCA_600, "6")  # six or more: mayoreo price
        self._scan(COCA_2L)
        sabritas = next(p for p in self.shop.products.values() if "Sabritas" in p.name)
        w.add_product(sabritas, "2")
        w.add_product(self.shop.products[BEANS], "0.750")
        milk = next(p for p in self.shop.products.values() if p.name.startswith("Leche"))
        w.add_product(milk, "1")
        if len(w.ticket.lines) != before + 5:
            raise StateFailed("no se agregaron los cinco renglones")
        w.ticket_view.selectRow(2)
        w.discount()  # the owner is logged in: no PIN asked
        dialog = w.discount_dialog
        dialog.amount.setText("10%")
        self.camera.save(dialog, "descuento")
        dialog.try_accept()
        if not w.ticket.discount:
            raise StateFailed("no se aplicó el descuento")
        for size in COUNTER_SIZES:
            self._counter_at(size)
            self.camera.save(w, f"venta-con-ticket-{size}")
        self._counter_at("1024x600")

    def mixed_payment(self) -> None:
        w = self.window
        w.charge()
        payment = w.payment_dialog
        tender = payment.add_other(PaymentMethod.CARD)
        if tender is None:
            raise StateFailed("no se abrió el pago con tarjeta")
        tender.amount.setText("150")
        tender.reference.setText("482913")
        self.camera.save(tender, "cobro-tarjeta")
        tender.try_accept()
        payment.received.setText(str(-(-payment.cash_due // 10000) * 100))
        self.camera.save(payment, "cobro-mixto")
        payment.try_accept()
        self.camera.wait(lambda: w.last_receipt is not None
                         and getattr(w, "preview_dialog", None) is not None, "venta guardada")
        self.camera.save(w.preview_dialog, "ticket-vista-previa")
        self.camera.save(w, "venta-cobrada-1024x600")
        w.preview_dialog.close()

    def fiado_picker(self) -> None:
        w = self.window
        self._scan(FANTA, "2")
        self._scan(COCA_600, "2")
        w.charge()
        payment = w.payment_dialog
        payment.add_fiado()
        picker = payment.customer_picker
        self.camera.wait(lambda: picker.model.rowCount() > 0, "clientes")
        self.camera.save(picker, "fiado-elegir-cliente")
        picker.choose()
        tender = payment.tender_dialog
        self.camera.save(tender, "fiado-importe")
        tender.try_accept()
        self.camera.save(payment, "cobro-fiado")
        payment.try_accept()
        receipt = w.last_receipt
        self.camera.wait(lambda: w.last_receipt is not receipt, "venta a crédito guardada")
        w.preview_dialog.close()

    def unknown_barcode(self) -> None:
        self.window.unknown_barcode("7509876543210")
        dialog = self.window.unknown_dialog
        self.camera.save(dialog, "codigo-desconocido")
        dialog.reject()

    def parked_tickets(self) -> None:
        w = self.window
        w.park_or_resume()
        self.camera.wait(lambda: getattr(w, "parked_dialog", None) is not None, "tickets en espera")
        self.camera.save(w.parked_dialog, "tickets-en-espera")
        w.parked_dialog.reject()

    def sales_history(self) -> None:
        w = self.window
        w.show_sales()
        history = w.sales_dialog
        self.camera.wait(lambda: history.model.rowCount() > 0
                         and bool(history.ticket.toPlainText()), "historial de ventas")
        self.camera.save(history, "ventas-historial")
        # The second newest sale: a card-and-cash one with several lines.
        history.view.selectRow(1)
        self.camera.wait(lambda: "tarjeta" in history.ticket.toPlainText().lower()
                         or bool(history.ticket.toPlainText()), "ticket de la venta")
        history.start_return(False)  # the owner may cancel: no PIN asked
        self.camera.wait(lambda: history.return_dialog is not None, "diálogo de devolución")
        dialog = history.return_dialog
        assert dialog is not None
        dialog.qty_inputs[0].setText("1")
        dialog.reason.setText("La botella venía abierta")
        self.camera.save(dialog, "ventas-devolucion")
        dialog.reject()
        history.reject()

    # ---- the back room ----------------------------------------------------------------------

    def back_room(self) -> None:
        shop = self.shop

        def read_stock() -> dict[str, StockItem]:
            # The counter has sold since the demo was built.
            return {code: inventory.find(shop.till, code)[0] for code in shop.stock}

        self.ctx.worker.submit(read_stock, shop.stock.update)
        room = BackRoomWindow(self.ctx)
        room.resize(*BACK_ROOM_SIZE)
        room.show()
        for section in SECTIONS:
            self.camera.state(f"trastienda-{slug(section.title)}", self._section_step(room, section.title))

    def _section_step(self, room: BackRoomWindow, title: str) -> Callable[[], None]:
        return lambda: self._section(room, title)

    def _section(self, room: BackRoomWindow, title: str) -> None:
        page = room.page(title)
        self._prepare(page, title, None)
        tabs = page.findChild(QTabWidget)
        if tabs is None:
            self.camera.save(room, f"trastienda-{slug(title)}")
            return
        for index in range(tabs.count()):
            tab_title = slug(tabs.tabText(index))
            self._prepare(page, title, tab_title)
            if not tabs.isTabEnabled(index):
                raise StateFailed(f"la pestaña {tabs.tabText(index)} está deshabilitada")
            tabs.setCurrentIndex(index)
            self.camera.save(room, f"trastienda-{slug(title)}-{tab_title}")

    def _prepare(self, page: QWidget, title: str, tab: str | None) -> None:
        """Put some work on a page or tab that would otherwise show an empty form."""
        prepare = _PREPARE.get((title, tab))
        if prepare is not None:
            self.camera.wait(lambda: True, title)  # the page's first load comes first
            prepare(page, self.shop)
            self.camera.wait(lambda: True, f"{title} {tab or ''}")


# What each page or tab shows in the pictures, set through the widgets a person would use.

def _product_form(page: CatalogPage, shop: DemoShop) -> None:
    """Productos: the Coca-Cola 600 ml open in the form (it has a mayoreo price)."""
    page.open_product(shop.products[COCA_600].id)


def _receiving(page: InventoryPage, shop: DemoShop) -> None:
    """Recibir mercancía: the soft-drink supplier's delivery, typed in but not saved."""
    tab = page.receive_tab
    for code, qty, cost in ((COCA_600, "48", "17.20"), (COCA_2L, "12", "33.60"),
                            (FANTA, "24", "15.80")):
        tab.add(shop.stock[code])
        row = tab.table.rowCount() - 1
        tab.table.cell(row, 1).setText(qty)
        tab.table.cell(row, 2).setText(cost)
    tab.supplier.setText("Refrescos del Valle, factura A-2231")


def _adjusting(page: InventoryPage, shop: DemoShop) -> None:
    """Ajustes: broken eggs about to be taken out."""
    tab = page.adjust_tab
    tab.choose(shop.stock[EGGS])
    tab.quantity.setText("0.250")
    tab.reason.setCurrentIndex(1)


def _counting(page: InventoryPage, shop: DemoShop) -> None:
    """Conteo físico: three shelves counted, one of them short."""
    tab = page.count_tab
    for code, delta in ((COCA_600, 0), (COCA_2L, -1000), (FANTA, 0)):
        item = shop.stock[code]
        tab.add(item)
        counted = (item.stock_milli + delta) // QTY_SCALE
        tab.table.cell(tab.table.rowCount() - 1, 2).setText(str(counted))


def _product_history(page: InventoryPage, shop: DemoShop) -> None:
    """Historial: the Coca-Cola 600 ml's movements."""
    page.history_tab.show_product(shop.stock[COCA_600])


def _last_week(page: ReportsPage, shop: DemoShop) -> None:
    """Reportes: the last seven days, so the charts have a week to show."""
    page.preset.setCurrentText("Personalizado")
    page.first.setDate(QDate.currentDate().addDays(-HISTORY_DAYS))


def _open_statement(page: CustomersPage, shop: DemoShop) -> None:
    """Estado de cuenta: the customer who owes most (first in the list, sorted by balance)."""
    page.open_statement()


_PREPARE: dict[tuple[str, str | None], Callable[[Any, DemoShop], None]] = {
    ("Productos", None): _product_form,
    ("Inventario", "recibir-mercancia"): _receiving,
    ("Inventario", "ajustes"): _adjusting,
    ("Inventario", "conteo-fisico"): _counting,
    ("Inventario", "historial"): _product_history,
    ("Reportes", None): _last_week,
    ("Clientes y fiados", "estado-de-cuenta"): _open_statement,
}


# ---- the command ------------------------------------------------------------------------------


def _quiet_offscreen(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    """Qt's messages to stderr, minus the offscreen platform's note on every dialog shown."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)



def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    previous = qInstallMessageHandler(_quiet_offscreen)
    with tempfile.TemporaryDirectory(prefix="michangarrito-shots-") as tmp:
        shop = build_shop(Path(tmp))
        worker = Worker()
        camera = Camera(app, worker, out)
        tour = Tour(shop, camera, worker)
        try:
            tour.run()
        finally:
            tour.close()
            worker.shutdown()
            shop.db.close()
            qInstallMessageHandler(previous)
    if camera.failed:
        print(f"No se pudieron producir: {', '.join(camera.failed)}", file=sys.stderr)
        return 1
    print(f"{len(camera.saved)} capturas en {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

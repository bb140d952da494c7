"""Save screenshots of the POS's main states: ``python -m pos_client.devtools.screenshots OUT_DIR``.

Runs offscreen, with no server, over a throwaway standalone shop with a week of history
(:mod:`pos_client.devtools.demo_shop`). Every state is reached through the real widgets (the
same calls a cashier's keys make); the command prints each file it writes and exits non-zero
if any state could not be produced.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pos_client.devtools.demo_shop import (  # noqa: E402
    BEANS,
    COCA_2L,
    COCA_600,
    EGGS,
    FANTA,
    HISTORY_DAYS,
    DemoShop,
    build_shop,
)
from pos_client.services import inventory  # noqa: E402
from pos_client.services.inventory import StockItem  # noqa: E402
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
from shared.quantity import QTY_SCALE  # noqa: E402
from shared.sale import PaymentMethod  # noqa: E402

COUNTER_SIZES = {"1024x600": (1024, 600), "1366x768": (1366, 768), "1920x1080": (1920, 1080)}
# The pictures of everything else are taken at the commonest till screen (issue 12: the README
# shows what a shop sees on a 1366×768 display, full screen).
WORKING_SIZE = "1366x768"
BACK_ROOM_SIZE = COUNTER_SIZES[WORKING_SIZE]
SETTLE_TIMEOUT_S = 15.0
# Sections that only show what a server answers: with no server the tour's picture would be an
# empty table saying it is reading, so they are shot against a real one instead
# (``python -m tests.support.invoice_screenshots``).
SERVER_SECTIONS = frozenset({"Facturas"})


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
        self._counter_at(WORKING_SIZE)

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
        self._counter_at(WORKING_SIZE)

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
        self.camera.save(w, f"venta-cobrada-{WORKING_SIZE}")
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
            if section.title in SERVER_SECTIONS:
                continue
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

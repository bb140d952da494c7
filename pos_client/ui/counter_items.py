"""Adding items at the counter: a scan or a typed code (with "3*" or a weight in front), a search,
a scale label, a producto común, an unknown barcode sold as común or created on the spot."""

from __future__ import annotations

import re

from pos_client.services import counter
from pos_client.services.counter import Product, Scanned
from pos_client.services.staff import Cashier
from pos_client.ui.auth import request_permission
from pos_client.ui.counter_dialogs import CommonProductDialog, NewProductDialog, UnknownBarcodeDialog
from pos_client.ui.counter_parts import CounterParts
from pos_client.ui.operations import Operation
from pos_client.ui.weight_dialog import WeightDialog
from shared.errors import DomainError
from shared.gtin import is_gtin
from shared.money import format_mxn
from shared.permissions import Permission
from shared.quantity import QTY_SCALE, parse_quantity
from shared.scale import price_label_line
from shared.spanish import count
from shared.ticket import TicketLine

# "3*7501055300075": three of that item; "0.250*1001" or "250g*1001": that weight.
_QTY_PREFIX = re.compile(r"^([0-9.]+\s*(?:kg|g)?)\s*\*(.*)$", re.IGNORECASE)


def scanned_text(text: str, burst_length: int) -> str:
    """The box's text once a scanner's burst ends it: the burst alone, or the burst with a
    quantity the cashier typed first ("3*" then the scan). A name left in the box, or a
    half-typed search, is dropped: it was never meant to be part of the code."""
    if burst_length <= 0 or burst_length >= len(text):
        return text
    typed, burst = text[:-burst_length], text[-burst_length:]
    if burst.isdigit() and not is_gtin(burst):
        # A busy computer can stamp a scanner's first keys late, so they look typed: when
        # digits just before the burst complete a code with a valid check digit, they are its
        # own ("7" + "501071003059" is 7501071003059, never the code without its first digit).
        for start in range(len(typed) - 1, max(len(typed) - 6, -1), -1):
            if is_gtin(whole := typed[start:] + burst):
                return whole
    quantity = _QTY_PREFIX.match(typed.strip())
    return typed + burst if quantity and not quantity.group(2) else burst


class AddingItems(CounterParts):
    def _on_typed(self, text: str) -> None:
        # Debounced: a scanner's burst restarts the timer every few ms and is looked up at its
        # Enter (which stops it), so a scan never runs a search per character.
        self._search_timer.start()
        if len(text) == 1 and self.message_label.text():
            self.say("")  # the next customer's first key: the last message's moment is over

    def _on_enter(self) -> None:
        raw = self.scan_input.text()
        scanned = self.scanner.is_scan(self._key_ms)  # the time of this Enter's key
        self._close_preview()
        if scanned:  # what a person typed before the burst is not part of the code
            raw = scanned_text(raw, self.scanner.burst_length)
        text = raw.strip()
        if not text:
            self.scan_input.clear()
            if self.ticket.lines and not scanned:
                self.charge()
            return
        if not scanned and self._choosing == text and (product := self._highlighted()):
            self.add_product(product)  # Enter on the result the arrows (or a tap) picked
            return
        qty: str | None = None
        code = text
        if m := _QTY_PREFIX.match(text):
            qty, code = m.group(1), m.group(2).strip()
        self.scan_input.clear()
        self._search_timer.stop()
        if code.isdigit() or (scanned and code):
            Operation(self.ctx, lambda till: counter.lookup(till, code)).success(
                lambda found: self._on_scanned(code, found, qty)).failure(self._failed).run()
        else:
            self.scan_input.setText(code)
            self._run_search(add_single_match=True, qty=qty)

    # ---- the results list, from the scan box ------------------------------------------------

    _choosing: str | None = None  # the search text whose highlighted result Enter adds

    def _highlighted(self) -> Product | None:
        row = self.products_view.currentIndex().row()
        return self.products_model.product(row) if 0 <= row < self.products_model.rowCount() \
            else None

    def move_in_results(self, step: int) -> None:
        """↑/↓ (and Re Pág/Av Pág) from the scan box: move through the results; Enter adds."""
        count = self.products_model.rowCount()
        if not count:
            return
        row = self.products_view.currentIndex().row()
        row = 0 if row < 0 and step > 0 else min(max(row + step, 0), count - 1)
        self.products_view.selectRow(row)
        self._choosing = self.scan_input.text().strip()

    def picked_in_results(self) -> None:
        """A tap on a result highlights it; Enter (or a double tap) adds it."""
        self._choosing = self.scan_input.text().strip()
        self.scan_input.setFocus()

    def clear_scan(self) -> None:
        """Esc, and every completed action: an empty box, every product listed again."""
        had_text = bool(self.scan_input.text())
        self.scan_input.clear()
        self._search_timer.stop()
        self.scanner.reset()
        self._choosing = None
        if had_text:
            self._run_search()

    def _on_scanned(self, code: str, found: Scanned, qty: str | None) -> None:
        product = found.product
        if product is None and not code.isdigit():  # a fast-typed name, or an unknown label
            self.scan_input.setText(code)
            self._run_search(add_single_match=True, qty=qty)
            return
        if product is None:
            self.unknown_barcode(code)
            return
        if found.grams is not None:
            self._add_line(product, found.grams)
        elif found.label_price is not None:
            unit, grams = price_label_line(product.price, found.label_price)
            self._add_line(product, grams, unit_price=unit)
        else:
            self.add_product(product, qty)

    def _run_search(self, add_single_match: bool = False, qty: str | None = None) -> None:
        text = self.scan_input.text()
        self._choosing = None

        def show(rows: list[Product]) -> None:
            self.products_model.set_rows(rows)
            if not add_single_match or self.scan_input.text() != text:
                return  # a search as you type, or the box moved on meanwhile
            if len(rows) == 1:
                self.add_product(rows[0], qty)
            elif rows:
                self.products_view.selectRow(0)
                self._choosing = text.strip()
                self.say(f"{count(len(rows), 'producto')} con «{text.strip()}»: ↑ ↓ para elegir, "
                         "Enter para agregar, Esc para borrar.")
            else:
                self.say(f"No encontré productos con «{text.strip()}». Esc borra la búsqueda.",
                         error=True)

        Operation(self.ctx, lambda till: counter.search(till, text)).success(show).failure(
            self._failed).run()

    def unknown_barcode(self, code: str) -> None:
        """Offer to sell it as producto común, or to create the product (with permission)."""
        self.say(f"No encontré el código {code}.", error=True)
        dialog = UnknownBarcodeDialog(code, self.as_widget)
        self.unknown_dialog = dialog

        def chosen() -> None:
            if dialog.choice == UnknownBarcodeDialog.COMMON:
                self.add_common_product()
            elif dialog.choice == UnknownBarcodeDialog.CREATE:
                self.unknown_approval = request_permission(
                    self.ctx, self.as_widget, Permission.EDIT_CATALOG,
                    lambda approver: self._create_product(code, approver))

        dialog.accepted.connect(chosen)
        dialog.open()

    def _create_product(self, code: str, approver: Cashier) -> None:
        dialog = NewProductDialog(code, self.as_widget)
        self.new_product_dialog = dialog
        session = self.ctx.session
        cashier_id = session.cashier.id if session else None

        def create() -> None:
            assert dialog.values is not None
            name, price, iva, by_weight = dialog.values
            Operation(self.ctx, lambda till: counter.create_product_at_counter(
                till, barcode=code, name=name, price=price, iva=iva, sold_by_weight=by_weight,
                cashier_id=cashier_id, authorized_by=approver.id)).success(
                self.add_product).failure(self._failed).run()

        dialog.accepted.connect(create)
        dialog.open()

    def add_common_product(self) -> None:
        """F3: an item not in the catalog, at a typed price."""
        dialog = CommonProductDialog(self.as_widget)
        self.common_dialog = dialog

        def add() -> None:
            if dialog.line is not None:
                self._add_ticket_line(dialog.line)

        dialog.accepted.connect(add)
        dialog.open()

    def add_product(self, product: Product, qty: str | int | None = None) -> None:
        """Add ``qty`` (typed text, or a number of pieces) of a product; 1 piece by default.

        A product sold by weight with no quantity asks for its weight first.
        """
        if qty is None and product.sold_by_weight:
            dialog = WeightDialog(product.name, product.price, self.as_widget)
            self.weight_dialog = dialog
            dialog.accepted.connect(lambda: self._add_line(product, dialog.qty_milli))
            dialog.open()
            return
        try:
            qty_milli = (qty * QTY_SCALE if isinstance(qty, int)
                         else parse_quantity(qty or "1", product.sold_by_weight))
        except DomainError as exc:
            self.say(exc.message, error=True)
            return
        self._add_line(product, qty_milli)

    def _add_line(self, product: Product, qty_milli: int, unit_price: int | None = None) -> None:
        self._add_ticket_line(TicketLine(
            product.id, product.name, product.price if unit_price is None else unit_price,
            qty_milli, product.iva, product.ieps_bp, product.sold_by_weight,
            wholesale_price=product.wholesale_price if unit_price is None else None,
            wholesale_min_milli=product.wholesale_min_milli, cost=product.cost,
        ))

    def _add_ticket_line(self, line: TicketLine) -> None:
        if self._paying():
            # A scan or search that finished while the payment dialog is open: the customer
            # was told a total, and the change is counted against it.
            self.say(f"No se agregó {line.name}: termina de cobrar primero.", error=True)
            return
        if not self._ready_to_sell():  # e.g. a corte Z closed the shift: a float comes first
            self.clear_scan()
            return
        try:
            index = self.ticket.add(line)
        except DomainError as exc:
            self.say(exc.message, error=True)
            return
        self._ticket_changed()
        added = self.ticket.lines[index]
        price = format_mxn(added.unit_price) + (" (mayoreo)" if added.wholesale else "")
        self.say(f"{added.name}  {price}")
        self.ticket_view.selectRow(index)

    def _paying(self) -> bool:
        dialog = getattr(self, "payment_dialog", None)
        return dialog is not None and dialog.isVisible()

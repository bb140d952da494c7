"""Small dialogs of the counter: producto común, unknown barcode, discount, parked tickets,
opening the shift and creating the shop's first user."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from pos_client.services.counter import Parked
from pos_client.ui.qt import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.widgets import ERROR_STYLE, font, touch_button
from shared.clock import DEFAULT_ZONE, shown_time
from shared.errors import DomainError, InvalidAmount
from shared.money import Centavos, format_mxn, parse_mxn
from shared.quantity import parse_quantity
from shared.sale import check_unit_price
from shared.spanish import count
from shared.tax import IvaRate
from shared.ticket import Ticket, TicketLine, parse_percent, percent_of


def _price(text: str) -> Centavos:
    price = parse_mxn(text)
    if price <= 0:
        raise InvalidAmount("Escribe un precio mayor que cero.")
    check_unit_price(price)
    return price


class _Form(QDialog):
    """A dialog with a form, an error line and Aceptar/Cancelar; Enter accepts."""

    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.form = QFormLayout()
        self.error_label = QLabel(" ")
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setWordWrap(True)
        self.ok_button = touch_button("Aceptar (Enter)", self.try_accept)
        actions = QHBoxLayout()
        actions.addWidget(touch_button("Cancelar (Esc)", self.reject))
        actions.addWidget(self.ok_button)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addLayout(self.form)
        self.layout_.addWidget(self.error_label)
        self.layout_.addLayout(actions)

    def field(self, label: str, placeholder: str = "", text: str = "") -> QLineEdit:
        edit = QLineEdit(text)
        edit.setFont(font(16))
        edit.setMinimumHeight(44)
        edit.setPlaceholderText(placeholder)
        edit.setAccessibleName(label)
        edit.returnPressed.connect(self.try_accept)
        self.form.addRow(label, edit)
        return edit

    def iva_combo(self) -> QComboBox:
        combo = QComboBox()
        combo.setMinimumHeight(44)
        for rate in IvaRate:
            combo.addItem(rate.label, rate)
        self.form.addRow("IVA", combo)
        return combo

    def try_accept(self) -> None:
        try:
            self.collect()
        except DomainError as exc:
            self.error_label.setText(exc.message)
            return
        self.accept()

    def collect(self) -> None:
        raise NotImplementedError


class CommonProductDialog(_Form):
    """A "producto común": something not in the catalog, sold at a typed price."""

    def __init__(self, parent: QWidget | None = None, name: str = "Producto común") -> None:
        super().__init__("Producto común", parent)
        self.name = self.field("Descripción", text=name)
        self.price = self.field("Precio", "Ejemplo: 25.50")
        self.qty = self.field("Cantidad", text="1")
        self.iva = self.iva_combo()
        self.line: TicketLine | None = None
        self.price.setFocus()

    def collect(self) -> None:
        name = self.name.text().strip() or "Producto común"
        if len(name) > 200:
            raise DomainError("La descripción es demasiado larga.")
        price = _price(self.price.text())
        qty = parse_quantity(self.qty.text(), by_weight=False)
        self.line = TicketLine(None, name, price, qty, IvaRate(self.iva.currentData()))


class NewProductDialog(_Form):
    """Create the product behind an unknown barcode, so it sells by scanning from now on."""

    def __init__(self, barcode: str, parent: QWidget | None = None) -> None:
        super().__init__("Nuevo producto", parent)
        self.barcode = barcode
        self.form.addRow("Código", QLabel(barcode))
        self.name = self.field("Nombre", "Ejemplo: Galletas Marías 170 g")
        self.price = self.field("Precio", "Ejemplo: 18.50")
        self.iva = self.iva_combo()
        self.by_weight = QCheckBox("Se vende a granel (precio por kg)")
        self.form.addRow("", self.by_weight)
        self.values: tuple[str, Centavos, IvaRate, bool] | None = None
        self.name.setFocus()

    def collect(self) -> None:
        name = self.name.text().strip()
        if not name:
            raise DomainError("Escribe el nombre del producto.")
        if len(name) > 200:
            raise DomainError("El nombre es demasiado largo.")
        self.values = (name, _price(self.price.text()), IvaRate(self.iva.currentData()),
                       self.by_weight.isChecked())


class UnknownBarcodeDialog(QDialog):
    """The scanned code is not in the catalog: sell it as común, create it, or drop it."""

    COMMON, CREATE = 1, 2

    def __init__(self, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Código desconocido")
        self.choice = 0
        message = QLabel(f"No encontré el código {code} en el catálogo.\n¿Qué hacemos?")
        message.setFont(font(15))
        message.setWordWrap(True)
        self.common_button = touch_button("Vender como producto común (C)", lambda: self._choose(1))
        self.create_button = touch_button("Dar de alta el producto (A)", lambda: self._choose(2))
        self.common_button.setShortcut("C")
        self.create_button.setShortcut("A")
        cancel = touch_button("Cancelar (Esc)", self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(message)
        for button in (self.common_button, self.create_button, cancel):
            layout.addWidget(button)

    def _choose(self, choice: int) -> None:
        self.choice = choice
        self.accept()


class DiscountDialog(_Form):
    """A discount on the selected line or on the whole ticket, in pesos ("15") or percent ("10%")."""

    def __init__(self, ticket: Ticket, line_index: int | None, parent: QWidget | None = None) -> None:
        super().__init__("Descuento", parent)
        self.ticket, self.line_index = ticket, line_index
        self.on_line = QRadioButton("Al renglón seleccionado")
        self.on_ticket = QRadioButton("A todo el ticket")
        group = QButtonGroup(self)
        group.addButton(self.on_line)
        group.addButton(self.on_ticket)
        if line_index is None:
            self.on_line.setEnabled(False)
            self.on_ticket.setChecked(True)
        else:
            self.on_line.setText(f"Al renglón: {ticket.lines[line_index].name}")
            self.on_line.setChecked(True)
        self.form.addRow(self.on_line)
        self.form.addRow(self.on_ticket)
        self.amount = self.field("Descuento", "15  o  10%")
        self.preview = QLabel(" ")
        self.preview.setFont(font(15, bold=True))
        self.form.addRow("Queda", self.preview)
        self.amount.textChanged.connect(self._preview)
        self.on_line.toggled.connect(self._preview)
        self.scope_line = False
        self.centavos = 0
        self.amount.setFocus()

    def _base(self) -> Centavos:
        if self.on_line.isChecked() and self.line_index is not None:
            return self.ticket.lines[self.line_index].gross
        return self.ticket.total

    def _parse(self) -> Centavos:
        text = self.amount.text().strip()
        base = self._base()
        if text.endswith("%"):
            amount = percent_of(base, parse_percent(text[:-1]))
        else:
            amount = parse_mxn(text)
        if amount <= 0:
            raise InvalidAmount("Escribe un descuento mayor que cero.")
        if amount > base:
            raise InvalidAmount(f"El descuento no puede pasar de {format_mxn(base)}.")
        if amount == self.ticket.total:
            raise InvalidAmount("El descuento no puede dejar el ticket en $0.00: eso es un regalo, "
                                "no una venta.")
        return amount

    def _preview(self) -> None:
        try:
            self.preview.setText(format_mxn(self._base() - self._parse()))
        except DomainError:
            self.preview.setText(" ")

    def collect(self) -> None:
        self.centavos = self._parse()
        self.scope_line = self.on_line.isChecked()


class ParkedDialog(QDialog):
    """Tickets on hold: pick one to take back."""

    def __init__(self, tickets: Sequence[Parked], parent: QWidget | None = None,
                 zone: tzinfo = DEFAULT_ZONE) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tickets en espera")
        self.setMinimumSize(620, 360)
        self.tickets = list(tickets)
        self.chosen: Parked | None = None
        self.list = QListWidget()
        self.list.setFont(font(15))
        for t in self.tickets:
            item = QListWidgetItem(
                f"{t.label} — {count(t.lines, 'renglón')} — {format_mxn(t.total)} — "
                f"{shown_time(t.parked_at, zone)}")
            self.list.addItem(item)
        self.list.setStyleSheet("QListWidget::item { min-height: 48px; }")
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _: self.take())
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        actions = QHBoxLayout()
        actions.addWidget(touch_button("Cerrar (Esc)", self.reject))
        actions.addWidget(touch_button("Retomar (Enter)", self.take))
        layout.addLayout(actions)

    def take(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.tickets):
            self.chosen = self.tickets[row]
            self.accept()


class OpenShiftDialog(_Form):
    """Opening the shift: the float (fondo de caja) counted into the drawer."""

    def __init__(self, cashier_name: str, parent: QWidget | None = None) -> None:
        super().__init__("Abrir turno", parent)
        hello = QLabel(f"Hola, {cashier_name}. Para vender, abre tu turno.")
        hello.setFont(font(15))
        self.form.addRow(hello)
        self.float_amount = self.field("Fondo de caja", "Efectivo con el que empiezas, ej. 500")
        self.amount = 0
        self.ok_button.setText("Abrir turno (Enter)")
        self.float_amount.setFocus()

    def collect(self) -> None:
        amount = parse_mxn(self.float_amount.text() or "0")
        if amount < 0:
            raise InvalidAmount("El fondo no puede ser negativo.")
        if amount > 10_000_000:
            raise InvalidAmount("Ese fondo es demasiado grande. Revisa lo que escribiste.")
        self.amount = amount


class FirstOwnerDialog(_Form):
    """A new shop has no users yet: the owner picks their name and PIN."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Bienvenido a MiChangarrito", parent)
        intro = QLabel("Crea la cuenta del dueño. Con este NIP entrarás a la caja y autorizarás\n"
                       "cancelaciones, descuentos y cambios al catálogo.")
        intro.setWordWrap(True)
        self.form.addRow(intro)
        self.name = self.field("Tu nombre")
        self.pin = self.field("NIP (4 a 8 dígitos)")
        self.pin2 = self.field("Repite el NIP")
        for edit in (self.pin, self.pin2):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.values: tuple[str, str] | None = None

    def collect(self) -> None:
        name, pin = self.name.text().strip(), self.pin.text()
        if not name:
            raise DomainError("Escribe tu nombre.")
        if not (pin.isdigit() and 4 <= len(pin) <= 8):
            raise DomainError("El NIP debe tener de 4 a 8 dígitos.")
        if pin != self.pin2.text():
            raise DomainError("Los dos NIP no coinciden.")
        self.values = (name, pin)


__all__ = ["CommonProductDialog", "DiscountDialog", "FirstOwnerDialog", "NewProductDialog",
           "OpenShiftDialog", "ParkedDialog", "UnknownBarcodeDialog"]

"""The physical count tab of the back room's inventory: type what is on the shelf, see the
difference, confirm the corrections (see ``inventory`` on sales rung up meanwhile)."""

from __future__ import annotations

import uuid

from pos_client.services import inventory
from pos_client.services.inventory import Correction, StockItem
from pos_client.ui.backroom.inventory_parts import CountModel, CountView, ProductPicker, Tab, parse_count
from pos_client.ui.context import AppContext
from pos_client.ui.qt import QHBoxLayout, QMessageBox, QPushButton, QVBoxLayout
from pos_client.ui.widgets import button
from shared.errors import DomainError
from shared.money import format_mxn
from shared.quantity import format_quantity
from shared.spanish import agree, count


class CountTab(Tab):
    """A physical count: the owner types what is on the shelf; the difference shows as they
    type. Each product remembers when it was counted (see ``inventory`` on sales meanwhile)."""

    COLUMNS = CountModel.HEADERS

    def __init__(self, ctx: AppContext) -> None:
        super().__init__(ctx)
        self.counted_at: dict[uuid.UUID, inventory.CountMoment] = {}
        self.confirm: QMessageBox | None = None
        self.confirm_yes: QPushButton | None = None
        self._applying = False
        self.picker = ProductPicker(self)
        self.picker.picked.connect(self.add)
        self.model = CountModel()
        self.model.typed.connect(self._typed)
        self.table = CountView(self.model)
        self.apply_button = self.save_button = button("Aplicar conteo (Ctrl+S)", self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(button("Contar todo", self.load_all))
        buttons.addWidget(button("Limpiar", self.clear))
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.picker)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.say("Agrega productos (escanea o busca) o usa «Contar todo», y escribe lo contado.")

    @property
    def items(self) -> list[StockItem]:
        return self.model.items()

    def load_all(self) -> None:
        self.ask(inventory.count_sheet, self._add_many)

    def _add_many(self, items: list[StockItem]) -> None:
        self._go_to(self.model.add(items))

    def add(self, item: StockItem) -> None:
        self._go_to(self.model.add([item]))

    def _go_to(self, row: int | None) -> None:
        if row is not None:
            self.table.setCurrentIndex(self.model.index(row, CountModel.COUNTED))

    def clear(self) -> None:
        self.counted_at.clear()
        self.model.set_rows([])

    def _typed(self, row: int) -> None:
        item, typed = self.model.item(row), self.model.counted_text(row)
        if not typed.strip():
            self.counted_at.pop(item.id, None)
            return
        self.counted_at[item.id] = inventory.count_moment(self.ctx.till)  # counted just now
        try:
            parse_count(item, typed)
            self.say(" ")
        except DomainError as exc:
            self.say(f"{item.name}: {exc.message}", error=True)

    def counted(self) -> dict[uuid.UUID, int]:
        out = {}
        for row, item in enumerate(self.model.items()):
            typed = self.model.counted_text(row)
            if typed.strip():
                try:
                    out[item.id] = parse_count(item, typed)
                except DomainError as exc:
                    raise DomainError(f"{item.name}: {exc.message}", code=exc.code) from exc
        return out

    def save(self) -> None:
        """Preview, confirm, apply: the button stays off from the first step to the last."""
        if self.saving:
            return
        try:
            counted = self.counted()
        except DomainError as exc:
            self.say(exc.message, error=True)
            return
        if not counted:
            self.say("Escribe lo contado de al menos un producto.", error=True)
            return
        at = {pid: self.counted_at[pid] for pid in counted if pid in self.counted_at}
        self.set_saving(True)
        self.ask(lambda till: inventory.preview_count(till, counted, at),
                 lambda corrections: self._confirm(counted, at, corrections), self.save_failed)

    def _confirm(self, counted: dict[uuid.UUID, int], at: dict[uuid.UUID, inventory.CountMoment],
                 corrections: list[Correction]) -> None:
        if not corrections:
            self.set_saving(False)
            self.say("Todo cuadra: no hay nada que corregir.")
            self.clear()
            return
        lines = [f"{c.name}: esperado {format_quantity(c.expected_milli, c.sold_by_weight)}, contado "
                 f"{format_quantity(c.counted_milli, c.sold_by_weight)} ({format_mxn(c.value)})"
                 for c in corrections[:12]]
        if len(corrections) > 12:
            lines.append(f"… y {len(corrections) - 12} más")
        box = QMessageBox(QMessageBox.Icon.Question, "Aplicar conteo",
                          f"{agree(len(corrections), 'Se corregirá', 'Se corregirán')} "
                          f"{count(len(corrections), 'producto')} (valor "
                          f"{format_mxn(sum(c.value for c in corrections))}):\n\n" + "\n".join(lines),
                          parent=self)
        self.confirm_yes = box.addButton("Aplicar", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Cancelar", QMessageBox.ButtonRole.RejectRole)
        box.buttonClicked.connect(lambda b: self._apply(counted, at) if b is self.confirm_yes else None)
        # Cancelled (or closed): the count may be fixed and applied again.
        box.finished.connect(lambda _result: None if self._applying else self.set_saving(False))
        self.confirm = box
        box.open()

    def _apply(self, counted: dict[uuid.UUID, int],
               at: dict[uuid.UUID, inventory.CountMoment]) -> None:
        if self._applying:
            return
        self._applying = True
        who, approver = self.cashier_id, self.approver
        self.ask(lambda till: inventory.apply_count(till, counted, who, at, authorized_by=approver),
                 self._applied, self._apply_failed)

    def _apply_failed(self, message: str) -> None:
        self._applying = False
        self.save_failed(message)

    def _applied(self, corrections: list[Correction]) -> None:
        self._applying = False
        self.set_saving(False)
        self.clear()
        self.say(f"Conteo aplicado: {count(len(corrections), 'producto')} "
                 f"{agree(len(corrections), 'corregido')} (valor "
                 f"{format_mxn(sum(c.value for c in corrections))}).")
        self.changed.emit()

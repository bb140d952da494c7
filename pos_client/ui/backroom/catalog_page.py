"""The back room's Productos page: find a product, edit every field, import, export, starter picks."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from pos_client.services import catalog_admin, catalog_io
from pos_client.services.catalog_admin import ProductDraft, ProductRefused
from pos_client.services.files import file_problem
from pos_client.store.repositories import catalog
from pos_client.store.repositories.catalog import Product
from pos_client.ui.backroom.departments_dialog import DepartmentsDialog
from pos_client.ui.backroom.import_dialog import ImportDialog
from pos_client.ui.backroom.starter_dialog import StarterDialog
from pos_client.ui.context import AppContext
from pos_client.ui.models import ModelIndex, RowsModel
from pos_client.ui.qt import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QResizeEvent,
    QScrollArea,
    QShortcut,
    QSplitter,
    Qt,
    QTableView,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.widgets import button, fit_columns
from shared.catalog import load_starter_catalog
from shared.errors import DomainError
from shared.ids import new_uuid7
from shared.money import format_mxn, parse_mxn
from shared.permissions import Permission
from shared.quantity import format_quantity, quantity_text
from shared.sync.payloads import ProductPayload
from shared.tax import IvaRate

log = logging.getLogger(__name__)
SEARCH_DELAY_MS = 150
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_NO_DEPARTMENT = "(sin departamento)"
T = TypeVar("T")


def _on_file(job: Callable[[], T], path: Path, doing: str) -> Callable[[], T]:
    """The job, with a failure to read or write ``path`` told in Spanish («No pude guardar
    productos.xlsx: no hay permiso…» when Excel has it open), not as the system's English text."""
    def run() -> T:
        try:
            return job()
        except OSError as exc:
            raise file_problem(exc, path, doing) from exc

    return run


DEPARTMENT_COLUMN = 2
NARROW_PX = 900  # the page's width on a 1024×600 screen, beside the sections


class CatalogModel(RowsModel[Product]):
    HEADERS = ("Producto", "Código", "Depto.", "Precio", "Exist.")

    def product(self, row: int) -> Product:
        return self._rows[row]

    def data(self, index: ModelIndex, role: int = 0) -> Any:
        p = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            suffix = " /kg" if p.sold_by_weight else ""
            return (p.name, p.barcode or "", p.department or "", format_mxn(p.price) + suffix,
                    format_quantity(p.stock_milli, p.sold_by_weight))[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 3:
            return _RIGHT
        return None




def _money(text: str, label: str, field: str, optional: bool = False) -> int | None:
    if optional and not text.strip():
        return None
    try:
        return parse_mxn(text or "0", allow_negative=True)
    except DomainError as exc:
        raise ProductRefused(f"{label}: {exc.message}", field=field) from None


class ProductEditor(QWidget):
    """Every field of one product; turns what was typed into a draft, or a Spanish refusal."""

    def __init__(self) -> None:
        super().__init__()
        self.product_id: uuid.UUID | None = None
        self.name = QLineEdit()
        self.codes = QListWidget()
        self.codes.setMaximumHeight(80)
        self.codes.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.new_code = QLineEdit(placeholderText="Escanea un código")
        self.new_code.returnPressed.connect(self.add_code)
        self.department = QComboBox()
        self.cost, self.price = QLineEdit(), QLineEdit()
        self.wholesale_price, self.wholesale_min = QLineEdit(), QLineEdit()
        self.by_weight = QComboBox()
        self.by_weight.addItems(["Por pieza", "A granel (kg)"])
        self.iva = QComboBox()
        for rate in IvaRate:
            self.iva.addItem(rate.label, rate)
        self.ieps, self.minimum = QLineEdit(), QLineEdit()
        self.active = QCheckBox("Se vende")
        self.active.setToolTip("Desmárcalo para que no aparezca en la caja sin borrarlo.")
        for w in (self.name, self.new_code, self.cost, self.price, self.wholesale_price,
                  self.wholesale_min, self.ieps, self.minimum, self.department, self.by_weight,
                  self.iva):
            w.setMinimumHeight(40)
        for combo in (self.department, self.by_weight, self.iva):
            # Sized by a few letters, not by the longest name, so the form fits a narrow pane.
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)
        # Wide enough for a whole EAN-13 and the placeholder: a code is never cut to "750100…".
        code_width = self.codes.fontMetrics().horizontalAdvance("7501055003013") + 28
        self.codes.setMinimumWidth(code_width)
        self.new_code.setMinimumWidth(max(code_width, self.new_code.fontMetrics()
                                          .horizontalAdvance(self.new_code.placeholderText()) + 16))
        add_row, list_row = QHBoxLayout(), QHBoxLayout()
        add_row.addWidget(self.new_code, 1)
        add_row.addWidget(button("Agregar", self.add_code))
        list_row.addWidget(self.codes, 1)
        list_row.addWidget(button("Quitar", self.remove_code), 0, Qt.AlignmentFlag.AlignTop)
        form = QFormLayout(self)
        form.addRow("Nombre", self.name)
        form.addRow("Códigos", add_row)
        form.addRow("", list_row)
        form.addRow("Departamento", self.department)
        form.addRow("Se vende", self.by_weight)
        form.addRow("Costo", self.cost)
        form.addRow("Precio", self.price)
        form.addRow("Precio mayoreo", self.wholesale_price)
        form.addRow("Mayoreo desde", self.wholesale_min)
        form.addRow("IVA", self.iva)
        form.addRow("IEPS %", self.ieps)
        form.addRow("Mínimo", self.minimum)
        form.addRow("Activo", self.active)
        self.clear()

    def set_departments(self, names: list[str]) -> None:
        current = self.department.currentText()
        self.department.clear()
        self.department.addItems([_NO_DEPARTMENT, *names])
        self._choose_department(current)

    def _choose_department(self, name: str | None) -> None:
        if name and self.department.findText(name) < 0:
            self.department.addItem(name)  # an old or imported name not in the list (yet)
        self.department.setCurrentText(name or _NO_DEPARTMENT)

    def add_code(self) -> None:
        code = self.new_code.text().strip()
        if code and not self.codes.findItems(code, Qt.MatchFlag.MatchExactly):
            self.codes.addItem(code)
        self.new_code.clear()

    def remove_code(self) -> None:
        for item in self.codes.selectedItems():
            self.codes.takeItem(self.codes.row(item))

    def clear(self) -> None:
        self.show_product(None)

    def show_product(self, p: ProductPayload | None) -> None:
        self.product_id = p.id if p else None
        self.name.setText(p.name if p else "")
        self.codes.clear()
        self.codes.addItems(p.barcodes if p else [])
        self.new_code.clear()
        self._choose_department(p.department if p else None)
        weight = bool(p and p.sold_by_weight)
        self.by_weight.setCurrentIndex(1 if weight else 0)
        self.cost.setText(format_mxn(p.cost) if p else "")
        self.price.setText(format_mxn(p.price) if p else "")
        wholesale = p.wholesale_price if p else None
        self.wholesale_price.setText(format_mxn(wholesale) if wholesale is not None else "")
        self.wholesale_min.setText(quantity_text(p.wholesale_min_milli)
                                   if p and wholesale is not None else "")
        self.iva.setCurrentIndex(self.iva.findData(p.iva if p else IvaRate.GENERAL))
        self.ieps.setText(catalog_admin.pct_text(p.ieps_bp) if p else "0")
        self.minimum.setText(quantity_text(p.min_stock_milli) if p else "0")
        self.active.setChecked(p.active if p else True)

    def draft(self) -> ProductDraft:
        """What the form says; raises :class:`ProductRefused` for text that is not a number."""
        weight = self.by_weight.currentIndex() == 1
        department = self.department.currentText()
        wholesale_min = self.wholesale_min.text().strip()
        return ProductDraft(
            id=self.product_id, name=self.name.text(),
            barcodes=tuple(self.codes.item(i).text() for i in range(self.codes.count())),
            department=None if department == _NO_DEPARTMENT else department,
            price=_money(self.price.text(), "Precio", "precio") or 0,
            cost=_money(self.cost.text(), "Costo", "costo") or 0,
            wholesale_price=_money(self.wholesale_price.text(), "Precio mayoreo", "precio_mayoreo",
                                   optional=True),
            wholesale_min_milli=catalog_admin.parse_qty(wholesale_min, weight, "cantidad_mayoreo")
            if wholesale_min else 0,
            sold_by_weight=weight, iva=IvaRate(self.iva.currentData()),
            ieps_bp=catalog_admin.parse_pct(self.ieps.text() or "0"),
            min_stock_milli=catalog_admin.parse_qty(self.minimum.text() or "0", weight, "minimo"),
            active=self.active.isChecked())


class CatalogPage(QWidget):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.model = CatalogModel()
        self.editor = ProductEditor()
        self.import_dialog: ImportDialog | None = None
        self.starter_dialog: StarterDialog | None = None
        self.departments_dialog: DepartmentsDialog | None = None
        self.saving = False
        self._build()
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.refresh()
        self.load_departments()

    # ---- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        self.search = QLineEdit(placeholderText="Buscar por nombre o código…")
        self.search.setMinimumHeight(48)
        self.search.textEdited.connect(lambda _: self._search_timer.start())
        self.show_inactive = QCheckBox("Ver inactivos")
        self.show_inactive.toggled.connect(lambda _: self.refresh())
        self.table = QTableView()
        self.table.setObjectName("catalog")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(44)  # two lines of a long name
        self.model.modelReset.connect(self._fit_columns)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _: self.open_row(cur.row()))
        tools = QHBoxLayout()
        for text, slot in (("Importar…", self.choose_import), ("Exportar…", self.choose_export),
                           ("Catálogo inicial…", self.open_starter),
                           ("Departamentos…", self.open_departments)):
            tools.addWidget(button(text, slot))
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.show_inactive)
        left = QVBoxLayout()
        left.addLayout(tools)
        left.addLayout(search_row)
        left.addWidget(self.table, 1)
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        self.status = QLabel(wordWrap=True)
        self.save_button = button("Guardar", self.save, key="Ctrl+S")
        self.new_button = button("Nuevo", self.new_product, key="Ctrl+N")
        self.delete_button = button("Eliminar", self.delete)
        self.save_shortcut = QShortcut(QKeySequence("Ctrl+S"), self, self.save)
        QShortcut(QKeySequence("Ctrl+N"), self, self.new_product)
        actions = QHBoxLayout()
        for b in (self.save_button, self.new_button, self.delete_button):
            actions.addWidget(b)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(self.editor)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The form never narrower than its fields need (the scroll area alone would let the
        # splitter squeeze it and cut the codes); the list takes what is left.
        scroll.setMinimumWidth(self.editor.minimumSizeHint().width()
                               + scroll.verticalScrollBar().sizeHint().width() + 4)
        right = QVBoxLayout()
        right.addWidget(scroll, 1)
        right.addWidget(self.error)
        right.addWidget(self.status)
        right.addLayout(actions)
        # A splitter: at 1024×600 the list and the form share ~760 px; the owner can shift it.
        splitter = QSplitter()
        for box in (left, right):
            holder = QWidget()
            holder.setLayout(box)
            box.setContentsMargins(0, 0, 0, 0)
            splitter.addWidget(holder)
        splitter.setSizes([480, 280])
        splitter.setChildrenCollapsible(False)
        QHBoxLayout(self).addWidget(splitter)

    def _fit_columns(self) -> None:  # a slot of the page: never called once it is gone
        fit_columns(self.table, (1, 2, 3, 4))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        # On a netbook the department gives its room to the name (the form shows it).
        self.table.setColumnHidden(DEPARTMENT_COLUMN, self.width() < NARROW_PX)
        super().resizeEvent(event)

    # ---- list and editor ------------------------------------------------------------------

    def refresh(self) -> None:
        text, inactive = self.search.text(), self.show_inactive.isChecked()

        def load() -> list[Product]:
            with self.ctx.db.read() as conn:
                if inactive:
                    return catalog_admin.inactive_products(conn, text)
                return catalog.search(conn, text)

        self.ctx.worker.submit(load, self.model.set_rows, self._failed)

    def load_departments(self) -> None:
        def load() -> list[str]:
            with self.ctx.db.read() as conn:
                return [d.name for d in catalog_admin.departments(conn)]

        self.ctx.worker.submit(load, self.editor.set_departments, self._failed)

    def unsaved_changes(self) -> str | None:
        """A new product typed but not saved yet (the back room asks before leaving it)."""
        name = self.editor.name.text().strip()
        if self.editor.product_id is None and name:
            return f"El producto nuevo «{name}» no está guardado."
        return None

    _discard_new = False  # a second tap on another product drops the unsaved new one

    def open_row(self, row: int) -> None:
        if row < 0 or row >= self.model.rowCount():
            return
        if (unsaved := self.unsaved_changes()) and not self._discard_new:
            # Opening another product would wipe the form without a word (issue 12).
            self._discard_new = True
            self._say(f"{unsaved} Guárdalo (Ctrl+S), o toca otra vez un producto para "
                      "descartarlo.")
            return
        self._discard_new = False
        self.open_product(self.model.product(row).id)

    def open_product(self, product_id: uuid.UUID) -> None:
        def load() -> ProductPayload | None:
            with self.ctx.db.read() as conn:
                return catalog.payload(conn, product_id)

        self._say("")
        self.ctx.worker.submit(load, self.editor.show_product, self._failed)

    def new_product(self) -> None:
        self.table.clearSelection()
        self.editor.clear()
        self._say("")
        self.editor.name.setFocus()

    def _cashier_id(self) -> uuid.UUID | None:
        return self.ctx.session.cashier.id if self.ctx.session else None

    def _set_saving(self, saving: bool) -> None:
        """One save at a time: a second press while the first is on its way would write twice."""
        self.saving = saving
        self.save_button.setEnabled(not saving)
        self.save_shortcut.setEnabled(not saving)

    def save(self) -> None:
        if self.saving:
            return
        try:
            draft = self.editor.draft()
        except ProductRefused as exc:
            self._refused(exc)
            return
        if draft.id is None:
            # The id is fixed now, so saving again (after a refusal, say) edits this same product.
            draft = replace(draft, id=new_uuid7())
            self.editor.product_id = draft.id
        self._say("", "Guardando…")
        self._set_saving(True)

        def saved(record: ProductPayload) -> None:
            self._set_saving(False)
            self.editor.show_product(record)
            self._say("", f"Guardado: «{record.name}» a {format_mxn(record.price)}.")
            self.refresh()

        def failed(exc: BaseException) -> None:
            self._set_saving(False)
            self._failed(exc)

        self.ctx.worker.submit(
            lambda: catalog_admin.save_product(self.ctx.db, self.ctx.device, draft, self._cashier_id(),
                                               authorized_by=self.ctx.approver(Permission.EDIT_CATALOG)),
            saved, failed)

    def delete(self) -> None:
        product_id, name = self.editor.product_id, self.editor.name.text()
        if product_id is None:
            self._say("Elige primero el producto que quieres eliminar.")
            return
        if not self.confirm(f"¿Eliminar «{name}» del catálogo? Las ventas pasadas lo conservan."):
            return

        def deleted(_: None) -> None:
            self.editor.clear()
            self._say("", f"Eliminado: «{name}».")
            self.refresh()

        self.ctx.worker.submit(
            lambda: catalog_admin.delete_product(
                self.ctx.db, self.ctx.device, product_id, self._cashier_id(),
                authorized_by=self.ctx.approver(Permission.EDIT_CATALOG)),
            deleted, self._failed)

    def confirm(self, question: str) -> bool:
        """Asks yes/no; tests replace it to answer without a modal box."""
        answer = QMessageBox.question(self, "Confirmar", question)
        return answer == QMessageBox.StandardButton.Yes

    def _say(self, error: str, status: str = "") -> None:
        self.error.setText(error)
        self.status.setText(status)

    def _refused(self, exc: DomainError) -> None:
        self._say(exc.message)
        focus = {"nombre": self.editor.name, "codigos": self.editor.new_code,
                 "precio": self.editor.price, "costo": self.editor.cost,
                 "precio_mayoreo": self.editor.wholesale_price,
                 "cantidad_mayoreo": self.editor.wholesale_min, "ieps": self.editor.ieps,
                 "minimo": self.editor.minimum}.get(getattr(exc, "field", ""))
        if focus is not None:
            focus.setFocus()

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, DomainError):
            self._refused(exc)
        else:
            self._say(catalog_admin.failure_text(exc, log, "catalog page job"))

    # ---- import, export, starter, departments ---------------------------------------------

    def choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Importar productos", "",
                                              "Listas de productos (*.csv *.xlsx)")
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Read the file off the Qt thread, then show its preview to confirm."""
        self._say("", f"Leyendo {path.name}…")

        def show(plan: catalog_io.ImportPreview) -> None:
            self._say("", "")
            self.import_dialog = ImportDialog(self.ctx, plan, self)
            self.import_dialog.imported.connect(self._imported)
            self.import_dialog.open()

        self.ctx.worker.submit(_on_file(lambda: catalog_io.preview(self.ctx.db, path), path, "abrir"),
                               show, self._failed)

    def _imported(self, message: str) -> None:
        self._say("", message)
        self.refresh()
        self.load_departments()

    def choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Exportar productos", "productos.xlsx",
                                              "Excel (*.xlsx);;CSV (*.csv)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        excel = path.suffix.lower() == ".xlsx"
        if not excel and path.suffix.lower() != ".csv":
            path = path.with_suffix(".csv")

        def export() -> int:
            with self.ctx.db.read() as conn:
                return (catalog_io.export_xlsx if excel else catalog_io.export_csv)(conn, path)

        self.ctx.worker.submit(_on_file(export, path, "guardar"),
                               lambda n: self._say("", f"Exportados {n} productos a {path.name}."),
                               self._failed)

    def open_starter(self) -> None:
        def load() -> tuple[list[Any], set[str]]:
            items = load_starter_catalog()
            with self.ctx.db.read() as conn:
                return items, catalog_admin.starter_present(conn, items)

        def show(loaded: tuple[list[Any], set[str]]) -> None:
            self.starter_dialog = StarterDialog(self.ctx, *loaded, parent=self)
            self.starter_dialog.added.connect(self._imported)
            self.starter_dialog.open()

        self.ctx.worker.submit(load, show, self._failed)

    def open_departments(self) -> None:
        self.departments_dialog = DepartmentsDialog(self.ctx, self)
        self.departments_dialog.changed.connect(self._departments_changed)
        self.departments_dialog.open()

    def _departments_changed(self) -> None:
        self.load_departments()
        self.refresh()

"""The back room's Productos page: find a product, edit every field, import, export, starter picks."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

from pos_client.services import catalog_admin, catalog_io
from pos_client.services.catalog_admin import ProductDraft, ProductRefused
from pos_client.services.till import Till
from pos_client.ui.backroom.departments_dialog import DepartmentsDialog
from pos_client.ui.backroom.import_dialog import ImportDialog
from pos_client.ui.backroom.product_editor import CatalogModel, ProductEditor
from pos_client.ui.backroom.starter_dialog import StarterDialog
from pos_client.ui.context import AppContext
from pos_client.ui.operations import Operation
from pos_client.ui.qt import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QKeySequence,
    QLabel,
    QLineEdit,
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
from shared.catalog import StarterProduct
from shared.errors import DomainError
from shared.ids import new_uuid7
from shared.money import format_mxn
from shared.permissions import Permission
from shared.spanish import agree, count
from shared.sync.payloads import ProductPayload

SEARCH_DELAY_MS = 150


DEPARTMENT_COLUMN = 2
NARROW_PX = 900  # the page's width on a 1024×600 screen, beside the sections


def _save(till: Till, draft: ProductDraft, cashier_id: uuid.UUID | None,
          approver: uuid.UUID | None) -> ProductPayload | ProductRefused:
    """Save the product; a refusal comes back as the answer, so the form can point at the
    field at fault (an operation's failure carries only its message)."""
    try:
        return catalog_admin.save_product(till, draft, cashier_id, authorized_by=approver)
    except ProductRefused as refused:
        return refused


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
        Operation(self.ctx, lambda till: catalog_admin.find_products(till, text, inactive=inactive)
                  ).success(self.model.set_rows).failure(self._say).run()

    def load_departments(self) -> None:
        Operation(self.ctx, catalog_admin.departments).success(
            lambda found: self.editor.set_departments([d.name for d in found])).failure(
            self._say).run()

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
        self._say("")
        Operation(self.ctx, lambda till: catalog_admin.product(till, product_id)).success(
            self.editor.show_product).failure(self._say).run()

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
        cashier_id, approver = self._cashier_id(), self.ctx.approver(Permission.EDIT_CATALOG)

        def saved(result: ProductPayload | ProductRefused) -> None:
            if isinstance(result, ProductRefused):
                self._refused(result)
                return
            self.editor.show_product(result)
            self._say("", f"Guardado: «{result.name}» a {format_mxn(result.price)}.")
            self.refresh()

        Operation(self.ctx, lambda till: _save(till, draft, cashier_id, approver)).success(
            saved).failure(self._say).always(lambda: self._set_saving(False)).run()

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

        cashier_id, approver = self._cashier_id(), self.ctx.approver(Permission.EDIT_CATALOG)
        Operation(self.ctx, lambda till: catalog_admin.delete_product(
            till, product_id, cashier_id, authorized_by=approver)).success(deleted).failure(
            self._say).run()

    def confirm(self, question: str) -> bool:
        """Asks yes/no; tests replace it to answer without a modal box."""
        answer = QMessageBox.question(self, "Confirmar", question)
        return answer == QMessageBox.StandardButton.Yes

    def _say(self, error: str, status: str = "") -> None:
        self.error.setText(error)
        self.status.setText(status)

    def _refused(self, exc: DomainError) -> None:
        self._say(exc.message)
        focus = self.editor.field_widget(getattr(exc, "field", ""))
        if focus is not None:
            focus.setFocus()

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

        Operation(self.ctx, lambda till: catalog_io.preview(till, path)).success(show).failure(
            self._say).run()

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

        def export(till: Till) -> int:
            return (catalog_io.export_xlsx if excel else catalog_io.export_csv)(till, path)

        def done(n: int) -> None:
            self._say("", f"{agree(n, 'Exportado')} {count(n, 'producto')} a {path.name}.")

        Operation(self.ctx, export).success(done).failure(self._say).run()

    def open_starter(self) -> None:
        def show(loaded: tuple[list[StarterProduct], set[str]]) -> None:
            self.starter_dialog = StarterDialog(self.ctx, *loaded, parent=self)
            self.starter_dialog.added.connect(self._imported)
            self.starter_dialog.open()

        Operation(self.ctx, catalog_admin.starter_choices).success(show).failure(self._say).run()

    def open_departments(self) -> None:
        self.departments_dialog = DepartmentsDialog(self.ctx, self)
        self.departments_dialog.changed.connect(self._departments_changed)
        self.departments_dialog.open()

    def _departments_changed(self) -> None:
        self.load_departments()
        self.refresh()

"""The text-cut detector (ui/elision.py) the size tests rely on: it must see a cut text, and only that."""

from __future__ import annotations

from pos_client.ui.elision import cut_texts
from pos_client.ui.qt import QLabel, QLineEdit, QStandardItemModel, QTableView, QVBoxLayout, QWidget

LONG = "Aceite Nutrioli 850 ml de oferta especial"


def _window(qtbot, *widgets: QWidget, width: int = 120) -> QWidget:  # type: ignore[no-untyped-def]
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    for w in widgets:
        layout.addWidget(w)
    window.setFixedWidth(width)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_a_label_or_a_placeholder_too_wide_for_its_room_is_reported(qtbot) -> None:  # type: ignore[no-untyped-def]
    field = QLineEdit(placeholderText="Número de autorización")
    window = _window(qtbot, QLabel(LONG), field)
    assert cut_texts(window) == [f"QLabel: {LONG}", "QLineEdit: Número de autorización"]
    window.setFixedWidth(600)
    qtbot.waitUntil(lambda: field.width() > 400)
    assert cut_texts(window) == []


def test_rich_text_is_not_measured_as_its_source(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, QLabel("0–30 días<br><b>$1,052.25</b>"), width=140)
    assert cut_texts(window) == []


def test_a_cell_or_a_header_narrower_than_its_text_is_reported(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = QStandardItemModel(1, 1)
    model.setHorizontalHeaderLabels(["Existencia en bodega"])
    model.setData(model.index(0, 0), LONG)
    table = QTableView()
    table.setModel(model)
    table.setColumnWidth(0, 60)
    window = _window(qtbot, table, width=400)
    assert sorted(cut_texts(window)) == ["QHeaderView: Existencia en bodega", f"QTableView: {LONG}"]
    table.setColumnWidth(0, 380)
    table.horizontalHeader().setStretchLastSection(True)
    assert cut_texts(window) == []

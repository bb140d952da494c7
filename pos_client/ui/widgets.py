"""Widget helpers every screen shares: fonts, touch-sized buttons, read-only tables, the colours
of a refusal and of a confirmation."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pos_client.ui.qt import (
    QAbstractItemModel,
    QAbstractItemView,
    QDialog,
    QFont,
    QHeaderView,
    QKeySequence,
    QLabel,
    QPushButton,
    QShortcut,
    Qt,
    QTableView,
    QWidget,
)

ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b5e20;"
CELL_PADDING_PX = 10  # each side of a cell's text, with room for a sort arrow in the header
TOUCH_HEIGHT = 52  # a fingertip on a 10" tablet


def font(size: int, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSize(size)
    f.setBold(bold)
    return f


def button(text: str, slot: Callable[[], object], height: int = 48, key: str | None = None
           ) -> QPushButton:
    """A button big enough for a finger; ``key`` is printed on it ("Guardar (Ctrl+S)"), the
    shortcut itself is the screen's to set."""
    b = QPushButton(f"{text} ({key})" if key else text)
    b.setMinimumHeight(height)
    b.clicked.connect(slot)
    return b


def shortcut_button(owner: QWidget, text: str, slot: Callable[[], object], key: str | None = None,
                    height: int = 48) -> QPushButton:
    """A screen's button whose ``key`` (already written in ``text``) works anywhere on ``owner``,
    whichever widget has the keyboard. Never a dialog's default: Enter belongs to the fields."""
    b = button(text, slot, height)
    b.setAutoDefault(False)
    if key:
        QShortcut(QKeySequence(key), owner, slot)
    return b


def touch_button(text: str, slot: Callable[[], object]) -> QPushButton:
    """A dialog's button. Never the dialog's default: Enter belongs to the fields
    (returnPressed), and a default button would also fire on it (e.g. "Exacto" would overwrite
    the cash typed)."""
    b = button(text, slot, TOUCH_HEIGHT)
    b.setAutoDefault(False)
    # A tap must not take the keyboard from the field: after tapping "$100" Enter still
    # reaches the amount (and charges), as it would after typing it.
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return b


def back_button(window: QWidget, text: str = "Cerrar (Esc)") -> QPushButton:
    """The visible way back every dialog and window has: on a till with no window manager
    there is no title bar and no ✕, so without it a person is stuck. Esc does the same (a
    dialog's own reject; a window sets its shortcut)."""
    b = touch_button(text, window.reject if isinstance(window, QDialog) else window.close)
    b.setObjectName("back")
    return b


def table_view(model: QAbstractItemModel, stretch: int = 0, fit_contents: bool = True) -> QTableView:
    """A touch-friendly read-only table of whole rows: column ``stretch`` takes the room left.
    ``fit_contents=False`` for big models (the counter's 50,000 products): fitting a column
    measures its rows."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().setDefaultSectionSize(40)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    if fit_contents:
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view


def fit_columns(view: QTableView, columns: Iterable[int], sample_rows: int = 2000) -> None:
    """Widen ``columns`` to their longest text (header included), measured on the first
    ``sample_rows`` rows: a price or a department is never cut to "$75.00…", and a big
    catalog is not measured row by row as ResizeToContents would."""
    model = view.model()
    metrics = view.fontMetrics()
    header = view.horizontalHeader()
    for column in columns:
        texts = {model.headerData(column, Qt.Orientation.Horizontal)}
        texts.update(model.data(model.index(row, column))
                     for row in range(min(model.rowCount(), sample_rows)))
        widest = max((metrics.horizontalAdvance(t) for t in texts if isinstance(t, str)),
                     default=0)
        header.resizeSection(column, widest + 2 * CELL_PADDING_PX)


def say(label: QLabel, text: str, ok: bool = False) -> None:
    """A message line: green when something was done, red when something was refused."""
    label.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
    label.setText(text)

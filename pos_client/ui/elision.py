"""Finding text a screen cuts: a label, button, field, combo, tab or table cell narrower than its words.

Qt elides ("Aceite Nutrioli 850…") or clips without complaint, so a layout that looks fine at
one size silently hides names, prices and codes at another. ``cut_texts`` measures each visible
text with the widget's own font against the room the widget gives it. The layout tests run it
offscreen; the kiosk tests ask the running till for it (``ui/probe.py``).
"""

from __future__ import annotations

from pos_client.ui.qt import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QFontMetrics,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QRect,
    QStyle,
    Qt,
    QTabBar,
    QTableView,
    QWidget,
)

SLACK_PX = 1  # rounding between the measured advance and the painted text
CELL_MARGIN_PX = 8  # the item delegate's padding around a cell's text
FIELD_MARGIN_PX = 10  # a line edit's frame and text margins
COMBO_ARROW_PX = 36  # a combo's arrow and frame
MAX_ROWS = 60  # a view is checked on the rows it shows, never its whole model


def _fits(metrics: QFontMetrics, text: str, width: int) -> bool:
    return all(metrics.horizontalAdvance(line) <= width + SLACK_PX for line in text.split("\n"))


def _wrapped_fits(metrics: QFontMetrics, text: str, width: int, height: int) -> bool:
    flags = int(Qt.TextFlag.TextWordWrap.value)
    box = metrics.boundingRect(QRect(0, 0, max(width, 1), 100_000), flags, text)
    return box.width() <= width + SLACK_PX and box.height() <= height + SLACK_PX


def _label(label: QLabel) -> str | None:
    text = label.text()
    rich = label.textFormat() == Qt.TextFormat.RichText or (
        label.textFormat() == Qt.TextFormat.AutoText
        and Qt.mightBeRichText(text))  # type: ignore[attr-defined]  # in QtGui, not in the stubs
    if not text or rich:  # markup is measured by its painted size, not its source
        return None
    room = label.contentsRect()
    metrics = label.fontMetrics()
    if label.wordWrap():
        ok = _wrapped_fits(metrics, text, room.width(), room.height())
    else:
        ok = _fits(metrics, text, room.width())
    return None if ok else text


def _button(button: QAbstractButton) -> str | None:
    text = button.text().replace("&&", "\0").replace("&", "").replace("\0", "&")
    if not text:
        return None
    return text if button.sizeHint().width() > button.width() + SLACK_PX else None


def _field(edit: QLineEdit) -> str | None:
    text = edit.text() or edit.placeholderText()
    if not text or edit.echoMode() != QLineEdit.EchoMode.Normal:
        return None
    room = edit.width() - FIELD_MARGIN_PX
    return None if _fits(edit.fontMetrics(), text, room) else text


def _combo(combo: QComboBox) -> str | None:
    text = combo.currentText()
    if not text or combo.isEditable():
        return None
    room = combo.width() - COMBO_ARROW_PX
    return None if _fits(combo.fontMetrics(), text, room) else text


def _tabs(bar: QTabBar) -> list[str]:
    return [bar.tabText(i) for i in range(bar.count())
            if bar.isTabVisible(i) and bar.tabRect(i).width() + SLACK_PX < bar.tabSizeHint(i).width()]


def _header(header: QHeaderView) -> list[str]:
    model = header.model()
    if model is None or header.isHidden():
        return []
    cut = []
    metrics = header.fontMetrics()
    # The header paints its text inside the style's own margin (not a cell's padding).
    margin = header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    for section in range(header.count()):
        if header.isSectionHidden(section) or header.sectionSize(section) == 0:
            continue
        text = model.headerData(section, header.orientation(), Qt.ItemDataRole.DisplayRole)
        if isinstance(text, str) and text and not _fits(
                metrics, text, header.sectionSize(section) - 2 * margin):
            cut.append(text)
    return cut


def _cells(view: QAbstractItemView) -> list[str]:
    model = view.model()
    if model is None:
        return []
    viewport = view.viewport().rect()
    columns = model.columnCount() if isinstance(view, QTableView) else 1
    wraps = view.wordWrap() if isinstance(view, QTableView | QListView) else False
    cut = []
    for row in range(min(model.rowCount(), MAX_ROWS * 20)):
        for column in range(columns):
            index = model.index(row, column)
            rect = view.visualRect(index)
            if not rect.isValid() or not viewport.intersects(rect):
                continue
            if rect.bottom() > viewport.bottom():  # a row half scrolled into view
                continue
            text = model.data(index, Qt.ItemDataRole.DisplayRole)
            if not isinstance(text, str) or not text:
                continue
            font = model.data(index, Qt.ItemDataRole.FontRole) or view.font()
            metrics = QFontMetrics(font)
            width = (min(rect.width(), viewport.width()) if columns == 1 else rect.width()) \
                - CELL_MARGIN_PX
            ok = (_wrapped_fits(metrics, text, width, rect.height()) if wraps and " " in text
                  else _fits(metrics, text, width))
            if not ok:
                cut.append(text)
        if len(cut) > MAX_ROWS:
            break
    return cut


def _shown(widget: QWidget) -> bool:
    return widget.isVisible() and widget.width() > 0 and widget.height() > 0


def cut_texts(window: QWidget) -> list[str]:
    """Every text ``window`` shows cut, as "Kind: text" (empty: nothing is cut)."""
    found: list[str] = []
    for widget in [window, *window.findChildren(QWidget)]:
        if not _shown(widget):
            continue
        kind = type(widget).__name__
        texts: list[str | None]
        if isinstance(widget, QLabel):
            texts = [_label(widget)]
        elif isinstance(widget, QAbstractButton):
            texts = [_button(widget)]
        elif isinstance(widget, QLineEdit):
            texts = [_field(widget)]
        elif isinstance(widget, QComboBox):
            texts = [_combo(widget)]
        elif isinstance(widget, QTabBar):
            texts = list(_tabs(widget))
        elif isinstance(widget, QHeaderView):
            texts = list(_header(widget))
        elif isinstance(widget, QAbstractItemView):
            texts = list(_cells(widget))
        elif isinstance(widget, QGroupBox):
            title = widget.title()
            texts = [title if title and widget.fontMetrics().horizontalAdvance(title)
                     > widget.width() - 2 * CELL_MARGIN_PX else None]
        else:
            continue
        found.extend(f"{kind}: {t}" for t in texts if t)
    return found

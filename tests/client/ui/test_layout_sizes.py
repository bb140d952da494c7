"""Issue 4, touch-friendly: the counter and every back-room page fit a 1024×600 netbook and a
1920×1080 monitor, with every visible button big enough for a finger and nothing cut off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pos_client.services import cortes
from pos_client.store.repositories import catalog
from pos_client.ui.backroom.window import SECTIONS, BackRoomWindow
from pos_client.ui.context import AppContext
from pos_client.ui.elision import cut_texts
from pos_client.ui.main_window import MainWindow
from pos_client.ui.qt import QAbstractScrollArea, QPoint, QPushButton, QRect, QTabWidget, QWidget

SIZES = [(1024, 600), (1920, 1080)]
MIN_TOUCH_PX = 44


def _rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


def _scrolls(widget: QWidget, window: QWidget) -> bool:
    """Inside a scroll area: being partly out of view is fine there, the user scrolls to it."""
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def _clipped_by(widget: QWidget, window: QWidget) -> QWidget | None:
    """The first ancestor (the window included) that doesn't fully contain ``widget``."""
    parent = widget.parentWidget()
    while parent is not None:
        if not parent.rect().contains(_rect_in(widget, parent)):
            return parent
        if parent is window:
            return None
        parent = parent.parentWidget()
    return None


def layout_problems(window: QWidget, size: tuple[int, int]) -> list[str]:
    """Everything wrong with ``window`` at ``size``, in words (empty: it fits)."""
    width, height = size
    problems = []
    if window.width() > width or window.height() > height:
        problems.append(f"la ventana no cabe: mide {window.width()}×{window.height()}")
    for button in window.findChildren(QPushButton):
        if not button.isVisible():
            continue
        name = button.text() or button.accessibleName() or button.objectName()
        if button.height() < MIN_TOUCH_PX:
            problems.append(f"«{name}» mide {button.height()} px de alto")
        if _scrolls(button, window):
            continue
        clipper = _clipped_by(button, window)
        if clipper is not None:
            problems.append(f"«{name}» queda cortado por {type(clipper).__name__} "
                            f"({_rect_in(button, window).getRect()} en {window.width()}×{window.height()})")
    return problems


def fully_shown(widget: QWidget, window: QWidget) -> bool:
    """Visible, not clipped by any ancestor, and at least as big as its content needs."""
    hint = widget.minimumSizeHint()
    return (widget.isVisible() and _clipped_by(widget, window) is None
            and widget.height() >= hint.height() and widget.width() >= hint.width())


def _counter(qtbot, ctx: AppContext, size: tuple[int, int]) -> MainWindow:  # type: ignore[no-untyped-def]
    assert ctx.session is not None
    ctx.session.shift_id = cortes.open_shift(ctx.till, 50_000, ctx.session.cashier.id)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    qtbot.waitUntil(lambda: ctx.worker.idle and window.products_model.rowCount() > 0)
    with ctx.till.db.read() as conn:
        product = catalog.search(conn, "", limit=1)[0]
    window.add_product(product, "3")  # a real total in the big label
    qtbot.waitUntil(lambda: ctx.worker.idle)
    return window


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_counter_fits(qtbot, ctx: AppContext, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    window = _counter(qtbot, ctx, size)
    assert layout_problems(window, size) == []
    assert window.ticket.total > 0
    assert fully_shown(window.total_label, window)
    assert fully_shown(window.pay_button, window)


def test_the_check_catches_a_screen_too_small(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    """The checks above can fail: at 640×400 the counter's rows of buttons no longer fit (Qt
    keeps the window at its layout's minimum, wider than the screen)."""
    window = _counter(qtbot, ctx, (640, 400))
    problems = layout_problems(window, (640, 400))
    assert any("no cabe" in p for p in problems), problems


def test_the_check_catches_a_small_or_cut_button(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    window = _counter(qtbot, ctx, (1024, 600))
    window.pay_button.setFixedHeight(30)
    qtbot.waitUntil(lambda: window.pay_button.height() == 30)
    window.sync_button.move(window.width() - 20, window.sync_button.y())  # mostly off the window
    problems = layout_problems(window, (1024, 600))
    assert any("«Cobrar (F12)» mide 30 px" in p for p in problems), problems
    assert any("«Sincronizar (F5)» queda cortado" in p for p in problems), problems
    assert not fully_shown(window.pay_button, window)


def _tabs(page: QWidget) -> Iterator[str]:
    """Show each enabled tab of the page in turn (the page itself when it has no tabs)."""
    tabs = page.findChild(QTabWidget)
    if tabs is None:
        yield ""
        return
    for index in range(tabs.count()):
        if tabs.isTabEnabled(index):  # a customer's statement needs a customer first
            tabs.setCurrentIndex(index)
            yield tabs.tabText(index)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("title", [s.title for s in SECTIONS])
def test_each_back_room_page_fits(qtbot, ctx: AppContext, title: str,  # type: ignore[no-untyped-def]
                                  size: tuple[int, int]) -> None:
    room = BackRoomWindow(ctx)
    qtbot.addWidget(room)
    room.resize(*size)
    room.show()
    page = room.page(title)
    qtbot.waitUntil(lambda: ctx.worker.idle)
    seen = []
    for tab in _tabs(page):
        qtbot.waitUntil(lambda: ctx.worker.idle)
        problems = layout_problems(room, size)
        assert problems == [], f"{title} {tab}: {problems}"
        seen.append(tab)
    assert seen, f"{title}: no tab could be shown"


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("title", [s.title for s in SECTIONS])
def test_no_back_room_page_cuts_a_text_at_1366x768_or_larger(  # type: ignore[no-untyped-def]
        qtbot, ctx: AppContext, title: str, size: tuple[int, int]) -> None:
    """Issue 12: names, prices, codes, placeholders and headers are whole on every page and tab
    from 1366×768 up (measured with each widget's font against its room: ui/elision.py)."""
    room = BackRoomWindow(ctx)
    qtbot.addWidget(room)
    room.resize(*size)
    room.show()
    page = room.page(title)
    qtbot.waitUntil(lambda: ctx.worker.idle)
    for tab in _tabs(page):
        qtbot.waitUntil(lambda: ctx.worker.idle)
        assert cut_texts(room) == [], f"{title} {tab}"

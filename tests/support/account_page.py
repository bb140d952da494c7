"""The back room's Cuenta en línea page on a paired till, for UI tests, and logging in there."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pos_client.services.till import Till
from pos_client.ui.backroom.account_page import AccountPage
from pos_client.ui.backroom.window import BackRoomWindow
from pos_client.ui.context import AppContext
from pos_client.ui.worker import Worker
from tests.support.client import PosDevice


@contextmanager
def account_page(qtbot: Any, pos: PosDevice) -> Iterator[AccountPage]:
    worker = Worker()
    room = BackRoomWindow(AppContext(Till(pos.db, pos.device), worker))
    qtbot.addWidget(room)
    found = room.page("Cuenta en línea")
    assert isinstance(found, AccountPage)
    try:
        yield found
    finally:
        found.network.shutdown()
        worker.shutdown()


def log_in(qtbot: Any, page: AccountPage, login: str, password: str) -> None:
    page.login.setText(login)
    qtbot.keyClicks(page.password, password)
    page.enter.click()
    qtbot.waitUntil(lambda: page.network.idle and page.enter.isEnabled(), timeout=15_000)

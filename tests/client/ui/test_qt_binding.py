"""The Qt binding must not leak references: PySide6 6.12.0 on Python 3.11 dropped one reference
to None on every void call, and a till died ("deallocating None") after a few thousand."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QLabel

from pos_client.ui.models import TicketModel
from shared.ticket import Ticket

pytestmark = pytest.mark.unit


def test_void_calls_keep_none_alive(qapp):
    label, model = QLabel(), TicketModel(Ticket())
    before = sys.getrefcount(None)
    for _ in range(2_000):
        label.setText("Cambio: $12.00")
        model.refresh()
        qapp.processEvents()
    assert sys.getrefcount(None) >= before - 100  # a leak would show thousands missing

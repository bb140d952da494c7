"""Client fixtures: a standalone store on a real SQLite file, loaded with a small catalog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_client.services.catalog import load_starter
from pos_client.services.staff import Cashier
from pos_client.services.till import Till
from pos_client.store.database import Database
from pos_client.store.device import Device, load_device
from pos_client.ui.context import AppContext, Session
from pos_client.ui.main_window import MainWindow
from pos_client.ui.worker import Worker
from shared.catalog import StarterProduct
from shared.permissions import Role
from tests.support.backroom import hire
from tests.support.till import open_counter


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Database]:
    db = Database(tmp_path / "pos.sqlite3")
    yield db
    db.close()


@pytest.fixture
def device(store: Database) -> Device:
    return load_device(store)


@pytest.fixture
def till(store: Database, device: Device) -> Till:
    """What the use cases run against: the test's store and device, on the real clock."""
    return Till(store, device)


@pytest.fixture
def stocked(store: Database, device: Device, small_catalog: list[StarterProduct]) -> Database:
    load_starter(Till(store, device), small_catalog)
    return store


@pytest.fixture
def worker() -> Iterator[Worker]:
    w = Worker()
    yield w
    w.shutdown()


@pytest.fixture
def owner(stocked: Database, till: Till) -> Cashier:
    """The shop's owner, PIN 1234, of a shop with the small catalog."""
    return hire(till, "Doña Mary", Role.OWNER, "1234")


@pytest.fixture
def ctx(stocked: Database, till: Till, worker: Worker, owner: Cashier) -> Iterator[AppContext]:
    """A till with a small catalog, the owner logged in (no shift open), receipts on screen."""
    context = AppContext(till, worker, Session(owner))
    yield context
    context.print_worker.shutdown()


@pytest.fixture
def window(qtbot, ctx: AppContext) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    """The counter: the owner logged in, the shift open (float $500), keys at a person's pace."""
    win = open_counter(qtbot, ctx)
    yield win
    win.close()

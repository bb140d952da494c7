"""Client fixtures: a standalone store on a real SQLite file, loaded with a small catalog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pos_client.services.catalog import load_starter
from pos_client.services.device import Device, load_device
from pos_client.store.database import Database
from shared.catalog import StarterProduct


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Database]:
    db = Database(tmp_path / "pos.sqlite3")
    yield db
    db.close()


@pytest.fixture
def device(store: Database) -> Device:
    return load_device(store)


@pytest.fixture
def stocked(store: Database, device: Device, small_catalog: list[StarterProduct]) -> Database:
    load_starter(store, device, small_catalog)
    return store

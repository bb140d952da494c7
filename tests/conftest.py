"""Test harness: one PostgreSQL per run, a fresh database per test, servers and devices on loopback."""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from shared.catalog import StarterProduct, load_starter_catalog  # noqa: E402
from sync_server.services import shops  # noqa: E402
from tests.support.billing import put_on_plan  # noqa: E402
from tests.support.client import PosDevice, open_device, pair  # noqa: E402
from tests.support.fakes.graph import FakeGraph  # noqa: E402
from tests.support.postgres import cluster_url, fresh_database, make_template  # noqa: E402
from tests.support.server import ServerHarness  # noqa: E402


@pytest.fixture(scope="session")
def qapp(qapp):  # type: ignore[no-untyped-def]  # pytest-qt's own, overridden by name
    """pytest-qt's application, collecting garbage as the till does: on the Qt thread only.

    Otherwise a worker thread of one test collects the screens of the tests before it and
    destroys their Qt objects there, which crashes the run (see pos_client/ui/collector.py)."""
    from pos_client.ui.collector import collect_on_qt_thread

    collect_on_qt_thread(qapp)
    return qapp


@pytest.fixture(autouse=True)
def _collect_garbage_between_tests() -> Iterator[None]:
    """Once the Qt tests turned automatic collection off, the tests without an event loop
    (no timer collects there) still collect between tests, on this, the Qt thread."""
    yield
    if not gc.isenabled():
        from pos_client.ui.collector import collect_due

        collect_due()


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = cluster_url(tmp_path_factory.mktemp("pg"))
    make_template(url)
    return url


@pytest.fixture
def database_url(pg_url: str) -> Iterator[str]:
    with fresh_database(pg_url) as url:
        yield url


@pytest.fixture
def server(database_url: str) -> Iterator[ServerHarness]:
    harness = ServerHarness(database_url).start()
    yield harness
    harness.stop()


@pytest.fixture
def small_catalog() -> list[StarterProduct]:
    """Twelve products, weighed ones included: enough to sell, quick to set up."""
    catalog = load_starter_catalog()
    return catalog[:10] + [p for p in catalog if p.sold_by_weight][:2]


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    """The WhatsApp Graph API's stand-in on loopback, for the tests that talk to WhatsApp (the
    WhatsApp test modules give their server its URL: tests.support.whatsapp.settings_for)."""
    fake = FakeGraph().start()
    yield fake
    fake.stop()


@pytest.fixture
def shop(server: ServerHarness, small_catalog: list[StarterProduct]) -> shops.Shop:
    """A shop on the Tiendita plan (five tills): tests pair more than the free plan's one."""
    created = server.call(lambda pool: shops.create_shop(pool, "Abarrotes Doña Mary", small_catalog))
    server.call(lambda pool: put_on_plan(pool, created.tenant_id))
    return created


@pytest.fixture
def new_device(tmp_path: Path) -> Iterator[Callable[[str], PosDevice]]:
    opened: list[PosDevice] = []

    def make(name: str) -> PosDevice:
        pos = open_device(tmp_path / f"{name}.sqlite3")
        opened.append(pos)
        return pos

    yield make
    for pos in opened:
        pos.close()


@pytest.fixture
def paired_device(
    server: ServerHarness, shop: shops.Shop, new_device: Callable[[str], PosDevice]
) -> Callable[[str], PosDevice]:
    def make(name: str) -> PosDevice:
        pos = new_device(name)
        code = server.call(lambda pool: shops.create_pairing_code(pool, shop.tenant_id))
        pair(pos, server.url, code.code, name)
        return pos

    return make

"""Finding 4 (its worst part): a change the server fails on (5xx) must not block the till. The
same batch failing twice is split; the change that fails is set aside in "requiere atención"
with the server's answer; the changes behind it go through. A server that is down is not a
poison change: nothing is set aside while it fails on everything."""

from __future__ import annotations

import json
import random

import pytest
from sqlalchemy import text

from pos_client.services.sales import record_sale
from pos_client.store.repositories import outbox
from shared.sale import PaymentMethod, Tender
from sync_server.services import shops
from tests.support.client import pair
from tests.support.proxy import FaultyProxy
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e


def _poison_sales_of(server, total: int) -> None:
    """A server-side failure on one sale, as a bug or a broken constraint would give: the
    database raises while the push applies it, so the server answers 500."""
    server.admin(f"""
        CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.total = {total} THEN RAISE EXCEPTION 'poisoned sale'; END IF;
            RETURN NEW;
        END $$""")
    server.admin("CREATE TRIGGER poison BEFORE INSERT ON sales FOR EACH ROW "
                 "EXECUTE FUNCTION poison()")


def _sell(pos, barcode: str, pieces: int):
    ticket = ticket_for(pos.db, barcode, pieces)
    return record_sale(pos.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)]), ticket


def test_a_change_the_server_fails_on_is_set_aside_and_the_rest_flow(
    server, shop, paired_device, small_catalog
):
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    barcode = small_catalog[0].barcode
    (first, _), (bad, bad_ticket), (last, _) = (_sell(pos, barcode, n) for n in (1, 2, 3))
    _poison_sales_of(server, bad_ticket.total)

    once = pos.agent.sync_once()  # one 5xx may be the server's bad moment: try again later
    assert (once.online, once.pending, once.rejected) == (False, 3, 0)
    twice = pos.agent.sync_once()
    assert (twice.online, twice.pending, twice.rejected) == (True, 0, 1)
    with pos.db.read() as conn:
        (aside,) = outbox.rejected(conn)
        body = conn.execute(text("SELECT body FROM outbox WHERE status = 'rejected'")).scalar()
    assert (aside.entity, aside.code) == ("sale", "internal_error")
    assert "Error interno del servidor" in (aside.message or "")
    assert bad.folio in body
    folios = {r["folio"] for r in server.admin("SELECT folio FROM sales")}
    assert folios == {first.folio, last.folio}


def test_while_the_server_fails_on_everything_nothing_is_set_aside(
    server, shop, paired_device, small_catalog
):
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    for n in (1, 2, 3):
        _sell(pos, small_catalog[0].barcode, n)
    server.admin("REVOKE INSERT ON sales FROM michangarrito_app")  # every push now fails
    try:
        for _ in range(3):
            status = pos.agent.sync_once()
            assert (status.pending, status.rejected) == (3, 0)
    finally:
        server.admin("GRANT INSERT ON sales TO michangarrito_app")
    with pos.db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox WHERE status = 'rejected'")).scalar() == 0
    assert pos.agent.sync_once().pending == 0


def _sick_for(server, statements: int) -> None:
    """The server fails its next ``statements`` sale inserts, whatever the sale: a database
    having a bad moment (a failover, a full disk being freed), not a bad change."""
    server.admin("CREATE SEQUENCE sick")
    server.admin("GRANT USAGE ON SEQUENCE sick TO michangarrito_app")
    server.admin(f"""
        CREATE FUNCTION sick() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF nextval('sick') <= {statements} THEN RAISE EXCEPTION 'bad moment'; END IF;
            RETURN NEW;
        END $$""")
    server.admin("CREATE TRIGGER sick BEFORE INSERT ON sales FOR EACH ROW "
                 "EXECUTE FUNCTION sick()")


def test_a_server_that_recovers_while_a_batch_is_split_sets_nothing_aside(
    server, shop, paired_device, small_catalog
):
    """The batch fails twice, so it is split; the server fails the first half too, then
    recovers. The change that met the bad moment alone is good: it must not be set aside
    (nor its sale withdrawn from the till) because the server was briefly sick."""
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    folios = [_sell(pos, small_catalog[0].barcode, n)[0].folio for n in (1, 2, 3)]
    _sick_for(server, 3)  # the batch twice, then its first half alone

    assert pos.agent.sync_once().online is False
    status = pos.agent.sync_once()
    assert (status.pending, status.rejected) == (0, 0)
    with pos.db.read() as conn:
        assert sorted(conn.execute(text("SELECT folio FROM sales")).scalars()) == sorted(folios)
    assert {r["folio"] for r in server.admin("SELECT folio FROM sales")} == set(folios)


@pytest.mark.parametrize("status", [502, 503, 504])
def test_a_server_that_is_unavailable_is_never_blamed_on_a_change(
    server, shop, new_device, small_catalog, status
):
    """502/503/504 say the server, or the way to it, is down: whatever else goes through
    meanwhile, no change is set aside for them. Here the batch fails twice (a 500, so it is
    split), then every push of one change alone meets the gateway's error."""
    proxy = FaultyProxy(server.url, random.Random(0), fault_rate=0).start()
    try:
        pos = new_device("caja-1")
        code = server.call(lambda pool: shops.create_pairing_code(pool, shop.tenant_id))
        pair(pos, proxy.url, code.code, "caja-1")
        pos.agent.sync_once()
        for n in (1, 2, 3):
            _sell(pos, small_catalog[0].barcode, n)
        _sick_for(server, 2)
        pushes: list[int] = []

        def gateway(method: str, path: str, body: bytes) -> int | None:
            if path != "/v1/sync/push":
                return None
            pushes.append(len(json.loads(body)["changes"]))
            return status if pushes[-1] == 1 else None

        proxy.gateway_error = gateway
        for _ in range(3):
            pos.agent.sync_once()
        assert 1 in pushes  # the batch was split down to single changes
        with pos.db.read() as conn:
            assert outbox.counts(conn).rejected == 0
            assert conn.execute(text("SELECT count(*) FROM sales")).scalar() == 3
        proxy.gateway_error = None
        assert pos.agent.sync_once().pending == 0
    finally:
        proxy.stop()

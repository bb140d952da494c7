"""A device with unsynced changes warns before it is unpaired, and never loses them silently."""

from __future__ import annotations

import pytest

from pos_client.__main__ import unpair_store
from pos_client.services.device import UnsyncedChanges, save_pairing, unpair
from pos_client.services.till import Till
from pos_client.store.device import load_device
from pos_client.store.repositories import facts
from shared.ids import new_uuid7

pytestmark = pytest.mark.unit


def _paired(db, device):
    save_pairing(Till(db, device), server_url="http://127.0.0.1:9", tenant_id=new_uuid7(),
                 device_id=device.device_id, device_code="C1", credential="mchd1.a.b.c",
                 shop_name="Tienda")


def test_unpair_refuses_while_changes_are_unsynced(stocked, device):
    _paired(stocked, device)
    with pytest.raises(UnsyncedChanges) as err:
        unpair(Till(stocked, device))
    assert "cambios de esta caja" in err.value.message
    assert load_device(stocked).paired


def test_the_command_asks_and_keeps_everything_unless_told_si(stocked, device, tmp_path):
    _paired(stocked, device)
    data_dir = stocked.path.parent
    assert unpair_store(data_dir, answer=lambda _: "no") == 1
    assert load_device(stocked).paired
    assert unpair_store(data_dir, answer=lambda _: "si") == 0
    after = load_device(stocked)
    assert not after.paired
    with stocked.read() as conn:
        assert facts.sale_count(conn) == 0  # nothing was deleted, only the pairing
    from pos_client.store.repositories import outbox

    with stocked.read() as conn:
        assert outbox.counts(conn).pending > 0  # the unsynced changes are still on disk


def test_a_store_of_one_shop_cannot_join_another(till, stocked, device):
    from pos_client.services.device import OtherShop

    _paired(stocked, device)  # shop X
    unpair(till, lose_unsynced=True)
    with pytest.raises(OtherShop) as err:
        _paired(stocked, device)  # a new random tenant: shop Y
    assert "otra tienda" in err.value.message
    assert not load_device(stocked).paired

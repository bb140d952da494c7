"""POS devices for tests: a real SQLite file each, paired with a real server over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pos_client.services.device import save_pairing
from pos_client.services.till import Till
from pos_client.store.database import Database
from pos_client.store.device import Device, load_device
from pos_client.sync.agent import SyncAgent
from pos_client.sync.client import SyncClient


@dataclass
class PosDevice:
    db: Database
    device: Device
    agent: SyncAgent

    @property
    def till(self) -> Till:
        """What the use cases run against (the same store and identity)."""
        return Till(self.db, self.device)

    def close(self) -> None:
        self.agent.stop()
        self.db.close()


def open_device(path: Path) -> PosDevice:
    db = Database(path)
    device = load_device(db)
    return PosDevice(db, device, SyncAgent(db, device))


def pair(pos: PosDevice, server_url: str, code: str, name: str = "Caja") -> None:
    client = SyncClient(server_url)
    try:
        answer = client.pair(code, name)
    finally:
        client.close()
    save_pairing(pos.till, server_url=server_url, tenant_id=answer.tenant_id,
                 device_id=answer.device_id, device_code=answer.device_code,
                 credential=answer.credential, shop_name=answer.shop_name)

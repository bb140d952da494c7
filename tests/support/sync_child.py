"""Child process for crash tests: sync this store through the given server URL until killed."""

from __future__ import annotations

import sys
from pathlib import Path

from pos_client.store.database import Database
from pos_client.store.device import load_device
from pos_client.sync.agent import SyncAgent


def main() -> None:
    db = Database(Path(sys.argv[1]))
    device = load_device(db)
    device.server_url = sys.argv[2]
    agent = SyncAgent(db, device)
    print("READY", flush=True)
    while True:  # the parent SIGKILLs us at some point of a push or a pull
        agent.sync_once()


if __name__ == "__main__":
    main()

"""What this till has queued for the server, as the counter shows it: the changes the server
refused (kept on the till and listed with the reason, never dropped)."""

from __future__ import annotations

from pos_client.services.till import Till
from pos_client.store.repositories import outbox
from pos_client.store.repositories.outbox import Rejected

__all__ = ["Rejected", "rejected"]


def rejected(till: Till) -> list[Rejected]:
    with till.db.read() as tx:
        return outbox.rejected(tx)

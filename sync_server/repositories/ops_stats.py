"""What operations read across every shop: the feed epoch and the WhatsApp queue's depth."""

from __future__ import annotations

import uuid

from sync_server.repositories import Connection


async def feed_epoch(conn: Connection) -> uuid.UUID:
    """This database's feed epoch; a restore from a backup gives it a new one."""
    epoch: uuid.UUID = await conn.fetchval("SELECT feed_epoch FROM server_state")
    return epoch


async def outbound_queue_depth(conn: Connection) -> dict[str, int]:
    """WhatsApp messages still to go out, by status (pending, sending, not_configured)."""
    rows = await conn.fetch("SELECT status, n FROM mch_outbound_queue_depth()")
    return {r["status"]: int(r["n"]) for r in rows}

"""Readiness: can the server reach its database right now."""

from __future__ import annotations

import logging

from sync_server.db import Pool, unavailable, unscoped_tx
from sync_server.repositories import health

log = logging.getLogger(__name__)


async def database_ready(pool: Pool, timeout_s: float = 2.0) -> bool:
    try:
        async with unscoped_tx(pool, timeout=timeout_s) as conn:
            await health.ping(conn)
    except Exception as exc:  # any failure to reach the database means not ready
        log.warning("database not ready", extra={"error": str(exc)})
        return False
    return True


def database_unavailable(exc: BaseException) -> bool:
    """An error that says the database is out of reach (the answer is 503, not 500)."""
    return unavailable(exc)

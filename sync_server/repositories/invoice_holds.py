"""The automatic pass's waits after a PAC refusal: per shop and kind of CFDI, how many refusals
in a row and until when the pass does not make that kind again; and when the shop last pressed
"Reintentar ahora" (the rules: services.stamping)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sync_server.repositories import Connection


async def count_refusal(conn: Connection, tenant_id: uuid.UUID, kind: str, now: datetime) -> int:
    """One more refusal in a row for ``kind``; how many there are now (its wait is set next).
    A refusal while the kind already waits is of the same pass's CFDI (it made several at
    once): it does not count again, or one pass with three refused would wait a day."""
    refusals: int = await conn.fetchval(
        """INSERT INTO invoice_remake_holds AS h (tenant_id, kind, refusals, held_until)
           VALUES ($1, $2, 1, $3)
           ON CONFLICT (tenant_id, kind) DO UPDATE
               SET refusals = h.refusals + CASE WHEN h.held_until > $3 THEN 0 ELSE 1 END
           RETURNING refusals""", tenant_id, kind, now)
    return refusals


async def hold_until(conn: Connection, tenant_id: uuid.UUID, kind: str, until: datetime) -> None:
    await conn.execute("""UPDATE invoice_remake_holds SET held_until = $3
                          WHERE tenant_id = $1 AND kind = $2""", tenant_id, kind, until)


async def held(conn: Connection, tenant_id: uuid.UUID, now: datetime) -> set[str]:
    """The kinds the automatic pass does not make now."""
    rows = await conn.fetch("""SELECT kind FROM invoice_remake_holds
                               WHERE tenant_id = $1 AND held_until > $2""", tenant_id, now)
    return {r["kind"] for r in rows}


async def lift(conn: Connection, tenant_id: uuid.UUID, kinds: Iterable[str] | None = None) -> None:
    """Forget the refusals (of ``kinds``, or all): the next pass makes them at once."""
    if kinds is None:
        await conn.execute("DELETE FROM invoice_remake_holds WHERE tenant_id = $1", tenant_id)
    else:
        await conn.execute("""DELETE FROM invoice_remake_holds
                              WHERE tenant_id = $1 AND kind = ANY($2::text[])""",
                           tenant_id, list(kinds))


async def press_remake(conn: Connection, tenant_id: uuid.UUID, now: datetime,
                       every: timedelta) -> datetime | None:
    """Record a press of "Reintentar ahora" at ``now`` unless the last one was less than
    ``every`` ago: one statement, so of two presses at once only one is recorded. None when
    recorded; otherwise when the last press was."""
    recorded = await conn.fetchval(
        """INSERT INTO invoice_remake_presses AS p (tenant_id, pressed_at) VALUES ($1, $2)
           ON CONFLICT (tenant_id) DO UPDATE SET pressed_at = $2
               WHERE p.pressed_at <= $2 - $3::interval
                  -- a press more than a minute ahead: a clock set back, not a recent press
                  OR p.pressed_at > $2 + $3::interval
           RETURNING pressed_at""", tenant_id, now, every)
    if recorded is not None:
        return None
    last: datetime = await conn.fetchval(
        "SELECT pressed_at FROM invoice_remake_presses WHERE tenant_id = $1", tenant_id)
    return last

"""The outbox: every local change, queued in the transaction that made it, until the server answers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, func, select, text, update

from pos_client.store.database import driver
from pos_client.store.schema import outbox
from shared.sync.envelopes import Change
from shared.sync.protocol import ChangeResult

# Plain driver SQL: these run in every sale's transaction, where SQLAlchemy's per-statement
# work cost more than SQLite's.
_LAST_SEQ = "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'"
_APPEND = ("INSERT INTO outbox (device_seq, change_id, entity, op, hlc, body, created_at) "
           "VALUES (?, ?, ?, ?, ?, ?, ?)")


def next_seq(conn: Connection) -> int:
    """The device_seq the next change will get. Call inside the write transaction that uses it."""
    row = driver(conn).execute(_LAST_SEQ).fetchone()
    return int(row[0] if row else 0) + 1


def before_pending(conn: Connection) -> int:
    """The last device_seq before the first change still to push (pending), or the last one
    given if none is pending: where a server already has this store's series up to."""
    first = conn.execute(select(func.min(outbox.c.device_seq))
                         .where(outbox.c.status == "pending")).scalar_one()
    return int(first) - 1 if first is not None else next_seq(conn) - 1


def continue_after(conn: Connection, seq: int) -> None:
    """Make the next device_seq at least ``seq + 1`` (a device restored from an old backup)."""
    if next_seq(conn) > seq:
        return
    updated = conn.execute(text("UPDATE sqlite_sequence SET seq = :seq WHERE name = 'outbox'"),
                           {"seq": seq}).rowcount
    if not updated:
        conn.execute(text("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', :seq)"),
                     {"seq": seq})


def append(conn: Connection, change: Change) -> None:
    driver(conn).execute(_APPEND, (
        change.device_seq, str(change.change_id), change.entity, change.op, change.hlc,
        change.model_dump_json(), change.created_at.isoformat(),
    ))


@dataclass(frozen=True, slots=True)
class Pending:
    device_seq: int
    change_id: str
    body: str


def pending(conn: Connection, limit: int) -> list[Pending]:
    rows = conn.execute(
        select(outbox.c.device_seq, outbox.c.change_id, outbox.c.body)
        .where(outbox.c.status == "pending").order_by(outbox.c.device_seq).limit(limit)
    )
    return [Pending(r.device_seq, r.change_id, r.body) for r in rows]


def record_results(conn: Connection, results: list[ChangeResult], at: str) -> None:
    conn.execute(
        update(outbox)
        .where(outbox.c.change_id == bindparam("cid"), outbox.c.status == "pending")
        .values(status=bindparam("new_status"), pushed_at=at, error_code=bindparam("code"),
                error_message=bindparam("message")),
        [{"cid": str(r.change_id), "new_status": r.status, "code": r.code, "message": r.message}
         for r in results],
    )


def push_again_after(conn: Connection, seq: int) -> int:
    """Queue again the changes after ``seq`` that the server had taken and then lost (it was
    restored from an older backup); returns how many. Refused ones stay as they are."""
    result = conn.execute(
        update(outbox)
        .where(outbox.c.device_seq > seq, outbox.c.status.in_(("accepted", "duplicate")))
        .values(status="pending", pushed_at=None, error_code=None, error_message=None)
    )
    return int(result.rowcount)


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int
    rejected: int


def counts(conn: Connection) -> OutboxCounts:
    rows: dict[str, int] = dict(conn.execute(
        select(outbox.c.status, func.count()).where(outbox.c.status.in_(("pending", "rejected")))
        .group_by(outbox.c.status)
    ).all())
    return OutboxCounts(pending=rows.get("pending", 0), rejected=rows.get("rejected", 0))


def hlc_high_water(conn: Connection) -> int:
    return int(conn.execute(select(func.max(outbox.c.hlc))).scalar() or 0)


@dataclass(frozen=True, slots=True)
class Rejected:
    device_seq: int
    entity: str
    created_at: str
    code: str | None
    message: str | None


def rejected(conn: Connection) -> list[Rejected]:
    """Changes the server refused: kept, shown to the owner with the reason, never dropped."""
    rows = conn.execute(
        select(outbox.c.device_seq, outbox.c.entity, outbox.c.created_at, outbox.c.error_code,
               outbox.c.error_message)
        .where(outbox.c.status == "rejected").order_by(outbox.c.device_seq)
    )
    return [Rejected(*r) for r in rows]

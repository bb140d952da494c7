"""Apply a batch of changes in the caller's transaction: dedupe, write domain rows, extend the feed."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from shared.clock import utc_now
from shared.errors import DomainError
from shared.hlc import too_far_ahead, wall_ms_now
from shared.ids import new_uuid7
from shared.sync.bounds import stamp_before_2000
from shared.sync.envelopes import (
    Change,
    InventoryMovementChange,
    MessageRequestChange,
    OrderStatusChange,
    SaleChange,
    SaleReturnChange,
    StockAlertChange,
    StockCountChange,
    in_apply_order,
)
from shared.sync.payloads import StockAlertPayload
from shared.sync.protocol import ChangeResult
from sync_server import metrics
from sync_server.db import Connection
from sync_server.repositories import (
    alerts,
    catalog,
    customers,
    devices,
    feed,
    inventory,
    message_statuses,
    operations,
    orders,
    outbound,
    plans,
    returns,
    sales,
    tenants,
)
from sync_server.sync import checks
from sync_server.sync import message_statuses as message_states
from sync_server.sync.clock import server_clock
from sync_server.sync.copies import with_server_copies
from sync_server.sync.order_messages import queue_order_messages

log = logging.getLogger(__name__)

Applier = Callable[[Connection, uuid.UUID, uuid.UUID | None, Sequence[Any]], Awaitable[None]]

# One applier per entity, in the wire's apply order (records before facts); each takes every
# change of its entity in the batch at once.
_APPLIERS: dict[str, Applier] = in_apply_order({
    "product": catalog.upsert_lww,
    "customer": customers.upsert_lww,
    "category": operations.upsert_categories,
    "cashier": operations.upsert_cashiers,
    "settings": operations.upsert_settings,
    "order_status": operations.upsert_order_statuses,
    "inventory_movement": inventory.insert,
    "stock_count": inventory.insert_counts,
    "sale": sales.insert,
    "fiado_charge": customers.insert_charges,
    "fiado_payment": customers.insert_payments,
    "stock_alert": alerts.upsert_lww,
    "plan": plans.upsert_records,
    "message_status": message_statuses.store_reported,
    "sale_return": returns.insert_returns,
    "cash_movement": operations.insert_cash_movements,
    "shift_open": operations.insert_shift_opens,
    "shift_close": operations.insert_shift_closes,
    "audit_event": operations.insert_audit_events,
    "message_request": outbound.insert_requests,
    "order": orders.insert_orders,
})



class DeviceRevoked(DomainError):
    code = "device_revoked"


@dataclass(frozen=True)
class Applied:
    results: list[ChangeResult]
    gaps: list[tuple[int, int]]


def seq_gaps(last_seen: int, seqs: Sequence[int]) -> list[tuple[int, int]]:
    """Ranges of numbers after ``last_seen`` and below the highest of ``seqs`` not in ``seqs``."""
    gaps, expected = [], last_seen + 1
    for seq in sorted({s for s in seqs if s > last_seen}):
        if seq > expected:
            gaps.append((expected, seq - 1))
        expected = seq + 1
    return gaps


async def apply_changes(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID, changes: Sequence[Change],
) -> Applied:
    """Apply a device's pushed ``changes`` and answer each one.

    A change already in the feed, from an earlier push or earlier in this batch, is a
    ``duplicate``: a success that writes nothing. What the server derives from them (stock
    alerts) is the server's own and goes through :func:`append_server_changes`, after them.
    Must run inside a tenant transaction.
    """
    head = await tenants.lock_feed_head(conn, tenant_id)
    results, fresh = await _accept(conn, tenant_id, origin, changes)
    await _write(conn, tenant_id, origin, fresh)
    await _append(conn, tenant_id, head, origin, fresh)
    last_seen = await devices.lock_seq(conn, tenant_id, origin)
    if last_seen is None:
        raise DeviceRevoked("Este dispositivo fue dado de baja. Vuelve a vincularlo.")
    gaps = seq_gaps(last_seen, [c.device_seq for c in changes])
    if gaps:
        log.warning("device_seq gap", extra={"tenant_id": str(tenant_id),
                                             "device_id": str(origin), "gaps": gaps})
    await devices.advance_seq(conn, tenant_id, origin, max(c.device_seq for c in changes))
    await _derive(conn, tenant_id, fresh)
    results = await with_server_copies(conn, tenant_id, changes, results)
    # Counted as the batch is applied; a commit failing after this (rare) would count it once
    # too many, and the till's retry counts it again as duplicates.
    metrics.count_push(results)
    return Applied(results, gaps)


async def append_server_changes(
    conn: Connection, tenant_id: uuid.UUID, changes: Sequence[Change],
) -> Applied:
    """The one way the server writes a change of its own to a shop's feed: stock alerts it
    derives from a push, orders, plan records, payments from pay links, edits from the owner's
    tools, a new shop's catalog. Each is filed under the server's origin (no device, the nil
    writer, ``device_seq`` 0), whichever push or request caused it, so every till pulls it,
    the one whose sale caused it included. The same checks as a till's push refuse what they
    refuse (the caller decides what a refusal means). Must run inside a tenant transaction.
    """
    if any(c.device_seq != 0 for c in changes):
        raise ValueError("a server-made change has device_seq 0")
    head = await tenants.lock_feed_head(conn, tenant_id)
    results, fresh = await _accept(conn, tenant_id, None, changes)
    await _write(conn, tenant_id, None, fresh)
    await _append(conn, tenant_id, head, None, fresh)
    await _derive(conn, tenant_id, fresh)
    return Applied(results, [])


async def _accept(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None, changes: Sequence[Change],
) -> tuple[list[ChangeResult], list[Change]]:
    """An answer for each change, and the ones to write: not seen before, and not refused."""
    known = await feed.known_change_ids(conn, tenant_id, [c.change_id for c in changes])
    results: list[ChangeResult] = []
    fresh: list[Change] = []
    for change in changes:
        if change.change_id in known:
            results.append(ChangeResult(change_id=change.change_id, status="duplicate"))
            continue
        if origin is not None and change.device_seq < 1:
            results.append(_rejected(change, "invalid_device_seq",
                                     "El número de cambio del dispositivo no es válido."))
            continue
        if change.kind == "record" and too_far_ahead(change.hlc, wall_ms_now()):
            # Facts are kept whatever the clock said; a record edit stamped in the far future
            # would win every later edit, so it is refused until the clock is fixed.
            results.append(_rejected(change, "clock_ahead",
                                     "El reloj de este dispositivo está adelantado más de un día. "
                                     "Corrige la fecha y hora y vuelve a guardar el cambio."))
            continue
        if change.kind == "record" and stamp_before_2000(change.hlc):
            # A clock never set (1970) would make the edit lose to every other, silently.
            results.append(_rejected(change, "clock_behind",
                                     "El reloj de este dispositivo está atrasado por años. "
                                     "Corrige la fecha y hora y vuelve a guardar el cambio."))
            continue
        known.add(change.change_id)
        fresh.append(change)
        results.append(ChangeResult(change_id=change.change_id, status="accepted"))
    refused = await checks.refusals(conn, tenant_id, origin, fresh)
    if refused:
        fresh = [c for c in fresh if c.change_id not in refused]
        results = [
            ChangeResult(change_id=r.change_id, status="rejected", code=refused[r.change_id][0],
                         message=refused[r.change_id][1]) if r.change_id in refused else r
            for r in results
        ]
    return results, fresh


async def _write(
    conn: Connection, tenant_id: uuid.UUID, origin: uuid.UUID | None, fresh: Sequence[Change],
) -> None:
    moved = [c for c in fresh if isinstance(c, OrderStatusChange)]
    stamps = await orders.status_stamps(conn, tenant_id, [c.payload.id for c in moved]) \
        if moved else {}
    by_entity: dict[str, list[Change]] = defaultdict(list)
    for change in fresh:
        by_entity[change.entity].append(change)
    for entity, applier in _APPLIERS.items():
        if by_entity[entity]:
            await applier(conn, tenant_id, origin, by_entity[entity])
    if moved:
        await queue_order_messages(conn, tenant_id, moved, stamps)


async def _append(
    conn: Connection, tenant_id: uuid.UUID, head: int, origin: uuid.UUID | None,
    fresh: Sequence[Change],
) -> None:
    """Number ``fresh`` after ``head`` in the feed, under ``origin`` (None: the server)."""
    if not fresh:
        return
    await feed.append(conn, [
        (tenant_id, head + i, c.change_id, origin, c.device_seq, c.entity, c.op, c.hlc,
         c.model_dump_json())
        for i, c in enumerate(fresh, start=1)
    ])
    await tenants.set_feed_head(conn, tenant_id, head + len(fresh))
    await feed.notify(conn, tenant_id, head + len(fresh))


async def _derive(conn: Connection, tenant_id: uuid.UUID, fresh: Sequence[Change]) -> None:
    """What the server makes of changes just written: open or close stock alerts; a statement
    request is now queued on the server (its message_status)."""
    raised: list[Change] = [*await _stock_alerts(conn, tenant_id, fresh)]
    requests = [c.payload.id for c in fresh if isinstance(c, MessageRequestChange)]
    if requests:
        raised += await message_states.changed(conn, tenant_id, requests)
    if raised:
        await append_server_changes(conn, tenant_id, raised)


async def _stock_alerts(
    conn: Connection, tenant_id: uuid.UUID, changes: Sequence[Change]
) -> list[StockAlertChange]:
    """Open an alert for each product these changes took below zero; close it when restocked.

    Derived from facts here, in the same transaction, so the alert enters the feed with them.
    """
    touched: set[uuid.UUID] = set()
    for change in changes:
        if isinstance(change, SaleChange):
            touched.update(ln.product_id for ln in change.payload.lines if ln.product_id)
        elif isinstance(change, InventoryMovementChange | StockCountChange):
            touched.add(change.payload.product_id)
        elif isinstance(change, SaleReturnChange):
            touched.update(ln.product_id for ln in change.payload.lines if ln.product_id)
    if not touched:
        return []
    now = utc_now()
    return [
        StockAlertChange(
            # Past the stored stamp too: another replica's clock may run ahead of ours.
            change_id=new_uuid7(), device_seq=0,
            hlc=max(server_clock.now(), row["stored_hlc"] + 1), created_at=now,
            entity="stock_alert",
            payload=StockAlertPayload(
                id=uuid.uuid5(uuid.NAMESPACE_OID, f"stock-alert:{row['product_id']}"),
                product_id=row["product_id"], stock_milli=row["stock_milli"],
                open=row["should_be_open"], changed_at=now,
            ),
        )
        for row in await alerts.needing_change(conn, tenant_id, sorted(touched))
    ]


def _rejected(change: Change, code: str, message: str) -> ChangeResult:
    return ChangeResult(change_id=change.change_id, status="rejected", code=code, message=message)

"""Taking a rejected fact back out of the local tables, so this till agrees with the server.

The change itself stays in the outbox with the server's reason (nothing is lost); only its
effect on local stock, balances and lists is withdrawn. Triggers put the stock cache back.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table, delete

from pos_client.store import schema
from shared.sync.envelopes import Change

# entity → [(table, column holding the fact's id)], children before parents.
_ROWS: dict[str, list[tuple[Table, str]]] = {
    "sale": [(schema.sale_payments, "sale_id"), (schema.sale_lines, "sale_id"),
             (schema.sales, "id")],
    "sale_return": [(schema.sale_return_lines, "return_id"), (schema.sale_returns, "id")],
    "inventory_movement": [(schema.inventory_movements, "id")],
    "fiado_charge": [(schema.fiado_charges, "id")],
    "fiado_payment": [(schema.fiado_payments, "id")],
    "cash_movement": [(schema.cash_movements, "id")],
    "shift_open": [(schema.shifts, "id")],
    "shift_close": [(schema.shift_closes, "id")],
    "audit_event": [(schema.audit_events, "id")],
    "message_request": [(schema.message_requests, "id")],
    "order": [(schema.orders, "id")],
}


def withdraw_facts(conn: Connection, changes: Sequence[Change]) -> int:
    """Remove the rows of these fact changes; records are left alone. Returns how many."""
    count = 0
    for change in changes:
        for table, column in _ROWS.get(change.entity, []):
            conn.execute(delete(table).where(table.c[column] == str(change.payload.id)))
        count += change.entity in _ROWS
    return count

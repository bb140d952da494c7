"""The compatibility window: what a version-3 till can read, and the feed translated for it
(docs/sync-protocol.md, "Versions the server accepts")."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

# Each entity version 3 reads and its payload's keys (a nested map: a list of objects whose keys
# are these). Taken from the released version-3 models (tests/support/protocol_v3/, commit
# 208ca17); tests check every entity of today's wire, translated, against those models.
Shape = Mapping[str, "Shape | None"]
_COUNTED: Shape = {"method": None, "amount": None}
V3_PAYLOADS: Mapping[str, Shape] = {
    "settings": dict.fromkeys(("id", "shop_name", "address", "phone", "rfc", "timezone",
                               "receipt_footer", "permissions")),
    "cashier": dict.fromkeys(("id", "name", "role", "pin_hash", "active")),
    "category": dict.fromkeys(("id", "name", "active")),
    "product": dict.fromkeys(("id", "name", "barcodes", "department", "price", "cost", "iva",
                              "ieps_bp", "sold_by_weight", "min_stock_milli", "active",
                              "wholesale_price", "wholesale_min_milli")),
    "customer": dict.fromkeys(("id", "name", "phone", "credit_limit", "active")),
    "order_status": dict.fromkeys(("id", "status", "note", "changed_at")),
    "stock_alert": dict.fromkeys(("id", "product_id", "stock_milli", "open", "changed_at")),
    "shift_open": dict.fromkeys(("id", "cashier_id", "float_amount", "opened_at")),
    "sale": {**dict.fromkeys(("id", "folio", "sold_at", "total", "change", "customer_id",
                              "cashier_id", "shift_id")),
             "lines": dict.fromkeys(("line_no", "product_id", "name", "qty_milli", "unit_price",
                                     "total", "iva", "ieps_bp", "discount", "cost")),
             "payments": dict.fromkeys(("method", "amount", "tendered", "reference"))},
    "sale_return": {**dict.fromkeys(("id", "sale_id", "amount", "refund_method", "reason",
                                     "cashier_id", "returned_at", "refund_to_account")),
                    "lines": dict.fromkeys(("line_no", "product_id", "qty_milli", "amount"))},
    "inventory_movement": dict.fromkeys(("id", "product_id", "qty_milli", "reason", "note",
                                         "moved_at")),
    "fiado_charge": dict.fromkeys(("id", "customer_id", "amount", "sale_id", "note",
                                   "charged_at")),
    "fiado_payment": dict.fromkeys(("id", "customer_id", "amount", "method", "note", "paid_at",
                                    "cashier_id", "shift_id", "reference")),
    "cash_movement": dict.fromkeys(("id", "shift_id", "direction", "amount", "reason",
                                    "moved_at")),
    "shift_close": {**dict.fromkeys(("id", "shift_id", "note", "closed_at")),
                    "counted": _COUNTED},
    "audit_event": dict.fromkeys(("id", "action", "cashier_id", "authorized_by", "subject_id",
                                  "detail", "at")),
    "message_request": dict.fromkeys(("id", "customer_id", "to", "kind", "text",
                                      "requested_at", "cashier_id")),
}
# Values version 3 knows, where version 4 added some: (entity, key) → the values it reads.
V3_VALUES: Mapping[tuple[str, str], frozenset[object]] = {
    ("order_status", "status"): frozenset({"recibido", "preparando", "listo", "entregado",
                                           "cancelado"}),
}
_ENVELOPE = ("change_id", "device_seq", "hlc", "created_at", "kind", "entity", "op", "payload")


def for_v3(change: Mapping[str, Any]) -> dict[str, Any] | None:
    """A feed change (its JSON) as version 3 reads it: the envelope and payload keys it knows,
    new optional keys left out (they carry their documented defaults); None when it cannot read
    it at all (an entity it does not know, a value it does not know). A record edit naming its
    ``fields`` must be sent whole instead (see :func:`needs_whole_record`)."""
    shape = V3_PAYLOADS.get(change["entity"])
    if shape is None:
        return None
    payload = change["payload"]
    for (entity, key), known in V3_VALUES.items():
        if entity == change["entity"] and payload.get(key) not in known:
            return None
    return {**{k: change[k] for k in _ENVELOPE if k in change},
            "payload": _pruned(payload, shape)}


def needs_whole_record(change: Mapping[str, Any]) -> bool:
    """A record edit of some fields only: version 3 would take its whole payload, stale fields
    included, so it gets the server's copy of the record instead."""
    return change.get("fields") is not None


def _pruned(value: Any, shape: Shape | None) -> Any:
    if shape is None:
        return value
    if isinstance(value, list):
        return [_pruned(v, shape) for v in value]
    return {k: _pruned(v, shape[k]) for k, v in value.items() if k in shape}


def skipped_header(skipped: Counter[str]) -> str:
    """``X-MCH-Skipped`` for a version-3 page: ``entity=count`` pairs, e.g. ``order=2,plan=1``."""
    return ",".join(f"{entity}={n}" for entity, n in sorted(skipped.items()))


def items_json(items: Sequence[tuple[int, str | None, Mapping[str, Any]]]) -> str:
    """Feed items (seq, origin, change) as the page's JSON list."""
    return ",".join(
        f'{{"seq":{seq},"origin_device_id":{json.dumps(origin)},"change":{json.dumps(change)}}}'
        for seq, origin, change in items)

"""Change envelopes and the one ordered registry of the wire's entities: what exists, its kind,
its payload, its ops, and the order a batch is applied in."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Annotated, Literal, TypeVar, get_args

from pydantic import Field, model_validator

from shared.sync.bounds import Timestamp
from shared.sync.message_status import MessageStatusPayload
from shared.sync.payloads import (
    AuditEventPayload,
    CashierPayload,
    CashMovementPayload,
    CategoryPayload,
    CustomerPayload,
    FiadoChargePayload,
    FiadoPaymentPayload,
    InventoryMovementPayload,
    MessageRequestPayload,
    OrderPayload,
    OrderStatusPayload,
    PlanPayload,
    ProductPayload,
    SalePayload,
    SaleReturnPayload,
    SettingsPayload,
    ShiftClosePayload,
    ShiftOpenPayload,
    StockAlertPayload,
    StockCountPayload,
    Wire,
)


class Envelope(Wire):
    """What every change carries around its payload."""

    change_id: uuid.UUID
    # 0 marks a change made by the server itself (catalog set-up, WhatsApp orders).
    device_seq: Annotated[int, Field(ge=0, le=2**62)]
    hlc: Annotated[int, Field(ge=0, le=2**62)]
    created_at: Timestamp


class RecordChange(Envelope):
    """An edit of a thing people change (merged field by field, last writer wins per field:
    shared/sync/merge.py), or its deletion (a tombstone)."""

    kind: Literal["record"] = "record"
    entity: str  # each record's own name (a Literal): what the union is told apart by
    op: Literal["upsert", "delete"] = "upsert"
    payload: Wire
    # The payload's fields this edit sets (version 4); None: every field, a whole record (how
    # every edit travelled before version 4). The payload is whole either way.
    fields: Annotated[list[str], Field(min_length=1, max_length=40)] | None = None

    @model_validator(mode="after")
    def _names_its_own_fields(self) -> RecordChange:
        _check_fields(type(self.payload), self.op, self.fields)
        return self


def _check_fields(payload: type[Wire], op: str, fields: list[str] | None) -> None:
    if fields is None:
        return
    if op == "delete":
        raise ValueError("a delete sets no fields (it is a tombstone)")
    if len(set(fields)) != len(fields) or not set(fields) <= set(payload.model_fields) - {"id"}:
        raise ValueError("fields must name the payload's own fields (not id), once each")


class FactChange(Envelope):
    """An immutable event, inserted once."""

    kind: Literal["fact"] = "fact"
    entity: str
    op: Literal["insert"] = "insert"
    payload: Wire


# ---- records ---------------------------------------------------------------------------------


class SettingsChange(RecordChange):
    entity: Literal["settings"]
    payload: SettingsPayload


class CashierChange(RecordChange):
    entity: Literal["cashier"]
    payload: CashierPayload


class CategoryChange(RecordChange):
    entity: Literal["category"]
    payload: CategoryPayload


class ProductChange(RecordChange):
    entity: Literal["product"]
    payload: ProductPayload


class CustomerChange(RecordChange):
    entity: Literal["customer"]
    payload: CustomerPayload


class OrderStatusChange(RecordChange):
    entity: Literal["order_status"]
    payload: OrderStatusPayload


class StockAlertChange(RecordChange):
    entity: Literal["stock_alert"]
    payload: StockAlertPayload


class PlanChange(RecordChange):
    entity: Literal["plan"]
    payload: PlanPayload


class MessageStatusChange(RecordChange):
    entity: Literal["message_status"]
    payload: MessageStatusPayload


# ---- facts -----------------------------------------------------------------------------------


class ShiftOpenChange(FactChange):
    entity: Literal["shift_open"]
    payload: ShiftOpenPayload


class SaleChange(FactChange):
    entity: Literal["sale"]
    payload: SalePayload


class SaleReturnChange(FactChange):
    entity: Literal["sale_return"]
    payload: SaleReturnPayload


class InventoryMovementChange(FactChange):
    entity: Literal["inventory_movement"]
    payload: InventoryMovementPayload


class StockCountChange(FactChange):
    entity: Literal["stock_count"]
    payload: StockCountPayload


class FiadoChargeChange(FactChange):
    entity: Literal["fiado_charge"]
    payload: FiadoChargePayload


class FiadoPaymentChange(FactChange):
    entity: Literal["fiado_payment"]
    payload: FiadoPaymentPayload


class CashMovementChange(FactChange):
    entity: Literal["cash_movement"]
    payload: CashMovementPayload


class ShiftCloseChange(FactChange):
    entity: Literal["shift_close"]
    payload: ShiftClosePayload


class AuditEventChange(FactChange):
    entity: Literal["audit_event"]
    payload: AuditEventPayload


class MessageRequestChange(FactChange):
    entity: Literal["message_request"]
    payload: MessageRequestPayload


class OrderChange(FactChange):
    entity: Literal["order"]
    payload: OrderPayload


# The one list of entities. Its order is the order every applier (till and server) writes a
# batch in: records before facts, so a fact finds the product, customer or cashier it names
# when both came in the same batch; facts in the order a shop makes them. ENTITIES below is
# derived from it, so the order is written here and nowhere else.
Change = Annotated[
    SettingsChange | CashierChange | CategoryChange | ProductChange | CustomerChange
    | OrderStatusChange | StockAlertChange | PlanChange | MessageStatusChange
    | ShiftOpenChange | SaleChange | SaleReturnChange | InventoryMovementChange | StockCountChange
    | FiadoChargeChange | FiadoPaymentChange | CashMovementChange | ShiftCloseChange
    | AuditEventChange | MessageRequestChange | OrderChange,
    Field(discriminator="entity"),
]

Kind = Literal["fact", "record"]


@dataclass(frozen=True, slots=True)
class Entity:
    """One kind of change: its wire name, whether it is a fact or a record, its envelope and
    payload models, and the ops it allows (the first is its usual one)."""

    name: str
    kind: Kind
    change: type[Envelope]
    payload: type[Wire]
    ops: tuple[str, ...]


def _entity(change: type[Envelope]) -> Entity:
    fields = change.model_fields
    (name,) = get_args(fields["entity"].annotation)
    payload = fields["payload"].annotation
    if not (isinstance(payload, type) and issubclass(payload, Wire)):
        raise TypeError(f"{change.__name__}.payload is not a wire model")
    return Entity(name=name, kind=fields["kind"].default, change=change, payload=payload,
                  ops=get_args(fields["op"].annotation))


# entity name → Entity, in apply order.
ENTITIES: Mapping[str, Entity] = MappingProxyType(
    {e.name: e for e in map(_entity, get_args(get_args(Change)[0]))})

T = TypeVar("T")


def in_apply_order(appliers: Mapping[str, T]) -> dict[str, T]:
    """``appliers`` (entity name → what writes it) in the order a batch is applied.

    Refuses a map that misses a registered entity or names one the wire does not have, so an
    entity added to the wire cannot be forgotten by one side: the till and the server build
    their applier maps with this when their modules load.
    """
    missing, unknown = ENTITIES.keys() - appliers.keys(), appliers.keys() - ENTITIES.keys()
    if missing or unknown:
        raise LookupError(f"appliers do not match the wire: missing {sorted(missing)}, "
                          f"unknown {sorted(unknown)}")
    return {name: appliers[name] for name in ENTITIES}


def make_change(
    entity: str, payload: Wire, *, change_id: uuid.UUID, device_seq: int, hlc: int,
    created_at: datetime, op: str | None = None, fields: Sequence[str] | None = None,
) -> Change:
    """Wrap a payload in the envelope of its entity (``op`` defaults to the entity's usual;
    ``fields``: the fields a record edit sets, None for all).

    The payload was validated when it was built; validating the envelope as a whole would run
    its checks a second time (a sale adds up every line again), in every sale's transaction.
    So the envelope is constructed, after checking what construction would not: the entity,
    the payload's type, the op and the fields.
    """
    spec = ENTITIES[entity]
    if not isinstance(payload, spec.payload):
        raise TypeError(f"{entity} takes a {spec.payload.__name__}")
    values: dict[str, object] = {"change_id": change_id, "device_seq": device_seq, "hlc": hlc,
                                 "created_at": created_at, "entity": entity, "payload": payload}
    if op is not None:
        if op not in spec.ops:
            raise ValueError(f"{entity} cannot be {op!r}")
        values["op"] = op
    if fields is not None:
        if spec.kind != "record" or not fields:
            raise ValueError(f"{entity} cannot name fields {list(fields)!r}")
        _check_fields(spec.payload, op or spec.ops[0], list(fields))
        values["fields"] = list(fields)
    if created_at.tzinfo is None or not 0 <= device_seq <= 2**62 or not 0 <= hlc <= 2**62:
        raise ValueError("an envelope needs an aware time and in-range counters")
    change: Change = spec.change.model_construct(**values)  # type: ignore[arg-type, assignment]
    return change

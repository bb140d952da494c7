"""Change envelopes and the one ordered registry of the wire's entities: what exists, its kind,
its payload, its ops, and the order a batch is applied in."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Annotated, Literal, TypeVar, get_args

from pydantic import AwareDatetime, Field

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
    OrderStatusPayload,
    ProductPayload,
    SalePayload,
    SaleReturnPayload,
    SettingsPayload,
    ShiftClosePayload,
    ShiftOpenPayload,
    StockAlertPayload,
    Wire,
)


class Envelope(Wire):
    """What every change carries around its payload."""

    change_id: uuid.UUID
    # 0 marks a change made by the server itself (catalog set-up, WhatsApp orders).
    device_seq: Annotated[int, Field(ge=0, le=2**62)]
    hlc: Annotated[int, Field(ge=0, le=2**62)]
    created_at: AwareDatetime


# ---- records: edited things, last writer wins ----------------------------------------------


class SettingsChange(Envelope):
    kind: Literal["record"] = "record"
    entity: Literal["settings"]
    op: Literal["upsert", "delete"] = "upsert"
    payload: SettingsPayload


class CashierChange(Envelope):
    kind: Literal["record"] = "record"
    entity: Literal["cashier"]
    op: Literal["upsert", "delete"] = "upsert"
    payload: CashierPayload


class CategoryChange(Envelope):
    kind: Literal["record"] = "record"
    entity: Literal["category"]
    op: Literal["upsert", "delete"] = "upsert"
    payload: CategoryPayload


class ProductChange(Envelope):
    kind: Literal["record"] = "record"
    entity: Literal["product"]
    op: Literal["upsert", "delete"] = "upsert"
    payload: ProductPayload


class CustomerChange(Envelope):
    kind: Literal["record"] = "record"
    entity: Literal["customer"]
    op: Literal["upsert", "delete"] = "upsert"
    payload: CustomerPayload


class OrderStatusChange(Envelope):
    kind: Literal["record"] = "record"
    entity: Literal["order_status"]
    op: Literal["upsert", "delete"] = "upsert"
    payload: OrderStatusPayload


class StockAlertChange(Envelope):
    kind: Literal["record"] = "record"
    entity: Literal["stock_alert"]
    op: Literal["upsert", "delete"] = "upsert"
    payload: StockAlertPayload


# ---- facts: immutable events, inserted once -----------------------------------------------


class ShiftOpenChange(Envelope):
    kind: Literal["fact"] = "fact"
    entity: Literal["shift_open"]
    op: Literal["insert"] = "insert"
    payload: ShiftOpenPayload


class SaleChange(Envelope):
    kind: Literal["fact"] = "fact"
    entity: Literal["sale"]
    op: Literal["insert"] = "insert"
    payload: SalePayload


class SaleReturnChange(Envelope):
    kind: Literal["fact"] = "fact"
    entity: Literal["sale_return"]
    op: Literal["insert"] = "insert"
    payload: SaleReturnPayload


class InventoryMovementChange(Envelope):
    kind: Literal["fact"] = "fact"
    entity: Literal["inventory_movement"]
    op: Literal["insert"] = "insert"
    payload: InventoryMovementPayload


class FiadoChargeChange(Envelope):
    kind: Literal["fact"] = "fact"
    entity: Literal["fiado_charge"]
    op: Literal["insert"] = "insert"
    payload: FiadoChargePayload


class FiadoPaymentChange(Envelope):
    kind: Literal["fact"] = "fact"
    entity: Literal["fiado_payment"]
    op: Literal["insert"] = "insert"
    payload: FiadoPaymentPayload


class CashMovementChange(Envelope):
    kind: Literal["fact"] = "fact"
    entity: Literal["cash_movement"]
    op: Literal["insert"] = "insert"
    payload: CashMovementPayload


class ShiftCloseChange(Envelope):
    kind: Literal["fact"] = "fact"
    entity: Literal["shift_close"]
    op: Literal["insert"] = "insert"
    payload: ShiftClosePayload


class AuditEventChange(Envelope):
    kind: Literal["fact"] = "fact"
    entity: Literal["audit_event"]
    op: Literal["insert"] = "insert"
    payload: AuditEventPayload


class MessageRequestChange(Envelope):
    kind: Literal["fact"] = "fact"
    entity: Literal["message_request"]
    op: Literal["insert"] = "insert"
    payload: MessageRequestPayload


# The one list of entities. Its order is the order every applier (till and server) writes a
# batch in: records before facts, so a fact finds the product, customer or cashier it names
# when both came in the same batch; facts in the order a shop makes them. ENTITIES below is
# derived from it, so the order is written here and nowhere else.
Change = Annotated[
    SettingsChange | CashierChange | CategoryChange | ProductChange | CustomerChange
    | OrderStatusChange | StockAlertChange
    | ShiftOpenChange | SaleChange | SaleReturnChange | InventoryMovementChange
    | FiadoChargeChange | FiadoPaymentChange | CashMovementChange | ShiftCloseChange
    | AuditEventChange | MessageRequestChange,
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
    created_at: datetime, op: str | None = None,
) -> Change:
    """Wrap a payload in the envelope of its entity (``op`` defaults to the entity's usual).

    The payload was validated when it was built; validating the envelope as a whole would run
    its checks a second time (a sale adds up every line again), in every sale's transaction.
    So the envelope is constructed, after checking what construction would not: the entity,
    the payload's type and the op.
    """
    spec = ENTITIES[entity]
    if not isinstance(payload, spec.payload):
        raise TypeError(f"{entity} takes a {spec.payload.__name__}")
    fields: dict[str, object] = {"change_id": change_id, "device_seq": device_seq, "hlc": hlc,
                                 "created_at": created_at, "entity": entity, "payload": payload}
    if op is not None:
        if op not in spec.ops:
            raise ValueError(f"{entity} cannot be {op!r}")
        fields["op"] = op
    if created_at.tzinfo is None or not 0 <= device_seq <= 2**62 or not 0 <= hlc <= 2**62:
        raise ValueError("an envelope needs an aware time and in-range counters")
    change: Change = spec.change.model_construct(**fields)  # type: ignore[arg-type, assignment]
    return change

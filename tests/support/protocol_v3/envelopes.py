"""The change envelopes of sync protocol version 3, frozen: verbatim from commit 208ca17 (the last commit of
`main` speaking version 3, 2026-12-05), only the imports changed. What the released till reads
and sends; the tests of the compatibility window check the version-4 server against it.
DO NOT update it with the wire: it is the old side."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Annotated, Literal, TypeVar, get_args

from pydantic import AwareDatetime, Field

from tests.support.protocol_v3.payloads import (
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


class RecordChange(Envelope):
    """An edit of a thing people change (last writer wins), or its deletion (a tombstone)."""

    kind: Literal["record"] = "record"
    entity: str  # each record's own name (a Literal): what the union is told apart by
    op: Literal["upsert", "delete"] = "upsert"
    payload: Wire


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

"""Sync wire models are strict, and client-made ids are time-ordered UUIDv7s."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import pytest
from pydantic import ValidationError

from shared.hlc import pack
from shared.ids import new_uuid7
from shared.sale import PaymentMethod
from shared.sync.envelopes import SaleChange
from shared.sync.payloads import (
    AuditEventPayload,
    FiadoPaymentPayload,
    SaleLinePayload,
    SalePayload,
    SalePaymentPayload,
    SaleReturnLinePayload,
    SaleReturnPayload,
)
from shared.sync.protocol import PushRequest
from shared.tax import IvaRate

pytestmark = pytest.mark.unit

SOLD_AT = datetime(2024, 6, 1, 18, 30, 5, 123000, tzinfo=UTC)

JsonBody = dict[str, Any]


def sale_change() -> SaleChange:
    """One sale as the counter records it: a soda and 250 g of ham, paid in cash with change."""
    return SaleChange(
        change_id=new_uuid7(),
        device_seq=1,
        hlc=pack(1_717_266_605_123, 0),
        created_at=SOLD_AT,
        entity="sale",
        payload=SalePayload(
            id=new_uuid7(),
            folio="C1-000001",
            sold_at=SOLD_AT,
            total=6300,
            change=3700,
            lines=[
                SaleLinePayload(
                    line_no=1,
                    product_id=new_uuid7(),
                    name="Coca-Cola 600 ml",
                    qty_milli=1000,
                    unit_price=1800,
                    total=1800,
                    iva=IvaRate.GENERAL,
                    ieps_bp=800,
                ),
                SaleLinePayload(
                    line_no=2,
                    product_id=new_uuid7(),
                    name="Jamón de pavo",
                    qty_milli=250,
                    unit_price=18000,
                    total=4500,
                    iva=IvaRate.TASA_CERO,
                ),
            ],
            payments=[
                SalePaymentPayload(method=PaymentMethod.CASH, amount=6300, tendered=10000),
            ],
        ),
    )


def push_body() -> JsonBody:
    body: JsonBody = json.loads(PushRequest(changes=[sale_change()]).model_dump_json())
    return body


def first_change(body: JsonBody) -> JsonBody:
    change: JsonBody = body["changes"][0]
    return change


def first_line(body: JsonBody) -> JsonBody:
    line: JsonBody = first_change(body)["payload"]["lines"][0]
    return line


def refusal(body: JsonBody) -> list[tuple[str, tuple[int | str, ...]]]:
    """Validate a JSON body expecting a refusal; return (error type, location) pairs."""
    with pytest.raises(ValidationError) as info:
        PushRequest.model_validate_json(json.dumps(body))
    return [(err["type"], tuple(err["loc"])) for err in info.value.errors()]


# ---- accepted --------------------------------------------------------------------------------


def test_a_well_formed_sale_change_round_trips() -> None:
    request = PushRequest(changes=[sale_change()])
    back = PushRequest.model_validate_json(request.model_dump_json())
    assert back == request
    assert isinstance(back.changes[0], SaleChange)
    assert back.changes[0].payload.lines[1].iva is IvaRate.TASA_CERO
    assert back.changes[0].payload.payments[0].method is PaymentMethod.CASH
    assert back.changes[0].payload.sold_at == SOLD_AT


def test_json_body_uses_the_wire_codes() -> None:
    change = first_change(push_body())
    assert (change["kind"], change["entity"], change["op"]) == ("fact", "sale", "insert")
    assert change["payload"]["lines"][0]["iva"] == "16"
    assert change["payload"]["payments"][0]["method"] == "efectivo"


def test_a_timestamp_with_an_offset_is_accepted() -> None:
    body = push_body()
    first_change(body)["payload"]["sold_at"] = "2024-06-01T12:30:05-06:00"
    sale = PushRequest.model_validate_json(json.dumps(body)).changes[0].payload
    assert isinstance(sale, SalePayload)
    assert sale.sold_at == SOLD_AT.replace(microsecond=0)


# ---- refused ---------------------------------------------------------------------------------


def _set(
    path: Callable[[JsonBody], JsonBody], key: str, value: object
) -> Callable[[JsonBody], None]:
    def mutate(body: JsonBody) -> None:
        path(body)[key] = value

    return mutate


def _payload(body: JsonBody) -> JsonBody:
    payload: JsonBody = first_change(body)["payload"]
    return payload


@pytest.mark.parametrize(
    ("mutate", "error_type", "loc_end"),
    [
        pytest.param(_set(first_change, "device_seq", "1"), "int_type", "device_seq", id="str-int"),
        pytest.param(_set(first_line, "total", "1800"), "int_type", "total", id="str-money"),
        pytest.param(
            _set(first_line, "qty_milli", 1000.0), "int_type", "qty_milli", id="float-qty"
        ),
        pytest.param(_set(first_line, "qty_milli", 0.5), "int_type", "qty_milli", id="half-qty"),
        pytest.param(_set(first_line, "total", True), "int_type", "total", id="bool-money"),
        pytest.param(
            _set(_payload, "sold_at", "2024-06-01T12:30:05"),
            "timezone_aware",
            "sold_at",
            id="naive-datetime",
        ),
        pytest.param(
            _set(first_change, "created_at", "2024-06-01T12:30:05"),
            "timezone_aware",
            "created_at",
            id="naive-created-at",
        ),
        pytest.param(_set(first_line, "iva", "15"), "enum", "iva", id="unknown-rate"),
        pytest.param(_set(first_line, "qty_milli", 0), "greater_than", "qty_milli", id="zero-qty"),
        pytest.param(
            _set(_payload, "total", -100), "greater_than_equal", "total", id="negative-total"
        ),
        pytest.param(_set(first_change, "extra", 1), "extra_forbidden", "extra", id="extra-change"),
        pytest.param(_set(_payload, "discount", 0), "extra_forbidden", "discount", id="extra-sale"),
        pytest.param(_set(first_line, "sku", "X"), "extra_forbidden", "sku", id="extra-line"),
        pytest.param(_set(_payload, "lines", []), "too_short", "lines", id="no-lines"),
        pytest.param(_set(_payload, "id", "not-a-uuid"), "uuid_parsing", "id", id="bad-uuid"),
        pytest.param(_set(first_line, "cost", -1), "greater_than_equal", "cost", id="negative-cost"),
        pytest.param(_set(first_line, "cost", "1200"), "int_type", "cost", id="str-cost"),
    ],
)
def test_malformed_changes_are_refused(
    mutate: Callable[[JsonBody], None], error_type: str, loc_end: str
) -> None:
    body = push_body()
    mutate(body)
    errors = refusal(body)
    assert any(kind == error_type and loc[-1] == loc_end for kind, loc in errors), errors


def test_an_unknown_entity_is_refused() -> None:
    body = push_body()
    first_change(body)["entity"] = "refund"
    assert refusal(body) == [("union_tag_invalid", ("changes", 0))]


def test_extra_top_level_fields_are_refused() -> None:
    body = push_body()
    body["device_id"] = str(uuid.uuid4())
    assert ("extra_forbidden", ("device_id",)) in refusal(body)


def test_an_empty_push_is_refused() -> None:
    assert refusal({"changes": []})[0][0] == "too_short"


def test_wire_models_refuse_python_side_coercion_too() -> None:
    with pytest.raises(ValidationError):
        SalePaymentPayload(method=PaymentMethod.CASH, amount="100", tendered=100)  # type: ignore[arg-type]


# ---- ids -------------------------------------------------------------------------------------


def test_new_ids_are_uuid_version_7() -> None:
    made = new_uuid7()
    assert type(made) is uuid.UUID
    assert made.version == 7
    assert made.variant == uuid.RFC_4122


def test_new_ids_carry_the_time_they_were_made() -> None:
    before_ms = time.time_ns() // 1_000_000
    made = new_uuid7()
    unix_ts_ms = made.int >> 80
    # Lower bound only, plus a loose ceiling: uuid6 pushes the timestamp ahead by one
    # millisecond per id made within the same millisecond, so it may run a little early.
    assert before_ms <= unix_ts_ms <= before_ms + 10 * 60 * 1000


def test_successive_ids_increase() -> None:
    # uuid6 (>= 2024) documents that unix_ts_ms is bumped for ids made in the same
    # millisecond, so ids from one process are strictly increasing, not merely non-decreasing.
    ids = [new_uuid7() for _ in range(2_000)]
    assert all(a.int < b.int for a, b in pairwise(ids))
    assert all(a < b for a, b in pairwise(ids))


def _return(**fields: Any) -> SaleReturnPayload:
    base: dict[str, Any] = {
        "id": new_uuid7(), "sale_id": new_uuid7(), "amount": 5000, "refund_method": PaymentMethod.CASH,
        "reason": "No la quiso", "returned_at": SOLD_AT,
        "lines": [SaleReturnLinePayload(line_no=1, product_id=None, qty_milli=1000, amount=5000)]}
    return SaleReturnPayload(**{**base, **fields})


def test_a_sale_line_carries_its_cost_or_none() -> None:
    line = sale_change().payload.lines[0]
    assert line.cost is None  # común, or a till from before costs were recorded
    costed = SaleLinePayload.model_validate({**line.model_dump(), "cost": 1250})
    assert costed.cost == 1250


def test_a_refund_split_must_add_up() -> None:
    assert _return().refund_to_account == 0  # all cash
    assert _return(refund_method=PaymentMethod.FIADO, refund_to_account=5000).refund_to_account == 5000
    mixed = _return(refund_method=PaymentMethod.CASH, refund_to_account=2000)
    assert mixed.amount - mixed.refund_to_account == 3000
    with pytest.raises(ValidationError, match="more than the amount"):
        _return(refund_to_account=5001)
    with pytest.raises(ValidationError, match="must credit part"):
        _return(refund_method=PaymentMethod.FIADO)
    with pytest.raises(ValidationError):
        _return(refund_to_account=-1)


def test_an_abono_carries_cashier_shift_and_reference() -> None:
    cashier, shift = new_uuid7(), new_uuid7()
    abono = FiadoPaymentPayload(id=new_uuid7(), customer_id=new_uuid7(), amount=100,
                                method=PaymentMethod.TRANSFER, paid_at=SOLD_AT, cashier_id=cashier,
                                shift_id=shift, reference="SPEI 123")
    again = FiadoPaymentPayload.model_validate_json(abono.model_dump_json())
    assert (again.cashier_id, again.shift_id, again.reference) == (cashier, shift, "SPEI 123")
    with pytest.raises(ValidationError):
        FiadoPaymentPayload(id=new_uuid7(), customer_id=new_uuid7(), amount=100,
                            method=PaymentMethod.CARD, paid_at=SOLD_AT, reference="a\x00b")


def test_customer_edit_is_an_audit_action() -> None:
    event = AuditEventPayload(id=new_uuid7(), action="customer_edit", subject_id=new_uuid7(),
                              detail="límite $500.00 → $800.00", at=SOLD_AT)
    assert event.action == "customer_edit"

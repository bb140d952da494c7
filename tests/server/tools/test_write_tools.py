"""Write tools: each goes through the change feed as the server's own change (so tills pull
it), needs an idempotency key (a retry changes nothing and answers the same), and says what it
changed."""

from __future__ import annotations

import asyncio
import json

import pytest

from shared.catalog import starter_product_id
from sync_server.services import device_sync
from sync_server.tools.base import CallerRole
from sync_server.tools.calls import ToolRefused
from tests.server.tools.scenario import one_morning

pytestmark = pytest.mark.anyio


async def _pulled(shop, entity: str) -> list[dict]:
    page = json.loads(await device_sync.pull(shop.pool, shop.till.cred, 0, 1000, False))
    return [i for i in page["items"] if i["change"]["entity"] == entity]


async def test_an_order_at_todays_prices_reaches_the_till_feed(shop):
    coca, papas = shop.product_id("Coca-Cola 600"), shop.product_id("Coca-Cola 2 L")
    out = await shop.call("create_order", {
        "idempotency_key": "pedido-0001", "customer_name": "Beto", "phone": "5587654321",
        "items": [{"product_id": str(coca), "quantity": 2}, {"product_id": str(papas), "quantity": "1"}],
        "fulfilment": "domicilio", "address": "Calle 5 #10"}, write=True)
    assert out.order.number == 1
    assert out.order.total_centavos == 2 * 2200 + 4200
    assert out.changed == ["Pedido #1 registrado como «recibido»"]
    orders = await _pulled(shop, "order")
    statuses = await _pulled(shop, "order_status")
    assert [o["change"]["payload"]["id"] for o in orders] == [str(out.order.order_id)]
    assert orders[0]["origin_device_id"] is None
    assert orders[0]["change"]["device_seq"] == 0
    assert statuses[0]["change"]["payload"]["status"] == "recibido"
    again = await shop.result("create_order", {
        "idempotency_key": "pedido-0001", "customer_name": "Beto", "phone": "5587654321",
        "items": [{"product_id": str(coca), "quantity": 2}, {"product_id": str(papas), "quantity": "1"}],
        "fulfilment": "domicilio", "address": "Calle 5 #10"}, write=True)
    assert again.replayed
    assert again.output.order.order_id == out.order.order_id
    assert len(await _pulled(shop, "order")) == 1


async def test_the_same_key_for_another_change_is_refused(shop):
    coca = str(shop.product_id("Coca-Cola 600"))
    await shop.call("set_price", {"idempotency_key": "precio-coca-1", "product_id": coca,
                                  "price": "23.50"}, write=True)
    with pytest.raises(ToolRefused) as refused:
        await shop.call("set_price", {"idempotency_key": "precio-coca-1", "product_id": coca,
                                      "price": "99"}, write=True)
    assert refused.value.code == "idempotency_key_reused"


async def test_two_calls_racing_with_one_key_write_once(shop):
    args = {"idempotency_key": "cliente-nuevo-1", "name": "Rosa", "phone": "55 1122 3344",
            "credit_limit": "300"}
    a, b = await asyncio.gather(shop.result("register_customer", args, write=True),
                                shop.result("register_customer", args, write=True))
    assert a.output.customer_id == b.output.customer_id
    assert sorted([a.replayed, b.replayed]) == [False, True]
    customers = [c for c in await _pulled(shop, "customer")
                 if c["change"]["payload"]["name"] == "Rosa"]
    assert len(customers) == 1
    assert customers[0]["change"]["payload"]["phone"] == "+525511223344"
    with pytest.raises(Exception, match="Ya hay un cliente con ese teléfono"):
        await shop.call("register_customer", {**args, "idempotency_key": "cliente-nuevo-2"},
                        write=True)


async def test_a_price_change_says_what_changed_and_keeps_the_rest(shop):
    coca = shop.product_id("Coca-Cola 600")
    out = await shop.call("set_price", {"idempotency_key": "precio-coca-2", "product_id": str(coca),
                                        "price": "23.50"}, write=True)
    assert out.changed == ["Coca-Cola 600 ml: $22.00 → $23.50"]
    (pulled,) = [p for p in await _pulled(shop, "product") if p["change"]["payload"]["id"] == str(coca)
                 and p["change"]["payload"]["price"] == 2350]
    assert pulled["change"]["payload"]["cost"] == 1720  # the rest of the record unchanged
    found = await shop.call("price_and_stock", {"product_id": str(coca)})
    assert found.product.price_centavos == 2350


async def test_a_statement_is_queued_for_the_customers_phone(shop):
    m = await one_morning(shop)
    out = await shop.call("send_statement", {"idempotency_key": "edo-cuenta-1",
                                             "customer_id": str(m.lupita)},
                          role=CallerRole.STAFF, write=True)
    assert "Su saldo al 18/03/2026 es de $82.00." in out.text
    (request,) = await _pulled(shop, "message_request")
    assert request["change"]["payload"]["to"] == "+525512345678"
    assert out.changed == ["Estado de cuenta en cola para Lupita Hernández (55 1234 5678)"]


async def test_orders_move_forward_only_and_a_rejection_needs_a_reason(shop):
    coca = str(shop.product_id("Coca-Cola 600"))
    placed = await shop.call("create_order", {"idempotency_key": "pedido-0002", "customer_name": "Ana",
                                              "items": [{"product_id": coca, "quantity": 1}]},
                             write=True)
    number = placed.order.number
    moved = await shop.call("update_order_status", {"idempotency_key": "estado-1", "number": number,
                                                    "status": "listo"}, role=CallerRole.STAFF,
                            write=True)
    assert moved.changed == [f"Pedido #{number}: Recibido → Listo"]
    with pytest.raises(Exception, match="ya no puede pasar"):
        await shop.call("update_order_status", {"idempotency_key": "estado-2", "number": number,
                                                "status": "preparando"}, write=True)
    with pytest.raises(Exception, match="escribe el motivo"):
        await shop.call("update_order_status", {"idempotency_key": "estado-3", "number": number,
                                                "status": "rechazado"}, write=True)
    listed = await shop.call("orders_by_status", {"statuses": ["listo"]})
    assert [o.number for o in listed.orders] == [number]


async def test_a_customer_orders_only_for_themselves(shop):
    m = await one_morning(shop)
    coca = str(shop.product_id("Coca-Cola 600"))
    mine = await shop.call("create_order", {"idempotency_key": "pedido-lupita",
                                            "items": [{"product_id": coca, "quantity": 3}]},
                           role=CallerRole.CUSTOMER, customer_id=m.lupita, write=True)
    assert mine.order.customer == "Lupita Hernández"
    with pytest.raises(Exception, match="tu propia cuenta"):
        await shop.call("create_order", {"idempotency_key": "pedido-ajeno",
                                         "customer_id": str(shop.tenant_id),
                                         "items": [{"product_id": coca, "quantity": 1}]},
                        role=CallerRole.CUSTOMER, customer_id=m.lupita, write=True)
    for tool in ("update_order_status", "set_price", "send_statement", "register_customer"):
        with pytest.raises(ToolRefused) as refused:
            await shop.call(tool, {}, role=CallerRole.CUSTOMER, customer_id=m.lupita, write=True)
        assert refused.value.code == "tool_not_allowed"
    own = await shop.call("orders_by_status", {}, role=CallerRole.CUSTOMER, customer_id=m.lupita)
    assert [o.customer for o in own.orders] == ["Lupita Hernández"]


async def test_pieces_are_whole_and_weighed_goods_take_grams(shop):
    kilo = next(p for p in shop.catalog if p.sold_by_weight)
    out = await shop.call("create_order", {"idempotency_key": "pedido-granel",
                                           "customer_name": "Toño", "items": [
                                               {"product_id": str(starter_product_id(kilo.barcode)),
                                                "quantity": "0.750"}]}, write=True)
    assert out.order.lines[0].qty == "0.750"
    with pytest.raises(Exception, match="por pieza"):
        await shop.call("create_order", {"idempotency_key": "pedido-medio", "customer_name": "Toño",
                                         "items": [{"product_id": str(shop.product_id("Coca-Cola 600")),
                                                    "quantity": "0.5"}]}, write=True)

"""Customers' orders at the till: the services (forward-only moves, queued to sync; an order
as a ticket) and the panel (F1) with its badge, on a real store and real widgets."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import text

from pos_client.services import orders
from pos_client.services.till import Till
from pos_client.store.apply import apply_change
from pos_client.store.repositories import catalog
from pos_client.ui.orders_panel import OrdersBadge, OrdersDialog
from pos_client.ui.qt import QPushButton
from shared.clock import utc_now
from shared.errors import DomainError
from shared.ids import SERVER_WRITER, new_uuid7
from shared.sync.envelopes import make_change
from shared.sync.payloads import OrderLinePayload, OrderPayload, OrderStatusPayload


def _pulled_order(till: Till, number: int = 1) -> uuid.UUID:
    """Builder (bypasses the server): an order as a pull brings it, with its "recibido"."""
    with till.db.read() as conn:
        product = catalog.search(conn, "coca 600", 1)[0]
    order_id, now = new_uuid7(), utc_now()
    line = OrderLinePayload(line_no=1, product_id=product.id, name=product.name, qty_milli=2000,
                            unit_price=product.price, total=2 * product.price)
    payload = OrderPayload(id=order_id, number=number, customer_name="Lupita", phone="+525512345678",
                           fulfilment="recoger", lines=[line], total=line.total, source="whatsapp",
                           placed_at=now)
    with till.db.write() as conn:
        for entity, body in (("order_status", OrderStatusPayload(id=order_id, status="recibido",
                                                                 changed_at=now)),
                             ("order", payload)):
            apply_change(conn, make_change(entity, body, change_id=new_uuid7(), device_seq=0,
                                           hlc=till.device.clock.now(), created_at=now),
                         SERVER_WRITER)
    return order_id


def _queued(till: Till) -> list[dict]:
    with till.db.read() as conn:
        rows = conn.execute(text("SELECT body FROM outbox WHERE entity = 'order_status'")).all()
    return [json.loads(r.body)["payload"] for r in rows]


def test_moves_go_forward_only_and_are_queued_for_the_server(ctx) -> None:
    till = ctx.till
    order_id = _pulled_order(till)
    [view] = orders.open_orders(till)
    assert (view.status, view.order.number) == ("recibido", 1)
    assert orders.counts([view]) == 1
    assert orders.move(till, order_id, "aceptado").status == "aceptado"
    with pytest.raises(DomainError, match="ya no puede pasar"):
        orders.move(till, order_id, "recibido")
    with pytest.raises(DomainError, match="motivo"):
        orders.move(till, order_id, "rechazado")
    orders.move(till, order_id, "rechazado", "  Se acabó la coca  ")
    assert [(p["status"], p["note"]) for p in _queued(till)] == [
        ("aceptado", None), ("rechazado", "Se acabó la coca")]
    assert orders.open_orders(till) == []


def test_an_order_becomes_a_ticket_at_its_prices(ctx) -> None:
    order_id = _pulled_order(ctx.till)
    ticket = orders.ticket_for(ctx.till, order_id)
    [line] = ticket.lines
    assert (line.name, line.qty_milli) == ("Coca-Cola 600 ml", 2000)
    assert ticket.total == orders.open_orders(ctx.till)[0].order.total


def test_the_panel_accepts_rejects_and_charges(qtbot, ctx, monkeypatch) -> None:
    first, second = _pulled_order(ctx.till, 1), _pulled_order(ctx.till, 2)
    charged: list[tuple[object, uuid.UUID]] = []
    synced: list[bool] = []
    dialog = OrdersDialog(ctx, lambda t, oid: charged.append((t, oid)), lambda: synced.append(True))
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2)
    dialog.view.selectRow([v.order.id for v in dialog.model._rows].index(first))
    dialog.move_to("aceptado")
    qtbot.waitUntil(lambda: any(v.status == "aceptado" for v in orders.open_orders(ctx.till)))
    assert synced == [True]
    assert "Se le avisa al cliente" in dialog.message_label.text()
    monkeypatch.setattr("pos_client.ui.orders_panel.QInputDialog.getText",
                        lambda *a, **k: ("No tenemos coca", True))
    qtbot.waitUntil(lambda: dialog.selected() is not None)
    dialog.view.selectRow([v.order.id for v in dialog.model._rows].index(second))
    dialog.reject_order()
    qtbot.waitUntil(lambda: len(orders.open_orders(ctx.till)) == 1)
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1)
    dialog.view.selectRow(0)
    dialog.charge()
    qtbot.waitUntil(lambda: len(charged) == 1)
    assert charged[0][1] == first


def test_the_badge_rings_when_an_order_arrives(qtbot, ctx) -> None:
    button = QPushButton("Pedidos (F1)")
    qtbot.addWidget(button)
    button.show()
    badge = OrdersBadge(ctx, button)
    qtbot.waitUntil(lambda: button.text() == "Pedidos (F1)")
    _pulled_order(ctx.till)
    badge.check()
    qtbot.waitUntil(lambda: button.text() == "Pedidos (1) (F1)")
    assert badge.rang == 1

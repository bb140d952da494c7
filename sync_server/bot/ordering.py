"""Searching the catalog and building an order in the conversation: the cart lives in the
conversation's state, unclear products are asked about with choices, and the order is placed
with the shop's ``create_order`` tool once the person confirms with a button."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from shared.errors import DomainError
from shared.money import format_mxn
from shared.quantity import format_quantity
from sync_server.bot.conversation import Effect, Turn
from sync_server.bot.matcher import CatalogItem, Match, Resolved
from sync_server.bot.replies import Reply, paged_list
from sync_server.bot.shop_tools import ShopTools, caller_for
from sync_server.db import Connection
from sync_server.repositories import wa_contacts

CONFIRM_BUTTONS = (("order:pickup", "Paso a recoger"), ("order:delivery", "A domicilio"),
                   ("order:cancel", "Cancelar"))
MAX_CART = 30


def availability(item: CatalogItem) -> str:
    if item.stock_milli is None:
        return ""
    return "hay" if item.stock_milli > 0 else "agotado"


def _row(item: CatalogItem, qty_milli: int | None = None) -> tuple[str, str, str]:
    unit = "kg" if item.sold_by_weight else "pza"
    rid = f"pick:{item.product_id}:{qty_milli}" if qty_milli else f"pick:{item.product_id}:1000"
    return rid, item.name, f"{format_mxn(item.price)}/{unit} · {availability(item)}"


def search_reply(turn: Turn, matches: list[Match], page: int = 0) -> Reply:
    """Products that answer a search, with price and whether there is stock (the server's)."""
    if not matches:
        return Reply("No encontré ese producto en la tienda. Prueba con otro nombre, por "
                     "ejemplo «coca de 600» o «leche lala».")
    rows = [_row(m.item) for m in matches]
    turn.state["search"] = [str(m.item.product_id) for m in matches]
    if len(matches) == 1:
        item = matches[0].item
        unit = "el kilo" if item.sold_by_weight else "cada uno"
        there = "Sí hay." if availability(item) == "hay" else "Por ahora está agotado."
        return Reply(f"{item.name}: {format_mxn(item.price)} {unit}. {there} ¿Te lo aparto?",
                     buttons=((rows[0][0], "Agregar 1"), ("menu", "Otra cosa")))
    return paged_list("Esto encontré (precio y si hay). Toca uno para agregarlo a tu pedido:",
                      rows, page, "search-page", button="Ver productos")


def cart_of(turn: Turn) -> list[dict[str, Any]]:
    cart: list[dict[str, Any]] = turn.state.setdefault("cart", [])
    return cart


def add_to_cart(turn: Turn, item: CatalogItem, qty_milli: int) -> None:
    cart = cart_of(turn)
    for line in cart:
        if line["product_id"] == str(item.product_id):
            line["qty_milli"] += qty_milli
            return
    if len(cart) < MAX_CART:
        cart.append({"product_id": str(item.product_id), "name": item.name,
                     "qty_milli": qty_milli, "price": item.price, "weighed": item.sold_by_weight})


def cart_text(turn: Turn) -> str:
    cart = cart_of(turn)
    lines = [f"• {format_quantity(ln['qty_milli'], ln['weighed'])} {ln['name']} — "
             f"{format_mxn(ln['price'] * ln['qty_milli'] // 1000)}" for ln in cart]
    total = sum(ln["price"] * ln["qty_milli"] // 1000 for ln in cart)
    return "Tu pedido:\n" + "\n".join(lines) + f"\nTotal aproximado: {format_mxn(total)}"


def ask_next_or_confirm(turn: Turn) -> None:
    """Ask about the next unclear product, or show the cart with its confirm buttons."""
    pending: list[dict[str, Any]] = turn.state.get("pending", [])
    if pending:
        ask = pending[0]
        rows = [(f"pick:{pid}:{ask['qty_milli']}", name[:24], desc)
                for pid, name, desc in ask["choices"]]
        turn.replies.append(paged_list(f"¿Cuál «{ask['phrase']}»?", rows, 0, "noop",
                                       button="Elegir"))
        return
    if cart_of(turn):
        turn.replies.append(Reply(cart_text(turn) + "\n¿Lo confirmo?", buttons=CONFIRM_BUTTONS))


def take_order_lines(turn: Turn, lines: list[Resolved]) -> None:
    """Clear lines go in the cart; unclear ones wait for the person to choose."""
    pending = turn.state.setdefault("pending", [])
    for ln in lines:
        if ln.clear and ln.item is not None:
            add_to_cart(turn, ln.item, ln.qty_milli)
        else:
            pending.append({"phrase": ln.phrase, "qty_milli": ln.qty_milli,
                            "choices": [[str(m.item.product_id), *_row(m.item)[1:]]
                                        for m in ln.matches[:9]]})
    ask_next_or_confirm(turn)


def picked(turn: Turn, item: CatalogItem, qty_milli: int) -> None:
    """A row or button chosen: into the cart (and one question fewer)."""
    pending: list[dict[str, Any]] = turn.state.get("pending", [])
    if pending and any(c[0] == str(item.product_id) for c in pending[0]["choices"]):
        qty_milli = pending.pop(0)["qty_milli"]
    add_to_cart(turn, item, qty_milli)
    ask_next_or_confirm(turn)


async def confirm(turn: Turn, tools: ShopTools, fulfilment: str, address: str | None) -> None:
    """Place the order with the shop's tools (its key is the message's: a repeat places none)."""
    cart = cart_of(turn)
    if not cart:
        turn.say("Tu pedido está vacío. Dime qué necesitas, por ejemplo «2 cocas de 600».")
        return
    contact = turn.contact
    args: dict[str, Any] = {
        "idempotency_key": turn.key, "fulfilment": fulfilment, "address": address,
        "items": [{"product_id": ln["product_id"],
                   "quantity": str(Decimal(ln["qty_milli"]) / 1000)} for ln in cart]}
    if contact.customer_id is None:
        args["customer_name"] = (turn.inbound.person.name or contact.display)[:200]
        args["phone"] = contact.phone
    try:
        out = await tools.call(caller_for(turn.tenant_id, contact), "create_order", args)
    except DomainError as exc:
        turn.say(f"No pude levantar el pedido: {exc.message}")
        turn.outcome = f"order refused: {exc.code}"
        return
    order = getattr(out, "order", None)
    if order is not None:
        turn.state["orders"] = [*turn.state.get("orders", [])[-4:], str(order.order_id)]
        turn.effects.append(_remember(turn, order.order_id))
    turn.state.pop("cart", None)
    turn.state.pop("pending", None)
    turn.state.pop("awaiting", None)
    turn.say(f"{out.summary}\nTe aviso por aquí cuando la tienda lo acepte y cuando esté listo.")
    turn.outcome = "order placed"


def _remember(turn: Turn, order_id: uuid.UUID) -> Effect:
    """Whom to tell when the order moves: this WhatsApp contact (who may have no phone)."""
    async def effect(conn: Connection) -> None:
        await wa_contacts.link_order(conn, turn.tenant_id, order_id, turn.contact.contact_id)
    return effect

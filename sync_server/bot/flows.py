"""The shop's conversation flows: what the bot does for each intent, always through the shop's
tools, and only what the person proved they may see (their own balance, the owner's figures)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from shared.errors import DomainError
from sync_server.bot import ordering, selfinvoice
from sync_server.bot.assistant import Reply as AssistantReply
from sync_server.bot.assistant import RuleAnswer
from sync_server.bot.conversation import Turn
from sync_server.bot.matcher import Match, is_clear
from sync_server.bot.parser import OWNER_INTENTS, parse
from sync_server.bot.shop_tools import ShopTools, caller_for
from sync_server.bot.understand import understand
from sync_server.services.fiscal import CfdiContext

SHOP_CHOSEN = re.compile(r"\btienda\s*[:#]?\s*[a-z0-9]{4,16}\b", re.IGNORECASE)
INVOICE_LINE = "• Facturar tu ticket: «factura»\n"


def help_text(invoices: bool) -> str:
    """What the bot can do; the invoice line only where the shop can invoice (a shop without
    fiscal data would answer «factura» with a no)."""
    return ("Puedo ayudarte con:\n• Precios y si hay algo: «¿tienen coca de 600?»\n"
            "• Hacer un pedido: «quiero 2 cocas de 600 y unas sabritas»\n"
            "• Tu saldo: «¿cuánto debo?»\n" + (INVOICE_LINE if invoices else "")
            + "• Horario, dirección y entregas\n"
            "Para dejar de recibir avisos escribe BAJA.")


HELP = help_text(False)  # a shop that does not invoice by chat
VERIFY_FIRST = ("Para darte tu saldo por WhatsApp primero hay que confirmar que este WhatsApp es "
                "tuyo: pide en la caja de la tienda tu código de 6 números y envíalo aquí.")
OWNER_ONLY = ("Esa información es solo para el dueño de la tienda, desde su WhatsApp "
              "confirmado.")
# The owner's questions and the tool (and arguments) each one is answered with.
OWNER_TOOLS: Mapping[str, tuple[str, dict[str, Any]]] = {
    "ventas_hoy": ("sales_by_payment", {"period": "hoy"}),
    "bajo_inventario": ("low_stock", {"limit": 15}),
    "deudores": ("debtors_by_age", {"order": "amount", "limit": 10}),
    "ultimo_corte": ("last_corte", {}),
    "comparar_semana": ("sales_summary", {"period": "esta_semana"}),
    "resumen_facturas": ("invoices_summary", {"period": "este_mes"}),
}
SORRY = "No te entendí bien 🙏. "
NOT_UNDERSTOOD = SORRY + HELP
Profile = Callable[[uuid.UUID], Awaitable[Mapping[str, Any]]]


class HandOverPort(Protocol):
    """The LLM assistant as the rules see it (bot/handover.py): a reply for what they did not
    understand, or None when this person is not handed over."""

    @property
    def deadline_s(self) -> float: ...

    async def __call__(self, turn: Turn, fallback: RuleAnswer) -> AssistantReply | None: ...


class ShopBrain:
    """Answers with the shop's tools. ``profile`` gives what the owner told the bot to say
    (hours, deliveries) beside the shop's own settings; ``invoicing``, the shop's CFDI use
    cases for the self-invoicing flow (None: the bot says the shop does not invoice here)."""

    def __init__(self, tools: ShopTools, profile: Profile,
                 hand_over: HandOverPort | None = None,
                 invoicing: CfdiContext | None = None) -> None:
        self.tools, self.profile, self.hand_over = tools, profile, hand_over
        self.invoicing = invoicing

    async def answer(self, turn: Turn) -> None:
        if await selfinvoice.continues(turn, self.invoicing):
            return
        if turn.inbound.choice:
            await self._choice(turn, turn.inbound.choice)
            return
        if turn.state.get("awaiting") == "address" and turn.inbound.text.strip():
            await ordering.confirm(turn, self.tools, "domicilio", turn.inbound.text.strip()[:300])
            return
        parsed = parse(turn.inbound.text)
        # The catalog only for what needs it: a greeting or a balance answers without it.
        needs = parsed.intent in ("pedido", "buscar", "desconocido")
        catalog = await self.tools.catalog(turn.tenant_id) if needs else []
        understood = understand(turn.inbound.text, catalog, parsed)
        intent = understood.intent
        turn.outcome = f"intent {intent} ({understood.confidence:.2f})"
        if SHOP_CHOSEN.search(turn.inbound.text) or intent == "saludo":
            name = turn.inbound.person.name or turn.contact.display
            turn.say(f"¡Hola, {name}! Soy el asistente de {turn.shop_name}. "
                     f"{await self._help(turn)}")
        elif intent == "factura" or (intent == "resumen_facturas"
                                     and turn.contact.owner_id is None):
            # Only the owner asks about the shop's invoices; anyone else's words about
            # invoices are about their own.
            await selfinvoice.start(turn, self.invoicing)
        elif intent in OWNER_INTENTS:
            await self._owner(turn, intent)
        elif intent == "saldo":
            await self._balance(turn)
        elif intent == "pedido":
            ordering.take_order_lines(turn, understood.lines)
        elif intent == "buscar":
            turn.replies.append(ordering.search_reply(turn, _closest(understood.matches)))
        elif intent == "confirmar" and ordering.cart_of(turn):
            await ordering.confirm(turn, self.tools, "recoger", None)
        elif intent == "cancelar" and (ordering.cart_of(turn) or turn.state.get("pending")):
            for key in ("cart", "pending", "awaiting"):
                turn.state.pop(key, None)
            turn.say("Listo, cancelé el pedido que estábamos armando.")
        elif intent in ("horario", "direccion", "entregas"):
            await self._shop_info(turn, intent)
        elif intent == "estado_pedido":
            await self._order_status(turn)
        elif intent == "gracias":
            turn.say("¡A ti! Aquí estamos para lo que necesites.")
        elif intent == "desconocido" and not understood.matches and self.hand_over:
            await self._hand_over(turn, self.hand_over)
        else:
            await self._unsure(turn, understood.matches)

    async def _choice(self, turn: Turn, choice: str) -> None:
        kind, _, rest = choice.partition(":")
        turn.outcome = f"choice {kind}"
        if kind == "pick":
            pid, _, qty = rest.partition(":")
            item = next((i for i in await self.tools.catalog(turn.tenant_id)
                         if str(i.product_id) == pid), None)
            if item is None:
                turn.say("Ese producto ya no está disponible.")
                return
            ordering.picked(turn, item, int(qty) if qty.isdigit() else 1000)
        elif kind == "order" and rest == "pickup":
            await ordering.confirm(turn, self.tools, "recoger", None)
        elif kind == "order" and rest == "delivery":
            turn.state["awaiting"] = "address"
            turn.say("¿A qué dirección te lo llevamos? (calle, número y una referencia)")
        elif kind == "order" and rest == "cancel":
            for key in ("cart", "pending", "awaiting"):
                turn.state.pop(key, None)
            turn.say("Listo, cancelé el pedido.")
        elif kind == "search-page":
            catalog = {str(i.product_id): i for i in await self.tools.catalog(turn.tenant_id)}
            found = [Match(catalog[p], 1.0) for p in turn.state.get("search", []) if p in catalog]
            turn.replies.append(ordering.search_reply(turn, found, int(rest or 0)))
        else:
            turn.say(await self._help(turn))

    async def _help(self, turn: Turn) -> str:
        return help_text(await selfinvoice.offered(self.invoicing, turn.tenant_id))

    async def _owner(self, turn: Turn, intent: str) -> None:
        if turn.contact.owner_id is None:
            turn.say(OWNER_ONLY)
            turn.outcome = f"refused {intent}: not the owner"
            return
        name, args = OWNER_TOOLS[intent]
        await self._tool_answer(turn, name, args)

    async def _balance(self, turn: Turn) -> None:
        if turn.contact.customer_id is None:
            turn.say(VERIFY_FIRST)
            turn.outcome = "refused saldo: not verified"
            return
        await self._tool_answer(turn, "customer_statement", {})

    async def _tool_answer(self, turn: Turn, name: str, args: Mapping[str, Any]) -> None:
        try:
            out = await self.tools.call(caller_for(turn.tenant_id, turn.contact), name, args)
        except DomainError as exc:
            turn.say(exc.message)
            return
        turn.say(out.summary[:4000])

    async def _shop_info(self, turn: Turn, intent: str) -> None:
        info = await self.tools.call(caller_for(turn.tenant_id, turn.contact), "shop_info", {})
        profile = await self.profile(turn.tenant_id)
        if intent == "horario":
            hours = profile.get("hours")
            turn.say(f"Nuestro horario: {hours}" if hours else
                     f"{turn.shop_name} no ha publicado su horario por aquí; llama a la tienda.")
        elif intent == "direccion":
            address = getattr(info, "address", None)
            turn.say(f"Estamos en {address}." if address else
                     f"{turn.shop_name} no ha registrado su dirección todavía.")
        else:
            delivers, note = profile.get("delivers"), profile.get("delivery_note")
            if delivers:
                turn.say("Sí hacemos entregas a domicilio." + (f" {note}" if note else "")
                         + " Haz tu pedido aquí y elige «A domicilio».")
            else:
                turn.say("Por ahora no hacemos entregas; puedes pedir por aquí y pasar a recoger.")

    async def _order_status(self, turn: Turn) -> None:
        if turn.contact.customer_id is not None:
            await self._tool_answer(turn, "orders_by_status", {"limit": 3})
            return
        mine = turn.state.get("orders", [])
        if not mine:
            turn.say("No tengo pedidos tuyos por aquí. ¿Quieres hacer uno?")
            return
        turn.say("Te aviso por aquí en cuanto la tienda cambie el estado de tu pedido "
                 "(aceptado, listo, entregado).")

    async def _hand_over(self, turn: Turn, hand_over: HandOverPort) -> None:
        """Free text the rules cannot follow, nothing it names is sold here: the assistant's
        turn, with the rules' answer as its fallback (no LLM, no tokens, down, slow)."""
        async def rules() -> str:
            return SORRY + await self._help(turn)

        reply = await hand_over(turn, rules)
        if reply is None:
            turn.say(await rules())
            return
        turn.say(reply.text[:4000])
        turn.outcome += f"; {reply.source}" + (f" ({reply.reason})" if reply.reason else "")

    async def _unsure(self, turn: Turn, matches: list[Match]) -> None:
        """Not sure what they want: ask, with the likeliest choices."""
        if matches:
            turn.replies.append(ordering.search_reply(turn, matches[:9]))
            return
        turn.say(SORRY + await self._help(turn))


def _closest(matches: list[Match]) -> list[Match]:
    """The one product meant, when it is clear; else those near the best."""
    if is_clear(matches):
        return matches[:1]
    return [m for m in matches if m.score >= matches[0].score - 0.25] if matches else []

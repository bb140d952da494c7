"""One inbound WhatsApp message, handled once: who wrote (by BSUID or number), what they asked,
the answer queued; with BAJA/ALTA and one-time codes handled before anything else.

Two transactions around a think with none open: the first finds or adds the contact and sees
whether this message was answered already; the thinking may call the shop's tools (each in its
own transaction, writes idempotent by a key made of the message id); the second stores the
message, applies what the answer changes (opt-out, a verified customer, the conversation), queues
the replies and stamps the webhook event handled. A crash anywhere leaves the event unhandled,
and doing it again answers it once: the message's row is the proof it was answered.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from shared.clock import utc_now
from shared.ids import new_uuid7
from sync_server.bot.replies import Reply
from sync_server.db import Connection, Pool, tenant_tx
from sync_server.integrations.whatsapp_webhook import Inbound
from sync_server.repositories import outbound, tenants, wa_contacts, wa_inbox
from sync_server.repositories.wa_contacts import Contact

log = logging.getLogger(__name__)

_CODE = re.compile(r"^\s*(?:c[oó]digo|verificar|verificaci[oó]n)?\s*:?\s*(\d{6})\s*$", re.IGNORECASE)
_BAJA = re.compile(r"^\s*(baja|stop|alto)\s*[.!]*\s*$", re.IGNORECASE)
_ALTA = re.compile(r"^\s*alta\s*[.!]*\s*$", re.IGNORECASE)
CODE_FAILURES_ALLOWED = 5  # wrong codes per contact before codes are ignored for the day
UNSUPPORTED = ("Por ahora solo entiendo mensajes de texto y los botones que te mando. "
               "Escríbeme lo que necesitas 🙂")

BOT_OFF_EVERY = timedelta(hours=24)  # at most one "we don't answer here" notice per person
# The verified owner asking their own figures is told why, and where to turn the bot on — each
# time they ask (silence would look like a broken bot); customers get the shop's short notice.
OWNER_BOT_OFF = {
    "plan": ("Tu plan actual de {shop} no incluye el bot de WhatsApp, así que por ahora no "
             "contesto preguntas, ni las tuyas ni las de tus clientes (ellos reciben un aviso de "
             "que la tienda no atiende por aquí). Para encenderlo, elige un plan con bot en la "
             "caja: Trastienda → Cuenta en línea → Plan y uso."),
    "owner": ("El bot de WhatsApp de {shop} está apagado, así que no contesto preguntas, ni las "
              "tuyas ni las de tus clientes (ellos reciben un aviso de que la tienda no atiende "
              "por aquí). Para encenderlo: Trastienda → Cuenta en línea → Bot de WhatsApp."),
}
Effect = Callable[[Connection], Awaitable[None]]
# Why the shop's bot must not answer now ("plan", "owner"), or None when it may
# (billing.limits.bot_off, bound to the pool and the integrations store).
BotGate = Callable[[uuid.UUID], Awaitable[str | None]]


@dataclass
class Turn:
    """One message being answered: the shop, the person, what they wrote, the conversation."""

    tenant_id: uuid.UUID
    shop_name: str
    contact: Contact
    inbound: Inbound
    state: dict[str, Any]
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    outcome: str = "answered"

    def say(self, text: str, **kwargs: Any) -> None:
        self.replies.append(Reply(text, **kwargs))

    @property
    def key(self) -> str:
        """Idempotency key of what this message makes (a tool write, an order)."""
        return "wa:" + hashlib.sha256(self.inbound.wamid.encode()).hexdigest()[:40]


class Brain(Protocol):
    """What answers a message once BAJA, ALTA and codes are out of the way (the shop's flows)."""

    async def answer(self, turn: Turn) -> None: ...


def code_hash(tenant_id: uuid.UUID, code: str) -> bytes:
    return hashlib.sha256(tenant_id.bytes + code.encode()).digest()


class Conversation:
    """The inbox worker's message handler (see services/whatsapp_inbox.py)."""

    def __init__(self, brain: Brain, gate: BotGate | None = None) -> None:
        """``gate``: asked before the brain (None: the bot always answers, for tools that
        drive the brain alone)."""
        self.brain, self.gate = brain, gate

    async def __call__(self, pool: Pool, tenant_id: uuid.UUID, number: str, event_key: str,
                       inbound: Inbound) -> None:
        person = inbound.person
        async with tenant_tx(pool, tenant_id) as conn:
            contact = await wa_contacts.find(conn, tenant_id, person.phone, person.bsuid)
            if contact is None:
                await wa_contacts.insert(conn, tenant_id, new_uuid7(), person.phone, person.bsuid)
                contact = await wa_contacts.find(conn, tenant_id, person.phone, person.bsuid)
            assert contact is not None
            answered = await wa_contacts.has_message(conn, tenant_id, inbound.wamid)
            shop = await tenants.get_name(conn, tenant_id)
        if answered:
            async with tenant_tx(pool, tenant_id) as conn:
                await wa_inbox.mark_handled(conn, event_key, tenant_id, "duplicate")
            return
        turn = Turn(tenant_id, shop or "la tienda", contact, inbound, dict(contact.state))
        await self.respond(turn)
        async with tenant_tx(pool, tenant_id) as conn:
            current = await wa_contacts.get(conn, tenant_id, contact.contact_id, lock=True)
            assert current is not None
            stored = await wa_contacts.insert_message(
                conn, tenant_id, inbound.wamid, contact.contact_id, inbound.type,
                inbound.text or None, {"choice": inbound.choice, "type": inbound.type},
                inbound.sent_at)
            if not stored:  # another worker answered it meanwhile
                await wa_inbox.mark_handled(conn, event_key, tenant_id, "duplicate")
                return
            await wa_contacts.note_inbound(
                conn, tenant_id, contact.contact_id, phone=person.phone, bsuid=person.bsuid,
                username=person.username, name=person.name, number=number, at=inbound.sent_at)
            for effect in turn.effects:
                await effect(conn)
            await wa_contacts.save_state(conn, tenant_id, contact.contact_id, turn.state)
            for n, reply in enumerate(turn.replies):
                await outbound.insert_message(
                    conn, tenant_id, uuid.uuid5(uuid.NAMESPACE_URL, f"{inbound.wamid}#{n}"),
                    kind="reply", body=reply.as_text(), message=reply.shape(),
                    contact_id=contact.contact_id, to_phone=current.phone or person.phone,
                    to_bsuid=current.bsuid or person.bsuid, customer_id=current.customer_id)
            await wa_inbox.mark_handled(conn, event_key, tenant_id, turn.outcome)

    async def respond(self, turn: Turn) -> None:
        """Consent (BAJA, ALTA) and one-time codes are always handled: they are not the bot.
        Everything else is the bot's, and only when its gate is open."""
        inbound, text = turn.inbound, turn.inbound.text
        supported = inbound.type in ("text", "interactive", "button", "order")
        if supported and _BAJA.match(text):
            self._opt_out(turn)
            return
        if supported and _ALTA.match(text):
            self._opt_in(turn)
            return
        code = _CODE.match(text) if inbound.type == "text" else None
        off = await self.gate(turn.tenant_id) if self.gate is not None else None
        if code:
            self._verify(turn, code.group(1), off)
            return
        if off is not None:
            self._bot_off(turn, off)
            return
        if not supported:
            turn.say(UNSUPPORTED)
            turn.outcome = f"unsupported {inbound.type}"
            return
        await self.brain.answer(turn)

    def _bot_off(self, turn: Turn, reason: str) -> None:
        """No brain and no LLM: one short notice a day at most, remembered in the contact's
        state, so a person who keeps writing is not answered by a machine that is "off"."""
        turn.outcome = f"bot_off ({reason})"
        if turn.contact.owner_id is not None and reason in OWNER_BOT_OFF:
            turn.say(OWNER_BOT_OFF[reason].format(shop=turn.shop_name))
            return
        now = utc_now()
        last = turn.state.get("bot_off_notice_at")
        if last and now - datetime.fromisoformat(last) < BOT_OFF_EVERY:
            return
        turn.state["bot_off_notice_at"] = now.isoformat()
        turn.say(f"Gracias por escribir a {turn.shop_name}. Por ahora no atendemos por este "
                 "medio; visítanos o llámanos.")

    def _opt_out(self, turn: Turn) -> None:
        async def effect(conn: Connection) -> None:
            await wa_contacts.set_opted_out(conn, turn.tenant_id, turn.contact.contact_id,
                                            utc_now())
        turn.effects.append(effect)
        turn.say(f"Listo: {turn.shop_name} ya no te enviará avisos ni estados de cuenta por "
                 "WhatsApp. Si cambias de opinión, escribe ALTA.")
        turn.outcome = "opted out"

    def _opt_in(self, turn: Turn) -> None:
        async def effect(conn: Connection) -> None:
            await wa_contacts.set_opted_out(conn, turn.tenant_id, turn.contact.contact_id, None)
        turn.effects.append(effect)
        turn.say(f"¡Bienvenido de vuelta! {turn.shop_name} podrá enviarte avisos de tus pedidos y "
                 "tu estado de cuenta. Para dejar de recibirlos escribe BAJA.")
        turn.outcome = "opted in"

    def _verify(self, turn: Turn, code: str, off: str | None) -> None:
        failures = int(turn.state.get("code_failures", 0))
        if failures >= CODE_FAILURES_ALLOWED:
            turn.say("Demasiados códigos equivocados. Pide uno nuevo en la tienda mañana.")
            turn.outcome = "code refused: too many"
            return
        tenant_id, contact_id = turn.tenant_id, turn.contact.contact_id
        said: dict[str, str] = {}

        async def effect(conn: Connection) -> None:
            used = await wa_contacts.use_code(conn, tenant_id, code_hash(tenant_id, code),
                                              contact_id)
            if used is None:
                said["result"] = "bad"
                return
            await wa_contacts.link(conn, tenant_id, contact_id, customer_id=used.customer_id,
                                   owner_id=used.owner_id)
            said["result"] = used.purpose

        turn.effects.append(effect)
        # The answer depends on the code, which is spent in the final transaction: the reply is
        # written there (see _CodeReply), once the effect has run.
        turn.replies.append(_CodeReply(said, turn.shop_name, off))
        turn.state["code_failures"] = failures + 1  # reset below when it was right
        turn.effects.append(_reset_failures(turn, said))
        turn.outcome = "code"


def _reset_failures(turn: Turn, said: dict[str, str]) -> Effect:
    async def effect(_conn: Connection) -> None:
        if said.get("result") in ("customer", "owner"):
            turn.state.pop("code_failures", None)
    return effect


class _CodeReply(Reply):
    """A reply whose words are known only after the code was tried (in the same transaction)."""

    def __init__(self, said: dict[str, str], shop: str, off: str | None) -> None:
        super().__init__("")
        object.__setattr__(self, "_said", said)
        object.__setattr__(self, "_shop", shop)
        object.__setattr__(self, "_off", off)  # the bot's gate closed: no questions answered

    def as_text(self) -> str:
        result = self._said.get("result")  # type: ignore[attr-defined]
        shop = self._shop  # type: ignore[attr-defined]
        off = self._off  # type: ignore[attr-defined]
        if result == "customer":
            ask = "" if off else "Ya puedes preguntar «¿cuánto debo?» y "
            return (f"¡Listo! Tu WhatsApp quedó confirmado como cliente de {shop}. "
                    f"{ask or 'Podrás '}recibir tu estado de cuenta y avisos de pedidos.")
        if result == "owner":
            done = f"¡Listo! Este WhatsApp quedó como el del dueño de {shop}. "
            if off in OWNER_BOT_OFF:
                return done + OWNER_BOT_OFF[off].format(shop=shop)
            return done + ("Pregúntame «ventas de hoy», «qué se está acabando», «quién me debe» "
                           "o «último corte».")
        return "Ese código no es válido o ya venció. Pide uno nuevo en la tienda."

    def shape(self) -> dict[str, Any] | None:
        return None

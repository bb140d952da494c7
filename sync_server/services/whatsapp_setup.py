"""Setting a shop up on WhatsApp: its code on the platform's shared number (for links and QR
codes), and the one-time codes that prove who writes from a WhatsApp account (a customer at
the counter, or the owner), and whether a customer may be messaged yet."""

from __future__ import annotations

import re
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime

from shared.errors import DomainError, UnknownCustomer
from shared.ids import new_uuid7
from sync_server.bot.conversation import code_hash
from sync_server.db import Pool, tenant_tx
from sync_server.repositories import customers, tenants, wa_contacts, wa_inbox
from sync_server.services.integrations import Integrations
from sync_server.services.whatsapp import CONSENT_MESSAGES, Consent, consent_of

PROFILE_KIND = "whatsapp_bot"  # the bot's answers the owner sets: hours, deliveries

CODE_TTL_S = 15 * 60


class NotFound(DomainError):
    code = "not_found"


@dataclass(frozen=True)
class ShopLink:
    code: str  # what a customer writes after TIENDA
    text: str  # the message a wa.me link pre-fills
    link: str | None  # https://wa.me/<number>?text=… when the shared number is known


@dataclass(frozen=True)
class VerificationCode:
    code: str  # six digits, shown to the person, who sends it to the shop's WhatsApp
    expires_at: datetime
    instructions: str


def _code_from_name(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    words = [w for w in re.split(r"[^A-Z0-9]+", plain) if w and w not in (
        "ABARROTES", "TIENDA", "MISCELANEA", "LA", "EL", "LOS", "LAS", "DE", "DEL")]
    return ("".join(words) or "TIENDA")[:10].ljust(4, "X")


async def shop_link(pool: Pool, tenant_id: uuid.UUID, display_number: str | None) -> ShopLink:
    """The shop's code on the shared number, made once from its name (digits added when taken)."""
    async with tenant_tx(pool, tenant_id) as conn:
        code = await wa_inbox.shop_code(conn, tenant_id)
        if code is None:
            name = await tenants.get_name(conn, tenant_id)
            if name is None:
                raise NotFound("La tienda no existe.")
            base = _code_from_name(name)
            for attempt in range(50):
                candidate = base if attempt == 0 else f"{base[:10]}{secrets.randbelow(900) + 100}"
                if await wa_inbox.add_shop_code(conn, tenant_id, candidate):
                    code = candidate
                    break
            if code is None:
                raise RuntimeError("no free shop code")
    text = f"Hola, tienda {code}"
    link = None
    if display_number:
        link = f"https://wa.me/{re.sub(r'[^0-9]', '', display_number)}?text=Hola%2C%20tienda%20{code}"
    return ShopLink(code, text, link)


async def customer_code(pool: Pool, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> VerificationCode:
    """A code for the customer in front of the cashier: they send it from their WhatsApp, which
    then counts as theirs (their balance, statements, order updates), BSUID or number alike."""
    async with tenant_tx(pool, tenant_id) as conn:
        if not await customers.phones(conn, tenant_id, [customer_id]):
            raise UnknownCustomer("Ese cliente no es de esta tienda.")
        code = _six_digits()
        expires = await wa_contacts.add_code(conn, tenant_id, new_uuid7(), "customer", customer_id,
                                             None, code_hash(tenant_id, code), CODE_TTL_S)
    return VerificationCode(code, expires, f"Pide al cliente que envíe {code} al WhatsApp de la "
                                           "tienda desde su celular. Vale 15 minutos.")


async def customer_consent(pool: Pool, tenant_id: uuid.UUID,
                           customer_id: uuid.UUID) -> tuple[Consent, str]:
    """Whether the shop may message this customer on WhatsApp, and that in Spanish (the till
    shows it beside the customer): the contact verified as them, else writing from their
    phone on file, as the sender looks them up."""
    async with tenant_tx(pool, tenant_id) as conn:
        phones = await customers.phones(conn, tenant_id, [customer_id])
        if customer_id not in phones:
            raise UnknownCustomer("Ese cliente no es de esta tienda.")
        contact = await wa_contacts.for_customer(conn, tenant_id, customer_id,
                                                 phones[customer_id])
    state = consent_of(contact)
    return state, CONSENT_MESSAGES[state]


async def owner_code(pool: Pool, tenant_id: uuid.UUID, owner_id: uuid.UUID) -> VerificationCode:
    """A code the owner sends from their own phone: that WhatsApp then gets the shop's figures."""
    async with tenant_tx(pool, tenant_id) as conn:
        code = _six_digits()
        expires = await wa_contacts.add_code(conn, tenant_id, new_uuid7(), "owner", None, owner_id,
                                             code_hash(tenant_id, code), CODE_TTL_S)
    return VerificationCode(code, expires, f"Envía {code} al WhatsApp de tu tienda desde tu "
                                           "celular. Vale 15 minutos.")


def _six_digits() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


async def save_profile(integrations: Integrations, tenant_id: uuid.UUID, hours: str | None,
                       delivers: bool, delivery_note: str | None) -> dict[str, object]:
    """What the bot answers about hours and deliveries (the address is the shop's settings)."""
    settings: dict[str, object] = {"hours": hours, "delivers": delivers,
                                   "delivery_note": delivery_note}
    await integrations.save(tenant_id, PROFILE_KIND, settings, {})
    return settings

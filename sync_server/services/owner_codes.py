"""One-time codes sent to an owner's WhatsApp: proving the number (verification), and
resetting a forgotten password (only to a verified number).

A code is six digits, valid 10 minutes, good for one use and five guesses; only its hash is
kept, bound to the number it was sent to. Codes go out through the platform's WhatsApp
number (the Cloud API client of ``services/whatsapp.py``), directly: an owner waiting for a
code can ask again, so this is not the at-most-once queue of customer messages.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from shared.clock import utc_now
from shared.errors import DomainError
from shared.phone import InvalidPhone, normalize_phone
from sync_server import db
from sync_server.config import Settings
from sync_server.integrations.graph import (
    Failed,
    GraphAccount,
    GraphClient,
    Recipient,
    envelope,
    text_shape,
)
from sync_server.repositories import owner_account, owners
from sync_server.services.accounts import OwnerSession, hash_password, issue_token
from sync_server.services.integrations import platform_credentials
from sync_server.services.passwords import check_password
from sync_server.services.throttling import Limit, account_key, address_key, begin_attempt, forgive

log = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=10)
MAX_GUESSES = 5
RESEND_AFTER_S = 60.0
VERIFY, RESET = "verify_whatsapp", "password_reset"


class CodeSender(Protocol):
    async def send_code(self, to: str, text: str) -> bool: ...


class PlatformWhatsApp:
    """Sends codes from the platform's WhatsApp number (MCH_WHATSAPP_* settings), through the
    same Graph client as every other message."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        creds = platform_credentials(settings, "whatsapp")
        token = creds.secret("token") if creds else None
        number = settings.whatsapp_phone_number_id
        self._account = GraphAccount(number, token) if token and number else None

    async def send_code(self, to: str, text: str) -> bool:
        if self._account is None:
            raise CodesUnavailable("Este servidor no tiene WhatsApp configurado para enviar "
                                   "códigos. Escribe a soporte.")
        client = GraphClient(self._settings.whatsapp_api_url, self._settings.whatsapp_api_version)
        try:
            result = await client.send(self._account, envelope(Recipient(to, None),
                                                               text_shape(text)))
        finally:
            await client.aclose()
        if isinstance(result, Failed):
            log.warning("owner code not sent", extra={"error": result.error})
            return False
        return True


class CodeNotSent(DomainError):
    code = "code_not_sent"


class CodesUnavailable(DomainError):
    """The platform's WhatsApp number is not configured on this server (MCH_WHATSAPP_*)."""

    code = "codes_unavailable"


class WrongCode(DomainError):
    code = "invalid_code"


class NoVerifiedWhatsApp(DomainError):
    code = "no_verified_whatsapp"


class TooSoon(DomainError):
    code = "code_too_soon"


def _hash(phone: str, code: str) -> bytes:
    return hashlib.sha256(f"{phone}:{code.strip()}".encode()).digest()


def whatsapp_number(phone: str) -> str:
    number = normalize_phone(phone)
    if number is None:
        raise InvalidPhone("Escribe el número de WhatsApp.")
    return number


def _new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


async def _send(sender: CodeSender, to: str, text: str) -> None:
    if not await sender.send_code(to, text):
        raise CodeNotSent("No se pudo enviar el código por WhatsApp. Intenta de nuevo en unos "
                          "minutos.")


# ---- proving the owner's WhatsApp number -------------------------------------------------------


async def start_verification(
    pool: db.Pool, sender: CodeSender, tenant_id: uuid.UUID, owner_id: uuid.UUID, phone: str
) -> None:
    """Send a code to ``phone`` (a Mexican ten-digit number or +country…)."""
    to = whatsapp_number(phone)
    code = _new_code()
    async with db.tenant_tx(pool, tenant_id) as conn:
        if await owner_account.code_sent_since(conn, tenant_id, owner_id, VERIFY, RESEND_AFTER_S):
            raise TooSoon("Ya te enviamos un código hace menos de un minuto.")
        await owner_account.put_code(conn, tenant_id, owner_id, VERIFY, _hash(to, code),
                                     utc_now() + CODE_TTL)
    await _send(sender, to, f"Tu código de MiChangarrito para verificar este WhatsApp es {code}. "
                            "Vence en 10 minutos.")


async def finish_verification(
    pool: db.Pool, tenant_id: uuid.UUID, owner_id: uuid.UUID, phone: str, code: str
) -> str:
    """The number, now the owner's verified WhatsApp (and login phone)."""
    to = whatsapp_number(phone)
    async with db.tenant_tx(pool, tenant_id) as conn:
        ok = await owner_account.try_code(conn, tenant_id, owner_id, VERIFY, _hash(to, code),
                                          MAX_GUESSES)
        if ok:
            await owner_account.set_phone_verified(conn, tenant_id, owner_id, to)
    if not ok:
        raise WrongCode("El código no es correcto o ya venció.")
    return to


# ---- a forgotten password ---------------------------------------------------------------------

_NOT_POSSIBLE = ("No hay una cuenta con WhatsApp verificado para ese correo o teléfono, así que "
                 "no podemos enviarte un código. Escribe a soporte para recuperar tu cuenta.")


@dataclass(frozen=True)
class ResetStarted:
    sent_to: str  # masked: "••••5678"


async def start_reset(
    pool: db.Pool, settings: Settings, sender: CodeSender, login: str, client: str
) -> ResetStarted:
    """Send a reset code to the owner's verified WhatsApp. An unknown login and an owner with
    no verified WhatsApp get the same plain answer: no code can be sent. Every request counts
    against the address and the account (sending codes in bulk is refused like guessing)."""
    await begin_attempt(pool, "reset", _limits(settings, login, client),
                        settings.auth_failure_window_s)
    async with db.unscoped_tx(pool) as conn:
        row = await owners.find_login(conn, login.strip())
    if row is None:
        raise NoVerifiedWhatsApp(_NOT_POSSIBLE)
    tenant_id, owner_id = row["tenant_id"], row["owner_id"]
    code = _new_code()
    async with db.tenant_tx(pool, tenant_id) as conn:
        owner = await owner_account.get(conn, tenant_id, owner_id)
        if owner is None or not owner.phone or owner.whatsapp_verified_at is None:
            raise NoVerifiedWhatsApp(_NOT_POSSIBLE)
        if await owner_account.code_sent_since(conn, tenant_id, owner_id, RESET, RESEND_AFTER_S):
            raise TooSoon("Ya te enviamos un código hace menos de un minuto.")
        await owner_account.put_code(conn, tenant_id, owner_id, RESET, _hash(owner.phone, code),
                                     utc_now() + CODE_TTL)
    await _send(sender, owner.phone, f"Tu código para cambiar la contraseña de MiChangarrito es "
                                     f"{code}. Vence en 10 minutos. Si no lo pediste, ignóralo.")
    log.info("password reset code sent", extra={"tenant_id": str(tenant_id)})
    return ResetStarted("••••" + owner.phone[-4:])


async def finish_reset(
    pool: db.Pool, settings: Settings, login: str, code: str, new_password: str, client: str
) -> OwnerSession:
    """Set a new password with the code; the owner is logged in with it. The password is
    checked first (the sign-up's rule), so a weak one does not spend the code; the attempt is
    counted before the code is tried and taken back when it was right."""
    check_password(new_password)
    attempt = await begin_attempt(pool, "reset", _limits(settings, login, client),
                                  settings.auth_failure_window_s)
    async with db.unscoped_tx(pool) as conn:
        row = await owners.find_login(conn, login.strip())
    if row is None:
        raise WrongCode("El código no es correcto o ya venció.")
    tenant_id, owner_id = row["tenant_id"], row["owner_id"]
    new_hash = hash_password(new_password)  # argon2 with no transaction open
    ok = False
    async with db.tenant_tx(pool, tenant_id) as conn:
        owner = await owner_account.get(conn, tenant_id, owner_id)
        if owner and owner.phone and owner.whatsapp_verified_at:
            ok = await owner_account.try_code(conn, tenant_id, owner_id, RESET,
                                              _hash(owner.phone, code), MAX_GUESSES)
        if ok:  # every other session ends with the old password (services/accounts.py)
            await owners.update_hash(conn, tenant_id, owner_id, new_hash)
    if not ok:
        raise WrongCode("El código no es correcto o ya venció.")
    await forgive(pool, attempt)
    log.info("password reset", extra={"tenant_id": str(tenant_id)})
    return OwnerSession(tenant_id, owner_id,
                        issue_token(settings, tenant_id, owner_id, new_hash))


def _limits(settings: Settings, login: str, client: str) -> list[Limit]:
    return [Limit(address_key(client), settings.auth_failures_allowed),
            Limit(account_key(login), settings.account_failures_allowed)]

"""Owners: sign-up (which creates the shop), login with argon2-hashed passwords, session tokens."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shared.clock import utc_now
from shared.errors import DomainError
from shared.ids import new_uuid7
from sync_server.config import Settings
from sync_server.db import Pool, tenant_tx, unscoped_tx
from sync_server.repositories import owners
from sync_server.services.passwords import check_password
from sync_server.services.shops import add_shop
from sync_server.services.throttling import (
    Limit,
    account_key,
    address_key,
    begin_attempt,
    forgive,
    known_key,
)

log = logging.getLogger(__name__)

_hasher = PasswordHasher()
# Verified against when a login is unknown, so a miss costs what a hit costs (no user probing).
_DUMMY_HASH = _hasher.hash("not-a-real-password")
_ALGORITHM = "HS256"


class LoginTaken(DomainError):
    code = "login_taken"


class BadLogin(DomainError):
    code = "invalid_login"


class InvalidToken(DomainError):
    code = "invalid_token"


@dataclass(frozen=True)
class OwnerSession:
    tenant_id: uuid.UUID
    owner_id: uuid.UUID
    token: str


async def sign_up(
    pool: Pool, settings: Settings, *, shop_name: str, owner_name: str,
    email: str | None, phone: str | None, password: str, client: str,
) -> OwnerSession:
    """A new shop and its owner. Every sign-up counts against the client's address, taken or
    not: creating shops in bulk is refused past ``signups_allowed`` per window."""
    check_password(password)
    await begin_attempt(pool, "signup", [Limit(address_key(client), settings.signups_allowed)],
                        settings.signup_window_s)
    email = email.strip().lower() if email else None
    async with unscoped_tx(pool) as conn:
        if await owners.login_taken(conn, email, phone):
            raise LoginTaken("Ya hay una cuenta con ese correo o teléfono. Inicia sesión.")
    tenant_id, owner_id = new_uuid7(), new_uuid7()
    password_hash = _hasher.hash(password)
    try:
        async with tenant_tx(pool, tenant_id) as conn:  # the shop and its owner, or neither
            await add_shop(conn, tenant_id, shop_name)
            await owners.insert(conn, tenant_id, owner_id, owner_name, email, phone, password_hash)
    except asyncpg.UniqueViolationError:  # the same login signed up at the same moment
        raise LoginTaken("Ya hay una cuenta con ese correo o teléfono. Inicia sesión.") from None
    log.info("owner signed up", extra={"tenant_id": str(tenant_id)})
    return OwnerSession(tenant_id, owner_id, issue_token(settings, tenant_id, owner_id))


async def log_in(
    pool: Pool, settings: Settings, login: str, password: str, client: str
) -> OwnerSession:
    """The attempt is counted (per address and per account) before the password is checked,
    and taken back if it was right: parallel guesses cannot all slip past the throttle. An
    address this account logged in from in the last ``known_address_days`` is spared the
    per-account count, so strangers' failures cannot lock the owner out of it."""
    known = known_key(login, client)
    attempt = await begin_attempt(pool, "login", [
        Limit(address_key(client), settings.auth_failures_allowed),
        Limit(account_key(login), settings.account_failures_allowed),
    ], settings.auth_failure_window_s, unless_known=(known, settings.known_address_days * 86400))
    async with unscoped_tx(pool) as conn:
        row = await owners.find_login(conn, login.strip())
    # argon2 runs with no transaction open (it takes tens of milliseconds).
    if row is None or not _verify(row["password_hash"], password):
        raise BadLogin("Correo, teléfono o contraseña incorrectos.")
    await forgive(pool, attempt, remember=("login", known))
    if _hasher.check_needs_rehash(row["password_hash"]):
        async with tenant_tx(pool, row["tenant_id"]) as conn:
            await owners.update_hash(conn, row["tenant_id"], row["owner_id"], _hasher.hash(password))
    return OwnerSession(row["tenant_id"], row["owner_id"],
                        issue_token(settings, row["tenant_id"], row["owner_id"]))


def hash_password(password: str) -> str:
    """The stored form of a new password (argon2id), for a reset as for a sign-up."""
    return _hasher.hash(password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def issue_token(settings: Settings, tenant_id: uuid.UUID, owner_id: uuid.UUID) -> str:
    now = utc_now()
    claims = {"sub": str(owner_id), "tid": str(tenant_id), "iat": now,
              "exp": now + timedelta(hours=settings.owner_token_hours)}
    return jwt.encode(claims, settings.signing_secret(), algorithm=_ALGORITHM)


async def owner_tenant(pool: Pool, settings: Settings, token: str) -> uuid.UUID:
    """The shop of a valid session token whose owner still exists (a shop that is gone, or a
    token signed for one that never was, is an invalid session, not a server error)."""
    tenant_id, owner_id = read_token(settings, token)
    async with tenant_tx(pool, tenant_id) as conn:
        known = await owners.exists(conn, tenant_id, owner_id)
    if not known:
        raise InvalidToken("La sesión no es válida o ya venció. Inicia sesión de nuevo.")
    return tenant_id


def read_token(settings: Settings, token: str) -> tuple[uuid.UUID, uuid.UUID]:
    """(tenant_id, owner_id) of a valid, unexpired token."""
    try:
        claims = jwt.decode(token, settings.signing_secret(), algorithms=[_ALGORITHM],
                            options={"require": ["exp", "sub", "tid"]})
        return uuid.UUID(claims["tid"]), uuid.UUID(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        raise InvalidToken("La sesión no es válida o ya venció. Inicia sesión de nuevo.") from None

"""Owners: sign-up (which creates the shop), login with argon2-hashed passwords, session tokens."""

from __future__ import annotations

import hmac
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


class WrongPassword(DomainError):
    code = "wrong_password"


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
    return OwnerSession(tenant_id, owner_id,
                        issue_token(settings, tenant_id, owner_id, password_hash))


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
    tenant_id, owner_id, stored = row["tenant_id"], row["owner_id"], row["password_hash"]
    if _hasher.check_needs_rehash(stored):
        stored = _hasher.hash(password)
        async with tenant_tx(pool, tenant_id) as conn:
            await owners.update_hash(conn, tenant_id, owner_id, stored)
    return OwnerSession(tenant_id, owner_id, issue_token(settings, tenant_id, owner_id, stored))


async def change_password(
    pool: Pool, settings: Settings, tenant_id: uuid.UUID, owner_id: uuid.UUID, current: str,
    new: str, client: str,
) -> OwnerSession:
    """A logged-in owner sets a new password, knowing the current one (a stolen session alone
    cannot). Every other session ends with the old password; the one returned is the only one
    left. Guesses of the current password are counted like logins."""
    check_password(new)
    attempt = await begin_attempt(pool, "login", [
        Limit(address_key(client), settings.auth_failures_allowed),
        Limit(account_key(str(owner_id)), settings.account_failures_allowed),
    ], settings.auth_failure_window_s)
    async with tenant_tx(pool, tenant_id) as conn:
        stored = await owners.password_hash(conn, tenant_id, owner_id)
    if stored is None or not _verify(stored, current):  # argon2 with no transaction open
        raise WrongPassword("La contraseña actual no es correcta.")
    await forgive(pool, attempt)
    new_hash = _hasher.hash(new)
    async with tenant_tx(pool, tenant_id) as conn:
        await owners.update_hash(conn, tenant_id, owner_id, new_hash)
    log.info("password changed", extra={"tenant_id": str(tenant_id)})
    return OwnerSession(tenant_id, owner_id, issue_token(settings, tenant_id, owner_id, new_hash))


def hash_password(password: str) -> str:
    """The stored form of a new password (argon2id), for a reset as for a sign-up."""
    return _hasher.hash(password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def issue_token(settings: Settings, tenant_id: uuid.UUID, owner_id: uuid.UUID,
                password_hash: str) -> str:
    """A session of the owner, valid until it expires or their password changes: it carries
    ``cv``, a keyed digest of the stored password (its hash), checked on every request."""
    now = utc_now()
    claims = {"sub": str(owner_id), "tid": str(tenant_id),
              "cv": _credentials_stamp(settings, password_hash),
              "iat": now, "exp": now + timedelta(hours=settings.owner_token_hours)}
    return jwt.encode(claims, settings.signing_secret(), algorithm=_ALGORITHM)


async def owner_tenant(pool: Pool, settings: Settings, token: str) -> uuid.UUID:
    """The shop of a live session token (see :func:`owner_session`)."""
    return (await owner_session(pool, settings, token))[0]


async def owner_session(pool: Pool, settings: Settings, token: str) -> tuple[uuid.UUID, uuid.UUID]:
    """(tenant_id, owner_id) of a valid, unexpired token whose owner still exists and whose
    password has not changed since it was issued (a reset ends every other session). A shop
    that is gone, or a token signed for one that never was, is an invalid session."""
    tenant_id, owner_id, stamp = _claims(settings, token)
    async with tenant_tx(pool, tenant_id) as conn:
        stored = await owners.password_hash(conn, tenant_id, owner_id)
    if stored is None or not hmac.compare_digest(_credentials_stamp(settings, stored), stamp):
        raise InvalidToken("La sesión no es válida o ya venció. Inicia sesión de nuevo.")
    return tenant_id, owner_id


def _credentials_stamp(settings: Settings, password_hash: str) -> str:
    """What ties a session to the password it was opened with. Keyed, so a token shows
    nothing of the hash; a new password (a reset) or a rehash of the same one changes it."""
    digest = hmac.new(settings.signing_secret().encode(), password_hash.encode(), "sha256")
    return digest.hexdigest()[:32]


def read_token(settings: Settings, token: str) -> tuple[uuid.UUID, uuid.UUID]:
    """(tenant_id, owner_id) of a valid, unexpired token, by its signature alone (a request
    needs :func:`owner_session`, which also asks the database)."""
    tenant_id, owner_id, _ = _claims(settings, token)
    return tenant_id, owner_id


def _claims(settings: Settings, token: str) -> tuple[uuid.UUID, uuid.UUID, str]:
    try:
        # A token without ``cv`` (issued before sessions were tied to the password) is refused:
        # its owner logs in once more.
        claims = jwt.decode(token, settings.signing_secret(), algorithms=[_ALGORITHM],
                            options={"require": ["exp", "sub", "tid", "cv"]})
        if not isinstance(claims["cv"], str):
            raise ValueError("cv")
        return uuid.UUID(claims["tid"]), uuid.UUID(claims["sub"]), claims["cv"]
    except (jwt.PyJWTError, ValueError, TypeError):
        raise InvalidToken("La sesión no es válida o ya venció. Inicia sesión de nuevo.") from None

"""Shops and devices: create a shop (optionally with the starter catalog), pair and revoke devices."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.catalog import StarterProduct, starter_changes
from shared.clock import utc_now
from shared.errors import DomainError
from shared.ids import new_uuid7
from shared.sync.envelopes import Change
from shared.sync.protocol import MAX_PUSH_CHANGES, PairResponse
from sync_server.billing import limits, plan_state
from sync_server.config import Settings
from sync_server.db import Connection, Pool, tenant_tx, unscoped_tx
from sync_server.repositories import devices, tenants
from sync_server.repositories.devices import DeviceRow
from sync_server.services.credentials import hash_secret, new_credential
from sync_server.services.throttling import Limit, address_key, begin_attempt, forgive
from sync_server.sync.apply import append_server_changes
from sync_server.sync.clock import server_clock

log = logging.getLogger(__name__)

PAIRING_TTL = timedelta(minutes=10)
# No 0/O, 1/I/L: codes are read aloud and typed on a tablet.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_CODE_LENGTH = 8


class PairingCodeInvalid(DomainError):
    code = "pairing_code_invalid"


class DeviceNotFound(DomainError):
    code = "not_found"


@dataclass(frozen=True)
class Shop:
    tenant_id: uuid.UUID
    name: str


async def create_shop(
    pool: Pool, name: str, catalog: Sequence[StarterProduct] = (),
    timezone: str = "America/Mexico_City", extra: Sequence[Change] = (),
) -> Shop:
    """Create a shop; its catalog, opening stock and ``extra`` changes enter the feed as
    server-made changes, so every device that pairs receives them through sync."""
    tenant_id = new_uuid7()
    async with tenant_tx(pool, tenant_id) as conn:
        return await add_shop(conn, tenant_id, name, catalog, timezone, extra)


async def add_shop(
    conn: Connection, tenant_id: uuid.UUID, name: str,
    catalog: Sequence[StarterProduct] = (), timezone: str = "America/Mexico_City",
    extra: Sequence[Change] = (),
) -> Shop:
    """:func:`create_shop` inside the caller's transaction (scoped to ``tenant_id``)."""
    await tenants.insert(conn, tenant_id, name, timezone)
    changes = [*starter_changes(catalog, server_clock, utc_now()), *extra]
    for start in range(0, len(changes), MAX_PUSH_CHANGES):
        await append_server_changes(conn, tenant_id, changes[start:start + MAX_PUSH_CHANGES])
    await plan_state.publish(conn, tenant_id, grace_days=0)  # tills learn their (free) plan
    log.info("shop created", extra={"tenant_id": str(tenant_id), "products": len(catalog)})
    return Shop(tenant_id, name)


def _hash_code(code: str) -> bytes:
    return hashlib.sha256(code.strip().upper().replace("-", "").encode()).digest()


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: datetime

    def __str__(self) -> str:
        return self.code


async def create_pairing_code(pool: Pool, tenant_id: uuid.UUID) -> IssuedCode:
    """A single-use code, valid for 10 minutes, that pairs one new device with the shop."""
    async with tenant_tx(pool, tenant_id) as conn:
        return await new_pairing_code(conn, tenant_id)


async def new_pairing_code(conn: Connection, tenant_id: uuid.UUID) -> IssuedCode:
    """:func:`create_pairing_code` inside the caller's transaction (scoped to ``tenant_id``)."""
    await limits.check_can_pair(conn, tenant_id)  # say so now, not when the till tries
    code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
    expires_at = utc_now() + PAIRING_TTL
    await devices.insert_pairing_code(conn, tenant_id, _hash_code(code), expires_at)
    return IssuedCode(code, expires_at)


async def pair_device(
    pool: Pool, settings: Settings, code: str, device_name: str, client: str,
    continues_after: int = 0,
) -> PairResponse:
    """Trade a pairing code for a device credential. Wrong guesses are rate-limited per client.

    A store paired before (its device revoked) says where its change numbers got to: the new
    device's series starts there, so the changes it queued meanwhile arrive without a gap
    (it only moves this device's own gap check; its changes are checked like any other)."""
    code_hash = _hash_code(code)
    attempt = await begin_attempt(pool, "pairing", [
        Limit(address_key(client), settings.auth_failures_allowed)], settings.auth_failure_window_s)
    async with unscoped_tx(pool) as conn:
        tenant_id = await devices.tenant_for_pairing_code(conn, code_hash)
    if tenant_id is None:
        raise PairingCodeInvalid("El código de vinculación no es válido o ya venció.")
    await forgive(pool, attempt)
    device_id = new_uuid7()
    credential = new_credential(tenant_id, device_id)
    async with tenant_tx(pool, tenant_id) as conn:
        if not await devices.use_pairing_code(conn, tenant_id, code_hash, device_id):
            raise PairingCodeInvalid("El código de vinculación ya se usó o venció.")
        # Device codes are never reused: the n-th device ever paired is "C<n>". The tenant
        # row lock keeps two devices pairing at once from counting the same n.
        await tenants.lock_feed_head(conn, tenant_id)
        await limits.check_can_pair(conn, tenant_id)
        device_code = f"C{await devices.count(conn, tenant_id) + 1}"
        await devices.insert(conn, tenant_id, device_id, device_name, device_code,
                             hash_secret(credential.secret), continues_after)
        shop_name = await tenants.get_name(conn, tenant_id) or ""
    log.info("device paired", extra={"tenant_id": str(tenant_id), "device_id": str(device_id)})
    return PairResponse(tenant_id=tenant_id, device_id=device_id, device_code=device_code,
                        credential=credential.token, shop_name=shop_name)


async def list_devices(pool: Pool, tenant_id: uuid.UUID) -> list[DeviceRow]:
    """Every device the shop ever paired, revoked ones included, oldest first."""
    async with tenant_tx(pool, tenant_id) as conn:
        return await devices.list_all(conn, tenant_id)


async def revoke_device(pool: Pool, tenant_id: uuid.UUID, device_id: uuid.UUID) -> DeviceRow:
    """Revoke one of the shop's devices (again is harmless): its next push or pull is refused,
    even one already being applied. Another shop's device looks exactly like a missing one."""
    async with tenant_tx(pool, tenant_id) as conn:
        await devices.revoke(conn, tenant_id, device_id)
        row = await devices.get(conn, tenant_id, device_id)
    if row is None:
        raise DeviceNotFound("No existe ese dispositivo en tu tienda.")
    log.info("device revoked", extra={"tenant_id": str(tenant_id), "device_id": str(device_id)})
    return row

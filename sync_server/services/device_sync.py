"""What a paired till does with the server: prove who it is, push, pull, ask for its state and
for a pairing code. Each use case opens its own tenant transaction."""

from __future__ import annotations

from collections.abc import Sequence

from shared.errors import DomainError
from shared.sync.envelopes import Change
from shared.sync.protocol import DeviceState
from sync_server.db import Connection, Pool, tenant_tx
from sync_server.repositories import devices, sales, tenants
from sync_server.repositories.devices import DeviceRow
from sync_server.services.credentials import DeviceCredential
from sync_server.services.shops import IssuedCode, new_pairing_code
from sync_server.sync.apply import Applied, DeviceRevoked, apply_changes
from sync_server.sync.pull import V3Page, pull_page_json, pull_page_v3, rewind_json


class InvalidCredential(DomainError):
    code = "invalid_credential"


async def authenticate(conn: Connection, cred: DeviceCredential) -> DeviceRow:
    """The device behind ``cred``, inside the caller's tenant transaction; refused when the
    secret does not match or the device was revoked."""
    device = await devices.get(conn, cred.tenant_id, cred.device_id)
    if device is None or not cred.matches(device.token_hash):
        raise InvalidCredential("La credencial del dispositivo no es válida.")
    if device.revoked:
        raise DeviceRevoked("Este dispositivo fue dado de baja. Vuelve a vincularlo con la tienda.")
    return device


async def check_device(pool: Pool, cred: DeviceCredential) -> None:
    """Refuse a bad or revoked credential before anything else is read (a push's body)."""
    async with tenant_tx(pool, cred.tenant_id) as conn:
        await authenticate(conn, cred)


async def push(pool: Pool, cred: DeviceCredential, changes: Sequence[Change]) -> Applied:
    """Apply a device's batch in one transaction. A device revoked while its body was read is
    refused by the applier, which locks the device row."""
    async with tenant_tx(pool, cred.tenant_id) as conn:
        applied = await apply_changes(conn, cred.tenant_id, cred.device_id, changes)
        await devices.touch_sync(conn, cred.tenant_id, cred.device_id)
        return applied


async def pull(
    pool: Pool, cred: DeviceCredential, cursor: int, limit: int, include_own: bool
) -> bytes:
    """A page of the shop's feed after ``cursor``, as JSON bytes (see sync/pull.py). A till
    pulls right after pushing its whole outbox, so the pull is also noted: the factura global
    of a period waits until every till has pulled since it closed."""
    async with tenant_tx(pool, cred.tenant_id) as conn:
        await authenticate(conn, cred)
        await devices.mark_pulled(conn, cred.tenant_id, cred.device_id)
        skipped = await devices.skipped_from(conn, cred.tenant_id, cred.device_id)
        if skipped is not None:
            # Pulling on version 4 for the first time after a version-3 pull left something
            # out: send it back to just before that, and forget it once it asks from there.
            if cursor >= skipped:
                return rewind_json(skipped - 1, await tenants.feed_head(conn, cred.tenant_id))
            await devices.note_skipped(conn, cred.tenant_id, cred.device_id, None)
        return await pull_page_json(conn, cred.tenant_id, cred.device_id, cursor, limit,
                                    include_own)


async def pull_v3(
    pool: Pool, cred: DeviceCredential, cursor: int, limit: int, include_own: bool
) -> V3Page:
    """A page for a version-3 till: what it cannot read is left out, counted, and remembered
    for the device's first version-4 pull (sync/compat.py)."""
    async with tenant_tx(pool, cred.tenant_id) as conn:
        await authenticate(conn, cred)
        await devices.mark_pulled(conn, cred.tenant_id, cred.device_id)
        page = await pull_page_v3(conn, cred.tenant_id, cred.device_id, cursor, limit,
                                  include_own)
        if page.first_skipped is not None:
            await devices.note_skipped(conn, cred.tenant_id, cred.device_id, page.first_skipped)
        return page


async def device_state(pool: Pool, cred: DeviceCredential) -> DeviceState:
    """What the server knows of this device: a store restored from a backup continues here."""
    async with tenant_tx(pool, cred.tenant_id) as conn:
        device = await authenticate(conn, cred)
        last_folio = await sales.last_folio(conn, cred.tenant_id, device.device_id, device.code)
    return DeviceState(device_id=device.device_id, device_code=device.code,
                       last_device_seq=device.last_device_seq, last_folio=last_folio)


async def pairing_code(pool: Pool, cred: DeviceCredential) -> IssuedCode:
    """A paired till asks for a code to pair another one (owners have the same endpoint)."""
    async with tenant_tx(pool, cred.tenant_id) as conn:
        await authenticate(conn, cred)
        return await new_pairing_code(conn, cred.tenant_id)

"""Owners: a login is found across shops only through the definer function."""

from __future__ import annotations

import pytest

from shared.ids import new_uuid7
from sync_server import db
from sync_server.repositories import owners

pytestmark = pytest.mark.anyio


async def test_a_login_is_found_by_email_or_phone_from_no_tenant(pool, conn, tenant_id):
    owner = new_uuid7()
    await owners.insert(conn, tenant_id, owner, "María", "mary@example.mx", "+525511112222", "h1")
    await owners.update_hash(conn, tenant_id, owner, "h2")
    found = await owners.find_login(conn, "MARY@example.mx")
    assert found is not None
    assert tuple(found) == (tenant_id, owner, "h2")
    assert await owners.login_taken(conn, None, "+525511112222") is True
    assert await owners.login_taken(conn, "otra@example.mx", None) is False
    async with db.unscoped_tx(pool) as other:  # not committed: another transaction sees nothing
        assert await owners.find_login(other, "mary@example.mx") is None

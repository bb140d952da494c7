"""Owners: sign-up creates the shop and its owner together; login checks the password; tokens."""

from __future__ import annotations

import pytest

from sync_server.db import tenant_tx
from sync_server.repositories import tenants
from sync_server.services import accounts
from sync_server.services.throttling import TooManyAttempts

pytestmark = pytest.mark.anyio

PASSWORD = "tamales-de-rajas-2026"


async def _sign_up(pool, settings, email="dona.mary@example.mx", phone=None):
    return await accounts.sign_up(pool, settings, shop_name="Abarrotes Doña Mary",
                                  owner_name="María", email=email, phone=phone, password=PASSWORD,
                                  client="10.0.0.1")


async def test_sign_up_makes_the_shop_and_a_token_for_it(pool, settings):
    session = await _sign_up(pool, settings, email="Dona.Mary@Example.mx")
    assert accounts.read_token(settings, session.token) == (session.tenant_id, session.owner_id)
    async with tenant_tx(pool, session.tenant_id) as conn:
        assert await tenants.get_name(conn, session.tenant_id) == "Abarrotes Doña Mary"
    again = await accounts.log_in(pool, settings, "dona.mary@example.mx", PASSWORD, "10.0.0.1")
    assert again.tenant_id == session.tenant_id


async def test_a_login_is_one_owner_across_shops(pool, settings):
    await _sign_up(pool, settings, phone="+525512340000")
    for email, phone in (("dona.mary@example.mx", None), ("otra@example.mx", "+525512340000")):
        with pytest.raises(accounts.LoginTaken):
            await _sign_up(pool, settings, email=email, phone=phone)


async def test_wrong_passwords_and_unknown_logins_look_alike_then_are_throttled(pool, settings):
    settings.auth_failures_allowed = 3
    await _sign_up(pool, settings)
    for login in ("dona.mary@example.mx", "nadie@example.mx", "dona.mary@example.mx"):
        with pytest.raises(accounts.BadLogin):
            await accounts.log_in(pool, settings, login, "no-es-la-clave", "10.0.0.1")
    with pytest.raises(TooManyAttempts):
        await accounts.log_in(pool, settings, "dona.mary@example.mx", PASSWORD, "10.0.0.1")


async def test_a_token_signed_with_another_secret_or_garbled_is_refused(pool, settings):
    session = await _sign_up(pool, settings)
    other = settings.model_copy(update={"jwt_secret": "another-secret-" + "y" * 32})
    for token in (session.token[:-2], "not.a.jwt", accounts.issue_token(
            other, session.tenant_id, session.owner_id, "any-hash")):
        with pytest.raises(accounts.InvalidToken):
            accounts.read_token(settings, token)

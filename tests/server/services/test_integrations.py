"""A shop's own credentials: sealed at rest, masked when read back, never logged, resolved with
the platform's as fallback through a short cache, and readable after a key rotation."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from sync_server.config import Settings
from sync_server.integrations.vault import SecretUnreadable, Vault, mask
from sync_server.services import shops
from sync_server.services.integrations import Credentials, Integrations, platform_credentials

pytestmark = pytest.mark.anyio

TOKEN = "EAAGm0PX4ZCpsBAKZCZCabcdefSECRET1234"


def test_mask_shows_only_the_last_four() -> None:
    assert mask(TOKEN) == "••••1234"
    assert mask("short") == "••••"  # too short to show any of it


async def test_a_secret_is_sealed_at_rest_and_masked_when_read(pool, admin, caplog):
    caplog.set_level(logging.DEBUG)
    shop = await shops.create_shop(pool, "Tienda")
    integrations = Integrations(pool, Vault([Vault.new_key()]))
    shown = await integrations.save(shop.tenant_id, "llm", {"provider": "openai", "model": "gpt"},
                                    {"api_key": TOKEN})
    assert shown.secrets == {"api_key": "••••1234"}
    raw = await admin.fetchrow("SELECT settings, secret, secret_hint FROM tenant_integrations "
                               "WHERE tenant_id = $1", shop.tenant_id)
    assert TOKEN.encode() not in raw["secret"]
    assert TOKEN not in raw["secret_hint"]
    assert TOKEN not in raw["settings"]
    masked = await integrations.masked(shop.tenant_id, "llm")
    assert masked is not None
    assert masked.secrets == {"api_key": "••••1234"}
    resolved = await integrations.resolve(shop.tenant_id, "llm")
    assert resolved is not None
    assert resolved.secret("api_key") == TOKEN
    assert TOKEN not in repr(resolved)
    assert TOKEN not in caplog.text


async def test_editing_settings_keeps_the_secret_and_an_empty_one_removes_it(pool):
    shop = await shops.create_shop(pool, "Tienda")
    integrations = Integrations(pool, Vault([Vault.new_key()]))
    await integrations.save(shop.tenant_id, "llm", {"model": "a"}, {"api_key": TOKEN})
    await integrations.save(shop.tenant_id, "llm", {"model": "b"}, {"api_key": None})
    kept = await integrations.resolve(shop.tenant_id, "llm")
    assert kept is not None
    assert kept.settings == {"model": "b"}
    assert kept.secret("api_key") == TOKEN
    await integrations.save(shop.tenant_id, "llm", {"model": "b"}, {"api_key": ""})
    gone = await integrations.resolve(shop.tenant_id, "llm")
    assert gone is not None
    assert gone.secret("api_key") is None


async def test_the_platform_answers_for_a_shop_without_its_own(pool, settings: Settings):
    settings.whatsapp_token = SecretStr(TOKEN)
    settings.whatsapp_phone_number_id = "106540352242922"
    shop = await shops.create_shop(pool, "Tienda")
    integrations = Integrations(pool, Vault([Vault.new_key()]),
                                lambda kind: platform_credentials(settings, kind))
    platform = await integrations.resolve(shop.tenant_id, "whatsapp")
    assert platform is not None
    assert platform.source == "platform"
    assert platform.settings["phone_number_id"] == "106540352242922"
    await integrations.save(shop.tenant_id, "whatsapp", {"phone_number_id": "999"},
                            {"token": "EAAownshopTOKEN99998888"})
    own = await integrations.resolve(shop.tenant_id, "whatsapp")
    assert own is not None
    assert (own.source, own.settings["phone_number_id"]) == ("shop", "999")
    assert await integrations.resolve(shop.tenant_id, "stripe") is None


async def test_other_replicas_see_a_change_once_their_cache_expires(pool):
    shop = await shops.create_shop(pool, "Tienda")
    vault, now = Vault([Vault.new_key()]), [0.0]
    replica_a = Integrations(pool, vault, clock=lambda: now[0])
    replica_b = Integrations(pool, vault, clock=lambda: now[0])
    await replica_a.save(shop.tenant_id, "llm", {"model": "old"}, {})
    seen = await replica_b.resolve(shop.tenant_id, "llm")
    await replica_a.save(shop.tenant_id, "llm", {"model": "new"}, {})
    still: Credentials | None = await replica_b.resolve(shop.tenant_id, "llm")
    assert seen is not None
    assert still is not None
    assert still.settings["model"] == "old"
    now[0] += 301
    fresh = await replica_b.resolve(shop.tenant_id, "llm")
    assert fresh is not None
    assert fresh.settings["model"] == "new"


async def test_a_rotated_key_still_opens_what_the_old_one_sealed(pool):
    shop = await shops.create_shop(pool, "Tienda")
    old, new = Vault.new_key(), Vault.new_key()
    await Integrations(pool, Vault([old])).save(shop.tenant_id, "llm", {}, {"api_key": TOKEN})
    rotated = await Integrations(pool, Vault([new, old])).resolve(shop.tenant_id, "llm")
    assert rotated is not None
    assert rotated.secret("api_key") == TOKEN
    with pytest.raises(SecretUnreadable):
        await Integrations(pool, Vault([new])).resolve(shop.tenant_id, "llm")


async def test_one_shop_never_reads_another_shops_credentials(pool):
    mine, theirs = await shops.create_shop(pool, "Mía"), await shops.create_shop(pool, "Otra")
    integrations = Integrations(pool, Vault([Vault.new_key()]))
    await integrations.save(theirs.tenant_id, "llm", {"model": "x"}, {"api_key": TOKEN})
    assert await integrations.resolve(mine.tenant_id, "llm") is None
    assert await integrations.all_masked(mine.tenant_id) == []


def test_settings_keep_one_key_per_data_dir_when_none_is_given(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url="postgresql://unused")
    first = settings.secret_keys()
    assert first == Settings(data_dir=tmp_path, database_url="postgresql://unused").secret_keys()
    assert Vault(first).open(Vault(first).seal({"a": "b"})) == {"a": "b"}
    rotated = Settings(data_dir=tmp_path, secrets_key=SecretStr(f"{Vault.new_key()}, {first[0]}"))
    assert len(rotated.secret_keys()) == 2

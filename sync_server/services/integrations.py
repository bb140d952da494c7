"""A shop's own credentials for outside services, with the platform's as fallback.

Saved sealed by the vault, shown to owners masked, and resolved for use through a short
per-process cache (5 minutes: a key changed on one replica reaches the others within that).
Secret values travel as ``SecretStr`` so that no log line or repr ever shows one.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import SecretStr

from sync_server import db
from sync_server.config import Settings
from sync_server.integrations.vault import Vault
from sync_server.repositories import Pool
from sync_server.repositories import integrations as repo

CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class Credentials:
    """What a client of an outside service needs: settings, and secrets it must not log."""

    kind: str
    settings: Mapping[str, Any]
    secrets: Mapping[str, SecretStr]
    source: Literal["shop", "platform"]

    def secret(self, name: str) -> str | None:
        value = self.secrets.get(name)
        return value.get_secret_value() if value is not None else None


@dataclass(frozen=True)
class MaskedIntegration:
    """What an owner sees of a saved integration: its settings and which secrets are set."""

    kind: str
    settings: dict[str, Any]
    secrets: dict[str, str] = field(default_factory=dict)  # name → masked ("••••a1b2")
    updated_at: datetime | None = None


def platform_credentials(settings: Settings, kind: str) -> Credentials | None:
    """The platform's own account for ``kind`` (from the server's settings), if it has one."""
    if kind == "whatsapp" and settings.whatsapp_token and settings.whatsapp_phone_number_id:
        return Credentials("whatsapp", {"phone_number_id": settings.whatsapp_phone_number_id},
                           {"token": settings.whatsapp_token}, "platform")
    if kind == "llm" and settings.llm_provider and settings.llm_model:
        llm = {"provider": settings.llm_provider, "model": settings.llm_model,
               "base_url": settings.llm_base_url, "api_version": settings.llm_api_version,
               "deployment": settings.llm_deployment}
        return Credentials("llm", {k: v for k, v in llm.items() if v},
                           {"api_key": settings.llm_api_key} if settings.llm_api_key else {},
                           "platform")
    return None


class Integrations:
    def __init__(
        self, pool: Pool, vault: Vault,
        platform: Callable[[str], Credentials | None] = lambda kind: None,
        *, cache_seconds: float = CACHE_SECONDS, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._pool, self._vault, self._platform = pool, vault, platform
        self._cache_seconds, self._clock = cache_seconds, clock
        self._cache: dict[tuple[uuid.UUID, str], tuple[float, Credentials | None]] = {}

    @classmethod
    def from_settings(cls, pool: Pool, settings: Settings) -> Integrations:
        return cls(pool, Vault(settings.secret_keys()),
                   lambda kind: platform_credentials(settings, kind))

    async def save(
        self, tenant_id: uuid.UUID, kind: str, settings: Mapping[str, Any],
        secrets: Mapping[str, str | None],
    ) -> MaskedIntegration:
        """Save a shop's integration. A secret given as None keeps the stored one (an owner
        changing the model does not retype the key); an empty string removes it."""
        async with db.tenant_tx(self._pool, tenant_id) as conn:
            stored = await repo.get(conn, tenant_id, kind)
            kept = self._vault.open(stored.secret) if stored and stored.secret else {}
            for name, value in secrets.items():
                if value is None:
                    continue
                if value.strip():
                    kept[name] = value.strip()
                else:
                    kept.pop(name, None)
            sealed = self._vault.seal(kept) if kept else None
            await repo.put(conn, tenant_id, kind, dict(settings), sealed, self._vault.hints(kept))
        self.forget(tenant_id, kind)
        return MaskedIntegration(kind, dict(settings), self._vault.hints(kept))

    async def masked(self, tenant_id: uuid.UUID, kind: str) -> MaskedIntegration | None:
        async with db.tenant_tx(self._pool, tenant_id) as conn:
            stored = await repo.get(conn, tenant_id, kind)
        return _masked(stored) if stored else None

    async def all_masked(self, tenant_id: uuid.UUID) -> list[MaskedIntegration]:
        async with db.tenant_tx(self._pool, tenant_id) as conn:
            return [_masked(s) for s in await repo.list_all(conn, tenant_id)]

    async def remove(self, tenant_id: uuid.UUID, kind: str) -> bool:
        async with db.tenant_tx(self._pool, tenant_id) as conn:
            removed = await repo.delete(conn, tenant_id, kind)
        self.forget(tenant_id, kind)
        return removed

    async def resolve(self, tenant_id: uuid.UUID, kind: str) -> Credentials | None:
        """The shop's own credentials for ``kind``, else the platform's, else None."""
        key = (tenant_id, kind)
        cached = self._cache.get(key)
        if cached and self._clock() - cached[0] < self._cache_seconds:
            return cached[1]
        async with db.tenant_tx(self._pool, tenant_id) as conn:
            stored = await repo.get(conn, tenant_id, kind)
        found = self._own(stored) if stored else None
        found = found or self._platform(kind)
        self._cache[key] = (self._clock(), found)
        return found

    def forget(self, tenant_id: uuid.UUID, kind: str) -> None:
        self._cache.pop((tenant_id, kind), None)

    def _own(self, stored: repo.StoredIntegration) -> Credentials:
        opened = self._vault.open(stored.secret) if stored.secret else {}
        return Credentials(stored.kind, stored.settings,
                           {k: SecretStr(v) for k, v in opened.items()}, "shop")


def _masked(stored: repo.StoredIntegration) -> MaskedIntegration:
    return MaskedIntegration(stored.kind, stored.settings, dict(stored.secret_hint),
                             stored.updated_at)

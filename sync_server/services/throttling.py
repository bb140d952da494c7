"""Refusing a client address that failed authentication too often (pairing codes, logins)."""

from __future__ import annotations

from shared.errors import DomainError
from sync_server.config import Settings
from sync_server.db import Connection
from sync_server.repositories import throttle


class TooManyAttempts(DomainError):
    code = "too_many_attempts"


async def check_throttle(conn: Connection, settings: Settings, scope: str, client: str) -> None:
    """Refuse a client with too many recent failures. Takes a transaction-scoped lock per
    (scope, client), so parallel guesses from one address queue up instead of all passing."""
    await throttle.lock(conn, scope, client)
    failures = await throttle.recent_failures(conn, scope, client, settings.auth_failure_window_s)
    if failures >= settings.auth_failures_allowed:
        minutes = max(1, settings.auth_failure_window_s // 60)
        raise TooManyAttempts(f"Demasiados intentos fallidos. Espera {minutes} minutos.")

"""Server settings, read from the environment (prefix ``MCH_``, plus plain ``DATABASE_URL``)."""

from __future__ import annotations

import base64
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

import platformdirs
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MCH_", extra="ignore")

    # Unset: run an embedded PostgreSQL in ``data_dir`` (nothing to install for a first run).
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "MCH_DATABASE_URL")
    )
    data_dir: Path = Path(platformdirs.user_data_dir("michangarrito-server"))
    host: str = "127.0.0.1"
    port: int = 8765
    # The role every pooled connection assumes; row-level security binds it.
    app_role: str = "michangarrito_app"
    pool_max_size: int = 10
    max_body_bytes: int = 8 * 1024 * 1024
    # Signs owner session tokens. Unset: a random secret kept in data_dir (one server only;
    # replicas must share MCH_JWT_SECRET).
    jwt_secret: str | None = None
    owner_token_hours: int = 12
    # Failed pairing codes or logins allowed per client address per window.
    auth_failures_allowed: int = 10
    auth_failure_window_s: int = 600
    # Change notices (GET /v1/sync/notices): a heartbeat keeps proxies from cutting an idle
    # stream; a stream ends after notice_stream_s and the till opens a new one.
    notice_heartbeat_s: float = 15.0
    notice_stream_s: float = 300.0
    shutdown_grace_s: int = 10  # requests still running then (notice streams) are cut
    # WhatsApp Cloud API, for the statements tills ask to send. Without a token and a phone
    # number id, requests wait as not_configured and go out once both are set (restart).
    whatsapp_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_api_url: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "v21.0"
    whatsapp_poll_s: float = 5.0  # also the latest a retry waits past its time
    whatsapp_retry_base_s: float = 30.0  # 30 s, 1 min, 2 min, 4 min between the 5 attempts
    whatsapp_max_attempts: int = 5
    # The webhook (/v1/whatsapp/webhook): Meta signs every POST with the app's secret; the
    # verify token answers its subscription check. Unset secret: every POST is refused (401).
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_inbox_poll_s: float = 2.0  # the worker also wakes on each stored event's NOTIFY
    # Run the background workers (the webhook's inbox, the sender) in this process. Replicas
    # that only answer HTTP can turn them off and leave the work to others (safe either way:
    # workers claim with SKIP LOCKED and leases).
    background_workers: bool = True
    # Approved message templates (Meta's names, es_MX) used outside the 24-hour window; each
    # send records the one it used.
    whatsapp_template_language: str = "es_MX"
    whatsapp_template_statement: str = "estado_de_cuenta"
    whatsapp_template_order_update: str = "actualizacion_pedido"
    whatsapp_template_reminder: str = "recordatorio_fiado"
    # Per recipient per day, whatever the shop (business-initiated messages only: a reply to
    # what a person wrote is not counted). Each shop's own cap is in sync/checks.py.
    whatsapp_recipient_daily_cap: int = 10
    # Meta's pacing: messages per second per business number, and per person a short burst
    # then one every few seconds.
    whatsapp_rate_per_s: float = 80.0
    whatsapp_pair_interval_s: float = 6.0
    whatsapp_pair_burst: int = 3
    # The demo's simulator (no Meta account): a chat page at /simulador plays the customer and
    # the server's messages go to it instead of Graph. Only when no token is set.
    whatsapp_simulator: bool = False
    # The platform's shared number as people dial it (digits), for wa.me links to a shop.
    whatsapp_display_number: str | None = None
    # Encrypts each shop's own credentials at rest (WhatsApp, LLM, payments, CSD): one or more
    # Fernet keys, comma-separated; the first encrypts, all decrypt (rotation). Unset: a key
    # kept in data_dir (one server only; replicas must share MCH_SECRETS_KEY). Never in the DB.
    secrets_key: SecretStr | None = None
    # The assistant's tokens (sync_server/services/tokens.py): the platform's plan until
    # billing keeps plans per shop, and how many of a provider's tokens one of ours buys.
    assistant_plan_name: str = "Básico"
    assistant_monthly_tokens: int = 300
    assistant_llm_tokens_per_token: int = 1000
    log_level: str = "INFO"
    log_json: bool = True

    def with_simulator(self) -> Settings:
        """With the simulator on and no real WhatsApp account: the platform's number, token and
        Graph API are the simulator's, on this server."""
        if not self.whatsapp_simulator or self.whatsapp_token:
            return self
        return self.model_copy(update={
            "whatsapp_token": SecretStr("simulador"),
            "whatsapp_phone_number_id": "100000000000001",
            "whatsapp_api_url": f"http://{self.host}:{self.port}/simulador/graph",
            "whatsapp_app_secret": SecretStr(secrets.token_hex(16)),
            "whatsapp_inbox_poll_s": 0.5, "whatsapp_poll_s": 0.5, "whatsapp_pair_interval_s": 0.5})

    def signing_secret(self) -> str:
        if self.jwt_secret:
            return self.jwt_secret
        return self._kept_secret("jwt_secret", lambda: secrets.token_urlsafe(48))

    def secret_keys(self) -> list[str]:
        """Keys that encrypt shops' credentials at rest: the first encrypts, all decrypt."""
        if self.secrets_key:
            return [k.strip() for k in self.secrets_key.get_secret_value().split(",") if k.strip()]
        return [self._kept_secret("secrets_key", _fernet_key)]

    def _kept_secret(self, name: str, make: Callable[[], str]) -> str:
        """A random secret made once and kept in ``data_dir`` (one server only)."""
        path = self.data_dir / name
        if not path.exists():
            # Written whole under a temporary name, then linked: a process starting at the
            # same moment never reads a half-written (empty) key, and the first one wins.
            self.data_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.data_dir)
            with os.fdopen(fd, "w") as f:
                f.write(make())
            try:
                os.link(tmp, path)  # fails if another process got there first: keep theirs
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
        return path.read_text().strip()


def _fernet_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()

"""Server settings, read from the environment (prefix ``MCH_``, plus plain ``DATABASE_URL``)."""

from __future__ import annotations

import base64
import os
import secrets
import tempfile
from collections.abc import Callable
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import platformdirs
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MCH_", extra="ignore")

    # Unset: run an embedded PostgreSQL in ``data_dir`` (nothing to install for a first run).
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "MCH_DATABASE_URL")
    )
    # The server's own login, which row-level security binds (never a superuser). Unset:
    # DATABASE_URL's host and database with user ``app_role`` and MCH_APP_DB_PASSWORD. Set
    # alone (no DATABASE_URL), the server serves without migrating: someone else ran
    # ``migrate`` with the owner's login.
    app_database_url: str | None = None
    app_role: str = "michangarrito_app"
    # The app login's password where the database asks for one; ``migrate`` sets it.
    app_db_password: SecretStr | None = None
    data_dir: Path = Path(platformdirs.user_data_dir("michangarrito-server"))
    host: str = "127.0.0.1"
    port: int = 8765
    pool_max_size: int = 10
    # Bodies are refused past these before they are read: a push, and everything else.
    max_body_bytes: int = 8 * 1024 * 1024
    max_small_body_bytes: int = 64 * 1024
    # Proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated).
    # Empty: the peer's address is the client's, whatever headers say.
    trusted_proxies: str = ""
    # Signs owner session tokens. Unset: a random secret kept in data_dir (one server only;
    # replicas must share MCH_JWT_SECRET).
    jwt_secret: str | None = None
    owner_token_hours: int = 12
    # Failed pairing codes or logins allowed per client address per window, and failed logins
    # per account (from any address) per window.
    auth_failures_allowed: int = 10
    account_failures_allowed: int = 10
    auth_failure_window_s: int = 600
    # An address the owner logged in from within this many days is spared the per-account
    # count (only its own failures count there): strangers cannot lock the owner out of it.
    known_address_days: int = 30
    # Sign-ups (successful or not) allowed per client address per window.
    signups_allowed: int = 5
    signup_window_s: int = 3600
    # WhatsApp Cloud API, for the statements tills ask to send. Without a token and a phone
    # number id, requests wait as not_configured and go out once both are set (restart).
    whatsapp_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_api_url: str = "https://graph.facebook.com"
    whatsapp_api_version: str = "v21.0"
    whatsapp_poll_s: float = 5.0  # also the latest a retry waits past its time
    whatsapp_retry_base_s: float = 30.0  # 30 s, 1 min, 2 min, 4 min between the 5 attempts
    whatsapp_max_attempts: int = 5
    # Scheduled jobs (docs/jobs.md): the daily summary, low stock, fiado reminders, silent tills,
    # plan notices, clean-ups. Every replica runs the scheduler; claims in PostgreSQL make each
    # run happen once. false: this process schedules nothing (tests, a replica kept for HTTP).
    jobs_enabled: bool = True
    jobs_tick_s: float = 60.0  # how often each replica looks for due runs
    jobs_lease_s: float = 900.0  # a claimed run not finished by then is taken over
    # A run starting this long after its time is late: a summary says "enviado tarde", a
    # reminder is skipped.
    jobs_late_after_s: float = 900.0
    # Encrypts each shop's own credentials at rest (WhatsApp, LLM, payments, CSD): one or more
    # Fernet keys, comma-separated; the first encrypts, all decrypt (rotation). Unset: a key
    # kept in data_dir (one server only; replicas must share MCH_SECRETS_KEY). Never in the DB.
    secrets_key: SecretStr | None = None
    # The address outside services call back (webhooks) and send people back to; unset:
    # http://{host}:{port}.
    public_url: str | None = None
    # Billing of shops through the platform's Stripe account (docs/billing.md). Without a
    # secret key, plans can be seen but not bought; MCH_BILLING_DEMO marks a server whose
    # Stripe is the local fake (the demo), so screens say the payments are simulated.
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = None  # a stand-in's address; unset: Stripe's own
    stripe_webhook_tolerance_s: int = 300
    billing_demo: bool = False
    # The demo's stand-in MercadoPago (tests/support/fakes/demo.py): the demo shop connects it.
    demo_mercadopago_token: SecretStr | None = None
    demo_mercadopago_secret: SecretStr | None = None
    billing_trial_days: int = 14
    billing_grace_days: int = 7  # past_due keeps paid features this long, then they turn off
    billing_poll_s: float = 5.0  # the billing worker's pass; a webhook wakes it at once
    billing_return_url: str | None = None  # where Checkout and the portal send the owner back
    # Shops' own payment providers, for payment links (a stand-in's address in tests/demo).
    mercadopago_api_base: str = "https://api.mercadopago.com"
    clip_api_base: str = "https://api.payclip.com"

    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")
    # The assistant's tokens (sync_server/services/tokens.py): the platform's plan until
    # billing keeps plans per shop, and how many of a provider's tokens one of ours buys.
    assistant_plan_name: str = "Básico"
    assistant_monthly_tokens: int = 300
    assistant_llm_tokens_per_token: int = 1000
    # `michangarrito-server backup` (pg_dump): where dumps go, and how long they are kept (the
    # newest backup_keep_min stay whatever their age). Unset dir: "backups" in data_dir.
    backup_dir: Path | None = None
    backup_keep_days: int = 14
    backup_keep_min: int = 3
    log_level: str = "INFO"
    log_json: bool = True

    def backups_path(self) -> Path:
        return self.backup_dir or self.data_dir / "backups"

    def app_dsn(self, owner_dsn: str | None) -> str:
        """Where the pool connects: MCH_APP_DATABASE_URL, or the owner's URL with the app's
        login in it."""
        if self.app_database_url:
            return self.app_database_url
        if owner_dsn is None:
            raise ValueError("DATABASE_URL or MCH_APP_DATABASE_URL is needed")
        password = self.app_db_password.get_secret_value() if self.app_db_password else None
        return login_url(owner_dsn, self.app_role, password)

    def proxies(self) -> list[IPv4Network | IPv6Network]:
        return [ip_network(p.strip(), strict=False) for p in self.trusted_proxies.split(",")
                if p.strip()]

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


def login_url(dsn: str, user: str, password: str | None) -> str:
    """``dsn`` with another login: same host, port, database and options."""
    parts = urlsplit(dsn)
    host = parts.netloc.rpartition("@")[2]
    login = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    return urlunsplit(parts._replace(netloc=f"{login}@{host}"))

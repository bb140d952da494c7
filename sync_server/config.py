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
    # The address clients reach this server at (https://api.example.mx), when it is not
    # http://host:port: MCP clients are told it, and its host is let through the MCP
    # endpoint's DNS-rebinding check; outside services call back (webhooks) and send people
    # back to it.
    public_url: str | None = None
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
    # Change notices (GET /v1/sync/notices): a heartbeat keeps proxies from cutting an idle
    # stream; a stream ends after notice_stream_s and the till opens a new one.
    notice_heartbeat_s: float = 15.0
    notice_stream_s: float = 300.0
    shutdown_grace_s: int = 10  # requests still running then (notice streams) are cut
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
    whatsapp_template_owner_notice: str = "aviso_tienda"  # the jobs' notices to the owner
    whatsapp_template_invoice: str = "factura_lista"  # a self-invoice, with its links
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
    # Scheduled jobs (docs/jobs.md): the daily summary, low stock, fiado reminders, silent tills,
    # plan notices, clean-ups. Every replica runs the scheduler; claims in PostgreSQL make each
    # run happen once. false: this process schedules nothing (tests, a replica kept for HTTP).
    jobs_enabled: bool = True
    jobs_tick_s: float = 60.0  # how often each replica looks for due runs
    jobs_lease_s: float = 900.0  # a claimed run not finished by then is taken over
    # A run starting this long after its time is late: a summary says "enviado tarde", a
    # reminder is skipped.
    jobs_late_after_s: float = 900.0
    # Days a handled webhook event (Stripe, WhatsApp, payment providers) is kept before the
    # nightly clean-up deletes it; a pending one is never deleted. At least 31: Stripe lists
    # 30 days of events to the backfill, which must find those it lists already stored.
    webhook_events_keep_days: int = Field(default=90, ge=31)
    # Encrypts each shop's own credentials at rest (WhatsApp, LLM, payments, CSD): one or more
    # Fernet keys, comma-separated; the first encrypts, all decrypt (rotation). Unset: a key
    # kept in data_dir (one server only; replicas must share MCH_SECRETS_KEY). Never in the DB.
    secrets_key: SecretStr | None = None
    # The platform's own LLM provider, for shops without their own (sync_server/integrations/
    # llm/): openai, openrouter, anthropic, ollama or azure; the model; the key; a base URL
    # (Azure: the resource's endpoint) and for Azure the API version and deployment. Unset:
    # the assistant answers by the rules only, unless a shop sets its own.
    llm_provider: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_base_url: str | None = None
    llm_api_version: str | None = None
    llm_deployment: str | None = None
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
    billing_retry_base_s: float = 30.0  # a failed event waits 30 s, 1 min, 2 min… (at most 1 h)
    billing_return_url: str | None = None  # where Checkout and the portal send the owner back
    # Shops' own payment providers, for payment links (a stand-in's address in tests/demo).
    mercadopago_api_base: str = "https://api.mercadopago.com"
    clip_api_base: str = "https://api.payclip.com"

    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")
    # The assistant's tokens (sync_server/services/tokens.py): how many of a provider's tokens
    # one of ours buys. The month's allowance is the shop's plan's (billing.limits.token_plan).
    assistant_llm_tokens_per_token: int = 1000
    # `michangarrito-server backup` (pg_dump): where dumps go, and how long they are kept (the
    # newest backup_keep_min stay whatever their age). Unset dir: "backups" in data_dir.
    backup_dir: Path | None = None
    backup_keep_days: int = 14
    backup_keep_min: int = 3
    # CFDI (docs/cfdi.md). PAC calls run under this deadline; a PAC that does not answer in
    # time leaves the invoice pending, retried with backoff (base doubling up to max).
    cfdi_pac_timeout_s: float = 30.0
    cfdi_poll_s: float = 15.0
    cfdi_retry_base_s: float = 60.0
    cfdi_retry_max_s: float = 1800.0
    # How often the worker looks for closed periods whose factura global is due.
    cfdi_global_every_s: float = 900.0
    # A till counts as synced for a period once it pulled this long after the period closed
    # (its clock may run behind the server's).
    cfdi_sync_margin_s: float = 300.0
    # How long the self-invoicing page waits for the PAC before saying "en proceso".
    cfdi_stamp_wait_s: float = 20.0
    # Wrong folio+total guesses a WhatsApp number may make in the chat's self-invoicing flow
    # within auth_failure_window_s (the page counts per address with auth_failures_allowed).
    whatsapp_invoice_guesses_allowed: int = 5
    # Lets a shop's PAC settings name another host (a local stand-in: tests and the demo).
    cfdi_allow_pac_host: bool = False
    # SAT's 69-B list (Listado_completo_69-B.csv); RFCs on it are refused as receivers.
    sat_69b_file: Path | None = None
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


def login_url(dsn: str, user: str, password: str | None) -> str:
    """``dsn`` with another login: same host, port, database and options."""
    parts = urlsplit(dsn)
    host = parts.netloc.rpartition("@")[2]
    login = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    return urlunsplit(parts._replace(netloc=f"{login}@{host}"))

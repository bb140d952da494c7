"""The FastAPI application: lifespan (database, migrations, pool) and routers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

from fastapi import FastAPI

from sync_server import db, logs, metrics
from sync_server.api import (
    account,
    assistant,
    billing,
    devices,
    errors,
    health,
    invoices,
    jobs,
    mcp_keys,
    openapi,
    owners,
    pay,
    self_invoice,
    simulator,
    sync,
    whatsapp,
)
from sync_server.api.limits import BodyLimit, limits
from sync_server.billing.limits import token_plan
from sync_server.bot.assistant import Assistant
from sync_server.bot.handover import owner_notices
from sync_server.config import Settings
from sync_server.jobs.scheduler import JobScheduler, engine_from_settings
from sync_server.mcp import http as mcp_http
from sync_server.services.billing_account import Billing, BillingForJobs, BillingWorker
from sync_server.services.fiscal import CfdiContext
from sync_server.services.integrations import Integrations
from sync_server.services.invoice_worker import InvoiceWorker
from sync_server.services.job_messages import ChannelMessages
from sync_server.services.listener import Listener
from sync_server.services.notices import NoticeHub
from sync_server.services.owner_codes import PlatformWhatsApp
from sync_server.services.simulator import Simulator
from sync_server.services.tokens import TokenMeter
from sync_server.services.whatsapp_channel import WhatsAppChannel
from sync_server.sync.epoch import FeedEpochHeader
from sync_server.tools.calls import ToolEnv

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Database:
    """Where the server's two logins connect, and the embedded server to stop, if any."""

    owner_dsn: str | None  # migrates; None: someone else migrated (MCH_APP_DATABASE_URL alone)
    app_dsn: str  # the pool and the LISTEN connection: the role row-level security binds
    embedded: db.EmbeddedPostgres | None

    async def prepare(self, settings: Settings) -> list[str]:
        """Apply pending migrations (they make the roles) and set the app login's password."""
        if self.owner_dsn is None:
            return []
        applied = await db.migrate(self.owner_dsn)
        if settings.app_db_password:
            await db.set_login_password(self.owner_dsn, settings.app_role,
                                        settings.app_db_password.get_secret_value())
        return applied

    def stop(self) -> None:
        if self.embedded:
            self.embedded.stop()


def open_database(settings: Settings) -> Database:
    """``DATABASE_URL`` (the owner's login), or MCH_APP_DATABASE_URL alone, or an embedded
    PostgreSQL in the data directory."""
    if settings.database_url or settings.app_database_url:
        owner = settings.database_url
        return Database(owner, settings.app_dsn(owner), None)
    embedded = db.EmbeddedPostgres(settings.data_dir)
    log.info("embedded PostgreSQL started", extra={"data_dir": str(settings.data_dir)})
    return Database(embedded.url, settings.app_dsn(embedded.url), embedded)


async def with_pool(settings: Settings, work: Callable[[db.Pool], Awaitable[T]],
                    max_size: int = 2) -> T:
    """Run ``work`` with a migrated database's app pool, outside the HTTP server (commands, the
    stdio MCP server); the embedded PostgreSQL, if started here, is stopped after."""
    database = open_database(settings)
    try:
        await database.prepare(settings)
        pool = await db.create_pool(database.app_dsn, max_size)
        try:
            return await work(pool)
        finally:
            await pool.close()
    finally:
        database.stop()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = (settings or Settings()).with_simulator()
    mcp_routes, mcp_sessions = mcp_http.routes(settings, lambda: app.state.pool)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = open_database(settings)
        try:
            await database.prepare(settings)
            app.state.pool = await db.create_pool(database.app_dsn, settings.pool_max_size)
            app.state.integrations = Integrations.from_settings(app.state.pool, settings)
            app.state.tokens = TokenMeter(app.state.pool, token_plan,
                                          settings.assistant_llm_tokens_per_token)
            listener = app.state.listener = Listener(database.app_dsn)
            app.state.notices = NoticeHub()
            app.state.notices.subscribe(listener)
            app.state.assistant = Assistant(
                ToolEnv.from_settings(app.state.pool, settings), app.state.integrations,
                app.state.tokens, notify_owner=owner_notices(app.state.pool))
            app.state.cfdi = CfdiContext.from_settings(app.state.pool, settings,
                                                       app.state.integrations)
            channel = WhatsAppChannel.from_settings(app.state.pool, settings, listener,
                                                    app.state.integrations, app.state.assistant,
                                                    app.state.cfdi)
            app.state.sender, app.state.inbox = channel.sender, channel.inbox
            app.state.inbox_writer = channel.writer
            listener.start()
            if settings.background_workers:
                channel.start()
            app.state.invoice_worker = InvoiceWorker(app.state.cfdi)
            app.state.invoice_worker.start()
            app.state.billing = Billing.from_settings(app.state.pool, settings)
            app.state.billing_worker = BillingWorker(app.state.billing, listen_dsn=database.app_dsn)
            app.state.billing_worker.start()
            app.state.code_sender = PlatformWhatsApp(settings)
            for_jobs = BillingForJobs(app.state.billing)
            app.state.jobs = engine_from_settings(app.state.pool, settings, ChannelMessages(),
                                                  pay_links=for_jobs, plans=for_jobs)
            scheduler = JobScheduler(app.state.jobs, settings.jobs_tick_s)
            if settings.jobs_enabled:
                scheduler.start()
            log.info("server ready")
            try:
                async with mcp_sessions.run():  # the MCP endpoint's, which no mount would run
                    yield
            finally:
                await scheduler.stop()
                await app.state.billing_worker.stop()
                await app.state.invoice_worker.stop()
                app.state.notices.close()
                await channel.stop()
                await listener.stop()
                await app.state.pool.close()
        finally:
            database.stop()

    app = FastAPI(title="MiChangarrito sync server", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.trusted_proxies = settings.proxies()
    errors.install(app)
    openapi.install(app)
    for module in (health, sync, devices, owners, jobs, mcp_keys, assistant, metrics, whatsapp,
                   invoices, self_invoice, account, billing, pay):
        app.include_router(module.router)
    app.router.routes.extend(mcp_routes)
    if settings.whatsapp_simulator and settings.whatsapp_app_secret:
        app.state.simulator = Simulator(settings.whatsapp_app_secret.get_secret_value(),
                                        settings.whatsapp_phone_number_id or "")
        app.include_router(simulator.router)
    # Each added outside the ones before it. The last net (CatchAll) wraps everything that can
    # fail, the epoch check included: a JSON answer with a code, 503 if the database is down.
    # Outermost, the request id, set before anything else logs or is timed.
    app.add_middleware(BodyLimit, limit_for=limits(settings.max_body_bytes,
                                                   settings.max_small_body_bytes))
    app.add_middleware(FeedEpochHeader)
    app.add_middleware(errors.CatchAll)
    app.add_middleware(logs.RequestContext, observe=metrics.observe_request)
    return app

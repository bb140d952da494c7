"""The FastAPI application: lifespan (database, migrations, pool) and routers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from sync_server import db
from sync_server.api import account, billing, devices, errors, health, owners, pay, sync
from sync_server.config import Settings
from sync_server.services.billing_account import Billing, BillingWorker
from sync_server.services.owner_codes import PlatformWhatsApp
from sync_server.services.whatsapp import OutboundSender

log = logging.getLogger(__name__)


def open_database(settings: Settings) -> tuple[str, db.EmbeddedPostgres | None]:
    """The database URL: ``DATABASE_URL``, or an embedded PostgreSQL (returned, to stop)."""
    if settings.database_url:
        return settings.database_url, None
    embedded = db.EmbeddedPostgres(settings.data_dir)
    log.info("embedded PostgreSQL started", extra={"data_dir": str(settings.data_dir)})
    return embedded.url, embedded


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        dsn, embedded = open_database(settings)
        try:
            await db.migrate(dsn)
            app.state.pool = await db.create_pool(dsn, settings.app_role, settings.pool_max_size)
            app.state.sender = OutboundSender.from_settings(app.state.pool, settings, dsn)
            app.state.sender.start()
            app.state.billing = Billing.from_settings(app.state.pool, settings)
            app.state.billing_worker = BillingWorker(app.state.billing, listen_dsn=dsn)
            app.state.billing_worker.start()
            app.state.code_sender = PlatformWhatsApp(settings)
            log.info("server ready")
            try:
                yield
            finally:
                await app.state.billing_worker.stop()
                await app.state.sender.stop()
                await app.state.pool.close()
        finally:
            if embedded:
                embedded.stop()

    app = FastAPI(title="MiChangarrito sync server", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    errors.install(app)
    for module in (health, sync, devices, owners, account, billing, pay):
        app.include_router(module.router)
    return app

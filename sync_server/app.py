"""The FastAPI application: lifespan (database, migrations, pool) and routers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from sync_server import db
from sync_server.api import devices, errors, health, invoices, owners, self_invoice, sync
from sync_server.config import Settings
from sync_server.services.fiscal import CfdiContext
from sync_server.services.invoice_worker import InvoiceWorker
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
            app.state.cfdi = CfdiContext.from_settings(app.state.pool, settings)
            app.state.invoice_worker = InvoiceWorker(app.state.cfdi)
            app.state.invoice_worker.start()
            log.info("server ready")
            try:
                yield
            finally:
                await app.state.invoice_worker.stop()
                await app.state.sender.stop()
                await app.state.pool.close()
        finally:
            if embedded:
                embedded.stop()

    app = FastAPI(title="MiChangarrito sync server", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    errors.install(app)
    for module in (health, sync, devices, owners, invoices, self_invoice):
        app.include_router(module.router)
    return app

"""The FastAPI application: lifespan (database, migrations, pool) and routers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from sync_server import db
from sync_server.api import devices, errors, health, owners, simulator, sync, whatsapp
from sync_server.config import Settings
from sync_server.services.listener import Listener
from sync_server.services.notices import NoticeHub
from sync_server.services.simulator import Simulator
from sync_server.services.whatsapp_channel import WhatsAppChannel

log = logging.getLogger(__name__)


def open_database(settings: Settings) -> tuple[str, db.EmbeddedPostgres | None]:
    """The database URL: ``DATABASE_URL``, or an embedded PostgreSQL (returned, to stop)."""
    if settings.database_url:
        return settings.database_url, None
    embedded = db.EmbeddedPostgres(settings.data_dir)
    log.info("embedded PostgreSQL started", extra={"data_dir": str(settings.data_dir)})
    return embedded.url, embedded


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = (settings or Settings()).with_simulator()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        dsn, embedded = open_database(settings)
        try:
            await db.migrate(dsn)
            app.state.pool = await db.create_pool(dsn, settings.app_role, settings.pool_max_size)
            listener = Listener(dsn, settings.app_role)
            app.state.notices = NoticeHub()
            app.state.notices.subscribe(listener)
            channel = WhatsAppChannel.from_settings(app.state.pool, settings, listener)
            app.state.sender, app.state.inbox = channel.sender, channel.inbox
            listener.start()
            if settings.background_workers:
                channel.start()
            log.info("server ready")
            try:
                yield
            finally:
                app.state.notices.close()
                await channel.stop()
                await listener.stop()
                await app.state.pool.close()
        finally:
            if embedded:
                embedded.stop()

    app = FastAPI(title="MiChangarrito sync server", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    errors.install(app)
    for module in (health, sync, devices, owners, whatsapp):
        app.include_router(module.router)
    if settings.whatsapp_simulator and settings.whatsapp_app_secret:
        app.state.simulator = Simulator(settings.whatsapp_app_secret.get_secret_value(),
                                        settings.whatsapp_phone_number_id or "")
        app.include_router(simulator.router)
    return app

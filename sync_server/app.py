"""The FastAPI application: lifespan (database, migrations, pool) and routers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from fastapi import FastAPI

from sync_server import db
from sync_server.api import assistant, devices, errors, health, mcp_keys, owners, sync
from sync_server.config import Settings
from sync_server.mcp import http as mcp_http
from sync_server.services.integrations import Integrations
from sync_server.services.tokens import TokenMeter
from sync_server.services.whatsapp import OutboundSender
from sync_server.tools.calls import plan_of

log = logging.getLogger(__name__)
T = TypeVar("T")


def open_database(settings: Settings) -> tuple[str, db.EmbeddedPostgres | None]:
    """The database URL: ``DATABASE_URL``, or an embedded PostgreSQL (returned, to stop)."""
    if settings.database_url:
        return settings.database_url, None
    embedded = db.EmbeddedPostgres(settings.data_dir)
    log.info("embedded PostgreSQL started", extra={"data_dir": str(settings.data_dir)})
    return embedded.url, embedded


async def with_pool(settings: Settings, work: Callable[[db.Pool], Awaitable[T]],
                    max_size: int = 2) -> T:
    """Run ``work`` with a migrated database's app pool, outside the HTTP server (commands, the
    stdio MCP server); the embedded PostgreSQL, if started here, is stopped after."""
    dsn, embedded = open_database(settings)
    try:
        await db.migrate(dsn)
        pool = await db.create_pool(dsn, settings.app_role, max_size)
        try:
            return await work(pool)
        finally:
            await pool.close()
    finally:
        if embedded:
            embedded.stop()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    mcp_routes, mcp_sessions = mcp_http.routes(settings, lambda: app.state.pool)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        dsn, embedded = open_database(settings)
        try:
            await db.migrate(dsn)
            app.state.pool = await db.create_pool(dsn, settings.app_role, settings.pool_max_size)
            app.state.sender = OutboundSender.from_settings(app.state.pool, settings, dsn)
            app.state.sender.start()
            app.state.integrations = Integrations.from_settings(app.state.pool, settings)
            app.state.tokens = TokenMeter(app.state.pool, plan_of(settings),
                                          settings.assistant_llm_tokens_per_token)
            log.info("server ready")
            try:
                async with mcp_sessions.run():  # the MCP endpoint's, which no mount would run
                    yield
            finally:
                await app.state.sender.stop()
                await app.state.pool.close()
        finally:
            if embedded:
                embedded.stop()

    app = FastAPI(title="MiChangarrito sync server", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    errors.install(app)
    for module in (health, sync, devices, owners, mcp_keys, assistant):
        app.include_router(module.router)
    app.router.routes.extend(mcp_routes)
    return app

"""All of the server's SQL. Every function takes a connection already scoped to one tenant."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

import asyncpg

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

    # What repositories take: a pooled connection inside a transaction a service opened (see
    # sync_server/db.py), or a plain one (the migration runner, tests).
    Connection: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
    Pool: TypeAlias = asyncpg.Pool[asyncpg.Record]
else:  # the stubs' generics do not exist at run time (FastAPI reads Pool in dependencies)
    Connection, Pool = asyncpg.Connection, asyncpg.Pool

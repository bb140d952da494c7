"""Server use cases: each public one takes the pool and opens its own transactions."""

from sync_server.db import Pool as Pool  # the handle routers pass to use cases

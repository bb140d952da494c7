"""The server's Prometheus metrics: what they are, what feeds them, and ``GET /metrics``.

Metric objects are module-level, as prometheus-client intends: one process, one set of
counters. Each replica is scraped on its own and Prometheus adds them up.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from shared.sync.protocol import ChangeResult
from sync_server.db import Pool, unscoped_tx
from sync_server.repositories import ops_stats

log = logging.getLogger(__name__)
# The *_created series double what is scraped, and no alert reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

# ---- HTTP (fed by logs.RequestContext through observe_request) -------------------------------
HTTP_REQUESTS = Counter("mch_http_requests_total", "HTTP requests answered, by route and status.",
                        ["method", "route", "status"])
HTTP_SECONDS = Histogram("mch_http_request_seconds", "Time to answer an HTTP request, by route.",
                         ["method", "route"],
                         buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))

# ---- sync (fed where pushes are applied and pull pages built) --------------------------------
PUSHES = Counter("mch_sync_pushes_total", "Push batches applied (committed).")
PUSHED_CHANGES = Counter("mch_sync_pushed_changes_total",
                         "Changes in applied pushes, by result.", ["status"])
REJECTS = Counter("mch_sync_rejects_total",
                  "Changes the server refused, by stable code (e.g. folio_taken, over_return).",
                  ["code"])
PULLS = Counter("mch_sync_pulls_total", "Pull pages served.")
PULLED_CHANGES = Counter("mch_sync_pulled_changes_total", "Changes sent in pull pages.")

# ---- WhatsApp outbound queue (read from the database at each scrape) ---------------------------
OUTBOUND_QUEUE = Gauge("mch_outbound_queue_depth",
                       "WhatsApp messages waiting in outbound_messages, by status.", ["status"])
_QUEUED_STATUSES = ("pending", "sending", "not_configured")

# ---- scheduled jobs (fed by sync_server/jobs/engine.py) ----------------------------------------
# Each run counted by its outcome, and the last success stamped, so an alert can fire on "no
# successful daily summary in 26 hours".
JOB_RUNS = Counter("mch_job_runs_total", "Scheduled job runs, by job and outcome (sent, skipped, "
                   "failed; elsewhere: another replica ran that period).", ["job", "outcome"])
JOB_LAST_SUCCESS = Gauge("mch_job_last_success_timestamp_seconds",
                         "Unix time of the job's last run that ended sent or skipped.", ["job"])

# ---- defined now, fed by work that is not built yet --------------------------------------------
# The WhatsApp and Stripe webhook handlers (their issues) observe now − the event's own timestamp
# when they store an event, so a stuck provider or a slow handler shows before customers notice.
WEBHOOK_LAG = Histogram("mch_webhook_lag_seconds",
                        "Delay between a provider's event time and our storing it.", ["provider"],
                        buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600))
WEBHOOKS = Counter("mch_webhooks_total", "Webhook deliveries, by provider and outcome "
                   "(stored, duplicate, bad_signature).", ["provider", "outcome"])
# The change-notice endpoint (long-poll/SSE) raises this while a till waits and lowers it when
# the wait ends: the "waiting tills held" figure of docs/scaling.md.
NOTICE_WAITERS = Gauge("mch_sync_notice_waiters", "Tills waiting on a change notice right now.")


def count_push(results: Iterable[ChangeResult]) -> None:
    """Count a committed push batch and each change's result."""
    PUSHES.inc()
    for result in results:
        PUSHED_CHANGES.labels(result.status).inc()
        if result.status == "rejected":
            REJECTS.labels(result.code or "unknown").inc()


def count_pull(changes: int) -> None:
    PULLS.inc()
    PULLED_CHANGES.inc(changes)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count and time an answered request (logs.RequestContext calls this for each one)."""
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_SECONDS.labels(method, route).observe(seconds)


router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus text format. nginx keeps it off the internet (packaging/nginx)."""
    await _refresh_queue_depth(request.app.state.pool)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


async def _refresh_queue_depth(pool: Pool) -> None:
    try:
        async with unscoped_tx(pool, timeout=2) as conn:
            depth = await ops_stats.outbound_queue_depth(conn)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        # A scrape must still answer while the database is down: the HTTP counters say why.
        log.warning("queue depth not read: %s", exc.__class__.__name__)
        return
    for status in _QUEUED_STATUSES:
        OUTBOUND_QUEUE.labels(status).set(depth.get(status, 0))

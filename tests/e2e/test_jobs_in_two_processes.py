"""Two server processes, each with its own scheduler (APScheduler in the lifespan), on one
database: the shop's daily summary runs once. Each process's /metrics says what it did: one
ran the summary, the other found it done elsewhere."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from pos_client.services import cortes
from pos_client.services.sales import SaleContext, record_sale
from pos_client.services.till import Till
from shared.clock import utc_now
from shared.sale import PaymentMethod, Tender
from sync_server.services import scheduled_jobs
from tests.support.backroom import hire
from tests.support.process_server import ProcessServer
from tests.support.sales import ticket_for
from tests.support.wait import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def job_count(url: str, job: str, outcome: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    found = re.search(rf'^mch_job_runs_total\{{job="{job}",outcome="{outcome}"\}} (\S+)$', text,
                      re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_two_scheduler_processes_on_one_database_run_one_summary(server, shop, paired_device,
                                                                  small_catalog):
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    till = Till(pos.db, pos.device)
    owner = hire(till, "Doña Mary", "dueno", "1234").id
    shift = cortes.open_shift(till, 50_000, owner)
    record_sale(till, ticket_for(pos.db, small_catalog[0].barcode, 2),
                [Tender(PaymentMethod.CASH, 100_000)], SaleContext(cashier_id=owner, shift_id=shift))
    assert pos.agent.sync_once().pending == 0
    # The summary's time: a minute ago on the shop's clock, so both schedulers find it due.
    local = utc_now().astimezone(ZoneInfo("America/Mexico_City")) - timedelta(minutes=1)
    server.call(lambda pool: scheduled_jobs.choose(pool, shop.tenant_id, "daily_summary", True,
                                                   local.time()))

    env = {"MCH_JOBS_ENABLED": "true", "MCH_JOBS_TICK_S": "0.3"}
    replicas = [ProcessServer(server.database_url, **env) for _ in range(2)]
    try:
        for r in replicas:
            r.start()

        def summaries() -> list:
            return server.admin("SELECT period_key, status, claimed_by FROM job_runs "
                                "WHERE tenant_id = $1 AND job = 'daily_summary'", shop.tenant_id)

        wait_until(lambda: any(s["status"] != "running" for s in summaries()), timeout=30,
                   what="the summary's run")
        # Both keep ticking: wait until the other one has seen the period done.
        wait_until(lambda: sum(job_count(r.url, "daily_summary", "elsewhere") for r in replicas)
                   >= 1, timeout=30, what="the other replica to find the summary done")
        runs = summaries()
        assert len(runs) == 1
        assert runs[0]["period_key"] == local.date().isoformat()
        ran = [sum(job_count(r.url, "daily_summary", o) for o in ("sent", "skipped", "failed"))
               for r in replicas]
        assert sorted(ran) == [0.0, 1.0]
    finally:
        for r in replicas:
            r.stop()

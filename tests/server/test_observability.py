"""What an operator reads: /metrics counts pushes and rejects by code; logs are JSON lines that
carry the request's id."""

from __future__ import annotations

import io
import json
import logging
import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from pos_client.services.sales import record_sale
from pos_client.sync.client import SyncClient
from shared.clock import utc_now
from shared.sale import PaymentMethod, Tender
from shared.sync.envelopes import StockAlertChange
from shared.sync.payloads import StockAlertPayload
from shared.sync.protocol import PROTOCOL_VERSION
from sync_server import logs
from tests.support.sales import ticket_for
from tests.support.wait import wait_until

pytestmark = pytest.mark.e2e


def _scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = httpx.get(f"{url}/metrics", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(answer.text) for s in family.samples}


def _value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _forged_alert(pos, seq: int, product_id: uuid.UUID) -> str:
    """A stock alert is the server's to raise: a till sending one is refused with server_only."""
    now = utc_now()
    return StockAlertChange(
        change_id=uuid.uuid4(), device_seq=seq, hlc=pos.device.clock.now(), created_at=now,
        kind="record", entity="stock_alert", op="upsert",
        payload=StockAlertPayload(id=uuid.uuid4(), product_id=product_id, stock_milli=-1,
                                  open=True, changed_at=now),
    ).model_dump_json()


def test_metrics_show_a_push_and_a_reject_by_code(server, paired_device, small_catalog):
    pos = paired_device("caja-1")
    pos.agent.sync_once()
    before = _scrape(server.url)
    ticket = ticket_for(pos.db, small_catalog[0].barcode)
    record_sale(pos.till, ticket, [Tender(PaymentMethod.CASH, ticket.total)])
    assert pos.agent.sync_once().pending == 0  # the sale: one push, one accepted change
    client = SyncClient(server.url, pos.device.credential)
    try:
        answer = client.push([_forged_alert(pos, 1000, uuid.uuid4())])
    finally:
        client.close()
    assert [(r.status, r.code) for r in answer.results] == [("rejected", "server_only")]
    after = _scrape(server.url)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("mch_sync_pushes_total") == 2
    assert grew("mch_sync_pushed_changes_total", status="accepted") == 1
    assert grew("mch_sync_pushed_changes_total", status="rejected") == 1
    assert grew("mch_sync_rejects_total", code="server_only") == 1
    assert grew("mch_sync_pulls_total") >= 1
    assert grew("mch_http_requests_total", method="POST", route="/v1/sync/push", status="200") == 2
    # Defined before anything feeds them, so dashboards and alerts can be written now.
    assert ("mch_outbound_queue_depth", (("status", "pending"),)) in after
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    families = {family.name for family in text_string_to_metric_families(text)}
    assert {"mch_webhook_lag_seconds", "mch_webhooks", "mch_job_runs", "mch_sync_notice_waiters",
            "mch_job_last_success_timestamp_seconds"} <= families


@pytest.fixture
def json_log() -> io.StringIO:
    """The server's JSON log lines, as `michangarrito-server serve` writes them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.RequestIdFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_answer_and_log_line_carries_the_request_id(server, json_log):
    given = "4f1c2a9be0d34c55a1b2c3d4e5f60718"
    answer = httpx.post(f"{server.url}/v1/owners/login", headers={
        "X-Request-ID": given, "X-MCH-Protocol": str(PROTOCOL_VERSION)},
        json={"login": "nadie@example.com", "password": "equivocada"}, timeout=10)
    assert answer.status_code == 401
    assert answer.headers["x-request-id"] == given

    def access() -> list[dict]:  # written once the answer has gone out
        return [line for line in _lines(json_log)
                if line["logger"] == "sync_server.access" and line.get("request_id") == given]

    wait_until(access, what="the access log line")
    access = access()
    assert len(access) == 1
    assert access[0] | {"duration_ms": 0} == {**access[0], "duration_ms": 0, "method": "POST",
                                              "path": "/v1/owners/login", "status": 401}

    hostile = "FAKE id with spaces and <markup>"
    answer = httpx.get(f"{server.url}/v1/sync/pull", headers={"X-Request-ID": hostile}, timeout=10)
    made = answer.headers["x-request-id"]
    assert made != hostile  # not echoed: a new id of our own
    assert len(made) == 32
    assert all("FAKE" not in line.get("request_id", "") for line in _lines(json_log))

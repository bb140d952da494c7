"""The owner's scheduled jobs over HTTP: each job with its setting and defaults, turning one on
or off and moving its time (never into the quiet hours for what reaches customers), and the
latest runs, each shop seeing only its own."""

from __future__ import annotations

import uuid

import pytest

from shared.clock import utc_now
from sync_server.jobs.summary import DAILY_SUMMARY
from tests.server import owner_api
from tests.support.jobs import Clock, engine

pytestmark = pytest.mark.e2e


def test_the_owner_lists_and_sets_the_shops_jobs(server):
    with owner_api.client(server.url) as api:
        assert api.get("/v1/account/jobs").status_code == 401
        mary = owner_api.auth(owner_api.sign_up(api)["token"])
        jobs = {j["job"]: j for j in api.get("/v1/account/jobs", headers=mary).json()}
        assert {k: (j["enabled"], j["at"]) for k, j in jobs.items()} == {
            "daily_summary": (True, "21:30"), "low_stock": (True, "21:00"),
            "fiado_reminders": (False, "10:00"), "stale_till": (True, None),
            "plan_notices": (True, "10:00")}
        assert jobs["fiado_reminders"]["customer_facing"] is True
        assert {k: j["quiet_hours"] for k, j in jobs.items()} == {
            "daily_summary": None, "low_stock": None, "fiado_reminders": "21:00–09:00",
            "stale_till": None, "plan_notices": None}
        assert jobs["daily_summary"]["title"] == "Resumen del día"

        moved = api.put("/v1/account/jobs/daily_summary", headers=mary,
                        json={"enabled": True, "at": "22:15"})
        assert moved.status_code == 200, moved.text
        assert (moved.json()["at"], moved.json()["default_at"]) == ("22:15", "21:30")
        off = api.put("/v1/account/jobs/stale_till", headers=mary, json={"enabled": False})
        assert (off.status_code, off.json()["enabled"]) == (200, False)
        on = api.put("/v1/account/jobs/fiado_reminders", headers=mary,
                     json={"enabled": True, "at": "09:00"})
        assert (on.status_code, on.json()["at"]) == (200, "09:00")
        kept = api.put("/v1/account/jobs/daily_summary", headers=mary, json={"enabled": False})
        assert (kept.json()["enabled"], kept.json()["at"]) == (False, "22:15")  # time kept

        quiet = api.put("/v1/account/jobs/fiado_reminders", headers=mary,
                        json={"enabled": True, "at": "21:00"})
        assert (quiet.status_code, quiet.json()["code"]) == (400, "invalid_job_time")
        assert "entre las 09:00 y las 21:00" in quiet.json()["message"]
        hourly = api.put("/v1/account/jobs/stale_till", headers=mary,
                         json={"enabled": True, "at": "10:00"})
        assert (hourly.status_code, hourly.json()["code"]) == (400, "invalid_job_time")
        unknown = api.put("/v1/account/jobs/tarea_rara", headers=mary, json={"enabled": True})
        assert (unknown.status_code, unknown.json()["code"]) == (404, "unknown_job")
        for bad in ({"enabled": True, "at": "25:00"}, {"enabled": "sí"}, {"at": "10:00"},
                    {"enabled": True, "extra": 1}):
            answer = api.put("/v1/account/jobs/low_stock", headers=mary, json=bad)
            assert answer.status_code == 422, bad

        after = {j["job"]: (j["enabled"], j["at"])
                 for j in api.get("/v1/account/jobs", headers=mary).json()}
        assert after["daily_summary"] == (False, "22:15")
        assert after["fiado_reminders"] == (True, "09:00")
        assert after["stale_till"] == (False, None)


def test_each_owner_reads_only_their_own_shops_runs(server):
    with owner_api.client(server.url) as api:
        mary_session = owner_api.sign_up(api)
        mary = owner_api.auth(mary_session["token"])
        other = owner_api.auth(owner_api.sign_up(api, email="otra@example.mx", shop="Otra")["token"])
        tenant = uuid.UUID(mary_session["tenant_id"])
        server.call(lambda pool: engine(pool, Clock(utc_now())).run_now(DAILY_SUMMARY, tenant))
        runs = api.get("/v1/account/jobs/runs", headers=mary).json()
        assert [(r["job"], r["status"], r["reason"]) for r in runs] == [
            ("daily_summary", "skipped", "no_activity")]
        assert runs[0]["period"].startswith("manual:")
        assert runs[0]["text"].startswith("Resumen de Abarrotes, ")
        assert api.get("/v1/account/jobs/runs", headers=other).json() == []
        assert api.get("/v1/account/jobs/runs?job=low_stock", headers=mary).json() == []
        assert api.get("/v1/account/jobs/runs?limit=0", headers=mary).status_code == 422

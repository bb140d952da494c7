"""Every job, defined in code: the per-shop ones the owner sees and sets, and the platform's."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType

from sync_server.jobs.base import Job
from sync_server.jobs.cleanup import KEEP_EVENTS, cleanup_job
from sync_server.jobs.engine import PlatformJob
from sync_server.jobs.low_stock import LOW_STOCK
from sync_server.jobs.plan_notices import PLAN_NOTICES
from sync_server.jobs.reminders import FIADO_REMINDERS
from sync_server.jobs.stale_tills import STALE_TILL
from sync_server.jobs.summary import DAILY_SUMMARY

SHOP_JOBS: tuple[Job, ...] = (DAILY_SUMMARY, LOW_STOCK, FIADO_REMINDERS, STALE_TILL, PLAN_NOTICES)
BY_NAME: Mapping[str, Job] = MappingProxyType({j.name: j for j in SHOP_JOBS})


def platform_jobs(attempts_window: timedelta,
                  events_keep: timedelta = KEEP_EVENTS) -> tuple[PlatformJob, ...]:
    return (cleanup_job(attempts_window, events_keep),)

"""The owner's scheduled jobs (docs/jobs.md): list them with their settings, turn one on or off
and set its time, and read what the latest runs did."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from sync_server.api.deps import Pool
from sync_server.api.owners import OwnerTenant
from sync_server.services import scheduled_jobs
from sync_server.services.scheduled_jobs import JobView, RunView

router = APIRouter(prefix="/v1/account/jobs", tags=["jobs"])

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class JobOut(BaseModel):
    job: str = Field(description="Nombre estable de la tarea (daily_summary, low_stock…).")
    title: str
    description: str
    enabled: bool
    at: str | None = Field(description="Hora local de la tienda, HH:MM; null: revisa cada hora.")
    default_enabled: bool
    default_at: str | None
    customer_facing: bool = Field(description="Llega a clientes: nunca en horas de silencio.")
    quiet_hours: str | None = Field(
        description="Horas de silencio de la tienda (HH:MM–HH:MM) de una tarea que llega a "
                    "clientes: ni se programa ni envía en ellas; null si no llega a clientes.")


class JobChoice(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    enabled: bool
    at: Annotated[str, Field(pattern=HHMM)] | None = None


class RunOut(BaseModel):
    job: str
    title: str
    period: str
    scheduled_for: datetime
    status: str = Field(description="running, sent, skipped o failed.")
    reason: str | None = Field(description="Por qué se omitió o falló (código estable).")
    late: bool = Field(description="Se envió tarde: el servidor estuvo apagado a su hora.")
    finished_at: datetime | None
    attempts: int
    text: str | None = Field(description="Lo que dijo (o habría dicho) el mensaje.")


def _out(v: JobView) -> JobOut:
    return JobOut(job=v.job, title=v.title, description=v.description, enabled=v.enabled,
                  at=f"{v.at:%H:%M}" if v.at else None, default_enabled=v.default_enabled,
                  default_at=f"{v.default_at:%H:%M}" if v.default_at else None,
                  customer_facing=v.customer_facing,
                  quiet_hours=f"{v.quiet[0]:%H:%M}–{v.quiet[1]:%H:%M}" if v.quiet else None)


def _run(r: RunView) -> RunOut:
    return RunOut(job=r.job, title=r.title, period=r.period, scheduled_for=r.scheduled_for,
                  status=r.status, reason=r.reason, late=r.late, finished_at=r.finished_at,
                  attempts=r.attempts, text=r.text)


@router.get("", response_model=list[JobOut])
async def list_jobs(tenant_id: OwnerTenant, pool: Pool) -> list[JobOut]:
    return [_out(v) for v in await scheduled_jobs.list_jobs(pool, tenant_id)]


@router.get("/runs", response_model=list[RunOut])
async def runs(tenant_id: OwnerTenant, pool: Pool,
               limit: Annotated[int, Query(ge=1, le=200)] = 50,
               job: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")] = None
               ) -> list[RunOut]:
    return [_run(r) for r in await scheduled_jobs.recent_runs(pool, tenant_id, limit, job)]


@router.put("/{job}", response_model=JobOut)
async def choose(job: Annotated[str, Path(max_length=40, pattern=r"^[a-z_]+$")], body: JobChoice,
                 tenant_id: OwnerTenant, pool: Pool) -> JobOut:
    at = datetime.strptime(body.at, "%H:%M").time() if body.at else None
    return _out(await scheduled_jobs.choose(pool, tenant_id, job, body.enabled, at))

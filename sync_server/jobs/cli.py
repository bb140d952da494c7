"""The operator's ``./bin/server jobs …`` commands: the shops the scheduler sees, one job run
now for one shop, one tick now (what is due everywhere, the clean-up included), and a shop's
latest runs. The same engine and claims as the scheduler in the server, so a run by hand never
doubles a scheduled one: it has a period of its own ("manual:…")."""

from __future__ import annotations

import argparse
import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sync_server.db import Pool
from sync_server.jobs.base import Outcome, Shop
from sync_server.jobs.catalog import BY_NAME
from sync_server.jobs.engine import AlreadyRunByHand, JobEngine
from sync_server.services import scheduled_jobs

USAGE_ERROR = 2
RUN_FAILED = 1


def add_commands(sub: Any) -> None:
    """``jobs`` and its sub-commands, on the server's argument parser."""
    jobs = sub.add_parser("jobs", help="scheduled jobs: list shops, run one now, tick, runs")
    cmd = jobs.add_subparsers(dest="jobs_command", required=True)
    cmd.add_parser("shops", help="every shop the scheduler sees, with its zone and settings")
    now = cmd.add_parser("run-now", help="run one job for one shop now (its own period)")
    now.add_argument("job", help=", ".join(BY_NAME))
    now.add_argument("--shop", type=uuid.UUID, help="tenant_id (optional with a single shop)")
    now.add_argument("--at", help="run as of this moment: ISO date and time, the shop's own "
                     "time if it has no offset (e.g. a missed day's summary: 2026-12-04T21:30)")
    now.add_argument("--json", action="store_true", help="print the outcome as JSON")
    cmd.add_parser("tick", help="one pass now: every due run of every shop, and the clean-up")
    runs = cmd.add_parser("runs", help="a shop's latest runs")
    runs.add_argument("--shop", type=uuid.UUID, help="tenant_id (optional with a single shop)")
    runs.add_argument("--limit", type=int, default=20)


class Refused(Exception):
    """A command the operator must correct (Spanish message, exit code 2)."""


async def command(engine: JobEngine, pool: Pool, args: argparse.Namespace) -> tuple[int, str]:
    """Run ``args.jobs_command``; answer the exit code and what to print."""
    try:
        if args.jobs_command == "shops":
            return 0, _shops(await engine.shops())
        if args.jobs_command == "tick":
            report = await engine.tick()
            lines = [f"{tenant} {job} {period}: {_says(o)}" for tenant, job, period, o in report.ran]
            return 0, "\n".join(lines) or "nada pendiente: todo lo que tocaba ya se hizo"
        shop = _pick(await engine.shops(), args.shop)
        if args.jobs_command == "runs":
            if args.limit < 1:
                raise Refused("--limit debe ser 1 o más")
            rows = await scheduled_jobs.recent_runs(pool, shop.tenant_id, min(args.limit, 200))
            return 0, "\n".join(
                f"{r.scheduled_for:%Y-%m-%d %H:%M}Z {r.job} {r.period}: {_status(r.status, r.reason)}"
                f"{' · enviado tarde' if r.late else ''}"
                for r in rows) or "sin ejecuciones todavía"
        job = BY_NAME.get(args.job)
        if job is None:
            raise Refused(f"no existe la tarea «{args.job}»; son: {', '.join(BY_NAME)}")
        try:
            outcome = await engine.run_now(job, shop.tenant_id, _moment(args.at, shop))
        except AlreadyRunByHand:
            raise Refused(f"«{job.name}» ya se corrió a mano para esa tienda a esa hora") from None
    except Refused as exc:
        return USAGE_ERROR, f"error: {exc}"
    code = RUN_FAILED if outcome.status == "failed" else 0
    if args.json:
        return code, json.dumps({"job": job.name, "tenant_id": str(shop.tenant_id),
                                 "status": outcome.status, "reason": outcome.reason,
                                 "detail": dict(outcome.detail)}, default=str, ensure_ascii=False)
    text = outcome.detail.get("text")
    return code, _says(outcome) + (f"\n\n{text}" if isinstance(text, str) else "")


def _pick(shops: Sequence[Shop], wanted: uuid.UUID | None) -> Shop:
    if wanted is not None:
        for s in shops:
            if s.tenant_id == wanted:
                return s
        raise Refused(f"no hay una tienda {wanted}")
    if len(shops) == 1:
        return shops[0]
    raise Refused(f"hay {len(shops)} tiendas: di cuál con --shop TENANT_ID (./bin/server jobs shops)"
                  if shops else "no hay tiendas todavía")


def _moment(at: str | None, shop: Shop) -> datetime | None:
    """``--at``: an aware moment; without an offset it is the shop's wall-clock time."""
    if at is None:
        return None
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise Refused(f"--at no es una fecha y hora ISO: «{at}» (p. ej. 2026-12-04T21:30)") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=shop.tz)).astimezone(UTC)


def _shops(shops: Sequence[Shop]) -> str:
    out = []
    for s in shops:
        changed = ", ".join(f"{job}={'sí' if c.enabled else 'no'}"
                            f"{f'@{c.at:%H:%M}' if c.at else ''}" for job, c in s.choices.items())
        out.append(f"{s.tenant_id} {s.tz.key}{f' ({changed})' if changed else ''}")
    return "\n".join(out) or "no hay tiendas todavía"


def _says(o: Outcome) -> str:
    return _status(o.status, o.reason)


def _status(status: str, reason: str | None) -> str:
    word = {"sent": "enviado", "skipped": "omitido", "failed": "falló",
            "running": "en curso"}.get(status, status)
    return f"{word}{f' ({reason})' if reason else ''}"

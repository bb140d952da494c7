"""The shop's settings record as screens and printouts read it: its time zone above all."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, Row, select

from pos_client.store.schema import settings

DEFAULT_TIMEZONE = "America/Mexico_City"


def current_settings(conn: Connection) -> Row[Any] | None:
    """The shop's settings row (the newest if a till ever held two), None until saved."""
    return conn.execute(select(settings).where(settings.c.deleted == 0)
                        .order_by(settings.c.hlc.desc()).limit(1)).first()


def zone_named(name: str | None) -> ZoneInfo:
    """The zone of that name; the default one when unset or unknown (a till with an older tz
    database, a hand-edited record)."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def shop_zone(conn: Connection) -> ZoneInfo:
    """The shop's time zone: every local date and time the shop sees is in it."""
    row = current_settings(conn)
    return zone_named(row.timezone if row else None)

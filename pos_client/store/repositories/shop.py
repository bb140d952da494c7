"""The shop's settings record as screens and printouts read it: its time zone above all."""

from __future__ import annotations

import json
import uuid
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection, Row, select

from pos_client.store.schema import settings
from shared.permissions import Permission, Role
from shared.sync.payloads import SettingsPayload

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


def stored_permissions(conn: Connection) -> dict[str, list[str]] | None:
    """The permission matrix as the owner last saved it (role → permissions); None: defaults."""
    row = current_settings(conn)
    return json.loads(row.permissions) if row is not None and row.permissions else None


def settings_record(conn: Connection) -> SettingsPayload | None:
    """The shop's settings as a record payload, to edit and save again; None until saved."""
    row = current_settings(conn)
    if row is None:
        return None
    stored = json.loads(row.permissions) if row.permissions else None
    return SettingsPayload(
        id=uuid.UUID(row.id), shop_name=row.shop_name, address=row.address, phone=row.phone,
        rfc=row.rfc, timezone=row.timezone or DEFAULT_TIMEZONE, receipt_footer=row.receipt_footer,
        permissions=None if stored is None else {
            Role(r): [Permission(p) for p in perms] for r, perms in stored.items()})

"""What the till's invoicing screens need from the till itself: the shop's calendar (its zone and
today's date there). The invoices live on the server; the screens ask it through pos_client.sync."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from pos_client.services.till import Till
from pos_client.store.repositories.shop import current_settings, zone_named


@dataclass(frozen=True, slots=True)
class ShopCalendar:
    zone: ZoneInfo  # invoices' times are shown in it
    today: date  # the shop's today: the month the Facturas tab opens on


def shop_calendar(till: Till) -> ShopCalendar:
    with till.db.read() as tx:
        row = current_settings(tx)
    zone = zone_named(row.timezone if row else None)
    return ShopCalendar(zone, till.now().astimezone(zone).date())

"""Typed UUIDv7 ids, made on the device that creates the thing."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import NewType

import uuid6

TenantId = NewType("TenantId", uuid.UUID)
DeviceId = NewType("DeviceId", uuid.UUID)
ChangeId = NewType("ChangeId", uuid.UUID)
SaleId = NewType("SaleId", uuid.UUID)
ProductId = NewType("ProductId", uuid.UUID)
MovementId = NewType("MovementId", uuid.UUID)


# The writer id of changes the server makes itself (catalog set-up, WhatsApp orders), for the
# last-writer-wins tie-break on (hlc, writer).
SERVER_WRITER = uuid.UUID(int=0)


def new_uuid7() -> uuid.UUID:
    """A time-ordered UUIDv7 (RFC 9562) as a plain ``uuid.UUID``."""
    return uuid.UUID(int=uuid6.uuid7().int)


def uuid7_floor(at: datetime) -> uuid.UUID:
    """The smallest UUIDv7 of the millisecond ``at``: every id made from then on (by a clock
    that agreed) sorts at or after it. Lets a query over recent facts read only recent rows of
    an index on their id; the fact's own time still decides what belongs."""
    return uuid.UUID(int=int(at.timestamp() * 1000) << 80)

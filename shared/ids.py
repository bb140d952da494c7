"""Typed UUIDv7 ids, made on the device that creates the thing."""

from __future__ import annotations

import uuid
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

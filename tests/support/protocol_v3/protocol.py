"""The calls of sync protocol version 3, frozen: verbatim from commit 208ca17 (the last commit of
`main` speaking version 3, 2026-12-05), only the imports changed. What the released till reads
and sends; the tests of the compatibility window check the version-4 server against it.
DO NOT update it with the wire: it is the old side."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from tests.support.protocol_v3.envelopes import Change
from tests.support.protocol_v3.payloads import Name, Wire

# 2: line discounts and costs, who sold on which shift and account, mayoreo, audit events.
# 3: message requests (a statement sent over WhatsApp by the server).
PROTOCOL_VERSION = 3
PROTOCOL_HEADER = "X-MCH-Protocol"
MAX_PUSH_CHANGES = 500
MAX_PULL_LIMIT = 1000


class PushRequest(Wire):
    changes: Annotated[list[Change], Field(min_length=1, max_length=MAX_PUSH_CHANGES)]


ChangeStatus = Literal["accepted", "duplicate", "rejected"]


class ChangeResult(Wire):
    change_id: uuid.UUID
    status: ChangeStatus
    code: str | None = None
    message: str | None = None


class PushResponse(Wire):
    results: list[ChangeResult]
    # device_seq ranges [first, last] the server has never received from this device although
    # later ones arrived: changes lost on the device (a restored backup, a damaged outbox).
    gaps: list[tuple[int, int]] = []


class FeedItem(Wire):
    seq: int
    origin_device_id: uuid.UUID | None
    change: Change


class PullPage(Wire):
    items: list[FeedItem]
    cursor: int
    has_more: bool
    head: int  # the shop's newest feed number when the page was read: for progress bars


class DeviceState(Wire):
    """What the server knows of the calling device: lets a device restored from an old backup
    notice it and continue its numbering instead of reusing numbers."""

    device_id: uuid.UUID
    device_code: str
    last_device_seq: int
    last_folio: int  # the highest folio number of this device's series the server has


class PairingCodeOut(Wire):
    code: str
    expires_at: AwareDatetime


class PairRequest(Wire):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=16)]
    device_name: Name


class PairResponse(Wire):
    tenant_id: uuid.UUID
    device_id: uuid.UUID
    device_code: str
    credential: str
    shop_name: str


class ErrorBody(Wire):
    """Every 4xx/5xx body: a stable ``code`` for machines, a Spanish ``message`` for people."""

    code: str
    message: str
    detail: list[dict[str, object]] | None = None


"""The calls of the sync protocol: its version, push and pull bodies, device state, pairing and
error bodies."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from shared.sync.envelopes import Change
from shared.sync.payloads import Name, Wire

# 2: line discounts and costs, who sold on which shift and account, mayoreo, audit events.
# 3: message requests (a statement sent over WhatsApp by the server).
# 4: orders (server-made facts with their lines), order statuses aceptado and rechazado;
#    the shop's plan (a server-made record: what the plan allows, its state and dates).
#    Record edits merged field by field (``fields``), absolute counts (stock_count), changes
#    the server makes filed under the server, the server's copy of a refused record.
PROTOCOL_VERSION = 4
# The compatibility window: the server accepts these versions (docs/sync-protocol.md,
# "Versions the server accepts") and translates for the older one.
SUPPORTED_VERSIONS = (3, 4)
PROTOCOL_HEADER = "X-MCH-Protocol"
# On a 426: the versions the server accepts, "3,4", so a till can tell whether it is too old
# or too new for the server.
SUPPORTED_HEADER = "X-MCH-Protocol-Supported"
# On a version-3 page: what was left out of it because version 3 cannot read it, as
# "entity=count" pairs ("order=2,stock_count=1").
SKIPPED_HEADER = "X-MCH-Skipped"
# On every sync answer: names the server's feed history; a new value means the server was restored
# from a backup and the device must push again what it lost and pull from the start.
FEED_EPOCH_HEADER = "X-MCH-Feed-Epoch"
MAX_PUSH_CHANGES = 500
MAX_PULL_LIMIT = 1000


class PushRequest(Wire):
    changes: Annotated[list[Change], Field(min_length=1, max_length=MAX_PUSH_CHANGES)]


ChangeStatus = Literal["accepted", "duplicate", "rejected"]


class ServerCopy(Wire):
    """The server's copy of a record whose edit it refused: the record whole (``op`` delete:
    it is deleted; ``hlc``: its newest stamp; ``change_id``: the newest change the server has
    of it) and the stamp ``[hlc, writer]`` of each of its fields (``deleted`` included). The
    till puts it in place of its own row, stamps and all (docs/sync-protocol.md, "Push")."""

    record: Change
    stamps: dict[str, tuple[int, uuid.UUID]]


class ChangeResult(Wire):
    change_id: uuid.UUID
    status: ChangeStatus
    code: str | None = None
    message: str | None = None
    # Version 4, on a rejected record change only: the server's copy of the record, when the
    # server has it. Left out of the answer when None (a version-3 till refuses unknown keys).
    current: ServerCopy | None = None


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


class WhatsAppCodeOut(Wire):
    """A one-time code for a customer at the counter to send from their WhatsApp."""

    code: str
    expires_at: AwareDatetime
    instructions: str


class WhatsAppConsentOut(Wire):
    """Whether the shop may message a customer on WhatsApp: ``confirmado`` (they wrote to the
    shop's number or sent a code), ``pendiente_de_confirmar`` (neither yet) or ``baja`` (they
    asked for no messages); ``message`` says it in Spanish for the cashier."""

    state: Literal["confirmado", "pendiente_de_confirmar", "baja"]
    message: str


class PairRequest(Wire):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=4, max_length=16)]
    device_name: Name
    # A store paired before (revoked, or moved to a new code) keeps its change numbers: the new
    # device's series continues after this one, so its queued changes report no gap (0: new).
    continues_after: Annotated[int, Field(ge=0, le=2**62)] = 0


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


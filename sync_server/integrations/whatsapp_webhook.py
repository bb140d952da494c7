"""Meta's webhook for WhatsApp: the signature over the raw body, and its items (messages,
statuses) split out and read into plain values. Pure: no database, no network."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shared.phone import from_whatsapp

MAX_KEY = 600


def valid_signature(app_secret: str, raw: bytes, header: str | None) -> bool:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>``, compared in constant
    time. Computed over the bytes exactly as received: Meta signs its own escaping."""
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    mac = hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, header.removeprefix("sha256=").strip().lower())


@dataclass(frozen=True)
class InboxItem:
    key: str  # message:<wamid> | status:<wamid>:<status> | other:<sha256>
    kind: str
    phone_number_id: str
    body: dict[str, Any]


def split(payload: Any) -> list[InboxItem]:
    """Every item of one POST (it may carry several entries, changes, messages and statuses),
    each with the metadata and the sender's contact beside it. Unknown shapes become ``other``
    items: stored and acknowledged, never retried by Meta for days."""
    items: list[InboxItem] = []
    if not isinstance(payload, dict):
        return [_other("", payload)]
    for entry in _list(payload.get("entry")):
        for change in _list(entry.get("changes") if isinstance(entry, dict) else None):
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict) or change.get("field") != "messages":
                items.append(_other("", change))
                continue
            metadata = _dict(value.get("metadata"))
            number = str(metadata.get("phone_number_id") or "")[:100]
            contacts = [c for c in _list(value.get("contacts")) if isinstance(c, dict)]
            for message in _list(value.get("messages")):
                wamid = message.get("id") if isinstance(message, dict) else None
                if not isinstance(wamid, str) or not wamid:
                    items.append(_other(number, message))
                    continue
                body = {"metadata": metadata, "contact": _contact_of(contacts, message, "from",
                                                                     "from_user_id"),
                        "message": message}
                items.append(InboxItem(f"message:{wamid}"[:MAX_KEY], "message", number, body))
            for status in _list(value.get("statuses")):
                wamid = status.get("id") if isinstance(status, dict) else None
                state = status.get("status") if isinstance(status, dict) else None
                if not isinstance(wamid, str) or not isinstance(state, str):
                    items.append(_other(number, status))
                    continue
                body = {"metadata": metadata, "contact": _contact_of(
                    contacts, status, "recipient_id", "recipient_user_id"), "status": status}
                items.append(InboxItem(f"status:{wamid}:{state}"[:MAX_KEY], "status", number, body))
            if value.get("errors"):
                items.append(_other(number, value))
    return items


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _contact_of(contacts: list[dict[str, Any]], item: dict[str, Any], phone_field: str,
                bsuid_field: str) -> dict[str, Any]:
    for c in contacts:
        if (item.get(phone_field) and c.get("wa_id") == item.get(phone_field)) or (
                item.get(bsuid_field) and c.get("user_id") == item.get(bsuid_field)):
            return c
    return contacts[0] if len(contacts) == 1 else {}


def _other(number: str, thing: Any) -> InboxItem:
    raw = json.dumps(thing, sort_keys=True, default=str)
    return InboxItem("other:" + hashlib.sha256(raw.encode()).hexdigest(), "other", number,
                     {"item": thing})


# ---- reading an item ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Who wrote (or whom a status is about): any of these may be missing since usernames."""

    phone: str | None  # E.164, the 521 of Mexican ids removed
    wa_id: str | None
    bsuid: str | None
    username: str | None = None
    name: str | None = None

    @property
    def key(self) -> str | None:
        """How the shared number remembers this person's chosen shop."""
        return self.bsuid or self.wa_id


@dataclass(frozen=True)
class OrderItem:
    retailer_id: str
    qty: int
    price_centavos: int | None


@dataclass(frozen=True)
class Inbound:
    wamid: str
    sent_at: datetime
    person: Person
    type: str
    text: str  # what they wrote, or the title of the button or row they chose
    choice: str | None = None  # the id of the button or row they chose
    order: list[OrderItem] = field(default_factory=list)


def read_message(body: dict[str, Any]) -> Inbound:
    m, contact = body.get("message") or {}, body.get("contact") or {}
    profile = _dict(contact.get("profile"))
    wa_id = _str(m.get("from")) or _str(contact.get("wa_id"))
    person = Person(phone=from_whatsapp(wa_id), wa_id=wa_id,
                    bsuid=_str(m.get("from_user_id")) or _str(contact.get("user_id")),
                    username=_str(profile.get("username")), name=_str(profile.get("name")))
    kind = _str(m.get("type")) or "unknown"
    text, choice, order = "", None, []
    if kind == "text":
        text = _str((m.get("text") or {}).get("body")) or ""
    elif kind == "interactive":
        inter = m.get("interactive") or {}
        reply = inter.get("button_reply") or inter.get("list_reply") or {}
        choice, text = _str(reply.get("id")), _str(reply.get("title")) or ""
    elif kind == "button":  # a template's quick-reply button
        button = m.get("button") or {}
        choice, text = _str(button.get("payload")), _str(button.get("text")) or ""
    elif kind == "order":
        for it in _list((m.get("order") or {}).get("product_items")):
            if isinstance(it, dict) and _str(it.get("product_retailer_id")):
                order.append(OrderItem(str(it["product_retailer_id"]), _int(it.get("quantity")),
                                       _centavos(it.get("item_price"))))
        text = _str((m.get("order") or {}).get("text")) or ""
    return Inbound(wamid=str(m.get("id")), sent_at=_when(m.get("timestamp")), person=person,
                   type=kind, text=text[:4096], choice=choice, order=order)


@dataclass(frozen=True)
class StatusUpdate:
    wamid: str
    status: str
    at: datetime
    error_code: int | None
    error_detail: str | None


def read_status(body: dict[str, Any]) -> StatusUpdate:
    s = body.get("status") or {}
    errors = [e for e in _list(s.get("errors")) if isinstance(e, dict)]
    code = _int(errors[0].get("code")) if errors else None
    detail = None
    if errors:
        data = _dict(errors[0].get("error_data"))
        detail = _str(data.get("details")) or _str(errors[0].get("message"))
    return StatusUpdate(wamid=str(s.get("id")), status=str(s.get("status")),
                        at=_when(s.get("timestamp")), error_code=code or None, error_detail=detail)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _centavos(value: Any) -> int | None:
    """Meta sends an order's item_price as decimal pesos (18.5): centavos, exactly."""
    try:
        return int(Decimal(str(value)) * 100)
    except (InvalidOperation, ValueError, TypeError):
        return None


def _when(value: Any) -> datetime:
    """Meta's timestamps are strings of Unix seconds; a missing or odd one reads as now."""
    try:
        return datetime.fromtimestamp(int(str(value)), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.now(UTC)

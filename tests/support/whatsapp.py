"""WhatsApp in tests: Meta's webhook payloads (the fixtures' shapes), signed as Meta signs them
and posted to the real endpoint; the server's settings for the fake Graph API; and builders."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from shared.clock import utc_now
from sync_server.services.integrations import Integrations
from tests.support.billing import put_on_plan
from tests.support.fakes.graph import PHONE_NUMBER_ID, TOKEN, VERSION, FakeGraph
from tests.support.server import ServerHarness
from tests.support.wait import wait_until

APP_SECRET = "4f1c3a9e2b7d8e0f1a2b3c4d5e6f7a8b"
VERIFY_TOKEN = "verificame-michangarrito"
FIXTURES = Path(__file__).resolve().parents[1] / "server" / "fixtures" / "whatsapp"
SHOP_NUMBER_ID = "209876543210987"  # a shop's own WhatsApp number (its integration)
SHOP_TOKEN = "EAAG-shop-own-token"


def settings_for(graph: FakeGraph, **overrides: Any) -> dict[str, Any]:
    """Server settings: the platform's shared number on the fake Graph API, quick pacing."""
    return {"whatsapp_token": TOKEN, "whatsapp_phone_number_id": PHONE_NUMBER_ID,
            "whatsapp_api_url": graph.url, "whatsapp_api_version": VERSION,
            "whatsapp_poll_s": 0.05, "whatsapp_retry_base_s": 0.0,
            "whatsapp_app_secret": APP_SECRET, "whatsapp_verify_token": VERIFY_TOKEN,
            "whatsapp_inbox_poll_s": 0.05, "whatsapp_pair_interval_s": 0.01, **overrides}


def fixture(name: str, **replace: str) -> bytes:
    """A fixture's bytes as stored (Meta escapes non-ASCII as \\uXXXX), with placeholders swapped."""
    raw = (FIXTURES / f"{name}.json").read_text()
    for old, new in replace.items():
        raw = raw.replace(old, new)
    return raw.encode()


def signature(raw: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def post(server: ServerHarness, raw: bytes, sig: str | None = None) -> httpx.Response:
    headers = {"Content-Type": "application/json"}
    sig = signature(raw) if sig is None else sig
    if sig:
        headers["X-Hub-Signature-256"] = sig
    return httpx.post(f"{server.url}/v1/whatsapp/webhook", content=raw, headers=headers, timeout=10)


def message(text: str | None = None, *, wa_id: str | None = "5215512345678",
            bsuid: str | None = None, wamid: str | None = None, number: str = PHONE_NUMBER_ID,
            name: str = "Lupita", interactive: tuple[str, str] | None = None) -> bytes:
    """One inbound message in Meta's envelope: text, or a reply button's (id, title)."""
    msg: dict[str, Any] = {"id": wamid or f"wamid.{uuid.uuid4().hex}",
                           "timestamp": str(int(utc_now().timestamp()))}
    if wa_id:
        msg["from"] = wa_id
    if bsuid:
        msg["from_user_id"] = bsuid
    if interactive:
        msg.update(type="interactive", interactive={"type": "button_reply", "button_reply": {
            "id": interactive[0], "title": interactive[1]}})
    else:
        msg.update(type="text", text={"body": text or ""})
    contact: dict[str, Any] = {"profile": {"name": name}}
    if wa_id:
        contact["wa_id"] = wa_id
    if bsuid:
        contact["user_id"] = bsuid
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [
        {"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "5215550001111", "phone_number_id": number},
            "contacts": [contact], "messages": [msg]}}]}]}
    return json.dumps(payload).encode()  # ensure_ascii: non-ASCII escaped, as Meta sends it


def status(wamid: str, state: str, *, number: str = PHONE_NUMBER_ID) -> bytes:
    return fixture("statuses", WAMID=wamid, STATUS=state).replace(
        PHONE_NUMBER_ID.encode(), number.encode())


def shop_owns_number(server: ServerHarness, tenant_id: uuid.UUID,
                     number: str = SHOP_NUMBER_ID, token: str = SHOP_TOKEN,
                     plan: str | None = "tiendita") -> None:
    """The shop's own WhatsApp number and token, saved as the owner saves them; and, unless
    ``plan`` is None, the shop on that plan (one with the bot, so it answers) through
    ``tests.support.billing.put_on_plan``, which BYPASSES billing."""
    async def save(pool: Any) -> None:
        await Integrations.from_settings(pool, server.settings).save(
            tenant_id, "whatsapp", {"phone_number_id": number}, {"token": token})
        if plan is not None:
            await put_on_plan(pool, tenant_id, plan)
    server.call(save)


def inbox_done(server: ServerHarness) -> bool:
    rows = server.admin("SELECT count(*) AS n FROM whatsapp_inbox WHERE handled_at IS NULL")
    return rows[0]["n"] == 0


def wait_handled(server: ServerHarness, what: str = "the webhook events handled") -> None:
    wait_until(lambda: inbox_done(server), timeout=15, what=what)


def given_contact_wrote(server: ServerHarness, tenant_id: uuid.UUID, phone: str) -> None:
    """Builder (bypasses the webhook): this phone wrote to the shop just now, so the shop may
    message it. For tests about sending, not about receiving."""
    server.admin(
        """INSERT INTO wa_contacts (tenant_id, contact_id, phone, first_inbound_at,
                                    last_inbound_at)
           VALUES ($1, $2, $3, now(), now())
           ON CONFLICT (tenant_id, phone) DO UPDATE SET first_inbound_at = now(),
                  last_inbound_at = now()""", tenant_id, uuid.uuid4(), phone)


def texts_to(graph: FakeGraph, to: str) -> list[str]:
    """What the fake Graph API was asked to send to ``to`` (a number or BSUID), as text."""
    out = []
    for r in graph.sent():
        body = r.body
        if body.get("to") != to and body.get("recipient") != to:
            continue
        if body.get("type") == "text":
            out.append(body["text"]["body"])
        elif body.get("type") == "interactive":
            out.append(body["interactive"]["body"]["text"])
        elif body.get("type") == "template":
            out.append("template:" + body["template"]["name"])
        else:
            out.append(body.get("type", "?"))
    return out

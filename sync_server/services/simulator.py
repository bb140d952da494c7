"""The WhatsApp simulator for the demo (no Meta account): it plays Meta on both sides.

Inbound, it writes a customer's message in Meta's webhook shape, signs it with the app secret
and hands it to the same webhook use case production uses. Outbound, it is the Graph API the
sender posts to (MCH_WHATSAPP_API_URL points here): each message is kept, in memory, in the
transcript of the person it is for. One process, one demo: nothing here is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from shared.phone import from_whatsapp, normalize_phone, to_whatsapp
from sync_server.services import whatsapp_inbox
from sync_server.services.inbox_writer import InboxWriter


@dataclass
class Line:
    n: int
    direction: str  # "in" (the customer wrote) or "out" (the bot answered)
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)  # {"id", "title"}
    at: float = field(default_factory=time.time)


class Simulator:
    def __init__(self, app_secret: str, number_id: str) -> None:
        self._secret, self._number_id = app_secret, number_id
        self._lines: dict[str, list[Line]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def transcript(self, phone: str, after: int = 0) -> list[Line]:
        key = self._key(phone)
        with self._lock:
            return [ln for ln in self._lines.get(key, []) if ln.n > after]

    async def customer_says(self, writer: InboxWriter, phone: str, text: str, *,
                            choice: tuple[str, str] | None = None, name: str = "Cliente") -> None:
        """A message from ``phone`` (typed as a person types it), through the signed webhook."""
        wa_id = "521" + to_whatsapp(self._key(phone))[2:] if self._key(phone).startswith(
            "+52") else to_whatsapp(self._key(phone))
        n = next(self._ids)
        msg: dict[str, Any] = {"from": wa_id, "id": f"wamid.SIM{n:08d}{int(time.time())}",
                               "timestamp": str(int(time.time()))}
        if choice:
            msg.update(type="interactive", interactive={"type": "button_reply", "button_reply": {
                "id": choice[0], "title": choice[1]}})
        else:
            msg.update(type="text", text={"body": text})
        payload = {"object": "whatsapp_business_account", "entry": [{"id": "0", "changes": [{
            "field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "5215550000000", "phone_number_id": self._number_id},
                "contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": [msg]}}]}]}
        raw = json.dumps(payload).encode()
        signature = "sha256=" + hmac.new(self._secret.encode(), raw, hashlib.sha256).hexdigest()
        self._add(self._key(phone), Line(n, "in", choice[1] if choice else text))
        await whatsapp_inbox.receive(writer, SecretStr(self._secret), raw, signature)

    def graph_message(self, body: dict[str, Any]) -> dict[str, Any]:
        """What the sender posts to Graph: kept in the recipient's transcript; Graph's answer."""
        to = body.get("to") or body.get("recipient") or ""
        phone = from_whatsapp(to) or to
        n = next(self._ids)
        kind = body.get("type")
        text, buttons = "", []
        if kind == "text":
            text = body["text"]["body"]
        elif kind == "interactive":
            inter = body["interactive"]
            text = inter["body"]["text"]
            if inter["type"] == "button":
                buttons = [b["reply"] for b in inter["action"]["buttons"]]
            else:
                buttons = [{"id": r["id"], "title": r["title"]}
                           for s in inter["action"]["sections"] for r in s["rows"]]
        elif kind == "template":
            text = f"[plantilla {body['template']['name']}]"
        elif kind == "document":
            text = f"[documento {body['document'].get('filename', '')}]"
        self._add(phone, Line(n, "out", text, buttons))
        return {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": f"wamid.SIMOUT{n:08d}"}]}

    def _add(self, key: str, line: Line) -> None:
        with self._lock:
            self._lines.setdefault(key, []).append(line)

    @staticmethod
    def _key(phone: str) -> str:
        return normalize_phone(phone) or phone

"""The owner API driven over HTTP, as the owner's app would: sign up, log in, pair a till."""

from __future__ import annotations

from typing import Any

import httpx

from shared.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

HEADERS = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
PASSWORD = "tamales-de-rajas-2026"


def client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers=HEADERS, timeout=30)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_up(api: httpx.Client, email: str = "dona.mary@example.mx", shop: str = "Abarrotes",
            headers: dict[str, str] | None = None) -> dict[str, Any]:
    r = api.post("/v1/owners/signup", headers=headers, json={
        "shop_name": shop, "owner_name": "María", "email": email, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return dict(r.json())


def pair(api: httpx.Client, owner_token: str, name: str = "Caja 1") -> dict[str, Any]:
    code = api.post("/v1/pairing-codes", headers=auth(owner_token)).json()["code"]
    r = api.post("/v1/devices/pair", json={"code": code, "device_name": name})
    assert r.status_code == 200, r.text
    return dict(r.json())

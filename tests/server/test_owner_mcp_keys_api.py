"""Owners make, list, scope and revoke their shop's MCP keys over the API, and read the audit
of the tools' calls; another shop's keys are out of reach."""

from __future__ import annotations

import httpx
import pytest

from shared.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION

pytestmark = pytest.mark.e2e

HEADERS = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}


def _owner(server, email: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, headers=HEADERS)
    r = client.post("/v1/owners/signup", json={"shop_name": "Tienda", "owner_name": "María",
                                               "email": email, "password": "tamales-2026-xyz"})
    assert r.status_code == 201, r.text
    client.headers["Authorization"] = f"Bearer {r.json()['token']}"
    return client


def test_keys_are_made_scoped_listed_and_revoked(server):
    mary, other = _owner(server, "mary@example.mx"), _owner(server, "otra@example.mx")
    made = mary.post("/v1/owner/mcp-keys", json={"name": "Claude en la laptop"})
    assert made.status_code == 201, made.text
    key = made.json()
    assert key["token"].startswith("mchk1.")
    assert key["can_write"] is False
    assert key["hint"].endswith(key["token"][-4:])
    listed = mary.get("/v1/owner/mcp-keys").json()
    assert [k["key_id"] for k in listed] == [key["key_id"]]
    assert "token" not in listed[0]  # shown once, when made
    assert mary.patch(f"/v1/owner/mcp-keys/{key['key_id']}", json={"can_write": True}
                      ).json()["can_write"] is True
    assert other.post(f"/v1/owner/mcp-keys/{key['key_id']}/revoke").status_code == 404
    assert other.get("/v1/owner/mcp-keys").json() == []
    revoked = mary.post(f"/v1/owner/mcp-keys/{key['key_id']}/revoke").json()
    assert revoked["revoked"] is True
    assert mary.post("/v1/owner/mcp-keys", json={"name": ""}).status_code == 422
    assert httpx.get(f"{server.url}/v1/owner/mcp-keys", headers=HEADERS).status_code == 401
    assert mary.get("/v1/owner/tool-calls").json() == []

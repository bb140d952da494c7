"""Device credentials: ``mchd1.<tenant>.<device>.<secret>``; the server keeps only a hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

_PREFIX = "mchd1"


@dataclass(frozen=True)
class DeviceCredential:
    tenant_id: uuid.UUID
    device_id: uuid.UUID
    secret: str

    @property
    def token(self) -> str:
        return f"{_PREFIX}.{self.tenant_id.hex}.{self.device_id.hex}.{self.secret}"

    def matches(self, stored_hash: bytes) -> bool:
        return hmac.compare_digest(hash_secret(self.secret), stored_hash)


def new_credential(tenant_id: uuid.UUID, device_id: uuid.UUID) -> DeviceCredential:
    return DeviceCredential(tenant_id, device_id, secrets.token_urlsafe(32))


def hash_secret(secret: str) -> bytes:
    # The secret is 256 random bits, so a plain SHA-256 is enough (no password stretching).
    return hashlib.sha256(secret.encode()).digest()


def parse_credential(token: str) -> DeviceCredential | None:
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != _PREFIX or not (20 <= len(parts[3]) <= 100):
        return None
    try:
        return DeviceCredential(uuid.UUID(hex=parts[1]), uuid.UUID(hex=parts[2]), parts[3])
    except ValueError:
        return None

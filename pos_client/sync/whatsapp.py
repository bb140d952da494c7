"""A customer's WhatsApp at the till, asked of the shop's server while the till is online:
whether statements and order updates reach them yet ("pendiente de confirmar" until they wrote
to the shop's number or sent a one-time code), and such a code for the customer at the counter.

Online only, on purpose: consent is the server's to know (it sees who wrote), and a till that
cannot reach it says so instead of guessing. Raises Offline or SyncRefused (Spanish message).
"""

from __future__ import annotations

import uuid

from pos_client.store.device import Device
from pos_client.sync.client import SyncClient
from shared.sync.protocol import WhatsAppCodeOut, WhatsAppConsentOut


def consent(device: Device, customer_id: uuid.UUID) -> WhatsAppConsentOut:
    client = _client(device)
    try:
        return client.whatsapp_consent(customer_id)
    finally:
        client.close()


def code_for(device: Device, customer_id: uuid.UUID) -> WhatsAppCodeOut:
    client = _client(device)
    try:
        return client.whatsapp_code(customer_id)
    finally:
        client.close()


def _client(device: Device) -> SyncClient:
    if not (device.paired and device.server_url and device.credential):
        raise RuntimeError("only a till paired with a server asks it about WhatsApp")
    return SyncClient(device.server_url, device.credential, timeout=5.0)

"""Payment links for customers' fiado, as the API layer reaches them: the one door to
``sync_server/billing/paylinks.py`` (``pay_link_for``) and the providers' notifications."""

from __future__ import annotations

import uuid

from sync_server.billing import pay_events
from sync_server.billing.context import Billing
from sync_server.billing.pay_providers import Webhook
from sync_server.billing.paylinks import Link as Link
from sync_server.billing.paylinks import pay_link_for as pay_link_for


async def receive_notification(billing: Billing, provider: str, tenant_id: uuid.UUID, token: str,
                               body: bytes, headers: dict[str, str],
                               query: dict[str, str]) -> bool:
    return await pay_events.receive(billing, provider, tenant_id, token,
                                    Webhook(body, {k.lower(): v for k, v in headers.items()}, query))

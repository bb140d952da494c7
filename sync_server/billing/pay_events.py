"""Shops' payment notifications (placeholder while payment links are built)."""

from __future__ import annotations

from sync_server.billing.context import Billing


async def pay_pass(billing: Billing, retry_base_s: float) -> int:
    return 0

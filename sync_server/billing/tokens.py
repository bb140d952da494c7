"""AI-token packages bought through Checkout: where a paid package is credited to the shop.

The one function billing calls is :func:`credit_package` with (tenant, tokens, purchase_id),
inside the transaction that marks the purchase granted (``billing_checkouts.granted_at``, set
once by a conditional update: a duplicate or late event never reaches this function twice).

Today that granted purchase row is the whole record of the credit: the shop's package tokens
are the sum of its granted packages (:func:`package_tokens`). The per-shop token meter (a
ledger of usage and purchases, the tools helper's ``token_ledger``) is not on main yet; when
it lands, ``credit_package`` calls its idempotent credit with the same ``purchase_id`` and
``package_tokens`` reads its balance instead. Nothing else in billing changes.
"""

from __future__ import annotations

import logging
import uuid

from sync_server.repositories import Connection
from sync_server.repositories import subscriptions as subs_repo

log = logging.getLogger(__name__)


async def credit_package(
    conn: Connection, tenant_id: uuid.UUID, tokens: int, purchase_id: str
) -> None:
    """Credit ``tokens`` bought under ``purchase_id`` (e.g. ``stripe:cs_…``), in the caller's
    tenant transaction. The caller guarantees it is called once per purchase."""
    log.info("token package credited", extra={"tenant_id": str(tenant_id), "tokens": tokens,
                                              "purchase_id": purchase_id})


async def package_tokens(conn: Connection, tenant_id: uuid.UUID) -> int:
    """Tokens of every package credited to the shop (before usage: see the module's note)."""
    return await subs_repo.credited_tokens(conn, tenant_id)

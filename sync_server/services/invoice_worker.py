"""The invoicing worker: one asyncio task per server process that stamps pending CFDI, sends
cancellations and asks SAT about those waiting on the customer, and every few minutes issues
the factura global of closed periods, the payment complements and the credit notes due.

It runs on every replica: claims are committed rows taken with ``FOR UPDATE SKIP LOCKED`` (two
replicas never work on one invoice), a global claims its sales' rows, and a payment complement
is unique per (payment, invoice). The scheduled-jobs issue (#16) may move the periodic part
onto APScheduler; ``./bin/server cfdi-global`` runs it by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid

from shared.errors import DomainError
from sync_server import db
from sync_server.repositories import invoices
from sync_server.services import credit_notes, fiscal, global_invoice, invoice_payments, stamping
from sync_server.services.fiscal import CfdiContext

log = logging.getLogger(__name__)
PER_TENANT_PER_PASS = 20  # then the next shop gets its turn


class InvoiceWorker:
    def __init__(self, ctx: CfdiContext) -> None:
        self.ctx = ctx
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._last_schedule = float("-inf")

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="invoice-worker")

    def wake(self) -> None:
        self._wake.set()

    async def stop(self, grace_s: float = 40.0) -> None:
        """Let the call under way finish (its deadline is shorter than ``grace_s``); a claim
        cut short expires and is simply tried again."""
        self._stopping.set()
        self._wake.set()
        if self._task:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), grace_s)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            handled = 0
            try:
                handled = await self.run_once()
                if time.monotonic() - self._last_schedule >= self.ctx.settings.cfdi_global_every_s:
                    self._last_schedule = time.monotonic()
                    await self.schedule_pass()
            except Exception:
                log.exception("invoicing worker pass failed")
            if handled:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.ctx.settings.cfdi_poll_s)

    async def run_once(self) -> int:
        """One pass over every shop with stamping or cancelling due; how many were handled."""
        async with db.unscoped_tx(self.ctx.pool) as conn:
            tenants = await invoices.due_tenants(conn, stamping.CLAIM_LEASE_S)
        handled = 0
        for tenant_id in tenants:
            if self._stopping.is_set():
                break
            handled += await self._tenant(tenant_id)
        return handled

    async def _tenant(self, tenant_id: uuid.UUID) -> int:
        async with db.tenant_tx(self.ctx.pool, tenant_id) as conn:
            await invoices.expire_claims(conn, tenant_id, stamping.CLAIM_LEASE_S)
        try:
            issuing = await fiscal.issuing(self.ctx, tenant_id)
        except DomainError as exc:  # no CSD or PAC any more, or the CSD expired: wait for it
            log.warning("shop cannot stamp now", extra={"tenant_id": str(tenant_id),
                                                        "error": exc.message})
            return 0
        handled = 0
        for step in (stamping.stamp_next, stamping.cancel_next):
            for _ in range(PER_TENANT_PER_PASS):
                if self._stopping.is_set() or not await step(self.ctx, tenant_id, issuing):
                    break
                handled += 1
        return handled

    def schedule_soon(self) -> None:
        """The fiscal set-up changed: run the periodic part on the next turn, not in 15 minutes
        (what a refusal waited for may be fixed)."""
        self._last_schedule = float("-inf")
        self.wake()

    async def schedule_pass(self) -> None:
        """Globals of closed periods, payment complements and credit notes for returns after
        a stamped CFDI, for every invoicing shop."""
        async with db.unscoped_tx(self.ctx.pool) as conn:
            tenants = await invoices.invoicing_tenants(conn)
        for tenant_id in tenants:
            if self._stopping.is_set():
                return
            try:
                await self._schedule(tenant_id, await stamping.held_kinds(self.ctx, tenant_id))
            except DomainError as exc:
                log.info("shop skipped by the invoicing schedule",
                         extra={"tenant_id": str(tenant_id), "error": exc.message})
            except Exception:
                log.exception("invoicing schedule failed for a shop",
                              extra={"tenant_id": str(tenant_id)})

    async def remake_now(self, tenant_id: uuid.UUID) -> int:
        """The owner's "Reintentar ahora": no wait after a refusal, the shop's periodic part at
        once; how many CFDI it made (they are stamped on the worker's next turn). Once a minute
        per shop at most (``stamping.RemakeTooSoon`` otherwise)."""
        await stamping.claim_remake(self.ctx, tenant_id)
        await stamping.lift_waits(self.ctx, tenant_id)
        made = await self._schedule(tenant_id, set())
        self.wake()
        return made

    async def _schedule(self, tenant_id: uuid.UUID, held: set[str]) -> int:
        """One shop's periodic part, but not the kinds the PAC refused a moment ago (``held``:
        services.stamping waits before making them again); how many CFDI it made."""
        issuing = await fiscal.issuing(self.ctx, tenant_id)
        outcomes = ([] if "global" in held else
                    await global_invoice.due_globals(self.ctx, tenant_id, issuing))
        made = 0
        # Credit notes first: they lower what a PPD invoice's complements say is owed.
        if "credit" not in held:
            made += await credit_notes.issue_credit_notes(self.ctx, tenant_id, issuing)
        if "payment" not in held:
            made += await invoice_payments.issue_payment_receipts(self.ctx, tenant_id, issuing)
        for o in outcomes:
            if o.state == "waiting":
                log.info("global invoice waits for tills", extra={
                    "tenant_id": str(tenant_id), "period": o.period.label(),
                    "missing": [t.name for t in o.missing]})
        made += sum(o.state == "issued" for o in outcomes)
        if held:
            log.info("kinds refused by the PAC wait before they are made again",
                     extra={"tenant_id": str(tenant_id), "kinds": sorted(held)})
        if made:
            self.wake()
        return made

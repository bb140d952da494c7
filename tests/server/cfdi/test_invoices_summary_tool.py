"""The owner's invoices at a glance as a shop tool (invoices_summary): the same piles as the
back room's list (issued, errors, the globals waiting), counted and totalled, for the owner only."""

from __future__ import annotations

from datetime import datetime

import pytest

from shared.errors import DomainError
from shared.fiscal import check_receptor
from sync_server.services import invoice_files
from sync_server.services.tokens import fixed_plan
from sync_server.tools.base import Caller, CallerRole
from sync_server.tools.calls import ToolEnv, call_tool
from sync_server.tools.registry import offered
from tests.support.cfdi import MX, a_day_waiting_and_one_refused

pytestmark = pytest.mark.anyio
CUSTOMER = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G03")


async def test_the_month_counted_as_the_back_room_lists_it_and_only_for_the_owner(shop):
    await a_day_waiting_and_one_refused(shop, CUSTOMER)
    zone = MX
    env = ToolEnv(shop.ctx.pool, fixed_plan("Básico", 300))
    owner = Caller(shop.tenant_id, CallerRole.OWNER, "prueba", "test:owner")

    out = (await call_tool(env, owner, "invoices_summary", {})).output

    now = datetime.now(zone)
    listed = await invoice_files.list_invoices(shop.ctx, shop.tenant_id, now.year, now.month)
    assert out.invoices
    assert [(k.kind, k.count, k.total_centavos) for k in out.issued] == [
        ("ticket", 1, listed.issued[0].total)]
    assert (out.in_process, out.cancelled, out.errors) == (0, 0, 1)
    assert out.error_list[0].number == listed.errors[0].number
    assert "CFDI40102" in (out.error_list[0].error or "")
    assert [(p.first_day, p.sales) for p in out.pending_globals] == [
        (w.period.start, w.sales) for w in listed.pending_globals]
    assert out.pending_globals[0].sales == 1
    assert out.summary.startswith("Facturas de este mes: 1 factura a cliente por $")
    assert f"Con error: 1 ({listed.errors[0].number}: " in out.summary
    assert "Factura global pendiente del " in out.summary

    customer = Caller(shop.tenant_id, CallerRole.CUSTOMER, "whatsapp", "+525512345678",
                      shop.tenant_id)
    assert "invoices_summary" not in {t.name for t in offered(customer)}
    with pytest.raises(DomainError) as refused:
        await call_tool(env, customer, "invoices_summary", {})
    assert refused.value.code == "tool_not_allowed"

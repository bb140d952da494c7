"""Sales and returns as stored, and the sums the server's checks read back from them."""

from __future__ import annotations

import pytest

from shared.ids import new_uuid7
from sync_server.repositories import customers, returns, sales
from tests.support.wire_changes import TillChanges

pytestmark = pytest.mark.anyio


async def test_folios_fiado_amounts_and_lines_of_stored_sales(conn, tenant_id):
    till = TillChanges("C1")
    lupita, p1, p2 = new_uuid7(), new_uuid7(), new_uuid7()
    await customers.upsert_lww(conn, tenant_id, None, [till.customer(customer_id=lupita)])
    cash = till.sale([(p1, 1_500), (p2, 2_000)])
    fiado = till.sale([(p1, 1_500)], fiado_for=lupita)
    await sales.insert(conn, tenant_id, None, [cash, fiado])
    await sales.insert(conn, tenant_id, None, [cash])  # again: nothing doubles
    assert await sales.count(conn, tenant_id) == 2
    ids = [cash.payload.id, fiado.payload.id]
    assert await sales.folio_holders(conn, tenant_id, ["C1-1", "C1-2", "C1-9"]) == {
        "C1-1": cash.payload.id, "C1-2": fiado.payload.id}
    assert await sales.paid_by_method(conn, tenant_id, ids) == {
        cash.payload.id: {"efectivo": 3_500}, fiado.payload.id: {"fiado": 1_500}}
    assert await sales.lines_sold(conn, tenant_id, ids) == {
        (cash.payload.id, 1): (p1, 1000), (cash.payload.id, 2): (p2, 1000),
        (fiado.payload.id, 1): (p1, 1000)}
    assert await customers.balance(conn, tenant_id, lupita) == 0  # the charge is its own fact


async def test_what_was_returned_and_credited_per_sale_and_line(conn, tenant_id):
    till = TillChanges("C1")
    lupita, p1 = new_uuid7(), new_uuid7()
    await customers.upsert_lww(conn, tenant_id, None, [till.customer(customer_id=lupita)])
    sale = till.change("sale", {
        "id": new_uuid7(), "folio": "C1-1", "sold_at": "2026-01-05T12:00:00+00:00",
        "total": 3_000, "change": 0, "customer_id": lupita,
        "lines": [{"line_no": 1, "product_id": p1, "name": "Frijol", "qty_milli": 2000,
                   "unit_price": 1_500, "total": 3_000, "iva": "0"}],
        "payments": [{"method": "fiado", "amount": 3_000, "tendered": 3_000}]})
    await sales.insert(conn, tenant_id, None, [sale])
    sid = sale.payload.id
    first = till.sale_return(sid, [(1, p1, 1_500)], to_account=1_500)
    second = till.sale_return(sid, [(1, p1, 1_500)], to_account=1_000)
    await returns.insert_returns(conn, tenant_id, None, [first, second])
    await returns.insert_returns(conn, tenant_id, None, [first])
    assert await returns.returned_by_line(conn, tenant_id, [sid]) == {(sid, 1): 2000}
    assert await returns.credited_to_account(conn, tenant_id, [sid]) == {sid: 2_500}
    assert await returns.refund_rows(conn, tenant_id, [sid]) == {sid: [
        ("fiado", 1_500, 1_500, 0, 0), ("fiado", 1_500, 1_000, 0, 0)]}
    assert await returns.returned_by_line(conn, tenant_id, [new_uuid7()]) == {}


async def test_a_devices_last_folio_reads_only_its_own_series(conn, tenant_id):
    device = new_uuid7()
    till = TillChanges("C1")
    for folio in ("C1-9", "C1-10", "C12-99", "T1A2B3-50"):
        await sales.insert(conn, tenant_id, device, [till.sale([(None, 100)], folio=folio)])
    assert await sales.last_folio(conn, tenant_id, device, "C1") == 10
    assert await sales.last_folio(conn, tenant_id, new_uuid7(), "C1") == 0

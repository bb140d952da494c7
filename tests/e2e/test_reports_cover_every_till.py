"""Once synced, the back room's reports on any till cover the sales of every till of the shop."""

from __future__ import annotations

import pytest

from pos_client.services import reports
from pos_client.services.sales import record_sale
from pos_client.services.till import Till
from shared.sale import PaymentMethod, Tender
from tests.support.sales import ticket_for

pytestmark = pytest.mark.e2e


def test_a_till_reports_what_the_other_till_sold(server, shop, paired_device, small_catalog):
    a, b = paired_device("caja-1"), paired_device("caja-2")
    coke, chips = small_catalog[0], small_catalog[1]
    for pos in (a, b):
        pos.agent.sync_once()  # the shop's catalog
    sold_a = record_sale(a.till, ticket_for(a.db, coke.barcode, 2),
                         [Tender(PaymentMethod.CARD, 2 * coke.price, "AUT 1")])
    sold_b = record_sale(b.till, ticket_for(b.db, chips.barcode, 1),
                         [Tender(PaymentMethod.CASH, 50_000)])

    before = reports.run(Till(b.db, b.device), reports.Preset.TODAY)
    assert before.by_payment.net == sold_b.total  # offline from each other: only its own

    for pos in (a, b, a, b):
        pos.agent.sync_once()
    for pos in (a, b):
        seen = reports.run(Till(pos.db, pos.device), reports.Preset.TODAY)
        assert seen.by_day.net == sold_a.total + sold_b.total
        assert seen.by_day.tickets == 2
        by_method = {r.key: r.net for r in seen.by_payment.rows}
        assert by_method == {"tarjeta": sold_a.total, "efectivo": sold_b.total}

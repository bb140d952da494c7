"""A credit note's forma de pago follows where a return's money went by tender (refunds by
tender): the largest part out of the drawer, card and transfer parts included."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from shared.fiscal import (
    FORMA_COMPENSACION,
    FORMA_EFECTIVO,
    FORMA_TARJETA_DEBITO,
    FORMA_TRANSFERENCIA,
)
from sync_server.cfdi.credit import Refund, refund_forma

pytestmark = pytest.mark.unit


def _refund(method: str, to_account: int, card: int, transfer: int) -> Refund:
    return Refund(uuid.uuid4(), uuid.uuid4(), "C1-000001", datetime(2026, 11, 3), method,
                  10_000, to_account, [], card, transfer)


@pytest.mark.parametrize(("refund", "forma"), [
    (_refund("tarjeta", 0, 8_000, 0), FORMA_TARJETA_DEBITO),  # card kept from the original
    (_refund("efectivo", 0, 4_000, 0), FORMA_EFECTIVO),  # $60 cash beats $40 card
    (_refund("transferencia", 0, 0, 7_000), FORMA_TRANSFERENCIA),
    (_refund("efectivo", 0, 0, 0), FORMA_EFECTIVO),  # before the split: by refund_method
    (_refund("fiado", 9_000, 1_000, 0), FORMA_TARJETA_DEBITO),  # only the card left the till
    (_refund("fiado", 10_000, 0, 0), FORMA_COMPENSACION),
])
def test_the_forma_is_the_largest_part_that_left_the_till(refund, forma):
    assert refund_forma(refund, FORMA_TARJETA_DEBITO, "04") == forma

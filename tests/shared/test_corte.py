"""The corte's arithmetic: what each form should hold, and what a count may say."""

from __future__ import annotations

import uuid

import pytest

from shared.corte import CashMove, CorteReport, FormTotals, InvalidCount, ShiftInfo, checked_counts
from shared.errors import InvalidAmount
from shared.sale import PaymentMethod
from tests.shared.test_fiado import at

pytestmark = pytest.mark.unit

CASH, CARD, FIADO = PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.FIADO


def report(**forms: FormTotals) -> CorteReport:
    return CorteReport(
        shift=ShiftInfo(uuid.uuid4(), "Pepe", 50_000, None, at(0)),
        forms={PaymentMethod(k): v for k, v in forms.items()},
        cash_in=2_000, cash_out=10_000,
        movements=(CashMove("entrada", 2_000, "Morralla", at(0, 1)),
                   CashMove("salida", 10_000, "Proveedor", at(0, 2))),
        sales_count=3, sales_total=0, returns_count=0, cancelled_count=0, pending_changes=0)


def test_expected_cash_is_float_plus_sales_and_abonos_plus_in_minus_out_minus_refunds() -> None:
    r = report(efectivo=FormTotals(sales=12_000, abonos=3_000, refunds=4_500),
               tarjeta=FormTotals(sales=8_000, refunds=1_000))
    assert r.expected(CASH) == 50_000 + 12_000 + 3_000 + 2_000 - 10_000 - 4_500
    assert r.expected(CARD) == 7_000  # no float and no movements outside the drawer
    assert r.expected(FIADO) == 0  # a form nobody used
    counted = r.with_counted({CASH: 52_000, CARD: 7_000}, "Conté dos veces")
    assert (counted.difference(CASH), counted.difference(CARD)) == (-500, 0)
    assert counted.difference(FIADO) is None
    assert r.difference(CASH) is None  # the original is untouched


def test_only_forms_someone_can_count_are_counted_and_never_below_zero() -> None:
    assert checked_counts({CASH: 0, CARD: 100}) == {CASH: 0, CARD: 100}
    with pytest.raises(InvalidCount, match="Fiado no se cuenta"):
        checked_counts({FIADO: 100})
    with pytest.raises(InvalidAmount, match="negativo"):
        checked_counts({CASH: -1})

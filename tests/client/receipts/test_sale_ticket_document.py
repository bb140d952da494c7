"""The sale ticket as a pure document: built from plain data, no store, no services. What it says
for lines, discounts, taxes, payments, change, fiado, returns and a cancelled sale."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from pos_client.receipts.escpos import render_escpos
from pos_client.receipts.sale_ticket import (
    PaidPart,
    ReturnPart,
    SaleTicket,
    SoldLine,
    TicketShop,
    sale_document,
)
from pos_client.receipts.text import render_text
from shared.tax import IvaRate

pytestmark = pytest.mark.unit

SHOP = TicketShop("La Esquina", "Av. Juárez 5", None, None, None, ZoneInfo("America/Mexico_City"))
KICK = b"\x1bp\x00"


def _ticket(payments: tuple[PaidPart, ...], returns: tuple[ReturnPart, ...] = (),
            left: tuple[int, int] = (2000, 750), customer: str | None = None) -> SaleTicket:
    return SaleTicket(
        sale_id=uuid.UUID("01890000-0000-7000-8000-000000000001"), folio="C1-000042",
        sold_at=datetime(2026, 1, 10, 17, 5, tzinfo=UTC), total=7250, change=2750,
        cashier="Pepe", customer=customer,
        lines=(SoldLine(1, "Coca-Cola 600 ml", 2000, 2200, 300, 4100, IvaRate.GENERAL, 0, False,
                        left[0]),
               SoldLine(2, "Frijol negro a granel", 750, 3800, 0, 2850, IvaRate.TASA_CERO, 0, True,
                        left[1])),
        payments=payments, returns=returns, shop=SHOP)


def test_a_cash_ticket_says_it_all_and_opens_the_drawer_on_the_first_print_only():
    sale = _ticket((PaidPart("efectivo", 7250, 10000, None),))
    first = sale_document(sale)
    shown = render_text(first)
    for expected in ["La Esquina", "Av. Juárez 5", "Folio: C1-000042", "Fecha: 10/01/2026 11:05",
                     "Atendió: Pepe", "  2 x $22.00", "  Descuento", "-$3.00",
                     "  0.750 kg x $38.00", "TOTAL", "$72.50", "Efectivo", "$100.00", "Cambio",
                     "$27.50", "¡Gracias por su compra!"]:
        assert expected in shown, expected
    assert first.open_drawer
    assert KICK in render_escpos(first)
    assert first.qr == f"https://factura.michangarrito.mx/{sale.sale_id}"
    again = sale_document(sale, reprint=True)
    assert "*** REIMPRESIÓN ***" in render_text(again)
    assert not again.open_drawer
    assert KICK not in render_escpos(again)
    assert again.title == "Ticket C1-000042 (reimpresión)"


def test_a_card_and_fiado_ticket_names_the_customer_and_keeps_the_drawer_shut():
    sale = _ticket((PaidPart("tarjeta", 5000, 5000, "AUT 9"), PaidPart("fiado", 2250, 2250, None)),
                   customer="Don Chuy")
    shown = render_text(sale_document(sale))
    assert "  Ref. AUT 9" in shown
    assert "A cuenta (fiado)" in shown
    assert "Cliente: Don Chuy" in shown
    assert not sale_document(sale).open_drawer


def test_the_customer_is_printed_only_on_a_fiado_ticket():
    shown = render_text(sale_document(_ticket((PaidPart("efectivo", 7250, 10000, None),),
                                              customer="Don Chuy")))
    assert "Cliente" not in shown


def test_returns_are_listed_in_the_shops_time_and_a_sale_with_nothing_left_says_cancelled():
    back = ReturnPart(datetime(2026, 1, 11, 1, 30, tzinfo=UTC), "Venía abollada", 2050,
                      ((1, 1000, 2050),))
    partly = render_text(sale_document(_ticket((PaidPart("efectivo", 7250, 10000, None),), (back,),
                                               left=(1000, 750)), reprint=True))
    assert "10/01/2026 19:30 Venía abollada" in partly  # 01:30 UTC is still the 10th in CDMX
    assert "  1 Coca-Cola 600 ml" in partly
    assert "-$20.50" in partly
    assert "VENTA CANCELADA" not in partly
    rest = ReturnPart(datetime(2026, 1, 12, 16, 0, tzinfo=UTC), "Cancelación", 5200,
                      ((1, 1000, 2050), (2, 750, 2850)))
    whole = render_text(sale_document(_ticket((PaidPart("efectivo", 7250, 10000, None),),
                                              (back, rest), left=(0, 0)), reprint=True))
    assert "  0.750 kg Frijol negro a granel" in whole
    assert "Total devuelto" in whole
    assert "-$72.50" in whole
    assert "*** VENTA CANCELADA ***" in whole

"""One morning of a corner shop, pushed by its till, with every figure worked out by hand in
the comments (Mexico City is UTC−6 all year; NOW is Wednesday 18 March 2026, 13:00 there).

Today: shift opened 08:00 with $500; sale A 10:15 (2 Coca 600, cash, $44.00, recorded cost
$17.20); return 11:00 of one Fanta from yesterday's sale D ($18.33 cash); salida $100.00 at
11:30; sale B 12:40 (1 Coca 2 L + a común of $15.00, card, $57.00); close 12:55 counting
$420.00 cash and $57.00 card. Yesterday: sale D 09:00 (3 Fanta at $20.00 less $5.00 discount,
$30.00 cash + $25.00 transfer, recorded cost $15.80); sale C 23:30 (1 Coca 600 on fiado for
Lupita, $22.00) — already 05:30 of today in UTC, still yesterday for the shop. Lupita also owes
$100.00 from the notebook (45 days ago) and paid $40.00 ten days ago.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from tests.server.tools.conftest import NOW, ShopUnderTest
from tests.support.shop_facts import Line


def local(days_ago: int, hh: int, mm: int = 0) -> datetime:
    """A Mexico City wall-clock time ``days_ago`` days before NOW, as an aware UTC instant."""
    midnight_utc = NOW.replace(hour=6, minute=0)  # 00:00 in Mexico City on NOW's local day
    return midnight_utc - timedelta(days=days_ago) + timedelta(hours=hh, minutes=mm)


@dataclass
class Morning:
    lupita: uuid.UUID
    shift: uuid.UUID
    sale_d: uuid.UUID


async def one_morning(shop: ShopUnderTest) -> Morning:
    t = shop.till
    coca, coca2, fanta = shop.product("Coca-Cola 600"), shop.product("Coca-Cola 2 L"), \
        shop.product("Fanta")
    customer, lupita = t.customer("Lupita Hernández", "+525512345678", 50_000)
    opened, shift = t.shift_open(local(0, 8), 50_000)
    sale_d, d_id = t.sale([Line(fanta, 3000, discount=500, cost=1580)], local(1, 9),
                          split=[("efectivo", 3000)], pay="transferencia")
    sale_c, c_id = t.sale([Line(coca)], local(1, 23, 30), pay="fiado", customer=lupita)
    sale_a, _ = t.sale([Line(coca, 2000, cost=1720)], local(0, 10, 15), shift=shift)
    back = t.sale_return(d_id, [(1, fanta, 1000, 1833)], local(0, 11))
    salida = t.cash(shift, "salida", 10_000, local(0, 11, 30))
    sale_b, _ = t.sale([Line(coca2), Line(None, 1000, price=1500)], local(0, 12, 40),
                       pay="tarjeta", shift=shift)
    close = t.shift_close(shift, {"efectivo": 42_000, "tarjeta": 5_700}, local(0, 12, 55))
    await t.push(customer, opened, sale_d, sale_c, t.charge(lupita, 2200, local(1, 23, 30), c_id),
                 t.charge(lupita, 10_000, local(45, 18)), t.abono(lupita, 4000, local(10, 17)),
                 sale_a, back, salida, sale_b, close)
    return Morning(lupita, shift, d_id)

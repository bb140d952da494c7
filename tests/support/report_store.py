"""A shop's years of sales written fast, for the reports benchmark and its smoke test.

This builder BYPASSES the use cases and their rules (no shift, no permission, no stock or
credit check, no outbox): it hands validated wire payloads of three tills straight to the
store's own insert functions, in big transactions, the way a pulled page lands. What the
reports read — sales with their lines and payments, returns, fiado charges and abonos, the
catalog — is there as the real paths leave it; a sale still adds up because the wire models
refuse one that does not.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from pos_client.store.database import Database
from pos_client.store.repositories import catalog, customers, facts, operations
from pos_client.store.repositories.lww import Edit
from shared.hlc import pack
from shared.ids import new_uuid7
from shared.money import div_round_half_up
from shared.sale import PaymentMethod, line_total
from shared.sync.payloads import (
    CustomerPayload,
    FiadoChargePayload,
    FiadoPaymentPayload,
    ProductPayload,
    SaleLinePayload,
    SalePayload,
    SalePaymentPayload,
    SaleReturnLinePayload,
    SaleReturnPayload,
)
from shared.tax import IvaRate

MX = ZoneInfo("America/Mexico_City")
DEPARTMENTS = ("Abarrotes", "Bebidas", "Botanas", "Lácteos", "Salchichonería", "Limpieza",
               "Panadería", "Dulces", "Frutas y verduras", "Cremería", "Higiene", "Mascotas",
               "Papelería", "Tortillería", "Vinos y licores")
# Tickets per hour of the day, 07:00–21:00, as a corner shop sells (busiest after school and
# in the evening).
_HOURS = tuple(range(7, 22))
_HOUR_WEIGHTS = (3, 6, 6, 5, 5, 6, 8, 9, 7, 6, 7, 9, 10, 8, 4)


@dataclass(frozen=True)
class ShopSize:
    first_day: date
    days: int
    tickets_per_day: int  # on average; each day draws around it
    products: int = 2_000
    customers: int = 100
    tills: int = 3
    seed: int = 20_261_231

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=self.days - 1)


@dataclass(frozen=True)
class Built:
    tickets: int
    lines: int
    returns: int


@dataclass(frozen=True)
class _Product:
    id: uuid.UUID
    name: str
    price: int
    cost: int
    iva: IvaRate
    ieps_bp: int
    by_weight: bool


def _catalog(rng: random.Random, n: int) -> list[_Product]:
    out = []
    for i in range(n):
        iva = rng.choices(list(IvaRate), weights=(60, 3, 32, 5))[0]
        price = rng.randint(5, 300) * 100 - rng.choice((0, 0, 50, 1))
        by_weight = rng.random() < 0.1
        cost = 0 if rng.random() < 0.1 else div_round_half_up(price * rng.randint(55, 85), 100)
        ieps = 800 if iva is IvaRate.GENERAL and rng.random() < 0.15 else 0
        out.append(_Product(new_uuid7(), f"Producto {i:04d}", price, cost, iva, ieps, by_weight))
    return out


def _line(rng: random.Random, no: int, p: _Product | None, early: bool) -> SaleLinePayload:
    if p is None:  # producto común
        price = rng.randint(1, 80) * 100
        return SaleLinePayload(line_no=no, product_id=None, name="Varios", qty_milli=1000,
                               unit_price=price, total=price, iva=IvaRate.GENERAL)
    qty = rng.randint(100, 2_500) if p.by_weight else 1000 * rng.choice((1, 1, 1, 2, 2, 3, 6))
    gross = line_total(p.price, qty)
    discount = div_round_half_up(gross, 10) if rng.random() < 0.03 else 0
    # Lines from the first months were stored before costs were recorded.
    return SaleLinePayload(line_no=no, product_id=p.id, name=p.name, qty_milli=qty,
                           unit_price=p.price, total=gross - discount, iva=p.iva, ieps_bp=p.ieps_bp,
                           discount=discount, cost=None if early else p.cost)


def _payments(rng: random.Random, total: int) -> list[SalePaymentPayload]:
    roll = rng.random()
    if roll < 0.05:
        return [SalePaymentPayload(method=PaymentMethod.FIADO, amount=total, tendered=total)]
    if roll < 0.25:
        return [SalePaymentPayload(method=PaymentMethod.CARD, amount=total, tendered=total)]
    if roll < 0.30:
        return [SalePaymentPayload(method=PaymentMethod.TRANSFER, amount=total, tendered=total,
                                   reference="SPEI")]
    if roll < 0.33 and total > 100:  # part on card, the rest in cash
        card = total // 2
        return [SalePaymentPayload(method=PaymentMethod.CARD, amount=card, tendered=card),
                SalePaymentPayload(method=PaymentMethod.CASH, amount=total - card,
                                   tendered=total - card)]
    tendered = -(-total // 5_000) * 5_000 if rng.random() < 0.6 else total
    return [SalePaymentPayload(method=PaymentMethod.CASH, amount=total, tendered=tendered)]


def _day_sales(rng: random.Random, size: ShopSize, day: date, products: list[_Product],
               weights: list[float], people: list[uuid.UUID]) -> Iterator[SalePayload]:
    early = (day - size.first_day).days < 90
    count = max(0, int(rng.gauss(size.tickets_per_day, size.tickets_per_day / 8)))
    stamps = sorted(datetime.combine(day, time(rng.choices(_HOURS, _HOUR_WEIGHTS)[0],
                                               rng.randrange(60), rng.randrange(60)), MX)
                    for _ in range(count))
    for n, at in enumerate(stamps):
        size_ = 1 + int(rng.expovariate(1 / 4.05))  # 4.55 lines on average
        picks = rng.choices(products, cum_weights=weights, k=size_)
        lines = [_line(rng, no, None if rng.random() < 0.02 else p, early)
                 for no, p in enumerate(picks, start=1)]
        total = sum(ln.total for ln in lines)
        pays = _payments(rng, total)
        fiado = pays[0].method is PaymentMethod.FIADO
        yield SalePayload(id=new_uuid7(), folio=f"C{n % size.tills + 1}-{day:%y%m%d}{n:04d}",
                          sold_at=at.astimezone(UTC), total=total,
                          change=sum(p.tendered - p.amount for p in pays), lines=lines,
                          payments=pays, customer_id=rng.choice(people) if fiado else None)


def _return(rng: random.Random, sale: SalePayload) -> SaleReturnPayload:
    whole = rng.random() < 0.3  # a cancellation takes back every line
    chosen = sale.lines if whole else [rng.choice(sale.lines)]
    lines = [SaleReturnLinePayload(line_no=ln.line_no, product_id=ln.product_id, qty_milli=ln.qty_milli,
                                   amount=ln.total) for ln in chosen]
    amount = sum(ln.amount for ln in lines)
    fiado = sale.customer_id is not None
    return SaleReturnPayload(
        id=new_uuid7(), sale_id=sale.id, lines=lines, amount=amount,
        refund_method=PaymentMethod.FIADO if fiado and amount else PaymentMethod.CASH,
        reason="cliente", returned_at=sale.sold_at + timedelta(hours=rng.randint(0, 72)),
        refund_to_account=amount if fiado else 0)


def build_shop(db: Database, size: ShopSize) -> Built:
    """Fill an empty store with ``size``'s catalog, customers and days of sales (see above)."""
    rng = random.Random(size.seed)
    tills = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(size.tills)]
    products = _catalog(rng, size.products)
    popularity = [1 / (rank + 1) for rank in range(len(products))]  # a few sell most
    weights = list(accumulate(popularity))
    people = [new_uuid7() for _ in range(size.customers)]
    with db.write() as conn:
        catalog.upsert_many(conn, [
            Edit(ProductPayload(id=p.id, name=p.name, department=DEPARTMENTS[i % len(DEPARTMENTS)],
                                price=p.price, cost=p.cost, iva=p.iva, ieps_bp=p.ieps_bp,
                                sold_by_weight=p.by_weight), 1, str(tills[0]))
            for i, p in enumerate(products)])
        customers.upsert_many(conn, [Edit(CustomerPayload(id=c, name=f"Cliente {i:03d}",
                                                          credit_limit=500_000), 1, str(tills[0]))
                                     for i, c in enumerate(people)])
    tickets = lines = returned = 0
    for week in range(0, size.days, 7):
        batch: list[SalePayload] = []
        for offset in range(week, min(week + 7, size.days)):
            day = size.first_day + timedelta(days=offset)
            batch += _day_sales(rng, size, day, products, weights, people)
        backs = [_return(rng, s) for s in batch if rng.random() < 0.01]
        charges = [FiadoChargePayload(id=new_uuid7(), customer_id=s.customer_id, amount=s.total,
                                      sale_id=s.id, charged_at=s.sold_at)
                   for s in batch if s.customer_id is not None]
        abonos = [FiadoPaymentPayload(id=new_uuid7(), customer_id=c.customer_id,
                                      amount=max(1, div_round_half_up(c.amount * 9, 10)),
                                      method=PaymentMethod.CASH,
                                      paid_at=c.charged_at + timedelta(days=rng.randint(1, 40)))
                  for c in charges if rng.random() < 0.8]
        with db.write() as conn:  # (an empty list would be one insert of no values)
            facts.insert_sales(conn, [(s, rng.choice(tills), _stamp(s.sold_at)) for s in batch])
            if backs:
                operations.insert_returns(conn, [(r, rng.choice(tills), _stamp(r.returned_at))
                                                for r in backs])
            if charges:
                customers.insert_charges(conn, [(c, tills[0]) for c in charges])
            if abonos:
                customers.insert_payments(conn, [(p, tills[0]) for p in abonos])
        tickets += len(batch)
        lines += sum(len(s.lines) for s in batch)
        returned += len(backs)
    return Built(tickets, lines, returned)


def _stamp(at: datetime) -> int:
    """A hybrid-clock stamp for a fact made at ``at`` (what the till's clock would have said)."""
    return pack(int(at.timestamp() * 1000), 0)

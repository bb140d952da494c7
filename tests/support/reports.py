"""Builders for report tests. They BYPASS the use cases' rules on purpose: facts and records are
written the way a pulled change lands (``local.save``: the apply path every other till's sales
take), at any time and from any till, with no shift, permission or stock check — a report must
add up whatever facts the store holds. Every payload still goes through the wire models, so
each sale and return adds up as the server requires."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pos_client.services import local
from pos_client.services.report_period import Period, Preset, period_for
from pos_client.services.till import Till
from pos_client.store.apply import apply_change
from pos_client.store.repositories import catalog
from shared.ids import new_uuid7
from shared.money import div_round_half_up
from shared.sale import PaymentMethod, line_total
from shared.sync.envelopes import make_change
from shared.sync.payloads import (
    SETTINGS_ID,
    CustomerPayload,
    FiadoChargePayload,
    FiadoPaymentPayload,
    ProductPayload,
    SaleLinePayload,
    SalePayload,
    SalePaymentPayload,
    SaleReturnLinePayload,
    SaleReturnPayload,
    SettingsPayload,
    Wire,
)
from shared.tax import IvaRate

MX = ZoneInfo("America/Mexico_City")  # UTC-6 all year since 2022


def save(till: Till, entity: str, payload: Wire, op: str | None = None) -> None:
    with till.db.write() as conn:
        local.save(conn, till, entity, payload, op=op)


def add_product(till: Till, name: str, price: int, *, cost: int = 0, department: str | None = None,
                iva: IvaRate = IvaRate.GENERAL, ieps_bp: int = 0) -> uuid.UUID:
    product = ProductPayload(id=new_uuid7(), name=name, price=price, cost=cost,
                             department=department, iva=iva, ieps_bp=ieps_bp)
    save(till, "product", product, op="upsert")
    return product.id


def edit_product(till: Till, product_id: uuid.UUID, **fields: Any) -> None:
    """Change some of a product's fields, as an edit from another till arrives."""
    with till.db.read() as conn:
        current = catalog.payload(conn, product_id)
    assert current is not None
    save(till, "product", current.model_validate({**current.model_dump(), **fields}), op="upsert")


def set_zone(till: Till, tz: str) -> None:
    save(till, "settings", SettingsPayload(id=SETTINGS_ID, shop_name="Doña Mary", timezone=tz))


@dataclass(frozen=True)
class L:
    """A line to sell: product (None for común), name, unit price, quantity, taxes, discount."""

    product_id: uuid.UUID | None
    name: str
    unit_price: int
    qty_milli: int = 1000
    iva: IvaRate = IvaRate.GENERAL
    ieps_bp: int = 0
    discount: int = 0
    cost: int | None = None


def sale_payload(at: datetime, lines: list[L], payments: list[tuple[PaymentMethod, int]] | None = None,
                 tendered_extra: int = 0, customer_id: uuid.UUID | None = None) -> SalePayload:
    """A sale as the till builds it; ``payments`` default to cash; extra cash comes back as change."""
    body = [SaleLinePayload(line_no=i, product_id=ln.product_id, name=ln.name, qty_milli=ln.qty_milli,
                            unit_price=ln.unit_price,
                            total=line_total(ln.unit_price, ln.qty_milli) - ln.discount,
                            iva=ln.iva, ieps_bp=ln.ieps_bp, discount=ln.discount, cost=ln.cost)
            for i, ln in enumerate(lines, start=1)]
    total = sum(ln.total for ln in body)
    paid = payments or [(PaymentMethod.CASH, total)]
    pays = []
    for method, amount in paid:
        extra = tendered_extra if method is PaymentMethod.CASH else 0
        tendered_extra = 0 if method is PaymentMethod.CASH else tendered_extra
        pays.append(SalePaymentPayload(method=method, amount=amount, tendered=amount + extra))
    change = sum(p.tendered - p.amount for p in pays)
    fiado = any(m is PaymentMethod.FIADO for m, _ in paid)
    return SalePayload(id=new_uuid7(), folio=f"T-{uuid.uuid4().hex[:8]}", sold_at=at, total=total,
                       change=change, lines=body, payments=pays,
                       customer_id=customer_id or (new_uuid7() if fiado else None))


def sell(till: Till, at: datetime, lines: list[L],
         payments: list[tuple[PaymentMethod, int]] | None = None, tendered_extra: int = 0,
         customer_id: uuid.UUID | None = None) -> SalePayload:
    sale = sale_payload(at, lines, payments, tendered_extra, customer_id)
    save(till, "sale", sale)
    return sale


def return_payload(sale: SalePayload, at: datetime, qty: dict[int, int],
                   refund: PaymentMethod = PaymentMethod.CASH,
                   to_account: int | None = None) -> SaleReturnPayload:
    """Part of a sale back at ``at``: each line refunds its share of what it was charged;
    ``to_account`` of it goes back to the fiado account (all of it for a fiado refund)."""
    by_no = {ln.line_no: ln for ln in sale.lines}
    lines = [SaleReturnLinePayload(line_no=no, product_id=by_no[no].product_id, qty_milli=q,
                                   amount=div_round_half_up(by_no[no].total * q, by_no[no].qty_milli))
             for no, q in qty.items()]
    amount = sum(x.amount for x in lines)
    if amount == 0:  # nothing went back anywhere: the till records that as cash
        refund = PaymentMethod.CASH
    if to_account is None:
        to_account = amount if refund is PaymentMethod.FIADO else 0
    return SaleReturnPayload(id=new_uuid7(), sale_id=sale.id, lines=lines, amount=amount,
                             refund_method=refund, reason="cliente", returned_at=at,
                             refund_to_account=to_account)


def give_back(till: Till, sale: SalePayload, at: datetime, qty: dict[int, int],
              refund: PaymentMethod = PaymentMethod.CASH, to_account: int | None = None) -> SaleReturnPayload:
    back = return_payload(sale, at, qty, refund, to_account)
    save(till, "sale_return", back)
    return back


def arrives(till: Till, entity: str, payload: Wire) -> None:
    """A fact another till made, as it lands here in a pull (late, maybe days after it happened)."""
    with till.db.write() as conn:
        apply_change(conn, make_change(entity, payload, change_id=new_uuid7(), device_seq=1, hlc=1,
                                       created_at=datetime.now(UTC)), new_uuid7())


def add_customer(till: Till, name: str, credit_limit: int = 100_000) -> uuid.UUID:
    customer = CustomerPayload(id=new_uuid7(), name=name, credit_limit=credit_limit)
    save(till, "customer", customer, op="upsert")
    return customer.id


def charge(till: Till, customer_id: uuid.UUID, amount: int, at: datetime) -> None:
    save(till, "fiado_charge", FiadoChargePayload(id=new_uuid7(), customer_id=customer_id,
                                                  amount=amount, charged_at=at))


def abono(till: Till, customer_id: uuid.UUID, amount: int, at: datetime) -> None:
    save(till, "fiado_payment", FiadoPaymentPayload(id=new_uuid7(), customer_id=customer_id,
                                                    amount=amount, method=PaymentMethod.CASH,
                                                    paid_at=at))


def mx(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> datetime:
    """A Mexico City wall-clock time, stored (as the till does) in UTC."""
    return datetime(y, m, d, hh, mm, tzinfo=MX).astimezone(UTC)


def days(first: date, last: date, tz: ZoneInfo = MX) -> Period:
    return period_for(Preset.CUSTOM, first, tz, first, last)


def at_time(till: Till, at: datetime) -> Till:
    """The same till with its wall clock stopped at ``at`` (services read "now" from it)."""
    return Till(till.db, till.device, lambda: at)

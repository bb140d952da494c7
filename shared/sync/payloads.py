"""What each change carries on the wire: the payload models of every entity (pydantic, strict)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from shared.fiscal import SAT_PRODUCT_KEY, SAT_UNIT_KEY
from shared.orders import Fulfilment, OrderSource, OrderStatus
from shared.permissions import Permission, Role
from shared.plans import BillingStatus, PlanLimits
from shared.quantity import MAX_QTY_MILLI
from shared.sale import MAX_LINES, MAX_UNIT_PRICE, PaymentMethod, line_total
from shared.sync.bounds import Timestamp
from shared.tax import IvaRate

# No control characters (NUL included: PostgreSQL text refuses it) in any text that is stored.
_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=_PRINTABLE)
]
ShortText = Annotated[str, StringConstraints(max_length=500, pattern=_PRINTABLE)]
# A message to a person (WhatsApp's limit is 4096 characters): line breaks allowed, no other
# control characters (a tab, a carriage return or a NUL would not survive every hop alike).
_PRINTABLE_LINES = r"^[^\x00-\x09\x0b-\x1f\x7f]*$"
MessageText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4096,
                           pattern=_PRINTABLE_LINES)
]
Barcode = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z\-]{1,48}$")]
Money = Annotated[int, Field(ge=0, le=10_000_000_000)]
Qty = Annotated[int, Field(gt=0, le=MAX_QTY_MILLI)]
MAX_ORDER_LINES = 100


class Wire(BaseModel):
    """Strict: wrong types are refused, unknown fields are refused, nothing is coerced."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class SaleLinePayload(Wire):
    line_no: Annotated[int, Field(ge=1, le=MAX_LINES)]
    product_id: uuid.UUID | None
    name: Name
    qty_milli: Qty
    unit_price: Annotated[int, Field(ge=0, le=MAX_UNIT_PRICE)]
    total: Money
    iva: IvaRate
    ieps_bp: Annotated[int, Field(ge=0, le=100_000)] = 0
    # Centavos taken off this line (a line discount, or its share of a ticket discount):
    # total = unit_price × quantity − discount.
    discount: Money = 0
    # Unit cost (per piece or per kg) when it was sold, for the margin; None: not known (común).
    cost: Annotated[int, Field(ge=0, le=MAX_UNIT_PRICE)] | None = None


class SalePaymentPayload(Wire):
    method: PaymentMethod
    amount: Money
    tendered: Money
    reference: ShortText | None = None


class SalePayload(Wire):
    id: uuid.UUID
    folio: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9\-]{1,40}$")]
    sold_at: Timestamp
    total: Money
    change: Money
    lines: Annotated[list[SaleLinePayload], Field(min_length=1, max_length=MAX_LINES)]
    payments: Annotated[list[SalePaymentPayload], Field(min_length=1, max_length=10)]
    customer_id: uuid.UUID | None = None  # required when part of it is paid on fiado
    cashier_id: uuid.UUID | None = None
    shift_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _adds_up(self) -> SalePayload:
        """A sale is a fact forever: it must be whole and add up before anyone stores it."""
        if [ln.line_no for ln in self.lines] != list(range(1, len(self.lines) + 1)):
            raise ValueError("line_no must be 1, 2, 3, … in order")
        for ln in self.lines:
            gross = line_total(ln.unit_price, ln.qty_milli)
            if ln.discount > gross:
                raise ValueError(f"line {ln.line_no}: discount is more than the line")
            if ln.total != gross - ln.discount:
                raise ValueError(f"line {ln.line_no}: total is not unit_price × quantity − discount")
        if sum(ln.total for ln in self.lines) != self.total:
            raise ValueError("total is not the sum of the lines")
        if sum(p.amount for p in self.payments) != self.total:
            raise ValueError("payments do not add up to the total")
        cash = [p for p in self.payments if p.method is PaymentMethod.CASH]
        if any(p.tendered != p.amount for p in self.payments if p not in cash):
            raise ValueError("only cash can be tendered above its amount")
        if sum(p.tendered - p.amount for p in cash) != self.change:
            raise ValueError("change is not cash tendered minus cash applied")
        if self.customer_id is None and any(p.method is PaymentMethod.FIADO for p in self.payments):
            raise ValueError("a fiado payment needs the customer")
        return self


MovementReason = Literal["initial", "receipt", "adjustment", "count"]


class InventoryMovementPayload(Wire):
    id: uuid.UUID
    product_id: uuid.UUID
    qty_milli: Annotated[int, Field(ge=-MAX_QTY_MILLI * 100, le=MAX_QTY_MILLI * 100)]
    reason: MovementReason
    note: ShortText | None = None
    moved_at: Timestamp


class StockCountPayload(Wire):
    """A physical count: at the moment of its change's hlc, the shelf held ``counted_milli``
    of the product. Stock is the last count plus the facts stamped after it (shared.stock)."""

    id: uuid.UUID
    product_id: uuid.UUID
    counted_milli: Annotated[int, Field(ge=0, le=MAX_QTY_MILLI * 100)]
    counted_at: Timestamp
    note: ShortText | None = None
    cashier_id: uuid.UUID | None = None


class ProductPayload(Wire):
    id: uuid.UUID
    name: Name
    barcodes: Annotated[list[Barcode], Field(max_length=20)] = []
    department: Annotated[str, StringConstraints(max_length=80, pattern=_PRINTABLE)] | None = None
    price: Annotated[int, Field(ge=0, le=MAX_UNIT_PRICE)]
    cost: Annotated[int, Field(ge=0, le=MAX_UNIT_PRICE)] = 0
    iva: IvaRate = IvaRate.GENERAL
    ieps_bp: Annotated[int, Field(ge=0, le=100_000)] = 0
    sold_by_weight: bool = False
    min_stock_milli: Annotated[int, Field(ge=0, le=MAX_QTY_MILLI * 100)] = 0
    active: bool = True
    # Mayoreo: from wholesale_min_milli units on one line, each costs wholesale_price.
    wholesale_price: Annotated[int, Field(ge=0, le=MAX_UNIT_PRICE)] | None = None
    wholesale_min_milli: Annotated[int, Field(ge=0, le=MAX_QTY_MILLI)] = 0
    # SAT's keys for its invoice concepts (null: 01010101, and H87 or KGM by weight).
    sat_product_key: Annotated[str, StringConstraints(pattern=SAT_PRODUCT_KEY)] | None = None
    sat_unit_key: Annotated[str, StringConstraints(pattern=SAT_UNIT_KEY)] | None = None


Phone = Annotated[str, StringConstraints(pattern=r"^\+?[0-9]{10,15}$")]


class CustomerPayload(Wire):
    id: uuid.UUID
    name: Name
    phone: Phone | None = None  # for WhatsApp, with country code: +52 and ten digits
    credit_limit: Money = 0
    active: bool = True


class FiadoChargePayload(Wire):
    """Credit given to a customer: a fiado sale, or an opening balance from the notebook."""

    id: uuid.UUID
    customer_id: uuid.UUID
    amount: Annotated[int, Field(gt=0, le=10_000_000_000)]
    sale_id: uuid.UUID | None = None
    note: ShortText | None = None
    charged_at: Timestamp


class FiadoPaymentPayload(Wire):
    """An abono: money a customer pays back on their account (never "on fiado": a returned
    fiado sale credits the account through the return's ``refund_to_account``)."""

    id: uuid.UUID
    customer_id: uuid.UUID
    amount: Annotated[int, Field(gt=0, le=10_000_000_000)]
    method: PaymentMethod
    note: ShortText | None = None
    paid_at: Timestamp
    cashier_id: uuid.UUID | None = None  # who took the money
    shift_id: uuid.UUID | None = None  # whose drawer it went into (the corte counts it there)
    reference: ShortText | None = None  # a card voucher or transfer number

    @model_validator(mode="after")
    def _paid_with_money(self) -> FiadoPaymentPayload:
        if self.method is PaymentMethod.FIADO:
            raise ValueError("an abono is paid in cash, card or transfer, not on fiado")
        return self


class StockAlertPayload(Wire):
    """Raised by the server when a product's stock (derived from facts) goes below zero: two
    tills sold the last unit offline. Both sales stand; someone should count the shelf."""

    id: uuid.UUID  # one alert per product: uuid5 of the product id
    product_id: uuid.UUID
    stock_milli: int
    open: bool
    changed_at: Timestamp


class SaleReturnLinePayload(Wire):
    line_no: Annotated[int, Field(ge=1, le=MAX_LINES)]  # the sale's line being returned
    product_id: uuid.UUID | None
    qty_milli: Qty
    amount: Money


class SaleReturnPayload(Wire):
    """A return (partial) or cancellation (every line): stock comes back, money goes back by
    ``refund_method``; a sale paid on fiado is refunded as ``fiado``, never cash.

    ``refund_to_account`` is the exact part credited back to the customer's fiado account,
    ``refund_card`` and ``refund_transfer`` the parts given back that way (``refund_reference``:
    the terminal's or the bank's reference); the rest came out of the drawer in cash. Without
    card or transfer parts the rest went by ``refund_method`` (shared.returns.refund_parts).
    ``refund_method`` says where the largest part went. ``shift_id`` is the shift whose drawer
    paid it (the corte counts it there; None: a return from before returns carried it)."""

    id: uuid.UUID
    sale_id: uuid.UUID
    lines: Annotated[list[SaleReturnLinePayload], Field(min_length=1, max_length=MAX_LINES)]
    amount: Money
    refund_method: PaymentMethod
    reason: Name
    cashier_id: uuid.UUID | None = None
    returned_at: Timestamp
    refund_to_account: Money = 0
    refund_card: Money = 0
    refund_transfer: Money = 0
    refund_reference: Annotated[str, StringConstraints(max_length=80, pattern=_PRINTABLE)] | None = None
    shift_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _adds_up(self) -> SaleReturnPayload:
        if sum(ln.amount for ln in self.lines) != self.amount:
            raise ValueError("amount is not the sum of the returned lines")
        if len({ln.line_no for ln in self.lines}) != len(self.lines):
            raise ValueError("a sale line is returned twice in one return")
        if self.refund_to_account + self.refund_card + self.refund_transfer > self.amount:
            raise ValueError("the account, card and transfer parts are more than the amount")
        if self.refund_reference and not (self.refund_card or self.refund_transfer):
            raise ValueError("a refund reference needs a card or transfer part")
        if self.refund_method is PaymentMethod.FIADO and self.refund_to_account == 0:
            raise ValueError("a fiado refund must credit part of it to the account")
        return self


class CashMovementPayload(Wire):
    """Cash put into (entrada) or taken out of (salida) the drawer, with the reason."""

    id: uuid.UUID
    shift_id: uuid.UUID | None = None
    direction: Literal["entrada", "salida"]
    amount: Annotated[int, Field(gt=0, le=10_000_000_000)]
    reason: Name
    moved_at: Timestamp
    cashier_id: uuid.UUID | None = None  # who was at the till (None: from before it was sent)


class ShiftOpenPayload(Wire):
    id: uuid.UUID  # the shift's id
    cashier_id: uuid.UUID | None = None
    float_amount: Money  # fondo de caja
    opened_at: Timestamp


class CountedAmount(Wire):
    method: PaymentMethod
    amount: Money


class ShiftClosePayload(Wire):
    """Corte Z: what was counted per payment form. Expected amounts are derived from facts."""

    id: uuid.UUID
    shift_id: uuid.UUID
    counted: Annotated[list[CountedAmount], Field(max_length=10)]
    note: ShortText | None = None
    closed_at: Timestamp


AuditAction = Literal[
    "cancel", "return", "discount", "open_drawer", "fiado_override", "price_override",
    "catalog_edit", "settings", "cashier_edit", "corte_x", "corte_z", "reprint", "restore",
    "customer_edit",
]


class AuditEventPayload(Wire):
    """A sensitive action, who did it and who authorized it (e.g. an encargado's PIN)."""

    id: uuid.UUID
    action: AuditAction
    cashier_id: uuid.UUID | None = None
    authorized_by: uuid.UUID | None = None
    subject_id: uuid.UUID | None = None  # the sale, product, customer… it was about
    detail: ShortText | None = None
    at: Timestamp


class CategoryPayload(Wire):
    id: uuid.UUID
    name: Name
    active: bool = True


class CashierPayload(Wire):
    """A local user of the POS. The PIN travels and is stored only as a slow hash."""

    id: uuid.UUID
    name: Name
    role: Role
    pin_hash: Annotated[str, StringConstraints(min_length=20, max_length=300, pattern=_PRINTABLE)]
    active: bool = True


SETTINGS_ID = uuid.UUID("00000000-0000-7000-8000-000000000001")


class SettingsPayload(Wire):
    """The shop's settings: one record per shop (id ``SETTINGS_ID``)."""

    id: uuid.UUID
    shop_name: Name
    address: ShortText | None = None
    phone: Phone | None = None
    rfc: Annotated[str, StringConstraints(pattern=r"^[A-Z&Ñ]{3,4}[0-9]{6}[A-Z0-9]{3}$")] | None = None
    timezone: Annotated[str, StringConstraints(pattern=r"^[A-Za-z_]+(/[A-Za-z_]+)*$")] = (
        "America/Mexico_City")
    receipt_footer: ShortText | None = None
    # Role → permissions it holds, for the roles the owner changed (shared.permissions).
    permissions: dict[Role, list[Permission]] | None = None


class MessageRequestPayload(Wire):
    """A cashier asked for a WhatsApp message to a customer (for now their estado de cuenta).

    The till only queues the request; the server sends it (once) when it has it and WhatsApp
    is configured. ``to`` is the number as the customer record had it when asked."""

    id: uuid.UUID
    customer_id: uuid.UUID
    to: Phone
    kind: Literal["statement"]
    text: MessageText
    requested_at: Timestamp
    cashier_id: uuid.UUID | None = None


class OrderStatusPayload(Wire):
    """Where a customer's order stands (a record: last writer wins); id is the order's id.
    ``note`` carries a rejection's reason. Which moves make sense: ``shared.orders``."""

    id: uuid.UUID
    status: OrderStatus
    note: ShortText | None = None
    changed_at: Timestamp


class OrderLinePayload(Wire):
    line_no: Annotated[int, Field(ge=1, le=MAX_ORDER_LINES)]
    product_id: uuid.UUID | None
    name: Name
    qty_milli: Qty
    unit_price: Annotated[int, Field(ge=0, le=MAX_UNIT_PRICE)]  # the price when it was ordered
    total: Money


class OrderPayload(Wire):
    """A customer's order (a fact: what was asked, at the prices of that moment). Made by the
    server (WhatsApp, the assistant, an owner's AI app); its status is the ``order_status``
    record of the same id, which the server writes with it as ``recibido``."""

    id: uuid.UUID
    number: Annotated[int, Field(ge=1, le=10_000_000)]  # the shop's "Pedido #12"
    customer_id: uuid.UUID | None = None  # None: someone not (yet) among the shop's customers
    customer_name: Name
    phone: Phone | None = None
    fulfilment: Fulfilment
    address: ShortText | None = None  # where to deliver (domicilio)
    notes: ShortText | None = None
    lines: Annotated[list[OrderLinePayload], Field(min_length=1, max_length=MAX_ORDER_LINES)]
    total: Money
    source: OrderSource
    placed_at: Timestamp

    @model_validator(mode="after")
    def _adds_up(self) -> OrderPayload:
        if [ln.line_no for ln in self.lines] != list(range(1, len(self.lines) + 1)):
            raise ValueError("line_no must be 1, 2, 3, … in order")
        for ln in self.lines:
            if ln.total != line_total(ln.unit_price, ln.qty_milli):
                raise ValueError(f"line {ln.line_no}: total is not unit_price × quantity")
        if sum(ln.total for ln in self.lines) != self.total:
            raise ValueError("total is not the sum of the lines")
        if self.fulfilment == "domicilio" and not self.address:
            raise ValueError("a delivery needs the address")
        return self


PLAN_ID = uuid.UUID("00000000-0000-7000-8000-000000000002")
Count = Annotated[int, Field(ge=0, le=1_000_000_000)]


class PlanLimitsPayload(Wire):
    """What one plan allows (``shared.plans.PlanLimits``); null: no limit."""

    code: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,30}$")]
    name: Name
    monthly_price: Money
    max_tills: Annotated[int, Field(ge=1, le=10_000)]
    max_products: Count | None = None
    max_users: Count | None = None
    whatsapp_bot: bool
    monthly_tokens: Annotated[int, Field(ge=0, le=10**12)]

    def limits(self) -> PlanLimits:
        return PlanLimits(**self.model_dump())

    @classmethod
    def of(cls, limits: PlanLimits) -> PlanLimitsPayload:
        return cls(code=limits.code, name=limits.name, monthly_price=limits.monthly_price,
                   max_tills=limits.max_tills, max_products=limits.max_products,
                   max_users=limits.max_users, whatsapp_bot=limits.whatsapp_bot,
                   monthly_tokens=limits.monthly_tokens)


class PlanPayload(Wire):
    """The shop's plan as the server last knew it (one record per shop, id ``PLAN_ID``; only
    the server writes it). ``shared.plans.in_force`` turns it into the limits of any instant,
    so a till offline for days knows when prepaid months or a past-due grace period end.
    Nothing in it can stop a till from selling."""

    id: uuid.UUID
    plan: PlanLimitsPayload  # the plan paid for (or the free one)
    free: PlanLimitsPayload  # what is left when nothing paid is in force
    status: BillingStatus
    paid_until: Timestamp | None = None  # end of prepaid months
    grace_until: Timestamp | None = None  # end of a past-due grace period
    renews_at: Timestamp | None = None  # a subscription's next renewal or trial end
    changed_at: Timestamp

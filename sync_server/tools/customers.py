"""Customer tools: customers and their balances, one customer's estado de cuenta, debtors by
the age of what they owe. The rules (FIFO aging, the running balance, the words of each line)
are shared.fiado's, as at the till."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Literal

from pydantic import BaseModel, Field

from shared.errors import DomainError, UnknownCustomer
from shared.fiado import (
    AGING_BUCKETS,
    Account,
    Statement,
    abono_movement,
    aging_of,
    aging_report,
    charge_movement,
    credit_movement,
    running_entries,
)
from shared.money import format_mxn
from shared.spanish import agree, count
from sync_server.repositories import Connection, fiado
from sync_server.repositories.fiado import CustomerRow
from sync_server.repositories.folding import fold
from sync_server.tools.base import (
    EVERYONE,
    OWNER_ONLY,
    SHOP,
    CallerRole,
    ToolContext,
    ToolInput,
    ToolOutput,
    tool,
)


class NotYours(DomainError):
    """A customer asked about someone else's account."""

    code = "not_your_account"


class CustomerItem(BaseModel):
    customer_id: uuid.UUID
    name: str
    phone: str | None
    balance_centavos: int = Field(description="Lo que debe (negativo: saldo a favor).")
    balance: str
    credit_limit_centavos: int
    available_centavos: int = Field(description="Crédito disponible.")
    oldest_unpaid: date | None = Field(description="Fecha del cargo más viejo sin pagar.")
    age_days: int | None


def _item(a: Account) -> CustomerItem:
    return CustomerItem(customer_id=a.id, name=a.name, phone=a.phone, balance_centavos=a.balance,
                        balance=format_mxn(a.balance), credit_limit_centavos=a.credit_limit,
                        available_centavos=a.available, oldest_unpaid=a.oldest_unpaid,
                        age_days=a.age_days)


async def accounts_of(ctx: ToolContext, conn: Connection, rows: list[CustomerRow]) -> list[Account]:
    """Accounts with their age, as the till computes them (abonos pay the oldest charges)."""
    ids = [r.customer_id for r in rows]
    charges, paid = await fiado.charges_of(conn, ctx.tenant_id, ids), \
        await fiado.taken_off(conn, ctx.tenant_id, ids)
    out = []
    for r in rows:
        aged = aging_of(charges.get(r.customer_id, []), paid.get(r.customer_id, 0), ctx.today, ctx.tz)
        out.append(Account(r.customer_id, r.name, r.phone, r.credit_limit, r.active, aged.balance,
                           aged.oldest_unpaid, aged.age_days, aged.buckets))
    return out


class CustomersArgs(ToolInput):
    name: str | None = Field(None, max_length=100, description="Parte del nombre (opcional).")
    owing_only: bool = Field(False, description="Solo los que deben.")
    limit: int = Field(20, ge=1, le=100)


class CustomerList(ToolOutput):
    customers: list[CustomerItem]
    owing_customers: int = Field(description="Cuántos clientes deben, en toda la tienda.")
    owed_total_centavos: int = Field(description="Lo que se debe en total a la tienda.")


@tool("customers_and_balances", "Clientes y saldos", SHOP)
async def customers_and_balances(ctx: ToolContext, conn: Connection, args: CustomersArgs
                                 ) -> CustomerList:
    """Clientes de la tienda con lo que deben y su crédito disponible, los que más deben
    primero; se puede buscar por nombre o pedir solo los que deben."""
    words = fold(args.name).split() if args.name else []
    rows = await fiado.customers(conn, ctx.tenant_id, words, args.owing_only, args.limit)
    items = [_item(a) for a in await accounts_of(ctx, conn, rows)]
    n, owed = await fiado.totals(conn, ctx.tenant_id)
    lines = "\n".join(f"• {c.name}: {c.balance}" + (f" ({count(c.age_days, 'día')})" if c.age_days else "")
                      for c in items[:15])
    head = f"{count(n, 'cliente')} {agree(n, 'debe', 'deben')} {format_mxn(owed)} en total."
    text = f"{head}\n{lines}" if items else f"{head} No encontré clientes con ese nombre."
    return CustomerList(summary=text, customers=items, owing_customers=n, owed_total_centavos=owed)


class StatementArgs(ToolInput):
    customer_id: uuid.UUID | None = Field(
        None, description="El cliente (para un cliente que pregunta por sí mismo no hace falta).")
    since: date | None = Field(None, description="Desde qué día listar movimientos (opcional).")


class StatementLine(BaseModel):
    at: datetime
    kind: Literal["venta", "cargo", "abono", "devolucion"]
    description: str
    charge_centavos: int
    payment_centavos: int
    balance_centavos: int


class CustomerStatement(ToolOutput):
    customer: CustomerItem
    opening_balance_centavos: int
    entries: list[StatementLine]
    closing_balance_centavos: int


def own_customer(ctx: ToolContext, asked: uuid.UUID | None) -> uuid.UUID:
    """The customer a call is about: a customer caller's own, whatever else was asked."""
    if ctx.caller.role is CallerRole.CUSTOMER:
        if asked is not None and asked != ctx.caller.customer_id:
            raise NotYours("Solo puedo darte información de tu propia cuenta.")
        assert ctx.caller.customer_id is not None
        return ctx.caller.customer_id
    if asked is None:
        raise UnknownCustomer("¿De qué cliente? Da su customer_id.")
    return asked


async def statement_of(ctx: ToolContext, conn: Connection, customer_id: uuid.UUID,
                       since: date | None = None) -> Statement:
    row = await fiado.customer(conn, ctx.tenant_id, customer_id)
    if row is None:
        raise UnknownCustomer("La tienda no tiene ese cliente.")
    (account,) = await accounts_of(ctx, conn, [row])
    moves = [
        *(charge_movement(c.at, c.amount, c.note, c.sale_id, c.folio)
          for c in await fiado.charges(conn, ctx.tenant_id, customer_id)),
        *(abono_movement(a.at, a.amount, a.method, a.note, a.reference)
          for a in await fiado.abonos(conn, ctx.tenant_id, customer_id)),
        *(credit_movement(r.at, r.amount, r.folio)
          for r in await fiado.credited_returns(conn, ctx.tenant_id, customer_id)),
    ]
    start = datetime.combine(since, time(), ctx.tz) if since else None
    opening, entries = running_entries(moves, start)
    return Statement(account, start, opening, entries, ctx.tz, ctx.now, ctx.shop_name)


@tool("customer_statement", "Estado de cuenta", EVERYONE)
async def customer_statement(ctx: ToolContext, conn: Connection, args: StatementArgs
                             ) -> CustomerStatement:
    """El estado de cuenta de un cliente: saldo, crédito disponible y cada cargo, abono y
    devolución con el saldo después de cada uno. Un cliente solo puede ver el suyo."""
    st = await statement_of(ctx, conn, own_customer(ctx, args.customer_id), args.since)
    c = st.customer
    recent = "\n".join(f"• {e.at.astimezone(ctx.tz):%d/%m} {e.description}: "
                       + (f"+{format_mxn(e.charge)}" if e.charge else f"-{format_mxn(e.payment)}")
                       for e in st.entries[-5:])
    text = (f"{c.name} debe {format_mxn(st.closing_balance)}" if st.closing_balance > 0 else
            f"{c.name} no debe nada" if st.closing_balance == 0 else
            f"{c.name} tiene saldo a favor de {format_mxn(-st.closing_balance)}")
    if c.credit_limit:
        text += f"; crédito disponible {format_mxn(c.available)}"
    text += "." + (f" Últimos movimientos:\n{recent}" if recent else "")
    return CustomerStatement(
        summary=text, customer=_item(c), opening_balance_centavos=st.opening_balance,
        entries=[StatementLine(at=e.at, kind=e.kind, description=e.description,
                               charge_centavos=e.charge, payment_centavos=e.payment,
                               balance_centavos=e.balance) for e in st.entries[-100:]],
        closing_balance_centavos=st.closing_balance)


class AgingArgs(ToolInput):
    order: Literal["age", "amount"] = Field("age", description="age: deuda más vieja primero; "
                                                               "amount: mayor deuda primero.")
    limit: int = Field(20, ge=1, le=200)


class AgingRow(BaseModel):
    customer: CustomerItem
    buckets_centavos: list[int] = Field(description="Lo no pagado por antigüedad: 0–30, 31–60, "
                                                    "61–90 y más de 90 días.")


class DebtorsByAge(ToolOutput):
    buckets: list[str]
    totals_centavos: list[int]
    total_centavos: int
    debtors: list[AgingRow]


@tool("debtors_by_age", "Fiados por antigüedad", OWNER_ONLY)
async def debtors_by_age(ctx: ToolContext, conn: Connection, args: AgingArgs) -> DebtorsByAge:
    """Quién debe fiado y qué tan vieja es su deuda (los abonos pagan primero lo más viejo),
    con los totales por antigüedad: 0–30, 31–60, 61–90 y más de 90 días."""
    rows = await fiado.customers(conn, ctx.tenant_id, [], True, 10_000)
    report = aging_report(await accounts_of(ctx, conn, rows), args.order)
    debtors = [AgingRow(customer=_item(a), buckets_centavos=list(a.buckets))
               for a in report.accounts[:args.limit]]
    split = ", ".join(f"{name}: {format_mxn(v)}" for name, v in zip(AGING_BUCKETS, report.totals,
                                                                      strict=True) if v)
    lines = "\n".join(f"• {d.customer.name}: {d.customer.balance} ({count(d.customer.age_days or 0, 'día')})"
                      for d in debtors[:10])
    text = (f"Se deben {format_mxn(report.total)} de fiado ({split}).\n{lines}" if debtors
            else "Nadie debe fiado.")
    return DebtorsByAge(summary=text, buckets=list(AGING_BUCKETS), totals_centavos=list(report.totals),
                        total_centavos=report.total, debtors=debtors)


TOOLS = [customers_and_balances, customer_statement, debtors_by_age]

"""Fiado accounts as the shop reads them: what a customer owes, how old the unpaid part is
(abonos pay the oldest charges first), and the estado de cuenta with its running balance, the
words of its lines and its WhatsApp text (the till and the server's tools alike)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from shared.money import format_mxn
from shared.sale import PaymentMethod

AGING_BUCKETS = ("0–30 días", "31–60 días", "61–90 días", "Más de 90 días")
Buckets = tuple[int, int, int, int]  # unpaid amounts by age: 0–30, 31–60, 61–90, >90 days
AgingOrder = Literal["amount", "age"]
Dated = tuple[datetime, int]  # (when, centavos)


def unpaid_charges(charges: Iterable[Dated], paid: int) -> list[Dated]:
    """What is left of each charge once payments pay the oldest charges first (FIFO)."""
    left = []
    for at, amount in sorted(charges, key=lambda c: c[0]):
        applied = min(amount, max(paid, 0))
        paid -= applied
        if amount > applied:
            left.append((at, amount - applied))
    return left


def age_bucket(age_days: int) -> int:
    """Which of :data:`AGING_BUCKETS` a debt this many days old falls in."""
    return 0 if age_days <= 30 else 1 if age_days <= 60 else 2 if age_days <= 90 else 3


@dataclass(frozen=True, slots=True)
class Aging:
    """A customer's balance, and how old the oldest unpaid part of it is."""

    balance: int
    oldest_unpaid: date | None  # local date of the oldest charge not yet covered by payments
    age_days: int | None
    buckets: Buckets


def aging_of(charges: Sequence[Dated], paid: int, today: date, tz: ZoneInfo) -> Aging:
    """``paid`` is everything taken off the debt (abonos and returns credited to the account);
    ages are counted in the shop's local dates."""
    left = unpaid_charges(charges, paid)
    buckets = [0, 0, 0, 0]
    for at, amount in left:
        buckets[age_bucket((today - at.astimezone(tz).date()).days)] += amount
    oldest = left[0][0].astimezone(tz).date() if left else None
    return Aging(balance=sum(a for _, a in charges) - paid, oldest_unpaid=oldest,
                 age_days=(today - oldest).days if oldest else None,
                 buckets=(buckets[0], buckets[1], buckets[2], buckets[3]))


@dataclass(frozen=True, slots=True)
class Account:
    """A customer with what they owe and how old the oldest unpaid part of it is."""

    id: uuid.UUID
    name: str
    phone: str | None
    credit_limit: int
    active: bool
    balance: int
    oldest_unpaid: date | None
    age_days: int | None
    buckets: Buckets

    @property
    def available(self) -> int:
        return max(0, self.credit_limit - self.balance)


@dataclass(frozen=True, slots=True)
class AgingReport:
    accounts: tuple[Account, ...]
    totals: Buckets

    @property
    def total(self) -> int:
        return sum(self.totals)


def owing(accounts: Iterable[Account], order: AgingOrder = "amount") -> list[Account]:
    """Customers who owe, largest debt first, or oldest unpaid debt first."""
    debtors = [a for a in accounts if a.balance > 0]
    if order == "age":
        return sorted(debtors, key=lambda a: (-(a.age_days or 0), -a.balance, a.name))
    return sorted(debtors, key=lambda a: (-a.balance, a.name))


def aging_report(accounts: Iterable[Account], order: AgingOrder = "age") -> AgingReport:
    """Fiado aging: who owes, and the totals split by how old each unpaid charge is."""
    debtors = owing(accounts, order)
    totals = [sum(a.buckets[i] for a in debtors) for i in range(4)]
    return AgingReport(tuple(debtors), (totals[0], totals[1], totals[2], totals[3]))


# ---- the estado de cuenta --------------------------------------------------------------------

EntryKind = Literal["venta", "cargo", "abono", "devolucion"]


@dataclass(frozen=True, slots=True)
class Movement:
    """One fact on the account, before the statement runs its balance."""

    at: datetime
    kind: EntryKind
    description: str
    charge: int  # added to the debt
    payment: int  # taken off the debt (abono or refund)


@dataclass(frozen=True, slots=True)
class StatementEntry:
    at: datetime
    kind: EntryKind
    description: str
    charge: int
    payment: int
    balance: int  # running balance after this entry


@dataclass(frozen=True, slots=True)
class Statement:
    customer: Account
    since: datetime | None
    opening_balance: int
    entries: tuple[StatementEntry, ...]
    tz: ZoneInfo  # the shop's: every date on the statement is local
    generated_at: datetime
    shop_name: str  # who the statement is from (printed header, WhatsApp greeting)

    @property
    def charged(self) -> int:
        return sum(e.charge for e in self.entries)

    @property
    def paid(self) -> int:
        """Money the customer actually paid (abonos), not refunds of returned goods."""
        return sum(e.payment for e in self.entries if e.kind == "abono")

    @property
    def returned(self) -> int:
        return sum(e.payment for e in self.entries if e.kind == "devolucion")

    @property
    def closing_balance(self) -> int:
        return self.entries[-1].balance if self.entries else self.opening_balance


def running_entries(moves: Iterable[Movement], since: datetime | None
                    ) -> tuple[int, tuple[StatementEntry, ...]]:
    """The balance before ``since`` and every movement from then on, in time order, each with
    the balance after it. On the same instant a charge goes before a payment, so the running
    balance never dips below what was really owed."""
    opening, entries = 0, list[StatementEntry]()
    for m in sorted(moves, key=lambda m: (m.at, m.payment > 0)):
        if since is not None and m.at < since:
            opening += m.charge - m.payment
            continue
        running = (entries[-1].balance if entries else opening) + m.charge - m.payment
        entries.append(StatementEntry(m.at, m.kind, m.description, m.charge, m.payment, running))
    return opening, tuple(entries)


# The words of each kind of line, as the till prints them and the server's tools read them.
ABONO_METHODS: dict[PaymentMethod, str] = {
    PaymentMethod.CASH: "efectivo", PaymentMethod.CARD: "tarjeta",
    PaymentMethod.TRANSFER: "transferencia"}


def charge_movement(at: datetime, amount: int, note: str | None, sale_id: uuid.UUID | None,
                    folio: str | None) -> Movement:
    """A charge: a fiado sale (by its folio, when the sale is known) or a plain charge."""
    if sale_id:
        return Movement(at, "venta", f"Venta {folio}" if folio else "Venta a crédito", amount, 0)
    return Movement(at, "cargo", note or "Cargo", amount, 0)


def abono_movement(at: datetime, amount: int, method: str, note: str | None,
                   reference: str | None) -> Movement:
    """An abono; one stored with method ``fiado`` is a returned fiado sale credited back (rows
    from before returns credited the account themselves)."""
    if method == PaymentMethod.FIADO.value:
        return Movement(at, "devolucion", note or "Devolución", 0, amount)
    label = next((word for m, word in ABONO_METHODS.items() if m.value == method), method)
    head = f"Abono en {label}"
    # A note that only repeats what the line says ("Abono") would read "Abono en efectivo · Abono".
    note = note if note and note.strip().casefold() not in head.casefold() else None
    text = " · ".join(t for t in (head, f"Ref. {reference}" if reference else "", note) if t)
    return Movement(at, "abono", text, 0, amount)


def credit_movement(at: datetime, amount: int, folio: str) -> Movement:
    """A return of one of the customer's sales, credited to their account."""
    return Movement(at, "devolucion", f"Devolución de {folio}", 0, amount)


def statement_text(st: Statement, last: int = 3) -> str:
    """The estado de cuenta as a short WhatsApp text: the balance, the last few movements,
    and the last abono."""
    tz = st.tz
    today = st.generated_at.astimezone(tz)
    first = st.customer.name.split()[0]
    lines = [f"Hola {first}, le saluda {st.shop_name}."]
    if st.closing_balance > 0:
        lines.append(f"Su saldo al {today:%d/%m/%Y} es de {format_mxn(st.closing_balance)}.")
    elif st.closing_balance < 0:
        lines.append(f"Tiene un saldo a favor de {format_mxn(-st.closing_balance)}.")
    else:
        lines.append(f"Al {today:%d/%m/%Y} su cuenta está liquidada. ¡Gracias!")
    recent = st.entries[-last:] if last > 0 else ()
    if recent:
        lines.append("Últimos movimientos:")
        for e in recent:
            amount = f"+{format_mxn(e.charge)}" if e.charge else f"-{format_mxn(e.payment)}"
            lines.append(f"• {e.at.astimezone(tz):%d/%m} {e.description}: {amount}")
    abonos = [e for e in st.entries if e.kind == "abono"]
    if abonos and st.closing_balance > 0:
        lines.append(f"Último abono: {format_mxn(abonos[-1].payment)} el "
                     f"{abonos[-1].at.astimezone(tz):%d/%m/%Y}.")
    lines.append("¡Gracias por su preferencia!")
    return "\n".join(lines)

"""Customers' fiado accounts: customer records, abonos, statements, balances and aging."""

from __future__ import annotations

import csv
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, func, or_, select

from pos_client.receipts.document import Document, DocumentBuilder, Style
from pos_client.services import local, staff
from pos_client.services.files import safe_text
from pos_client.store.database import Database
from pos_client.store.device import Device
from pos_client.store.repositories import customers as customers_repo
from pos_client.store.repositories.shop import shop_zone
from pos_client.store.schema import customers, fiado_charges, fiado_payments, sales
from shared.clock import utc_now
from shared.errors import DomainError, InvalidAmount, UnknownCustomer
from shared.ids import new_uuid7
from shared.money import format_mxn, parse_mxn
from shared.permissions import Permission
from shared.sale import PaymentMethod
from shared.sync.payloads import CustomerPayload, FiadoChargePayload, FiadoPaymentPayload

AGING_BUCKETS = ("0–30 días", "31–60 días", "61–90 días", "Más de 90 días")
METHOD_LABELS = {PaymentMethod.CASH: "efectivo", PaymentMethod.CARD: "tarjeta",
                 PaymentMethod.TRANSFER: "transferencia"}
OPENING_NOTE = "Saldo de la libreta"


class InvalidPhone(DomainError):
    code = "invalid_phone"


class PaymentRefused(DomainError):
    code = "fiado_payment_refused"


# ---- customers ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CustomerDraft:
    """What the customer form holds, as typed; ``id`` None for a new customer."""

    name: str
    phone: str = ""
    credit_limit: str = "0"
    active: bool = True
    id: uuid.UUID | None = None
    opening_balance: str = ""  # a new customer's debt from the shop's notebook, if any


def normalize_phone(text: str) -> str | None:
    """A WhatsApp number with its country code: "(55) 1234-5678" → "+525512345678".

    Mexican numbers are ten digits; people write them with spaces, dashes, parentheses, with
    or without +52, and older phones still carry the mobile "1" after 52 (+521…), which
    WhatsApp no longer uses. A number from another country must be written with its "+".
    """
    raw = text.strip()
    if not raw:
        return None
    plus = raw.startswith("+")
    digits = re.sub(r"[\s\-().]", "", raw.removeprefix("+"))
    if not digits.isascii() or not digits.isdigit():
        raise InvalidPhone(f"«{raw}» no es un teléfono. Ejemplo: 55 1234 5678.")
    if len(digits) == 10 and not plus:
        return "+52" + digits
    if digits.startswith("521") and len(digits) == 13:
        return "+52" + digits[3:]
    if digits.startswith("52") and len(digits) == 12:
        return "+" + digits
    if plus and not digits.startswith("52") and 10 <= len(digits) <= 15:
        return "+" + digits
    raise InvalidPhone(f"«{raw}» no es un teléfono válido: escribe los 10 dígitos "
                       "(por ejemplo 55 1234 5678) o el número con su lada internacional (+…).")


def save_customer(
    db: Database, device: Device, draft: CustomerDraft, editor: uuid.UUID | None = None,
    authorized_by: uuid.UUID | None = None,
) -> CustomerPayload:
    """Create or edit a customer as a whole record (last writer wins across tills).

    A new customer may bring what they already owed in the notebook: it becomes a charge
    without a sale, in the same transaction, so the statement starts from the real debt.
    With an ``editor`` (the cashier saving it), a "customer_edit" audit event in the same
    transaction says who changed what: raising a credit limit is giving credit. So changing
    a limit (or giving a new customer one) takes FIADO_OVERRIDE, held by the editor or by
    ``authorized_by`` (who typed their PIN), checked here and not only by the screen."""
    name = " ".join(draft.name.split())
    if not name:
        raise DomainError("Escribe el nombre del cliente.", code="invalid_name")
    if len(name) > 200:
        raise DomainError("El nombre es demasiado largo.", code="invalid_name")
    phone = normalize_phone(draft.phone)
    limit = parse_mxn(draft.credit_limit or "0")
    opening = parse_mxn(draft.opening_balance) if draft.opening_balance.strip() else 0
    if opening and draft.id is not None:
        raise DomainError("El saldo de la libreta solo se captura al dar de alta al cliente.",
                          code="opening_balance_on_edit")
    payload = CustomerPayload(id=draft.id or new_uuid7(), name=name, phone=phone,
                              credit_limit=limit, active=draft.active)
    with db.write() as conn:
        before = _customer_row(conn, draft.id) if draft.id is not None else None
        if draft.id is not None and before is None:
            raise UnknownCustomer("Ese cliente ya no existe.")
        if editor is not None and _limit_changed(before, limit):
            staff.require(conn, authorized_by or editor, Permission.FIADO_OVERRIDE)
        local.save(conn, device, "customer", payload, op="upsert")
        if opening:
            local.save(conn, device, "fiado_charge", FiadoChargePayload(
                id=new_uuid7(), customer_id=payload.id, amount=opening, note=OPENING_NOTE,
                charged_at=utc_now()))
        if editor is not None:
            staff.audit(conn, device, "customer_edit", cashier_id=editor,
                        authorized_by=authorized_by if authorized_by != editor else None,
                        subject_id=payload.id, detail=_changes(before, payload, opening))
    return payload


def _limit_changed(before: Row[Any] | None, limit: int) -> bool:
    """Whether saving gives credit: a new limit on a known customer, or a new customer with one."""
    return limit > 0 if before is None else int(before.credit_limit) != limit


def _changes(before: Row[Any] | None, after: CustomerPayload, opening: int) -> str:
    """What an edit changed, as the owner reads it in the audit log: «límite $500.00 →
    $800.00; teléfono 55 1234 5678 → sin teléfono». A new customer: its name and limit."""
    if before is None:
        text = f"Alta de {after.name}: límite {format_mxn(after.credit_limit)}"
        return text + (f", saldo de la libreta {format_mxn(opening)}" if opening else "")
    changed = []
    if before.credit_limit != after.credit_limit:
        changed.append(f"límite {format_mxn(before.credit_limit)} → {format_mxn(after.credit_limit)}")
    if before.name != after.name:
        changed.append(f"nombre «{before.name}» → «{after.name}»")
    if before.phone != after.phone:
        changed.append(f"teléfono {display_phone(before.phone) or 'sin teléfono'} → "
                       f"{display_phone(after.phone) or 'sin teléfono'}")
    if bool(before.active) != after.active:
        changed.append("reactivado" if after.active else "dado de baja")
    return f"{after.name}: " + ("; ".join(changed) or "sin cambios")


def display_phone(phone: str | None) -> str:
    """"+525512345678" → "55 1234 5678" (how Mexicans read a number); others as stored."""
    if phone and phone.startswith("+52") and len(phone) == 13:
        return f"{phone[3:5]} {phone[5:9]} {phone[9:]}"
    return phone or ""


# ---- abonos ---------------------------------------------------------------------------------


def pay(
    db: Database, device: Device, customer_id: uuid.UUID, amount: int, method: PaymentMethod,
    reference: str = "", note: str = "", *, cashier_id: uuid.UUID | None = None,
    shift_id: uuid.UUID | None = None,
) -> FiadoPaymentPayload:
    """An abono, whole or partial, taken by ``cashier_id`` into the drawer of ``shift_id`` (the
    corte counts it there). More than the balance is refused (as eleventa does): the till would
    owe the customer money, and change belongs in the drawer, not on the account."""
    if method is PaymentMethod.FIADO:
        raise PaymentRefused("Un abono no puede pagarse a crédito.")
    if amount <= 0:
        raise InvalidAmount("El abono debe ser mayor que cero.")
    ref, text = " ".join(reference.split()), " ".join(note.split())
    if len(ref) > 100 or not ref.isprintable() or not text.isprintable():
        raise PaymentRefused("La referencia o la nota tienen caracteres no válidos o son muy largas.")
    with db.write() as conn:
        if _customer_row(conn, customer_id) is None:
            raise UnknownCustomer("Ese cliente ya no existe.")
        owed = balance(conn, customer_id)
        if owed <= 0:
            raise PaymentRefused("Este cliente no debe nada.")
        if amount > owed:
            raise PaymentRefused(f"El abono ({format_mxn(amount)}) es mayor que el saldo "
                                 f"({format_mxn(owed)}). Cobra como máximo el saldo.")
        payment = FiadoPaymentPayload(id=new_uuid7(), customer_id=customer_id, amount=amount,
                                      method=method, note=text[:500] or None, paid_at=utc_now(),
                                      cashier_id=cashier_id, shift_id=shift_id,
                                      reference=ref or None)
        local.save(conn, device, "fiado_payment", payment)
    return payment


# ---- balances, FIFO aging -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Account:
    """A customer with what they owe and how old the oldest unpaid part of it is."""

    id: uuid.UUID
    name: str
    phone: str | None
    credit_limit: int
    active: bool
    balance: int
    oldest_unpaid: date | None  # local date of the oldest charge not yet covered by payments
    age_days: int | None
    buckets: tuple[int, int, int, int]  # unpaid amounts by age: 0–30, 31–60, 61–90, >90

    @property
    def available(self) -> int:
        return max(0, self.credit_limit - self.balance)


@dataclass(frozen=True, slots=True)
class AgingReport:
    accounts: tuple[Account, ...]
    totals: tuple[int, int, int, int]

    @property
    def total(self) -> int:
        return sum(self.totals)




def balance(conn: Connection, customer_id: uuid.UUID) -> int:
    """Charges minus abonos minus returns of fiado sales credited to the account."""
    key = str(customer_id)
    charged = conn.execute(select(func.coalesce(func.sum(fiado_charges.c.amount), 0))
                           .where(fiado_charges.c.customer_id == key)).scalar_one()
    paid = conn.execute(select(func.coalesce(func.sum(fiado_payments.c.amount), 0))
                        .where(fiado_payments.c.customer_id == key)).scalar_one()
    refunded = sum(r.amount for r in customers_repo.account_refunds(conn, [key]))
    return int(charged) - int(paid) - refunded


def available_credit(conn: Connection, customer_id: uuid.UUID) -> int:
    """How much more the customer may take on fiado before reaching their limit."""
    return account(conn, customer_id).available


def unpaid_charges(charges: Iterable[tuple[datetime, int]], paid: int) -> list[tuple[datetime, int]]:
    """What is left of each charge once payments pay the oldest charges first (FIFO)."""
    left = []
    for at, amount in sorted(charges, key=lambda c: c[0]):
        applied = min(amount, max(paid, 0))
        paid -= applied
        if amount > applied:
            left.append((at, amount - applied))
    return left


def _bucket(age_days: int) -> int:
    return 0 if age_days <= 30 else 1 if age_days <= 60 else 2 if age_days <= 90 else 3


def customers_with_balances(
    conn: Connection, search: str = "", today: date | None = None, active_only: bool = False
) -> list[Account]:
    """Customers matching ``search`` (name, or digits of the phone) with balance and age."""
    tz = shop_zone(conn)
    today = today or datetime.now(tz).date()
    query = select(customers).where(customers.c.deleted == 0)
    if active_only:
        query = query.where(customers.c.active == 1)
    if search.strip():
        terms = [customers.c.name.like(f"%{search.strip()}%")]
        digits = re.sub(r"\D", "", search)
        if digits:
            terms.append(customers.c.phone.like(f"%{digits}%"))
        query = query.where(or_(*terms))
    return _accounts(conn, conn.execute(query.order_by(customers.c.name)).all(), today, tz)


def account(conn: Connection, customer_id: uuid.UUID, today: date | None = None) -> Account:
    row = _customer_row(conn, customer_id)
    if row is None:
        raise UnknownCustomer("Ese cliente ya no existe.")
    tz = shop_zone(conn)
    return _accounts(conn, [row], today or datetime.now(tz).date(), tz)[0]


def _accounts(conn: Connection, rows: Sequence[Row[Any]], today: date, tz: ZoneInfo) -> list[Account]:
    ids = [r.id for r in rows]
    charges: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for c in conn.execute(select(fiado_charges.c.customer_id, fiado_charges.c.amount,
                                 fiado_charges.c.charged_at)
                          .where(fiado_charges.c.customer_id.in_(ids))):
        charges[c.customer_id].append((datetime.fromisoformat(c.charged_at), c.amount))
    paid = {r.customer_id: int(r.paid) for r in conn.execute(
        select(fiado_payments.c.customer_id, func.sum(fiado_payments.c.amount).label("paid"))
        .where(fiado_payments.c.customer_id.in_(ids)).group_by(fiado_payments.c.customer_id))}
    for refund in customers_repo.account_refunds(conn, ids):  # they pay the oldest debt too
        paid[refund.customer_id] = paid.get(refund.customer_id, 0) + refund.amount
    return [_account(r, charges[r.id], paid.get(r.id, 0), today, tz) for r in rows]


def _account(row: Row[Any], charges: list[tuple[datetime, int]], paid: int, today: date,
             tz: ZoneInfo) -> Account:
    left = unpaid_charges(charges, paid)
    buckets = [0, 0, 0, 0]
    for at, amount in left:
        buckets[_bucket((today - at.astimezone(tz).date()).days)] += amount
    oldest = left[0][0].astimezone(tz).date() if left else None
    return Account(
        id=uuid.UUID(row.id), name=row.name, phone=row.phone,
        credit_limit=int(row.credit_limit), active=bool(row.active),
        balance=sum(a for _, a in charges) - paid, oldest_unpaid=oldest,
        age_days=(today - oldest).days if oldest else None,
        buckets=(buckets[0], buckets[1], buckets[2], buckets[3]))


def balances_report(
    conn: Connection, today: date, order: Literal["amount", "age"] = "amount"
) -> list[Account]:
    """Customers who owe, largest debt first, or oldest unpaid debt first."""
    owing = [a for a in customers_with_balances(conn, today=today) if a.balance > 0]
    if order == "age":
        return sorted(owing, key=lambda a: (-(a.age_days or 0), -a.balance, a.name))
    return sorted(owing, key=lambda a: (-a.balance, a.name))


def aging_report(
    conn: Connection, today: date, order: Literal["amount", "age"] = "age"
) -> AgingReport:
    """Fiado aging: what is owed, split by how old each unpaid charge is."""
    accounts = balances_report(conn, today, order)
    totals = tuple(sum(a.buckets[i] for a in accounts) for i in range(4))
    return AgingReport(tuple(accounts), (totals[0], totals[1], totals[2], totals[3]))


# ---- statement ------------------------------------------------------------------------------

EntryKind = Literal["venta", "cargo", "abono", "devolucion"]


@dataclass(frozen=True, slots=True)
class StatementEntry:
    at: datetime
    kind: EntryKind
    description: str
    charge: int  # added to the debt
    payment: int  # taken off the debt (abono or refund)
    balance: int  # running balance after this entry


@dataclass(frozen=True, slots=True)
class Statement:
    customer: Account
    since: datetime | None
    opening_balance: int
    entries: tuple[StatementEntry, ...]
    tz: ZoneInfo
    generated_at: datetime

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


def statement(conn: Connection, customer_id: uuid.UUID, since: datetime | None = None) -> Statement:
    """The estado de cuenta: balance before ``since``, then every movement in time order."""
    customer = account(conn, customer_id)
    # On the same instant a charge goes before a payment, so the running balance never dips.
    moves = sorted(_movements(conn, customer_id), key=lambda m: (m[0], m[4] > 0))
    opening, entries = 0, list[StatementEntry]()
    for at, kind, text, charge, payment in moves:
        if since is not None and at < since:
            opening += charge - payment
            continue
        running = (entries[-1].balance if entries else opening) + charge - payment
        entries.append(StatementEntry(at, kind, text, charge, payment, running))
    return Statement(customer, since, opening, tuple(entries), shop_zone(conn), utc_now())


def _movements(
    conn: Connection, customer_id: uuid.UUID
) -> list[tuple[datetime, EntryKind, str, int, int]]:
    key = str(customer_id)
    out: list[tuple[datetime, EntryKind, str, int, int]] = []
    for c in conn.execute(
        select(fiado_charges.c.amount, fiado_charges.c.charged_at, fiado_charges.c.note,
               fiado_charges.c.sale_id, sales.c.folio)
        .select_from(fiado_charges.outerjoin(sales, sales.c.id == fiado_charges.c.sale_id))
        .where(fiado_charges.c.customer_id == key)
    ):
        if c.sale_id:
            out.append((datetime.fromisoformat(c.charged_at), "venta",
                        f"Venta {c.folio}" if c.folio else "Venta a crédito", c.amount, 0))
        else:
            out.append((datetime.fromisoformat(c.charged_at), "cargo", c.note or "Cargo",
                        c.amount, 0))
    for p in conn.execute(select(fiado_payments).where(fiado_payments.c.customer_id == key)):
        at = datetime.fromisoformat(p.paid_at)
        if p.method == PaymentMethod.FIADO.value:  # a returned fiado sale credited back
            out.append((at, "devolucion", p.note or "Devolución", 0, p.amount))
        else:
            label = METHOD_LABELS.get(PaymentMethod(p.method), p.method)
            text = " · ".join(t for t in (f"Abono en {label}",
                                          f"Ref. {p.reference}" if p.reference else "", p.note) if t)
            out.append((at, "abono", text, 0, p.amount))
    for r in customers_repo.account_refunds(conn, [key]):
        out.append((datetime.fromisoformat(r.returned_at), "devolucion", f"Devolución de {r.folio}",
                    0, r.amount))
    return out


def _customer_row(conn: Connection, customer_id: uuid.UUID) -> Row[Any] | None:
    return conn.execute(select(customers).where(customers.c.id == str(customer_id),
                                                customers.c.deleted == 0)).first()


# ---- printout and WhatsApp text -------------------------------------------------------------

ENTRY_LABELS: dict[EntryKind, str] = {"venta": "Cargo", "cargo": "Cargo", "abono": "Abono",
                                      "devolucion": "Devolución"}


def statement_document(st: Statement, shop_name: str, tz: ZoneInfo | None = None) -> Document:
    """The estado de cuenta on paper: two lines per movement so it fits 58 mm paper too."""
    tz = tz or st.tz
    c = st.customer
    doc = DocumentBuilder().add(shop_name, Style.TITLE).add("Estado de cuenta", Style.CENTER)
    doc.add(st.generated_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"), Style.CENTER).rule()
    doc.add(c.name, Style.BOLD)
    if c.phone:
        doc.add(f"Tel. {display_phone(c.phone)}")
    doc.rule()
    if st.since:
        doc.add(f"Saldo al {st.since.astimezone(tz):%d/%m/%Y}", right=format_mxn(st.opening_balance))
    for e in st.entries:
        doc.add(f"{e.at.astimezone(tz):%d/%m/%y %H:%M} {e.description}")
        sign, amount = ("+", e.charge) if e.charge else ("-", e.payment)
        doc.add(f"  {ENTRY_LABELS[e.kind]} {sign}{format_mxn(amount)}", right=format_mxn(e.balance))
    if not st.entries:
        doc.add("Sin movimientos.")
    doc.rule().add("Compras a crédito", right=format_mxn(st.charged))
    doc.add("Abonos", right=format_mxn(st.paid))
    if st.returned:
        doc.add("Devoluciones", right=format_mxn(st.returned))
    doc.add(_balance_label(st.closing_balance), Style.BOLD, right=format_mxn(abs(st.closing_balance)))
    doc.add("Límite de crédito", right=format_mxn(c.credit_limit))
    doc.add("Crédito disponible", right=format_mxn(max(0, c.credit_limit - st.closing_balance)))
    doc.rule().add("Gracias por su preferencia", Style.CENTER)
    return doc.build(title=f"Estado de cuenta — {c.name}")


def _balance_label(amount: int) -> str:
    return "Saldo a favor" if amount < 0 else "Saldo actual"


def statement_message(st: Statement, shop_name: str, last: int = 3) -> str:
    """A short WhatsApp text: the balance, the last few movements, and the last abono."""
    tz = st.tz
    today = st.generated_at.astimezone(tz)
    first = st.customer.name.split()[0]
    lines = [f"Hola {first}, le saluda {shop_name}."]
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


def plain_pesos(centavos: int) -> str:
    """``123450`` → ``"1234.50"``: for fields people edit and for spreadsheets."""
    sign, whole = ("-" if centavos < 0 else ""), abs(centavos)
    return f"{sign}{whole // 100}.{whole % 100:02d}"


def write_aging_csv(report: AgingReport, path: Path) -> int:
    """The balances report as CSV for a spreadsheet (UTF-8 with BOM so Excel shows accents).
    Amounts are plain pesos with a decimal point so they stay numbers; names and phones, typed
    by people, go through :func:`safe_text` so none opens as a formula. Returns rows written."""
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(["Cliente", "Teléfono", "Saldo", "Límite", "Días del adeudo más antiguo",
                         *AGING_BUCKETS])
        for a in report.accounts:
            writer.writerow([safe_text(a.name), safe_text(display_phone(a.phone)), plain_pesos(a.balance),
                             plain_pesos(a.credit_limit), a.age_days if a.age_days is not None else "",
                             *(plain_pesos(b) for b in a.buckets)])
        writer.writerow(["Total", "", plain_pesos(report.total), "", "",
                         *(plain_pesos(t) for t in report.totals)])
    return len(report.accounts)

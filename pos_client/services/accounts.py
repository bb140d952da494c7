"""Customers' fiado accounts: customer records, abonos, balances and aging, statements.

The rules a balance follows (FIFO aging, the statement's running balance) are in
``shared.fiado``; the SQL in ``store.repositories.customers`` and ``fiado``; the printed
statement in ``receipts.statement`` and its WhatsApp text in ``services.messages``.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pos_client.services import local, staff
from pos_client.services.files import file_problem, safe_text
from pos_client.services.till import Till
from pos_client.store.database import Tx
from pos_client.store.repositories import customers as customers_repo
from pos_client.store.repositories import fiado
from pos_client.store.repositories.customers import Customer
from pos_client.store.repositories.shop import shop_zone
from shared.errors import DomainError, InvalidAmount, UnknownCustomer
from shared.fiado import (
    ABONO_METHODS,
    AgingOrder,
    Movement,
    Statement,
    abono_movement,
    aging_of,
    charge_movement,
    credit_movement,
    running_entries,
)
from shared.fiado import AGING_BUCKETS as AGING_BUCKETS
from shared.fiado import Account as Account
from shared.fiado import AgingReport as AgingReport
from shared.fiado import aging_report as aging_of_accounts
from shared.ids import new_uuid7
from shared.money import format_mxn, parse_mxn
from shared.permissions import Permission
from shared.phone import display_phone, normalize_phone
from shared.sale import PaymentMethod
from shared.sync.payloads import CustomerPayload, FiadoChargePayload, FiadoPaymentPayload

METHOD_LABELS = ABONO_METHODS  # how an abono was paid, in the shop's words
OPENING_NOTE = "Saldo de la libreta"


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


def save_customer(
    till: Till, draft: CustomerDraft, editor: uuid.UUID | None = None,
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
    with till.db.write() as tx:
        before = customers_repo.find(tx, draft.id) if draft.id is not None else None
        if draft.id is not None and before is None:
            raise UnknownCustomer("Ese cliente ya no existe.")
        if editor is not None and _limit_changed(before, limit):
            staff.require(tx, authorized_by or editor, Permission.FIADO_OVERRIDE)
        local.save(tx, till, "customer", payload, op="upsert")
        if opening:
            local.save(tx, till, "fiado_charge", FiadoChargePayload(
                id=new_uuid7(), customer_id=payload.id, amount=opening, note=OPENING_NOTE,
                charged_at=till.now()))
        if editor is not None:
            staff.audit(tx, till, "customer_edit", cashier_id=editor,
                        authorized_by=authorized_by if authorized_by != editor else None,
                        subject_id=payload.id, detail=_changes(before, payload, opening))
    return payload


def _limit_changed(before: Customer | None, limit: int) -> bool:
    """Whether saving gives credit: a new limit on a known customer, or a new customer with one."""
    return limit > 0 if before is None else before.credit_limit != limit


def _changes(before: Customer | None, after: CustomerPayload, opening: int) -> str:
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
    if before.active != after.active:
        changed.append("reactivado" if after.active else "dado de baja")
    return f"{after.name}: " + ("; ".join(changed) or "sin cambios")


# ---- abonos ---------------------------------------------------------------------------------


def pay(
    till: Till, customer_id: uuid.UUID, amount: int, method: PaymentMethod,
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
    with till.db.write() as tx:
        if customers_repo.find(tx, customer_id) is None:
            raise UnknownCustomer("Ese cliente ya no existe.")
        owed = fiado.balance(tx, customer_id)
        if owed <= 0:
            raise PaymentRefused("Este cliente no debe nada.")
        if amount > owed:
            raise PaymentRefused(f"El abono ({format_mxn(amount)}) es mayor que el saldo "
                                 f"({format_mxn(owed)}). Cobra como máximo el saldo.")
        payment = FiadoPaymentPayload(id=new_uuid7(), customer_id=customer_id, amount=amount,
                                      method=method, note=text[:500] or None, paid_at=till.now(),
                                      cashier_id=cashier_id, shift_id=shift_id,
                                      reference=ref or None)
        local.save(tx, till, "fiado_payment", payment)
    return payment


# ---- balances, FIFO aging -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Overview:
    """The customers page: the customers found, and the balances report (every debtor)."""

    accounts: list[Account]
    aging: AgingReport


def search(till: Till, text: str = "", active_only: bool = False) -> list[Account]:
    """Customers matching ``text`` (name, or digits of the phone) with balance and age."""
    with till.db.read() as tx:
        tz = shop_zone(tx)
        return _accounts(tx, customers_repo.search(tx, text, active_only), _today(till, tz), tz)


def account(till: Till, customer_id: uuid.UUID) -> Account:
    with till.db.read() as tx:
        return _account(tx, customer_id, till)


def overview(till: Till, text: str = "", order: AgingOrder = "amount") -> Overview:
    """What the customers page shows, read in one snapshot (one read transaction)."""
    with till.db.read() as tx:
        tz = shop_zone(tx)
        today = _today(till, tz)
        found = _accounts(tx, customers_repo.search(tx, text), today, tz)
        return Overview(found, aging_report(tx, today, order))


def aging_report(tx: Tx, today: date, order: AgingOrder = "age") -> AgingReport:
    """Fiado aging as of the shop's ``today``, inside the caller's transaction (the reports
    read it in the same snapshot as the sales they add up)."""
    tz = shop_zone(tx)
    return aging_of_accounts(_accounts(tx, customers_repo.search(tx), today, tz), order)


def _today(till: Till, tz: ZoneInfo) -> date:
    return till.now().astimezone(tz).date()


def _account(tx: Tx, customer_id: uuid.UUID, till: Till) -> Account:
    customer = customers_repo.find(tx, customer_id)
    if customer is None:
        raise UnknownCustomer("Ese cliente ya no existe.")
    tz = shop_zone(tx)
    return _accounts(tx, [customer], _today(till, tz), tz)[0]


def _accounts(tx: Tx, found: Sequence[Customer], today: date, tz: ZoneInfo) -> list[Account]:
    ids = [c.id for c in found]
    charges, paid = fiado.charges_of(tx, ids), fiado.taken_off(tx, ids)
    out = []
    for c in found:
        aged = aging_of(charges.get(c.id, []), paid.get(c.id, 0), today, tz)
        out.append(Account(c.id, c.name, c.phone, c.credit_limit, c.active, aged.balance,
                           aged.oldest_unpaid, aged.age_days, aged.buckets))
    return out


# ---- statement ------------------------------------------------------------------------------


def statement(till: Till, customer_id: uuid.UUID, since: datetime | None = None) -> Statement:
    """The estado de cuenta: balance before ``since``, then every movement in time order."""
    with till.db.read() as tx:
        customer = _account(tx, customer_id, till)
        opening, entries = running_entries(_movements(tx, customer_id), since)
        return Statement(customer, since, opening, entries, shop_zone(tx), till.now(),
                         till.device.shop_name)


def _movements(tx: Tx, customer_id: uuid.UUID) -> list[Movement]:
    return [*(charge_movement(c.at, c.amount, c.note, c.sale_id, c.folio)
              for c in fiado.charges(tx, customer_id)),
            *(abono_movement(p.at, p.amount, p.method, p.note, p.reference)
              for p in fiado.abonos(tx, customer_id)),
            *(credit_movement(r.at, r.amount, r.folio)
              for r in fiado.credited_returns(tx, customer_id))]


# ---- the balances report as a spreadsheet ---------------------------------------------------


def plain_pesos(centavos: int) -> str:
    """``123450`` → ``"1234.50"``: for fields people edit and for spreadsheets."""
    sign, whole = ("-" if centavos < 0 else ""), abs(centavos)
    return f"{sign}{whole // 100}.{whole % 100:02d}"


def export_aging(till: Till, path: Path) -> int:
    """Today's balances report written to ``path`` as CSV; returns the accounts written."""
    with till.db.read() as tx:
        report = aging_report(tx, _today(till, shop_zone(tx)))
    try:
        return write_aging_csv(report, path)
    except OSError as exc:
        raise file_problem(exc, path) from exc


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

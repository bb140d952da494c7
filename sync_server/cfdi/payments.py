"""Which abonos pay which fiado sales (pure): the oldest debt is paid first, as the shop's
statement reads it (``shared.fiado``), with what payment complements already said fixed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Debt:
    """Credit given: a fiado sale's part (less what its returns credited back), or an opening
    balance (no sale)."""

    sale_id: uuid.UUID | None
    amount: int
    at: datetime
    key: uuid.UUID


@dataclass(frozen=True)
class Abono:
    payment_id: uuid.UUID
    amount: int
    at: datetime


def allocate(debts: Sequence[Debt], abonos: Sequence[Abono],
             recorded: Mapping[tuple[uuid.UUID, uuid.UUID], int]) -> list[tuple[uuid.UUID, uuid.UUID, int]]:
    """(payment, sale, amount) parts not recorded yet. ``recorded``: (payment, sale) → amount
    already on a payment complement; those stay where they are, and the rest of every abono
    pays the oldest debt left, first come first served."""
    left_debt = {d.key: d.amount for d in debts}
    by_sale = {d.sale_id: d.key for d in debts if d.sale_id is not None}
    left_pay = {a.payment_id: a.amount for a in abonos}
    for (payment, sale), amount in recorded.items():
        if sale in by_sale:
            left_debt[by_sale[sale]] -= amount
        if payment in left_pay:
            left_pay[payment] -= amount
    out = []
    queue = sorted(debts, key=lambda d: (d.at, d.key))
    i = 0
    for abono in sorted(abonos, key=lambda a: (a.at, a.payment_id)):
        money = left_pay[abono.payment_id]
        while money > 0 and i < len(queue):
            debt = queue[i]
            take = min(money, max(left_debt[debt.key], 0))
            if take > 0:
                money -= take
                left_debt[debt.key] -= take
                if debt.sale_id is not None:
                    out.append((abono.payment_id, debt.sale_id, take))
            if left_debt[debt.key] <= 0:
                i += 1
    return out

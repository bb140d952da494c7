"""A return made after its sale's CFDI was stamped, as its credit note (CFDI de egreso) sees
it (pure): one concept per returned line with that line's own tax split (what the till's IVA
report subtracts for it, so the note's taxes are the return's to the centavo), the forma de
pago of the refund, and the receptor's uso."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from shared.fiscal import (
    FORMA_COMPENSACION,
    FORMA_POR_DEFINIR,
    FORMA_TARJETA_CREDITO,
    FORMA_TARJETA_DEBITO,
    USO_DEVOLUCIONES,
    USO_SIN_EFECTOS,
    USOS,
    forma_de_pago,
)
from shared.returns import refund_parts
from shared.sale import PaymentMethod
from shared.tax import IvaRate, TaxSplit, split_included
from sync_server.cfdi import build
from sync_server.cfdi.amounts import Taxed, TaxKey, add

_MILLI = Decimal(1000)
CLAVE_DEVOLUCION_GLOBAL = "84111506"  # "Servicios de facturación": SAT's key for a note on a global


@dataclass(frozen=True)
class ReturnedLine:
    """One line of a return, with what the sale's line says about it (name, taxes, unit)."""

    line_no: int
    name: str
    qty_milli: int
    amount: int
    iva: IvaRate
    ieps_bp: int
    by_weight: bool = False
    barcode: str | None = None
    product_key: str = build.CLAVE_SIN_CATALOGO
    unit_key: str | None = None  # None: H87 pieza, or KGM when sold by weight

    @property
    def split(self) -> TaxSplit:
        return split_included(self.amount, self.iva, self.ieps_bp)

    @property
    def unit(self) -> str:
        return self.unit_key or (build.UNIDAD_KILO if self.by_weight else build.UNIDAD_PIEZA)


@dataclass(frozen=True)
class Refund:
    """A stored return: where its money went (``shared.returns.refund_parts``) and its lines."""

    return_id: uuid.UUID
    sale_id: uuid.UUID
    folio: str  # the ticket's
    returned_at: datetime
    refund_method: str
    amount: int
    to_account: int
    lines: Sequence[ReturnedLine]
    card: int = 0  # the parts given back to the card and by transfer (refunds by tender)
    transfer: int = 0

    def totals(self) -> TaxSplit:
        out = TaxSplit(0, 0, 0, 0)
        for line in self.lines:
            out = add(out, line.split)
        return out


def concepts(refund: Refund, *, of_global: bool) -> list[build.Line]:
    """The note's concepts: each returned line with its own split (always within SAT's
    tolerance: one line's split is). On a global, whose concepts were tickets, the ticket's
    folio identifies it; on a customer's invoice, the product (its SAT keys and barcode)."""
    out = []
    for line in refund.lines:
        if line.amount <= 0:
            continue
        qty = max(Decimal(line.qty_milli) / _MILLI, Decimal("0.001"))
        taxed = Taxed.of(TaxKey(line.iva, line.ieps_bp), line.split)
        if of_global:
            out.append(build.Line(f"Devolución: {line.name}", Decimal(1), build.UNIDAD_ACTIVIDAD,
                                  taxed, product_key=CLAVE_DEVOLUCION_GLOBAL,
                                  identification=refund.folio))
        else:
            out.append(build.Line(f"Devolución: {line.name}", qty, line.unit, taxed,
                                  product_key=line.product_key, identification=line.barcode))
    return out


def refund_forma(refund: Refund, original_forma: str | None, card_forma: str) -> str:
    """How the money went back: the part refunded out of the drawer (cash, card, transfer)
    that was largest; a card refund keeps the original's card kind when it says one. A return
    credited whole to the fiado account compensates the debt (17)."""
    parts = refund_parts(refund.refund_method, refund.amount, refund.to_account, refund.card,
                         refund.transfer)
    paid = {PaymentMethod(m): a for m, a in parts.items() if m != PaymentMethod.FIADO.value}
    if not paid:
        return FORMA_COMPENSACION
    method = max(paid, key=lambda m: (paid[m], m is PaymentMethod.CASH))
    if method is PaymentMethod.CARD and original_forma in (FORMA_TARJETA_CREDITO,
                                                           FORMA_TARJETA_DEBITO):
        return original_forma
    forma = forma_de_pago(method, card_forma)
    return forma if forma != FORMA_POR_DEFINIR else FORMA_COMPENSACION


def credit_uso(regime: str) -> str:
    """G02 (devoluciones) where the receptor's regime allows it, else S01."""
    return USO_DEVOLUCIONES if regime in USOS[USO_DEVOLUCIONES].regimes else USO_SIN_EFECTOS

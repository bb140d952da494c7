"""From stored sales to signed CFDI: a customer's invoice for one ticket, the factura global of
a period, and a credit note for a return after either was stamped. CPU work only (seconds for
a busy month): callers run it in a thread."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from satcfdi.models import Signer

from shared.fiscal import Receptor, main_forma
from shared.sale import PaymentMethod
from shared.tax import IvaRate, TaxSplit
from sync_server.cfdi import build, credit
from sync_server.cfdi.amounts import fit_tickets
from sync_server.cfdi.credit import Refund
from sync_server.cfdi.tickets import Period, SoldLine, Ticket
from sync_server.repositories.invoiced_sales import SaleRows


@dataclass(frozen=True)
class Signed:
    """A signed CFDI and its amounts (for lists; the XML is the truth)."""

    xml: bytes
    issued_at: datetime  # the Fecha: aware, in the time zone of the place of issue
    totals: TaxSplit
    forma_pago: str | None
    metodo_pago: str | None
    sales: list[tuple[uuid.UUID, int]]  # (sale, its net total) covered
    left_out: dict[IvaRate, TaxSplit]
    returns: Sequence[uuid.UUID] = ()  # the returns its amounts account for


def ticket_of(rows: SaleRows) -> Ticket:
    return Ticket(rows.sale_id, rows.folio, rows.sold_at, rows.total,
                  [SoldLine(n, name, qty, total, IvaRate(iva), ieps, by_weight, barcode,
                            product_key or build.CLAVE_SIN_CATALOGO, unit_key)
                   for n, name, qty, total, iva, ieps, by_weight, barcode, product_key, unit_key
                   in rows.lines],
                  {PaymentMethod(m): a for m, a in rows.paid.items()}, rows.returned,
                  rows.customer_id, tuple(rows.return_ids))


def _totals(lines: Iterable[build.Line]) -> TaxSplit:
    total = base = ieps = iva = 0
    for ln in lines:
        t = ln.taxed
        total, base = total + t.total, base + t.base
        ieps += sum(x for _, _, x in t.ieps)
        iva += sum(x for _, _, x in t.iva)
    return TaxSplit(total, base, ieps, iva)


def ticket_invoice(profile_issuer: build.Issuer, signer: Signer, ticket: Ticket,
                   receptor: Receptor, *, serie: str, folio: int, fecha: datetime,
                   card_forma: str, replaces: Sequence[str] = ()) -> Signed:
    """A customer's own invoice for a ticket: its lines net of returns; PPD/99 when part of
    it went on fiado, else PUE with the forma that paid the most."""
    lines, left_out = ticket.invoice_lines()
    forma, metodo = ticket.payment_terms(card_forma)
    doc = build.ingreso(profile_issuer, receptor, lines, serie=serie, folio=str(folio),
                        forma_pago=forma, metodo_pago=metodo, fecha=fecha, replaces=replaces)
    xml = build.sign(doc, signer)
    return Signed(xml, fecha, _totals(lines), forma, metodo,
                  [(ticket.sale_id, ticket.net_total)], left_out, ticket.return_ids)


def global_invoice(issuer: build.Issuer, signer: Signer, tickets: Sequence[Ticket],
                   period: Period, *, serie: str, folio: int, fecha: datetime,
                   card_forma: str) -> Signed:
    """The factura global: one concept per ticket (the ticket's folio as its NoIdentificacion,
    a traslado per rate in it), net of returns; tickets returned in full are left out."""
    live = [t for t in tickets if t.net_total > 0]
    fit = fit_tickets([(t.folio, t.net_lines()) for t in live])
    lines = [build.Line("Venta", Decimal(1), build.UNIDAD_ACTIVIDAD, c.taxed,
                        product_key=build.CLAVE_VENTA, identification=c.ref)
             for c in fit.concepts]
    paid: dict[PaymentMethod, int] = {}
    for t in live:
        for method, amount in t.paid.items():
            paid[method] = paid.get(method, 0) + amount
    forma = main_forma(paid, card_forma)
    doc = build.ingreso(issuer, build.public_receptor(issuer), lines, serie=serie,
                        folio=str(folio), forma_pago=forma, metodo_pago="PUE", fecha=fecha,
                        period=period.sat())
    xml = build.sign(doc, signer)
    return Signed(xml, fecha, _totals(lines), forma, "PUE",
                  [(t.sale_id, t.net_total) for t in live], fit.left_out,
                  [r for t in live for r in t.return_ids])


def credit_note(issuer: build.Issuer, signer: Signer, refund: Refund, receptor: Receptor, *,
                credits: str, serie: str, folio: int, fecha: datetime, forma_pago: str,
                period: Period | None = None) -> Signed:
    """A credit note (egreso) for a return: related to the stamped CFDI ``credits`` (UUID), its
    concepts the returned lines (a global's: by the ticket's folio, with the global's period)."""
    lines = credit.concepts(refund, of_global=period is not None)
    doc = build.egreso(issuer, receptor, lines, serie=serie, folio=str(folio),
                       forma_pago=forma_pago, fecha=fecha, credits=credits,
                       period=period.sat() if period else None)
    xml = build.sign(doc, signer)
    return Signed(xml, fecha, _totals(lines), forma_pago, "PUE",
                  [(refund.sale_id, refund.amount)], {}, [refund.return_id])

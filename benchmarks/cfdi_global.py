"""cfdi.global_month_s: the factura global of a busy shop's month (9,000 tickets, 1–6 lines of
mixed IVA rates and IEPS, some weighed, some discounted, 3 % with a return): concepts net of
the returns and fitted to SAT's tolerance, built, sealed with a CSD and validated against SAT's
XSD — what the worker does once a month.

The baseline, in the same run: building the same XML tree (same concept amounts) with satcfdi
and serializing it, without sealing or validating. ``cfdi.global_month_ratio`` = full / bare.
The schema is compiled inside the measured run (a worker thread compiles it once).
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal

from benchmarks.registry import benchmark
from shared.quantity import value_of
from shared.sale import PaymentMethod
from shared.tax import IvaRate
from sync_server.cfdi import build, documents
from sync_server.cfdi.amounts import fit_tickets
from sync_server.cfdi.csd import open_csd
from sync_server.cfdi.tickets import Period, Periodicity, SoldLine, Ticket
from tests.support.fakes.csd import make_csd

TICKETS = 9_000
RETURNED_SHARE = 0.03  # tickets with a return before the global: it is built net of them
ISSUER = build.Issuer("EKU9003173C9", "ESCUELA KEMPER URGATE", "601", "76028")
MONTH = Period(Periodicity.MONTHLY, datetime(2026, 11, 1).date(), datetime(2026, 12, 1).date())
_KINDS = [(IvaRate.GENERAL, 0), (IvaRate.GENERAL, 0), (IvaRate.TASA_CERO, 0),
          (IvaRate.GENERAL, 800), (IvaRate.EXENTO, 0), (IvaRate.FRONTERA, 0)]


def _month(rng: random.Random) -> list[Ticket]:
    out = []
    for n in range(1, TICKETS + 1):
        lines = []
        for no in range(1, rng.randint(1, 6) + 1):
            rate, ieps = rng.choice(_KINDS)
            weighed = rng.random() < 0.15
            qty = rng.randint(100, 2_000) if weighed else rng.randint(1, 4) * 1000
            gross = value_of(qty, rng.randint(500, 8_000))
            total = gross - (gross // 10 if rng.random() < 0.05 else 0)
            lines.append(SoldLine(no, f"Producto {no}", qty, total, rate, ieps, weighed))
        total = sum(ln.total for ln in lines)
        returned: list[tuple[int, int, int]] = []
        if rng.random() < RETURNED_SHARE:  # its first line given back, whole or half
            first = lines[0]
            half = rng.random() < 0.5 and not first.by_weight and first.qty_milli >= 2000
            qty = first.qty_milli // 2 if half else first.qty_milli
            returned.append((1, qty, first.total * qty // first.qty_milli))
        out.append(Ticket(uuid.uuid4(), f"C1-{n:06d}", datetime(2026, 11, 15, tzinfo=UTC), total,
                          lines, {PaymentMethod.CASH: total}, returned,
                          return_ids=[uuid.uuid4()] if returned else ()))
    return out


def _bare(tickets: list[Ticket]) -> float:
    """The same concepts' XML tree, built and serialized, nothing sealed or checked."""
    concepts = fit_tickets([(t.folio, t.net_lines()) for t in tickets]).concepts  # not measured
    lines = [build.Line("Venta", Decimal(1), build.UNIDAD_ACTIVIDAD, c.taxed,
                        product_key=build.CLAVE_VENTA, identification=c.ref) for c in concepts]
    start = time.perf_counter()
    doc = build.ingreso(ISSUER, build.public_receptor(ISSUER), lines, serie="FG", folio="1",
                        forma_pago="01", metodo_pago="PUE", fecha=datetime(2026, 12, 1, 1),
                        period=MONTH.sat())
    doc.xml_bytes()
    return time.perf_counter() - start


@benchmark("cfdi.global_month")
def run() -> dict[str, float]:
    csd = make_csd()
    signer = open_csd(csd.certificate, csd.key, csd.password)
    tickets = _month(random.Random(17))
    bare = _bare(tickets)
    start = time.perf_counter()
    signed = documents.global_invoice(ISSUER, signer, tickets, MONTH, serie="FG", folio=1,
                                      fecha=datetime(2026, 12, 1, 1), card_forma="04")
    full = time.perf_counter() - start
    concepts = signed.xml.count(b"<cfdi:Concepto ")
    # Net of every return of a ticket it holds (one returned whole is left out).
    assert len(signed.returns) == sum(bool(t.returned) and t.net_total > 0 for t in tickets)
    return {"cfdi.global_month_s": round(full, 2), "cfdi.global_month_bare_s": round(bare, 2),
            "cfdi.global_month_ratio": round(full / bare, 2),
            "cfdi.global_month_returns": len(signed.returns),
            "cfdi.global_month_concepts": concepts,
            "cfdi.global_month_xml_mb": round(len(signed.xml) / 1e6, 1)}

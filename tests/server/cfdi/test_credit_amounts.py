"""A credit note's amounts, for any return: its total and its taxes per rate are the returned
lines' own splits (what the till's IVA report subtracts) to the centavo, every concept within
SAT's tolerance, and the signed egreso valid against the CFDI 4.0 XSD."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.fiscal import check_receptor
from shared.tax import IvaRate, split_included
from sync_server.cfdi import build, documents
from sync_server.cfdi.amounts import within_window
from sync_server.cfdi.credit import Refund, ReturnedLine, concepts
from sync_server.cfdi.csd import open_csd
from sync_server.cfdi.tickets import Period, Periodicity
from sync_server.cfdi.xsd import check_xml

RATES = [IvaRate.GENERAL, IvaRate.FRONTERA, IvaRate.TASA_CERO, IvaRate.EXENTO]
CUSTOMER = check_receptor("XOJI740919U48", "Ingrid Xodar Jiménez", "76028", "612", "G02")

lines = st.lists(st.builds(
    lambda n, amount, rate, ieps, weight, qty: ReturnedLine(
        n, f"Producto {n}", qty, amount, rate, 0 if rate is IvaRate.EXENTO else ieps, weight),
    st.integers(1, 40), st.integers(1, 300_000), st.sampled_from(RATES),
    st.sampled_from([0, 0, 800, 2650]), st.booleans(), st.integers(1, 25_000)),
    min_size=1, max_size=12)


def _refund(returned: list[ReturnedLine]) -> Refund:
    return Refund(uuid.uuid4(), uuid.uuid4(), "C1-000001", datetime(2026, 11, 3), "efectivo",
                  sum(ln.amount for ln in returned), 0, returned)


def _by_rate(doc) -> dict[tuple[str, str], Decimal]:
    out: dict[tuple[str, str], Decimal] = {}
    for t in doc["Impuestos"]["Traslados"].values():
        if t["TipoFactor"] == "Tasa":
            key = (t["Impuesto"], str(t["TasaOCuota"]))
            out[key] = out.get(key, Decimal(0)) + t["Importe"]
    return out


def _expected(returned: list[ReturnedLine]) -> tuple[int, dict[tuple[str, str], Decimal]]:
    total, out = 0, {}
    for ln in returned:
        s = split_included(ln.amount, ln.iva, ln.ieps_bp)
        total += s.total
        if ln.iva not in (IvaRate.EXENTO,):
            key = ("002", str(build.tasa(ln.iva.basis_points)))
            out[key] = out.get(key, Decimal(0)) + Decimal(s.iva) / 100
        if ln.ieps_bp:
            key = ("003", str(build.tasa(ln.ieps_bp)))
            out[key] = out.get(key, Decimal(0)) + Decimal(s.ieps) / 100
    return total, out


@given(lines, st.booleans())
def test_concepts_carry_each_returned_lines_split_within_tolerance(returned, of_global):
    got = concepts(_refund(returned), of_global=of_global)
    assert len(got) == len(returned)
    for line, concept in zip(returned, got, strict=True):
        assert within_window(concept.taxed)
        assert concept.taxed.total == line.amount
    assert sum(c.taxed.total for c in got) == _refund(returned).totals().total


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(returned=lines, of_global=st.booleans())
def test_the_signed_egreso_is_valid_and_its_totals_are_the_returns(csd, returned, of_global):
    signer = open_csd(csd.certificate, csd.key, csd.password)
    issuer = build.Issuer(csd.rfc, csd.name, "601", "76028")
    period = Period(Periodicity.DAILY, datetime(2026, 11, 2).date(), datetime(2026, 11, 3).date())
    receptor = build.public_receptor(issuer) if of_global else CUSTOMER
    signed = documents.credit_note(
        issuer, signer, _refund(returned), receptor,
        credits="5B3E1C2A-1111-4222-8333-944455556666", serie="FE", folio=1,
        fecha=datetime(2026, 11, 3, 12), forma_pago="01", period=period if of_global else None)
    doc = check_xml(signed.xml)
    total, by_rate = _expected(returned)
    assert doc["TipoDeComprobante"] == "E"
    assert doc["Total"] == Decimal(total) / 100
    assert signed.totals.total == total
    assert _by_rate(doc) == by_rate

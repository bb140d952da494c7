"""CFDI 4.0 documents built with satcfdi from amounts already decided (``amounts.py``), signed
with the shop's CSD and validated against SAT's XSDs: an ingreso to a named customer, the
factura global to the public, a credit note (egreso) for a return, a payment complement
(Pagos 2.0) for a PPD invoice.

Money arrives in centavos and leaves as ``Decimal`` with two places; every tax amount is
passed explicitly, so satcfdi computes nothing that could round differently from the till.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from satcfdi.cfdi import CFDI
from satcfdi.create.cfd import cfdi40
from satcfdi.models import Signer

from shared.fiscal import CLAVE_SIN_CATALOGO as CLAVE_SIN_CATALOGO  # a product's defaults
from shared.fiscal import (
    NOMBRE_PUBLICO_GENERAL,
    REGIMEN_SIN_OBLIGACIONES,
    RFC_PUBLICO_GENERAL,
    USO_SIN_EFECTOS,
    Receptor,
)
from shared.fiscal import UNIDAD_KILO as UNIDAD_KILO
from shared.fiscal import UNIDAD_PIEZA as UNIDAD_PIEZA
from shared.tax import IvaRate
from sync_server.cfdi.amounts import Taxed, within_window
from sync_server.cfdi.xsd import validated_xml

CLAVE_VENTA = "01010101"
UNIDAD_ACTIVIDAD = "ACT"
_CENT = Decimal("0.01")
_MICRO = Decimal("0.000001")


class Unbalanced(Exception):
    """A concept whose tax is outside SAT's tolerance or whose parts do not add up: a bug."""


def pesos(centavos: int) -> Decimal:
    return (Decimal(centavos) / 100).quantize(_CENT)


def tasa(basis_points: int) -> Decimal:
    return (Decimal(basis_points) / 10_000).quantize(_MICRO)


@dataclass(frozen=True)
class Issuer:
    rfc: str
    name: str
    regime: str
    postal_code: str


@dataclass(frozen=True)
class Line:
    """One concept: what it is and its amounts (after any discount: the till's line total is
    what was charged, and that is what is invoiced)."""

    description: str
    quantity: Decimal
    unit: str
    taxed: Taxed
    product_key: str = CLAVE_SIN_CATALOGO
    identification: str | None = None  # NoIdentificacion: barcode, or the ticket's folio


@dataclass(frozen=True)
class GlobalPeriod:
    periodicidad: str  # 01 diario, 02 semanal, 03 quincenal, 04 mensual, 05 bimestral
    meses: str  # "01"–"12", bimestral "13"–"18"
    year: int


def public_receptor(issuer: Issuer) -> Receptor:
    return Receptor(RFC_PUBLICO_GENERAL, NOMBRE_PUBLICO_GENERAL, issuer.postal_code,
                    REGIMEN_SIN_OBLIGACIONES, USO_SIN_EFECTOS)


def _traslados(line: Line) -> list[cfdi40.Traslado]:
    taxed = line.taxed
    if not within_window(taxed):  # amounts.py decides them; this is the last guard
        raise Unbalanced(f"concept outside SAT's tolerance or not positive: {taxed}")
    out = []
    for rate, base, tax in taxed.iva:
        if rate is IvaRate.EXENTO:
            out.append(cfdi40.Traslado(impuesto="002", tipo_factor="Exento", base=pesos(base)))
        else:
            out.append(cfdi40.Traslado(impuesto="002", tipo_factor="Tasa",
                                       tasa_o_cuota=tasa(rate.basis_points), base=pesos(base),
                                       importe=pesos(tax)))
    for bp, base, tax in taxed.ieps:
        out.append(cfdi40.Traslado(impuesto="003", tipo_factor="Tasa", tasa_o_cuota=tasa(bp),
                                   base=pesos(base), importe=pesos(tax)))
    return out


def unit_value(importe: Decimal, quantity: Decimal) -> Decimal:
    """A ValorUnitario (6 places) whose product with ``quantity``, rounded as satcfdi rounds
    the Importe, is ``importe`` exactly."""
    value = (importe / quantity).quantize(_MICRO, rounding=ROUND_HALF_UP)
    for step in (0, 1, -1, 2, -2, 3, -3):
        candidate = value + step * _MICRO
        if candidate >= 0 and round(quantity * candidate, 2) == importe:
            return candidate
    raise Unbalanced(f"no unit value gives {importe} for {quantity}")


def _concept(line: Line) -> cfdi40.Concepto:
    importe = pesos(line.taxed.base)
    return cfdi40.Concepto(
        clave_prod_serv=line.product_key, cantidad=line.quantity, clave_unidad=line.unit,
        descripcion=line.description[:1000], valor_unitario=unit_value(importe, line.quantity),
        no_identificacion=(line.identification or None) and line.identification[:100],
        impuestos=cfdi40.Impuestos(traslados=_traslados(line)), objeto_imp="02")


def ingreso(issuer: Issuer, receptor: Receptor, lines: Sequence[Line], *, serie: str, folio: str,
            forma_pago: str, metodo_pago: str, fecha: datetime,
            period: GlobalPeriod | None = None,
            replaces: Sequence[str] = ()) -> cfdi40.Comprobante:
    """An ingreso (unsigned). ``fecha`` is the local time of the place of issue (naive);
    ``replaces``: UUIDs this one substitutes (relation 04, for a cancellation with motive 01)."""
    return _comprobante("I", issuer, receptor, lines, serie=serie, folio=folio,
                        forma_pago=forma_pago, metodo_pago=metodo_pago, fecha=fecha,
                        period=period, related=("04", replaces))


def egreso(issuer: Issuer, receptor: Receptor, lines: Sequence[Line], *, serie: str, folio: str,
           forma_pago: str, fecha: datetime, credits: str,
           period: GlobalPeriod | None = None) -> cfdi40.Comprobante:
    """A credit note (unsigned): a return of what the stamped CFDI ``credits`` (its UUID,
    relation 01, nota de crédito) invoiced, refunded with ``forma_pago`` (PUE). A note on a
    factura global goes to the public with the global's period."""
    return _comprobante("E", issuer, receptor, lines, serie=serie, folio=folio,
                        forma_pago=forma_pago, metodo_pago="PUE", fecha=fecha, period=period,
                        related=("01", [credits]))


def _comprobante(tipo: str, issuer: Issuer, receptor: Receptor, lines: Sequence[Line], *,
                 serie: str, folio: str, forma_pago: str, metodo_pago: str, fecha: datetime,
                 period: GlobalPeriod | None,
                 related: tuple[str, Sequence[str]]) -> cfdi40.Comprobante:
    relation, uuids = related
    return cfdi40.Comprobante(
        emisor=cfdi40.Emisor(rfc=issuer.rfc, nombre=issuer.name, regimen_fiscal=issuer.regime),
        lugar_expedicion=issuer.postal_code, tipo_de_comprobante=tipo,
        receptor=cfdi40.Receptor(rfc=receptor.rfc, nombre=receptor.name,
                                 domicilio_fiscal_receptor=receptor.postal_code,
                                 regimen_fiscal_receptor=receptor.regime, uso_cfdi=receptor.uso),
        conceptos=[_concept(ln) for ln in lines], serie=serie, folio=folio,
        forma_pago=forma_pago, metodo_pago=metodo_pago, fecha=fecha.replace(tzinfo=None, microsecond=0),
        informacion_global=(cfdi40.InformacionGlobal(periodicidad=period.periodicidad,
                                                     meses=period.meses, ano=period.year)
                            if period else None),
        cfdi_relacionados=(cfdi40.CfdiRelacionados(tipo_relacion=relation,
                                                   cfdi_relacionado=list(uuids))
                           if uuids else None))


@dataclass(frozen=True)
class Paid:
    """A part paid of a stamped PPD invoice (its XML), in centavos."""

    invoice_xml: bytes
    installment: int  # NumParcialidad, from 1
    balance_before: int
    amount: int


def payment(paid: Sequence[Paid], *, paid_at: datetime, forma_pago: str, serie: str, folio: str,
            fecha: datetime, replaces: Sequence[str] = ()) -> cfdi40.Comprobante:
    """A payment complement (CFDI tipo P, Pagos 2.0) for parts of stamped PPD invoices of one
    customer. Times are the shop's local times (naive). ``replaces``: the complement it
    substitutes (relation 04, for a cancellation with motive 01)."""
    return cfdi40.Comprobante.pago_comprobantes(
        cfdi_relacionados=(cfdi40.CfdiRelacionados(tipo_relacion="04",
                                                   cfdi_relacionado=list(replaces))
                           if replaces else None),
        comprobantes=[cfdi40.PagoComprobante(comprobante=CFDI.from_string(p.invoice_xml),
                                             num_parcialidad=p.installment,
                                             imp_saldo_ant=pesos(p.balance_before),
                                             imp_pagado=pesos(p.amount)) for p in paid],
        fecha_pago=paid_at.replace(tzinfo=None, microsecond=0), forma_pago=forma_pago,
        serie=serie, folio=folio, fecha=fecha.replace(tzinfo=None, microsecond=0))


def payment_facts(xml: bytes) -> tuple[datetime, str, tuple[str, str, str, str]]:
    """What a complement said of its payment: FechaPago (local, naive), FormaDePagoP, and its
    receptor (RFC, name, postal code, regime), for a replacement that says the same."""
    doc = CFDI.from_string(xml)
    pago, r = doc["Complemento"]["Pagos"]["Pago"][0], doc["Receptor"]
    return (pago["FechaPago"], _code(pago["FormaDePagoP"]),
            (r["Rfc"], r["Nombre"], r["DomicilioFiscalReceptor"],
             _code(r["RegimenFiscalReceptor"])))


def _code(value: object) -> str:
    """satcfdi reads catalog fields as ``Code`` (key and description): the key."""
    return str(getattr(value, "code", value))


def sign(doc: cfdi40.Comprobante, signer: Signer) -> bytes:
    """Seal ``doc`` with the CSD and return its XML, validated against SAT's XSDs."""
    if signer.rfc != doc["Emisor"]["Rfc"]:  # satcfdi does not check it; a PAC would refuse
        raise Unbalanced(f"CSD of {signer.rfc} cannot sign for {doc['Emisor']['Rfc']}")
    doc.sign(signer)
    return validated_xml(doc)


def resign(signed_xml: bytes, signer: Signer, fecha: datetime) -> bytes:
    """The same CFDI (series, folio, amounts) dated ``fecha`` and sealed again: for one that
    waited so long for its PAC that SAT's 72-hour window for its date has passed."""
    doc = CFDI.from_string(signed_xml)
    doc["Fecha"] = fecha.replace(tzinfo=None, microsecond=0)
    doc.sign(signer)
    return validated_xml(doc)


def seal_of(xml: bytes) -> str:
    """The emitter's seal: what makes a CFDI this CFDI (a PAC's answer must carry ours)."""
    return str(CFDI.from_string(xml)["Sello"])

"""Fiscal data of a CFDI's parties: RFC (form and check digit), tax regime against the kind of
person, uso CFDI against the regime, postal code; how a sale's payment becomes a forma de pago.

Pure rules with Spanish messages, applied by the server before anything reaches a PAC and by
the till before it asks for an invoice. The catalogs are SAT's c_RegimenFiscal and c_UsoCFDI
(Anexo 20, CFDI 4.0): check them again when SAT publishes a new version.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from shared.errors import DomainError
from shared.sale import PaymentMethod

RFC_PUBLICO_GENERAL = "XAXX010101000"
RFC_EXTRANJERO = "XEXX010101000"
NOMBRE_PUBLICO_GENERAL = "PUBLICO EN GENERAL"
REGIMEN_SIN_OBLIGACIONES = "616"
USO_SIN_EFECTOS = "S01"
USO_PAGOS = "CP01"
USO_DEVOLUCIONES = "G02"  # Devoluciones, descuentos o bonificaciones: a credit note's

_RFC = re.compile(r"^([A-ZÑ&]{3,4})([0-9]{2})([0-9]{2})([0-9]{2})([A-Z0-9]{2})([0-9A])$")
# The check digit's alphabet: each character's value is its position (SAT's algorithm).
_CHECK_ALPHABET = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"
_POSTAL_CODE = re.compile(r"^[0-9]{5}$")
_SERIES = re.compile(r"^[A-Z]{1,8}$")
MAX_NAME = 300  # CFDI 4.0 Nombre


class FiscalDataInvalid(DomainError):
    """Fiscal data a PAC would refuse. ``code`` says which rule: ``invalid_rfc``,
    ``invalid_name``, ``invalid_postal_code``, ``invalid_regime``, ``regime_mismatch``,
    ``invalid_uso``, ``uso_mismatch``, ``rfc_blacklisted`` (on SAT's 69-B list)."""

    code = "invalid_fiscal_data"


class PersonType(StrEnum):
    FISICA = "fisica"  # 13-character RFC
    MORAL = "moral"  # 12-character RFC


@dataclass(frozen=True, slots=True)
class Regime:
    code: str
    name: str
    fisica: bool
    moral: bool


_REGIMES = [
    Regime("601", "General de Ley Personas Morales", False, True),
    Regime("603", "Personas Morales con Fines no Lucrativos", False, True),
    Regime("605", "Sueldos y Salarios e Ingresos Asimilados a Salarios", True, False),
    Regime("606", "Arrendamiento", True, False),
    Regime("607", "Régimen de Enajenación o Adquisición de Bienes", True, False),
    Regime("608", "Demás ingresos", True, False),
    Regime("610", "Residentes en el Extranjero sin Establecimiento Permanente en México", True, True),
    Regime("611", "Ingresos por Dividendos (socios y accionistas)", True, False),
    Regime("612", "Personas Físicas con Actividades Empresariales y Profesionales", True, False),
    Regime("614", "Ingresos por intereses", True, False),
    Regime("615", "Régimen de los ingresos por obtención de premios", True, False),
    Regime("616", "Sin obligaciones fiscales", True, False),
    Regime("620", "Sociedades Cooperativas de Producción que optan por diferir sus ingresos",
           False, True),
    Regime("621", "Incorporación Fiscal", True, False),
    Regime("622", "Actividades Agrícolas, Ganaderas, Silvícolas y Pesqueras", False, True),
    Regime("623", "Opcional para Grupos de Sociedades", False, True),
    Regime("624", "Coordinados", False, True),
    Regime("625", "Régimen de las Actividades Empresariales con ingresos a través de "
                  "Plataformas Tecnológicas", True, False),
    Regime("626", "Régimen Simplificado de Confianza", True, True),
]
REGIMES: dict[str, Regime] = {r.code: r for r in _REGIMES}


@dataclass(frozen=True, slots=True)
class Uso:
    code: str
    name: str
    regimes: frozenset[str]


# Regimes each uso admits (c_UsoCFDI, column "Régimen Fiscal Receptor").
_BUSINESS = frozenset({"601", "603", "606", "612", "620", "621", "622", "623", "624", "625", "626"})
_DEDUCTIONS = frozenset({"605", "606", "608", "611", "612", "614", "607", "615", "625"})
_ALL = frozenset({"601", "603", "605", "606", "608", "610", "611", "612", "614", "616", "620",
                  "621", "622", "623", "624", "607", "615", "625", "626"})
_USOS = [
    Uso("G01", "Adquisición de mercancías", _BUSINESS),
    Uso("G02", "Devoluciones, descuentos o bonificaciones", _BUSINESS),
    Uso("G03", "Gastos en general", _BUSINESS),
    Uso("I01", "Construcciones", _BUSINESS),
    Uso("I02", "Mobiliario y equipo de oficina por inversiones", _BUSINESS),
    Uso("I03", "Equipo de transporte", _BUSINESS),
    Uso("I04", "Equipo de cómputo y accesorios", _BUSINESS),
    Uso("I05", "Dados, troqueles, moldes, matrices y herramental", _BUSINESS),
    Uso("I06", "Comunicaciones telefónicas", _BUSINESS),
    Uso("I07", "Comunicaciones satelitales", _BUSINESS),
    Uso("I08", "Otra maquinaria y equipo", _BUSINESS),
    Uso("D01", "Honorarios médicos, dentales y gastos hospitalarios", _DEDUCTIONS),
    Uso("D02", "Gastos médicos por incapacidad o discapacidad", _DEDUCTIONS),
    Uso("D03", "Gastos funerales", _DEDUCTIONS),
    Uso("D04", "Donativos", _DEDUCTIONS),
    Uso("D05", "Intereses reales efectivamente pagados por créditos hipotecarios (casa "
               "habitación)", _DEDUCTIONS),
    Uso("D06", "Aportaciones voluntarias al SAR", _DEDUCTIONS),
    Uso("D07", "Primas por seguros de gastos médicos", _DEDUCTIONS),
    Uso("D08", "Gastos de transportación escolar obligatoria", _DEDUCTIONS),
    Uso("D09", "Depósitos en cuentas para el ahorro, primas que tengan como base planes de "
               "pensiones", _DEDUCTIONS),
    Uso("D10", "Pagos por servicios educativos (colegiaturas)", _DEDUCTIONS),
    Uso("S01", "Sin efectos fiscales", _ALL),
]
USOS: dict[str, Uso] = {u.code: u for u in _USOS}


def rfc_check_digit(rfc: str) -> str:
    """SAT's check digit (the last character) of an RFC, computed from the ones before it."""
    body = rfc[:-1].rjust(12)  # a moral person's 12-character RFC counts from a blank
    total = sum(_CHECK_ALPHABET.index(c) * (13 - i) for i, c in enumerate(body))
    rest = total % 11
    if rest == 0:
        return "0"
    return "A" if 11 - rest == 10 else str(11 - rest)


def normalize_rfc(text: str) -> str:
    return re.sub(r"[\s\-]", "", text).upper()


def check_rfc(text: str) -> str:
    """The RFC as SAT writes it (upper case, no spaces or dashes), or a refusal saying what is
    wrong with it. The generic RFCs (público en general, extranjero) pass as they are."""
    rfc = normalize_rfc(text)
    if rfc in (RFC_PUBLICO_GENERAL, RFC_EXTRANJERO):
        return rfc
    m = _RFC.fullmatch(rfc)
    if not m:
        raise FiscalDataInvalid(
            "El RFC no tiene la forma correcta: 4 letras, 6 dígitos de la fecha y 3 de homoclave "
            "(persona física), o 3 letras, 6 dígitos y 3 de homoclave (persona moral).",
            code="invalid_rfc")
    year, month, day = (int(m.group(i)) for i in (2, 3, 4))
    try:
        date(2000 + year, month, day)  # any century: only the day and month can be wrong
    except ValueError:
        raise FiscalDataInvalid("La fecha dentro del RFC no existe; revisa los 6 dígitos.",
                                code="invalid_rfc") from None
    if rfc_check_digit(rfc) != rfc[-1]:
        raise FiscalDataInvalid("El RFC no es válido: su dígito verificador no coincide. Revisa "
                                "que esté escrito igual que en tu constancia.",
                                code="invalid_rfc")
    return rfc


def person_type(rfc: str) -> PersonType:
    return PersonType.MORAL if len(rfc) == 12 else PersonType.FISICA


def check_postal_code(text: str) -> str:
    cp = text.strip()
    if not _POSTAL_CODE.fullmatch(cp):
        raise FiscalDataInvalid("El código postal son 5 dígitos, como en tu constancia de "
                                "situación fiscal.", code="invalid_postal_code")
    return cp


def check_series(text: str) -> str:
    """The shop's invoice series (its own CFDI add G, P, E to it): 1 to 8 letters."""
    series = text.strip().upper()
    if not _SERIES.fullmatch(series):
        raise FiscalDataInvalid("La serie son de 1 a 8 letras, por ejemplo F.",
                                code="invalid_series")
    return series


def check_window_days(days: int | None) -> int | None:
    """How many days after a sale its customer may invoice it (None: until the end of the
    sale's month, SAT's own limit)."""
    if days is not None and not 1 <= days <= 365:
        raise FiscalDataInvalid("El plazo para facturar va de 1 a 365 días.",
                                code="invalid_window")
    return days


# ---- SAT's keys of a product (its concepts) ------------------------------------------------

CLAVE_SIN_CATALOGO = "01010101"  # "No existe en el catálogo": a product without its own key
UNIDAD_PIEZA, UNIDAD_KILO = "H87", "KGM"
SAT_PRODUCT_KEY = r"^[0-9]{8}$"  # c_ClaveProdServ
SAT_UNIT_KEY = r"^[A-Z0-9]{2,3}$"  # c_ClaveUnidad


def check_product_key(text: str) -> str | None:
    """A product's ClaveProdServ as typed: 8 digits, or empty for the generic 01010101."""
    key = text.strip()
    if not key:
        return None
    if not re.fullmatch(SAT_PRODUCT_KEY, key):
        raise FiscalDataInvalid("La clave de producto del SAT son 8 dígitos (por ejemplo "
                                "50202306, refrescos); déjala vacía para usar 01010101.",
                                code="invalid_sat_product_key")
    return key


def check_unit_key(text: str) -> str | None:
    """A product's ClaveUnidad as typed: 2 or 3 letters or digits, or empty for H87 (KGM when
    sold by weight)."""
    key = text.strip().upper()
    if not key:
        return None
    if not re.fullmatch(SAT_UNIT_KEY, key):
        raise FiscalDataInvalid("La clave de unidad del SAT son 2 o 3 letras o números (H87 "
                                "pieza, KGM kilogramo, LTR litro); déjala vacía para usar la "
                                "de siempre.", code="invalid_sat_unit_key")
    return key


# CFDI 4.0 writes a company's name without its régimen de capital («SA DE CV»): the PAC checks
# the name against SAT's records and refuses it with one (CFDI40145), a folio spent for nothing.
_CAPITAL_REGIME = re.compile(
    r"(?:^|[\s,]+)(?:S\.?\s*A\.?\s*(?:P\.?\s*I\.?\s*|B\.?\s*)?|S\.?\s*(?:DE|EN)\s+R\.?\s*L\.?\s*)"
    r"DE\s+C\.?\s*V\.?$")


def normalize_name(text: str) -> str:
    """The name as the Constancia de Situación Fiscal writes it: upper case, single spaces,
    without a régimen de capital («S.A. DE C.V.», «S. DE R.L. DE C.V.», «SAPI DE CV»)."""
    name = " ".join(unicodedata.normalize("NFC", text).split()).upper()
    return _CAPITAL_REGIME.sub("", name).rstrip(" ,")


def check_name(text: str) -> str:
    name = normalize_name(text)
    if not name or len(name) > MAX_NAME or "|" in name or any(ord(c) < 32 for c in name):
        raise FiscalDataInvalid("Escribe el nombre o razón social como aparece en tu constancia "
                                "de situación fiscal (sin el régimen de capital, p. ej. sin "
                                "«SA DE CV»).", code="invalid_name")
    return name


def check_regime(code: str, rfc: str) -> Regime:
    """The regime, if it exists and fits the kind of person the RFC belongs to."""
    regime = REGIMES.get(code.strip())
    if regime is None:
        raise FiscalDataInvalid("Elige un régimen fiscal de la lista.", code="invalid_regime")
    kind = person_type(rfc)
    if (kind is PersonType.FISICA and not regime.fisica) or (
            kind is PersonType.MORAL and not regime.moral):
        who = "una persona física" if kind is PersonType.FISICA else "una persona moral"
        raise FiscalDataInvalid(f"El régimen {regime.code} ({regime.name}) no corresponde a "
                                f"{who}: el RFC {rfc} es de {who}.", code="regime_mismatch")
    return regime


def check_uso(code: str, regime: Regime) -> Uso:
    uso = USOS.get(code.strip().upper())
    if uso is None:
        raise FiscalDataInvalid("Elige un uso del CFDI de la lista.", code="invalid_uso")
    if regime.code not in uso.regimes:
        raise FiscalDataInvalid(f"El uso {uso.code} ({uso.name}) no se permite con el régimen "
                                f"{regime.code} ({regime.name}).", code="uso_mismatch")
    return uso


@dataclass(frozen=True, slots=True)
class Receptor:
    """Who an invoice is made out to, checked."""

    rfc: str
    name: str
    postal_code: str
    regime: str
    uso: str


def check_receptor(rfc: str, name: str, postal_code: str, regime: str, uso: str,
                   blacklisted: Container[str] = ()) -> Receptor:
    """A customer's fiscal data for their own invoice, every rule checked; the first broken
    one is refused with its Spanish message. ``blacklisted``: RFCs on SAT's 69-B list."""
    checked_rfc = check_receptor_rfc(rfc)
    name = check_name(name)
    cp = check_postal_code(postal_code)
    checked_regime = check_regime(regime, checked_rfc)
    checked_uso = check_uso(uso, checked_regime)
    check_not_blacklisted(checked_rfc, blacklisted)
    return Receptor(checked_rfc, name, cp, checked_regime.code, checked_uso.code)


def check_receptor_rfc(text: str) -> str:
    """A customer's own RFC for their invoice (asked alone, as a chat asks it): well formed,
    with its check digit, and not a generic one."""
    rfc = check_rfc(text)
    if rfc in (RFC_PUBLICO_GENERAL, RFC_EXTRANJERO):
        raise FiscalDataInvalid("Con el RFC genérico no se emite una factura a tu nombre: "
                                "escribe tu propio RFC.", code="invalid_rfc")
    return rfc


def check_not_blacklisted(rfc: str, blacklisted: Container[str]) -> None:
    if rfc in blacklisted:
        raise FiscalDataInvalid("El SAT publica este RFC en su lista de contribuyentes con "
                                "operaciones presuntamente inexistentes (artículo 69-B); no se "
                                "le puede facturar.", code="rfc_blacklisted")


def regimes_for(rfc: str) -> list[Regime]:
    """The regimes a person of this RFC's kind may be in (for a list to choose from)."""
    moral = person_type(rfc) is PersonType.MORAL
    return [r for r in _REGIMES if (r.moral if moral else r.fisica)]


def usos_for(regime: Regime) -> list[Uso]:
    """The usos CFDI a receiver in this regime may ask for."""
    return [u for u in _USOS if regime.code in u.regimes]


# ---- payments ---------------------------------------------------------------------------------

FORMA_EFECTIVO = "01"
FORMA_TRANSFERENCIA = "03"
FORMA_TARJETA_CREDITO = "04"
FORMA_TARJETA_DEBITO = "28"
FORMA_COMPENSACION = "17"  # a return credited to the customer's fiado account
FORMA_POR_DEFINIR = "99"
FORMAS_DE_PAGO = {
    FORMA_EFECTIVO: "Efectivo", FORMA_TRANSFERENCIA: "Transferencia electrónica de fondos",
    FORMA_TARJETA_CREDITO: "Tarjeta de crédito", FORMA_TARJETA_DEBITO: "Tarjeta de débito",
    FORMA_COMPENSACION: "Compensación", FORMA_POR_DEFINIR: "Por definir",
}


def forma_de_pago(method: PaymentMethod, card_forma: str = FORMA_TARJETA_CREDITO) -> str:
    """SAT's forma de pago for a payment of the till. A card payment does not say whether the
    card was credit or debit: ``card_forma`` (04 or 28) does, as the customer or the shop says."""
    if card_forma not in (FORMA_TARJETA_CREDITO, FORMA_TARJETA_DEBITO):
        raise ValueError("card_forma is 04 or 28")
    return {PaymentMethod.CASH: FORMA_EFECTIVO, PaymentMethod.CARD: card_forma,
            PaymentMethod.TRANSFER: FORMA_TRANSFERENCIA,
            PaymentMethod.FIADO: FORMA_POR_DEFINIR}[method]


def main_forma(paid: dict[PaymentMethod, int], card_forma: str = FORMA_TARJETA_CREDITO) -> str:
    """The forma de pago of an invoice paid in one go (PUE) with several: the one that paid the
    largest amount (SAT's rule for mixed payments); cash wins a tie."""
    order = [PaymentMethod.CASH, PaymentMethod.CARD, PaymentMethod.TRANSFER]
    method = max(order, key=lambda m: (paid.get(m, 0), -order.index(m)))
    return forma_de_pago(method, card_forma)

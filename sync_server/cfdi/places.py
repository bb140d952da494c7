"""Postal codes against SAT's c_CodigoPostal (the copy satcfdi ships): whether one exists, and the
time zone of a place of issue (a CFDI's Fecha is the local time where it is issued)."""

from __future__ import annotations

from datetime import tzinfo
from zoneinfo import ZoneInfo

from satcfdi.catalogs import select

from shared.fiscal import FiscalDataInvalid, check_postal_code

# c_CodigoPostal's time zone names. satcfdi maps "Noroeste" to Matamoros, two hours off
# Tijuana; these are the zones the names mean.
_ZONES = {
    "Tiempo del Centro": "America/Mexico_City",
    "Tiempo del Centro en Frontera": "America/Matamoros",
    "Tiempo del Noroeste": "America/Tijuana",
    "Tiempo del Pacífico": "America/Mazatlan",
    "Tiempo del Pacífico en Frontera": "America/Ojinaga",
    "Tiempo del Sureste": "America/Cancun",
}


def checked_postal_code(text: str) -> str:
    """A postal code of the right form that SAT's catalog knows."""
    cp = check_postal_code(text)
    if select("C756_c_CodigoPostal", cp) is None:
        raise FiscalDataInvalid(f"El código postal {cp} no está en el catálogo del SAT.",
                                code="invalid_postal_code")
    return cp


def zone_of(postal_code: str) -> tzinfo:
    row = select("C756_c_CodigoPostal", postal_code)
    return ZoneInfo(_ZONES.get(row[4] if row else "", "America/Mexico_City"))

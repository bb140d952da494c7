"""Phone numbers for WhatsApp: read as typed or as Meta sends them, stored in E.164, sent as
Meta wants them, shown as Mexicans read them. One home for the till and the server."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat

from shared.errors import DomainError

MEXICO = 52
# What a person may type around the digits: spaces, dashes, dots, parentheses, a leading +.
_TYPED = re.compile(r"^\+?[0-9\s\-().]+$")


class InvalidPhone(DomainError):
    code = "invalid_phone"


def _without_legacy_mobile_one(number: PhoneNumber) -> PhoneNumber:
    """Mexico dropped the mobile "1" after +52 in 2019, but WhatsApp still reports most
    Mexican senders as 521 + ten digits (and older phones store them so). The library reads
    that as an eleven-digit national number that is not valid; the same ten digits without the
    1 are the dialable number."""
    if number.country_code != MEXICO or phonenumbers.is_valid_number(number):
        return number
    national = str(number.national_number)
    if len(national) == 11 and national.startswith("1"):
        ten = PhoneNumber(country_code=MEXICO, national_number=int(national[1:]))
        if phonenumbers.is_valid_number(ten):
            return ten
    return number


def _parse(text: str, region: str | None) -> PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    number = _without_legacy_mobile_one(number)
    return number if phonenumbers.is_valid_number(number) else None


def normalize_phone(text: str) -> str | None:
    """A WhatsApp number as a person typed it, in E.164: "(55) 1234-5678" → "+525512345678".

    Mexican numbers are ten digits; people write them with spaces, dashes, parentheses, with
    or without +52, and older phones still carry the mobile "1" after 52 (+521…). A number
    from another country must be written with its "+". Empty → None.
    """
    raw = text.strip()
    if not raw:
        return None
    # Only ASCII digits: the library would read other scripts' digits, which a till's phone
    # field should refuse rather than silently turn into a number nobody typed.
    if not _TYPED.match(raw):
        raise InvalidPhone(f"«{raw}» no es un teléfono. Ejemplo: 55 1234 5678.")
    digits = re.sub(r"\D", "", raw)
    # "52 55 1234 5678" or "521 55…" without the +: a Mexican number with its country code.
    if not raw.startswith("+") and len(digits) in (12, 13) and digits.startswith("52"):
        raw = "+" + digits
    number = _parse(raw, "MX")
    if number is None or (not raw.startswith("+") and number.country_code != MEXICO):
        raise InvalidPhone(f"«{raw}» no es un teléfono válido: escribe los 10 dígitos "
                           "(por ejemplo 55 1234 5678) o el número con su lada internacional (+…).")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def from_whatsapp(wa_id: str | None) -> str | None:
    """The E.164 number behind a WhatsApp id (``wa_id``, ``from``, ``recipient_id``: digits
    with the country code, no +), or None when there is none or it is not a phone number.
    "5215512345678" → "+525512345678"."""
    if not wa_id or not wa_id.isascii() or not wa_id.isdigit():
        return None
    number = _parse("+" + wa_id, None)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164) if number else None


def to_whatsapp(phone: str) -> str:
    """The ``to`` of a Cloud API message for an E.164 number: digits, no + (Mexico: 52 and the
    ten digits, which is what WhatsApp delivers to; never the old 521)."""
    number = _parse(phone, "MX")
    if number is None:
        raise InvalidPhone(f"«{phone}» no es un número de WhatsApp válido.")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164).removeprefix("+")


def display_phone(phone: str | None) -> str:
    """"+525512345678" → "55 1234 5678" (how Mexicans read a number); others as stored."""
    if phone and phone.startswith("+52") and len(phone) == 13:
        return f"{phone[3:5]} {phone[5:9]} {phone[9:]}"
    return phone or ""

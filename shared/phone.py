"""Customers' WhatsApp numbers: read as typed, stored with the country code, shown as Mexicans read them."""

from __future__ import annotations

import re

from shared.errors import DomainError


class InvalidPhone(DomainError):
    code = "invalid_phone"


def normalize_phone(text: str) -> str | None:
    """A WhatsApp number with its country code: "(55) 1234-5678" → "+525512345678".

    Mexican numbers are ten digits; people write them with spaces, dashes, parentheses, with
    or without +52, and older phones still carry the mobile "1" after 52 (+521…), which
    WhatsApp no longer uses. A number from another country must be written with its "+".
    """
    raw = text.strip()
    if not raw:
        return None
    plus = raw.startswith("+")
    digits = re.sub(r"[\s\-().]", "", raw.removeprefix("+"))
    if not digits.isascii() or not digits.isdigit():
        raise InvalidPhone(f"«{raw}» no es un teléfono. Ejemplo: 55 1234 5678.")
    if len(digits) == 10 and not plus:
        return "+52" + digits
    if digits.startswith("521") and len(digits) == 13:
        return "+52" + digits[3:]
    if digits.startswith("52") and len(digits) == 12:
        return "+" + digits
    if plus and not digits.startswith("52") and 10 <= len(digits) <= 15:
        return "+" + digits
    raise InvalidPhone(f"«{raw}» no es un teléfono válido: escribe los 10 dígitos "
                       "(por ejemplo 55 1234 5678) o el número con su lada internacional (+…).")


def display_phone(phone: str | None) -> str:
    """"+525512345678" → "55 1234 5678" (how Mexicans read a number); others as stored."""
    if phone and phone.startswith("+52") and len(phone) == 13:
        return f"{phone[3:5]} {phone[5:9]} {phone[9:]}"
    return phone or ""

"""How the chat's self-invoicing reads what people type (bot/selfinvoice.py): the folio and the
total of a ticket, an RFC or a postal code said in a sentence, a choice from a numbered list, the
kind of card. Only reading: every rule is checked by shared.fiscal afterwards."""

from __future__ import annotations

import re

from shared.fiscal import FORMA_TARJETA_CREDITO, FORMA_TARJETA_DEBITO
from sync_server.bot.text import normalize

# A folio always has a digit: «folio es C1-000042» is not folio «ES» (a wrong folio spends a guess).
_FOLIO = re.compile(r"\bfolio\s*(?:n[uo]m(?:ero)?\.?|no\.?)?\s*[:#]?\s*"
                    r"\b(?=[a-z0-9\-]*[0-9])([a-z0-9][a-z0-9\-]*)", re.IGNORECASE)
_TOTAL = re.compile(r"\b(?:total|importe|monto)\s*(?:de|es)?\s*[:=]?\s*(\$?\s*[0-9][0-9,]*(?:\.[0-9]{1,2})?)",
                    re.IGNORECASE)
_PRINTED = re.compile(r"\b[a-z0-9]*[a-z][a-z0-9]*-[0-9]+\b", re.IGNORECASE)  # as tills print it
_MONEY = re.compile(r"^\$?[0-9][0-9,]*(?:\.[0-9]{1,2})?$")
# An RFC or a postal code said in a sentence («mi RFC es …», «mi CP es el 76028»).
_RFC_IN = re.compile(r"\b[A-ZÑ&]{3,4}[\s-]?[0-9]{6}[\s-]?[A-Z0-9]{3}\b", re.IGNORECASE)
_CP_IN = re.compile(r"\b[0-9]{5}\b")


def read_ticket(text: str, folio_known: bool) -> tuple[str | None, str | None]:
    """The folio and the total in what the person wrote, each if it is there: «folio A-1 total
    85.50», «A-1 85.50», or one per message (a bare amount once the folio is known). A word
    shaped like a printed folio, and an amount with «$» or cents, win over other numbers."""
    folio = m.group(1).upper() if (m := _FOLIO.search(text)) else None
    total = m.group(1).replace(" ", "") if (m := _TOTAL.search(text)) else None
    rest = _TOTAL.sub(" ", _FOLIO.sub(" ", text))
    if folio is None and (m := _PRINTED.search(rest)):  # «2 refrescos, C1-000042»: the latter
        folio, rest = m.group(0).upper(), rest[:m.start()] + " " + rest[m.end():]
    words = [w for w in (w.strip(".,;:") for w in rest.split()) if any(c.isdigit() for c in w)]
    money = [w for w in words if _MONEY.fullmatch(w)]
    marked = [w for w in money if "$" in w or "." in w]
    if total is None and marked:
        total = marked[0]
        words.remove(total)
    for word in words:
        if total is None and word in money and (folio or folio_known):
            total = word
        elif folio is None and not word.startswith("$"):
            folio = word.upper()
    return folio, total


def read_rfc(text: str) -> str:
    """The RFC-shaped word in the answer, or the answer itself (checked by the caller)."""
    return m.group(0) if (m := _RFC_IN.search(text)) else text


def read_postal_code(text: str) -> str:
    """The one five-digit number in the answer, or the answer itself (checked by the caller)."""
    said = _CP_IN.findall(text)
    return said[0] if len(said) == 1 else text


def read_choice(text: str, codes: list[str]) -> str:
    """A choice from a numbered list: its number, or the code itself (checked by the caller),
    wherever it is in the answer («el 7», «612 Actividades…»); else the first word."""
    words = [w.strip(".,;:)-") for w in text.split()]
    word = next((w for w in words if any(c.isdigit() for c in w)), words[0] if words else "")
    if word.isdigit() and 1 <= int(word) <= len(codes):
        return codes[int(word) - 1]
    return word.upper()


def read_card(text: str) -> str | None:
    """SAT's forma de pago of the card named anywhere in the answer (1/crédito, 2/débito)."""
    kinds = {"1": FORMA_TARJETA_CREDITO, "credito": FORMA_TARJETA_CREDITO,
             "2": FORMA_TARJETA_DEBITO, "debito": FORMA_TARJETA_DEBITO}
    return next((kinds[w] for w in normalize(text).split() if w in kinds), None)

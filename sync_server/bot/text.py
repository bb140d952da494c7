"""Spanish as people type it on WhatsApp, made comparable: no accents, no shouting, no
stretched letters, common spellings folded ("k" for "qu", "x" for "por"), and quantities in
words read as numbers ("media docena", "un kilo y medio", "un cuarto")."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from fractions import Fraction

# Spellings people use for the same word (after accents and case are gone).
_FOLD = {
    "q": "que", "k": "que", "ke": "que", "xq": "porque", "pq": "porque", "x": "por",
    "porfa": "por favor", "porfavor": "por favor", "plis": "por favor", "pls": "por favor",
    "kiero": "quiero", "kisiera": "quisiera", "grax": "gracias", "grasias": "gracias",
    "ola": "hola", "hla": "hola", "wenas": "buenas", "tmb": "tambien", "tb": "tambien",
    "d": "de", "dl": "del", "pa": "para", "aki": "aqui", "cuanto": "cuanto", "cuant": "cuanto",
    "cuantos": "cuantos", "oye": "oye", "sta": "esta", "stan": "estan", "ta": "esta",
    "simon": "si", "sip": "si", "sii": "si", "nel": "no", "nop": "no", "va": "va",
}

NUMBER_WORDS = {
    "un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13,
    "catorce": 14, "quince": 15, "dieciseis": 16, "diecisiete": 17, "dieciocho": 18,
    "diecinueve": 19, "veinte": 20, "veinticinco": 25, "treinta": 30, "cuarenta": 40,
    "cincuenta": 50, "cien": 100,
}


def normalize(text: str) -> str:
    """Lowercase, accents off (ñ kept as n), punctuation off (but decimal points and fractions
    between digits kept), stretched letters shortened ("holaaa" → "hola"), spellings folded."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"(\d)[.,](\d)", r"\1.\2", text)
    text = re.sub(r"(\d)\s*/\s*(\d)", r"\1/\2", text)
    text = re.sub(r"[^a-z0-9./\s]", " ", text)
    text = re.sub(r"(?<!\d)[./]|[./](?!\d)", " ", text)
    text = re.sub(r"([a-z])\1{2,}", r"\1", text)
    words = [_FOLD.get(w, w) for w in text.split()]
    return " ".join(words)


def similar(a: str, b: str) -> float:
    """How alike two words are (0–1); a word that starts the other scores high ("coca" of
    "cocacola"), short words must match exactly."""
    if a == b:
        return 1.0
    if min(len(a), len(b)) < 4:
        return 0.0
    if b.startswith(a) or a.startswith(b):
        return 0.9
    return SequenceMatcher(None, a, b).ratio()


def singular(word: str) -> str:
    """Plural to singular, roughly enough for product words ("cocas", "leches", "familiares")."""
    if len(word) > 4 and word.endswith("es") and word[-3] not in "aeiou":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@dataclass(frozen=True)
class Quantity:
    amount: Fraction  # in the unit below
    unit: str | None  # "kg", "g", "l", "pieza", or None (pieces, or the product's own unit)
    said: bool  # False: no quantity was said ("unas sabritas"), one is assumed

    @property
    def kilos(self) -> Fraction:
        return self.amount / 1000 if self.unit == "g" else self.amount


_UNITS = {
    "kilo": "kg", "kilos": "kg", "kg": "kg", "kgs": "kg", "k": "kg", "kilogramo": "kg",
    "kilogramos": "kg", "gramo": "g", "gramos": "g", "gr": "g", "grs": "g", "g": "g",
    "litro": "l", "litros": "l", "lt": "l", "lts": "l", "l": "l",
    "pieza": "pieza", "piezas": "pieza", "pz": "pieza", "pza": "pieza", "pzas": "pieza",
}
# Containers say nothing of the amount: "2 bolsas de hielo" is two of the product.
_CONTAINERS = {"paquete", "paquetes", "bolsa", "bolsas", "lata", "latas", "botella", "botellas",
               "caja", "cajas", "sobre", "sobres", "bote", "botes", "rollo", "rollos"}
_FRACTION_WORDS = {"medio": Fraction(1, 2), "media": Fraction(1, 2), "cuarto": Fraction(1, 4)}


def take_quantity(words: list[str]) -> tuple[Quantity, list[str]]:
    """Read a quantity at the start of ``words``; what is left is the product as they said it.
    "media docena de huevos" → 6; "un kilo y medio de tortilla" → 1.5 kg; "medio de jamon" →
    ½ (of the product's unit); "unas sabritas" → 1, not said."""
    i, amount, said = 0, None, True
    w = words
    pieces = False  # a dozen, a pair: counted things
    if len(w) > i + 1 and w[i] in ("media", "medio") and w[i + 1] == "docena":
        amount, i, pieces = Fraction(6), i + 2, True
    elif len(w) > i + 1 and w[i] in ("un", "una") and w[i + 1] == "docena":
        amount, i, pieces = Fraction(12), i + 2, True
    elif len(w) > i + 1 and w[i] in ("un", "una") and w[i + 1] == "par":
        amount, i, pieces = Fraction(2), i + 2, True
    elif len(w) > i + 1 and w[i] in ("un", "una") and w[i + 1] in ("six", "sixpack"):
        amount, i, pieces = Fraction(6), i + 2, True
    elif len(w) > i + 1 and w[i] == "tres" and w[i + 1] in ("cuartos", "cuarto"):
        amount, i = Fraction(3, 4), i + 2
    elif len(w) > i + 1 and w[i] in ("un", "una") and w[i + 1] in ("cuarto", "medio", "media"):
        amount, i = _FRACTION_WORDS[w[i + 1]], i + 2
    elif i < len(w) and w[i] in _FRACTION_WORDS:
        amount, i = _FRACTION_WORDS[w[i]], i + 1
    elif i < len(w) and _number(w[i]) is not None:
        amount, i = _number(w[i]), i + 1
    elif i < len(w) and w[i] in ("unas", "unos", "algunas", "algunos"):
        amount, said, i = Fraction(1), False, i + 1
    if amount is None:
        return Quantity(Fraction(1), None, False), words
    if i < len(w) and w[i] in ("docena", "docenas"):  # "2 docenas"
        amount, i, pieces = amount * 12, i + 1, True
    unit = "pieza" if pieces else None
    if i < len(w) and w[i] in _UNITS:
        unit, i = _UNITS[w[i]], i + 1
    elif i < len(w) and w[i] in _CONTAINERS:
        i += 1
    if i + 1 < len(w) and w[i] == "y" and w[i + 1] in ("medio", "media"):  # "un kilo y medio"
        amount, i = amount + Fraction(1, 2), i + 2
    if i < len(w) and w[i] in ("de", "del"):
        i += 1
    return Quantity(amount, unit, said), words[i:]


def split_items(words: list[str]) -> list[list[str]]:
    """An order's words cut into one product each, at commas' places, "y", "mas", "tambien":
    but "un kilo y medio" is one amount, so a "y medio" right after a number or unit stays."""
    items: list[list[str]] = [[]]
    for i, word in enumerate(words):
        prev = words[i - 1] if i else ""
        nxt = words[i + 1] if i + 1 < len(words) else ""
        keeps_amount = nxt in ("medio", "media") and (prev in _UNITS or _number(prev) is not None)
        if word in ("y", "mas", "tambien", "ademas", "+", ",") and not keeps_amount:
            items.append([])
        else:
            items[-1].append(word)
    return [item for item in items if item]


def _number(word: str) -> Fraction | None:
    if word in NUMBER_WORDS:
        return Fraction(NUMBER_WORDS[word])
    if re.fullmatch(r"\d{1,4}(\.\d{1,3})?", word):
        return Fraction(word)
    if re.fullmatch(r"\d{1,2}/\d{1,2}", word) and not word.endswith("/0"):
        num, den = word.split("/")
        return Fraction(int(num), int(den))
    return None

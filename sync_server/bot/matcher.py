"""Products as people name them ("coca de 600", "papas", "tortillas") matched to the shop's
catalog: a score per product, and whether the best one is clear enough to take without asking."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sync_server.bot.text import Quantity, normalize, similar, singular

# Words that say nothing of which product it is.
_STOP = {"de", "del", "la", "el", "los", "las", "un", "una", "unas", "unos", "en", "con", "para",
         "por", "favor", "que", "sea", "tipo", "marca", "mi", "me", "lo", "le", "y", "a", "al",
         "sabor", "bien", "fria", "frias", "frio", "frios", "mas"}
# Words of a product's name that mark the usual variety: not saying them is no sign against it
# ("unas sabritas" are the original ones, "una leche lala" the whole one).
_USUAL = {"original", "clasica", "clasico", "entera", "blanco", "blanca", "natural", "regular",
          "extra", "especial", "lata", "nacho", "600ml"}
# What people call a product, and the catalog word it means.
ALIASES = {
    "papa": "sabrita", "papita": "sabrita", "chesco": "refresco", "coka": "coca",
    "cocacola": "coca", "jamoncito": "jamon", "tortiya": "tortilla", "tortia": "tortilla",
    "chela": "cerveza", "cheve": "cerveza", "garrafon": "garrafon", "huevito": "huevo",
    "blanquito": "blanco", "aguita": "agua", "refresquito": "refresco",
}
CLEAR_SCORE = 0.6  # below: not sure it is this product
CLEAR_MARGIN = 0.06  # the best must lead the next by this much, or we ask


@dataclass(frozen=True)
class CatalogItem:
    product_id: uuid.UUID
    name: str
    price: int  # centavos
    sold_by_weight: bool = False
    stock_milli: int | None = None


@dataclass(frozen=True)
class Match:
    item: CatalogItem
    score: float


_UNIT_WORDS = {"lt": "l", "litro": "l", "lts": "l", "kilo": "kg", "mililitro": "ml", "gramo": "g",
               "gr": "g", "grs": "g"}


def words_of(text: str, *, aliases: bool = True) -> list[str]:
    """The words that tell a product apart: singular, without filler, units folded; with
    ``aliases`` (what a person said) also the names people use for catalog words."""
    out = []
    for w in re.split(r"[\s\-]+", normalize(text)):
        if not w or w in _STOP:
            continue
        if not w[0].isdigit():
            w = singular(w)
        w = _UNIT_WORDS.get(w, w)
        if aliases and w in ALIASES and ALIASES[w] != w:
            w = f"{w}|{ALIASES[w]}"  # either: "papa" is a potato, or what people call Sabritas
        out.append(w)
    return _sizes(out)


_SIZE_UNITS = ("ml", "l", "g", "kg")


def _sizes(words: list[str]) -> list[str]:
    """A size as one word: "600 ml" → "600ml", "2 l" → "2l", a bare "l" (de litro) → "1l"."""
    out: list[str] = []
    for w in words:
        if w in _SIZE_UNITS:
            if out and re.fullmatch(r"\d+(\.\d+)?", out[-1]):
                out[-1] += w
            else:
                out.append("1" + w)
        else:
            out.append(w)
    return out


def _same_size(said: str, name: str) -> bool:
    """"600" names "600ml"; "2l" names "2l"."""
    if said == name:
        return True
    return said.isdigit() and name.startswith(said) and name[len(said):] in _SIZE_UNITS


def _product_words(item: CatalogItem) -> list[str]:
    words = words_of(item.name.replace("(kg)", ""), aliases=False)
    return [w for w in words if w not in ("pza", "pieza")]


def score(phrase_words: Sequence[str], item: CatalogItem, wants_weight: bool | None) -> float:
    """How well what they said names ``item``: the share of their words found in its name
    (fuzzy, so "sabritaz" finds "sabritas"), less a little for each word of the name they did
    not say (so "coca de 600" prefers the plain Coca-Cola 600 to the sugar-free one)."""
    said = list(phrase_words)
    if not said:
        return 0.0
    name = _product_words(item)
    if not name:
        return 0.0
    found, used = 0.0, set()
    for said_word in said:
        best, where = 0.0, -1
        for w in said_word.split("|"):
            for i, n in enumerate(name):
                sized = w[0].isdigit() or n[0].isdigit()
                s = float(_same_size(w, n)) if sized else similar(w, n)
                if s > best:
                    best, where = s, i
        w = said_word
        if best >= 0.75:
            found += best
            used.add(where)
        elif w[0].isdigit():
            found -= 0.5  # a size they named that this product is not
    base = found / len(said)
    unsaid = [n for i, n in enumerate(name) if i not in used]
    base -= sum(0.01 if n in _USUAL else 0.04 for n in unsaid)
    if wants_weight is not None and wants_weight != item.sold_by_weight:
        base -= 0.15
    return max(base, 0.0)


def best_matches(phrase: str | Sequence[str], catalog: Sequence[CatalogItem], *,
                 wants_weight: bool | None = None, limit: int = 10) -> list[Match]:
    words = words_of(phrase) if isinstance(phrase, str) else list(phrase)
    scored = [Match(item, score(words, item, wants_weight)) for item in catalog]
    scored = [m for m in scored if m.score > 0.3]
    scored.sort(key=lambda m: (-m.score, len(m.item.name), m.item.name))
    return scored[:limit]


def is_clear(matches: Sequence[Match]) -> bool:
    if not matches or matches[0].score < CLEAR_SCORE:
        return False
    return len(matches) == 1 or matches[0].score - matches[1].score >= CLEAR_MARGIN


@dataclass(frozen=True)
class Resolved:
    """One line of an order against the catalog: how much, which products it may be."""

    phrase: str
    qty_milli: int
    matches: list[Match]
    said_quantity: bool

    @property
    def clear(self) -> bool:
        return is_clear(self.matches)

    @property
    def item(self) -> CatalogItem | None:
        return self.matches[0].item if self.matches else None


def resolve(quantity: Quantity, phrase: str, catalog: Sequence[CatalogItem]) -> Resolved:
    """A quantity in the product's own unit: pieces, or kilos for what is sold by weight
    ("medio de jamón" is half a kilo; "250 gramos" a quarter)."""
    weighs = quantity.unit in ("kg", "g") or quantity.amount.denominator != 1
    wants_weight = True if weighs else (False if quantity.unit == "pieza" else None)
    matches = best_matches(phrase, catalog, wants_weight=wants_weight)
    amount = quantity.kilos if quantity.unit in ("kg", "g") else quantity.amount
    qty_milli = max(1, round(amount * 1000))
    return Resolved(phrase, qty_milli, matches, quantity.said)

"""Spanish words that agree with a number or a person: plurals, verbs, roles by how one is addressed.

Every "1 renglones" or "Quedan 1 cambio" and every hand-made "(s)" was a sentence written for
one number only; screens and printouts count through ``count`` and ``agree`` instead.
"""

from __future__ import annotations

import unicodedata

from shared.permissions import Role

_ACCENTED = str.maketrans("áéíóú", "aeiou")
# Words whose plural is not the regular one, or that take an accent the rule can't guess.
_IRREGULAR = {"joven": "jóvenes", "examen": "exámenes", "origen": "orígenes",
              "imagen": "imágenes", "lunes": "lunes", "martes": "martes", "miércoles": "miércoles",
              "jueves": "jueves", "viernes": "viernes", "crisis": "crisis",
              "ticket": "tickets"}


def plural(word: str) -> str:
    """The plural of a Spanish noun or adjective: producto → productos, renglón → renglones,
    cajón → cajones, luz → luces, mes → meses, día → días. A phrase pluralises its first word
    ("cambio pendiente" is the caller's: pass each word)."""
    if not word:
        return word
    lower = word.lower()
    if lower in _IRREGULAR:
        return _match_case(word, _IRREGULAR[lower])
    last = lower[-1]
    if last in "aeiouáéó":
        return word + ("S" if word.isupper() else "s")
    if last == "z":
        return word[:-1] + ("C" if word.isupper() else "c") + ("ES" if word.isupper() else "es")
    if last in "íú":  # maniquí → maniquíes
        return word + ("ES" if word.isupper() else "es")
    # An accent on the last syllable goes away once a syllable is added: renglón → renglones.
    stem = word[:-2] + word[-2].translate(_ACCENTED) + word[-1] if len(word) > 1 else word
    return stem + ("ES" if word.isupper() else "es")


def _match_case(original: str, replacement: str) -> str:
    if original.isupper():
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def agree(n: int, singular: str, plural_form: str | None = None) -> str:
    """The form of a word (a noun, a verb) that goes with ``n``: ``agree(1, "Queda", "Quedan")``."""
    return singular if n == 1 else (plural_form or plural(singular))


def count(n: int, singular: str, plural_form: str | None = None) -> str:
    """"1 producto", "3 productos", "0 productos" (Spanish counts zero in the plural)."""
    return f"{n:,} {agree(n, singular, plural_form)}"


# ---- roles as people are addressed -----------------------------------------------------------

_ROLE_FORMS = {Role.OWNER: ("Dueño", "Dueña"), Role.MANAGER: ("Encargado", "Encargada"),
               Role.CASHIER: ("Cajero", "Cajera")}
_FEMININE_TITLES = ("dona", "sra", "senora", "srita", "senorita", "lic.a")
_MASCULINE_TITLES = ("don", "sr", "senor")


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.lower())
                   if unicodedata.category(c) != "Mn")


def addressed_as_woman(name: str) -> bool | None:
    """How the shop addresses the person, from the courtesy title in the name they were given
    ("Doña Mary", "Sra. López": True; "Don Beto", "Sr. Ruiz": False); None when the name
    carries none. A name alone says nothing sure about a person, so it is never guessed."""
    words = _plain(name).replace(".", " ").split()
    first = words[0] if words else ""
    if first in _FEMININE_TITLES:
        return True
    if first in _MASCULINE_TITLES:
        return False
    return None


def role_label(role: Role, name: str = "") -> str:
    """The role as a label beside a person: "Dueña" for Doña Mary, "Dueño" for Don Beto, and
    both forms ("Dueña o dueño") when the name doesn't say how the person is addressed."""
    masculine, feminine = _ROLE_FORMS[role]
    woman = addressed_as_woman(name)
    if woman is None:
        return f"{feminine} o {masculine.lower()}"
    return feminine if woman else masculine

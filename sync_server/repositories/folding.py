"""Search ignoring accents and case, alike in Python and in SQL: words are folded by
:func:`fold`, columns by :func:`folded` (the same translate table), then compared with LIKE."""

from __future__ import annotations

from collections.abc import Sequence

# Capitals too: lower() leaves them alone in a database with the C locale.
_ACCENTED = "áéíóúüñàèìòùâêîôûäëïöÁÉÍÓÚÜÑÀÈÌÒÙ"
_PLAIN = "aeiouunaeiouaeiouaeioaeiouunaeiou"
_TABLE = str.maketrans(_ACCENTED, _PLAIN)


def fold(text: str) -> str:
    """Lower case without accents, as search compares names ("Azúcar" → "azucar")."""
    return text.lower().translate(_TABLE)


def folded(column: str) -> str:
    """The SQL expression of ``column`` folded like :func:`fold` (a constant table: no input)."""
    return f"translate(lower({column}), '{_ACCENTED}', '{_PLAIN}')"


def contains_patterns(words: Sequence[str]) -> list[str]:
    """LIKE patterns "%word%" for folded words, with LIKE's own characters escaped."""
    return ["%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            for w in words]

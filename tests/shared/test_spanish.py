"""Issue 12: Spanish plurals and roles through one helper (no "1 renglones", no "Quedan 1 cambio")."""

from __future__ import annotations

import pytest

from shared.permissions import Role
from shared.spanish import addressed_as_woman, agree, count, plural, role_label

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("singular", "expected"), [
    ("producto", "productos"), ("renglón", "renglones"), ("cajón", "cajones"),
    ("cambio", "cambios"), ("mes", "meses"), ("luz", "luces"), ("día", "días"),
    ("común", "comunes"), ("dólar", "dólares"), ("ticket", "tickets"), ("lunes", "lunes"),
    ("maniquí", "maniquíes"), ("Renglón", "Renglones"), ("PIEZA", "PIEZAS"),
])
def test_plural(singular: str, expected: str) -> None:
    assert plural(singular) == expected


def test_count_agrees_with_one_and_with_zero() -> None:
    assert count(1, "renglón") == "1 renglón"
    assert count(2, "renglón") == "2 renglones"
    assert count(0, "producto") == "0 productos"  # Spanish counts zero in the plural
    assert count(12_500, "cambio") == "12,500 cambios"


def test_agree_chooses_the_verb_too() -> None:
    assert f"{agree(1, 'Queda', 'Quedan')} {count(1, 'cambio')}" == "Queda 1 cambio"
    assert f"{agree(3, 'Queda', 'Quedan')} {count(3, 'cambio')}" == "Quedan 3 cambios"


@pytest.mark.parametrize(("name", "woman"), [
    ("Doña Mary", True), ("doña mary", True), ("Dona Lupe", True), ("Sra. López", True),
    ("Don Beto", False), ("Sr. Ruiz", False), ("Pepe", None), ("Donato", None), ("", None),
])
def test_how_a_person_is_addressed_comes_from_their_title_only(name: str, woman: bool | None) -> None:
    assert addressed_as_woman(name) is woman


def test_role_labels_follow_the_person() -> None:
    assert role_label(Role.OWNER, "Doña Mary") == "Dueña"
    assert role_label(Role.OWNER, "Don Beto") == "Dueño"
    assert role_label(Role.MANAGER, "Sra. Lupita") == "Encargada"
    # Nothing in "Pepe" says how he is addressed: both forms, never a hand-made "Cajero(a)".
    assert role_label(Role.CASHIER, "Pepe") == "Cajera o cajero"


def test_no_hand_made_plural_is_left_in_the_code() -> None:
    """The class of the defect: no "(s)" / "(es)" / "(as)" glued to a word in any message."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    glued = re.compile(r"[\"'][^\"']*[a-záéíóúñ]\((s|es|as|os|a|o)\)[^\"']*[\"']", re.IGNORECASE)
    found = [f"{path.relative_to(root)}:{n}" for folder in ("pos_client", "shared", "sync_server")
             for path in (root / folder).rglob("*.py")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if glued.search(re.sub(r"\{[^{}]*\}", "", line))  # f-string code is not text
             and not line.lstrip().startswith("#")]
    assert found == []


def test_no_number_is_written_before_a_plural_by_hand() -> None:
    """The class of "1 renglones": a counted word in the till's screens and use cases, and in
    what the server tells an owner or an operator (tools, jobs, commands), goes through
    ``count``/``agree``. A constant limit (``MAX_…``, never 1) may stand before one."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    nouns = ("productos|renglones|cambios|ventas|tickets|clientes|mensajes|piezas|nuevos|"
             "actualizados|corregidos|agregados|días|horas|minutos|códigos|abonos|turnos|cortes|"
             "cajas|pedidos|facturas")
    by_hand = re.compile(r"\{(?![A-Z_]+(?::[^}]*)?\})[^{}]*\} (" + nouns + r")\b")
    found = [f"{rel}:{n}" for folder in ("pos_client", "sync_server", "shared")
             for path in (root / folder).rglob("*.py")
             if (rel := str(path.relative_to(root)))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if by_hand.search(line) and not line.lstrip().startswith("#")]
    assert found == []

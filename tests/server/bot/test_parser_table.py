"""The rule-based parser against 150+ real-style messages: intent, and for orders each line's
quantity and product in the starter catalog. Accuracy is printed for the tuning table and,
apart, for the held-out table the rules never saw."""

from __future__ import annotations

import uuid

import pytest

from shared.catalog import load_starter_catalog
from sync_server.bot.matcher import CatalogItem
from sync_server.bot.understand import understand
from tests.server.bot.heldout_messages import HELD_OUT
from tests.server.bot.parser_messages import TUNING

Case = tuple[str, str, list[tuple[int, str]]]
CATALOG = [CatalogItem(uuid.uuid5(uuid.NAMESPACE_OID, p.name), p.name, p.price,
                       p.sold_by_weight) for p in load_starter_catalog()]


def _right(case: Case) -> bool:
    message, intent, lines = case
    got = understand(message, CATALOG)
    if got.intent != intent:
        return False
    if intent == "pedido":
        return [(ln.qty_milli, ln.item.name if ln.item else None) for ln in got.lines] == lines
    return True


def _accuracy(cases: list[Case]) -> tuple[float, list[str]]:
    wrong = [c[0] for c in cases if not _right(c)]
    return 1 - len(wrong) / len(cases), wrong


def test_the_table_is_big_and_its_messages_unique() -> None:
    messages = [c[0] for c in TUNING + HELD_OUT]
    assert len(messages) >= 150
    assert len(set(messages)) == len(messages)
    assert len(HELD_OUT) >= 40


def test_accuracy_on_the_tuning_table(capsys: pytest.CaptureFixture[str]) -> None:
    accuracy, wrong = _accuracy(TUNING)
    with capsys.disabled():
        print(f"\nparser accuracy, tuning table: {accuracy:.1%} of {len(TUNING)}; wrong: {wrong}")
    assert accuracy >= 0.95, wrong


def test_accuracy_on_the_held_out_table(capsys: pytest.CaptureFixture[str]) -> None:
    accuracy, wrong = _accuracy(HELD_OUT)
    with capsys.disabled():
        print(f"\nparser accuracy, held-out table: {accuracy:.1%} of {len(HELD_OUT)}; "
              f"wrong: {wrong}")
    assert accuracy >= 0.75, wrong


@pytest.mark.parametrize(("message", "intent"), [
    ("quiero 2 cocas de 600", "pedido"), ("cuanto debo", "saldo"), ("hola", "saludo")])
def test_clear_messages_are_confident(message: str, intent: str) -> None:
    got = understand(message, CATALOG)
    assert (got.intent, got.confident) == (intent, True)


def test_an_unclear_product_is_not_taken_on_a_guess() -> None:
    got = understand("quiero una leche", CATALOG)
    assert got.intent == "pedido"
    assert got.unclear_lines  # several milks: the bot asks which
    assert len(got.unclear_lines[0].matches) >= 2

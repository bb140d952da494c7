"""A message understood against the shop's catalog: the parser's intent, each order line tied to
products (or the choices to ask about), a search's matches, and one confidence for it all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sync_server.bot.matcher import CLEAR_SCORE, CatalogItem, Match, Resolved, best_matches, resolve
from sync_server.bot.parser import Intent, Parsed, parse

CONFIDENT = 0.6  # below this the bot asks (or hands over to the shop's LLM, if it has one)


@dataclass(frozen=True)
class Understanding:
    intent: Intent
    confidence: float
    parsed: Parsed
    lines: list[Resolved] = field(default_factory=list)
    matches: list[Match] = field(default_factory=list)  # a search's products

    @property
    def confident(self) -> bool:
        return self.confidence >= CONFIDENT

    @property
    def unclear_lines(self) -> list[Resolved]:
        return [ln for ln in self.lines if not ln.clear]


def understand(message: str, catalog: Sequence[CatalogItem],
               parsed: Parsed | None = None) -> Understanding:
    parsed = parsed or parse(message)
    intent, confidence = parsed.intent, parsed.confidence
    if intent == "pedido":
        lines = [resolve(ln.quantity, ln.phrase, catalog) for ln in parsed.lines]
        lines = [ln for ln in lines if ln.matches]
        if not lines:  # an order verb, but nothing we sell: look it up instead
            matches = best_matches(parsed.text, catalog)
            return Understanding("buscar", min(confidence, 0.5), parsed, matches=matches)
        clear = sum(1 for ln in lines if ln.clear) / len(lines)
        return Understanding(intent, round(confidence * (0.6 + 0.4 * clear), 2), parsed, lines)
    if intent == "buscar":
        matches = best_matches(parsed.query or parsed.text, catalog)
        return Understanding(intent, confidence if matches else min(confidence, 0.5), parsed,
                             matches=matches)
    if intent == "desconocido":
        matches = best_matches(parsed.text, catalog)
        if matches and matches[0].score >= CLEAR_SCORE:  # a product's name: they ask for it
            return Understanding("buscar", 0.65, parsed, matches=matches)
    return Understanding(intent, confidence, parsed)

"""The shop's conversation flows: what the bot says for each intent the parser finds."""

from __future__ import annotations

import re

from sync_server.bot.conversation import Turn
from sync_server.bot.parser import parse

HELP = ("Puedo ayudarte con:\n• Ver precios y si hay algo: «¿tienen coca de 600?»\n"
        "• Hacer un pedido: «quiero 2 cocas de 600 y unas sabritas»\n"
        "• Tu saldo: «¿cuánto debo?»\n• Horario, dirección y entregas\n"
        "Para dejar de recibir avisos escribe BAJA.")


SHOP_CHOSEN = re.compile(r"\btienda\s*[:#]?\s*[a-z0-9]{4,16}\b", re.IGNORECASE)


class ShopBrain:
    """Answers with the shop's tools."""

    async def answer(self, turn: Turn) -> None:
        parsed = parse(turn.inbound.text)
        turn.outcome = f"intent {parsed.intent}"
        if parsed.intent == "saludo" or SHOP_CHOSEN.search(turn.inbound.text):
            name = turn.inbound.person.name or turn.contact.display
            turn.say(f"¡Hola, {name}! Soy el asistente de {turn.shop_name}. {HELP}")
        elif parsed.intent == "gracias":
            turn.say("¡A ti! Aquí estamos para lo que necesites.")
        else:
            turn.say(HELP)

"""The rule-based Spanish parser: what a WhatsApp message asks for (an intent, with a confidence),
and for an order its lines as quantities and product phrases. No LLM needed.

Rules are patterns over the normalized text (see :mod:`sync_server.bot.text`), each with a
weight; the strongest intent wins and its confidence drops when another comes close.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from sync_server.bot.text import Quantity, normalize, similar, split_items, take_quantity

Intent = Literal[
    "saludo", "ayuda", "gracias", "buscar", "pedido", "confirmar", "cancelar", "saldo",
    "horario", "direccion", "entregas", "estado_pedido", "ventas_hoy", "bajo_inventario",
    "deudores", "ultimo_corte", "comparar_semana", "baja", "alta", "factura", "resumen_facturas",
    "desconocido",
]
OWNER_INTENTS: frozenset[str] = frozenset(
    {"ventas_hoy", "bajo_inventario", "deudores", "ultimo_corte", "comparar_semana",
     "resumen_facturas"})

_ORDER_VERBS = (r"quiero|quisiera|mandas|manda|mandame|mandeme|mande|envias|enviame|das|dame|"
                r"deme|regala|regalas|regalame|pones|ponme|pongame|ocupo|necesito|traes|traeme|"
                r"traigame|apartas|apartame|aparta|encargo|pido|pedir|llevo|vendes|vende|surte|"
                r"despachas|despacha|pasame|pasas|paseme")
_Q = (r"(\d+(\.\d+)?|\d/\d|un|una|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|"
      r"doce|quince|veinte|medio|media|cuarto|unas|unos|par)")

# (intent, pattern over normalized text, weight)
RULES: list[tuple[Intent, str, float]] = [
    ("baja", r"^(baja|darme de baja|dar de baja|ya no me manden|no me manden|stop)$", 1.0),
    ("alta", r"^(alta|darme de alta|dar de alta)$", 1.0),
    ("saldo", r"\b(cuanto|q|que)\b.*\b(debo|debemos|adeudo)\b", 0.95),
    ("saldo", r"\b(le|te) debo\b|\bmi (saldo|cuenta|deuda|adeudo)\b|\b(saldo|adeudo)\b", 0.85),
    ("saldo", r"\b(tengo|llevo|traigo) (de )?fiado\b|\bmi fiado\b|\bestado de cuenta\b", 0.9),
    ("deudores", r"\b(quien|quienes) (me )?(debe|deben)\b|\bdeudores\b|\bquien debe mas\b", 0.95),
    ("deudores", r"\b(los|mis) fiados\b|\bclientes con fiado\b", 0.85),
    ("ventas_hoy", r"\b(vendi|vendimos|vendido|venta|ventas)\b.*\bhoy\b|\bhoy\b.*\b(vendi|vendido|ventas)\b",
     0.95),
    ("ventas_hoy", r"\b(ventas|venta) del dia\b|\bcomo (va|van|vamos) (la |las )?ventas?\b", 0.85),
    ("comparar_semana", r"\bsemana pasada\b|\b(vs|versus|contra|comparad[oa])\b.*\bsemana\b", 0.96),
    ("bajo_inventario", r"\b(se esta|se estan|esta|estan) (acabando|terminando)\b|\bbajo inventario\b"
     r"|\bpoco inventario\b|\b(me falta|que falta|hay que surtir|resurtir|que surto)\b"
     r"|\bque se (acabo|termino)\b|\bexistencias? bajas?\b", 0.92),
    ("ultimo_corte", r"\bcorte\b", 0.9),
    ("factura", r"\b(factura|facturas|facturar|facturame|facturen|facturacion|autofactura|cfdi)\b"
     r"|\bcomprobante fiscal\b", 0.97),
    # A question about the shop's invoices (how many, this month's, with errors), not asking
    # for one: «¿cuántas facturas llevo?», «facturas del mes», «¿hay facturas con error?».
    ("resumen_facturas", r"\bcuant[ao]s (facturas|cfdi)\b|\bfacturas (del|de este|este|de esta|"
     r"esta|de la|del ultimo) (mes|semana)\b|\bfacturas? (con|que tienen?|que tuvieron) "
     r"(error|errores|problema|problemas)\b|\bfacturas (rechazadas|canceladas|pendientes|"
     r"emitidas|timbradas|con error|en proceso)\b|\bresumen de (las |mis )?facturas\b"
     r"|\bfacturas? globale?s?\b|\bcomo (van|vamos de|andan) (las |mis )?facturas\b", 0.98),
    ("horario", r"\b(horario|horarios)\b|\ba (que|q) hora\b|\b(abren|abres|cierran|cierras|abierto|"
     r"abiertos|abierta)\b", 0.9),
    ("direccion", r"\b(direccion|ubicacion|domicilio de la tienda)\b|\bdonde (estan|esta|queda|"
     r"quedan|se ubica|los encuentro)\b|\bcomo llego\b", 0.9),
    ("entregas", r"\b(entregas?|envios?|reparto)\b(?!.*\bhoy\b)|\b(servicio a|a) domicilio\b"
     r"|\b(llevan|mandan|envian|entregan)\b(?! (\d|un|una|dos|tres))", 0.85),
    ("estado_pedido", r"\bmi pedido\b|\blo que (pedi|encargue)\b|\bya (esta|estara) (listo|mi)\b"
     r"|\bcomo va (mi|el) pedido\b|\bestado de mi pedido\b", 0.9),
    ("buscar", r"\b(tienen|tiene|tienes|tendra|tendran|hay|manejan|venden|maneja)\b", 0.7),
    ("buscar", r"\b(precio|precios|cuesta|cuestan|cuanto sale|cuanto salen|a como|cuanto (es|son) "
     r"(el|la|los|las))\b", 0.8),
    ("pedido", rf"\b({_ORDER_VERBS})\b", 0.75),
    ("pedido", rf"^(me )?(pasa|pasas|manda|trae)?\s*{_Q}\b", 0.6),
    ("confirmar", r"^(si|sip|claro|correcto|confirmo|confirmar|dale|va|sale|ok|okay|okey|listo|"
     r"de acuerdo|perfecto|exacto|eso|asi esta bien|esta bien)( .*)?$", 0.8),
    ("confirmar", r"^si\b|\bconfirm", 0.85),
    ("cancelar", r"^(no|nop|cancela|cancelar|cancelalo|cancelelo|olvidalo|mejor no|ya no)\b"
     r"|\bcancel|\bya no lo quiero\b", 0.85),
    ("gracias", r"^(muchas |mil )?gracias\b|^(ok|va)? ?gracias|^grac", 0.9),
    ("ayuda", r"^(ayuda|menu|opciones|info|informacion)$|\bque (puedo|puedes) hacer\b", 0.9),
]
_GREETING_WORDS = {"hola", "buenas", "buenos", "buen", "dia", "dias", "tardes", "noches", "que",
                   "onda", "tal", "hubo", "quiubo", "hey", "oye", "dona", "don", "senora", "senor",
                   "joven", "amigo", "amiga", "vecina", "vecino", "seno", "como", "estas", "esta",
                   "saludos", "holi", "buenass"}
_TITLES = {"dona", "don", "senora", "senor", "seno", "joven", "vecina", "vecino", "amigo", "amiga"}
_GREETING_START = {"hola", "buenas", "buenos", "buen", "que", "quiubo", "hey", "oye", "saludos",
                   "holi"}
_COMPILED = [(intent, re.compile(pattern), weight) for intent, pattern, weight in RULES]
# Keywords whose misspellings ("sabritaz", "horaio", "direcion") should still count.
_KEYWORDS = {"horario", "direccion", "ubicacion", "domicilio", "entregas", "cancelar", "confirmo",
             "precio", "cuesta", "tienen", "quiero", "mandame", "necesito", "gracias", "deudores",
             "inventario", "semana", "pedido", "saldo", "vendido", "ventas", "factura", "facturas",
             "facturar"}


@dataclass(frozen=True)
class OrderLine:
    quantity: Quantity
    phrase: str  # the product as they said it, normalized


@dataclass(frozen=True)
class Parsed:
    intent: Intent
    confidence: float
    text: str  # normalized
    lines: list[OrderLine] = field(default_factory=list)
    query: str = ""  # what to look for, for a search


def _fix_typos(text: str) -> str:
    words = text.split()
    for i, w in enumerate(words):
        if len(w) >= 5 and w not in _KEYWORDS:
            close = max(_KEYWORDS, key=lambda k: similar(w, k))
            if similar(w, close) >= 0.84:
                words[i] = close
    return " ".join(words)


def parse(message: str) -> Parsed:
    text = _fix_typos(normalize(message))
    if not text:
        return Parsed("desconocido", 0.0, text)
    scores: dict[Intent, float] = {}
    for intent, pattern, weight in _COMPILED:
        if pattern.search(text):
            scores[intent] = max(scores.get(intent, 0.0), weight)
    words = text.split()
    if len(words) > 2 and words[-2] in _TITLES:  # "buenos dias doña Mary": a name at the end
        words = words[:-1]
    if words[0] in _GREETING_START and all(w in _GREETING_WORDS for w in words):
        scores["saludo"] = 0.9
    lines = order_lines(text)
    if lines and any(q.quantity.said for q in lines):
        scores["pedido"] = max(scores.get("pedido", 0.0), 0.7) + 0.1
        if "buscar" in scores and scores["buscar"] < 0.8:
            scores["buscar"] -= 0.2  # "hay 2 cocas? mándamelas" asks for them
    if "resumen_facturas" in scores:  # asks about the invoices made: not for one of its own
        scores.pop("factura", None)
    if not scores:
        return Parsed("desconocido", 0.2, text)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    intent, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    confidence = max(0.0, min(1.0, top - max(0.0, runner_up - (top - 0.15))))
    query = _query(text) if intent == "buscar" else ""
    kept = lines if intent == "pedido" else []
    return Parsed(intent, round(confidence, 2), text, kept, query)


_FILLER = re.compile(
    rf"^((oye|hola|buenas|buenos dias|buenas tardes|por favor|porfavor|joven|dona|don|senora|"
    rf"disculpe|me|te|nos|le|si|tambien|ademas|y|e|mas|otra vez|de favor|ahi|a|para|pa|"
    rf"tienen|hay|puede|puedes|podria|podrias|quiero|quisiera|{_ORDER_VERBS}|pasa|pasas|trae|"
    rf"lo|la|los|las|el)\s+)+")
_TAIL = re.compile(r"\s+(por favor|porfavor|gracias|porfa|plis|de favor|a domicilio|para llevar|"
                   r"para recoger|ahorita|al rato|hoy|porfis)$")


def order_lines(text: str) -> list[OrderLine]:
    """Each product of an order: "2 cocas de 600 y unas sabritas" → (2, coca 600), (1?, sabritas)."""
    out: list[OrderLine] = []
    for words in split_items(text.replace(",", " , ").split()):
        seg = " ".join(words)
        for _ in range(3):
            seg = _FILLER.sub("", seg + " ").strip()
            seg = _TAIL.sub("", seg).strip()
        if not seg:
            continue
        quantity, rest = take_quantity(seg.split())
        phrase = " ".join(rest).strip()
        if phrase and not re.fullmatch(r"[\d\s.]+", phrase):
            out.append(OrderLine(quantity, phrase))
    return out


def _query(text: str) -> str:
    q = re.sub(r"\b(tienen|tiene|tienes|tendra|tendran|hay|manejan|venden|maneja|precio|precios|"
               r"cuesta|cuestan|cuanto|sale|salen|a como|es|son|el|la|los|las|de|que|q|del|un|"
               r"una|unas|unos|me|dice|dices|por favor|oye|hola|y|tiene|su|sus|ahi|k|tienda)\b",
               " ", text)
    return " ".join(q.split())

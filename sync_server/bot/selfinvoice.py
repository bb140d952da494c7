"""Self-invoicing in the chat (autofactura por WhatsApp): the ticket's folio and total, then the
customer's RFC, name, postal code, regime and uso, each checked by the shared fiscal rules the
moment it is given, a summary to confirm, and the same use case the ticket's QR page calls.

The flow lives in the conversation's state (``turn.state["factura"]``), saved with the message
like an order's cart: a replayed message is answered once by the conversation, and a second
"sí" meets the use case's own once-per-sale rule. A flow left alone for ``IDLE`` expires. The
fiscal data of the last invoice is kept in the contact's state (this shop, this number) and
offered again with the RFC masked.
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from shared.errors import DomainError
from shared.fiscal import (
    FORMAS_DE_PAGO,
    REGIMES,
    USOS,
    Regime,
    check_name,
    check_regime,
    check_uso,
    regimes_for,
    usos_for,
)
from sync_server.bot.conversation import Turn
from sync_server.bot.invoice_answers import (
    read_card,
    read_choice,
    read_postal_code,
    read_rfc,
    read_ticket,
)
from sync_server.bot.parser import OWNER_INTENTS, parse
from sync_server.bot.replies import Reply
from sync_server.bot.text import normalize
from sync_server.services import fiscal, invoicing
from sync_server.services.fiscal import CfdiContext
from sync_server.services.invoice_records import InvoiceView
from sync_server.services.invoice_whatsapp import document_message
from sync_server.services.throttling import TooManyAttempts

KEY, MEMORY = "factura", "fiscal"
IDLE = timedelta(minutes=30)
STAMP_WAIT_S = 8.0  # within the inbox's lease (WORK_S); past it the worker stamps and sends
_CANCEL = re.compile(r"^(cancelar|cancela|cancelalo|cancelo|salir|olvidalo|ya no|mejor no|no gracias"
                     r"|(ya )?no quiero)( (la|mi|esa|esta))?( factura)?$")
# What plainly asks the shop something else leaves the flow (and is answered by the bot).
_ELSEWHERE = OWNER_INTENTS | {"saldo", "pedido", "buscar", "horario", "direccion", "entregas",
                              "estado_pedido"}
_ABOUT_INVOICE = re.compile(r"\b(folio|total|ticket|rfc|factur\w*|postal|cp|regimen|uso|constancia|"
                            r"tarjeta)\b")

ASK_TICKET = ("Con gusto te ayudo a facturar tu compra 🧾. Escríbeme el folio y el total de tu "
              "ticket tal como vienen impresos, por ejemplo: «folio A1B2-000123 total 85.50». "
              "Para salir en cualquier momento escribe «cancelar».")
ASK_FOLIO = "¿Cuál es el folio? Viene impreso en tu ticket, por ejemplo A1B2-000123."
ASK_TOTAL = "¿Y el total de tu ticket? Por ejemplo 85.50."
ASK_RFC = "Escribe tu RFC, como aparece en tu constancia de situación fiscal."
ASK_NAME = ("Tu nombre o razón social, exactamente como en tu constancia de situación fiscal "
            "(sin el régimen de capital, p. ej. sin «SA de CV»).")
ASK_CP = "Tu código postal fiscal: los 5 dígitos de tu constancia."
ASK_YES_NO = "Responde «sí» o «no»."
ASK_CARD = "Pagaste con tarjeta: ¿fue de crédito o de débito? Responde 1 (crédito) o 2 (débito)."
CANCELLED = "Listo, no haré la factura. Si la necesitas después, escribe «factura»."
EXPIRED = ("La factura que empezamos se canceló porque pasaron más de 30 minutos sin respuesta. "
           "Si aún la necesitas, escribe «factura».")
ASK_AGAIN = "Escríbeme de nuevo el folio y el total, por ejemplo: «folio A1B2-000123 total 85.50»."
REFUSED_RETRY = ("Revisa tus datos tal como vienen en tu constancia de situación fiscal (nombre, "
                 "código postal y régimen) y escribe «factura» para intentarlo de nuevo.")
LEFT = "Dejamos la factura para después; cuando quieras, escribe «factura» y empezamos de nuevo."
NOT_OFFERED = "{shop} todavía no emite facturas por aquí; pídela en la caja de la tienda."


async def start(turn: Turn, ctx: CfdiContext | None) -> None:
    """The person asked for an invoice: the shop must be able to issue one."""
    turn.outcome = "self-invoice: start"
    if ctx is None or not await offered(ctx, turn.tenant_id):
        turn.say(NOT_OFFERED.format(shop=turn.shop_name))
        turn.outcome = "self-invoice: not offered"
        return
    turn.state[KEY] = {"step": "ticket", "at": ctx.clock().isoformat()}
    turn.say(ASK_TICKET)


async def continues(turn: Turn, ctx: CfdiContext | None) -> bool:
    """Answer the message within the flow, if one is under way; False: not ours (none, or it
    just expired — the person is told and the message, unless a yes or no, goes on to the rest
    of the bot — or it plainly asks the shop something else)."""
    flow: dict[str, Any] | None = turn.state.get(KEY)
    if flow is None or ctx is None or turn.inbound.choice:  # a button is another flow's
        return False
    now = ctx.clock()
    text = turn.inbound.text.strip()
    said = normalize(text)
    if now - datetime.fromisoformat(flow["at"]) > IDLE:
        turn.state.pop(KEY)
        turn.say(EXPIRED)
        turn.outcome = "self-invoice: expired"
        return _yes(said) or _no(said)  # a late «sí» was the invoice's, not a cart's to confirm
    flow["at"] = now.isoformat()
    step = flow["step"]
    turn.outcome = f"self-invoice: {step}"
    if _CANCEL.match(said) or (step in ("confirm", "resend") and _no(said)):
        turn.state.pop(KEY)
        turn.say(CANCELLED)
        turn.outcome = "self-invoice: cancelled"
        return True
    if step != "name" and _elsewhere(turn, text):  # any text is a name («Abarrotes y Entregas»)
        turn.state.pop(KEY)
        turn.say(LEFT)
        return False
    await _STEPS[step](turn, ctx, flow, text)
    return True


# ---- the ticket ----------------------------------------------------------------------------


async def _ticket(turn: Turn, ctx: CfdiContext, flow: dict[str, Any], text: str) -> None:
    folio, total = read_ticket(text, bool(flow.get("folio")))
    flow["folio"] = folio or flow.get("folio")
    flow["total"] = total or flow.get("total")
    if not flow["folio"]:
        turn.say(ASK_FOLIO)
        return
    if not flow["total"]:
        turn.say(ASK_TOTAL)
        return
    who = turn.contact.phone or turn.contact.bsuid or str(turn.contact.contact_id)
    try:
        facts = await invoicing.find_ticket_in_shop(ctx, turn.tenant_id, flow.pop("folio"),
                                                    flow.pop("total"), who)
    except TooManyAttempts as exc:
        turn.state.pop(KEY)
        turn.say(exc.message)
        turn.outcome = "self-invoice: too many guesses"
        return
    except invoicing.InvoiceRefused as exc:
        turn.say(f"{exc.message}\n{ASK_AGAIN}")
        turn.outcome = f"self-invoice: {exc.code}"
        return
    except DomainError as exc:  # the shop stopped invoicing meanwhile
        turn.state.pop(KEY)
        turn.say(exc.message)
        return
    if facts.invoice is not None:
        _already(turn, ctx, flow, facts.invoice)
        return
    if facts.refusal:
        turn.state.pop(KEY)
        turn.say(facts.refusal)
        turn.outcome = "self-invoice: refused"
        return
    flow.update(sale_id=str(facts.sale_id), ticket=f"{facts.folio} por {facts.total_text}",
                by_card=facts.paid_by_card)
    found = f"Encontré tu ticket {flow['ticket']}."
    memory = turn.state.get(MEMORY)
    if memory:
        flow.update(step="reuse")
        turn.say(f"{found} ¿Uso los mismos datos de la última vez? {_brief(memory)} (sí/no)")
        return
    flow["step"] = "rfc"
    turn.say(f"{found} {ASK_RFC}")


def _already(turn: Turn, ctx: CfdiContext, flow: dict[str, Any], invoice: InvoiceView) -> None:
    """The ticket has its invoice: offer it again when it can be downloaded."""
    turn.outcome = "self-invoice: already invoiced"
    if invoice.stamped and invoice.cancel_status is None:
        flow.update(step="resend", invoice_id=str(invoice.invoice_id))
        turn.say(f"Este ticket ya tiene su factura {invoice.number} (se factura una sola vez). "
                 "¿Te la reenvío aquí, PDF y XML? (sí/no)")
        return
    turn.state.pop(KEY)
    turn.say(f"Este ticket ya tiene su factura {invoice.number}: {invoice.message}")


async def _resend(turn: Turn, ctx: CfdiContext, flow: dict[str, Any], text: str) -> None:
    if not _yes(normalize(text)):
        turn.say(ASK_YES_NO)
        return
    turn.state.pop(KEY)
    invoice = await invoicing.invoice_view(ctx, turn.tenant_id, uuid.UUID(flow["invoice_id"]))
    if invoice.cancel_status is not None:  # the owner cancelled it since it was offered
        turn.say(f"Este ticket ya tiene su factura {invoice.number}: {invoice.message}")
        return
    turn.replies.append(_document(turn, ctx, invoice))
    turn.outcome = "self-invoice: resent"


def _document(turn: Turn, ctx: CfdiContext, invoice: InvoiceView) -> Reply:
    text, document = document_message(
        ctx.settings.base_url(), turn.shop_name, turn.tenant_id, invoice.invoice_id,
        invoice.access_key, invoice.number, invoice.total, invoice.uuid)
    return Reply(text, document=document)


# ---- the customer's fiscal data --------------------------------------------------------------


async def _rfc(turn: Turn, ctx: CfdiContext, flow: dict[str, Any], text: str) -> None:
    try:
        flow["rfc"] = fiscal.checked_rfc(ctx, read_rfc(text))
    except DomainError as exc:
        turn.say(f"{exc.message}\n{ASK_RFC}")
        return
    flow["step"] = "name"
    turn.say(ASK_NAME)


async def _name(turn: Turn, ctx: CfdiContext, flow: dict[str, Any], text: str) -> None:
    try:
        flow["name"] = check_name(text)
    except DomainError as exc:
        turn.say(exc.message)
        return
    flow["step"] = "cp"
    turn.say(ASK_CP)


async def _cp(turn: Turn, ctx: CfdiContext, flow: dict[str, Any], text: str) -> None:
    try:
        flow["cp"] = fiscal.checked_customer_postal_code(read_postal_code(text))
    except DomainError as exc:
        turn.say(f"{exc.message}\n{ASK_CP}")
        return
    flow["step"] = "regime"
    turn.say(_regime_question(flow["rfc"]))


def _regime_question(rfc: str) -> str:
    rows = [f"{n}. {r.code} {r.name}" for n, r in enumerate(regimes_for(rfc), start=1)]
    return "Tu régimen fiscal (el de tu constancia). Responde con el número o la clave:\n" + (
        "\n".join(rows))


def _uso_question(regime: Regime) -> str:
    rows = [f"{n}. {u.code} {u.name}" for n, u in enumerate(usos_for(regime), start=1)]
    return "¿Para qué usarás la factura (uso del CFDI)? Responde con el número o la clave:\n" + (
        "\n".join(rows))


async def _regime(turn: Turn, ctx: CfdiContext, flow: dict[str, Any], text: str) -> None:
    try:
        regime = check_regime(read_choice(text, [r.code for r in regimes_for(flow["rfc"])]),
                              flow["rfc"])
    except DomainError as exc:
        turn.say(f"{exc.message}\n{_regime_question(flow['rfc'])}")
        return
    flow.update(regime=regime.code, step="uso")
    turn.say(_uso_question(regime))


async def _uso(turn: Turn, ctx: CfdiContext, flow: dict[str, Any], text: str) -> None:
    regime = REGIMES[flow["regime"]]
    try:
        uso = check_uso(read_choice(text, [u.code for u in usos_for(regime)]), regime)
    except DomainError as exc:
        turn.say(f"{exc.message}\n{_uso_question(regime)}")
        return
    flow["uso"] = uso.code
    _to_confirm(turn, flow)


def _to_confirm(turn: Turn, flow: dict[str, Any]) -> None:
    """The summary to confirm; first, for a card payment, which kind of card (SAT's forma de
    pago: 04 crédito, 28 débito), as the page asks."""
    if flow.get("by_card") and "card" not in flow:
        flow["step"] = "card"
        turn.say(ASK_CARD)
        return
    flow["step"] = "confirm"
    turn.say(_summary(flow, masked=bool(flow.get("remembered"))))


async def _card(turn: Turn, ctx: CfdiContext, flow: dict[str, Any], text: str) -> None:
    card = read_card(text)
    if card is None:
        turn.say(ASK_CARD)
        return
    flow["card"] = card
    _to_confirm(turn, flow)


def _summary(flow: dict[str, Any], masked: bool = False) -> str:
    regime, uso = REGIMES[flow["regime"]], USOS[flow["uso"]]
    who = (f"RFC: {_mask(flow['rfc'])}" if masked else
           f"RFC: {flow['rfc']}\nNombre: {flow['name']}")
    card = (f"Forma de pago: {flow['card']} {FORMAS_DE_PAGO[flow['card']]}\n"
            if flow.get("card") else "")
    return (f"Revisa tu factura:\nTicket {flow['ticket']}\n{who}\nCódigo postal: {flow['cp']}\n"
            f"Régimen: {regime.code} {regime.name}\nUso: {uso.code} {uso.name}\n{card}"
            "¿Confirmas? (sí/no)")


def _mask(rfc: str) -> str:
    return f"{rfc[:4]}…{rfc[-3:]}"


def _brief(memory: dict[str, str]) -> str:
    return (f"RFC {_mask(memory['rfc'])}, código postal {memory['cp']}, régimen "
            f"{memory['regime']}, uso {memory['uso']}.")


async def _reuse(turn: Turn, ctx: CfdiContext, flow: dict[str, Any], text: str) -> None:
    said = normalize(text)
    if not _yes(said):
        flow["step"] = "rfc"
        turn.say(ASK_RFC)
        return
    flow.update({k: turn.state[MEMORY][k] for k in ("rfc", "name", "cp", "regime", "uso")},
                remembered=True)
    _to_confirm(turn, flow)


# ---- the invoice ---------------------------------------------------------------------------


async def _confirm(turn: Turn, ctx: CfdiContext, flow: dict[str, Any], text: str) -> None:
    if not _yes(normalize(text)):
        turn.say(ASK_YES_NO)
        return
    turn.state.pop(KEY)
    to = turn.contact.phone
    try:
        receptor = fiscal.checked_receptor(ctx, flow["rfc"], flow["name"], flow["cp"],
                                           flow["regime"], flow["uso"])
        # Valid data is offered next time (unless the PAC refuses it, below).
        turn.state[MEMORY] = {"rfc": receptor.rfc, "name": receptor.name,
                              "cp": receptor.postal_code, "regime": receptor.regime,
                              "uso": receptor.uso}
        invoice = await invoicing.invoice_ticket(
            ctx, turn.tenant_id, uuid.UUID(flow["sale_id"]), receptor, requested_by="whatsapp",
            card_forma=flow.get("card"), wait_s=min(ctx.settings.cfdi_stamp_wait_s, STAMP_WAIT_S),
            whatsapp_to=to)
    except invoicing.AlreadyInvoiced as exc:  # a second "sí", or the page was quicker
        turn.outcome = "self-invoice: already invoiced"
        turn.say(f"Este ticket ya tiene su factura {exc.invoice.number}: {exc.invoice.message}")
        if exc.invoice.stamped and exc.invoice.cancel_status is None:
            turn.replies.append(_document(turn, ctx, exc.invoice))
        return
    except DomainError as exc:
        turn.say(f"No pude hacer tu factura: {exc.message}")
        turn.outcome = f"self-invoice: refused ({exc.code})"
        return
    turn.outcome = f"self-invoice: {invoice.status}"
    if invoice.stamped:
        if to:
            turn.say(f"¡Listo! Tu factura {invoice.number} ya está timbrada; aquí te envío el "
                     "PDF y el XML.")
        else:  # no number to queue it for: it goes in the answer
            turn.replies.append(_document(turn, ctx, invoice))
    elif invoice.status in ("pending", "stamping"):
        turn.say("Tu factura está en proceso; te la enviamos aquí en cuanto el SAT la timbre."
                 if to else "Tu factura está en proceso. Escribe «factura» más tarde con el "
                 "mismo folio y total para recibirla.")
    else:  # refused by the PAC: SAT's records did not match the data; the ticket is free again
        turn.state.pop(MEMORY, None)  # not offered again behind a mask the person cannot check
        turn.say(f"No se pudo timbrar tu factura {invoice.number}: "
                 f"{invoice.error or invoice.message}\n{REFUSED_RETRY}")


def _yes(said: str) -> bool:
    return parse(said).intent == "confirmar"


def _no(said: str) -> bool:
    return parse(said).intent == "cancelar"


def _elsewhere(turn: Turn, text: str) -> bool:
    parsed = parse(text)
    if parsed.intent == "resumen_facturas":  # the owner's question about the shop's invoices
        return turn.contact.owner_id is not None
    return (parsed.intent in _ELSEWHERE and parsed.confidence >= 0.85
            and not _ABOUT_INVOICE.search(parsed.text))  # «¿dónde está el folio?» is ours


async def offered(ctx: CfdiContext | None, tenant_id: uuid.UUID) -> bool:
    """Whether the chat offers invoices for this shop: it can sign them (its fiscal data, CSD
    and PAC are there). The one rule for starting the flow and for the help's invoice line."""
    return ctx is not None and await fiscal.can_issue(ctx, tenant_id)


_STEPS = {"ticket": _ticket, "rfc": _rfc, "name": _name, "cp": _cp, "regime": _regime,
          "uso": _uso, "card": _card, "confirm": _confirm, "reuse": _reuse, "resend": _resend}

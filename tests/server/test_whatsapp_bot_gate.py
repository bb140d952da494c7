"""The bot's gate through the real webhook: the bot answers only when the shop's plan in force
has it (a past-due plan keeps it through the grace period) and the owner has not switched it
off; otherwise one short notice a day and nothing else (the verified owner is told why and how to
turn it on, each time). BAJA, ALTA and codes always work."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from shared.clock import utc_now
from sync_server.bot.conversation import OWNER_BOT_OFF
from sync_server.services import account, whatsapp_setup
from sync_server.services.demo import create_demo_shop
from sync_server.services.shops import create_shop
from tests.support.billing import put_on_plan, sign_up
from tests.support.server import ServerHarness
from tests.support.whatsapp import (
    SHOP_NUMBER_ID,
    message,
    post,
    settings_for,
    shop_owns_number,
    wait_handled,
)

pytestmark = pytest.mark.e2e
LUPITA = "5215512345678"
NOTICE = ("Gracias por escribir a Abarrotes Don Pepe. Por ahora no atendemos por este medio; "
          "visítanos o llámanos.")


@pytest.fixture
def server(database_url, graph):
    harness = ServerHarness(database_url, **settings_for(graph)).start()
    yield harness
    harness.stop()


def _shop(server: ServerHarness, plan: str | None) -> uuid.UUID:
    shop = server.call(lambda pool: create_shop(pool, "Abarrotes Don Pepe"))
    shop_owns_number(server, shop.tenant_id, plan=plan)
    return shop.tenant_id


def _write(server: ServerHarness, tenant_id: uuid.UUID, text: str) -> tuple[str, list[str]]:
    """A customer writes; how the event was handled and every reply queued for them so far
    (queued in the same transaction that marks the event handled: nothing comes later)."""
    post(server, message(text, wa_id=LUPITA, number=SHOP_NUMBER_ID))
    wait_handled(server)
    [last] = server.admin("SELECT outcome FROM whatsapp_inbox WHERE routed_to = $1 "
                          "ORDER BY handled_at DESC LIMIT 1", tenant_id)
    replies = server.admin("SELECT body FROM outbound_messages WHERE tenant_id = $1 "
                           "AND kind = 'reply' ORDER BY created_at", tenant_id)
    return last["outcome"], [r["body"] for r in replies]


def _switch(server: ServerHarness, tenant_id: uuid.UUID, on: bool) -> account.BotSettings:
    billing = server.app.state.billing
    return server.call(lambda _: account.save_bot_settings(billing, tenant_id, on, None))


def test_a_free_shop_gives_one_notice_a_day_and_no_answer(server, graph):
    tenant_id = _shop(server, plan=None)  # never subscribed: Gratis, no bot
    assert _write(server, tenant_id, "¿tienen coca de 600?") == ("bot_off (plan)", [NOTICE])
    assert _write(server, tenant_id, "¿hola?") == ("bot_off (plan)", [NOTICE])
    server.admin("UPDATE wa_contacts SET state = jsonb_set(state, '{bot_off_notice_at}', "
                 "to_jsonb((now() - interval '25 hours')::text)) WHERE tenant_id = $1", tenant_id)
    assert _write(server, tenant_id, "¿hola?") == ("bot_off (plan)", [NOTICE, NOTICE])


def test_the_owner_of_a_free_shop_is_told_why_and_how_to_turn_the_bot_on(server, graph):
    owner = sign_up(server)
    shop_owns_number(server, owner.tenant_id, plan=None)  # Gratis: no bot
    [row] = server.admin("SELECT owner_id FROM owners WHERE tenant_id = $1", owner.tenant_id)
    code = server.call(lambda pool: whatsapp_setup.owner_code(pool, owner.tenant_id,
                                                              row["owner_id"]))
    outcome, replies = _write(server, owner.tenant_id, code.code)  # codes always work
    assert outcome == "code"
    assert replies[-1] == ("¡Listo! Este WhatsApp quedó como el del dueño de Abarrotes Doña Mary. "
                           + OWNER_BOT_OFF["plan"].format(shop="Abarrotes Doña Mary"))
    for asked in ("ventas de hoy", "¿quién me debe?"):  # told each time, not once a day
        outcome, replies = _write(server, owner.tenant_id, asked)
        assert outcome == "bot_off (plan)"
        assert replies[-1] == OWNER_BOT_OFF["plan"].format(shop="Abarrotes Doña Mary")
    assert NOTICE.replace("Don Pepe", "Doña Mary") not in replies
    assert "Cuenta en línea → Plan y uso" in replies[-1]
    _switch(server, owner.tenant_id, False)
    server.call(lambda pool: put_on_plan(pool, owner.tenant_id, "tiendita"))
    outcome, replies = _write(server, owner.tenant_id, "ventas de hoy")
    assert outcome == "bot_off (owner)"
    assert replies[-1].endswith("Para encenderlo: Trastienda → Cuenta en línea → Bot de WhatsApp.")


def test_baja_works_on_a_free_shop(server, graph):
    tenant_id = _shop(server, plan=None)
    outcome, replies = _write(server, tenant_id, "BAJA")
    assert outcome == "opted out"
    assert replies[-1].startswith("Listo: Abarrotes Don Pepe ya no te enviará avisos")
    [row] = server.admin("SELECT opted_out_at IS NOT NULL AS out FROM wa_contacts "
                         "WHERE tenant_id = $1", tenant_id)
    assert row["out"] is True


def test_a_tiendita_shop_answers_until_the_owner_switches_the_bot_off(server, graph):
    tenant_id = _shop(server, plan="tiendita")
    outcome, replies = _write(server, tenant_id, "hola")
    assert outcome.startswith("intent saludo")  # the shop's flows answered the greeting
    assert replies
    assert NOTICE not in replies
    assert _switch(server, tenant_id, False).answering is False
    outcome, after = _write(server, tenant_id, "hola otra vez")
    assert (outcome, after[len(replies):]) == ("bot_off (owner)", [NOTICE])
    assert _switch(server, tenant_id, True).answering is True
    outcome, again = _write(server, tenant_id, "hola")
    assert outcome.startswith("intent saludo")
    assert len(again) > len(after)
    assert again[-1] != NOTICE


def test_a_past_due_shop_answers_through_the_grace_period_and_not_after(server, graph):
    tenant_id = _shop(server, plan="tiendita")
    server.call(lambda pool: put_on_plan(pool, tenant_id, "tiendita", "past_due",
                                         past_due_since=utc_now() - timedelta(days=2)))
    outcome, replies = _write(server, tenant_id, "hola")
    assert outcome.startswith("intent saludo")  # the shop's flows answered the greeting
    assert replies
    assert NOTICE not in replies
    server.call(lambda pool: put_on_plan(pool, tenant_id, "tiendita", "past_due",
                                         past_due_since=utc_now() - timedelta(days=8)))
    outcome, after = _write(server, tenant_id, "hola otra vez")
    assert (outcome, after[len(replies):]) == ("bot_off (plan)", [NOTICE])


def test_a_customers_confirmation_promises_no_answers_while_the_bot_is_off(server, graph):
    tenant_id = server.call(create_demo_shop).tenant_id
    shop_owns_number(server, tenant_id, plan=None)
    _switch(server, tenant_id, False)
    [row] = server.admin("SELECT customer_id FROM customers WHERE name = $1",
                         "Doña Lupita Hernández")
    code = server.call(lambda pool: whatsapp_setup.customer_code(pool, tenant_id,
                                                                 row["customer_id"]))
    outcome, replies = _write(server, tenant_id, code.code)
    assert outcome == "code"
    assert replies[-1].endswith("quedó confirmado como cliente de Abarrotes La Esperanza. "
                                "Podrás recibir tu estado de cuenta y avisos de pedidos.")

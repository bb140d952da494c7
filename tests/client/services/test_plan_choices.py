"""What the plan tab offers for each state of the server's answer: never what the server would
refuse (a second subscription, months ahead beside one, a subscription while prepaid months
run), and a trial says until when."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from pos_client.services.plan import plan_choices
from shared.account import Limits, PlanOut

ZONE = ZoneInfo("America/Mexico_City")
CHANGARRITO = Limits(code="changarrito", name="Changarrito", monthly_price=9900, max_tills=2,
                     max_products=None, max_users=None, whatsapp_bot=True, monthly_tokens=0)
ENDS = datetime(2026, 12, 20, 18, 0, tzinfo=UTC)


def _plan(status: str, *, subscribed: bool, paid: bool = True, cancelling: bool = False,
          renews_at: datetime | None = ENDS) -> PlanOut:
    return PlanOut(plan=CHANGARRITO, in_force=CHANGARRITO, status=status, status_label="",
                   paid_features=paid, note="", paid_until=None, grace_until=None,
                   renews_at=renews_at, cancel_at_period_end=cancelling, subscribed=subscribed)


@pytest.mark.parametrize(("plan", "line", "subscribe", "change", "prepay"), [
    (_plan("trial", subscribed=True),
     "Prueba gratis hasta el 20/12/2026; después se cobran $99.00 al mes a tu tarjeta. Si no "
     "quieres seguir, cancela antes en «Cambiar tarjeta o cancelar».", None, True, False),
    (_plan("trial", subscribed=True, cancelling=True),
     "La suscripción se canceló: termina el 20/12/2026.", None, True, False),
    (_plan("active", subscribed=True), "Próxima renovación: 20/12/2026.", None, True, False),
    (_plan("past_due", subscribed=True, renews_at=None), "", None, True, False),
    (_plan("trial", subscribed=False),
     "Prueba hasta el 20/12/2026. Suscríbete para seguir con el plan Changarrito después.",
     "Suscribirme para seguir (tarjeta)", False, True),
    (_plan("prepaid", subscribed=False, renews_at=None), "", None, False, True),
    (_plan("cancelled", subscribed=False, paid=False, renews_at=None), "",
     "Suscribirme (tarjeta)", False, True),
    (_plan("gratis", subscribed=False, paid=False, renews_at=None), "",
     "Suscribirme (tarjeta)", False, True),
])
def test_each_state_offers_what_the_server_accepts(plan, line, subscribe, change, prepay):
    choices = plan_choices(plan, ZONE)
    assert (choices.line, choices.subscribe, choices.change, choices.prepay) == (
        line, subscribe, change, prepay)


def test_an_older_server_without_the_subscribed_field_reads_as_not_subscribed():
    body = _plan("gratis", subscribed=False).model_dump()
    del body["subscribed"]
    assert PlanOut.model_validate(body).subscribed is False

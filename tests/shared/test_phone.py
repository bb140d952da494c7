"""Phone numbers as WhatsApp sends them match the ones typed at the till; we send to 52 + ten."""

from __future__ import annotations

import pytest

from shared.phone import InvalidPhone, display_phone, from_whatsapp, normalize_phone, to_whatsapp


@pytest.mark.parametrize(("wa_id", "e164"), [
    ("5215512345678", "+525512345678"),  # how WhatsApp reports most Mexican mobiles
    ("525512345678", "+525512345678"),
    ("5218112345678", "+528112345678"),  # Monterrey
    ("14155550100", "+14155550100"),
    ("5215512", None),  # too short to be anyone
    ("MX.13491208655302741918", None),  # a BSUID is not a phone
    ("", None),
    (None, None),
])
def test_whatsapp_ids_become_the_number_saved_at_the_till(wa_id: str | None, e164: str | None) -> None:
    assert from_whatsapp(wa_id) == e164
    if e164:
        assert normalize_phone(display_phone(e164) if e164.startswith("+52") else e164) == e164


@pytest.mark.parametrize(("phone", "to"), [
    ("+525512345678", "525512345678"),
    ("+5215512345678", "525512345678"),  # an old record with the 1: sent without it
    ("+14155550100", "14155550100"),
])
def test_messages_go_to_52_and_ten_digits(phone: str, to: str) -> None:
    assert to_whatsapp(phone) == to


def test_a_number_that_is_not_one_cannot_be_sent_to() -> None:
    with pytest.raises(InvalidPhone):
        to_whatsapp("+52123")

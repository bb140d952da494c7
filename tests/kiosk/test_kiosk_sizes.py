"""Issue 12: from a 1024×600 netbook to a 1920×1080 monitor, the till takes the whole screen and
cuts no text, at the counter with a ticket on it or in the back room's product form. Texts are
measured against the room their widgets give them (``pos_client/ui/elision.py``), not only the
buttons' sizes."""

from __future__ import annotations

import pytest

from tests.support.kiosk import kiosk, tools_missing, widget, window

pytestmark = [pytest.mark.kiosk,
              pytest.mark.skipif(tools_missing() is not None, reason=str(tools_missing()))]

COUNTER, BACK_ROOM = "MiChangarrito", "Trastienda"
SIZES = [(1024, 600), (1366, 768), (1920, 1080)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_text_is_cut_on_the_counter_or_the_product_form(
        tmp_path_factory: pytest.TempPathFactory, size: tuple[int, int]) -> None:
    with kiosk(tmp_path_factory.mktemp(f"sizes-{size[0]}"), size) as till:
        till.scan("7501071003042")  # a long name and a price on the ticket
        till.scan("7501052003023")
        state = till.wait_for(lambda s: len(widget(s, COUNTER, "ticket")["rows"]) == 2,
                              "two lines on the ticket")
        counter = window(state, COUNTER)
        assert counter["full_screen"]
        assert counter["rect"] == [0, 0, *size]
        till.shot("counter")
        assert counter["cut"] == []

        till.keys("F11")
        till.wait_active(BACK_ROOM)
        till.keys("Down")  # the first section: Productos (the owner needs no PIN)
        state = till.wait_for(lambda s: widget(s, BACK_ROOM, "catalog")["rows"],
                              "the catalog to load")
        rows = widget(state, BACK_ROOM, "catalog")
        x, y, w, _ = rows["rect"]
        till.tap([x, y + 30, w, 40])  # the first product: its form fills in
        state = till.wait_for(lambda s: widget(s, BACK_ROOM, "catalog")["current"] >= 0,
                              "a product in the form")
        till.shot("product-form")
        assert window(state, BACK_ROOM)["cut"] == []

"""Issue 12, as a cashier lives with it: the real till on an X screen with no window manager,
driven only by X key and mouse events. Screenshots of each step land in the test's folder and
in .kiosk-artifacts/ (the last run's).

The tests of this module share one till (one process, one shop) and run in order, as a day
at the counter does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.kiosk import KioskTill, kiosk, tools_missing, widget, window

pytestmark = [pytest.mark.kiosk,
              pytest.mark.skipif(tools_missing() is not None, reason=str(tools_missing()))]

COUNTER = "MiChangarrito"
COCA_600 = "7501055300075"
SABRITAS = "7501011003019"


@pytest.fixture(scope="module")
def till(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KioskTill]:
    with kiosk(tmp_path_factory.mktemp("kiosk-1366"), (1366, 768)) as running:
        yield running


def ticket_names(state: dict[str, Any]) -> list[str]:
    return [row[1] for row in widget(state, COUNTER, "ticket")["rows"]]


def scan_box(state: dict[str, Any]) -> str:
    return str(widget(state, COUNTER, "scan")["text"])


def keys_at_scan_box(state: dict[str, Any]) -> bool:
    return bool(state["focus"]) and state["focus"]["name"] == "scan" \
        and (state["active"] or "").startswith(COUNTER)


def sales(till: KioskTill) -> int:
    return int(till.rows("SELECT count(*) FROM sales")[0][0])


def test_the_counter_takes_the_whole_screen(till: KioskTill) -> None:
    state = till.state()
    counter = window(state, COUNTER)
    assert counter["full_screen"]
    assert counter["rect"] == [0, 0, 1366, 768]
    till.shot("counter")


def test_search_by_name_pick_then_scan_both_lines_are_on_the_ticket(till: KioskTill) -> None:
    till.type("aceite")
    till.keys("Return")  # three matches: the first is highlighted, nothing added yet
    state = till.wait_for(lambda s: widget(s, COUNTER, "products")["current"] == 0,
                          "the first result to be highlighted")
    assert ticket_names(state) == []
    till.keys("Down", "Return")  # the second one: Aceite Nutrioli
    state = till.wait_for(lambda s: ticket_names(s) == ["Aceite Nutrioli 850 ml"],
                          "the picked product on the ticket")
    assert scan_box(state) == ""  # the pick emptied the box: the next scan is not "aceite750…"
    till.type("sabri")  # a person starts typing, then scans instead
    till.scan(COCA_600)
    state = till.wait_for(lambda s: len(ticket_names(s)) == 2, "the scanned line")
    assert ticket_names(state) == ["Aceite Nutrioli 850 ml", "Coca-Cola 600 ml"]
    assert scan_box(state) == ""
    assert widget(state, COUNTER, "total")["text"] == "$70.00"
    till.shot("picked-and-scanned")


def test_esc_empties_the_scan_box(till: KioskTill) -> None:
    till.type("jamon")
    till.wait_for(lambda s: scan_box(s) == "jamon", "the typed text")
    till.keys("Escape")
    state = till.wait_for(lambda s: scan_box(s) == "", "Esc to empty the box")
    assert len(ticket_names(state)) == 2  # the ticket is untouched


def test_a_quick_bill_then_enter_charges(till: KioskTill) -> None:
    till.keys("F7")  # park the two lines for later
    till.wait_for(lambda s: ticket_names(s) == [], "the ticket to be set aside")
    till.scan(SABRITAS)
    till.wait_for(lambda s: ticket_names(s) == ["Sabritas Original 45 g"], "the scan")
    till.keys("F12")
    state = till.wait_active("Cobrar")
    till.tap(widget(state, "Cobrar", "button:$100")["rect"])
    till.wait_for(lambda s: widget(s, "Cobrar", "received")["text"] == "100", "the bill tapped")
    till.keys("Return")
    # The receipt is built after the sale is saved: its preview (no printer) comes a moment later.
    state = till.wait_for(lambda s: "Cambio: $79.00" in widget(s, COUNTER, "message")["text"]
                          and any(w["class"] == "PreviewDialog" for w in s["windows"]),
                          "the sale to be charged and its preview")
    assert sales(till) == 1
    assert keys_at_scan_box(state)
    till.shot("charged-with-a-quick-bill")


def test_park_take_back_and_charge_with_the_preview_showing(till: KioskTill) -> None:
    state = till.state()
    preview = next(w for w in state["windows"] if w["class"] == "PreviewDialog")
    ticket = widget(state, COUNTER, "ticket")["rect"]
    x, y, w, h = preview["rect"]
    assert x + w <= ticket[0] or x >= ticket[0] + ticket[2]  # beside the ticket, never over it
    till.keys("F7")  # an empty ticket: the list of tickets on hold
    state = till.wait_active("Tickets en espera")
    till.keys("Return")
    state = till.wait_for(lambda s: len(ticket_names(s)) == 2, "the ticket taken back")
    assert keys_at_scan_box(state)
    assert not any(w["class"] == "PreviewDialog" for w in state["windows"])
    # The last customer's change is not left beside another customer's ticket.
    assert widget(state, COUNTER, "message")["text"] == "Ticket retomado: 2 renglones."
    till.shot("taken-back")
    till.keys("F12")
    till.wait_active("Cobrar")
    till.keys("F6", "Return")  # exact cash
    till.wait_for(lambda s: "guardada" in widget(s, COUNTER, "message")["text"], "the second sale")
    assert sales(till) == 2
    assert till.rows("SELECT count(*) FROM parked_tickets")[0][0] == 0


def test_esc_closes_the_preview_and_the_keyboard_stays_at_the_scan_box(till: KioskTill) -> None:
    """Issue 12: the preview's "Cerrar (Esc)" did not answer Esc, and after closing it the
    keyboard went nowhere until a click."""
    state = till.wait_for(lambda s: any(w["class"] == "PreviewDialog" for w in s["windows"]),
                          "the second sale's preview")
    till.keys("Escape")
    state = till.wait_for(lambda s: not any(w["class"] == "PreviewDialog" for w in s["windows"]),
                          "Esc to close the preview")
    assert keys_at_scan_box(state)
    till.scan(SABRITAS)  # the very next key goes to the scan box
    state = till.wait_for(lambda s: ticket_names(s) == ["Sabritas Original 45 g"], "the scan")
    till.keys("Delete")  # the line goes: the next test starts from an empty ticket
    till.wait_for(lambda s: ticket_names(s) == [], "the line removed")


def test_back_room_and_cortes_with_the_keyboard_only(till: KioskTill) -> None:
    till.keys("F11")
    state = till.wait_active("Trastienda")
    assert window(state, "Trastienda")["full_screen"]
    assert "button:Volver a la caja (Esc)" in window(state, "Trastienda")["widgets"]
    till.shot("back-room")
    till.keys("Escape")
    till.wait_for(lambda s: keys_at_scan_box(s) and not any(
        w["title"].startswith("Trastienda") for w in s["windows"]), "Esc back to the counter")
    till.keys("F10")
    till.wait_for(lambda s: "button:Corte Z (cerrar turno) (F8)" in window(s, "Trastienda")[
        "widgets"], "the cortes section")
    till.shot("cortes")
    till.keys("Escape")
    till.wait_for(keys_at_scan_box, "Esc back to the counter from the cortes")


def test_after_a_corte_z_a_sale_asks_for_a_shift_first(till: KioskTill) -> None:
    till.keys("F10")
    till.wait_active("Trastienda")
    till.keys("F8")
    till.wait_active("Corte Z")
    till.wait_for(lambda s: widget(s, "Corte Z", "button:Cerrar turno e imprimir (Ctrl+Enter)")
                  ["enabled"], "the corte to load")
    till.type("591")  # the float and both sales' cash: 500 + 21 + 70
    till.keys("ctrl+Return")
    till.wait_for(lambda s: till.rows("SELECT count(*) FROM shift_closes")[0][0] == 1,
                  "the corte Z to be saved")
    for _ in range(3):  # the printed corte's preview, then the back room: Esc closes each
        if keys_at_scan_box(till.state()):
            break
        active = till.state()["active"]
        till.keys("Escape")
        till.wait_for(lambda s, a=active: s["active"] != a, f"Esc to close «{active}»")
    state = till.wait_for(keys_at_scan_box, "the counter again")
    assert "sin turno" in widget(state, COUNTER, "session")["text"]
    till.scan(COCA_600)
    state = till.wait_active("Abrir turno")
    assert ticket_names(state) == []
    till.shot("shift-asked-first")
    till.keys("Escape")
    till.wait_for(keys_at_scan_box, "the float declined")


def test_no_text_is_cut_at_1366x768(till: KioskTill) -> None:
    state = till.state()
    assert window(state, COUNTER)["cut"] == []


def test_screenshots_are_saved(till: KioskTill) -> None:
    shots = sorted(Path(till.shots).glob("*.png"))
    assert len(shots) >= 6

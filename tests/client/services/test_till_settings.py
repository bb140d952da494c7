"""Issue 12: this till's own settings (full screen or a window; the approvals' grace)."""

from __future__ import annotations

import pytest

from pos_client.services import till_settings
from pos_client.services.staff import Cashier, NotAllowed
from pos_client.services.till import Till
from pos_client.services.till_settings import SettingRefused, TillSettings
from shared.permissions import Role
from tests.support.backroom import hire


def _audit(till: Till) -> list[tuple[str, str | None, str | None]]:
    with till.db.read() as tx:
        return [(r.action, r.cashier_id, r.detail) for r in tx.exec_driver_sql(
            "SELECT action, cashier_id, detail FROM audit_events ORDER BY rowid")]


def test_a_new_till_is_full_screen_with_a_five_minute_grace(till: Till) -> None:
    assert till_settings.load(till) == TillSettings(full_screen=True, approval_minutes=5)


def test_saved_settings_come_back_and_are_audited(till: Till, owner: Cashier) -> None:
    wanted = TillSettings(full_screen=False, approval_minutes=12)
    assert till_settings.save(till, wanted, owner.id) == wanted
    assert till_settings.load(till) == wanted
    assert _audit(till) == [("settings", str(owner.id),
                             "En ventana; autorizaciones por 12 minutos")]


def test_a_grace_past_an_hour_is_refused_and_nothing_changes(till: Till, owner: Cashier) -> None:
    with pytest.raises(SettingRefused, match="de 0 a 60 minutos"):
        till_settings.save(till, TillSettings(approval_minutes=61), owner.id)
    assert till_settings.load(till) == TillSettings()
    assert _audit(till) == []


def test_a_cashier_needs_someone_with_the_settings_permission(till: Till, owner: Cashier) -> None:
    pepe = hire(till, "Pepe", Role.CASHIER, "0000")
    with pytest.raises(NotAllowed):
        till_settings.save(till, TillSettings(approval_minutes=0), pepe.id)
    assert till_settings.load(till) == TillSettings()
    till_settings.save(till, TillSettings(approval_minutes=0), pepe.id, authorized_by=owner.id)
    assert till_settings.load(till).approval_minutes == 0
    assert _audit(till)[-1] == ("settings", str(pepe.id),
                                "Pantalla completa; el NIP se pide en cada sección")

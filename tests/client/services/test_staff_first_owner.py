"""A new shop's first person, and what the Cajeros y permisos section reads in one go."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pos_client.services import staff, staff_admin
from pos_client.services.staff import NotAllowed
from pos_client.services.staff_admin import InvalidPin
from pos_client.services.till import Till
from shared.errors import DomainError
from shared.permissions import Permission, Role

pytestmark = pytest.mark.unit


def test_the_first_person_of_a_new_shop_is_its_owner_and_can_log_in(till: Till) -> None:
    assert not staff.has_cashiers(till)
    owner = staff_admin.create_first_owner(till, "  Doña   Mary ", "1234")
    assert (owner.name, owner.role) == ("Doña Mary", Role.OWNER)
    assert staff.login(till, "1234") == owner
    assert staff.authorize(till, "1234", Permission.SETTINGS) == owner
    assert staff.has_cashiers(till)


def test_once_someone_can_log_in_nobody_else_becomes_owner_that_way(till: Till) -> None:
    staff_admin.create_first_owner(till, "Doña Mary", "1234")
    with pytest.raises(NotAllowed) as refused:
        staff_admin.create_first_owner(till, "Intruso", "9999")
    assert refused.value.code == "owner_exists"
    assert [c.name for c in staff.active_cashiers(till)] == ["Doña Mary"]


@pytest.mark.parametrize("pin", ["12", "123456789", "12a4", "１２３４"])
def test_the_first_owner_needs_a_pin_of_4_to_8_digits(till: Till, pin: str) -> None:
    with pytest.raises(InvalidPin):
        staff_admin.create_first_owner(till, "Doña Mary", pin)
    assert not staff.has_cashiers(till)


def test_the_first_owner_needs_a_name(till: Till) -> None:
    with pytest.raises(DomainError, match="nombre"):
        staff_admin.create_first_owner(till, "   ", "1234")


def test_the_staff_view_reads_people_settings_matrix_and_the_days_audit(till: Till) -> None:
    owner = staff_admin.create_first_owner(till, "Doña Mary", "1234")
    staff_admin.save_cashier(till, None, "Pepe", Role.CASHIER, "0000", True, owner)
    today = till.now().date()
    view = staff_admin.staff_view(till, None, today - timedelta(days=1), today + timedelta(days=1))
    assert [(c.name, c.role, c.active) for c in view.cashiers] == [
        ("Doña Mary", Role.OWNER, True), ("Pepe", Role.CASHIER, True)]
    assert view.settings.shop_name == till.device.shop_name
    assert Permission.CANCEL in view.matrix[Role.MANAGER]
    assert [(a.action, a.cashier_name) for a in view.audit] == [("cashier_edit", "Doña Mary")]
    nothing = staff_admin.staff_view(till, "settings", today, today)
    assert nothing.audit == []

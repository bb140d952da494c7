"""Who may do what at the till: roles, the permissions they hold, and the default matrix."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Role(StrEnum):
    OWNER = "dueno"
    MANAGER = "encargado"
    CASHIER = "cajero"


class Permission(StrEnum):
    CANCEL = "cancel"  # cancellations and returns
    DISCOUNT = "discount"
    OPEN_DRAWER = "open_drawer"  # open the drawer without a sale
    FIADO_OVERRIDE = "fiado_override"  # sell on fiado above the customer's limit
    EDIT_CATALOG = "edit_catalog"
    VIEW_REPORTS = "view_reports"
    SETTINGS = "settings"  # shop settings, cashiers, backups


ROLE_LABELS: Mapping[Role, str] = {
    Role.OWNER: "Dueño", Role.MANAGER: "Encargado", Role.CASHIER: "Cajero",
}

PERMISSION_LABELS: Mapping[Permission, str] = {
    Permission.CANCEL: "Cancelar y devolver",
    Permission.DISCOUNT: "Hacer descuentos",
    Permission.OPEN_DRAWER: "Abrir el cajón",
    Permission.FIADO_OVERRIDE: "Fiar arriba del límite",
    Permission.EDIT_CATALOG: "Editar productos",
    Permission.VIEW_REPORTS: "Ver reportes",
    Permission.SETTINGS: "Configuración",
}

# The owner can always do everything (the matrix never takes it away: a shop must not lock
# its owner out). The others start here and the owner can change them.
DEFAULT_MATRIX: Mapping[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.MANAGER: frozenset({Permission.CANCEL, Permission.DISCOUNT, Permission.OPEN_DRAWER,
                             Permission.FIADO_OVERRIDE, Permission.EDIT_CATALOG,
                             Permission.VIEW_REPORTS}),
    Role.CASHIER: frozenset(),
}


def allowed(role: Role, permission: Permission,
            matrix: Mapping[Role, frozenset[Permission]] | None = None) -> bool:
    if role is Role.OWNER:
        return True
    return permission in (matrix or DEFAULT_MATRIX).get(role, frozenset())


def matrix_from(stored: Mapping[str, list[str]] | None) -> dict[Role, frozenset[Permission]]:
    """The matrix kept in the shop's settings; roles it doesn't mention keep their defaults."""
    matrix = dict(DEFAULT_MATRIX)
    for role, perms in (stored or {}).items():
        matrix[Role(role)] = frozenset(Permission(p) for p in perms)
    matrix[Role.OWNER] = frozenset(Permission)
    return matrix

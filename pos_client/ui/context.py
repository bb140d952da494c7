"""What every screen needs: the till for the services, the worker thread, who is in, the printer."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from pos_client.receipts.document import Printer
from pos_client.services.staff import Cashier
from pos_client.services.till import Till
from pos_client.ui.worker import Worker
from shared.permissions import DEFAULT_MATRIX, Permission, Role, allowed


@dataclass
class Session:
    """The cashier at the till and their open shift (None until the float is counted)."""

    cashier: Cashier
    shift_id: uuid.UUID | None = None
    matrix: dict[Role, frozenset[Permission]] = field(default_factory=lambda: dict(DEFAULT_MATRIX))

    # Who typed their PIN to let this cashier into a section (until the till is locked): the
    # services check the approver's permission and the audit log names them.
    approvals: dict[Permission, uuid.UUID] = field(default_factory=dict)

    def can(self, permission: Permission) -> bool:
        return allowed(self.cashier.role, permission, self.matrix)

    def approver(self, permission: Permission) -> uuid.UUID | None:
        return None if self.can(permission) else self.approvals.get(permission)


@dataclass
class AppContext:
    till: Till  # what the services run against: screens hand it to them, never a connection
    worker: Worker
    session: Session | None = None
    printer: Printer | None = None  # None: receipts are shown on screen
    # Printer jobs get their own thread: a printer out of paper or switched off must never
    # hold up the next scan or sale, which wait on ``worker``.
    print_worker: Worker = field(default_factory=lambda: Worker("pos-printer"))

    def approver(self, permission: Permission) -> uuid.UUID | None:
        """Who approved this cashier's access to ``permission`` (None: their own role has it)."""
        return self.session.approver(permission) if self.session else None

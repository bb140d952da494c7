"""What every screen needs: the till for the services, the worker thread, who is in, the printer."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from pos_client.receipts.document import Printer
from pos_client.services.staff import Cashier
from pos_client.services.till import Till
from pos_client.services.till_settings import TillSettings
from pos_client.sync.account import OwnerLogin
from pos_client.ui.worker import Worker
from shared.clock import DEFAULT_ZONE
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
    # The last back-room approval and when it was given (monotonic seconds): for a few minutes
    # it opens the other sections its approver may open, without typing the PIN again.
    grace: tuple[Cashier, float] | None = None

    def can(self, permission: Permission) -> bool:
        return allowed(self.cashier.role, permission, self.matrix)

    def approve(self, permission: Permission, approver: Cashier, at_s: float) -> None:
        """Record a PIN approval for the back room (the grace starts now)."""
        if approver.id != self.cashier.id:
            self.approvals[permission] = approver.id
        self.grace = (approver, at_s)

    def approved_within(self, permission: Permission, minutes: int, now_s: float
                        ) -> Cashier | None:
        """Whoever approved a back-room section less than ``minutes`` ago, if their role may
        also open this one; None when a PIN must be typed (again)."""
        if self.grace is None:
            return None
        approver, at_s = self.grace
        if not 0 <= now_s - at_s < minutes * 60 or not allowed(approver.role, permission,
                                                               self.matrix):
            return None
        return approver

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
    # The shop's time zone (read again at every log-in): every time a screen shows is in it.
    zone: ZoneInfo = DEFAULT_ZONE
    settings: TillSettings = field(default_factory=TillSettings)  # this till's own
    # The owner's online session (Cuenta en línea, or typed to cancel a CFDI): one per till,
    # shared by the back room's pages, ended when the back room closes.
    owner_login: OwnerLogin = field(default_factory=OwnerLogin)

    # Called when who is at the till or their shift changes outside the counter (a corte Z in
    # the back room): the counter shows it and stops selling until a new float.
    session_listeners: list[Callable[[], None]] = field(default_factory=list)

    def session_changed(self) -> None:
        for listener in list(self.session_listeners):
            listener()

    def approver(self, permission: Permission) -> uuid.UUID | None:
        """Who approved this cashier's access to ``permission`` (None: their own role has it)."""
        return self.session.approver(permission) if self.session else None

"""Cuenta en línea → Plan y uso: the plan and what is used of it, and what can be bought
(a subscription, prepaid months, tokens: Stripe's pages open in the browser) or changed. Read
again when shown, and for a while after a Stripe page opened, so a payment shows up by itself."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pos_client.services.plan import plan_choices
from pos_client.sync.account import OnlineAccount
from pos_client.ui.qt import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QShowEvent,
    QSpinBox,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.widgets import button
from shared.account import AccountOut, Offer
from shared.money import format_mxn

if TYPE_CHECKING:
    from pos_client.ui.backroom.account_tabs import AccountView

WATCH_EVERY_MS = 5_000  # how often the plan is read again after a Stripe page opened
WATCH_FOR_S = 15 * 60  # long enough to pay (an OXXO voucher is paid later: reopen the tab)


def _count(used: int, limit: int | None) -> str:
    return f"{used:,} de {limit:,}" if limit is not None else f"{used:,} (sin límite)"


class PlanTab(QWidget):
    """The plan, its usage and what can be bought. Read again each time it is shown, and every
    WATCH_EVERY_MS for WATCH_FOR_S after a Stripe page was opened or the plan was changed,
    until the answer differs (Stripe's event reached the server): the owner who paid sees it."""

    def __init__(self, view: AccountView) -> None:
        super().__init__()
        self.view = view
        self.seen: tuple[Any, ...] | None = None  # what the last answer said
        self.watching_from: tuple[Any, ...] | None = None  # the answer before the page opened
        self.watch_until = 0.0
        self.watch = QTimer(self, interval=WATCH_EVERY_MS)
        self.watch.timeout.connect(self._look_again)
        self._shown_before = False
        self.summary = QLabel("Cargando…")
        self.summary.setWordWrap(True)
        self.usage_box = QWidget()
        self.usage = QFormLayout(self.usage_box)  # what is used against the plan in force
        self.usage_rows: dict[str, str] = {}
        self.plans = QComboBox()
        self.months = QSpinBox()
        self.months.setRange(1, 12)
        self.packages = QComboBox()
        self.buy = buy = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.plans, 1)
        self.subscribe_button = button("Suscribirme (tarjeta)", self.subscribe)
        row.addWidget(self.subscribe_button)
        # A subscriber moves to the chosen plan without a second subscription.
        self.change_button = button("Cambiar de plan", self.change_plan)
        row.addWidget(self.change_button)
        self.plans.currentIndexChanged.connect(self._name_change)
        buy.addRow("Plan", row)
        row = QHBoxLayout()
        row.addWidget(self.months)
        self.prepay_button = button("Pagar meses por adelantado (tarjeta u OXXO)", self.prepay)
        row.addWidget(self.prepay_button)
        buy.addRow("Meses", row)
        self.prepay_row = buy.rowCount() - 1
        row = QHBoxLayout()
        row.addWidget(self.packages, 1)
        row.addWidget(button("Comprar tokens (tarjeta u OXXO)", self.buy_tokens))
        buy.addRow("Tokens de IA", row)
        buy.addRow(button("Cambiar tarjeta o cancelar", self.portal))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.usage_box)
        layout.addStretch(1)
        layout.addLayout(buy)

    def load(self) -> None:
        self.view.call(lambda a: (a.overview(), a.offer()), self.show_account)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._shown_before:  # the first showing is the page's own load
            self.load()
        self._shown_before = True

    def watch_for_change(self) -> None:
        """A Stripe page (Checkout, the portal) was opened or the plan was changed: look again
        until what the server says differs from now."""
        self.watching_from = self.seen
        self.watch_until = time.monotonic() + WATCH_FOR_S
        self.watch.start()

    def _look_again(self) -> None:
        if time.monotonic() > self.watch_until:
            self.watch.stop()
        elif self.isVisible() and self.view.page.network.idle:
            self.load()

    def show_account(self, answer: tuple[AccountOut, Offer]) -> None:
        account, offer = answer
        self.view.zone = ZoneInfo(account.timezone)
        plan, usage = account.plan, account.usage
        self.seen = (plan.model_dump(), usage.tokens_from_packages)
        if self.watch.isActive() and self.seen != self.watching_from:
            self.watch.stop()  # Stripe's word arrived: it is on screen now
        choices = plan_choices(plan, self.view.zone)
        lines = [f"<b>{account.shop_name}</b>: plan <b>{plan.plan.name}</b> — {plan.status_label}.",
                 plan.note]
        if choices.line:
            lines.append(choices.line)
        if account.demo:
            lines.append("<b>MODO DEMOSTRACIÓN</b>: los pagos son simulados, no se cobra nada.")
        self.summary.setText("<br>".join(lines))
        force = plan.in_force
        tokens = (f"usados {usage.tokens_used_this_month:,} de {force.monthly_tokens:,} este mes"
                  f"; de paquetes comprados quedan {usage.tokens_from_packages:,}")
        rows = [("Cajas vinculadas", _count(usage.tills, force.max_tills)),
                ("Productos", _count(usage.products, force.max_products)),
                ("Usuarios", _count(usage.users, force.max_users)),
                ("Bot de WhatsApp", "incluido" if force.whatsapp_bot else "no incluido"),
                ("Tokens de IA", tokens)]
        while self.usage.rowCount():
            self.usage.removeRow(0)
        self.usage_rows = dict(rows)
        for name, value in rows:
            self.usage.addRow(f"{name}:", QLabel(f"<b>{value}</b>"))
        # Only a subscription Stripe bills can change plan (the rest buy the plan they want).
        self.change_button.setHidden(not choices.change)
        self.subscribe_button.setHidden(choices.subscribe is None)
        self.subscribe_button.setText(choices.subscribe or "")
        self.buy.setRowVisible(self.prepay_row, choices.prepay)
        self.plans.clear()
        for p in offer.plans:
            if p.monthly_price:
                self.plans.addItem(f"{p.name} — {format_mxn(p.monthly_price)} al mes", p.code)
        self.packages.clear()
        for k in offer.token_packages:
            self.packages.addItem(f"{k.tokens:,} tokens — {format_mxn(k.price)}", k.package_id)

    def _open(self, call: Callable[[OnlineAccount], Any]) -> None:
        def opened(answer: Any) -> None:
            self.view.open_url(answer.url)
            self.view.done("Se abrió la página de pago en el navegador. Tu plan cambia en cuanto "
                           "se confirme el pago.")
            self.watch_for_change()

        self.view.call(call, opened)

    def subscribe(self) -> None:
        plan = self.plans.currentData()
        self._open(lambda a: a.checkout("subscription", plan=plan))

    def _name_change(self) -> None:
        name = self.plans.currentText().split(" — ")[0]
        self.change_button.setText(f"Cambiar a {name}" if name else "Cambiar de plan")

    def change_plan(self) -> None:
        plan = self.plans.currentData()

        def changed(answer: Any) -> None:
            self.view.done(answer.message)
            self.load()
            self.watch_for_change()  # the plan changes when Stripe's event arrives

        self.view.call(lambda a: a.change_plan(plan), changed)

    def prepay(self) -> None:
        plan, months = self.plans.currentData(), self.months.value()
        self._open(lambda a: a.checkout("prepaid", plan=plan, months=months))

    def buy_tokens(self) -> None:
        package = self.packages.currentData()
        self._open(lambda a: a.checkout("tokens", package=package))

    def portal(self) -> None:
        self._open(lambda a: a.portal())

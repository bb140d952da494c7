"""The ticket being rung up: its lines (remove, one more or less), discounts by someone allowed,
setting it aside for another customer and taking it back, and its totals and taxes."""

from __future__ import annotations

import uuid

from pos_client.services import counter
from pos_client.services.counter import Parked
from pos_client.services.staff import Cashier
from pos_client.ui.auth import request_permission
from pos_client.ui.counter_dialogs import DiscountDialog, ParkedDialog
from pos_client.ui.counter_parts import CounterParts
from pos_client.ui.operations import Operation
from pos_client.ui.qt import QLabel
from shared.errors import DomainError
from shared.money import format_mxn
from shared.permissions import Permission
from shared.quantity import QTY_SCALE
from shared.spanish import count
from shared.ticket import Ticket


class TicketEditing(CounterParts):
    total_label: QLabel
    taxes_label: QLabel

    def _ticket_changed(self) -> None:
        """Every change of the ticket is a completed action: the scan box starts empty again,
        and a receipt preview never hides the lines that are there now."""
        self.ticket_model.refresh()
        self._update_totals()
        self.clear_scan()
        if self.ticket.lines:
            self._close_preview()

    def _set_ticket(self, ticket: Ticket) -> None:
        self.ticket = self.ticket_model.ticket = ticket
        self._ticket_changed()

    def _update_totals(self) -> None:
        self.total_label.setText(format_mxn(self.ticket.total))
        taxes = self.ticket.taxes
        parts = [f"{rate.label}: {format_mxn(s.iva)}" for rate, s in taxes.by_rate.items()
                 if s.iva]
        if taxes.ieps:
            parts.append(f"IEPS: {format_mxn(taxes.ieps)}")
        if self.ticket.discount:
            parts.insert(0, f"Descuento: {format_mxn(self.ticket.discount)}")
        self.taxes_label.setText("   ".join(parts) or " ")

    def _selected_line(self) -> int | None:
        rows = self.ticket_view.selectionModel().selectedRows()
        if rows:
            return rows[0].row()
        return len(self.ticket.lines) - 1 if self.ticket.lines else None

    def remove_selected_line(self) -> None:
        index = self._selected_line()
        if index is not None:
            self.ticket.remove(index)
            self._ticket_changed()

    def step_quantity(self, step: int) -> None:
        """+ / − on the selected line: one piece more or less (the last piece goes with Supr)."""
        index = self._selected_line()
        if index is None:
            return
        line = self.ticket.lines[index]
        if line.sold_by_weight:
            self.say("Los productos a granel se pesan: quita el renglón y pésalo de nuevo.", error=True)
            return
        try:
            self.ticket.set_quantity(index, line.qty_milli + step * QTY_SCALE)
        except DomainError as exc:
            self.say(exc.message, error=True)
            return
        self._ticket_changed()
        self.ticket_view.selectRow(index)

    # ---- discounts --------------------------------------------------------------------------

    def discount(self) -> None:
        """F4: a discount on a line or the ticket, by someone allowed to give one."""
        if not self.ticket.lines:
            self.say("El ticket está vacío.", error=True)
            return
        self.discount_approval = request_permission(self.ctx, self.as_widget, Permission.DISCOUNT,
                                                    self._ask_discount)

    def _ask_discount(self, approver: Cashier) -> None:
        dialog = DiscountDialog(self.ticket, self._selected_line(), self.as_widget)
        self.discount_dialog = dialog

        def apply() -> None:
            try:
                if dialog.scope_line:
                    index = dialog.line_index
                    assert index is not None
                    self.ticket.set_discount(index, dialog.centavos)
                else:
                    self.ticket.discount_ticket(dialog.centavos)
            except DomainError as exc:
                self.say(exc.message, error=True)
                return
            self.ticket.discount_by = approver.id
            self._ticket_changed()
            self.say(f"Descuento de {format_mxn(dialog.centavos)} aplicado.")

        dialog.accepted.connect(apply)
        dialog.open()

    # ---- tickets on hold ----------------------------------------------------------------------

    def park_or_resume(self) -> None:
        """F7: with items, set the ticket aside; with none, pick a ticket on hold."""
        if self.ticket.lines:
            self._park(self.ticket)
            return
        Operation(self.ctx, counter.parked_tickets).success(self._pick_parked).failure(
            self._failed).run()

    def _park(self, ticket: Ticket) -> None:
        def parked(_: uuid.UUID) -> None:
            self.say("Ticket en espera. F7 con el ticket vacío para retomarlo.")
            self._run_search()

        def failed(message: str) -> None:  # nothing was set aside: the lines come back
            self.ticket.lines[:0] = ticket.lines
            self._set_ticket(self.ticket)
            self._failed(message)

        self._set_ticket(Ticket())
        Operation(self.ctx, lambda till: counter.park(till, ticket)).success(
            parked).failure(failed).run()

    def _pick_parked(self, rows: list[Parked]) -> None:
        if not rows:
            self.say("No hay tickets en espera.")
            return
        dialog = ParkedDialog(rows, self.as_widget, self.ctx.zone)
        self.parked_dialog = dialog

        def taken(ticket: Ticket) -> None:
            self._set_ticket(ticket)
            # The last sale's "Cambio: …" belongs to the customer who left, not to this ticket.
            self.say(f"Ticket retomado: {count(len(ticket.lines), 'renglón')}.")

        def take() -> None:
            if dialog.chosen is not None:
                chosen_id = dialog.chosen.id
                Operation(self.ctx, lambda till: counter.resume(till, chosen_id)).success(
                    taken).failure(self._failed).run()

        dialog.accepted.connect(take)
        dialog.open()

"""The counter's receipts and cash drawer: print or preview each sale, open the drawer."""

from __future__ import annotations

import uuid

from pos_client.receipts import sale_ticket
from pos_client.receipts.document import Document
from pos_client.services import staff
from pos_client.services.staff import Cashier
from pos_client.ui.auth import request_permission
from pos_client.ui.counter_session import _CounterParts
from pos_client.ui.printing import PreviewDialog, print_or_preview
from pos_client.ui.qt import Qt, QTableView
from shared.errors import DomainError
from shared.permissions import Permission


class ReceiptsAndDrawer(_CounterParts):
    ticket_view: QTableView

    def print_receipt(self, sale_id: uuid.UUID) -> None:
        """Print the sale's ticket (and open the drawer for cash); no printer: a preview that
        doesn't take the keyboard and closes at the next scan. A failed print never touches
        the sale: it is saved, and F6 reprints it."""
        said = self.message_label.text()

        def failed(message: str) -> None:
            self.say(f"{said} No se imprimió el ticket: {message} Reimprímelo en Ventas (F6).",
                     error=True)

        def show(document: Document) -> None:
            if self.ctx.printer is not None:
                print_or_preview(self.ctx, self.as_widget, document, on_failed=failed)
                return
            self._close_preview()
            preview = PreviewDialog(document, self.as_widget, compact=True)
            preview.setModal(False)
            preview.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
            # Over the ticket just charged (empty until the next scan, which closes it), never
            # over the message line that says the change to give.
            area = self.ticket_view
            preview.move(area.mapToGlobal(area.rect().topLeft()))
            preview.resize(area.width(), preview.sizeHint().height())
            preview.show()
            self.preview_dialog = preview
            self.scan_input.setFocus()

        self.worker.submit(lambda: sale_ticket.receipt(self.db, sale_id), show,
                           lambda exc: failed(exc.message if isinstance(exc, DomainError) else ""))

    def _close_preview(self) -> None:
        preview = getattr(self, "preview_dialog", None)
        if preview is not None and preview.isVisible():
            preview.close()

    def open_drawer(self) -> None:
        """Ctrl+D: open the drawer without a sale (change for a customer), with permission."""
        printer = self.ctx.printer
        if printer is None:
            self.say("No hay impresora con cajón configurada (Trastienda → Impresora).", error=True)
            return
        session = self.ctx.session

        def approved(approver: Cashier) -> None:
            def kick() -> None:
                printer.open_drawer()
                with self.db.write() as conn:
                    staff.audit(conn, self.device, "open_drawer",
                                cashier_id=session.cashier.id if session else None,
                                authorized_by=approver.id, detail="Cajón abierto sin venta")

            self.ctx.print_worker.submit(kick, lambda _: self.say("Cajón abierto."), self._failed)

        self.drawer_approval = request_permission(self.ctx, self.as_widget, Permission.OPEN_DRAWER, approved)


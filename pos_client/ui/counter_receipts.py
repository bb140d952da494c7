"""The counter's receipts and cash drawer: print or preview each sale, open the drawer."""

from __future__ import annotations

import uuid

from pos_client.receipts.document import Document, PrinterError
from pos_client.services import hardware, tickets
from pos_client.services.staff import Cashier
from pos_client.ui.auth import request_permission
from pos_client.ui.counter_parts import CounterParts
from pos_client.ui.operations import Operation
from pos_client.ui.printing import PreviewDialog, print_or_preview
from pos_client.ui.qt import Qt, QTableView
from shared.permissions import Permission


class ReceiptsAndDrawer(CounterParts):
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
            # A tap on it must not take the keyboard from the scan box either (no window
            # manager: nobody would give it back); Esc in the box closes it.
            preview.setWindowFlag(Qt.WindowType.WindowDoesNotAcceptFocus)
            # Over the product list, never over the ticket, its total or the message line
            # with the change to give: a ticket taken back from hold must be seen at once.
            area = self.products_view
            preview.move(area.mapToGlobal(area.rect().topLeft()))
            preview.resize(area.width(), min(preview.sizeHint().height(), area.height()))
            preview.show()
            self.preview_dialog = preview
            self.scan_input.setFocus()

        Operation(self.ctx, lambda till: tickets.receipt(till, sale_id)).success(show).failure(
            failed).run()

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
        cashier_id = session.cashier.id if session else None

        def kicked(_: object) -> None:
            self.say("Cajón abierto.")

        def failed(exc: BaseException) -> None:
            self.say(exc.message if isinstance(exc, PrinterError) else "No se pudo abrir el cajón.",
                     error=True)

        def kick(document: Document) -> None:
            # The printer's own thread: a stuck printer must not hold up the next sale.
            self.ctx.print_worker.submit(lambda: printer.print_document(document), kicked, failed)

        def approved(approver: Cashier) -> None:
            Operation(self.ctx, lambda till: hardware.open_drawer(
                till, cashier_id=cashier_id, authorized_by=approver.id)).success(kick).failure(
                lambda message: self.say(message, error=True)).run()

        self.drawer_approval = request_permission(self.ctx, self.as_widget, Permission.OPEN_DRAWER,
                                                  approved)

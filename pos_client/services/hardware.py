"""This till's hardware: where its ticket printer is (kept per device, never synced) and its cash
drawer. Each action is one transaction with its audit event; the printing thread is handed only
the document to print, so a stuck printer never holds the store and never writes to it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pos_client.receipts.document import DRAWER_KICK, Document, Printer
from pos_client.receipts.printers import (
    PrinterConfig,
    PrinterConfigError,
    describe,
    printer_for,
    sample_document,
    stored_config,
    validate,
)
from pos_client.services import staff
from pos_client.services.till import Till
from pos_client.store.database import Tx
from pos_client.store.repositories import meta
from pos_client.store.repositories.shop import shop_zone
from shared.permissions import Permission

NO_SALE = "Cajón abierto sin venta"  # Ctrl+D at the counter
DRAWER_TEST = "Prueba del cajón (Impresora)"  # the back room's printer page


@dataclass(frozen=True, slots=True)
class SavedPrinter:
    config: PrinterConfig
    printer: Printer | None  # None: receipts are shown on screen


def _config(tx: Tx) -> PrinterConfig:
    return stored_config(meta.get(tx, "printer_kind"), meta.get(tx, "printer_target"),
                         meta.get_int(tx, "printer_paper_mm", 80))


def printer_settings(till: Till) -> PrinterConfig:
    with till.db.read() as tx:
        return _config(tx)


def load_printer(till: Till) -> Printer | None:
    """This till's printer, or None to show receipts on screen."""
    try:
        return printer_for(printer_settings(till))
    except PrinterConfigError:
        return None


def save_printer(till: Till, kind: str, target: str, paper_mm: int,
                 cashier_id: uuid.UUID | None) -> SavedPrinter:
    """Check and keep this till's printer settings (they belong to the device, not the shop),
    audited in the same transaction. The answer is the printer the next ticket goes to."""
    config = validate(kind, target, paper_mm)
    with till.db.write() as tx:
        meta.put_many(tx, {"printer_kind": config.kind, "printer_target": config.target,
                           "printer_paper_mm": config.paper_mm})
        staff.audit(tx, till, "settings", cashier_id=cashier_id,
                    detail=f"Impresora: {describe(config)}")
    return SavedPrinter(config, printer_for(config))


def open_drawer(till: Till, *, cashier_id: uuid.UUID | None, authorized_by: uuid.UUID | None,
                detail: str = NO_SALE) -> Document:
    """The drawer opened without a sale: it gives access to the cash, so whoever approved needs
    OPEN_DRAWER, and it is audited before the kick is handed out (an attempt that then fails
    at the printer stays on record). The answer goes to the printing thread."""
    with till.db.write() as tx:
        staff.guard(tx, cashier_id, authorized_by, Permission.OPEN_DRAWER)
        staff.audit(tx, till, "open_drawer", cashier_id=cashier_id,
                    authorized_by=authorized_by, detail=detail)
    return DRAWER_KICK


def sample_page(till: Till, config: PrinterConfig) -> Document:
    """The test page for ``config`` (saved or not), dated in the shop's time."""
    with till.db.read() as tx:
        zone = shop_zone(tx)
    return sample_document(till.device.shop_name, till.now().astimezone(zone), config)

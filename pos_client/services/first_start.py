"""A till's first start: open a new shop (owner, shop name, starter catalog) or join one by code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher

from pos_client.receipts.printers import PrinterConfig
from pos_client.services import hardware, local, staff_admin
from pos_client.services.device import OtherShop, save_pairing
from pos_client.services.staff import Cashier, has_cashiers
from pos_client.services.till import Till
from pos_client.store import backup
from pos_client.store.apply import apply_changes
from pos_client.store.repositories import cashiers, catalog, meta, outbox
from shared.catalog import load_starter_catalog, starter_changes
from shared.errors import DomainError
from shared.ids import new_uuid7
from shared.permissions import Role
from shared.sync.payloads import CashierPayload
from shared.sync.protocol import PairResponse


class SetupRefused(DomainError):
    code = "setup_refused"


def needs_setup(till: Till) -> bool:
    """A store nobody has set up: no cashier, not paired. (A paired till gets its cashiers
    from the shop once it syncs; until then the owner's PIN on the server's side works.)"""
    return not till.device.paired and not has_cashiers(till)


@dataclass(frozen=True, slots=True)
class NewShop:
    owner: Cashier
    products: int  # from the starter catalog


def open_new_shop(till: Till, *, shop_name: str, owner_name: str, pin: str,
                  starter_catalog: bool) -> NewShop:
    """The owner, the shop's name and (if asked) the starter catalog with its opening stock,
    in one transaction: a failure leaves the store as new as it was."""
    db, device = till.db, till.device
    owner_name = " ".join(owner_name.split())
    if not owner_name:
        raise SetupRefused("Escribe tu nombre.", code="invalid_name")
    staff_admin.check_pin(pin)
    settings = staff_admin.shop_settings(shop_name=shop_name, address="", phone="", rfc="",
                                         timezone=staff_admin.DEFAULT_TIMEZONE, receipt_footer="")
    owner = CashierPayload(id=new_uuid7(), name=owner_name, role=Role.OWNER,
                           pin_hash=PasswordHasher().hash(pin))
    products = load_starter_catalog() if starter_catalog else []
    with db.write() as conn:
        if cashiers.listed(conn):
            raise SetupRefused("Esta caja ya tiene cajeros: entra con tu NIP.", code="already_set_up")
        local.save(conn, till, "cashier", owner)
        local.save(conn, till, "settings", settings, op="upsert")
        meta.put(conn, "shop_name", settings.shop_name)
        if products and not catalog.count(conn):
            changes = starter_changes(products, device.clock, till.now(), outbox.next_seq(conn))
            apply_changes(conn, [(change, device.device_id) for change in changes])
            for change in changes:
                outbox.append(conn, change)
        else:
            products = []
    device.shop_name = settings.shop_name
    return NewShop(Cashier(owner.id, owner.name, Role.OWNER), len(products))


def join_shop(till: Till, server_url: str, answer: PairResponse) -> str:
    """Adopt the identity the shop's server gave this till (``sync.pairing.request_pairing``);
    returns the shop's name."""
    try:
        save_pairing(till, server_url=server_url.strip().rstrip("/"),
                     tenant_id=answer.tenant_id, device_id=answer.device_id,
                     device_code=answer.device_code, credential=answer.credential,
                     shop_name=answer.shop_name)
    except OtherShop as exc:
        raise SetupRefused(exc.message, code=exc.code) from None
    return answer.shop_name


def set_printer(till: Till, kind: str, target: str, paper_mm: int) -> PrinterConfig:
    """The printer chosen in the wizard, saved and audited like the back room's."""
    return hardware.save_printer(till, kind, target, paper_mm, cashier_id=None).config


def restore_from_file(data_dir: Path, chosen: Path) -> Path:
    """Moving a till to a new computer: copy a backup made on the old one into this store's
    backups and have it restored at the next start (the store is still empty now)."""
    backup.verify_backup(chosen)  # refuses a file that is not a whole, good store
    target = backup.backups_dir(data_dir) / chosen.name
    target.parent.mkdir(parents=True, exist_ok=True)
    if chosen.resolve() != target.resolve():
        target.write_bytes(chosen.read_bytes())
    backup.request_restore(data_dir, target)
    return target

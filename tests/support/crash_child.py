"""Child process for crash tests: commit one sale, say so, then wait to be killed."""

from __future__ import annotations

import sys
from pathlib import Path

from pos_client.services.sales import record_sale
from pos_client.services.till import Till
from pos_client.store.database import Database
from pos_client.store.device import load_device
from shared.sale import PaymentMethod, Tender
from tests.support.sales import ticket_for


def main() -> None:
    db_path, barcode = Path(sys.argv[1]), sys.argv[2]
    db = Database(db_path)
    device = load_device(db)
    receipt = record_sale(Till(db, device), ticket_for(db, barcode, 2), [Tender(PaymentMethod.CASH, 100_000)])
    print(f"COMMITTED {receipt.sale_id} {receipt.folio}", flush=True)
    sys.stdin.read()  # the parent SIGKILLs us here, before any push


if __name__ == "__main__":
    main()

"""What tills and the server say about invoices (CFDI): the counter's request for a sale's own
invoice, the back room's list of the month, and the answers (docs/cfdi.md)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from shared.sync.payloads import Wire

_Field = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300,
                                          pattern=r"^[^\x00-\x1f\x7f|]*$")]
CardForma = Literal["04", "28"]  # tarjeta de crédito, de débito


class ReceptorData(Wire):
    """A customer's fiscal data as typed (the server checks it with ``shared.fiscal``)."""

    rfc: _Field
    name: _Field
    postal_code: _Field
    regime: _Field
    uso: _Field


class InvoiceRequest(Wire):
    sale_id: uuid.UUID
    receptor: ReceptorData
    card_forma: CardForma | None = None  # how a card that paid was: credit or debit


class CancelRequest(Wire):
    motive: Literal["01", "02", "03"]
    replacement: ReceptorData | None = None  # motive 01: the corrected data


class RemakeOutcome(Wire):
    """The owner's "Reintentar ahora": how many CFDI the server made again (stamped next)."""

    made: int


class GlobalRequest(Wire):
    """Issue a closed period's factura global now, not waiting for these tills."""

    period_start: date
    accept_missing: Annotated[list[uuid.UUID], Field(max_length=100)] = []


class InvoiceSummary(Wire):
    invoice_id: uuid.UUID
    kind: str  # ticket (a customer's own), global, payment (complemento de pago), credit (egreso)
    series: str
    folio: int
    status: str  # pending, stamping, stamped, rejected, discarded
    cancel_status: str | None
    uuid: str | None
    receptor_rfc: str
    receptor_name: str
    total: int
    iva: int
    ieps: int
    issued_at: AwareDatetime
    message: str  # Spanish, for a person
    error: str | None


class TillSync(Wire):
    device_id: uuid.UUID
    name: str
    last_pull_at: AwareDatetime | None


class PendingGlobal(Wire):
    """A closed period with sales no invoice covers yet: ``ready`` or ``waiting`` for the
    tills named in ``missing_tills`` (or, once issued, ``issued``)."""

    period_start: date
    period_end: date
    label: str
    state: str  # ready, waiting, issued, nothing
    sales: int
    deadline: AwareDatetime | None
    missing_tills: list[TillSync]


class InvoiceMonth(Wire):
    issued: list[InvoiceSummary]
    cancelled: list[InvoiceSummary]
    errors: list[InvoiceSummary]
    pending_globals: list[PendingGlobal]
    # The set-up's warnings, in Spanish: a CSD near its end or expired, one of another RFC.
    warnings: list[str] = []


# The ticket's QR: the customer's self-invoicing page on the shop's server (docs/cfdi.md).
PLATFORM_SERVER = "https://factura.michangarrito.mx"


def invoice_url(server_url: str | None, sale_id: uuid.UUID) -> str:
    """Where a ticket's QR sends its customer: ``/factura/{sale id}`` on the server the till
    is paired with; a till not paired (yet) prints the platform's address."""
    return f"{(server_url or PLATFORM_SERVER).rstrip('/')}/factura/{sale_id}"


class CfdiSetup(BaseModel):
    """The owner's invoicing set-up as the server shows it (``/v1/cfdi/setup`` and every PUT
    of it): the CSD only by its public description (``number``, ``rfc``, ``legal_name``,
    ``valid_from``, ``valid_until``), the PAC's secrets masked, and the warnings (a CSD near its
    end, expired, or of another RFC)."""

    profile: dict[str, str] | None  # rfc, name, regime, postal_code, series
    csd: dict[str, str] | None
    warnings: list[str]
    pac: dict[str, object] | None
    preferences: dict[str, object]  # periodicity, window_days, card_forma

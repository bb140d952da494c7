"""The return dialog's money part: how much goes back to the card (with the terminal's
reference), to a transfer and to the customer's account, and what the cashier hands over in
cash. Left empty, the money goes back the way the sale was paid."""

from __future__ import annotations

from collections.abc import Callable

from pos_client.services.returns import RefundChoice, StoredLine, Tenders, refund_share
from pos_client.ui.qt import QGridLayout, QLabel, QLineEdit, QWidget
from shared.errors import DomainError, InvalidAmount
from shared.money import format_mxn, parse_mxn
from shared.returns import RefundSplit


class RefundBox(QWidget):
    """Card and transfer amounts the cashier may type (empty: as the sale was paid), the
    card's reference, and a line saying where each part of the refund goes."""

    def __init__(self, lines: list[StoredLine], tenders: Tenders,
                 quantities: Callable[[], dict[int, int] | None]) -> None:
        super().__init__()
        self.lines, self.tenders, self._quantities = lines, tenders, quantities
        self.card = self._money("A tarjeta")
        self.reference = QLineEdit()
        self.reference.setMaxLength(80)
        self.reference.setPlaceholderText("Referencia de la terminal")
        self.reference.setAccessibleName("Referencia de la terminal")
        self.transfer = self._money("A transferencia")
        self.summary = QLabel(" ")
        self.summary.setWordWrap(True)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("A tarjeta"), 0, 0)
        grid.addWidget(self.card, 0, 1)
        grid.addWidget(self.reference, 0, 2)
        grid.addWidget(QLabel("A transferencia"), 1, 0)
        grid.addWidget(self.transfer, 1, 1)
        grid.addWidget(self.summary, 2, 0, 1, 3)
        self.refresh()

    def _money(self, name: str) -> QLineEdit:
        field = QLineEdit()
        field.setPlaceholderText("como se pagó")
        field.setAccessibleName(name)
        field.textChanged.connect(self.refresh)
        return field

    def amount(self) -> int:
        """What the typed quantities give back (the service adds it up the same way)."""
        try:
            wanted = self._quantities()
        except DomainError:
            return 0
        by_no = {ln.line_no: ln for ln in self.lines}
        if wanted is None:
            wanted = {ln.line_no: ln.qty_left for ln in self.lines}
        return sum(refund_share(by_no[n], q) for n, q in wanted.items() if n in by_no and q > 0)

    def choice(self) -> RefundChoice | None:
        """The cashier's split, or None to give the money back as the sale was paid."""
        card, transfer = self.card.text().strip(), self.transfer.text().strip()
        reference = self.reference.text().strip() or None
        if not card and not transfer:
            if reference:
                raise InvalidAmount("Escribe cuánto se devuelve a la tarjeta de esa referencia.")
            return None
        return RefundChoice(parse_mxn(card) if card else 0,
                            parse_mxn(transfer) if transfer else 0, reference)

    def split(self) -> RefundSplit:
        amount = self.amount()
        default = self.tenders.default(amount)
        choice = self.choice()
        if choice is None:
            return default
        return RefundSplit(default.account, choice.card, choice.transfer,
                           amount - default.account - choice.card - choice.transfer)

    def refresh(self) -> None:
        try:
            split = self.split()
        except DomainError as exc:
            self.summary.setText(exc.message)
            return
        self.summary.setText(describe(split))


def describe(split: RefundSplit) -> str:
    """Where a refund's money goes, in Spanish: "$10.00 a la cuenta del cliente y entrega
    $5.00 en efectivo"."""
    parts = [f"{format_mxn(split.account)} a la cuenta del cliente" if split.account else "",
             f"{format_mxn(split.card)} a tarjeta" if split.card else "",
             f"{format_mxn(split.transfer)} por transferencia" if split.transfer else "",
             f"entrega {format_mxn(split.cash)} en efectivo" if split.cash > 0 else ""]
    said = [p for p in parts if p]
    if split.cash < 0:
        return "A tarjeta y transferencia va más de lo que se devuelve."
    if not said:
        return "Nada que devolver todavía."
    return ", ".join(said[:-1]) + (" y " if len(said) > 1 else "") + said[-1]

"""A customer's fiscal data as the till asks for it (RFC, name, postal code, regime, uso),
checked with the same rules as the server's (``shared.fiscal``): the counter's "Facturar" and
the back room's cancellation with motive 01 (the replacement's receptor) both use this one."""

from __future__ import annotations

from pos_client.ui.qt import QComboBox, QFormLayout, QLineEdit, QWidget
from shared.fiscal import REGIMES, USOS, Receptor, check_receptor


class ReceptorForm(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rfc = self._field("RFC", 14)
        self.name = self._field("Nombre o razón social (sin «S.A. de C.V.»)", 300)
        self.postal_code = self._field("Código postal del domicilio fiscal", 5)
        self.regime = QComboBox()
        self.regime.addItem("Elige el régimen…", "")
        for r in REGIMES.values():
            self.regime.addItem(f"{r.code} · {r.name}", r.code)
        self.uso = QComboBox()
        for u in USOS.values():
            self.uso.addItem(f"{u.code} · {u.name}", u.code)
        self.uso.setCurrentIndex(self.uso.findData("G03"))
        for combo, name in ((self.regime, "Régimen fiscal"), (self.uso, "Uso del CFDI")):
            combo.setMinimumHeight(44)
            combo.setAccessibleName(name)
        self.rows = QFormLayout(self)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.addRow("RFC", self.rfc)
        self.rows.addRow("Nombre", self.name)
        self.rows.addRow("Código postal", self.postal_code)
        self.rows.addRow("Régimen", self.regime)
        self.rows.addRow("Uso", self.uso)

    def _field(self, name: str, length: int) -> QLineEdit:
        field = QLineEdit()
        field.setMinimumHeight(44)
        field.setMaxLength(length)
        field.setAccessibleName(name)
        return field

    def fields(self) -> tuple[QLineEdit, ...]:
        return self.rfc, self.name, self.postal_code

    def receptor(self) -> Receptor:
        """What was typed, checked (a Spanish refusal if anything is wrong)."""
        return check_receptor(self.rfc.text(), self.name.text(), self.postal_code.text(),
                              str(self.regime.currentData() or ""), str(self.uso.currentData()))

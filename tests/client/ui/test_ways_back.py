"""Issue 12: every secondary dialog has a visible way back that does what Esc does."""

from __future__ import annotations

from pos_client.ui.auth import PinDialog
from pos_client.ui.context import AppContext
from pos_client.ui.qt import QDialog, QPushButton, Qt, QWidget
from pos_client.ui.weight_dialog import WeightDialog
from shared.permissions import Permission


def _way_back(dialog: QDialog) -> QPushButton:
    found = [b for b in dialog.findChildren(QPushButton) if b.text().endswith("(Esc)")]
    assert len(found) == 1, [b.text() for b in dialog.findChildren(QPushButton)]
    return found[0]


def _tapped_back(qtbot, dialog: QDialog) -> None:  # type: ignore[no-untyped-def]
    qtbot.addWidget(dialog)
    dialog.open()
    back = _way_back(dialog)
    assert back.isVisible()
    qtbot.mouseClick(back, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_an_approval_pin_can_be_given_up_with_a_tap(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    _tapped_back(qtbot, PinDialog(ctx, "Autorización", "NIP del dueño", Permission.DISCOUNT))


def test_the_log_in_pin_has_no_way_around_it(qtbot, ctx: AppContext) -> None:  # type: ignore[no-untyped-def]
    dialog = PinDialog(ctx, "Entrar a la caja", "Escribe tu NIP para empezar.")
    qtbot.addWidget(dialog)
    assert dialog.cancel_button is None


def test_a_weight_can_be_given_up_with_a_tap_and_esc_does_the_same(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    _tapped_back(qtbot, WeightDialog("Frijol a granel", 3800, parent))
    dialog = WeightDialog("Frijol a granel", 3800, parent)
    dialog.open()
    qtbot.keyClick(dialog.weight, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected
    assert not dialog.isVisible()
    dialog = WeightDialog("Frijol a granel", 3800, parent)
    dialog.open()
    dialog.weight.setText("0.250")
    qtbot.keyClick(dialog.weight, Qt.Key.Key_Return)  # Enter stays the field's: it adds
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.qty_milli == 250

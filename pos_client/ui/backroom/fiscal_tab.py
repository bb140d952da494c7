"""Cuenta en línea → Datos fiscales (owner): the shop's RFC, name, regime, postal code of issue
and series; the factura global's periodicity, the customers' invoicing window and how cards
are invoiced; the CSD (.cer, .key and password) sent to the server, which keeps it sealed; and
the PAC account that stamps (the provider the server supports, its user and password, sealed
there too). The CSD is never shown back: only its number, RFC and validity, with the server's
warnings (near its end, expired, another RFC); the PAC's user is masked, its password never
shown. Everything is checked here with ``shared.fiscal``'s rules before it is sent; the server
checks again (and the postal code against SAT's catalog).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from pos_client.sync.fiscal_setup import FiscalSetup, read_csd_file
from pos_client.ui.qt import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from pos_client.ui.widgets import button, say
from shared.errors import DomainError
from shared.fiscal import (
    REGIMES,
    check_name,
    check_postal_code,
    check_regime,
    check_rfc,
    check_series,
    check_window_days,
)
from shared.sync.invoices import CfdiSetup

if TYPE_CHECKING:
    from pos_client.ui.backroom.account_tabs import AccountView

PERIODICITIES = {"diaria": "Diaria", "semanal": "Semanal", "mensual": "Mensual"}
# The PACs the server stamps with (PUT /v1/cfdi/pac: Finkok, its test or production service).
# Keyed "provider environment" (a combo box finds str data, not tuples).
PACS = {"finkok test": "Finkok — pruebas (demo-facturacion.finkok.com)",
        "finkok production": "Finkok — producción"}
CARD_FORMAS = {"04": "04 Tarjeta de crédito", "28": "28 Tarjeta de débito"}


class FiscalTab(QWidget):
    def __init__(self, view: AccountView) -> None:
        super().__init__()
        self.view = view
        # Asks for a file; tests replace it (a file dialog cannot be driven offscreen).
        self.pick_file: Callable[[str, str], str] = lambda title, pattern: QFileDialog.getOpenFileName(
            self, title, "", pattern)[0]
        self.setup: CfdiSetup | None = None
        self.state = QLabel("Cargando…")
        self.state.setWordWrap(True)
        self.warnings = QLabel("")
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #8a1c1c;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.state)
        layout.addWidget(self.warnings)
        layout.addWidget(self._profile_box())
        layout.addWidget(self._preferences_box())
        layout.addWidget(self._csd_box())
        layout.addWidget(self._pac_box())
        layout.addStretch(1)

    def _profile_box(self) -> QGroupBox:
        box = QGroupBox("Datos fiscales de la tienda")
        self.rfc, self.name, self.postal_code = QLineEdit(), QLineEdit(), QLineEdit()
        self.postal_code.setMaxLength(5)
        self.series = QLineEdit("F")
        self.regime = QComboBox()
        for code, regime in REGIMES.items():
            self.regime.addItem(f"{code} {regime.name}", code)
        form = QFormLayout(box)
        form.addRow("RFC", self.rfc)
        form.addRow("Nombre o razón social", self.name)
        form.addRow("Régimen fiscal", self.regime)
        form.addRow("Código postal del lugar de expedición", self.postal_code)
        form.addRow("Serie de las facturas", self.series)
        self.save_profile_button = button("Guardar datos fiscales", self.save_profile)
        form.addRow(self.save_profile_button)
        return box

    def _preferences_box(self) -> QGroupBox:
        box = QGroupBox("Facturación")
        self.periodicity, self.card_forma = QComboBox(), QComboBox()
        for value, label in PERIODICITIES.items():
            self.periodicity.addItem(label, value)
        for value, label in CARD_FORMAS.items():
            self.card_forma.addItem(label, value)
        self.window_days = QSpinBox()
        self.window_days.setRange(0, 365)
        self.window_days.setSpecialValueText("Hasta el fin del mes de la venta")
        form = QFormLayout(box)
        form.addRow("Factura global", self.periodicity)
        form.addRow("Plazo para que el cliente facture (días)", self.window_days)
        form.addRow("Las tarjetas se facturan como", self.card_forma)
        self.save_preferences_button = button("Guardar preferencias", self.save_preferences)
        form.addRow(self.save_preferences_button)
        return box

    def _csd_box(self) -> QGroupBox:
        box = QGroupBox("Certificado de sello digital (CSD)")
        self.csd_state = QLabel("Sin CSD.")
        self.csd_state.setWordWrap(True)
        self.cer_path, self.key_path = QLabel("Ninguno elegido"), QLabel("Ninguno elegido")
        self.csd_password = QLineEdit()
        self.csd_password.setEchoMode(QLineEdit.EchoMode.Password)
        cer_row, key_row = QHBoxLayout(), QHBoxLayout()
        cer_row.addWidget(self.cer_path, 1)
        cer_row.addWidget(button("Elegir .cer", lambda: self._choose(self.cer_path, "*.cer"),
                                 height=36))
        key_row.addWidget(self.key_path, 1)
        key_row.addWidget(button("Elegir .key", lambda: self._choose(self.key_path, "*.key"),
                                 height=36))
        form = QFormLayout(box)
        form.addRow(self.csd_state)
        form.addRow("Certificado (.cer)", cer_row)
        form.addRow("Llave privada (.key)", key_row)
        form.addRow("Contraseña de la llave", self.csd_password)
        self.send_csd_button = button("Enviar CSD al servidor", self.send_csd)
        form.addRow(self.send_csd_button)
        return box

    def _pac_box(self) -> QGroupBox:
        box = QGroupBox("Proveedor de certificación (PAC)")
        self.pac_state = QLabel("Sin PAC.")
        self.pac_state.setWordWrap(True)
        self.pac = QComboBox()
        for value, label in PACS.items():
            self.pac.addItem(label, value)
        self.pac_user, self.pac_password = QLineEdit(), QLineEdit()
        self.pac_password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout(box)
        form.addRow(self.pac_state)
        form.addRow("PAC", self.pac)
        form.addRow("Usuario", self.pac_user)
        form.addRow("Contraseña", self.pac_password)
        self.save_pac_button = button("Guardar cuenta del PAC", self.save_pac)
        form.addRow(self.save_pac_button)
        return box

    # ---- showing --------------------------------------------------------------------------

    def load(self) -> None:
        self.view.call(lambda a: FiscalSetup(a).load(), self.show_setup)

    def show_setup(self, setup: CfdiSetup) -> None:
        self.setup = setup
        p = setup.profile
        if p:
            self.rfc.setText(p["rfc"])
            self.name.setText(p["name"])
            self.postal_code.setText(p["postal_code"])
            self.series.setText(p["series"])
            self.regime.setCurrentIndex(max(self.regime.findData(p["regime"]), 0))
            self.state.setText(f"La tienda factura como {p['rfc']} ({p['name']}).")
        else:
            self.state.setText("La tienda todavía no factura: captura sus datos fiscales y "
                               "después sube su CSD.")
        prefs = setup.preferences
        self.periodicity.setCurrentIndex(max(self.periodicity.findData(prefs.get("periodicity")), 0))
        self.card_forma.setCurrentIndex(max(self.card_forma.findData(prefs.get("card_forma")), 0))
        days = prefs.get("window_days")
        self.window_days.setValue(days if isinstance(days, int) else 0)
        self.csd_state.setText(csd_text(setup.csd, self.view.local))
        self.pac_state.setText(pac_text(setup.pac))
        if setup.pac:
            settings, _ = pac_parts(setup.pac)
            chosen = f"{settings.get('provider', 'finkok')} {settings.get('environment', 'test')}"
            self.pac.setCurrentIndex(max(self.pac.findData(chosen), 0))
        self.warnings.setText("\n".join(setup.warnings))

    # ---- saving ---------------------------------------------------------------------------

    def save_profile(self) -> None:
        try:
            rfc = check_rfc(self.rfc.text())
            name = check_name(self.name.text())
            regime = check_regime(str(self.regime.currentData()), rfc).code
            postal_code = check_postal_code(self.postal_code.text())
            series = check_series(self.series.text())
        except DomainError as exc:
            say(self.view.message, exc.message)
            return
        self._send(lambda s: s.save_profile(rfc, name, regime, postal_code, series),
                   "Datos fiscales guardados.")

    def save_preferences(self) -> None:
        days = self.window_days.value() or None
        try:
            check_window_days(days)
        except DomainError as exc:
            say(self.view.message, exc.message)
            return
        periodicity, card = str(self.periodicity.currentData()), str(self.card_forma.currentData())
        self._send(lambda s: s.save_preferences(periodicity, days, card),
                   "Preferencias de facturación guardadas.")

    def send_csd(self) -> None:
        cer, key, password = self.cer_path.toolTip(), self.key_path.toolTip(), self.csd_password.text()
        if self.setup is None or self.setup.profile is None:
            say(self.view.message, "Primero guarda los datos fiscales de la tienda.")
            return
        if not (cer and key):
            say(self.view.message, "Elige los dos archivos del CSD: el certificado (.cer) y la "
                                   "llave privada (.key).")
            return
        if not password:
            say(self.view.message, "Escribe la contraseña de la llave privada del CSD.")
            return
        try:
            certificate = read_csd_file(cer, "certificado")
            private_key = read_csd_file(key, "archivo de llave")
        except DomainError as exc:
            say(self.view.message, exc.message)
            return
        self.csd_password.clear()  # never kept on screen once sent
        self._send(lambda s: s.save_csd(certificate, private_key, password),
                   "CSD guardado en el servidor, cifrado. Aquí solo se muestran su número y su "
                   "vigencia.")

    def save_pac(self) -> None:
        """The PAC account. A blank user or password keeps the one the server has (the owner
        switching to production does not retype them); the first time both are needed."""
        provider, environment = str(self.pac.currentData()).split()
        user, password = self.pac_user.text().strip(), self.pac_password.text()
        stored = pac_parts(self.setup.pac)[1] if self.setup and self.setup.pac else {}
        if not (user or "username" in stored) or not (password or "password" in stored):
            say(self.view.message, "Escribe el usuario y la contraseña de tu cuenta del PAC.")
            return
        self.pac_password.clear()  # never kept on screen once sent
        self.pac_user.clear()
        production = environment == "production"
        self._send(lambda s: s.save_pac(provider, production, user or None, password or None),
                   "Cuenta del PAC guardada en el servidor, cifrada.")

    def _choose(self, label: QLabel, pattern: str) -> None:
        path = self.pick_file("Archivo del CSD", f"CSD ({pattern})")
        if path:
            label.setText(path.rsplit("/", 1)[-1])
            label.setToolTip(path)

    def _send(self, call: Callable[[FiscalSetup], CfdiSetup], done: str) -> None:
        def saved(setup: CfdiSetup) -> None:
            self.show_setup(setup)
            self.view.done(done)

        self.view.call(lambda a: call(FiscalSetup(a)), saved)


def csd_text(csd: dict[str, str] | None, local: Callable[[datetime | None], str]) -> str:
    """The CSD as it may be shown: whose, its number, until when; never the files."""
    if not csd:
        return "Sin CSD: sube el certificado y la llave que te dio el SAT."
    until = datetime.fromisoformat(csd["valid_until"])
    return (f"CSD núm. {csd['number']} del RFC {csd['rfc']}, vigente hasta "
            f"{local(until)}. El certificado, la llave y su contraseña se guardan cifrados en el "
            "servidor y no se muestran.")


def pac_text(pac: dict[str, object] | None) -> str:
    """The PAC account as it may be shown: which service, the user masked, never the password."""
    if not pac:
        return "Sin PAC: sin él no se timbra ninguna factura. Captura tu cuenta del PAC."
    settings, secrets = pac_parts(pac)
    where = "producción" if settings.get("environment") == "production" else "pruebas"
    user = f"usuario {secrets['username']}" if secrets.get("username") else "sin usuario"
    password = "contraseña guardada" if secrets.get("password") else "sin contraseña"
    return (f"{str(settings.get('provider', 'finkok')).capitalize()} ({where}): {user}, "
            f"{password}. Se guardan cifrados en el servidor y no se muestran.")


def pac_parts(pac: dict[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    """The PAC's settings and its masked secrets, as the server's set-up answer has them."""
    settings, secrets = pac.get("settings"), pac.get("secrets")
    return (settings if isinstance(settings, dict) else {},
            secrets if isinstance(secrets, dict) else {})

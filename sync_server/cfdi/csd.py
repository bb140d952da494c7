"""A shop's CSD (certificado de sello digital): opened with its password, checked, described.

The owner uploads SAT's two files (``.cer`` DER certificate, ``.key`` DER PKCS#8 encrypted) and
the key's password. Everything that can be wrong with them is refused here in Spanish, before
any invoice is signed: a FIEL instead of a CSD, a key of another certificate, a wrong
password, an expired certificate, one issued to another RFC.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from satcfdi.models import Signer

from shared.errors import DomainError

EXPIRY_WARNING = timedelta(days=30)


class CsdInvalid(DomainError):
    """``code``: ``csd_unreadable``, ``csd_wrong_password``, ``csd_key_mismatch``,
    ``csd_is_fiel``, ``csd_expired``, ``csd_rfc_mismatch``, ``csd_missing``."""

    code = "csd_invalid"


@dataclass(frozen=True)
class CsdInfo:
    """What may be shown of a CSD (nothing secret): whose it is and until when it signs."""

    rfc: str
    legal_name: str
    number: str  # NoCertificado
    valid_from: datetime
    valid_until: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.valid_until

    def refusal(self, rfc: str, now: datetime) -> CsdInvalid | None:
        """Why this certificate cannot sign for ``rfc`` at ``now``, or None if it can."""
        if self.rfc != rfc:
            return CsdInvalid(f"El certificado es del RFC {self.rfc}, no del RFC de la tienda "
                              f"({rfc}).", code="csd_rfc_mismatch")
        if self.expired(now):
            return CsdInvalid(f"El certificado venció el {self.valid_until:%d/%m/%Y}.",
                              code="csd_expired")
        if now < self.valid_from:
            return CsdInvalid("El certificado todavía no es válido.", code="csd_expired")
        return None

    def warning(self, now: datetime) -> str | None:
        """A Spanish warning when the certificate is expired or expires within 30 days."""
        if self.expired(now):
            return ("Tu certificado de sello digital (CSD) venció el "
                    f"{self.valid_until:%d/%m/%Y}: no se pueden emitir facturas hasta que "
                    "subas uno nuevo.")
        left = self.valid_until - now
        if left <= EXPIRY_WARNING:
            days = max(1, left.days)
            return (f"Tu certificado de sello digital (CSD) vence en {days} "
                    f"día{'s' if days != 1 else ''} ({self.valid_until:%d/%m/%Y}). Tramita "
                    "uno nuevo en el SAT y súbelo antes de esa fecha.")
        return None

    def as_settings(self) -> dict[str, str]:
        return {"rfc": self.rfc, "legal_name": self.legal_name, "number": self.number,
                "valid_from": self.valid_from.isoformat(),
                "valid_until": self.valid_until.isoformat()}

    @classmethod
    def from_settings(cls, data: dict[str, str]) -> CsdInfo:
        return cls(data["rfc"], data["legal_name"], data["number"],
                   datetime.fromisoformat(data["valid_from"]),
                   datetime.fromisoformat(data["valid_until"]))


def open_csd(certificate: bytes, key: bytes, password: str) -> Signer:
    """The signer of a CSD, or a Spanish refusal of what is wrong with the files."""
    try:
        cert = x509.load_der_x509_certificate(certificate)
    except ValueError:
        raise CsdInvalid("El archivo .cer no es un certificado del SAT (se espera el archivo "
                         ".cer tal como lo entrega el SAT).", code="csd_unreadable") from None
    if len(cert.extensions) != 2:  # SAT's CSDs carry two extensions, a FIEL four
        raise CsdInvalid("Ese certificado es una e.firma (FIEL), no un certificado de sello "
                         "digital (CSD). Tramita tu CSD en el SAT.", code="csd_is_fiel")
    try:
        signer = Signer.load(certificate=certificate, key=key, password=password)
    except (TypeError, ValueError) as exc:
        wrong = "password" in str(exc).lower() or "decrypt" in str(exc).lower()
        if wrong:
            raise CsdInvalid("La contraseña de la llave privada no es correcta.",
                             code="csd_wrong_password") from None
        raise CsdInvalid("El archivo .key no es una llave privada del SAT.",
                         code="csd_unreadable") from None
    except Exception as exc:  # satcfdi's CFDIError: the key belongs to another certificate
        if "does not match" in str(exc):
            raise CsdInvalid("La llave privada (.key) no corresponde a ese certificado (.cer).",
                             code="csd_key_mismatch") from None
        raise CsdInvalid("No se pudo leer el certificado de sello digital.",
                         code="csd_unreadable") from None
    if not signer.rfc:
        raise CsdInvalid("El certificado no dice a qué RFC pertenece.", code="csd_unreadable")
    return signer


def describe(signer: Signer) -> CsdInfo:
    cert = x509.load_der_x509_certificate(signer.certificate_bytes())
    return CsdInfo(str(signer.rfc), signer.legal_name or "", signer.certificate_number,
                   cert.not_valid_before_utc, cert.not_valid_after_utc)


def check_for(signer: Signer, rfc: str, now: datetime | None = None) -> CsdInfo:
    """The CSD's description once it is known to sign for ``rfc`` today."""
    info = describe(signer)
    if (problem := info.refusal(rfc, now or datetime.now(UTC))) is not None:
        raise problem
    return info


def encode(data: bytes) -> str:
    """Binary files as text, for the sealed secrets (JSON)."""
    return base64.b64encode(data).decode()


def decode(text: str) -> bytes:
    return base64.b64decode(text.encode())

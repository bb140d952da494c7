"""Self-made certificates shaped like SAT's, for tests and the demo: a shop's CSD and the fake
PAC's own certificate. Made when asked (never committed); a real PAC refuses them, since SAT
did not issue them.

``python -m tests.support.fakes.csd DIR`` writes ``csd.cer``, ``csd.key`` and ``csd.txt`` (the
password) into DIR.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier

TEST_RFC = "EKU9003173C9"  # SAT's own test RFC (persona moral)
TEST_NAME = "ESCUELA KEMPER URGATE"
TEST_PASSWORD = "12345678a"
PAC_RFC = "SPR190613I52"
_X500_UNIQUE_ID = ObjectIdentifier("2.5.4.45")  # SAT puts "RFC / RFC del representante" here


@dataclass(frozen=True)
class MadeCsd:
    certificate: bytes  # DER, as SAT hands out the .cer
    key: bytes  # DER PKCS#8 encrypted with ``password``, as SAT hands out the .key
    password: str
    rfc: str
    name: str


def make_csd(rfc: str = TEST_RFC, name: str = TEST_NAME, password: str = TEST_PASSWORD, *,
             number: str = "30001000000500003416", days: int = 4 * 365,
             valid_from: dt.datetime | None = None, bits: int = 2048) -> MadeCsd:
    """A CSD satcfdi reads like SAT's: RFC in x500UniqueIdentifier, the 20-digit certificate
    number as the serial's ASCII, exactly two extensions (a FIEL has four)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    start = valid_from or dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "MX"),
        x509.NameAttribute(_X500_UNIQUE_ID, f"{rfc} / "),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, " / "),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Sucursal de pruebas"),
    ])
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AC DE PRUEBAS MICHANGARRITO")])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(key.public_key()).serial_number(int.from_bytes(number.encode(), "big"))
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=False, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return MadeCsd(
        cert.public_bytes(serialization.Encoding.DER),
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                          serialization.BestAvailableEncryption(password.encode())),
        password, rfc, name)


def make_pac_certificate() -> tuple[bytes, bytes]:
    """(certificate DER, unencrypted PKCS#8 key DER) for the fake PAC's TimbreFiscalDigital:
    satcfdi reads the PAC's RFC from OU ("PAC" + RFC)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PAC DE PRUEBAS"),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "PAC" + PAC_RFC)])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(int.from_bytes(b"30001000000500003456", "big"))
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.DER),
            key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


def main(argv: list[str]) -> None:
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    csd = make_csd()
    (out / "csd.cer").write_bytes(csd.certificate)
    (out / "csd.key").write_bytes(csd.key)
    (out / "csd.txt").write_text(csd.password)


if __name__ == "__main__":
    main(sys.argv[1:])

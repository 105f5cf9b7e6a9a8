"""The station's own small CA and certificate, and the Caddy configuration that serves it.

Waitress has no TLS, so Caddy terminates TLS in front of it and forwards to
waitress on loopback. Tablets started by the kiosk launcher pin the
certificate's SPKI hash; other tablets and staff phones install the CA.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import Flask

FOLDER = "tls"
CA_CERTIFICATE = "station-ca.crt"
CA_KEY = "station-ca.key"
CERTIFICATE = "station.crt"
KEY = "station.key"
CADDYFILE = "Caddyfile"
CA_YEARS = 5
CERTIFICATE_DAYS = 397  # what browsers accept for a server certificate


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Vallokal station")])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    path.chmod(0o600)


def subject_alternative_names(names: list[str]) -> list[x509.GeneralName]:
    alternatives: list[x509.GeneralName] = []
    for name in names:
        try:
            alternatives.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternatives.append(x509.DNSName(name))
    return alternatives


def make_certificates(data_dir: Path, names: list[str], now: datetime | None = None) -> Path:
    """A CA (kept if it exists) and a fresh server certificate for `names`, in DATA/tls."""
    now = now or datetime.now(timezone.utc)
    folder = data_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    ca_key_path, ca_path = folder / CA_KEY, folder / CA_CERTIFICATE
    if ca_key_path.exists() and ca_path.exists():
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), None)
        ca = x509.load_pem_x509_certificate(ca_path.read_bytes())
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = _name(f"Vallokal station CA ({names[0]})")
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=365 * CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .add_extension(x509.NameConstraints(permitted_subtrees=_permitted(names), excluded_subtrees=None), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        _write_key(ca_key, ca_key_path)
        ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(names[0]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=CERTIFICATE_DAYS))
        .add_extension(x509.SubjectAlternativeName(subject_alternative_names(names)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(key, folder / KEY)
    (folder / CERTIFICATE).write_bytes(certificate.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM))
    return folder


def _permitted(names: list[str]) -> list[x509.GeneralName]:
    """The CA can only ever vouch for the station's own names, so installing it trusts nothing else."""
    permitted: list[x509.GeneralName] = []
    for name in names:
        try:
            address = ipaddress.ip_address(name)
            permitted.append(x509.IPAddress(ipaddress.ip_network(f"{address}/{address.max_prefixlen}")))
        except ValueError:
            permitted.append(x509.DNSName(name))
    return permitted


def spki_hash(certificate: x509.Certificate) -> str:
    """What Chromium's --ignore-certificate-errors-spki-list takes: base64 of SHA-256 over the SubjectPublicKeyInfo."""
    spki = certificate.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode("ascii")


def fingerprint(certificate: x509.Certificate) -> str:
    digest = certificate.fingerprint(hashes.SHA256()).hex().upper()
    return ":".join(digest[index:index + 2] for index in range(0, len(digest), 2))


def load_certificate(data_dir: Path) -> x509.Certificate | None:
    path = data_dir / FOLDER / CERTIFICATE
    return x509.load_pem_x509_certificate(path.read_bytes()) if path.exists() else None


def fingerprint_for(app: Flask) -> str | None:
    """The CA's fingerprint, for tablets whose staff install the CA and want to compare it."""
    path = Path(app.instance_path) / FOLDER / CA_CERTIFICATE
    return fingerprint(x509.load_pem_x509_certificate(path.read_bytes())) if path.exists() else None


def caddyfile(folder: Path, names: list[str], https_port: int, upstream_port: int) -> str:
    """Caddy serving the station's certificate on `https_port`, forwarding to waitress on loopback."""
    sites = ", ".join(f"{name}:{https_port}" if ":" not in name else f"[{name}]:{https_port}" for name in names)
    return (
        "{\n"
        "\tauto_https disable_redirects\n"
        "\tadmin off\n"
        "\tskip_install_trust\n"
        "}\n\n"
        f"{sites} {{\n"
        f"\ttls {folder / CERTIFICATE} {folder / KEY}\n"
        "\tencode gzip\n"
        f"\treverse_proxy 127.0.0.1:{upstream_port} {{\n"
        "\t\theader_up X-Forwarded-Proto https\n"
        "\t}\n"
        "}\n"
    )

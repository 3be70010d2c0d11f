"""The lab's certificate authority: it plays the province's CA for the lab hosts' TLS (syslog to the SOC, web).

In production the province's CA issues the host certificates and they reach ``/etc/hatang/pki/`` out of band; the
host playbooks only use them. In the lab, ``lab up`` makes a fresh CA (kept in the lab's folder, key 0600) and gives
every host a certificate for its name, its services' names and its addresses.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 30
PKI_DIR = "/etc/hatang/pki"  # where hosts keep ca.crt, host.crt and host.key


@dataclass(frozen=True, slots=True)
class Issued:
    """A certificate and its private key, PEM."""

    cert: str
    key: str


def _key_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    """A CA signs certificates and CRLs; a host signs its TLS handshakes (ECDSA: digital signature)."""
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


class LabCA:
    """A CA made for one lab (ECDSA P-256, valid for a month)."""

    def __init__(self, lab: str) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"hatang lab {lab} CA")])
        now = dt.datetime.now(dt.UTC)
        self.name = name
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(cert_sign=True), critical=True)
            .sign(self.key, hashes.SHA256())
        )

    @property
    def cert_pem(self) -> str:
        """The CA certificate."""
        return _cert_pem(self.cert)

    @property
    def key_pem(self) -> str:
        """The CA's private key."""
        return _key_pem(self.key)

    def issue(self, common_name: str, dns: list[str], addresses: list[str]) -> Issued:
        """A server-and-client certificate for ``common_name`` with these DNS names and IP addresses."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        names: list[x509.GeneralName] = [x509.DNSName(d) for d in dict.fromkeys([common_name, *dns])]
        names += [x509.IPAddress(ipaddress.ip_address(a)) for a in dict.fromkeys(addresses)]
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(_usage(cert_sign=False), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )
        return Issued(_cert_pem(cert), _key_pem(key))

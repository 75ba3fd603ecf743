"""Ed25519 keys for the audit log's checkpoints (``services.ports.AuditKeys``).

With ``BLUEPOOL_AUDIT_SIGNING_KEY_FILE`` (a PEM private key, e.g. from
``openssl genpkey -algorithm ed25519``) checkpoints are signed with that key. Without one,
outside production, a development key is made on the first checkpoint and kept in the
database (``audit_keys``): good enough to try the workflow, worthless as evidence, since
whoever can rewrite the log can read that key too. In production, without a key file,
making a checkpoint is refused.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from bluepool.domain.shared.errors import Invalid
from bluepool.services.ports import UnitOfWork


class Ed25519Signer:
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self.public_key = key.public_key().public_bytes_raw().hex()

    def sign(self, message: bytes) -> str:
        return self._key.sign(message).hex()

    @classmethod
    def from_pem(cls, pem: bytes, where: str) -> Ed25519Signer:
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as exc:
            raise Invalid(f"{where}: not an unencrypted PEM private key ({exc})") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise Invalid(f"{where}: not an Ed25519 key", code="bad_signing_key")
        return cls(key)


def private_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


class Ed25519Keys:
    """The configured key file, else (``development``) a key kept in the database."""

    def __init__(self, key_file: Path | None, development: bool) -> None:
        self.key_file = key_file
        self.development = development
        self._signer: Ed25519Signer | None = None
        self._lock = threading.Lock()

    def signer(self, uow: UnitOfWork) -> Ed25519Signer:
        with self._lock:
            if self._signer is None:
                self._signer = self._load(uow, make=True)
            assert self._signer is not None
            return self._signer

    def known(self, uow: UnitOfWork) -> str | None:
        with self._lock:
            if self._signer is None:
                self._signer = self._load(uow, make=False)
            return self._signer.public_key if self._signer else None

    def _load(self, uow: UnitOfWork, make: bool) -> Ed25519Signer | None:
        if self.key_file is not None:
            try:
                pem = self.key_file.read_bytes()
            except OSError as exc:
                raise Invalid(
                    f"BLUEPOOL_AUDIT_SIGNING_KEY_FILE: cannot read {self.key_file} "
                    f"({exc.strerror})",
                    code="bad_signing_key",
                ) from None
            return Ed25519Signer.from_pem(pem, str(self.key_file))
        if not self.development:
            if not make:
                return None
            raise Invalid(
                "production signs audit checkpoints only with BLUEPOOL_AUDIT_SIGNING_KEY_FILE "
                "(an Ed25519 PEM key: openssl genpkey -algorithm ed25519 -out audit.pem)",
                code="no_signing_key",
            )
        kept = uow.audit.signing_key()
        if kept is not None:
            return Ed25519Signer.from_pem(kept.encode("ascii"), "the development signing key")
        if not make:
            return None
        key = Ed25519PrivateKey.generate()
        uow.audit.keep_signing_key(private_pem(key), datetime.now(UTC))
        return Ed25519Signer(key)

    def verify(self, public_key: str, message: bytes, signature: str) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(
                bytes.fromhex(signature), message
            )
        except (InvalidSignature, ValueError):
            return False
        return True

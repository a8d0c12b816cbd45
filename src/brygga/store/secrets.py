"""Connection credentials encrypted at rest (invariant 9), with Fernet.

The key comes from `BRYGGA_SECRET_KEY` (a Fernet key, for deployments that keep secrets in
the environment) or from `secret.key` in the Brygga home, made on first use and readable by
its owner only.
"""

from __future__ import annotations

import hmac
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

KEY_FILE = "secret.key"


class SecretKeyMismatch(Exception):
    """The stored secret was encrypted with another key: the key changed or was lost."""


class SecretBox:
    """Turns a credentials dict into an opaque token and back."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        try:
            self._fernet = Fernet(key)
        except ValueError as error:
            raise ValueError(
                "the secret key is not a Fernet key (32 url-safe base64-encoded bytes); "
                "make one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`"
            ) from error

    @classmethod
    def from_environment(cls, home: Path) -> SecretBox:
        """The box for this installation: `BRYGGA_SECRET_KEY`, else `home/secret.key`."""
        key = os.environ.get("BRYGGA_SECRET_KEY")
        if key:
            return cls(key.encode())
        return cls(_key_file(home / KEY_FILE))

    def derived_key(self, purpose: str) -> bytes:
        """A key for another purpose (e.g. signing session cookies) from this one, so one
        secret serves all and none of them reveals the others."""
        return hmac.digest(self._key, purpose.encode(), "sha256")

    def encrypt(self, data: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(data).encode()).decode()

    def decrypt(self, token: str) -> dict[str, Any]:
        try:
            plain = self._fernet.decrypt(token.encode())
        except InvalidToken:
            raise SecretKeyMismatch(
                "stored credentials cannot be decrypted with this secret key; restore the "
                f"original BRYGGA_SECRET_KEY or {KEY_FILE}, or enter the credentials again"
            ) from None
        return json.loads(plain)


def _key_file(path: Path) -> bytes:
    """Read the key file, creating it first if there is none.

    A new key is written to a private temporary file (mkstemp opens it 0600) and then hard-linked
    into place, so the key is never readable by others and a concurrent reader never sees a
    half-written file; if another process links first, its key wins.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(Fernet.generate_key())
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise PermissionError(
            f"{path} is open to other users (mode {mode:o}); run `chmod 600 {path}`"
        )
    return path.read_bytes().strip()

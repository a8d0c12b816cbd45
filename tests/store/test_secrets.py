"""SecretBox: credentials encrypted with a key from the environment or a private key file."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from brygga.store import SecretBox, SecretKeyMismatch

CREDENTIALS = {"client_secret": "hunter2-very-secret", "scopes": ["orders"], "expires": 3600}


@pytest.fixture(autouse=True)
def no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BRYGGA_SECRET_KEY", raising=False)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """Even with a umask that hides nothing, the key file must be private."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_round_trip_without_plaintext():
    box = SecretBox(Fernet.generate_key())
    token = box.encrypt(CREDENTIALS)
    assert "hunter2" not in token
    assert box.decrypt(token) == CREDENTIALS


def test_wrong_key_is_a_clear_error():
    token = SecretBox(Fernet.generate_key()).encrypt(CREDENTIALS)
    with pytest.raises(SecretKeyMismatch, match="cannot be decrypted with this secret key"):
        SecretBox(Fernet.generate_key()).decrypt(token)


def test_key_file_is_created_private_and_reused(tmp_path: Path, open_umask: None):
    home = tmp_path / "home"
    token = SecretBox.from_environment(home).encrypt(CREDENTIALS)
    key_file = home / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_bytes()

    assert SecretBox.from_environment(home).decrypt(token) == CREDENTIALS
    assert key_file.read_bytes() == key
    assert [path.name for path in home.iterdir()] == ["secret.key"]  # no temporary left behind


def test_environment_key_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    SecretBox.from_environment(tmp_path)  # a key file exists, but is not the one used
    key = Fernet.generate_key()
    monkeypatch.setenv("BRYGGA_SECRET_KEY", key.decode())
    token = SecretBox.from_environment(tmp_path).encrypt(CREDENTIALS)
    assert SecretBox(key).decrypt(token) == CREDENTIALS


def test_key_file_open_to_others_is_refused(tmp_path: Path):
    SecretBox.from_environment(tmp_path)
    (tmp_path / "secret.key").chmod(0o640)
    with pytest.raises(PermissionError, match="chmod 600"):
        SecretBox.from_environment(tmp_path)


def test_malformed_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("BRYGGA_SECRET_KEY", "not-a-key")
    with pytest.raises(ValueError, match="not a Fernet key"):
        SecretBox.from_environment(tmp_path)

"""`brygga token create|revoke` as a user runs them: a token shown once, stored as a hash."""

import os
import subprocess
import sys

from brygga.store import ApiToken, Database, api_tokens


def brygga(home, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "brygga", "token", *args, "--home", str(home)]
    env = os.environ | {"BRYGGA_DATABASE_URL": ""}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)


def test_a_token_is_created_once_checked_by_its_hash_and_revoked(tmp_path):
    created = brygga(tmp_path, "create", "ops-scripts")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("brg_") and len(token) > 40

    again = brygga(tmp_path, "create", "ops-scripts")
    assert again.returncode == 2 and "exists" in again.stderr

    db = Database(f"sqlite:///{tmp_path / 'brygga.db'}")
    try:
        with db.session() as session:
            (row,) = session.query(ApiToken).all()
            assert token not in (row.token_hash, row.name)  # only the hash is kept
            assert api_tokens.check(session, token).name == "ops-scripts"
            assert api_tokens.check(session, token + "x") is None
        assert brygga(tmp_path, "revoke", "ops-scripts").returncode == 0
        with db.session() as session:
            assert api_tokens.check(session, token) is None
        assert brygga(tmp_path, "revoke", "nobody").returncode == 2
    finally:
        db.dispose()

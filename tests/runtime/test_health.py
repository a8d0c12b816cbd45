"""/healthz, /readyz and /metrics of the app served on loopback: readiness names what is not
ready (an unmigrated database, a runtime that is not going round) without details, and
/metrics answers only the holder of the metrics token (off without one)."""

import httpx

from brygga.runtime.local import LocalRuntime
from brygga.store import Database, SecretBox
from brygga.web.app import create_app
from tests.support.servers import serving


def test_a_migrated_database_is_ready(db, tmp_path):
    with serving(create_app(db, SecretBox.from_environment(tmp_path))) as url:
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
        ready = httpx.get(f"{url}/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok"}}


def test_an_unmigrated_database_or_a_runtime_not_going_round_is_not_ready(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    box = SecretBox.from_environment(tmp_path)
    app = create_app(db, box)
    app.state.runtime = LocalRuntime(db, box)  # made, never started
    try:
        with serving(app) as url:
            answer = httpx.get(f"{url}/readyz")
    finally:
        db.dispose()
    assert answer.status_code == 503
    assert answer.json() == {
        "status": "not ready",
        "checks": {"database": "not migrated", "runtime": "not running"},
    }


def test_an_unreachable_database_is_named_without_its_address(tmp_path):
    url = "postgresql+psycopg://brygga:hunter2@127.0.0.1:9/brygga?connect_timeout=2"
    db = Database(url)
    with serving(create_app(db, SecretBox.from_environment(tmp_path))) as served:
        answer = httpx.get(f"{served}/readyz", timeout=30)
    db.dispose()
    assert answer.status_code == 503
    assert answer.json()["checks"] == {"database": "unreachable"}
    assert "hunter2" not in answer.text and "127.0.0.1" not in answer.text


def scrape(db, tmp_path, *tokens: str | None) -> list[httpx.Response]:
    """/metrics without a token (None) or with each token given."""
    with serving(create_app(db, SecretBox.from_environment(tmp_path))) as url:
        return [
            httpx.get(
                f"{url}/metrics", headers={"Authorization": f"Bearer {token}"} if token else {}
            )
            for token in tokens
        ]


def test_metrics_are_off_without_a_token_set(db, tmp_path, monkeypatch):
    monkeypatch.delenv("BRYGGA_METRICS_TOKEN", raising=False)
    bare, guessed = scrape(db, tmp_path, None, "guess")
    assert bare.status_code == guessed.status_code == 404
    assert "set BRYGGA_METRICS_TOKEN" in bare.json()["detail"]


def test_metrics_answer_the_holder_of_the_token(db, tmp_path, monkeypatch):
    token = "s3cret-metrics-token"
    monkeypatch.setenv("BRYGGA_METRICS_TOKEN", token)
    bare, guessed, right = scrape(db, tmp_path, None, "guess", token)
    assert (bare.status_code, guessed.status_code, right.status_code) == (401, 401, 200)
    assert token not in bare.text + guessed.text
    assert right.headers["content-type"].startswith("text/plain")
    assert "# TYPE brygga_records_total counter" in right.text
    assert "# TYPE brygga_run_duration_seconds histogram" in right.text

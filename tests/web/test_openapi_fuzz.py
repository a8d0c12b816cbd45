"""The REST API's own OpenAPI document, fuzzed with schemathesis (bounded): whatever a script
sends to any operation, Brygga answers with a status it can explain, never a 500.

The API runs on loopback against a Centra + Fortnox integration on real sandboxes, with an
owner's token, so operations that write (run now, retry, settings) really run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from brygga.engine.integrations import sync
from brygga.store import api_tokens
from brygga.store.workspaces import DEFAULT_WORKSPACE, OWNER
from brygga.web.app import create_app
from tests.support.integrations import sandbox_integration
from tests.support.servers import serving

NAME = "fuzzed"
EXAMPLES = 12  # per operation: bounded, and the same cases every run (derandomized)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The API's base URL and an owner's token."""
    with sandbox_integration(tmp_path_factory, "centra", "fortnox", "--orders", "6") as sandboxes:
        sandboxes.configure(NAME, "centra-fortnox", {})
        asyncio.run(sync(sandboxes.db, sandboxes.box, NAME, flows=["customers", "orders"]))
        with sandboxes.db.session() as session:
            token = api_tokens.issue(session, "fuzzer", workspace=DEFAULT_WORKSPACE, role=OWNER)
        with serving(create_app(sandboxes.db, sandboxes.box)) as url:
            yield url, token


def test_no_operation_answers_500(api: tuple[str, str]) -> None:
    url, token = api
    schema = schemathesis.openapi.from_url(f"{url}/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    headers = {"Authorization": f"Bearer {token}"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_without_a_server_error(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error], timeout=60)

        answers_without_a_server_error()

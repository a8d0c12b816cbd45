"""The standard tests every connector passes, against its own sandbox over real HTTP (in the
spirit of singer-sdk's standard tap tests). Each system describes itself in
`tests/connectors/cases/<system>.py`; adding a system to the registry without a case fails
here."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from brygga.connectors import registry
from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.engine.protocols import NO_SETTINGS, Fetches, SourceRecord
from tests.connectors.cases import ConnectorCase
from tests.support.processes import SandboxProcess, start_sandbox

CASES = [
    importlib.import_module(f"tests.connectors.cases.{system}").CASE for system in registry.SYSTEMS
]


@pytest.fixture(scope="module", params=CASES, ids=lambda case: case.system)
def case(request: pytest.FixtureRequest) -> ConnectorCase:
    return request.param


@pytest.fixture(scope="module")
def sandbox(
    case: ConnectorCase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SandboxProcess]:
    process = start_sandbox(case.system, tmp_path_factory.mktemp(case.system), "--no-rate-limit")
    yield process
    process.stop()


@pytest.fixture
async def client(case: ConnectorCase, sandbox: SandboxProcess) -> AsyncIterator[Any]:
    opened = case.open_client(sandbox)
    yield opened
    await opened.aclose()


def tag() -> str:
    return uuid.uuid4().hex[:8]


async def read(
    case: ConnectorCase, client: Any, since: datetime | None, until: datetime
) -> list[SourceRecord]:
    stream = registry.stream(case.system, case.stream_entity, client, NO_SETTINGS)
    return [record async for page in stream.pages(since, until) for record in page]


async def test_reads_a_closed_range_since_a_cursor(case: ConnectorCase, client: Any) -> None:
    stream = registry.stream(case.system, case.stream_entity, client, NO_SETTINGS)
    assert stream.replication_key is not None
    until = datetime.now(UTC)
    everything = await read(case, client, None, until)
    assert len(everything) >= 3, "the sandbox seeds records to read"
    assert all(record.record is not None for record in everything), [
        record.error for record in everything if record.error
    ][:3]
    positions = sorted(record.position for record in everything if record.position)
    assert len(positions) == len(everything), "every record carries its replication key"
    boundary = positions[len(positions) // 2]

    later = await read(case, client, boundary, until)
    earlier = await read(case, client, None, boundary)

    # Both ends are closed: the boundary record is in both halves.
    assert {r.source_id for r in later} == {
        r.source_id for r in everything if r.position >= boundary
    }
    assert {r.source_id for r in earlier} == {
        r.source_id for r in everything if r.position <= boundary
    }


async def test_a_stream_that_fetches_by_id_gives_exactly_the_records_asked_for(
    case: ConnectorCase, client: Any
) -> None:
    fetching = [
        entity
        for entity in registry.system(case.system).streams
        if isinstance(registry.stream(case.system, entity, client, NO_SETTINGS), Fetches)
    ]
    for entity in fetching:
        stream = registry.stream(case.system, entity, client, NO_SETTINGS)
        everything = [r async for page in stream.pages(None, datetime.now(UTC)) for r in page]
        chosen = {record.source_id: record for record in everything[1:4]}
        assert chosen, f"the {case.system} sandbox seeds {entity} records to fetch"
        unknown = "987654321"  # an id of the right shape that no record has
        fetched = await stream.fetch([*chosen, unknown])
        assert sorted(r.source_id for r in fetched) == sorted(chosen), entity
        for record in fetched:
            assert record.record == chosen[record.source_id].record, (entity, record.source_id)
    if case.system in ("centra", "magento"):  # the shops' order streams fetch by id
        assert "order" in fetching


async def test_a_written_record_is_found_again_by_its_external_reference(
    case: ConnectorCase, client: Any
) -> None:
    writer = registry.writer(case.system, case.writer_entity, client, NO_SETTINGS)
    name = tag()
    record = case.sample(name)
    links = await case.links(client, name)

    written = await writer.create(record, links)
    found = await writer.find(record)
    assert found is not None and found.target_id == written.target_id

    updated = await writer.update(written.target_id, record, links)
    assert updated.target_id == written.target_id
    again = await writer.find(record)
    assert again is not None and again.target_id == written.target_id


async def test_refused_data_is_a_data_error_that_says_why(case: ConnectorCase, client: Any) -> None:
    writer = registry.writer(case.system, case.writer_entity, client, NO_SETTINGS)
    name = tag()
    with pytest.raises(ConnectorError) as refused:
        await writer.create(case.invalid_sample(name), await case.links(client, name))
    assert refused.value.error_class is ErrorClass.DATA
    assert refused.value.message.strip()


async def test_429s_are_waited_out(
    case: ConnectorCase, client: Any, sandbox: SandboxProcess
) -> None:
    faults = f"{sandbox.base_url}/_sandbox/faults"
    httpx.post(faults, json={"storm_seconds": 1.5, "retry_after": 1}).raise_for_status()
    try:
        records = await read(case, client, None, datetime.now(UTC))
    finally:
        httpx.post(faults, json={}).raise_for_status()
    assert records
    assert client.http.stats.throttled >= 1


async def test_describe_finds_the_seeded_account(case: ConnectorCase, client: Any) -> None:
    """The wizard's connection test: the company and the choices for the flows' settings."""
    assert await registry.describe(case.system, client) == case.account


async def test_describe_with_refused_credentials_says_so(
    case: ConnectorCase, sandbox: SandboxProcess
) -> None:
    refused = case.refused_client(sandbox)
    try:
        with pytest.raises(ConnectorError) as raised:
            await registry.describe(case.system, refused)
    finally:
        await refused.aclose()
    assert raised.value.error_class is ErrorClass.AUTH
    assert raised.value.message.startswith(case.refusal), raised.value.message


async def test_expired_credentials_are_renewed_or_reported(
    case: ConnectorCase, client: Any, sandbox: SandboxProcess
) -> None:
    """Last in the module: a system whose key cannot be renewed stays refused afterwards."""
    await read(case, client, None, datetime.now(UTC))  # a token is in use
    await case.expire_token(sandbox, client)
    if case.refreshes:
        records = await read(case, client, None, datetime.now(UTC))
        assert records
    else:
        with pytest.raises(ConnectorError) as refused:
            await read(case, client, None, datetime.now(UTC))
        assert refused.value.error_class is ErrorClass.AUTH

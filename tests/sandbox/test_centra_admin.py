"""Centra sandbox features the connector's writers rely on: sizes by SKU, updating a size's
EAN (centra.dev/graphql: ProductSizeFilter, ProductSizeUpdateInput) and integration tokens made
and revoked as in the admin (fact sheet §1)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.sandbox.test_centra import graphql
from tests.support.processes import SandboxProcess, start_sandbox


@pytest.fixture(scope="module")
def centra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    sandbox = start_sandbox("centra", tmp_path_factory.mktemp("centra-admin"), "--no-rate-limit")
    yield sandbox
    sandbox.stop()


SIZES = "query($sku: String!) { productSizes(where: {SKU: {equals: $sku}}) { id SKU EAN } }"


def test_sizes_filter_by_sku_and_their_ean_can_be_changed(centra: SandboxProcess) -> None:
    status, body = graphql(centra, SIZES, {"sku": "NB001-01-02"})
    assert status == 200
    (size,) = body["data"]["productSizes"]
    assert size["SKU"] == "NB001-01-02"
    _, body = graphql(centra, SIZES, {"sku": "NB001-01"})
    assert body["data"]["productSizes"] == []  # equals, not a prefix
    update = """mutation($id: Int!, $ean: String) { updateProductSize(id: $id, input: {EAN: $ean}) {
      productSize { id EAN } userErrors { message } } }"""
    _, body = graphql(centra, update, {"id": size["id"], "ean": "7350012345679"})
    assert body["data"]["updateProductSize"] == {
        "productSize": {"id": size["id"], "EAN": "7350012345679"},
        "userErrors": [],
    }
    _, body = graphql(centra, update, {"id": size["id"], "ean": ""})
    assert body["data"]["updateProductSize"]["productSize"]["EAN"] is None
    _, body = graphql(centra, update, {"id": 99999, "ean": "1"})
    assert body["data"]["updateProductSize"]["userErrors"][0]["message"].startswith(
        "Could not find ProductSize"
    )
    read_only = "centra-demo-token-read-only"
    _, body = graphql(centra, update, {"id": size["id"], "ean": ""}, read_only)
    assert "ProductVariant:write" in body["errors"][0]["message"]


def test_a_token_made_in_the_admin_works_until_revoked(centra: SandboxProcess) -> None:
    made = httpx.post(f"{centra.base_url}/_sandbox/tokens", json={}).json()
    token = made["token"]
    assert made["integrationName"] == "brygga-demo" and made["expiresAt"] is None
    query = "{ warehouses { name } }"
    status, _ = graphql(centra, query, token=token)
    assert status == 200
    revoked = httpx.post(f"{centra.base_url}/_sandbox/tokens/{token}/revoke")
    assert revoked.status_code == 200
    status, body = graphql(centra, query, token=token)
    assert status == 401 and body["errors"][0]["extensions"]["category"] == "authentication"
    assert graphql(centra, query)[0] == 200  # the demo token is untouched
    limited = httpx.post(
        f"{centra.base_url}/_sandbox/tokens", json={"permissions": ["Order:read"]}
    ).json()
    _, body = graphql(centra, query, token=limited["token"])
    assert "Warehouse:read" in body["errors"][0]["message"]
    missing = httpx.post(f"{centra.base_url}/_sandbox/tokens/nope/revoke")
    assert missing.status_code == 404

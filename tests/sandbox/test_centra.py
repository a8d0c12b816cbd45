"""The Centra sandbox as a real process over loopback, checked against the seed it serves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from brygga.sandbox import seed
from tests.support.processes import SandboxProcess, start_sandbox

TOKEN = "centra-demo-token"
NO_ORDERS_TOKEN = "centra-demo-token-no-orders"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
DEMO = seed.generate(42, 150)  # what `sandbox serve centra` seeds by default
VISIBLE = [order for order in DEMO.orders if not order.is_on_hold]

ORDERS_PAGE = """
query OrdersPage($limit: Int, $page: Int) {
  orders(where: {storeType: DIRECT_TO_CONSUMER}, sort: [number_ASC], limit: $limit, page: $page) {
    __typename id number status createdAt isOnHold
    grandTotal { value conversionRate valueInCents currency { code } }
    netTotal: grandTotal(includingTax: false) { value }
    totals { quantity lineValues { value } shipping { value } discounts { value }
             taxIncluded { value } grandTotal { value } }
    lines { id productName size quantity taxPercent unitPrice { value }
            unitOriginalPrice { value } lineValue { value } net: lineValue(includingTax: false) {
            value } productSize { SKU EAN } }
    shippingAddress { firstName zipCode country { code name } }
    ... on DirectToConsumerOrder { customer { id email } }
  }
}
"""


def graphql(
    sandbox: SandboxProcess,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str = TOKEN,
) -> tuple[int, dict[str, Any]]:
    response = httpx.post(
        f"{sandbox.base_url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    return response.status_code, json.loads(response.text, parse_float=Decimal)


def numbers(body: dict[str, Any]) -> list[int]:
    return [order["number"] for order in body["data"]["orders"]]


@pytest.fixture(scope="module")
def centra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    sandbox = start_sandbox("centra", tmp_path_factory.mktemp("centra"), "--no-rate-limit")
    yield sandbox
    sandbox.stop()


def test_orders_page_has_seeded_orders_with_exact_amounts(centra: SandboxProcess) -> None:
    status, body = graphql(centra, ORDERS_PAGE, {"limit": 5})
    assert status == 200 and "errors" not in body
    orders = body["data"]["orders"]
    assert numbers(body) == [o.number for o in VISIBLE[:5]]
    first, expected = orders[0], DEMO.orders[0]
    assert first["__typename"] == "DirectToConsumerOrder"
    assert first["id"] == expected.id and len(first["id"]) == 32
    assert first["createdAt"] == "2026-09-01T10:01:00+02:00"  # 08:01 UTC in Stockholm summer
    assert first["grandTotal"]["value"] == expected.grand_total
    assert first["grandTotal"]["currency"]["code"] == expected.currency
    assert first["grandTotal"]["conversionRate"] == expected.conversion_rate
    assert first["grandTotal"]["valueInCents"] == int(expected.grand_total * 100)
    assert first["customer"]["id"] == expected.customer_id
    for line, seeded in zip(first["lines"], expected.lines, strict=True):
        assert line["unitPrice"]["value"] == seeded.unit_price
        assert line["unitOriginalPrice"]["value"] == seeded.unit_original_price
        assert line["lineValue"]["value"] == seeded.line_value
        assert line["productSize"] == {"SKU": seeded.sku, "EAN": seeded.ean}
        net = (seeded.line_value / (1 + seeded.tax_percent / 100)).quantize(Decimal("0.01"))
        assert line["net"]["value"] == net
    totals = first["totals"]
    assert totals["grandTotal"]["value"] == expected.grand_total
    assert totals["lineValues"]["value"] + totals["shipping"]["value"] == expected.grand_total
    assert first["netTotal"]["value"] == expected.grand_total - totals["taxIncluded"]["value"]
    assert totals["discounts"]["value"] == sum(
        (line.unit_original_price - line.unit_price) * line.quantity for line in expected.lines
    )
    assert totals["quantity"] == sum(line.quantity for line in expected.lines)
    assert first["shippingAddress"]["zipCode"] == expected.shipping_address.postcode


def test_decimal_amounts_are_written_exactly(centra: SandboxProcess) -> None:
    response = httpx.post(
        f"{centra.base_url}/graphql",
        json={
            "query": "query($id: String!) { order(id: $id) { lines { unitPrice { value } } } }",
            "variables": {"id": DEMO.orders[0].id},
        },
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert DEMO.orders[0].lines[0].unit_price == Decimal("85.56")
    assert '"value": 85.56}' in response.text  # the seed's digits, not a float artefact


def test_orders_on_hold_are_hidden_unless_asked_for(centra: SandboxProcess) -> None:
    on_hold = [o.number for o in DEMO.orders if o.is_on_hold]
    assert on_hold, "the seed should hold at least one order on hold"
    _, body = graphql(centra, "{ orders(limit: 200) { number } }")
    assert numbers(body) == [o.number for o in VISIBLE]
    _, body = graphql(centra, "{ orders(where: {isOnHold: true}) { number isOnHold } }")
    assert numbers(body) == on_hold


def test_created_at_range_is_inclusive_and_reads_tenant_time(centra: SandboxProcess) -> None:
    start, end = DEMO.orders[2].created_at, DEMO.orders[4].created_at
    query = """query($from: DateTimeTz, $to: DateTimeTz) {
      orders(where: {createdAt: {from: $from, to: $to}}) { number } }"""
    variables = {
        # An offset-less time is read in the tenant's zone, Stockholm.
        "from": start.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M:%S"),
        "to": end.isoformat(),
    }
    status, body = graphql(centra, query, variables)
    assert status == 200, body
    assert numbers(body) == [1003, 1004, 1005]


def test_paging_is_one_based_and_bounded(centra: SandboxProcess) -> None:
    query = "query($limit: Int, $page: Int) { orders(limit: $limit, page: $page) { number } }"
    collected: list[int] = []
    for page in range(1, 100):
        _, body = graphql(centra, query, {"limit": 40, "page": page})
        collected += numbers(body)
        if len(body["data"]["orders"]) < 40:
            break
    assert collected == [o.number for o in VISIBLE]
    _, body = graphql(centra, query, {"limit": 2, "page": 2})
    assert numbers(body) == [1003, 1004]
    for variables in ({"limit": 201}, {"limit": 0}, {"page": 0}):
        status, body = graphql(centra, query, variables)
        assert status == 200 and body["data"] is None
        assert body["errors"][0]["extensions"]["category"] == "validation"


def test_customers_with_last_order_billing_address(centra: SandboxProcess) -> None:
    customer = DEMO.customers[1]
    last = max(
        (o for o in VISIBLE if o.customer_id == customer.id), key=lambda order: order.created_at
    )
    query = """query($email: String) {
      customers(where: {email: {equals: $email}}) {
        id email firstName lastName createdAt
        lastOrder { number billingAddress { address1 zipCode city country { code name } } }
      } }"""
    status, body = graphql(centra, query, {"email": customer.email})
    assert status == 200 and "errors" not in body
    [found] = body["data"]["customers"]
    assert (found["id"], found["email"], found["lastName"]) == (
        customer.id,
        customer.email,
        customer.last_name,
    )
    assert found["lastOrder"]["number"] == last.number
    address = found["lastOrder"]["billingAddress"]
    assert address["address1"] == last.billing_address.line1
    assert address["zipCode"] == last.billing_address.postcode
    assert address["country"]["code"] == last.billing_address.country
    _, body = graphql(centra, "{ customers(sort: [id_DESC], limit: 3) { id } }")
    newest = max(c.id for c in DEMO.customers)
    assert [c["id"] for c in body["data"]["customers"]] == [newest, newest - 1, newest - 2]


def test_missing_permission_is_a_graphql_error(centra: SandboxProcess) -> None:
    status, body = graphql(centra, "{ orders(limit: 1) { number } }", token=NO_ORDERS_TOKEN)
    assert status == 200
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "You need Order:read permission to access orders."
    assert error["extensions"]["category"] == "authorization"
    assert error["path"] == ["orders"] and error["locations"]
    # The same token may read customers.
    _, body = graphql(centra, "{ customers(limit: 1) { id } }", token=NO_ORDERS_TOKEN)
    assert body["data"]["customers"] == [{"id": 1}]


@pytest.mark.parametrize("token", ["wrong-token", "centra-demo-token-expired"])
def test_bad_or_expired_token_is_refused(centra: SandboxProcess, token: str) -> None:
    status, body = graphql(centra, "{ orders { number } }", token=token)
    assert status == 401
    assert body["errors"][0]["extensions"]["category"] == "authentication"


def test_cookie_authenticates_like_the_header(centra: SandboxProcess) -> None:
    response = httpx.post(
        f"{centra.base_url}/graphql",
        json={"query": "{ orders(limit: 1) { number } }"},
        cookies={"graphql-access": TOKEN},
    )
    assert response.status_code == 200
    assert response.json()["data"]["orders"] == [{"number": 1001}]


def test_unknown_field_fails_validation(centra: SandboxProcess) -> None:
    status, body = graphql(centra, "{ orders { number shippingAddress { zip } } }")
    assert status == 200
    assert "data" not in body
    [error] = body["errors"]
    assert "zip" in error["message"]
    assert error["extensions"]["category"] == "validation"


def test_malformed_body_is_a_bad_request(centra: SandboxProcess) -> None:
    response = httpx.post(
        f"{centra.base_url}/graphql",
        content=b'{"query": ',
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


def test_extensions_report_cost_and_permissions(centra: SandboxProcess) -> None:
    query = "query($n: Int) { orders(limit: $n) { number billingAddress { city } } }"
    _, one = graphql(centra, query, {"n": 1})
    _, ten = graphql(centra, query, {"n": 10})
    assert one["extensions"]["appVersion"] == "v0.47.7"
    assert ten["extensions"]["complexity"] > one["extensions"]["complexity"] > 0
    assert ten["extensions"]["permissionsUsed"] == ["Order.billingAddress:read", "Order:read"]


def test_inspection_routes(centra: SandboxProcess) -> None:
    state = centra.state()
    assert len(state["orders"]) == 150 and len(state["customers"]) == len(DEMO.customers)
    credentials = httpx.get(f"{centra.base_url}/_sandbox/credentials").json()
    assert credentials["token"] == TOKEN
    assert credentials["integration_name"] == "brygga-demo"
    assert "Order:read" not in credentials["tokens"][NO_ORDERS_TOKEN]["permissions"]


def test_data_survives_a_restart_without_reseeding(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    data_dir = tmp_path_factory.mktemp("centra-restart")
    # Amounts too: stored whole numbers come back from JSON as int, and must still add up.
    query = """{ orders { number grandTotal { value }
                 lines { lineValue(includingTax: false) { value } }
                 totals { shippingTaxIncluded { value } taxIncluded { value } } } }"""
    first = start_sandbox("centra", data_dir, "--orders", "5")
    try:
        before = first.state()
        _, amounts = graphql(first, query)
    finally:
        first.stop()
    # Another seed on the second start: had it reseeded, the orders would differ.
    second = start_sandbox("centra", data_dir, "--orders", "8", "--seed", "7")
    try:
        assert second.state() == before
        _, body = graphql(second, query)
        assert "errors" not in body
        assert body == amounts
        assert numbers(body) == [o["number"] for o in before["orders"] if not o["isOnHold"]]
    finally:
        second.stop()


SHIPMENT = """id number isGoodToGo isShipped isPaid isCaptured shippedAt
  lines { id quantity orderLine { id } } grandTotal { value }"""
FULFILMENT = f"""query($number: Int!) {{ orders(where: {{number: [$number]}}) {{ status
  lines {{ id quantity shippedQuantity returnedQuantity unitPrice {{ value }}
          productSize {{ stockTotals {{ physicalQuantity allocatedQuantity }} }} }}
  totals {{ shipping {{ value }} grandTotal {{ value }} }}
  shipments {{ {SHIPMENT} }} paymentHistory {{ entryType status value {{ value }} }} }} }}"""
PAYLOAD = "userErrors { message path } userWarnings { message path }"


def mutate(sandbox: SandboxProcess, mutation: str, **variables: Any) -> dict[str, Any]:
    status, body = graphql(sandbox, mutation, variables)
    assert status == 200 and "errors" not in body, body
    [payload] = body["data"].values()
    return payload


def fulfilment(sandbox: SandboxProcess, number: int) -> dict[str, Any]:
    _, body = graphql(sandbox, FULFILMENT, {"number": number})
    [order] = body["data"]["orders"]
    return order


def test_seeded_statuses_have_their_shipments_and_refunds_their_returns(
    centra: SandboxProcess,
) -> None:
    by_status = {o.status: o.number for o in reversed(VISIBLE)}
    assert fulfilment(centra, by_status["CONFIRMED"])["shipments"] == []
    [waiting] = fulfilment(centra, by_status["PROCESSING"])["shipments"]
    assert (waiting["isShipped"], waiting["isPaid"]) == (False, False)
    shipped = fulfilment(centra, by_status["SHIPPED"])
    [shipment] = shipped["shipments"]
    assert shipment["isShipped"] and shipment["isCaptured"]
    assert shipped["paymentHistory"][0] == {
        "entryType": "CAPTURE",
        "status": "SUCCESS",
        "value": {"value": shipped["totals"]["grandTotal"]["value"]},
    }
    query = """{ returns(limit: 200) { id status returnedToStock grandTotal { value }
      lines { quantity orderLine { id } } order { number status } shipment { isShipped }
      ... on DirectToConsumerReturn { refundPaymentHistory { entryType value { value } } } } }"""
    _, body = graphql(centra, query)
    returns = body["data"]["returns"]
    assert [r["id"] for r in returns] == [refund.id for refund in DEMO.refunds]
    for returned, refund in zip(returns, DEMO.refunds, strict=True):
        assert returned["status"] == "COMPLETED" and returned["order"]["status"] == "SHIPPED"
        assert returned["order"]["number"] == refund.order_number
        assert returned["shipment"]["isShipped"]
        assert returned["grandTotal"]["value"] == refund.total
        lines = [(line["orderLine"]["id"], line["quantity"]) for line in returned["lines"]]
        assert lines == [(line.line_id, line.quantity) for line in refund.lines]
        assert returned["refundPaymentHistory"] == [
            {"entryType": "REFUND", "value": {"value": refund.total}}
        ]


def test_shipment_capture_and_return_lifecycle(centra: SandboxProcess) -> None:
    number = [o.number for o in VISIBLE if o.status == "CONFIRMED"][-1]
    before = fulfilment(centra, number)
    lines = [
        {"orderLine": {"id": line["id"]}, "quantity": line["quantity"]} for line in before["lines"]
    ]
    create = f"""mutation($number: Int!, $lines: [ShipmentLineCreateInput!]!) {{
      createShipment(input: {{order: {{number: $number}}, lines: $lines, isGoodToGo: true}}) {{
        shipment {{ {SHIPMENT} }} {PAYLOAD} }} }}"""
    shipment = mutate(centra, create, number=number, lines=lines)["shipment"]
    assert shipment["number"] == f"{number}-1" and not shipment["isShipped"]
    assert fulfilment(centra, number)["status"] == "PROCESSING"  # it has a shipment
    again = mutate(centra, create, number=number, lines=lines[:1])
    assert again["shipment"] is None and again["userErrors"][0]["path"] == [
        "input",
        "lines",
        "0",
        "quantity",
    ]
    complete = f"""mutation($id: Int!, $at: DateTimeTz) {{ completeShipment(id: $id, input: {{
      shippedAt: $at, shipmentInfo: {{carrier: "PostNord", trackingNumber: "T1"}}}}) {{
      shipment {{ trackingNumber shippedAt }} {PAYLOAD} }} }}"""
    future = mutate(centra, complete, id=shipment["id"], at="+1 day")
    assert future["userErrors"][0]["message"] == "shippedAt cannot be in the future."
    done = mutate(centra, complete, id=shipment["id"], at="-1 hour")["shipment"]
    assert done["trackingNumber"] == "T1"
    shipped = fulfilment(centra, number)
    assert shipped["status"] == "PROCESSING"  # shipped but not paid
    first, old = shipped["lines"][0], before["lines"][0]
    taken = old["quantity"]
    assert first["shippedQuantity"] == taken
    assert first["productSize"]["stockTotals"] == {
        "physicalQuantity": old["productSize"]["stockTotals"]["physicalQuantity"] - taken,
        "allocatedQuantity": old["productSize"]["stockTotals"]["allocatedQuantity"] - taken,
    }
    capture = f"""mutation($id: Int!) {{ captureShipment(id: $id) {{
      paymentHistoryEntry {{ entryType status value {{ value }} }}
      shipment {{ isCaptured }} {PAYLOAD} }} }}"""
    captured = mutate(centra, capture, id=shipment["id"])
    assert captured["paymentHistoryEntry"] == {
        "entryType": "CAPTURE",
        "status": "SUCCESS",
        "value": {"value": before["totals"]["grandTotal"]["value"]},
    }
    assert fulfilment(centra, number)["status"] == "SHIPPED"  # all shipped and paid
    assert mutate(centra, capture, id=shipment["id"])["userErrors"]
    create_return = f"""mutation($input: CreateReturnInput!) {{ createReturn(input: $input) {{
      return {{ id status grandTotal {{ value }} lines {{ quantity }} }} {PAYLOAD} }} }}"""
    item = {"shipmentLine": {"id": shipment["lines"][0]["id"]}, "quantity": 1}
    returned = mutate(
        centra,
        create_return,
        input={
            "shipment": {"id": shipment["id"]},
            "lines": [item],
            "shippingCost": {"fromShipment": True},
            "comment": "Too small",
        },
    )["return"]
    expected = first["unitPrice"]["value"] + before["totals"]["shipping"]["value"]
    assert (returned["status"], returned["grandTotal"]["value"]) == ("IN_PROGRESS", expected)
    after = fulfilment(centra, number)["lines"][0]
    assert after["returnedQuantity"] == 1
    assert after["productSize"]["stockTotals"]["physicalQuantity"] == (
        first["productSize"]["stockTotals"]["physicalQuantity"] + 1
    )
    complete_return = f"""mutation($id: Int!) {{ completeReturn(id: $id) {{
      return {{ status }} {PAYLOAD} }} }}"""
    assert mutate(centra, complete_return, id=returned["id"])["return"] == {"status": "COMPLETED"}
    assert mutate(centra, complete_return, id=returned["id"])["userErrors"]


def test_capture_order_before_shipping(centra: SandboxProcess) -> None:
    number = [o.number for o in VISIBLE if o.status == "CONFIRMED"][-2]
    order = fulfilment(centra, number)
    capture = f"""mutation($number: Int!) {{ captureOrder(order: {{number: $number}}) {{
      paymentHistoryEntry {{ value {{ value }} }} order {{ status }} {PAYLOAD} }} }}"""
    captured = mutate(centra, capture, number=number)
    assert (
        captured["paymentHistoryEntry"]["value"]["value"] == order["totals"]["grandTotal"]["value"]
    )
    assert mutate(centra, capture, number=number)["userErrors"]  # nothing left to capture
    lines = [
        {"orderLine": {"id": line["id"]}, "quantity": line["quantity"]} for line in order["lines"]
    ]
    ship = f"""mutation($number: Int!, $lines: [ShipmentLineCreateInput!]!) {{
      createShipment(input: {{order: {{number: $number}}, lines: $lines, shippedAt: "now"}}) {{
        shipment {{ isPaid isShipped }} {PAYLOAD} }} }}"""
    assert mutate(centra, ship, number=number, lines=lines)["shipment"] == {
        "isPaid": True,
        "isShipped": True,
    }
    assert fulfilment(centra, number)["status"] == "SHIPPED"
    confirm = f"""mutation($number: Int!) {{ confirmOrder(input: {{order: {{number: $number}}}}) {{
      order {{ status }} {PAYLOAD} }} }}"""
    assert mutate(centra, confirm, number=number)["userErrors"]  # only PENDING orders


RATE_LIMITS = "{ rateLimits { type intervalSeconds quota usedQuota remainingQuota } }"
TWO_MUTATIONS = """mutation {
  a: confirmEvents(input: {eventsIds: []}) { userErrors { message } }
  b: confirmEvents(input: {eventsIds: []}) { userErrors { message } } }"""


def test_rate_limits_refuse_exactly_at_the_quota(tmp_path_factory: pytest.TempPathFactory) -> None:
    sandbox = start_sandbox("centra", tmp_path_factory.mktemp("centra-limited"), "--orders", "5")
    spent = 0  # complexity of the admitted requests, as their `extensions` report it
    try:
        with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as client:

            def post(query: str) -> httpx.Response:
                nonlocal spent
                response = client.post(f"{sandbox.base_url}/graphql", json={"query": query})
                if response.status_code == 200:
                    spent += response.json()["extensions"]["complexity"]
                return response

            # MUTATION_COUNT: 20 per 10 s, and every mutation of a request counts (§2).
            statuses = [post(TWO_MUTATIONS).status_code for _ in range(11)]
            assert statuses == [200] * 10 + [429]
            body = post(RATE_LIMITS).json()  # the 11th admitted request, counted before it runs
            limits = {(e["type"], e["intervalSeconds"]): e for e in body["data"]["rateLimits"]}
            assert len(limits) == 6
            assert all(e["usedQuota"] + e["remainingQuota"] == e["quota"] for e in limits.values())
            for interval in ("TEN_SECONDS", "ONE_HOUR"):
                assert limits[("REQUEST_COUNT", interval)]["usedQuota"] == 11  # not the refused
                assert limits[("MUTATION_COUNT", interval)]["usedQuota"] == 20
                assert limits[("QUERY_COMPLEXITY", interval)]["usedQuota"] == spent
            assert limits[("REQUEST_COUNT", "TEN_SECONDS")]["quota"] == 60
            assert limits[("QUERY_COMPLEXITY", "ONE_HOUR")]["quota"] == 30_000_000
            # REQUEST_COUNT: 60 per 10 s with a fresh bucket; the 61st request is refused.
            responses = [post("{ __typename }") for _ in range(50)]
        assert [r.status_code for r in responses] == [200] * 49 + [429]
        assert 1 <= int(responses[-1].headers["Retry-After"]) <= 10
        assert responses[-1].json()["errors"][0]["extensions"]["category"] == "rateLimit"
    finally:
        sandbox.stop()

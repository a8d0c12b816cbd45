"""Exchange rates of orders in Fortnox and Visma.net, by the setting `exchange_rate_source`, over
real HTTP against both sandboxes: the ERP's own rate, the table, unknown currencies, the rate
stored with the record, and no extra request for the default source "shop"."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from openapi_core import OpenAPI
from sqlalchemy import select

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.writers import CustomerWriter as FortnoxCustomers
from brygga.connectors.fortnox.writers import OrderWriter as FortnoxOrders
from brygga.connectors.vismanet.client import VismanetClient, dto
from brygga.connectors.vismanet.writers import CustomerWriter as VismaCustomers
from brygga.connectors.vismanet.writers import OrderWriter as VismaOrders
from brygga.engine.finance import FinanceError
from brygga.engine.integrations import ConnectionSettings, configure
from brygga.engine.protocols import Dependency, FlowSpec, SourceRecord
from brygga.engine.runner import FlowRunner
from brygga.model import Order
from brygga.store import Database, Flow, RecordOutcome, SecretBox
from tests.connectors import test_fortnox as fortnox_cases
from tests.connectors import test_vismanet as visma_cases
from tests.sandbox.test_vismanet_spec import document, openapi  # noqa: F401
from tests.support.processes import sandbox_fixture

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")

ERP = {"exchange_rate_source": "erp"}
TABLE = {"exchange_rate_source": "table", "exchange_rates": {"EUR": "11.37", "NOK": "0.98"}}


def in_currency(record: Order, currency: str, number: str) -> Order:
    """`record` with every amount in `currency` instead, as another order."""
    data = record.model_dump()
    for line in data["lines"]:
        line["unit_price"]["currency"] = currency
    data["shipping"]["amount"]["currency"] = currency
    data["grand_total"]["currency"] = currency
    return Order(**data | {"currency": currency, "number": number, "source_id": number})


def note(payload: dict) -> dict:
    return payload["_brygga"]["exchange_rate"]


# --- Fortnox ----------------------------------------------------------------------------------


fortnox_sandbox = sandbox_fixture("fortnox")


@pytest.fixture
async def fortnox(fortnox_sandbox):
    client, check = fortnox_cases.checked_client(fortnox_sandbox)
    yield client, check.requests
    await client.aclose()
    check.validate()


async def fortnox_buyer(client, email: str, number: str) -> tuple[dict[str, str], Order]:
    buyer = fortnox_cases.customer(email)
    written = await FortnoxCustomers(client).create(buyer, {})
    return {"customer": written.target_id}, fortnox_cases.order(number, buyer)


def paths(requests: list[httpx.Request]) -> list[str]:
    return [f"{request.method} {request.url.path}" for request in requests]


async def test_fortnox_erp_rate_is_the_currency_sell_rate_read_once_per_run(fortnox):
    client, sent = fortnox
    rates = {"SellRate": Decimal("11.4567"), "BuyRate": Decimal("11.0123")}
    await client.put("/3/currencies/EUR", {"Currency": rates})
    links, record = await fortnox_buyer(client, "erp@example.se", "5001")
    writer = FortnoxOrders(client, ERP)
    sent.clear()
    first = await writer.create(record, links)
    second = await writer.create(record.model_copy(update={"number": "5002"}), links)
    # Fortnox's rate of EUR was read once for both orders.
    assert paths(sent) == ["GET /3/currencies/EUR", "POST /3/orders", "POST /3/orders"]
    for written in (first, second):
        assert (written.payload["CurrencyRate"], written.payload["CurrencyUnit"]) == (
            Decimal("11.4567"), 1
        )  # fmt: skip
    currency = (await client.get("/3/currencies/EUR"))["Currency"]
    assert note(first.payload) == {
        "currency": "EUR",
        "base_currency": "SEK",
        "rate": Decimal("11.4567"),
        "source": "erp",
        "date": currency["Date"],  # the day Fortnox's rate was set
        "applied_in_erp": True,
    }


async def test_fortnox_rate_is_per_unit_of_the_currency(fortnox):
    client, _ = fortnox
    yen = {"Code": "JPY", "Description": "Japansk yen", "SellRate": Decimal("7.05"),
           "BuyRate": Decimal("6.95"), "Unit": 100}  # fmt: skip
    await client.post("/3/currencies", {"Currency": yen})
    links, record = await fortnox_buyer(client, "yen@example.se", "5101")
    written = await FortnoxOrders(client, ERP).create(in_currency(record, "JPY", "5101"), links)
    assert written.payload["CurrencyRate"] == Decimal("0.0705")  # 7.05 SEK per 100 JPY


async def test_fortnox_table_and_shop_rates_cost_no_request(fortnox):
    client, sent = fortnox
    links, record = await fortnox_buyer(client, "table@example.se", "5201")
    stats = client.http.stats  # what bench/run.py counts requests per order with
    before, sent[:] = stats.requests, []
    table = await FortnoxOrders(client, TABLE).create(record, links)
    assert (stats.requests - before, paths(sent)) == (1, ["POST /3/orders"])
    assert table.payload["CurrencyRate"] == Decimal("11.37")
    assert (note(table.payload)["source"], note(table.payload)["date"]) == ("table", "2026-09-02")
    before, sent[:] = stats.requests, []
    shop = await FortnoxOrders(client).create(record.model_copy(update={"number": "5202"}), links)
    assert (stats.requests - before, paths(sent)) == (1, ["POST /3/orders"])
    assert shop.payload["CurrencyRate"] == Decimal("11.2")
    assert note(shop.payload)["source"] == "shop"


async def test_fortnox_update_sends_the_rate_again(fortnox):
    client, _ = fortnox
    links, record = await fortnox_buyer(client, "update@example.se", "5301")
    created = await FortnoxOrders(client).create(record, links)
    updated = await FortnoxOrders(client, TABLE).update(created.target_id, record, links)
    assert updated.payload["CurrencyRate"] == Decimal("11.37")
    assert note(updated.payload)["source"] == "table"


async def test_fortnox_currency_not_set_up_is_a_data_error_for_every_source(fortnox):
    client, _ = fortnox
    links, record = await fortnox_buyer(client, "zloty@example.se", "5401")
    zloty = in_currency(record, "PLN", "5401")
    expected = "currency PLN is not set up in Fortnox; add PLN to the currencies in Fortnox"
    # "erp" finds out when it reads the rate; "shop" and "table" when Fortnox refuses the order.
    in_table = {"exchange_rate_source": "table", "exchange_rates": {"PLN": "2.71"}}
    for settings in (ERP, {}, in_table):
        with pytest.raises(ConnectorError) as raised:
            await FortnoxOrders(client, settings).create(zloty, links)
        assert raised.value.error_class is ErrorClass.DATA
        assert raised.value.message.startswith(expected), raised.value.message
    with pytest.raises(FinanceError, match="exchange_rates has no rate for; add PLN"):
        await FortnoxOrders(client, TABLE).create(zloty, links)


class OneOrder:
    entity = "order"
    replication_key = None

    def __init__(self, record: Order) -> None:
        self.record = record

    async def pages(self, since, until) -> AsyncIterator[list[SourceRecord]]:
        yield [SourceRecord(self.record.source_id, {"number": self.record.number}, None,
                            self.record)]  # fmt: skip


async def test_the_rate_used_is_stored_with_the_record(fortnox, tmp_path):
    client, _ = fortnox
    db = Database(f"sqlite:///{tmp_path / 'brygga.db'}")
    db.migrate()
    configure(
        db,
        SecretBox.from_environment(tmp_path),
        name="rates",
        pair="centra-fortnox",
        shop=ConnectionSettings("shop", "centra", "http://127.0.0.1:9", {"token": "t"}),
        erp=ConnectionSettings("erp", "fortnox", "http://127.0.0.1:9", {"client_id": "c"}),
    )
    with db.session() as session:
        flow = session.scalar(select(Flow).where(Flow.name == "orders"))
        ids = flow.integration_id, flow.id
    # A buyer of its own: the module's other tests leave several Åsa Öbergs at one address in
    # this Fortnox, which de-duplication would rightly park as ambiguous.
    buyer = fortnox_cases.customer("stored@example.se").model_copy(
        update={"first_name": "Stina", "last_name": "Kurs"}
    )
    record = fortnox_cases.order("5501", buyer)
    customers = Dependency(FortnoxCustomers(client), lambda order: order.customer)
    spec = FlowSpec("orders", OneOrder(record), FortnoxOrders(client, TABLE), [customers])
    counts = await FlowRunner(db, integration_id=ids[0], flow_id=ids[1], spec=spec).run()
    assert counts.created == 1
    with db.session() as session:
        stored = session.scalar(select(RecordOutcome).where(RecordOutcome.flow_id == ids[1]))
        assert stored.target_payload["CurrencyRate"] == Decimal("11.37")
        assert note(stored.target_payload) == {
            "currency": "EUR",
            "base_currency": "SEK",
            "rate": Decimal("11.37"),
            "source": "table",
            "date": "2026-09-02",
            "applied_in_erp": True,
        }
    db.dispose()


# --- Visma.net --------------------------------------------------------------------------------


visma_sandbox = sandbox_fixture("vismanet")


@pytest.fixture
async def visma(visma_sandbox, openapi: OpenAPI):  # noqa: F811
    client = VismanetClient(visma_sandbox.base_url,
                            visma_sandbox.credentials() | {"rate_limit": False})  # fmt: skip
    sent: list[httpx.Request] = []
    client.observe(sent.append)
    yield client, sent
    await client.aclose()
    for request in sent:
        visma_cases.validate(openapi, request)


async def enter_rate(client: VismanetClient, currency: str, rate: str, day: str, how: str) -> None:
    """A rate as the merchant enters it in Visma.net (§4.8)."""
    values = {"fromCurrencyId": currency, "toCurrencyId": "SEK", "rateType": "SPOT",
              "effectiveDate": f"{day}T00:00:00", "rate": Decimal(rate),
              "multDiv": how}  # fmt: skip
    await client.request("POST", "/v2/currencyrate", json=dto(values))


async def visma_buyer(
    client: VismanetClient, email: str, number: str
) -> tuple[dict[str, str], Order]:
    buyer = visma_cases.customer(email)
    written = await VismaCustomers(client).create(buyer, {})
    return {"customer": written.target_id}, visma_cases.order(number, buyer)


async def test_visma_erp_rate_is_the_latest_spot_rate_on_or_before_the_order_date(visma):
    client, sent = visma
    # The seed has EUR 11.2 from 2026-01-01; the order is of 2026-09-01 (company zone UTC).
    await enter_rate(client, "EUR", "11.61", "2026-08-30", "Multiply")
    await enter_rate(client, "EUR", "11.99", "2026-09-02", "Multiply")  # after the order
    links, record = await visma_buyer(client, "erp@example.se", "6001")
    writer = VismaOrders(client, ERP)
    sent.clear()
    first = await writer.create(record, links)
    await writer.create(record.model_copy(update={"number": "6002"}), links)
    posts = ["POST /api/v3/SalesOrders", "POST /api/v3/SalesOrders"]
    assert paths(sent) == ["GET /v2/currencyrate", *posts]  # read once for the day
    assert note(first.payload) == {
        "currency": "EUR",
        "base_currency": "SEK",
        "rate": Decimal("11.61"),
        "source": "erp",
        "date": "2026-08-30",
        "applied_in_erp": True,
    }
    # Visma.net converted the order at that same rate.
    order, _ = await client.v3_get(f"/api/v3/SalesOrders/SO/{first.target_id}")
    totals = order["totals"]
    expected = (Decimal(str(totals["orderTotal"])) * Decimal("11.61")).quantize(Decimal("0.01"))
    assert Decimal(str(totals["orderTotalInBaseCurrency"])) == expected


async def test_visma_divide_rates_are_turned_into_multipliers(visma):
    client, _ = visma
    await enter_rate(client, "NOK", "1.25", "2026-08-31", "Divide")
    links, record = await visma_buyer(client, "nok@example.se", "6101")
    written = await VismaOrders(client, ERP).create(in_currency(record, "NOK", "6101"), links)
    assert note(written.payload)["rate"] == Decimal("0.8")


async def test_visma_no_rate_on_the_order_date_is_a_data_error(visma):
    client, _ = visma
    links, record = await visma_buyer(client, "early@example.se", "6201")
    early = record.model_copy(update={"created_at": datetime(2025, 12, 1, 9, tzinfo=UTC)})
    with pytest.raises(ConnectorError) as raised:
        await VismaOrders(client, ERP).create(early, links)
    assert raised.value.error_class is ErrorClass.DATA
    assert raised.value.message.startswith(
        "Visma.net has no SPOT rate from EUR to SEK effective on or before 2025-12-01; enter a "
        "rate for EUR dated 2025-12-01 or earlier in Visma.net's currency rates"
    ), raised.value.message


async def test_visma_unknown_currency_is_a_data_error(visma):
    client, sent = visma
    links, record = await visma_buyer(client, "zloty@example.se", "6301")
    sent.clear()
    with pytest.raises(ConnectorError) as raised:
        await VismaOrders(client, ERP).create(in_currency(record, "PLN", "6301"), links)
    assert raised.value.error_class is ErrorClass.DATA
    assert raised.value.message.startswith("currency PLN is not set up in Visma.net")
    assert paths(sent) == ["GET /v2/currencyrate", "GET /v2/currencyrate", "GET /v1/currency/PLN"]


async def test_visma_shop_rate_costs_no_request_and_is_not_visma_rate(visma):
    client, sent = visma
    links, record = await visma_buyer(client, "shop@example.se", "6401")
    stats = client.http.stats  # shared with the V3 client; what bench/run.py counts
    before, sent[:] = stats.requests, []
    written = await VismaOrders(client).create(record, links)
    # One request per order, as before the setting existed.
    assert (stats.requests - before, paths(sent)) == (1, ["POST /api/v3/SalesOrders"])
    # The V3 order carries no rate: Visma.net converts at its own unless the rate is posted.
    assert (note(written.payload)["rate"], note(written.payload)["applied_in_erp"]) == (
        Decimal("11.2"), False
    )  # fmt: skip
    # A shop keeping its books in DKK: its rate is no rate to SEK, but Visma.net needs none.
    danish = record.model_copy(update={"number": "6402", "base_currency": "DKK"})
    written = await VismaOrders(client).create(danish, links)
    assert (note(written.payload)["base_currency"], note(written.payload)["applied_in_erp"]) == (
        "DKK", False
    )  # fmt: skip


async def test_visma_table_rate_is_posted_when_recording_rates(visma):
    client, _ = visma
    links, record = await visma_buyer(client, "posted@example.se", "6501")
    record = record.model_copy(update={"created_at": record.created_at + timedelta(days=20)})
    writer = VismaOrders(client, TABLE | {"record_exchange_rates": True})
    written = await writer.create(record, links)
    assert (note(written.payload)["rate"], note(written.payload)["applied_in_erp"]) == (
        Decimal("11.37"), True
    )  # fmt: skip
    day = "2026-09-21T00:00:00"
    rates = await client.get("/v2/currencyrate", fromCurrency="EUR", fromDate=day, toDate=day)
    assert [rate["rate"] for rate in rates] == [Decimal("11.37")]


async def test_visma_erp_rates_with_recording_is_refused(visma):
    client, sent = visma
    links, record = await visma_buyer(client, "both@example.se", "6601")
    sent.clear()
    with pytest.raises(FinanceError) as raised:
        await VismaOrders(client, ERP | {"record_exchange_rates": True}).create(record, links)
    assert "record_exchange_rates" in str(raised.value) and "exchange_rate_source" in str(
        raised.value
    )
    assert sent == []

"""Gift cards and store credit are payments, not discounts (docs/finance.md §5): Magento orders
are read at their full price with the part cards paid, and that part is paid into Fortnox and
Visma.net by a means of payment of its own. Against the sandboxes, over real HTTP, every request
checked against the vendor's spec."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import yaml
from openapi_core import OpenAPI

from brygga.connectors.errors import ConnectorError, ErrorClass
from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.fortnox.payments import PaymentWriter as FortnoxPayments
from brygga.connectors.fortnox.writers import CustomerWriter, OrderWriter
from brygga.connectors.magento.client import MagentoClient
from brygga.connectors.magento.search import Criteria
from brygga.connectors.magento.streams import OrdersStream, PaymentsStream, RefundsStream
from brygga.connectors.vismanet.client import VismanetClient
from brygga.connectors.vismanet.finance import PaymentWriter as VismaPayments
from brygga.model import GiftCard, Money, Order, Payment
from brygga.pairs import PAIRS
from brygga.sandbox import seed
from tests.connectors.test_fortnox import checked_client, customer
from tests.connectors.test_magento import check_request
from tests.connectors.test_vismanet import placed, simulate, validate
from tests.sandbox.test_magento_spec import SPEC, Loader, Spec
from tests.sandbox.test_vismanet_spec import document, openapi  # noqa: F401
from tests.support.orders import sample_order
from tests.support.processes import SandboxProcess, start_sandbox

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")
NOW = datetime(2030, 1, 1, tzinfo=UTC)
PAID = datetime(2026, 9, 2, 9, tzinfo=UTC)
FORTNOX = dict(PAIRS["fortnox-magento"].flow("payments").settings)
VISMA = dict(PAIRS["magento-vismanet"].flow("payments").settings)


def running(system: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    process = start_sandbox(system, tmp_path_factory.mktemp(system), "--no-rate-limit")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def magento_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    yield from running("magento", tmp_path_factory)


@pytest.fixture(scope="module")
def fortnox_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    yield from running("fortnox", tmp_path_factory)


@pytest.fixture(scope="module")
def visma_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    yield from running("vismanet", tmp_path_factory)


@pytest.fixture
async def magento(magento_sandbox: SandboxProcess) -> AsyncIterator[MagentoClient]:
    if not SPEC.exists():
        pytest.skip(f"Magento admin schema not found at {SPEC}")
    spec = Spec(yaml.load(SPEC.read_text(), Loader=Loader))
    credentials = magento_sandbox.credentials() | {"rate_limit": False}
    client = MagentoClient(magento_sandbox.base_url, credentials)
    client.http.observe(lambda request: check_request(spec, request))
    yield client
    await client.aclose()


@pytest.fixture
async def fortnox(fortnox_sandbox: SandboxProcess) -> AsyncIterator[FortnoxClient]:
    client, check = checked_client(fortnox_sandbox)
    yield client
    await client.aclose()
    check.validate()


@pytest.fixture
async def visma(visma_sandbox: SandboxProcess, openapi: OpenAPI) -> AsyncIterator[VismanetClient]:  # noqa: F811
    credentials = visma_sandbox.credentials() | {"rate_limit": False}
    client = VismanetClient(visma_sandbox.base_url, credentials)
    sent: list[httpx.Request] = []
    client.observe(sent.append)
    yield client
    await client.aclose()
    for request in sent:
        validate(openapi, request)


def dec(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def prepaid(sales_document: dict[str, Any]) -> Decimal:
    """What gift cards and store credit paid of a Magento document, read from the API."""
    extension = sales_document.get("extension_attributes") or {}
    return dec(extension.get("gift_cards_amount")) + dec(extension.get("customer_balance_amount"))


async def read(stream: Any) -> list[Any]:
    return [record async for page in stream.pages(None, NOW) for record in page]


# --- Magento: what the connector reads -------------------------------------------------------


async def test_an_order_paid_partly_by_gift_card_is_worth_its_full_price(magento):
    demo = {f"{o.number:09d}": o for o in seed.generate().orders}
    records = {r.source_id: r for r in await read(OrdersStream(magento))}
    paid_by_cards = {n: r for n, r in records.items() if r.record and r.record.gift_cards}
    assert not [r.error for r in records.values() if r.error]
    codes = {tuple(sorted({c.code == "store credit" for c in r.record.gift_cards}))
             for r in paid_by_cards.values()}  # fmt: skip
    assert codes == {(False,), (True,), (False, True)}  # gift cards, store credit and both
    for number, record in paid_by_cards.items():
        order, raw = record.record, record.payload
        extension = raw["extension_attributes"]
        # The goods are sold at the full price: the demo's total, not what was left to pay.
        assert order.grand_total.amount == demo[number].grand_total, number
        assert order.grand_total.amount == dec(raw["grand_total"]) + prepaid(raw) > dec(
            raw["grand_total"]
        )  # fmt: skip
        assert order.paid_with_gift_cards.amount == prepaid(raw), number
        cards = [(c.code, c.amount.amount) for c in order.gift_cards if c.code != "store credit"]
        assert cards == [(c["code"], dec(c["amount"])) for c in extension.get("gift_cards", [])]
        # VAT on the full price, as Magento charged it.
        assert sum(t.tax.amount for t in order.tax_lines) == dec(raw["tax_amount"]), number
        # The rate comes from the totals with the cards, not from what was left to pay.
        assert order.exchange_rate == seed.RATES_TO_SEK[order.currency], number


async def test_a_paid_invoice_is_a_gift_card_payment_and_a_capture(magento):
    payments = await read(PaymentsStream(magento))
    assert not [p.error for p in payments if p.error]
    by_invoice: dict[str, list[Payment]] = {}
    for record in payments:
        by_invoice.setdefault(record.source_id.split(":")[0], []).append(record.record)
    split = 0
    for invoice_id, found in by_invoice.items():
        invoice = await magento.get(f"/invoices/{invoice_id}")
        captured = (invoice_id, "checkmo", dec(invoice["grand_total"]))
        if prepaid(invoice):
            split += 1
            # The cards' part first, under an id of its own; then the capture of the rest.
            by_card = (f"{invoice_id}:gift_card", "gift_card", prepaid(invoice))
            expected = [by_card, captured] if captured[2] else [by_card]
        else:
            expected = [captured]
        assert [(p.source_id, p.method, p.amount.amount) for p in found] == expected
        assert {p.order_reference for p in found} == {found[0].order_reference}
    assert split >= 5  # seeded invoices of orders paid partly by gift card or store credit


async def test_an_invoice_the_gift_card_paid_in_full_has_no_capture(magento):
    """Adobe Commerce: the first invoice takes what is left of the card before anything else."""
    for order in await magento.everything("/orders", Criteria().where("state", "new")):
        cards = dec((order["extension_attributes"]).get("gift_cards_amount"))
        items = [i for i in order["items"] if not i.get("parent_item_id")]
        cheap = [i for i in items if dec(i["row_total_incl_tax"]) / dec(i["qty_ordered"]) < cards]
        if cheap:
            break
    else:
        raise AssertionError("no new seeded order whose gift card pays one of its units")
    item = cheap[0]
    body = {"items": [{"order_item_id": item["item_id"], "qty": 1}]}
    invoice_id = str(await magento.post(f"/order/{order['entity_id']}/invoice", body))
    invoice = await magento.get(f"/invoices/{invoice_id}")
    unit = dec(item["row_total_incl_tax"]) / dec(item["qty_ordered"])
    assert (dec(invoice["grand_total"]), prepaid(invoice)) == (0, unit.quantize(Decimal("0.01")))
    found = [
        p for p in await read(PaymentsStream(magento)) if p.source_id.split(":")[0] == invoice_id
    ]
    assert [(p.source_id, p.record.amount.amount) for p in found] == [
        (f"{invoice_id}:gift_card", prepaid(invoice))
    ]  # fmt: skip


async def test_a_refund_of_a_gift_card_order_credits_its_full_value(magento):
    order = next(
        o for o in await magento.everything("/orders", Criteria().where("state", "processing"))
        if prepaid(o)
    )  # fmt: skip
    memo_id = str(await magento.post(f"/order/{order['entity_id']}/refund", {}))
    memo = await magento.get(f"/creditmemo/{memo_id}")
    # Adobe Commerce gives the card's part back first; grand_total is what the payment returns.
    assert prepaid(memo) == prepaid(order) and dec(memo["grand_total"]) == dec(order["grand_total"])
    (record,) = [r for r in await read(RefundsStream(magento)) if r.source_id == memo_id]
    refund = record.record
    assert refund.total.amount == dec(memo["grand_total"]) + prepaid(memo)
    parts = sum(line.amount.amount for line in refund.lines)
    parts += refund.shipping.amount if refund.shipping else 0
    assert parts == refund.total.amount  # the goods and shipping at their full price


async def test_gift_cards_that_do_not_add_up_are_a_record_error(magento):
    (order,) = await magento.everything("/orders", Criteria().where("increment_id", "000001007"))
    extension = order["extension_attributes"]
    wrong = order | {"extension_attributes": extension | {"gift_cards_amount": 999}}
    (record,) = await OrdersStream(magento).records([wrong])
    assert record.record is None and "gift_cards_amount is 999" in record.error


# --- the ERPs: an order paid partly by gift card -------------------------------------------


def gift_card_order(number: str, email: str, currency: str = "EUR") -> Order:
    """The hand-made order of the connector tests (230.85 in all, VAT included), of which a
    gift card paid 100.00."""
    card = GiftCard(code="GC-7F3A", amount=Money.of("100.00", currency))
    return sample_order(number, customer(email), currency, gift_cards=[card])


def paid(source_id: str, order: Order, amount: str, method: str) -> Payment:
    return Payment(source_id=source_id, order_reference=order.number, paid_at=PAID,
                   amount=Money.of(amount, order.currency), method=method)  # fmt: skip


async def fortnox_invoice(client: FortnoxClient, order: Order) -> dict[str, Any]:
    buyer = await CustomerWriter(client).create(order.customer, {})
    written = await OrderWriter(client).create(order, {"customer": buyer.target_id})
    return (await client.put(f"/3/orders/{written.target_id}/createinvoice"))["Invoice"]


async def fortnox_payments(client: FortnoxClient, invoice: dict[str, Any]) -> list[dict]:
    listed = await client.get("/3/invoicepayments", invoicenumber=invoice["DocumentNumber"])
    return [(await client.get(f"/3/invoicepayments/{p['Number']}"))["InvoicePayment"]
            for p in listed["InvoicePayments"]]  # fmt: skip


async def test_fortnox_invoices_in_full_and_takes_the_gift_card_by_its_mode_of_payment(fortnox):
    order = gift_card_order("GC-1001", "presentkort@example.se")
    invoice = await fortnox_invoice(fortnox, order)
    plain = await fortnox_invoice(fortnox, sample_order("GC-1002", customer("kort@example.se")))
    # The goods and their VAT at the full price, as without the card.
    assert (dec(invoice["Total"]), dec(invoice["TotalVAT"])) == (
        Decimal("230.85"), dec(plain["TotalVAT"])
    )  # fmt: skip
    writer = FortnoxPayments(fortnox, FORTNOX)
    by_card = paid("41:gift_card", order, "100.00", "gift_card")
    captured = paid("41", order, "130.85", "checkmo")
    written = await writer.create(by_card, {})
    # A capture of the card's amount is not the card's payment.
    assert await writer.find(paid("41", order, "100.00", "checkmo")) is None
    rest = await writer.create(captured, {})
    saved = {p["Number"]: p for p in await fortnox_payments(fortnox, invoice)}
    fields = ("ModeOfPayment", "ModeOfPaymentAccount", "AmountCurrency")
    # The card's part is booked to the liability of unredeemed gift cards, the rest to the bank.
    assert [saved[written.target_id][name] for name in fields] == ["PRESENTKORT", 2421, 100]
    assert [saved[rest.target_id][name] for name in fields] == ["", 1930, Decimal("130.85")]
    paid_invoice = (await fortnox.get(f"/3/invoices/{invoice['DocumentNumber']}"))["Invoice"]
    assert dec(paid_invoice["Balance"]) == 0
    assert (await writer.find(by_card)).target_id == written.target_id
    assert (await writer.find(captured)).target_id == rest.target_id


async def test_fortnox_rounds_the_capture_not_the_gift_card(fortnox):
    order = gift_card_order("GC-2001", "oresavrundning@example.se", "SEK")
    invoice = await fortnox_invoice(fortnox, order)
    assert (dec(invoice["Total"]), dec(invoice["RoundOff"])) == (Decimal(231), Decimal("0.15"))
    writer = FortnoxPayments(fortnox, FORTNOX)
    by_card = await writer.create(paid("42:gift_card", order, "100.00", "gift_card"), {})
    rest = await writer.create(paid("42", order, "130.85", "checkmo"), {})
    assert (by_card.payload["AmountCurrency"], rest.payload["AmountCurrency"]) == (100, 131)
    paid_invoice = (await fortnox.get(f"/3/invoices/{invoice['DocumentNumber']}"))["Invoice"]
    assert dec(paid_invoice["Balance"]) == 0


async def test_fortnox_gift_card_payments_need_a_known_mode_of_payment(fortnox):
    order = gift_card_order("GC-3001", "utanlage@example.se")
    invoice = await fortnox_invoice(fortnox, order)
    by_card = paid("43:gift_card", order, "100.00", "gift_card")
    with pytest.raises(ConnectorError) as missing:
        await FortnoxPayments(fortnox, {}).create(by_card, {})
    assert missing.value.error_class is ErrorClass.DATA
    assert "setting gift_card_mode_of_payment" in missing.value.message
    unknown = FortnoxPayments(fortnox, {"gift_card_mode_of_payment": "NOPE"})
    with pytest.raises(ConnectorError) as refused:
        await unknown.create(by_card, {})
    assert refused.value.error_class is ErrorClass.DATA
    assert "NOPE (setting gift_card_mode_of_payment)" in refused.value.message
    assert await fortnox_payments(fortnox, invoice) == []


async def test_visma_net_takes_the_gift_card_by_its_payment_method(visma_sandbox, visma):
    card = GiftCard(code="GC-7F3A", amount=Money.of("100.00", "EUR"))
    _, order = await placed(visma, "GC-5001", "presentkort@example.se", gift_cards=[card])
    made = simulate(visma_sandbox, invoice_orders=100)["invoice_orders"]
    invoices = [await visma.get(f"/v1/customerinvoice/{number}") for number in made]
    invoice = next(doc for doc in invoices if doc["externalReference"] == "GC-5001")
    assert dec(invoice["amountInCurrency"]) == Decimal("230.85")  # the full price
    writer = VismaPayments(visma, VISMA)
    by_card = await writer.create(paid("51:gift_card", order, "100.00", "gift_card"), {})
    rest = await writer.create(paid("51", order, "130.85", "checkmo"), {})
    assert (by_card.payload["paymentMethod"]["id"], by_card.payload["cashAccount"]) == (
        "PRESENTKORT", "2421"
    )  # fmt: skip
    assert (rest.payload["paymentMethod"]["id"], rest.payload["cashAccount"]) == ("KORT", "1580")
    assert [dec(p["paymentAmount"]) for p in (by_card.payload, rest.payload)] == [
        Decimal("100.00"), Decimal("130.85")
    ]  # fmt: skip
    closed = await visma.get(f"/v1/customerinvoice/{invoice['referenceNumber']}")
    assert (closed["status"], dec(closed["balanceInCurrency"])) == ("Closed", 0)
    found = await writer.find(paid("51:gift_card", order, "100.00", "gift_card"))
    assert found.target_id == by_card.target_id


async def test_visma_net_gift_card_payments_need_a_known_payment_method(visma_sandbox, visma):
    card = GiftCard(code="GC-7F3A", amount=Money.of("100.00", "EUR"))
    _, order = await placed(visma, "GC-6001", "utanmetod@example.se", gift_cards=[card])
    simulate(visma_sandbox, invoice_orders=100)
    by_card = paid("61:gift_card", order, "100.00", "gift_card")
    with pytest.raises(ConnectorError) as missing:
        await VismaPayments(visma, {}).create(by_card, {})
    assert missing.value.error_class is ErrorClass.DATA
    assert "setting gift_card_payment_method" in missing.value.message
    unknown = VismaPayments(visma, {"gift_card_payment_method": "NOPE"})
    with pytest.raises(ConnectorError) as refused:
        await unknown.create(by_card, {})
    assert refused.value.error_class is ErrorClass.DATA
    assert "NOPE (setting gift_card_payment_method)" in refused.value.message
    assert await unknown.find(by_card) is None

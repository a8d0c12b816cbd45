"""Customer candidates for de-duplication (the customer writers' `candidates()`), against the
Fortnox and Visma.net sandboxes over real HTTP: what each key finds, what a candidate's card
carries and what a search costs. Both sandboxes seed the first three demo customers as
existing ERP customers, phones typed without spaces. Every request is checked against the
vendor's OpenAPI document."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from brygga.connectors.customer_search import SEARCH_PAGE_SIZE
from brygga.connectors.fortnox import writers as fortnox
from brygga.connectors.fortnox.client import FortnoxClient
from brygga.connectors.http import HttpClient
from brygga.connectors.vismanet import writers as vismanet
from brygga.connectors.vismanet.client import VismanetClient, dto
from brygga.engine.protocols import Candidate, SearchesCandidates
from brygga.model import Address, Customer, CustomerCard, CustomerType
from brygga.sandbox import seed
from tests.connectors.test_fortnox import checked_client
from tests.connectors.test_vismanet import validate
from tests.sandbox.test_vismanet_spec import document, openapi  # noqa: F401
from tests.support.processes import SandboxProcess, start_sandbox

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type:UserWarning")

# Per system: the search filters the writer may send, and the parameters of every search (its
# page, and Fortnox's filter of active customers).
FILTERS = {
    "fortnox": {"email", "organisationnumber", "phone", "name", "zipcode"},
    "vismanet": {"email", "corporateId", "vatRegistrationId", "phone", "name"},
}
PAGING = {
    "fortnox": {"page": "1", "limit": "20", "filter": "active"},
    "vismanet": {"pageNumber": "1", "pageSize": "20"},
}
JONAS = seed.generate().customers[1]  # seeded in both ERPs: Swedish, phone +46707161381
assert JONAS.phone == "+46 70 716 13 81" and JONAS.address.postcode == "114 35"


@dataclass
class Erp:
    """A customer writer of one ERP, and the requests its client sends."""

    system: str
    writer: fortnox.CustomerWriter | vismanet.CustomerWriter
    http: HttpClient
    sent: list[httpx.Request] = field(default_factory=list)

    async def search(self, card: CustomerCard) -> tuple[list[Candidate], list[httpx.Request]]:
        """The candidates of `card`, and the requests the search sent."""
        before, self.sent[:] = self.http.stats.requests, []
        found = await self.writer.candidates(card)
        assert self.http.stats.requests - before == len(self.sent)
        return found, list(self.sent)


@pytest.fixture(scope="module", params=["fortnox", "vismanet"])
def sandbox(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SandboxProcess]:
    system = request.param
    process = start_sandbox(system, tmp_path_factory.mktemp(system), "--no-rate-limit")
    yield process
    process.stop()


@pytest.fixture
async def erp(sandbox: SandboxProcess, request: pytest.FixtureRequest) -> AsyncIterator[Erp]:
    """The ERP's customer writer; every request it sent is checked against the spec."""
    client: FortnoxClient | VismanetClient
    if sandbox.system == "fortnox":
        client, check = checked_client(sandbox)
        found = Erp("fortnox", fortnox.CustomerWriter(client), client.http)
        verify = check.validate
    else:
        client = VismanetClient(sandbox.base_url, sandbox.credentials() | {"rate_limit": False})
        found = Erp("vismanet", vismanet.CustomerWriter(client), client.http)
        spec, checked = request.getfixturevalue("openapi"), list[httpx.Request]()
        client.http.observe(checked.append)

        def verify() -> None:
            for sent in checked:
                validate(spec, sent)

    client.http.observe(found.sent.append)
    yield found
    await client.aclose()
    verify()


def emails(found: list[Candidate]) -> list[str]:
    return [candidate.card.email for candidate in found]


def filters(erp: Erp, request: httpx.Request) -> dict[str, str]:
    """The search filters of a customer list request, checked to read one small page."""
    params = dict(request.url.params)
    assert request.method == "GET" and request.url.path in ("/3/customers", "/v1/customer")
    assert {name: params.pop(name, None) for name in PAGING[erp.system]} == PAGING[erp.system]
    assert params and set(params) <= FILTERS[erp.system], params
    return params


async def company(erp: Erp, name: str, organisation_number: str) -> Customer:
    """A company customer created in the ERP by the connector."""
    address = Address(line1="Storgatan 1", postcode="211 20", city="Malmö", country="SE")
    record = Customer(
        source_id=name, email=f"info@{name.split()[0].lower()}.se", first_name="Åsa",
        last_name="Öberg", company=name, type=CustomerType.COMPANY,
        organisation_number=organisation_number, address=address,
    )  # fmt: skip
    await erp.writer.create(record, {})
    return record


def test_both_writers_search_candidates() -> None:
    assert issubclass(fortnox.CustomerWriter, SearchesCandidates)
    assert issubclass(vismanet.CustomerWriter, SearchesCandidates)


async def test_the_seeded_customer_is_found_by_email_in_other_case(erp: Erp) -> None:
    found, sent = await erp.search(CustomerCard(email=JONAS.email.upper()))
    assert emails(found) == [JONAS.email]
    assert [filters(erp, request) for request in sent] == [{"email": JONAS.email}]


@pytest.mark.parametrize(
    "card",
    [CustomerCard(phone="070-716 13 81", country="SE"), CustomerCard(phone="+46 70 716 13 81")],
    ids=["national", "international"],
)
async def test_the_seeded_customer_is_found_by_phone_in_another_format(
    erp: Erp, card: CustomerCard
) -> None:
    found, sent = await erp.search(card)
    assert emails(found) == [JONAS.email] and len(sent) == 1
    # Fortnox by a substring of the digits, Visma.net (equality) by the number in E.164.
    expected = {"fortnox": "7161381", "vismanet": "+46707161381"}[erp.system]
    assert filters(erp, sent[0]) == {"phone": expected}


async def test_the_seeded_customer_is_found_by_name_and_place(erp: Erp) -> None:
    other = Customer(
        source_id="karin", email="karin.muller@example.se", first_name="Karin",
        last_name="Müller", address=Address(line1="Avenyn 1", postcode="411 36",
        city="Göteborg", country="SE"),
    )  # fmt: skip
    await erp.writer.create(other, {})
    found, sent = await erp.search(CustomerCard(name="Jonas Müller", postcode="114 35"))
    assert emails(found) == [JONAS.email]
    # Fortnox: surname and postcode, both applied; Visma.net: the full name, no postcode filter.
    expected = {
        "fortnox": {"name": "Müller", "zipcode": "114 35"},
        "vismanet": {"name": "Jonas Müller"},
    }[erp.system]
    assert [filters(erp, request) for request in sent] == [expected]


async def test_a_company_is_found_by_organisation_number_typed_without_the_dash(
    erp: Erp,
) -> None:
    created = await company(erp, "Nordljus AB", "556677-8899")
    await company(erp, "Sydljus AB", "556677-8898")
    found, sent = await erp.search(CustomerCard(organisation_number="5566778899"))
    assert [candidate.card.company for candidate in found] == ["Nordljus AB"]
    card = found[0].card
    assert (card.organisation_number, card.email) == ("556677-8899", created.email)
    # A Fortnox list item names only the company; Visma.net's main contact is the person.
    assert card.name == {"fortnox": "", "vismanet": "Åsa Öberg"}[erp.system]
    key = {"fortnox": "organisationnumber", "vismanet": "corporateId"}[erp.system]
    assert [filters(erp, request) for request in sent] == [{key: "556677-8899"}]


async def test_a_candidate_carries_the_erp_card_and_record(erp: Erp) -> None:
    (candidate,), _ = await erp.search(CustomerCard(email=JONAS.email))
    address = JONAS.address
    assert candidate.card == CustomerCard(
        name="Jonas Müller",
        email=JONAS.email,
        phone="+46707161381",
        address_line1=address.line1,
        address_line2=address.line2,
        postcode=address.postcode,
        city=address.city,
        # A Fortnox list item has no country (fortnox.md §4.1).
        country={"fortnox": "", "vismanet": "SE"}[erp.system],
    )
    number = {"fortnox": "CustomerNumber", "vismanet": "number"}[erp.system]
    assert candidate.target_id == str(candidate.payload[number])


async def test_one_small_page_per_key_strongest_first_each_customer_once(erp: Erp) -> None:
    card = CustomerCard(
        name="Jonas Müller", email=JONAS.email, phone="070-716 13 81", postcode="114 35",
        city="Stockholm", country="SE", organisation_number="999999-9999",
        vat_number="SE999999999901",
    )  # fmt: skip
    found, sent = await erp.search(card)
    assert emails(found) == [JONAS.email]  # found by e-mail, phone and name: listed once
    expected = {
        "fortnox": ["email", "organisationnumber", "phone", "name"],  # no VAT number filter
        "vismanet": ["email", "corporateId", "vatRegistrationId", "phone", "name"],
    }[erp.system]
    assert [next(iter(filters(erp, request))) for request in sent] == expected


async def test_inactive_customers_are_no_candidates(erp: Erp) -> None:
    created = await erp.writer.create(Customer(source_id="old", email="gammal@example.se"), {})
    path = {"fortnox": "/3/customers", "vismanet": "/v1/customer"}[erp.system]
    inactive = {
        "fortnox": {"Customer": {"Name": "gammal@example.se", "Active": False}},
        "vismanet": dto({"status": "Inactive"}),
    }
    await erp.writer.client.put(f"{path}/{created.target_id}", inactive[erp.system])
    assert await erp.writer.candidates(CustomerCard(email="gammal@example.se")) == []


async def test_a_common_name_reads_one_page_only(erp: Erp) -> None:
    address = Address(line1="Gatan 1", postcode="111 11", city="Stockholm", country="SE")
    for index in range(SEARCH_PAGE_SIZE + 5):
        namesake = Customer(source_id=f"anna-{index}", email=f"anna.{index}@example.se",
                            first_name="Anna", last_name="Andersson", address=address)  # fmt: skip
        await erp.writer.create(namesake, {})
    found, sent = await erp.search(CustomerCard(name="Anna Andersson", postcode="111 11"))
    assert len(found) == SEARCH_PAGE_SIZE and len(sent) == 1


@pytest.mark.parametrize(
    "card",
    [
        CustomerCard(),
        CustomerCard(address_line1="Main Street 70", postcode="114 35", city="Stockholm"),
        CustomerCard(phone="12 34 56", country="SE"),  # too short to be a key
        CustomerCard(email="  ", organisation_number=" ", vat_number=" "),
    ],
    ids=["empty", "address", "short-phone", "blanks"],
)
async def test_a_card_without_keys_costs_nothing(erp: Erp, card: CustomerCard) -> None:
    assert await erp.search(card) == ([], [])


async def test_fortnox_needs_a_postcode_with_the_name(erp: Erp) -> None:
    found, sent = await erp.search(CustomerCard(name="Jonas Müller", city="Stockholm"))
    if erp.system == "fortnox":
        assert (found, sent) == ([], [])
    else:
        assert emails(found) == [JONAS.email] and len(sent) == 1

"""The matcher's rules on hand-picked pairs: the hard negatives it must never link, the
variations of one customer it must link, and the reasons it gives."""

from __future__ import annotations

import pytest

from brygga.engine.dedupe import Action, Ceiling, Policy, compare, normalise, would_link
from brygga.model import Customer, CustomerCard
from brygga.model.address import Address

ASA = CustomerCard(
    name="Åsa Lindqvist",
    email="asa.lindqvist12@example.se",
    phone="+46 70 123 45 67",
    address_line1="Storgatan 12",
    postcode="114 35",
    city="Stockholm",
    country="SE",
)
# Valid Swedish organisation numbers (Luhn), two different companies.
NORDLJUS, NORDLJUS_DESIGN = "556677-8899", "556016-0680"
COMPANY = CustomerCard(
    name="Karin Berg",
    company="Nordljus AB",
    email="inkop@nordljus.se",
    organisation_number=NORDLJUS,
    address_line1="Kungsgatan 4",
    postcode="411 05",
    city="Göteborg",
    country="SE",
)


def variant(card: CustomerCard, **changes: str) -> CustomerCard:
    return card.model_copy(update=changes)


@pytest.mark.parametrize(
    ("original", "twin"),
    [
        (ASA, variant(ASA, email="ASA.Lindqvist12@Example.SE ")),
        (ASA, variant(ASA, name="Asa Lindqvist")),
        (ASA, variant(ASA, name="Åsa Lindqivst")),  # two letters swapped
        (ASA, variant(ASA, address_line1="Storg. 12", postcode="11435")),
        (ASA, variant(ASA, email="asa.lindqvist@mail.example")),  # another e-mail, same phone
        (ASA, variant(ASA, email="asa@work.example", phone="070-123 45 67")),
        (ASA, variant(ASA, email="", phone="0046701234567", city="STOCKHOLM")),
        (ASA, variant(ASA, name="ÅSA LINDQVIST", postcode="SE-114 35")),
        (COMPANY, variant(COMPANY, name="Erik Holm", email="erik@nordljus.se")),  # a colleague
        (
            COMPANY,
            variant(COMPANY, company="Nordljus Aktiebolag", organisation_number="5566778899"),
        ),
        (COMPANY, variant(COMPANY, organisation_number="", vat_number="SE556677889901")),
    ],
)
def test_the_same_customer_typed_differently_is_linked(original, twin):
    comparison = compare(original, twin)
    assert Policy().decide(comparison) is Action.LINK, comparison.explained()


@pytest.mark.parametrize(
    ("one", "other", "expected"),
    [
        # A family: one address and phone, another first name.
        (ASA, variant(ASA, name="Erik Lindqvist", email="erik.l@example.se"), Action.CREATE),
        (ASA, variant(ASA, name="Sanna Lindqvist", email="sanna@example.se"), Action.CREATE),
        (ASA, variant(ASA, name="Anna Lindqvist", email=""), Action.CREATE),
        # One family e-mail for two people: a person decides.
        (ASA, variant(ASA, name="Erik Lindqvist"), Action.REVIEW),
        # Two companies with similar names and different organisation numbers, same e-mail.
        (COMPANY, variant(COMPANY, company="Nordljus Design AB",
                          organisation_number=NORDLJUS_DESIGN), Action.CREATE),
        (COMPANY, variant(COMPANY, organisation_number=NORDLJUS_DESIGN), Action.CREATE),
        # A company on its name and address alone: never automatically.
        (COMPANY, variant(COMPANY, email="", organisation_number="", name=""), Action.REVIEW),
        # A company and a private person at one address, with one e-mail.
        (COMPANY, variant(COMPANY, company="", organisation_number=""), Action.REVIEW),
        # A namesake in the same city.
        (ASA, variant(ASA, email="asa.l@other.example", phone="+46 70 999 88 77",
                      address_line1="Drottninggatan 3"), Action.CREATE),
    ],
)  # fmt: skip
def test_different_customers_are_never_linked_automatically(one, other, expected):
    comparison = compare(one, other)
    assert Policy().decide(comparison) is expected, comparison.explained()
    assert not would_link(one, other)


def test_different_valid_organisation_numbers_override_everything_else():
    twin = variant(COMPANY, organisation_number=NORDLJUS_DESIGN)
    comparison = compare(COMPANY, twin)
    assert (comparison.score, comparison.ceiling) == (0.0, Ceiling.NEW)
    assert "different organisation numbers" in comparison.explained()


def test_an_invalid_organisation_number_is_no_evidence_either_way():
    typo = variant(COMPANY, organisation_number="556677-8898")  # fails the check digit
    assert normalise.identities(typo.organisation_number, "", "SE") == {}
    assert "organisation number" not in compare(COMPANY, typo).explained()


def test_reasons_explain_the_score():
    twin = variant(ASA, email="asa.lindqvist@mail.example", address_line1="Storg. 12")
    comparison = compare(ASA, twin)
    assert comparison.reasons == (
        "same phone (+46701234567)",
        "same name",
        "same street address",
        "same postcode",
        "same city",
    )
    assert comparison.explained().startswith("score 1.00: same phone")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Storgatan 1", "Storg. 1"),
        ("Strandvägen 7", "Strandv. 7"),
        ("Karl Johans gate 12 B", "Karl Johans g. 12b"),
        ("Baker Street 4", "Baker St. 4"),
        ("Torstraße 5", "Torstrasse 5"),
        ("Torstraße 5", "Torstr. 5"),
        ("Strøget 3", "Strø. 3"),
    ],
)
def test_street_abbreviations_compare_equal(one, other):
    card = variant(ASA, email="", phone="", address_line1=one)
    twin = variant(card, address_line1=other)
    assert "same street address" in compare(card, twin).reasons


def test_phone_numbers_compare_in_e164_in_the_customers_country():
    assert normalise.phone("070-123 45 67", "SE") == "+46701234567"
    assert normalise.phone("0046 70 123 45 67", "SE") == "+46701234567"
    assert normalise.phone("22 33 44 55", "NO") == "+4722334455"


def test_a_vat_number_meets_the_organisation_number_inside_it():
    assert normalise.identities("", "SE556677889901", "") == {
        "VAT": "SE556677889901",
        "SE": "5566778899",
    }
    assert normalise.identities("", "NO 123 456 785 MVA", "NO") == {
        "VAT": "NO123456785MVA",
        "NO": "123456785",
    }
    assert normalise.identities("", "DK13585628", "") == {"VAT": "DK13585628", "DK": "13585628"}


def test_the_card_of_a_customer_flattens_its_address():
    customer = Customer(
        source_id="1",
        first_name="Åsa",
        last_name="Lindqvist",
        email="asa@example.se",
        address=Address(line1="Storgatan 12", postcode="114 35", city="Stockholm", country="SE",
                        phone="+46 70 123 45 67"),
    )  # fmt: skip
    card = CustomerCard.of(customer)
    assert (card.name, card.phone, card.address_line1, card.country) == (
        "Åsa Lindqvist",
        "+46 70 123 45 67",
        "Storgatan 12",
        "SE",
    )


def test_thresholds_out_of_order_are_refused():
    with pytest.raises(ValueError, match="dedupe_review_score"):
        Policy.of({"dedupe_link_score": 0.5, "dedupe_review_score": 0.7})
    assert Policy.of({"dedupe_link_score": "0.95"}).link_at == 0.95

"""Finding the ERP customers that may be a given one, for the engine's de-duplication
(`engine.protocols.SearchesCandidates`), with the ERP's own search filters. The rules are the
same for every ERP:

- One query per strong key the card has, strongest first: e-mail, organisation number, VAT
  number, phone, then name with place. A query is sent only when the card has every value it
  filters on, so there is never a query without a filter, and a card without keys costs no
  request.
- Each query reads only its first page of `SEARCH_PAGE_SIZE` customers, so a common surname
  cannot list the register.
- Values go in the form the ERP most likely stores, since it keeps what was typed: the e-mail
  lower-cased; a 10-digit Swedish organisation number as `556677-8899`, any other as given;
  the phone as the ERP's kind of search needs it (`phone_tail`, `phone_number`).
- Candidates are de-duplicated by customer number, in the order of the first query that found
  them. Nothing is compared here: the engine scores the candidates' cards.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import phonenumbers

from brygga.engine.protocols import Candidate
from brygga.model import CustomerCard

SEARCH_PAGE_SIZE = 20
PHONE_DIGITS = 7  # a phone with fewer digits is no key

Query = dict[str, str]


async def search(
    queries: list[Query], first_page: Callable[[Query], Awaitable[list[Candidate]]]
) -> list[Candidate]:
    """The candidates of `queries`, strongest first; a query missing a value is not sent."""
    found: dict[str, Candidate] = {}
    for query in queries:
        if all(query.values()):
            for candidate in await first_page(query):
                found.setdefault(candidate.target_id, candidate)
    return list(found.values())


def email(card: CustomerCard) -> str:
    return card.email.strip().lower()


def organisation_number(card: CustomerCard) -> str:
    """Ten digits are a Swedish number, written as Swedish registers write it: `556677-8899`."""
    typed = card.organisation_number.strip()
    digits = re.sub(r"[\s-]", "", typed)
    if len(digits) == 10 and digits.isdigit():
        return f"{digits[:6]}-{digits[6:]}"
    return typed


def vat_number(card: CustomerCard) -> str:
    return re.sub(r"\s", "", card.vat_number).upper()


def phone_tail(card: CustomerCard) -> str:
    """The phone's last digits, for a substring search: `+46 70 123 45 67` and `0701234567`
    both give `1234567`. An assumption: the ERP keeps these digits together, as in a number
    typed without spaces; one stored as `070-123 45 67` is not found this way."""
    digits = re.sub(r"\D", "", card.phone)
    return digits[-PHONE_DIGITS:] if len(digits) >= PHONE_DIGITS else ""


def phone_number(card: CustomerCard) -> str:
    """The whole phone, for a search by equality: in E.164 (`+46701234567`) where the number
    or the card's country says its country code, else its digits as typed. An assumption: the
    ERP holds the number in that form, as typed without spaces."""
    if len(re.sub(r"\D", "", card.phone)) < PHONE_DIGITS:
        return ""
    try:
        number = phonenumbers.parse(card.phone, card.country.upper() or None)
    except phonenumbers.NumberParseException:
        return re.sub(r"[^\d+]", "", card.phone)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def full_name(card: CustomerCard) -> str:
    """What an ERP names the customer: the company, else the person."""
    return (card.company or card.name).strip()


def surname(card: CustomerCard) -> str:
    """The company, else the person's last name: a substring search by it also finds the
    person written "Berg, Anna" or with a middle name."""
    if card.company.strip():
        return card.company.strip()
    names = card.name.split()
    return names[-1] if names else ""

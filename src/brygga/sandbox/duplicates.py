"""Near-duplicate customers for the demo data: the same person entered twice, slightly
differently, the way shops really accumulate them. Each is labelled, so dedupe can be scored."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import timedelta

from brygga.sandbox.seed_records import Customer, ascii_text

KINDS = ("email_case", "diacritics", "typo", "abbreviation", "other_email")

# Street words and the abbreviations people type instead.
ABBREVIATIONS = {
    "gatan": "g.",
    "vägen": "v.",
    "Street": "St.",
    "gate": "g.",
    "straße": "str.",
    "gracht": "gr.",
    "tie": "t.",
}


@dataclass(frozen=True)
class NearDuplicate:
    customer_id: int
    duplicate_of: int
    kind: str  # one of KINDS


def near_duplicates(
    rng: random.Random, customers: list[Customer], share: float = 0.05
) -> tuple[list[Customer], list[NearDuplicate]]:
    """New customers that copy a share of `customers` with one difference each."""
    if not customers:
        return [], []
    originals = rng.sample(customers, max(1, round(len(customers) * share)))
    next_id = max(customer.id for customer in customers) + 1
    twins, labels = [], []
    for offset, original in enumerate(originals):
        kind = KINDS[offset % len(KINDS)]
        twin = _twin(rng, original, kind, next_id + offset)
        twins.append(twin)
        labels.append(NearDuplicate(twin.id, original.id, kind))
    return twins, labels


def _twin(rng: random.Random, original: Customer, kind: str, new_id: int) -> Customer:
    first, last, email = original.first_name, original.last_name, original.email
    address = original.address
    if kind == "email_case":
        local, _, domain = email.partition("@")
        email = f"{local.title()}@{domain.upper()}"
    elif kind == "diacritics":
        first, last = ascii_text(first), ascii_text(last)
    elif kind == "typo":
        last = _swap_two_letters(rng, last)
    elif kind == "abbreviation":
        address = dataclasses.replace(address, line1=_abbreviated(address.line1))
    else:
        email = f"{ascii_text(first)}.{ascii_text(last)}@mail.example".lower()
    address = dataclasses.replace(address, first_name=first, last_name=last, email=email)
    created = original.created_at + timedelta(days=rng.randint(1, 60))
    return dataclasses.replace(
        original,
        id=new_id,
        email=email,
        first_name=first,
        last_name=last,
        address=address,
        created_at=created,
    )


def _abbreviated(line: str) -> str:
    for word, short in ABBREVIATIONS.items():
        if word in line:
            return line.replace(word, short)
    street, _, number = line.rpartition(" ")
    return f"{street[:4]}. {number}"  # no known word: cut the street name short


def _swap_two_letters(rng: random.Random, word: str) -> str:
    """Two neighbouring letters after the first swapped: Lindqvist → Lindqivst."""
    if len(word) < 4:
        return word + word[-1]
    index = rng.randrange(2, len(word))
    return word[: index - 1] + word[index] + word[index - 1] + word[index + 1 :]

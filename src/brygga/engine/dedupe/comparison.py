"""One customer compared with another: a score from 0 to 1, the reasons for it in words, and
the furthest the decision may go whatever the score (the rules that keep different customers
apart). docs/dedupe.md explains the rules for an operations reader."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property

from rapidfuzz.distance import DamerauLevenshtein, Indel, JaroWinkler

from brygga.engine.dedupe import normalise
from brygga.model import CustomerCard

# What each piece of evidence adds to the score (which is capped at 1).
WEIGHTS = {
    "organisation_number": 0.8,
    "email": 0.8,
    "phone": 0.4,
    "name": 0.4,
    "similar_name": 0.2,
    "street": 0.25,
    "postcode": 0.1,
    "city": 0.05,
}
COMPANY_NAME_ALIKE, COMPANY_NAME_SIMILAR = 0.92, 0.8  # normalised Indel similarity
PLACE_ALIKE = 0.9  # Jaro-Winkler for street and city names typed slightly differently


class Ceiling(IntEnum):
    """The furthest a comparison may lead, whatever its score."""

    NEW = 0  # never the same customer: create a new one
    REVIEW = 1  # may be the same, but only a person may say so
    LINK = 2  # no rule stands in the way


@dataclass(frozen=True)
class Comparison:
    score: float
    reasons: tuple[str, ...]
    ceiling: Ceiling = Ceiling.LINK

    def explained(self) -> str:
        return explanation(self.score, self.reasons)


def explanation(score: float, reasons: tuple[str, ...] | list[str]) -> str:
    """A score and its reasons in one line: "score 0.95: same phone; same name"."""
    return f"score {score:.2f}: " + "; ".join(reasons)


@dataclass(frozen=True)
class Profile:
    """A card's fields in the forms they are compared in, worked out once per card."""

    card: CustomerCard
    country: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "country", self.card.country.strip().upper())

    @cached_property
    def email(self) -> str:
        return normalise.email(self.card.email)

    def phone(self, other_country: str) -> str:
        return normalise.phone(self.card.phone, self.country, other_country)

    @cached_property
    def identities(self) -> dict[str, str]:
        card = self.card
        return normalise.identities(card.organisation_number, card.vat_number, self.country)

    @cached_property
    def person(self) -> tuple[list[str], str]:
        return normalise.person_name(self.card.name)

    @cached_property
    def company(self) -> str:
        return normalise.company_name(self.card.company)

    @property
    def is_company(self) -> bool:
        return bool(self.company or self.identities)

    @cached_property
    def street(self) -> tuple[str, str]:
        return normalise.street(self.card.address_line1)

    @cached_property
    def postcode(self) -> str:
        return normalise.postcode(self.card.postcode)

    @cached_property
    def city(self) -> str:
        return "".join(normalise.words(self.card.city))


def compare(a: CustomerCard | Profile, b: CustomerCard | Profile) -> Comparison:
    one = a if isinstance(a, Profile) else Profile(a)
    other = b if isinstance(b, Profile) else Profile(b)
    return _Comparer(one, other).result()


class _Comparer:
    def __init__(self, one: Profile, other: Profile) -> None:
        self.one, self.other = one, other
        self.score = 0.0
        self.reasons: list[str] = []
        self.ceiling = Ceiling.LINK

    def add(self, evidence: str, reason: str) -> None:
        self.score += WEIGHTS[evidence]
        self.reasons.append(reason)

    def limit(self, ceiling: Ceiling, reason: str) -> None:
        self.ceiling = min(self.ceiling, ceiling)
        self.reasons.append(reason)

    def result(self) -> Comparison:
        if self.different_entities():
            return Comparison(0.0, tuple(self.reasons), Ceiling.NEW)
        same_identity = self.identity()
        same_email = self.email()
        same_phone = self.phone()
        if self.one.is_company or self.other.is_company:
            self.company_names(strong=same_identity or same_email or same_phone)
        else:
            self.person_names(same_email)
        self.address()
        if not self.reasons:
            self.reasons.append("nothing in common")
        return Comparison(round(min(self.score, 1.0), 3), tuple(self.reasons), self.ceiling)

    def different_entities(self) -> bool:
        """Rule: two valid organisation (or VAT) numbers of one scheme that differ are two
        legal entities, however alike the rest."""
        ours, theirs = self.one.identities, self.other.identities
        for scheme in ours.keys() & theirs.keys():
            if ours[scheme] != theirs[scheme]:
                self.reasons.append(
                    f"different organisation numbers ({ours[scheme]} and {theirs[scheme]})"
                )
                return True
        return False

    def identity(self) -> bool:
        ours, theirs = self.one.identities, self.other.identities
        shared = [
            scheme for scheme in ours.keys() & theirs.keys() if ours[scheme] == theirs[scheme]
        ]
        if shared:
            self.add("organisation_number", f"same organisation number ({ours[shared[0]]})")
        return bool(shared)

    def email(self) -> bool:
        same = bool(self.one.email) and self.one.email == self.other.email
        if same:
            self.add("email", "same e-mail")
        return same

    def phone(self) -> bool:
        ours = self.one.phone(self.other.country)
        same = bool(ours) and ours == self.other.phone(self.one.country)
        if same:
            self.add("phone", f"same phone ({ours})")
        return same

    def company_names(self, *, strong: bool) -> None:
        """Rules: a company is never linked on its name and address alone, and a company is
        not a private customer, even at the same address."""
        if not (self.one.is_company and self.other.is_company):
            self.limit(Ceiling.REVIEW, "a company and a private customer: a person decides")
            return
        # An ERP card may carry the company's name as its only name.
        ours = self.one.company or normalise.company_name(self.one.card.name)
        theirs = self.other.company or normalise.company_name(self.other.card.name)
        similarity = Indel.normalized_similarity(ours, theirs) if ours and theirs else 0.0
        if similarity >= COMPANY_NAME_ALIKE:
            self.add("name", "same company name")
        elif similarity >= COMPANY_NAME_SIMILAR:
            self.add("similar_name", "similar company names")
        if not strong:
            self.limit(
                Ceiling.REVIEW,
                "no organisation number, e-mail or phone in common: a company is never "
                "linked on its name and address alone",
            )

    def person_names(self, same_email: bool) -> None:
        """Rule: people with different first names are different people, even at one address
        with one phone (a family); with one e-mail too, a person decides."""
        (given, surname), (their_given, their_surname) = self.one.person, self.other.person
        if not (surname and their_surname):
            return
        if sorted([*given, surname]) == sorted([*their_given, their_surname]) or _alike(
            "".join([*given, surname]), "".join([*their_given, their_surname])
        ):
            self.add("name", "same name")  # also in another order, or with one slip
            return
        surnames = _alike(surname, their_surname)
        firsts = _first_names(given, their_given)
        if surnames and firsts == _SAME:
            self.add("name", "same name")
        elif surnames and firsts == _SIMILAR:
            self.add("similar_name", "similar first names")
            self.limit(Ceiling.REVIEW, "first names differ slightly: a person decides")
        elif surnames:
            ceiling = Ceiling.REVIEW if same_email else Ceiling.NEW
            self.limit(ceiling, "different first names: another member of the family")
        elif firsts == _SAME and _similar(surname, their_surname):
            self.add("similar_name", "similar surnames")
            self.limit(Ceiling.REVIEW, "surnames differ slightly: a person decides")
        else:
            self.limit(Ceiling.REVIEW if same_email else Ceiling.NEW, "different names")

    def address(self) -> None:
        (street, number), (their_street, their_number) = self.one.street, self.other.street
        if street and number and number == their_number and _same_street(street, their_street):
            self.add("street", "same street address")
        if self.one.postcode and self.one.postcode == self.other.postcode:
            self.add("postcode", "same postcode")
        city, their_city = self.one.city, self.other.city
        if (
            city
            and their_city
            and JaroWinkler.normalized_similarity(city, their_city) >= PLACE_ALIKE
        ):
            self.add("city", "same city")


_SAME, _SIMILAR, _DIFFERENT = "same", "similar", "different"


def _first_names(ours: list[str], theirs: list[str]) -> str:
    """Same when any given name (or its initial) matches, or all of them written together
    ("Anna-Karin", "Anna Karin"); similar when one is a near miss."""
    if not ours or not theirs:
        return _SAME  # one side gives the surname only: nothing to set them apart
    if _alike("".join(ours), "".join(theirs)):
        return _SAME
    for one in ours:
        for other in theirs:
            if _alike(one, other) or _initial(one, other):
                return _SAME
    if any(_similar(one, other) for one in ours for other in theirs):
        return _SIMILAR
    return _DIFFERENT


def _alike(one: str, other: str) -> bool:
    """Equal (also as Müller and Mueller are), or one slip of the keyboard apart: a letter
    dropped or doubled, or two letters swapped, after the first letter. A letter replaced by
    another (Anna, Anne) makes another name."""
    if one == other or normalise.spelled_alike(one) == normalise.spelled_alike(other):
        return True
    if min(len(one), len(other)) < 3 or one[0] != other[0]:
        return False
    swapped = sorted(one) == sorted(other) and DamerauLevenshtein.distance(one, other) == 1
    return swapped or Indel.distance(one, other) == 1


def _similar(one: str, other: str) -> bool:
    return JaroWinkler.normalized_similarity(one, other) >= 0.9


def _initial(one: str, other: str) -> bool:
    return (len(one) == 1 and other.startswith(one)) or (len(other) == 1 and one.startswith(other))


def _same_street(ours: str, theirs: str) -> bool:
    """Alike after abbreviation, a street name cut short ("Strø." for Strøget), or a typo."""
    if ours == theirs:
        return True
    short, long = sorted((ours, theirs), key=len)
    if len(short) >= 3 and long.startswith(short):
        return True
    return JaroWinkler.normalized_similarity(ours, theirs) >= PLACE_ALIKE

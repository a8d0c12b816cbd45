"""A labelled set of customer pairs to measure de-duplication (brygga.engine.dedupe) on: the same
customer entered twice, and two different customers, as shops and ERPs really accumulate them.

Each pair is an ERP's register card (`a`) and a shop's (`b`). About 40 % are one customer typed
twice, with one to three realistic variations (kind `other_email+abbreviation`); 45 % are hard
negatives that share a lot (family members, namesakes, neighbours, similar or equal company
names, a company and a person at one address); 15 % are random pairs. A positive always keeps
something a careful clerk would go by: the e-mail, the phone, the organisation number, or the
postal address with the name. The set is not fitted to any matcher: shares and weights say how
often a case comes up in a shop, not what a matcher finds hard.

The people, and how each system types them in, come from brygga.sandbox.dedupe_people.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from brygga.model import CustomerCard
from brygga.sandbox.dedupe_markets import (
    COMPANY_MARKETS,
    COMPANY_NAMES,
    LEGAL_FORMS,
    MARKETS,
    QUALIFIERS,
    WEBMAIL,
)
from brygga.sandbox.dedupe_people import (
    CITY_SPELLINGS,
    NAME_CASES,
    PHONE_FORMS,
    People,
    Person,
    Style,
    abbreviations,
    card,
    postcodes,
    slug,
)

POSITIVE_SHARE, HARD_NEGATIVE_SHARE = 0.40, 0.45  # the rest are random pairs
HARD_NEGATIVES = {  # kind → share of the hard negatives
    "family": 0.20,
    "family_shared_email": 0.04,  # ... and one family e-mail address
    "namesake": 0.22,
    "neighbour": 0.20,
    "similar_company": 0.14,
    "same_company_name": 0.08,
    "company_and_person": 0.06,  # a company and someone else living at its address
    "company_and_owner": 0.06,  # a one-person company run from home, and its owner privately
}
COMPANY_SHARE = 0.2  # of the positives: enough B2B pairs to measure each company variation
VARIATION_COUNTS = {1: 45, 2: 35, 3: 20}  # how many variations a positive has, weighted
NOISE = 0.35  # share of hard negatives typed with one more difference, as positives are


@dataclass(frozen=True)
class LabelledPair:
    """Two register cards, and whether they are one customer."""

    a: CustomerCard  # as the ERP has the customer
    b: CustomerCard  # as the shop sends it
    same: bool  # one customer: the matcher should link them
    kind: str = ""  # the variations of a positive (`other_email+abbreviation`), else the negative


def labelled_pairs(seed: int = 7, size: int = 5000) -> list[LabelledPair]:
    """`size` labelled pairs, shuffled; the same seed always gives the same pairs."""
    people = People(seed, max(2 * size, 100))
    positives = round(size * POSITIVE_SHARE)
    hard = _apportion(round(size * HARD_NEGATIVE_SHARE), HARD_NEGATIVES)
    pairs = [_positive(people) for _ in range(positives)]
    for kind, count in hard.items():
        pairs += [_hard_negative(people, kind) for _ in range(count)]
    pairs += [_random_pair(people) for _ in range(size - len(pairs))]
    people.rng.shuffle(pairs)
    return pairs


def write_jsonl(pairs: Iterable[LabelledPair], path: str | Path) -> None:
    """One pair a line: `{"a": {card}, "b": {card}, "same": bool, "kind": str}`, empty fields left
    out (docs/dedupe.md)."""
    with Path(path).open("w", encoding="utf-8") as out:
        for pair in pairs:
            line = {
                "a": pair.a.model_dump(exclude_defaults=True),
                "b": pair.b.model_dump(exclude_defaults=True),
                "same": pair.same,
                "kind": pair.kind,
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")


def _apportion(total: int, shares: dict[str, float]) -> dict[str, int]:
    """`total` split by `shares`, rounded so the counts add up (largest remainder)."""
    exact = {kind: total * share / sum(shares.values()) for kind, share in shares.items()}
    counts = {kind: int(value) for kind, value in exact.items()}
    by_remainder = sorted(exact, key=lambda kind: counts[kind] - exact[kind])
    for kind in by_remainder[: total - sum(counts.values())]:
        counts[kind] += 1
    return counts


def _positive(people: People) -> LabelledPair:
    company = people.rng.random() < COMPANY_SHARE
    person = people.company() if company else people.person()
    style = people.style(person)
    wanted = people.rng.choices(list(VARIATION_COUNTS), list(VARIATION_COUNTS.values()))[0]
    while True:  # drawn again until a clerk could tell (rare)
        draft, applied = _Draft(person, person, style, style), []
        candidates = list(VARIATIONS)
        while len(applied) < wanted and candidates:
            variation = people.rng.choices(candidates, [v.weight for v in candidates])[0]
            candidates.remove(variation)
            taken = any(variation.slots & _BY_NAME[name].slots for name in applied)
            if not taken and variation.apply(people, draft):
                applied.append(variation.name)
        if applied and _anchored(draft, applied):
            kind = "+".join(v.name for v in VARIATIONS if v.name in applied)
            return draft.pair(True, kind)


def _hard_negative(people: People, kind: str) -> LabelledPair:
    draft = _NEGATIVES[kind](people)
    if people.rng.random() < NOISE:
        noise = people.rng.choice(NOISE_BY_KIND[kind].split())
        kind += f"+{noise}" if _BY_NAME[noise].apply(people, draft) else ""
    return draft.pair(False, kind)


def _random_pair(people: People) -> LabelledPair:
    a, b = (people.company() if people.rng.random() < 0.1 else people.person() for _ in "ab")
    return LabelledPair(card(a, people.style(a)), card(b, people.style(b)), False, "random")


@dataclass
class _Draft:
    """A pair being made: the two people (at first one person twice) and how each is typed."""

    a: Person
    b: Person
    style_a: Style
    style_b: Style

    def pair(self, same: bool, kind: str) -> LabelledPair:
        return LabelledPair(card(self.a, self.style_a), card(self.b, self.style_b), same, kind)


Apply = Callable[[People, _Draft], bool]  # changes the draft, or says it does not apply


@dataclass(frozen=True)
class _Variation:
    name: str
    weight: int  # how often it comes up, relative to the others
    slots: frozenset[str]  # what it changes: variations sharing a slot are never combined
    apply: Apply


def _restyle(
    attribute: str, field: str, options: Callable[[Person, Style], Sequence[Any]]
) -> Apply:
    """A variation that types one field of the shop's card another way: any option of the
    attribute that shows in `field`."""

    def apply(people: People, d: _Draft) -> bool:
        now = getattr(card(d.b, d.style_b), field)
        fresh = [
            option
            for option in options(d.b, d.style_b)
            if getattr(card(d.b, replace(d.style_b, **{attribute: option})), field) != now
        ]
        if fresh:
            d.style_b = replace(d.style_b, **{attribute: people.rng.choice(fresh)})
        return bool(fresh)

    return apply


def _one_side(attribute: str, value: Any, needs: Callable[[Person], bool]) -> Apply:
    """A variation that leaves something out on either card: `attribute` set to `value`."""

    def apply(people: People, d: _Draft) -> bool:
        if not needs(d.a) or value in (
            getattr(d.style_a, attribute),
            getattr(d.style_b, attribute),
        ):
            return False
        side = "style_a" if people.rng.random() < 0.5 else "style_b"
        setattr(d, side, replace(getattr(d, side), **{attribute: value}))
        return True

    return apply


def _other_email(people: People, d: _Draft) -> bool:
    """Work vs private, or another webmail address."""
    work = d.a.domain and d.a.email.endswith("@" + d.a.domain)
    if not work and people.rng.random() < 0.35:
        employer = people.rng.choice(COMPANY_NAMES[people.rng.choice(list(COMPANY_NAMES))])
        email = people.email(d.a.first, d.a.last, d.a.country, f"{slug(employer)}.example")
    else:
        email = people.email(d.a.first, d.a.last, d.a.country)
    d.b = replace(d.b, email=email)
    return True


def _name_typo(people: People, d: _Draft) -> bool:
    parts = [part for part in ("first", "last") if len(getattr(d.b, part)) >= 4]
    if parts:
        part = people.rng.choice(parts)
        d.b = replace(d.b, **{part: _typo(people.rng, getattr(d.b, part))})
    return bool(parts)


def _name_hyphen(people: People, d: _Draft) -> bool:
    """Anna-Karin ↔ Anna Karin, Berg-Hansen → Berg Hansen (a space in a surname may be a
    particle, de Vries, so never the other way there)."""
    parts = [part for part in ("first", "last") if "-" in getattr(d.b, part)]
    parts += ["first"] if " " in d.b.first else []
    if parts:
        part = people.rng.choice(parts)
        name = getattr(d.b, part)
        name = name.replace("-", " ") if "-" in name else name.replace(" ", "-")
        d.b = replace(d.b, **{part: name})
    return bool(parts)


def _middle_name(people: People, d: _Draft) -> bool:
    """The ERP has the full name from a credit check, the shop the name in use; or the reverse."""
    origin = next((c for c, m in MARKETS.items() if d.a.first in m.first_names), d.a.country)
    middle = people.first_name(origin, unlike=d.a.first)
    while "-" in middle:  # one name: Hans-Peter is rather a first name
        middle = people.first_name(origin, unlike=d.a.first)
    d.a, d.b = replace(d.a, middle=middle), replace(d.b, middle=middle)
    shown = people.rng.random() < 0.5
    d.style_a = replace(d.style_a, show_middle=shown)
    d.style_b = replace(d.style_b, show_middle=not shown)
    return True


def _moved(people: People, d: _Draft) -> bool:
    """An old address on one card; a third move to another city."""
    city = None if people.rng.random() < 0.33 else d.a.city
    new = people.address(d.a.country, city, unlike=d.a)
    d.b = replace(d.b, **new, apartment=people.apartment(d.a.country, 0.25))
    return True


def _vat_one_side(people: People, d: _Draft) -> bool:
    if not d.a.company:
        return False
    shown = people.rng.random() < 0.5
    d.style_a = replace(d.style_a, show_vat=shown)
    d.style_b = replace(d.style_b, show_vat=not shown)
    return True


def _other_contact(people: People, d: _Draft) -> bool:
    """Someone else at the same company orders: the same ERP customer."""
    if not d.a.company:
        return False
    first, last = people.other_name(d.a)
    phone = d.a.phone if people.rng.random() < 0.4 else people.phone(d.a.country)  # switchboard
    email = people.email(first, last, d.a.country, d.a.domain)
    d.b = replace(d.b, first=first, last=last, middle="", email=email, phone=phone)
    return True


def _slots(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NAME = "name_ascii name_case name_spelling name_hyphen name_middle"


def _has_apartment(person: Person) -> bool:
    return bool(person.apartment)


VARIATIONS = (  # the order kinds list them in
    _Variation("email_case", 8, _slots("email"),
               _restyle("email", "email", lambda p, s: ("plain", "upper", "title"))),
    _Variation("email_spaces", 3, _slots("email"),
               _restyle("email_spaces", "email", lambda p, s: ("lead", "trail", "both"))),
    _Variation("other_email", 22, _slots("email"), _other_email),
    _Variation("no_email", 2, _slots("email"), _one_side("email", "none", lambda p: True)),
    _Variation("name_diacritics", 8, _slots("name_ascii"),
               _restyle("name_ascii", "name",
                        lambda p, s: ("",) if s.name_ascii else ("drop", "digraph"))),
    _Variation("name_case", 6, _slots("name_case"),
               _restyle("name_case", "name", lambda p, s: NAME_CASES)),
    _Variation("name_typo", 9, _slots("name_spelling"), _name_typo),
    _Variation("name_hyphen", 5, _slots("name_hyphen"), _name_hyphen),
    _Variation("middle_name", 2, _slots("name_middle"), _middle_name),
    _Variation("abbreviation", 8, _slots("street"),
               _restyle("abbreviated", "address_line1",
                        lambda p, s: range(len(abbreviations(p.street)) + 1))),
    _Variation("apartment_dropped", 4, _slots("apartment"),
               _one_side("apartment", "dropped", _has_apartment)),
    _Variation("apartment_in_line1", 3, _slots("apartment"),
               _restyle("apartment", "address_line1",
                        lambda p, s: ("line1", "line2") if s.apartment != "dropped" else ())),
    _Variation("postcode_format", 7, _slots("postcode"),
               _restyle("postcode", "postcode",
                        lambda p, s: range(len(postcodes(p.country, p.postcode))))),
    _Variation("city_spelling", 5, _slots("city"),
               _restyle("city", "city", lambda p, s: CITY_SPELLINGS)),
    _Variation("moved", 2, _slots("street apartment postcode city"), _moved),
    _Variation("phone_format", 14, _slots("phone"),
               _restyle("phone", "phone", lambda p, s: range(PHONE_FORMS) if s.phone >= 0 else ())),
    _Variation("no_phone", 2, _slots("phone"), _one_side("phone", -1, lambda p: True)),
    _Variation("company_suffix", 24, _slots("suffix"),
               _restyle("suffix", "company",
                        lambda p, s: range(len(LEGAL_FORMS[p.legal_form])) if p.company else ())),
    _Variation("orgnr_format", 16, _slots("organisation_number"),
               _restyle("organisation_number", "organisation_number",
                        lambda p, s: (0, 1) if p.company else ())),
    _Variation("vat_one_side", 12, _slots("vat"), _vat_one_side),
    _Variation("other_contact", 16, _slots(f"email phone {_NAME}"), _other_contact),
)  # fmt: skip
_BY_NAME = {variation.name: variation for variation in VARIATIONS}
NOISE_BY_KIND = {  # the differences a hard negative may be typed with, like a positive
    "family": "phone_format abbreviation postcode_format city_spelling",
    "family_shared_email": "phone_format abbreviation postcode_format email_case",
    "namesake": "name_case name_diacritics",
    "neighbour": "abbreviation postcode_format city_spelling",
    "similar_company": "company_suffix orgnr_format city_spelling",
    "same_company_name": "company_suffix orgnr_format city_spelling",
    "company_and_person": "abbreviation postcode_format",
    "company_and_owner": "abbreviation postcode_format phone_format",
}  # fmt: skip


def _anchored(d: _Draft, applied: Sequence[str]) -> bool:
    """Whether a careful clerk could tell the two cards are one customer: they keep the e-mail
    (but for case and spaces), the phone (but for its format), the organisation number, or the
    postal address with the name (but for how both are written)."""
    email = d.a.email == d.b.email and "none" not in (d.style_a.email, d.style_b.email)
    phone = d.a.phone == d.b.phone and min(d.style_a.phone, d.style_b.phone) >= 0
    registered = bool(d.a.organisation_number)  # never changed: kept on both cards
    address = not {"moved", "other_contact"} & set(applied)
    return email or phone or registered or address


def _typo(rng: random.Random, word: str) -> str:
    """One slip after the first letter: two letters swapped, one dropped or one doubled."""
    while True:
        i = rng.choice([i for i in range(1, len(word)) if word[i].isalpha()])
        slip = rng.choice(("swap", "drop", "double"))
        if slip == "drop":
            return word[:i] + word[i + 1 :]
        if slip == "double":
            return word[:i] + word[i] + word[i:]
        if i + 1 < len(word) and word[i + 1].isalpha() and word[i] != word[i + 1]:
            first, second = word[i + 1], word[i]  # the shift key stays where it was pressed
            if word[i].isupper():
                first, second = first.upper(), second.lower()
            return word[:i] + first + second + word[i + 2 :]


def _address_of(person: Person) -> dict[str, str]:
    return {"street": person.street, "number": person.number, "postcode": person.postcode,
            "city": person.city}  # fmt: skip


def _shared(people: People, a: Person, b: Person, **style: Any) -> _Draft:
    """Two people typed the same way (one household's, one building's address)."""
    common = replace(people.style(a), **style)
    return _Draft(a, b, common, common)


def _apart(people: People, a: Person, b: Person) -> _Draft:
    return _Draft(a, b, people.style(a), people.style(b))


def _family(people: People, shared_email: bool = False) -> _Draft:
    """Same surname, address and phone; another first name and e-mail."""
    a = people.person()
    first = people.first_name(a.country, unlike=a.first)
    if shared_email:  # familjen.andersson@, anderssons@
        local = people.rng.choice(["familjen.", "family.", ""]) + slug(a.last)
        local += people.rng.choice(["", "s"])
        a = replace(a, email=people.unique(f"{local}@{people.rng.choice(WEBMAIL)}"))
    email = a.email if shared_email else people.email(first, a.last, a.country)
    return _shared(people, a, replace(a, first=first, middle="", email=email))


def _family_shared_email(people: People) -> _Draft:
    return _family(people, shared_email=True)


def _namesake(people: People) -> _Draft:
    """The same full name, someone else: other e-mail, phone and street; a third in the same
    city and postcode."""
    a = people.person()
    b = people.person(a.country)
    city = {"city": a.city, "postcode": a.postcode} if people.rng.random() < 0.33 else {}
    address = people.address(a.country, a.city if city else None, unlike=a)
    while address["street"] == a.street:
        address = people.address(a.country, a.city if city else None, unlike=a)
    email = people.email(a.first, a.last, a.country)
    return _apart(
        people, a, replace(b, **(address | city), first=a.first, last=a.last, email=email)
    )


def _neighbour(people: People) -> _Draft:
    """The same street address and postcode, another flat and other people."""
    a = people.person()
    a = replace(a, apartment=a.apartment or people.apartment(a.country, 1))
    first, last = people.other_name(a)
    email, flat = people.email(first, last, a.country), people.apartment(a.country, 1, a.apartment)
    b = replace(
        people.person(a.country), first=first, last=last, email=email, apartment=flat,
        **_address_of(a),
    )  # fmt: skip
    return _shared(people, a, b, apartment="line2")


def _similar_company(people: People) -> _Draft:
    """Another company with a name like it; sometimes in its city, or its building."""
    a = people.company()
    b = people.company(a.country, people.similar_company_name(a.country, a.company))
    roll = people.rng.random()
    if roll < 0.15:  # an office building
        b = replace(b, **_address_of(a))
    elif roll < 0.4:
        b = replace(b, postcode=a.postcode, city=a.city)
    return _apart(people, a, replace(b, legal_form=a.legal_form))


def _same_company_name(people: People) -> _Draft:
    """Two legal entities of one name: two organisation numbers."""
    a = people.company()
    b = people.company(a.country, a.company)
    domain = f"{slug(a.company)}-{slug(b.city)}.example"
    email = people.email(b.first, b.last, b.country, domain)
    b = replace(b, legal_form=a.legal_form, domain=domain, email=email)
    if people.rng.random() < 0.3:
        b = replace(b, postcode=a.postcode, city=a.city)
    return _apart(people, a, b)


def _company_and_person(people: People) -> _Draft:
    """A company, and a private person living in its building."""
    a = people.company()
    first, last = people.other_name(a)
    email, flat = people.email(first, last, a.country), people.apartment(a.country, 1)
    b = replace(
        people.person(a.country), first=first, last=last, email=email, apartment=flat,
        **_address_of(a),
    )  # fmt: skip
    return _shared(people, a, b, apartment="line2")


def _company_and_owner(people: People) -> _Draft:
    """A one-person company run from home, and its owner buying privately: the same name and
    address, often the same phone, but another customer (B2B invoice, VAT)."""
    country = people.choose(COMPANY_MARKETS)
    owner = people.person(country)
    name = f"{owner.last} {people.rng.choice(QUALIFIERS[country][:4])}"  # Andersson Konsult
    company = people.company(country, name)
    phone = owner.phone if people.rng.random() < 0.6 else company.phone
    email = people.email(owner.first, owner.last, country, company.domain)
    company = replace(
        company, first=owner.first, last=owner.last, apartment=owner.apartment, phone=phone,
        email=email, **_address_of(owner),
    )  # fmt: skip
    pair = (owner, company) if people.rng.random() < 0.5 else (company, owner)
    return _shared(people, *pair)


_NEGATIVES: dict[str, Callable[[People], _Draft]] = {
    "family": _family,
    "family_shared_email": _family_shared_email,
    "namesake": _namesake,
    "neighbour": _neighbour,
    "similar_company": _similar_company,
    "same_company_name": _same_company_name,
    "company_and_person": _company_and_person,
    "company_and_owner": _company_and_owner,
}

"""The customers the labelled de-duplication pairs (brygga.sandbox.dedupe_pairs) are made of,
and how one system or another has them typed in.

People come from the demo seed (brygga.sandbox.seed: markets, apartments, Swedish companies and
their organisation numbers), widened to each market's own names, streets, postcodes and phone
numbers (brygga.sandbox.dedupe_markets): with the seed's 300 names, one random pair in 300 would
be namesakes. E-mail domains are providers' names under the reserved `.example` domain
(RFC 2606). A `Person` is who a customer is; a `Style` how one system writes each of their
details; `card` the register card that makes.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from brygga.model import CustomerCard
from brygga.sandbox.dedupe_markets import (
    ABBREVIATIONS,
    AND,
    COMPANY_MARKETS,
    COMPANY_NAMES,
    EXONYMS,
    LEGAL_FORMS,
    MAILBOXES,
    MARKETS,
    NUMBER_FIRST,
    QUALIFIERS,
    WEBMAIL,
)
from brygga.sandbox.seed import CALLING_CODES, generate
from brygga.sandbox.seed_records import Customer

CITY_SPELLINGS = ("plain", "upper", "lower", "ascii", "exonym")
NAME_CASES = ("plain", "upper", "lower")
PHONE_FORMS = 5  # international spaced, national, international compact, 00, national compact
PHONE_WEIGHTS = (40, 30, 20, 3, 7)


@dataclass(frozen=True)
class Person:
    """Who a customer is, before anyone types them in."""

    first: str
    last: str
    email: str
    phone: str  # the national number without its trunk 0: 701234567
    country: str
    street: str
    number: str
    postcode: str
    city: str
    apartment: str = ""
    middle: str = ""
    company: str = ""  # without its legal form
    legal_form: str = ""  # a key of LEGAL_FORMS
    organisation_number: str = ""  # as the registry writes it
    domain: str = ""  # the company's e-mail domain


@dataclass(frozen=True)
class Style:
    """How one system has a customer typed in; each field picks one way to write one thing."""

    phone: int = 0  # of PHONE_FORMS; -1: no phone
    postcode: int = 0  # of postcodes
    abbreviated: int = 0  # 0 the street in full, else the nth abbreviation of its ending
    apartment: str = "line2"  # or "line1", "dropped"
    city: str = "plain"  # of CITY_SPELLINGS
    name_case: str = "plain"  # of NAME_CASES
    name_ascii: str = ""  # "drop" (Muller) or "digraph" (Mueller)
    show_middle: bool = False
    email: str = "plain"  # "upper", "title", or "none"
    email_spaces: str = ""  # "lead", "trail", "both": pasted with them
    suffix: int = 0  # of the legal form's spellings
    organisation_number: int = 0  # 0 as the registry writes it, 1 the other common way
    show_vat: bool = True


def card(person: Person, style: Style) -> CustomerCard:
    """The register card a system has for `person`, typed in its `style`."""
    p, s = person, style
    company = organisation_number = vat_number = ""
    if p.company:
        company = f"{p.company} {LEGAL_FORMS[p.legal_form][s.suffix]}"
        organisation_number = _organisation_numbers(p)[s.organisation_number]
        vat_number = _vat_number(p) if s.show_vat else ""
    return CustomerCard(
        name=_name(p, s),
        company=company,
        email=_email_as_typed(p.email, s.email, s.email_spaces),
        phone=_phones(p.country, p.phone)[s.phone] if s.phone >= 0 else "",
        organisation_number=organisation_number,
        vat_number=vat_number,
        address_line1=_line1(p, s),
        address_line2=p.apartment if s.apartment == "line2" else "",
        postcode=postcodes(p.country, p.postcode)[s.postcode],
        city=_city(p.city, s.city),
        country=p.country,
    )


def _name(p: Person, s: Style) -> str:
    name = " ".join(part for part in (p.first, p.middle if s.show_middle else "", p.last) if part)
    name = _ascii(name, s.name_ascii == "digraph") if s.name_ascii else name
    return {"upper": name.upper(), "lower": name.lower()}.get(s.name_case, name)


_DIGRAPHS = str.maketrans(
    {"å": "aa", "ä": "ae", "ö": "oe", "ø": "oe", "ü": "ue", "Å": "Aa", "Ä": "Ae", "Ö": "Oe"}
    | {"Ø": "Oe", "Ü": "Ue"}
)
_NO_MARKS = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss"})


def _ascii(text: str, digraphs: bool = False) -> str:
    """Without diacritics, as on a keyboard without them: Müller → Muller, or Mueller."""
    text = text.translate(_DIGRAPHS) if digraphs else text
    decomposed = unicodedata.normalize("NFKD", text.translate(_NO_MARKS))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _email_as_typed(email: str, case: str, spaces: str) -> str:
    local, _, domain = email.partition("@")
    email = {
        "none": "",
        "upper": email.upper(),
        "title": f"{local.title()}@{domain.title()}",
    }.get(case, email)
    return {"lead": f" {email}", "trail": f"{email} ", "both": f"  {email} "}.get(spaces, email)


def _phones(country: str, number: str) -> tuple[str, ...]:
    """The ways of writing a phone number in PHONE_FORMS' order, by the country's convention."""
    market, code = MARKETS[country], CALLING_CODES[country]
    groups, start = [], 0
    for length in market.groups:
        groups.append(number[start : start + length])
        start += length
    if country == "US":
        spaced, national = "+1 {}-{}-{}".format(*groups), "({}) {}-{}".format(*groups)
    else:
        spaced = f"+{code} {' '.join(groups)}"
        national = f"{market.trunk}{groups[0]}{market.separator}{' '.join(groups[1:])}"
    return spaced, national, f"+{code}{number}", f"00{code}{number}", market.trunk + number


def postcodes(country: str, postcode: str) -> tuple[str, ...]:
    """The ways of writing a postcode in the country, the usual first (Style.postcode picks one)."""
    compact = postcode.replace(" ", "")
    if country == "SE":
        return postcode, compact, f"SE-{postcode}"
    if country in ("NL", "GB"):
        return postcode, compact, postcode.lower()
    return (postcode,) if country == "US" else (postcode, f"{country}-{postcode}")


def _city(city: str, spelling: str) -> str:
    return {
        "upper": city.upper(),
        "lower": city.lower(),
        "ascii": _ascii(city),
        "exonym": EXONYMS.get(city, city),
    }.get(spelling, city)


def abbreviations(street: str) -> tuple[str, ...]:
    """The street name shortened the ways people do: Storgatan → Storg. (none for Broadway)."""
    for ending, short in ABBREVIATIONS:
        if street.endswith(ending):
            return tuple(street[: -len(ending)] + abbreviation for abbreviation in short)
    return ()


def _line1(p: Person, s: Style) -> str:
    shortened = abbreviations(p.street)
    street = shortened[s.abbreviated - 1] if 0 < s.abbreviated <= len(shortened) else p.street
    line = f"{p.number} {street}" if p.country in NUMBER_FIRST else f"{street} {p.number}"
    if s.apartment != "line1" or not p.apartment:
        return line
    if p.country == "GB":
        return f"{p.apartment}, {line}"  # Flat 3, 12 Baker Street
    return f"{line}{', ' if p.country in ('DK', 'DE', 'NL') else ' '}{p.apartment}"


def _organisation_numbers(p: Person) -> tuple[str, str]:
    digits = p.organisation_number.replace("-", "")
    if p.country == "NO":
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}", digits
    if p.country == "DK":
        return digits, f"{digits[:2]} {digits[2:4]} {digits[4:6]} {digits[6:]}"
    return p.organisation_number, digits  # SE 556123-4567, FI 1234567-8


def _vat_number(p: Person) -> str:
    digits = p.organisation_number.replace("-", "")
    return {"SE": f"SE{digits}01", "NO": f"NO{digits}MVA"}.get(p.country, p.country + digits)


def _folded(name: str) -> str:
    return _ascii(name).casefold().replace("-", " ")


def _alike(x: str, y: str) -> bool:
    """Whether two first names could be one name mistyped: equal without diacritics and case,
    one part of the other (Anna, Anna-Karin), or one slip apart (Jan, Jon)."""
    x, y = _folded(x), _folded(y)
    if x == y or x in y.split() or y in x.split():
        return True
    if len(x) == len(y):
        diff = [i for i in range(len(x)) if x[i] != y[i]]
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1 and x[diff[0]] == y[diff[1]]
        return len(diff) == 1 or (swapped and x[diff[1]] == y[diff[0]])
    short, long = sorted((x, y), key=len)
    return len(long) - len(short) == 1 and any(
        long[:i] + long[i + 1 :] == short for i in range(len(long))
    )


def slug(text: str) -> str:
    """The name as it goes into an e-mail address: Hav & Sten → havsten."""
    return re.sub(r"[^a-z0-9-]", "", _ascii(text).lower())


class People:
    """The customers the pairs are made of: the demo seed's, widened to their markets."""

    def __init__(self, seed: int, count: int) -> None:
        self.rng = random.Random(f"dedupe-pairs-{seed}")  # a str seed hashes the same anywhere
        data = generate(seed, orders=1, customers=count)
        twins = {label.customer_id for label in data.near_duplicates}  # already duplicates
        self._seeded = [customer for customer in data.customers if customer.id not in twins]
        self._next = 0
        self._taken: set[str] = set()  # e-mails, phones, organisation numbers: never two alike

    # --- people -------------------------------------------------------------------------

    def person(self, country: str | None = None) -> Person:
        seeded = self._seeded_customer()
        country = country or seeded.address.country
        if country == seeded.address.country and self.rng.random() < 0.2:
            first, last = seeded.first_name, seeded.last_name  # the demo's own, mixed names
        else:  # mostly the market's names; some moved from another market
            origin = country if self.rng.random() < 0.85 else self.rng.choice(list(MARKETS))
            first = self.rng.choice(MARKETS[origin].first_names)
            last = self.rng.choice(MARKETS[origin].last_names)
        if " " not in first and "-" in first and self.rng.random() < 0.3:
            first = first.replace("-", " ")  # Anna Karin
        flat = self.apartment(country, 1.0 if seeded.address.line2 else 0.0)  # the seed's share
        email = self.email(first, last, country)
        address = self.address(country)
        return Person(first, last, email, self.phone(country), country, **address, apartment=flat)

    def company(self, country: str | None = None, name: str | None = None) -> Person:
        """A company's contact person at its office, with a valid organisation number."""
        seeded = self._seeded_customer()
        if country is None:
            country = "SE" if seeded.organisation_number else self.choose(COMPANY_MARKETS)
        number = seeded.organisation_number if country == "SE" else ""
        if not (number and self._free(number)):
            number = self.organisation_number(country)
        contact = self.person(country)
        name = name or self.company_name(country)
        domain = f"{slug(name)}.example"
        roll = self.rng.random()
        if roll < 0.75:
            email = self.email(contact.first, contact.last, country, domain)
        elif roll < 0.9:  # a shared mailbox
            email = self.unique(f"{self.rng.choice(MAILBOXES)}@{domain}")
        else:
            email = contact.email  # their private one
        legal_form = self.rng.choice(COMPANY_MARKETS[country][1])
        return replace(
            contact, **self.address(country), apartment="", company=name, legal_form=legal_form,
            organisation_number=number, domain=domain, email=email,
        )  # fmt: skip

    def company_name(self, country: str) -> str:
        name = self.rng.choice(COMPANY_NAMES[country])
        if self.rng.random() < 0.3:
            name += " " + self.rng.choice(QUALIFIERS[country])
        return name

    def similar_company_name(self, country: str, name: str) -> str:
        """Another company's name like this one: Nordljus → Nordljus Design, Hav & Sten → Hav och
        Sten Handel, Nordljus Bygg → Nordljus or Nordljus Mode."""
        qualifiers = QUALIFIERS[country]
        core, _, last = name.rpartition(" ")
        if last in qualifiers and self.rng.random() < 0.4:
            return core
        if last in qualifiers:
            return f"{core} {self.rng.choice([q for q in qualifiers if q != last])}"
        if " & " in name and self.rng.random() < 0.5:
            name = name.replace("&", AND[country])
        return f"{name} {self.rng.choice(qualifiers)}"

    def first_name(self, country: str, unlike: str) -> str:
        """A first name of the market no one would take for `unlike` mistyped."""
        while True:
            name = self.rng.choice(MARKETS[country].first_names)
            if not _alike(name, unlike):
                return name

    def other_name(self, person: Person) -> tuple[str, str]:
        """Another person's name: other first and last name."""
        while True:
            last = self.rng.choice(MARKETS[person.country].last_names)
            if not _alike(last, person.last):
                return self.first_name(person.country, person.first), last

    # --- their details ------------------------------------------------------------------

    def email(self, first: str, last: str, country: str, domain: str = "") -> str:
        """A private address at a webmail or the country's provider, or one at work."""
        f, l = slug(first), slug(last)  # noqa: E741
        year = self.rng.randint(50, 99)
        if domain:  # at work
            local = self.rng.choice([f"{f}.{l}", f"{f[0]}{l}", f"{f[0]}.{l}", f])
        else:
            local = self.rng.choice(
                [f"{f}.{l}", f"{f}{l}", f"{f[0]}{l}", f"{f}_{l}", f"{f}.{l}{year}", f"{f}{year}"]
            )
            webmail = self.rng.random() < 0.7
            domain = self.rng.choice(WEBMAIL) if webmail else f"example.{country.lower()}"
        return self.unique(f"{local}@{domain}")

    def phone(self, country: str) -> str:
        """A mobile number of the market no one else has, as Person.phone keeps it."""
        market = MARKETS[country]
        while True:
            start = self.rng.choice(market.mobile)
            rest = market.digits - len(start)
            number = start + f"{self.rng.randrange(10**rest):0{rest}d}"
            if self._free(number):
                return number

    def address(
        self, country: str, city: str | None = None, unlike: Person | None = None
    ) -> dict[str, str]:
        """A street address in the market (in `city`; not at `unlike`'s door), as Person fields."""
        cities = MARKETS[country].cities
        while True:
            town = city or self.choose(cities)
            street = self.rng.choice(MARKETS[country].streets)
            number = str(self.rng.choice([self.rng.randint(1, 40), self.rng.randint(1, 140)]))
            if country in ("SE", "NO", "DK", "NL") and self.rng.random() < 0.08:
                number += self.rng.choice("ABC")
            if unlike is None or (street, number) != (unlike.street, unlike.number):
                return {"street": street, "number": number, "city": town,
                        "postcode": self.rng.choice(cities[town])}  # fmt: skip

    def apartment(self, country: str, share: float, unlike: str = "") -> str:
        """A flat as the market writes it, for a `share` of people; never `unlike`."""
        while self.rng.random() < share:
            floor = self.rng.randint(1, 6)
            flat = {
                "SE": f"lgh {10 + floor}{self.rng.randint(1, 6):02d}",  # lgh 1203
                "NO": f"H{floor:02d}{self.rng.randint(1, 6):02d}",  # H0302
                "DK": f"{floor}. {self.rng.choice(['tv', 'th', 'mf'])}",
                "FI": f"{self.rng.choice('ABC')} {self.rng.randint(1, 40)}",
                "DE": f"{floor}. OG {self.rng.choice(['links', 'rechts'])}",
                "NL": f"{floor} hoog",
                "GB": f"Flat {self.rng.randint(1, 24)}",
                "US": f"Apt {floor}{self.rng.choice('ABCD')}",
            }[country]
            if flat != unlike:
                return flat
        return ""

    def organisation_number(self, country: str) -> str:
        is_valid = COMPANY_MARKETS[country][2]
        while True:
            digits = f"{self.rng.randrange(10**9):09d}"
            number = {
                "SE": f"55{digits[:4]}-{digits[4:8]}",  # an aktiebolag's, as the seed's
                "NO": f"9{digits[:8]}",
                "DK": f"{self.rng.randint(1, 9)}{digits[:7]}",
                "FI": f"{digits[:7]}-{digits[7]}",
            }[country]
            if is_valid(number) and self._free(number):
                return number

    def style(self, person: Person) -> Style:
        """How an ERP has a customer typed in: mostly the usual way, some another (and then a
        variation may make the shop's card the usual)."""
        rng, p = self.rng, person
        forms = len(postcodes(p.country, p.postcode))
        suffixes = len(LEGAL_FORMS[p.legal_form]) if p.company else 1
        return Style(
            phone=rng.choices(range(PHONE_FORMS), PHONE_WEIGHTS)[0],
            postcode=0 if rng.random() < 0.9 else rng.randrange(forms),
            abbreviated=0 if rng.random() < 0.9 else rng.randint(0, len(abbreviations(p.street))),
            apartment="line1" if rng.random() < (0.5 if p.country == "DK" else 0.15) else "line2",
            city="plain" if rng.random() < 0.95 else "upper",
            name_case=rng.choices(NAME_CASES, (93, 5, 2))[0],
            name_ascii="" if rng.random() < 0.93 else "drop",
            email="plain" if rng.random() < 0.97 else "upper",
            suffix=0 if rng.random() < 0.9 else rng.randrange(suffixes),
            organisation_number=0 if rng.random() < 0.8 else 1,
            show_vat=rng.random() < 0.85,
        )

    def choose(self, weighted: dict[str, Any]) -> str:
        """A key of `weighted`: COMPANY_MARKETS by their weight, cities by their postcodes."""
        weights = [len(v) if isinstance(v[0], str) else v[0] for v in weighted.values()]
        return self.rng.choices(list(weighted), weights)[0]

    def unique(self, email: str) -> str:
        """The address, or with a number like a provider suggests when it is taken."""
        local, _, domain = email.partition("@")
        while not self._free(email):
            email = f"{local}{self.rng.randint(1, 99)}@{domain}"
        return email

    def _seeded_customer(self) -> Customer:
        customer = self._seeded[self._next % len(self._seeded)]
        self._next += 1
        return customer

    def _free(self, value: str) -> bool:
        if value in self._taken:
            return False
        self._taken.add(value)
        return True

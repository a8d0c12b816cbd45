"""Customer fields in the forms they are compared in: Nordic letters folded, case and spacing
ignored, street words abbreviated alike, phone numbers in E.164 and organisation numbers
validated, each with the country they belong to."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache

import phonenumbers
from stdnum.dk import cvr
from stdnum.eu import vat as eu_vat
from stdnum.fi import ytunnus
from stdnum.no import mva
from stdnum.no import orgnr as norwegian_orgnr
from stdnum.se import orgnr as swedish_orgnr

# Letters NFKD does not take apart into a base letter and a mark.
_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "ß": "ss", "đ": "d", "ð": "d", "þ": "th", "ł": "l"})
# German and Nordic spellings of one letter: Müller/Mueller, Sørensen/Soerensen.
_DIGRAPHS = (("ae", "a"), ("oe", "o"), ("ue", "u"), ("aa", "a"))


def folded(text: str) -> str:
    """Lower case, without diacritics or punctuation, single spaces: "Åsa  Öberg-Lind" →
    "asa oberg lind"."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).replace("_", " ").split())


def spelled_alike(word: str) -> str:
    """One spelling for the letters that are written two ways (ae/ä, oe/ö, ue/ü, aa/å)."""
    for digraph, letter in _DIGRAPHS:
        word = word.replace(digraph, letter)
    return word


def words(text: str) -> list[str]:
    return folded(text).split()


# Surname particles that belong to the surname: "Daan de Vries" is de Vries.
PARTICLES = frozenset(
    ("af", "av", "da", "de", "del", "den", "der", "di", "du", "la", "le", "ten", "ter", "van",
     "von", "zu")
)  # fmt: skip


def person_name(text: str) -> tuple[list[str], str]:
    """Given names and surname of a full name. A hyphenated name is one name: "Anna-Karin",
    "Berg-Svensson"."""
    tokens = [folded(word).replace(" ", "") for word in text.split()]
    tokens = [token for token in tokens if token]
    if not tokens:
        return [], ""
    start = len(tokens) - 1
    while start > 1 and tokens[start - 1] in PARTICLES:
        start -= 1
    return tokens[:start], "".join(tokens[start:])


# Legal forms left out of company names (Nordic, German, Dutch, English); "A/S" is "a s".
LEGAL_FORMS = frozenset(
    ("ab", "aktiebolag", "publ", "hb", "kb", "as", "asa", "a", "s", "aps", "oy", "oyj", "ay",
     "ky", "gmbh", "ag", "kg", "bv", "nv", "ltd", "limited", "plc", "inc", "llc", "co")
)  # fmt: skip
CONJUNCTIONS = frozenset(("och", "and", "og", "und", "ja", "en"))


def company_name(text: str) -> str:
    """The name without its legal form: "Hav & Sten Aktiebolag" → "hav & sten"."""
    tokens = [spelled_alike(w) for w in words(text.replace("&", " och ").replace("/", " "))]
    return " ".join(
        "&" if token in CONJUNCTIONS else token for token in tokens if token not in LEGAL_FORMS
    )


# Street words and the abbreviation both forms are brought to (by how the word ends, since
# Nordic street names are written as one word: Storgatan, Storg.).
STREET_WORDS = (
    ("gatan", "g"), ("gata", "g"), ("gate", "g"), ("gade", "g"), ("vagen", "v"), ("vag", "v"),
    ("veien", "v"), ("vei", "v"), ("vej", "v"), ("street", "st"), ("strasse", "str"),
    ("strase", "str"), ("gracht", "gr"), ("tie", "t"), ("katu", "k"), ("road", "rd"),
    ("avenue", "av"), ("ave", "av"),
)  # fmt: skip


def street(line: str) -> tuple[str, str]:
    """The street's name and its house number, with a letter after it: "Karl Johans gate 12 B"
    → ("karljohansg", "12b"), "Storg. 1" and "Storgatan 1" → ("storg", "1"), "130 Albert Ave"
    → ("albertav", "130"). What follows the number (a floor, an apartment) is left out."""
    tokens = words(line)
    at = next((i for i, token in enumerate(tokens) if token[:1].isdigit()), None)
    if at is None:
        name, number = tokens, ""
    else:
        end = at + 1
        if end < len(tokens) and len(tokens[end]) == 1 and tokens[end].isalpha():
            end += 1  # "12 B"
        number = "".join(tokens[at:end])
        # "130 Albert Avenue": the number first, as in Britain and America.
        name = tokens[:at] if at else tokens[end:]
    joined = "".join(name)
    for word, short in STREET_WORDS:
        if joined.endswith(word):
            joined = joined[: -len(word)] + short
            break
    return joined, number


def postcode(text: str) -> str:
    """ "SE-114 35" → "11435"."""
    compact = re.sub(r"[\s-]", "", text.upper())
    prefix = re.match(r"^([A-Z]{1,2})(\d.*)$", compact)
    return prefix.group(2) if prefix else compact


def phone(text: str, *countries: str) -> str:
    """E.164, read in the first of `countries` that makes it a possible number (of a length the
    country uses); the digits alone when none does."""
    if not text.strip():
        return ""
    for country in [*countries, None]:
        try:
            number = phonenumbers.parse(text, country or None)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return re.sub(r"\D", "", text)


def email(text: str) -> str:
    return text.strip().lower()


# Organisation numbers by country: the validator and compact form of each scheme.
ORGANISATION_NUMBERS: dict[str, Callable[[str], str]] = {
    "SE": swedish_orgnr.validate,
    "NO": norwegian_orgnr.validate,
    "DK": cvr.validate,
    "FI": ytunnus.validate,
}


def identities(organisation_number: str, vat_number: str, country: str) -> dict[str, str]:
    """The legal entity's numbers by scheme: {"SE": "5566778899", "VAT": "SE556677889901"}.
    Only valid numbers count; a VAT number also gives the organisation number inside it, so
    one side's VAT number meets the other side's organisation number."""
    found: dict[str, str] = {}
    if organisation_number.strip():
        countries = [country] if country in ORGANISATION_NUMBERS else list(ORGANISATION_NUMBERS)
        for scheme in countries:
            number = _valid(ORGANISATION_NUMBERS[scheme], organisation_number)
            if number:
                found[scheme] = number
                break
    if vat_number.strip():
        vat = _valid(eu_vat.validate, vat_number)
        if not vat and (norwegian := _valid(mva.validate, vat_number)):
            vat = "NO" + norwegian  # stdnum's compact Norwegian form has no country prefix
        if vat:
            found["VAT"] = vat
            inside = _organisation_number_in(vat)
            if inside:
                found.setdefault(inside[0], inside[1])
    return found


def _organisation_number_in(vat: str) -> tuple[str, str] | None:
    """SE + 10 digits + 01, DK + CVR, FI + business id, NO + orgnr + MVA."""
    country, body = vat[:2], vat[2:]
    if country == "SE":
        body = body[:10]
    elif country == "NO":
        body = body.removesuffix("MVA")
    if country not in ORGANISATION_NUMBERS:
        return None
    number = _valid(ORGANISATION_NUMBERS[country], body)
    return (country, number) if number else None


@cache
def _valid(validate: Callable[[str], str], number: str) -> str:
    try:
        return validate(number)
    except Exception:  # stdnum raises ValidationError subclasses; any refusal means invalid
        return ""

"""The labelled customer pairs de-duplication is measured on (brygga.sandbox.dedupe_pairs): the
mix, and that every pair is what its label and kind say."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from stdnum.dk import cvr
from stdnum.fi import ytunnus
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from brygga.engine.dedupe.evaluation import PairsError, read_pairs
from brygga.model import CustomerCard
from brygga.sandbox.dedupe_markets import EXONYMS
from brygga.sandbox.dedupe_pairs import (
    HARD_NEGATIVES,
    VARIATIONS,
    LabelledPair,
    labelled_pairs,
    write_jsonl,
)
from brygga.sandbox.seed import CALLING_CODES

SIZE = 5000
VALID = {"SE": se_orgnr.is_valid, "NO": no_orgnr.is_valid, "DK": cvr.is_valid}
VALID["FI"] = ytunnus.is_valid
# The card fields each variation may change.
FIELDS = {
    **{part: {"email"} for part in ("email_case", "email_spaces", "other_email", "no_email")},
    **{part: {"name"} for part in ("name_diacritics", "name_case", "name_typo", "name_hyphen")},
    "middle_name": {"name"},
    "abbreviation": {"address_line1"},
    "apartment_dropped": {"address_line1", "address_line2"},
    "apartment_in_line1": {"address_line1", "address_line2"},
    "postcode_format": {"postcode"},
    "city_spelling": {"city"},
    "moved": {"address_line1", "address_line2", "postcode", "city"},
    "phone_format": {"phone"},
    "no_phone": {"phone"},
    "company_suffix": {"company"},
    "orgnr_format": {"organisation_number"},
    "vat_one_side": {"vat_number"},
    "other_contact": {"name", "email", "phone"},
}


@pytest.fixture(scope="module")
def pairs() -> list[LabelledPair]:
    return labelled_pairs(7, SIZE)


def _fold(text: str) -> str:
    """Without diacritics, digraphs (Mueller), case and hyphens: what a clerk reads past."""
    text = text.translate(str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ß": "ss"}))
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.casefold().replace("-", " ")
    for digraph, letter in (("aa", "a"), ("ae", "a"), ("oe", "o"), ("ue", "u")):
        text = text.replace(digraph, letter)
    return " ".join(text.split())


def _email(card: CustomerCard) -> str:
    return card.email.strip().lower()


def _phone(card: CustomerCard) -> str:
    """The national number however it is written: +46 70-, 0046 70, 070-."""
    digits = re.sub(r"\D", "", card.phone)
    if card.phone.lstrip().startswith(("+", "00")):
        return digits.removeprefix("00")[len(str(CALLING_CODES[card.country])) :]
    return digits.removeprefix("0")


def _postcode(card: CustomerCard) -> str:
    return re.sub(r"^[a-z]{1,2}-", "", card.postcode.lower()).replace(" ", "")


def _street(card: CustomerCard) -> tuple[str, list[str]]:
    """The street's first letters and the house number: the same however it is shortened."""
    letters, numbers = _letters_and_numbers(card)
    return letters[:3], numbers


def _letters_and_numbers(card: CustomerCard) -> tuple[str, list[str]]:
    line = _fold(card.address_line1)
    return re.sub(r"[^a-z]", "", line), re.findall(r"\d+", line)


def _registered(card: CustomerCard) -> str:
    return re.sub(r"\D", "", card.organisation_number)


def _one_edit(x: str, y: str) -> bool:
    """One letter swapped with the next, dropped or added."""
    if len(x) == len(y):
        diff = [i for i in range(len(x)) if x[i] != y[i]]
        i, j = diff if len(diff) == 2 else (0, 0)
        return j == i + 1 and (x[i], x[j]) == (y[j], y[i])
    short, long = sorted((x, y), key=len)
    return len(long) == len(short) + 1 and any(
        long[:i] + long[i + 1 :] == short for i in range(len(long))
    )


def _one_slip(words_a: list[str], words_b: list[str]) -> bool:
    """One word of a name mistyped."""
    slips = [(x, y) for x, y in zip(words_a, words_b, strict=False) if x != y]
    return len(words_a) == len(words_b) and len(slips) == 1 and _one_edit(*slips[0])


def _given_names(name_a: str, name_b: str) -> tuple[str, str]:
    """Two names without the surname they share (which may have a space: de Vries)."""
    words_a, words_b = _fold(name_a).split(), _fold(name_b).split()
    shared = 0
    while shared < min(len(words_a), len(words_b)) and words_a[-1 - shared] == words_b[-1 - shared]:
        shared += 1
    assert shared, (name_a, name_b)
    return " ".join(words_a[:-shared]), " ".join(words_b[:-shared])


def _differing(a: CustomerCard, b: CustomerCard) -> set[str]:
    return {name for name, value in a.model_dump().items() if getattr(b, name) != value}


def _single_case(name: str) -> bool:
    return name.isupper() or name.islower()


def _behaves_as(part: str, a: CustomerCard, b: CustomerCard) -> bool:
    """Whether the only difference between `a` and `b` is what variation `part` says."""
    tokens_a, tokens_b = _fold(a.name).split(), _fold(b.name).split()
    one_empty = {
        "no_email": bool(a.email) != bool(b.email),
        "no_phone": bool(a.phone) != bool(b.phone),
        "vat_one_side": bool(a.vat_number) != bool(b.vat_number),
    }
    if part in one_empty:
        return one_empty[part]
    if part in ("apartment_dropped", "apartment_in_line1"):
        short, long = sorted((a, b), key=lambda card: len(card.address_line1))
        moved = bool(short.address_line2) and short.address_line2 in long.address_line1
        one_line2 = bool(a.address_line2) != bool(b.address_line2)
        dropped = not (short.address_line2 or long.address_line2) or (
            short.address_line1 == long.address_line1 and one_line2
        )
        return moved if part == "apartment_in_line1" else dropped and not moved
    checks = {
        "email_case": lambda: _email(a) == _email(b) and a.email.strip() != b.email.strip(),
        "email_spaces": lambda: a.email.strip() == b.email.strip(),
        "other_email": lambda: bool(a.email and b.email) and _email(a) != _email(b),
        "name_diacritics": lambda: a.name.isascii() != b.name.isascii() and tokens_a == tokens_b,
        "name_case": lambda: a.name.casefold() == b.name.casefold()
        and (_single_case(a.name) or _single_case(b.name)),
        "name_typo": lambda: _one_slip(a.name.lower().split(), b.name.lower().split()),
        "name_hyphen": lambda: a.name.count("-") != b.name.count("-") and tokens_a == tokens_b,
        "middle_name": lambda: abs(len(tokens_a) - len(tokens_b)) == 1
        and set(min(tokens_a, tokens_b, key=len)) <= set(max(tokens_a, tokens_b, key=len)),
        "abbreviation": lambda: _street(a)[1] == _street(b)[1]
        and _street(a)[0][:3] == _street(b)[0][:3],
        "postcode_format": lambda: _postcode(a) == _postcode(b),
        "city_spelling": lambda: _fold(a.city) == _fold(b.city)
        or bool({a.city, b.city} & set(EXONYMS.values())),
        "moved": lambda: _street(a) != _street(b)
        and (_email(a) == _email(b) or _phone(a) == _phone(b)),
        "phone_format": lambda: _phone(a) == _phone(b),
        "company_suffix": lambda: a.company.split()[0] == b.company.split()[0],
        "orgnr_format": lambda: _registered(a) == _registered(b),
        "other_contact": lambda: _registered(a) == _registered(b) != ""
        and tokens_a[0] != tokens_b[0] and tokens_a[-1] != tokens_b[-1],
    }  # fmt: skip
    return checks[part]()


def test_the_same_seed_gives_the_same_pairs_in_any_process():
    """No set order or hash leaks in: the pairs are the same under another PYTHONHASHSEED."""
    pairs = labelled_pairs(3, 400)
    assert pairs == labelled_pairs(3, 400)
    assert pairs != labelled_pairs(4, 400)
    digest = hashlib.sha256(repr(pairs).encode()).hexdigest()
    script = (
        "import hashlib; from brygga.sandbox.dedupe_pairs import labelled_pairs; "
        "print(hashlib.sha256(repr(labelled_pairs(3, 400)).encode()).hexdigest())"
    )
    for hash_seed in ("1", "2"):
        environment = os.environ | {"PYTHONHASHSEED": hash_seed}
        run = subprocess.run(
            [sys.executable, "-c", script], env=environment, capture_output=True, check=True
        )
        assert run.stdout.decode().strip() == digest


def _read(path: Path) -> list[tuple[CustomerCard, CustomerCard, bool, str]]:
    """A file as the project reads labelled pairs (brygga.engine.dedupe.evaluation)."""
    lines = read_pairs(path.read_text(encoding="utf-8").splitlines())
    return [(line.a, line.b, line.same, line.kind) for line in lines]


def test_json_lines_round_trip_and_kind_is_optional(pairs, tmp_path: Path):
    path = tmp_path / "pairs.jsonl"
    write_jsonl(pairs[:500], path)
    assert _read(path) == [(pair.a, pair.b, pair.same, pair.kind) for pair in pairs[:500]]
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert all("" not in line["a"].values() and "" not in line["b"].values() for line in lines)
    assert any(value != value.strip() for line in lines for value in line["b"].values())

    bare = tmp_path / "bare.jsonl"
    bare.write_text(
        json.dumps({"a": {"name": "Åsa Öberg"}, "b": {"name": "Asa Oberg"}, "same": True}) + "\n\n",
        encoding="utf-8",
    )
    assert _read(bare) == [
        (CustomerCard(name="Åsa Öberg"), CustomerCard(name="Asa Oberg"), True, "")
    ]
    bare.write_text(json.dumps({"a": {}, "b": {}, "same": "maybe"}) + "\n", encoding="utf-8")
    with pytest.raises(PairsError, match="same"):
        _read(bare)


def test_the_mix_of_positives_and_negatives(pairs):
    assert len(pairs) == SIZE
    kinds = Counter(pair.kind.split("+")[0] for pair in pairs if not pair.same)
    assert sum(pair.same for pair in pairs) == 0.40 * SIZE
    assert kinds.pop("random") == 0.15 * SIZE
    hard = sum(kinds.values())
    assert hard == 0.45 * SIZE
    for kind, share in HARD_NEGATIVES.items():
        assert abs(kinds[kind] / hard - share) < 0.001, kind
    assert all(pair.a != pair.b for pair in pairs)


def test_the_mix_of_variations_in_the_positives(pairs):
    positives = [pair for pair in pairs if pair.same]
    parts = [pair.kind.split("+") for pair in positives]
    shares = Counter(part for kind in parts for part in kind)
    shares = {part: count / len(positives) for part, count in shares.items()}
    assert set(shares) == {variation.name for variation in VARIATIONS}
    assert 0.28 < shares["other_email"] < 0.38  # work vs private: about a third
    assert all(shares[rare] < 0.05 for rare in ("no_email", "no_phone", "moved", "middle_name"))
    counts = Counter(len(kind) for kind in parts)
    assert set(counts) == {1, 2, 3} and 0.35 < counts[1] / len(positives) < 0.55
    companies = sum(bool(pair.a.company) for pair in positives) / len(positives)
    assert 0.15 < companies < 0.25


def test_each_positive_differs_from_its_original_as_its_kind_says(pairs):
    for pair in (pair for pair in pairs if pair.same):
        parts = pair.kind.split("+")
        allowed = set().union(*(FIELDS[part] for part in parts))
        assert _differing(pair.a, pair.b) <= allowed, pair
        if len(parts) == 1:
            assert _behaves_as(parts[0], pair.a, pair.b), pair


def test_each_positive_keeps_what_a_clerk_would_go_by(pairs):
    """The e-mail, the phone, the organisation number, or the address with the name."""
    for pair in (pair for pair in pairs if pair.same):
        a, b = pair.a, pair.b
        assert (
            (a.email and _email(a) == _email(b))
            or (a.phone and _phone(a) == _phone(b))
            or (a.organisation_number and _registered(a) == _registered(b))
            or (_street(a)[1][:1] == _street(b)[1][:1] and _postcode(a) == _postcode(b))
        ), pair


def test_hard_negatives_are_what_they_claim(pairs):
    same_postcode = Counter()
    for pair in (pair for pair in pairs if not pair.same):
        a, b = pair.a, pair.b
        kind = pair.kind.split("+")[0]
        first_a, *_, last_a = a.name.casefold().split()
        first_b, *_, last_b = b.name.casefold().split()
        same_address = _street(a) == _street(b) and _postcode(a) == _postcode(b)
        if kind.startswith("family"):
            given_a, given_b = _given_names(a.name, b.name)
            assert given_a != given_b and not _one_edit(given_a, given_b), pair
            assert given_b not in given_a.split() and given_a not in given_b.split(), pair
            assert same_address and a.address_line2 == b.address_line2, pair
            assert _phone(a) == _phone(b), pair
            assert (_email(a) == _email(b)) == (kind == "family_shared_email"), pair
        elif kind == "namesake":
            assert _fold(a.name) == _fold(b.name), pair
            assert _email(a) != _email(b) and _phone(a) != _phone(b), pair
            assert _letters_and_numbers(a) != _letters_and_numbers(b), pair
            same_postcode[_postcode(a) == _postcode(b)] += 1
        elif kind == "neighbour":
            assert same_address and a.address_line2 and b.address_line2, pair
            assert a.address_line2 != b.address_line2, pair
            assert first_a != first_b and last_a != last_b, pair
        elif kind in ("similar_company", "same_company_name"):
            assert all(VALID[a.country](card.organisation_number) for card in (a, b)), pair
            assert _registered(a) != _registered(b), pair
            name_a, name_b = (card.company.rsplit(" ", 1)[0] for card in (a, b))  # no suffix
            if kind == "same_company_name":
                assert name_a == name_b, pair
            else:
                assert name_a != name_b and name_a.split()[0] == name_b.split()[0], pair
        elif kind.startswith("company_and"):
            assert bool(a.company) != bool(b.company), pair
            assert bool(a.organisation_number) != bool(b.organisation_number), pair
            assert _street(a) == _street(b) and _postcode(a) == _postcode(b), pair
            assert (_fold(a.name) == _fold(b.name)) == (kind == "company_and_owner"), pair
        else:
            assert kind == "random" and _email(a) != _email(b), pair
    assert 0.2 < same_postcode[True] / same_postcode.total() < 0.5  # "some in the same postcode"

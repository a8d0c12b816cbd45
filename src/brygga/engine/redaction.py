"""Masking secrets in stored payloads before a person or a script sees them (DESIGN.md §3.9).

Payloads are what the systems sent and received; a system may echo a token, a payment
provider's card number, or a password set on a customer. The value under a key that names a
secret is hidden whole; a card number anywhere (a 15–19 digit number passing the Luhn check,
which EANs, phone and organisation numbers do not have the length for) keeps only its last
four digits; a bearer token inside a text is hidden too.
"""

from __future__ import annotations

import re
from typing import Any

HIDDEN = "[redacted]"

# Fragments of a key (lower-cased, without separators) that name a secret. Chosen so that
# ordinary field names do not contain them: no "auth" (author), no "pin" (shipping).
SECRET_KEY_PARTS = (
    "token",
    "secret",
    "password",
    "passwd",
    "apikey",
    "authorization",
    "credential",
    "privatekey",
    "signature",
    "cardnumber",
    "creditcard",
    "cvc",
    "cvv",
)

_CARD = re.compile(r"(?<![\w.])\d(?:[ -]?\d){14,18}(?![\w.])")
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")


def redact(value: Any) -> Any:
    """`value` (JSON-like) with its secrets masked; the original is left unchanged."""
    if isinstance(value, dict):
        return {key: _redact_item(str(key), item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return _redact_text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        return _redact_text(text) if _CARD.fullmatch(text) and _luhn(text) else value
    return value


def is_secret_key(key: str) -> bool:
    folded = re.sub(r"[^a-z0-9]", "", key.lower())
    return any(part in folded for part in SECRET_KEY_PARTS)


def _redact_item(key: str, value: Any) -> Any:
    if is_secret_key(key) and value not in (None, "", [], {}):
        return HIDDEN
    return redact(value)


def _redact_text(text: str) -> str:
    text = _BEARER.sub(lambda match: f"{match.group(1)} {HIDDEN}", text)
    return _CARD.sub(_mask_card, text)


def _mask_card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    return f"•••• {digits[-4:]}" if _luhn(digits) else match.group()


def _luhn(number: str) -> bool:
    digits = [int(c) for c in re.sub(r"\D", "", number)]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0

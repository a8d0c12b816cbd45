"""OAuth 1.0a request verification as Magento\\Framework\\Oauth does it (fact sheet §1.1).

Parameters: the `oauth_*` values of the `Authorization: OAuth ...` header, then the fields of an
`application/x-www-form-urlencoded` body and the query string (PHP urldecode: `+` is a space;
a pair without exactly one `=` is skipped; a repeated key keeps its last value). JSON bodies are
not signed. Base URL: scheme and host lowercased, default port dropped, the path as sent.
Parameters are encoded (RFC 3986) and ordered by PHP's `strnatcmp` on the encoded names
(Oauth\\Helper\\HmacSignature) — natural order, which differs from RFC 5849's byte order only
when array indices of different lengths meet (`[2]` before `[10]`).

Checks, in Magento's order: version, required parameters, token length, signature method
(400), consumer key (401), the nonce (401; a timestamp not in (0, now + 600 s] surfaces as
"An error occurred validating the nonce": Nonce\\Generator wraps its own input error; an old
timestamp passes), the token, then the signature (401). The nonce is recorded before the
signature is checked, so even a badly signed request uses it up.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import time
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, unquote_plus

from brygga.sandbox.magento.errors import MagentoError, bad_request, required

REQUIRED = (
    "oauth_consumer_key",
    "oauth_signature",
    "oauth_signature_method",
    "oauth_nonce",
    "oauth_timestamp",
    "oauth_token",
)
METHODS = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}
KEY_LENGTH = 32  # consumer keys and tokens (Oauth\\Helper\\Oauth::LENGTH_*)
TIME_DEVIATION = 600
_PROTOCOL = re.compile(r"oauth_[a-z_-]+")
_TIMESTAMP = re.compile(r"\s*[+-]?\d+")
_DIGITS = "0123456789"


@dataclass(frozen=True)
class Integration:
    consumer_id: int
    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str


@dataclass
class Verifier:
    integrations: list[Integration]
    _nonces: dict[tuple[int, str], float] = field(default_factory=dict)

    def verify(
        self, method: str, url: str, authorization: str, query: bytes, form: bytes | None
    ) -> Integration | None:
        """The integration that signed the request; None when it is not an OAuth request."""
        params = header_params(authorization)
        if params is None:
            return None
        if form is not None:
            params |= {k: v for k, v in _pairs(form.decode("latin-1")) if not _is_protocol(k)}
        params |= {k: v for k, v in _pairs(query.decode("latin-1")) if not _is_protocol(k)}
        if not params:
            return None
        self._check_protocol(params)
        integration = self._consumer(params["oauth_consumer_key"])
        self._use_nonce(integration, params["oauth_nonce"], params["oauth_timestamp"])
        if params["oauth_token"] != integration.access_token:
            # Token\\Provider: an unknown token, or one of another consumer.
            raise MagentoError(401, "Specified token does not exist")
        expected = signature(
            method, url, params, integration.consumer_secret, integration.access_token_secret
        )
        if not hmac.compare_digest(expected, params["oauth_signature"]):
            raise MagentoError(401, "The signature is invalid. Verify and try again.")
        return integration

    def _check_protocol(self, params: dict[str, str]) -> None:
        version = params.get("oauth_version")
        if version is not None and version != "1.0":
            raise bad_request('The "%1" Oauth version isn\'t supported.', [version])
        missing = [name for name in REQUIRED if name not in params]
        if missing:
            raise required(*missing)
        if len(params["oauth_token"]) != KEY_LENGTH:
            raise bad_request("The token length is invalid. Check the length and try again.")
        if params["oauth_signature_method"] not in METHODS:
            raise bad_request(
                "Signature method %1 is not supported", [params["oauth_signature_method"]]
            )

    def _consumer(self, key: str) -> Integration:
        if len(key) != KEY_LENGTH:
            raise MagentoError(401, "Consumer key is not the correct length")
        for integration in self.integrations:
            if hmac.compare_digest(integration.consumer_key, key):
                return integration
        raise MagentoError(401, "A consumer having the specified key does not exist")

    def _use_nonce(self, integration: Integration, nonce: str, stamp: str) -> None:
        match = _TIMESTAMP.match(stamp)  # PHP (int) cast: leading digits, else 0
        moment = int(match.group()) if match else 0
        if moment <= 0 or moment > time.time() + TIME_DEVIATION:
            raise MagentoError(401, "An error occurred validating the nonce")
        key = (integration.consumer_id, nonce)
        if key in self._nonces:
            raise MagentoError(
                401,
                "The nonce is already being used by the consumer with ID %1",
                [str(integration.consumer_id)],
            )
        self._nonces[key] = time.monotonic()
        if len(self._nonces) > 100_000:  # Magento's cron prunes old nonces; so does this
            horizon = time.monotonic() - 24 * 3600
            self._nonces = {k: t for k, t in self._nonces.items() if t > horizon}


def header_params(authorization: str) -> dict[str, str] | None:
    """The oauth_* parameters of an `OAuth` Authorization header (Oauth\\Helper\\Request)."""
    position = authorization.lower().find("oauth ")
    if position < 0:
        return None
    params = {}
    for part in authorization[position + 6 :].split(","):
        name, equals, value = part.strip().partition("=")
        if equals and _is_protocol(name):
            params[unquote(name)] = unquote(value.strip('"'))
    return params


def signature(
    method: str, url: str, params: dict[str, str], consumer_secret: str, token_secret: str
) -> str:
    encoded = {_encode(k): _encode(v) for k, v in params.items() if k != "oauth_signature"}
    ordered = sorted(encoded, key=functools.cmp_to_key(strnatcmp))
    normalized = "&".join(f"{name}={encoded[name]}" for name in ordered)
    base = "&".join((method.upper(), _encode(url), _encode(normalized)))
    key = f"{_encode(consumer_secret)}&{_encode(token_secret)}".encode()
    digest = METHODS[params["oauth_signature_method"]]
    return base64.b64encode(hmac.new(key, base.encode(), digest).digest()).decode()


def strnatcmp(a: str, b: str) -> int:
    """PHP's strnatcmp (ext/standard/strnatcmp.c), case-sensitive."""
    if not a or not b:
        return (len(a) > len(b)) - (len(a) < len(b))
    i = j = 0
    leading = True
    while True:
        if leading:  # leading zeros before a digit at the very start are skipped
            while a[i] == "0" and i + 1 < len(a) and a[i + 1] in _DIGITS:
                i += 1
            while b[j] == "0" and j + 1 < len(b) and b[j + 1] in _DIGITS:
                j += 1
            leading = False
        while i < len(a) and a[i].isspace():
            i += 1
        while j < len(b) and b[j].isspace():
            j += 1
        ca, cb = a[i : i + 1], b[j : j + 1]
        if ca and cb and ca in _DIGITS and cb in _DIGITS:
            compare = _compare_left if "0" in (ca, cb) else _compare_right
            result, i, j = compare(a, i, b, j)
            if result:
                return result
            if i == len(a) or j == len(b):
                return (i < len(a)) - (j < len(b))
            ca, cb = a[i], b[j]
        if ca != cb:
            return -1 if ca < cb else 1
        i, j = i + 1, j + 1
        if i >= len(a) or j >= len(b):
            return (i < len(a)) - (j < len(b))


def _compare_right(a: str, i: int, b: str, j: int) -> tuple[int, int, int]:
    """Right-aligned digit runs: the longer run wins, else the first difference."""
    bias = 0
    while True:
        da, db = i < len(a) and a[i] in _DIGITS, j < len(b) and b[j] in _DIGITS
        if not da or not db:
            return (bias if da == db else (1 if da else -1)), i, j
        if not bias and a[i] != b[j]:
            bias = -1 if a[i] < b[j] else 1
        i, j = i + 1, j + 1


def _compare_left(a: str, i: int, b: str, j: int) -> tuple[int, int, int]:
    """Left-aligned (fractional) digit runs: the first difference wins."""
    while True:
        da, db = i < len(a) and a[i] in _DIGITS, j < len(b) and b[j] in _DIGITS
        if not da or not db:
            return (0 if da == db else (1 if da else -1)), i, j
        if a[i] != b[j]:
            return (-1 if a[i] < b[j] else 1), i, j
        i, j = i + 1, j + 1


def _pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for part in text.split("&") if text else []:
        pieces = part.split("=")
        if len(pieces) == 2:
            pairs.append((unquote_plus(pieces[0]), unquote_plus(pieces[1])))
    return pairs


def _is_protocol(name: str) -> bool:
    return _PROTOCOL.search(name) is not None


def _encode(text: str) -> str:
    return quote(text, safe="~")

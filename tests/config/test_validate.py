"""`brygga.config.check`: every mistake of a file in one pass, each at the line and column
where it is written, with what to write instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from brygga.config import Problem, check
from brygga.config.environment import REFERENCE

EXAMPLE = Path(__file__).parents[2] / "examples" / "brygga.yaml"

CENTRA = """\
connections:
  - name: shop
    system: centra
    base_url: http://127.0.0.1:1
    credentials:
      token: {token}
"""

# Each mistake's line holds its marker comment; the expected message part follows it.
MISTAKES = """\
workspace: acme
connections:
  - name: shop
    system: centra
    base_url: http://127.0.0.1:1
    credentials:
      token: plain-secret  # secret-inline
  - name: erp
    system: fortnx  # system-typo
    existing: true
  - name: books
    system: vismanet
    base_url: http://127.0.0.1:2
    credentials:
      client_id: brygga
      client_secret: ${BOOKS_SECRET}
      tenant_id: "42"
      refresh_token: ${BOOKS_REFRESH}  # rotating-token
    options:
      rate_limt: false  # option-typo
  - name: shop  # named-twice
    system: centra
    existing: true
integrations:
  - name: main
    pair: centra-vismanet
    shop: shop
    erp: books
    paused: "no"  # wrong-type
    flows:
      orders:
        enabeld: false  # key-typo
        schedule: {every: 1x}  # bad-duration
        value_maps:
          lines.skus: {A-1: B-1}  # value-map-path
      stock:
        reversed: true  # cannot-reverse
        settings:
          centra_warehouse: [1]  # setting-kind
          warehous: Main  # unknown-setting
      invoice: {}  # flow-typo
      products:
        schedule: {cron: "0 3 * *"}  # bad-cron
  - name: other
    pair: centra-fortnox
    shop: books  # wrong-system
    erp: nowhere  # unknown-connection
"""

EXPECTED = {
    "secret-inline": "token: ${SHOP_TOKEN}",
    "system-typo": "did you mean 'fortnox'?",
    "rotating-token": "refresh_token is a token of a connection made by consent",
    "option-typo": "did you mean 'rate_limit'?",
    "named-twice": "'shop' is named twice (also on line 3)",
    "wrong-type": "paused: write true or false",
    "key-typo": "did you mean 'enabled'?",
    "bad-duration": "not '1x'",
    "value-map-path": "did you mean 'lines.sku'?",
    "cannot-reverse": "Brygga cannot read stock from centra",
    "setting-kind": "'centra_warehouse' takes a text or number",
    "unknown-setting": "did you mean 'warehouse'? 'warehous' is not a setting of stock",
    "flow-typo": "did you mean 'invoices'?",
    "bad-cron": '"cron" takes five fields',
    "wrong-system": "centra-fortnox needs a centra connection as shop; books is a vismanet",
    "unknown-connection": "unknown connection 'nowhere'",
}


def line_of(text: str, marker: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if f"# {marker}" in line)


def messages_by_line(problems: list[Problem]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for problem in problems:
        found.setdefault(problem.line, []).append(problem.message)
    return found


def test_every_mistake_is_found_in_one_pass_at_its_line():
    checked = check(MISTAKES, {"BOOKS_SECRET": "s", "BOOKS_REFRESH": "r"})
    found = messages_by_line(checked.problems)
    for marker, part in EXPECTED.items():
        line = line_of(MISTAKES, marker)
        assert any(part in message for message in found.get(line, [])), (marker, line, found)
    assert sorted(found) == sorted(line_of(MISTAKES, marker) for marker in EXPECTED)
    assert len(checked.problems) == len(EXPECTED)
    assert checked.file is None and not checked.ok


def test_a_column_points_at_the_value_or_at_the_key():
    checked = check(MISTAKES, {"BOOKS_SECRET": "s", "BOOKS_REFRESH": "r"})
    lines = MISTAKES.splitlines()
    at = {problem.line: problem.column for problem in checked.problems}
    secret = line_of(MISTAKES, "secret-inline")
    assert at[secret] == lines[secret - 1].index("plain-secret") + 1
    typo = line_of(MISTAKES, "key-typo")
    assert at[typo] == lines[typo - 1].index("enabeld") + 1


def test_an_inline_secret_is_refused_and_a_reference_is_taken_from_the_environment():
    inline = check(CENTRA.format(token="abc123"), {})
    assert [(p.line, "must not be written in the file" in p.message) for p in inline.problems] == [
        (6, True)
    ]
    assert "abc123" not in inline.problems[0].message
    referenced = check(CENTRA.format(token="${SHOP_TOKEN}"), {"SHOP_TOKEN": "abc123"})
    assert referenced.ok and referenced.file is not None
    assert referenced.file.connections[0].credentials == {"token": "${SHOP_TOKEN}"}


@pytest.mark.parametrize(
    ("environ", "expected"),
    [({}, "SHOP_TOKEN is not set"), ({"SHOP_TOKEN": ""}, "SHOP_TOKEN is empty"), (None, None)],
)
def test_a_credential_variable_must_be_set_unless_the_environment_is_ignored(environ, expected):
    checked = check(CENTRA.format(token="${SHOP_TOKEN}"), environ)
    if expected is None:
        assert checked.ok
    else:
        assert [(p.line, p.column) for p in checked.problems] == [(6, 14)]
        assert expected in checked.problems[0].message


def test_a_file_that_is_not_yaml_says_where_it_stops():
    text = "connections:\n  - name: shop\n    system: [centra\n"
    checked = check(text, {})
    assert len(checked.problems) == 1 and checked.problems[0].line >= 3
    assert checked.problems[0].message.startswith("not valid YAML")


def test_a_key_written_twice_is_refused():
    text = CENTRA.format(token="${T}") + "    base_url: http://127.0.0.1:3\n"
    checked = check(text, None)
    assert [(p.line, p.message) for p in checked.problems] == [
        (7, "'base_url' is written twice (also on line 4); keep one")
    ]


def test_an_existing_connection_takes_no_credentials_and_a_consent_one_needs_them_or_existing():
    text = """\
connections:
  - name: books
    system: fortnox
    base_url: http://127.0.0.1:4
  - name: erp
    system: fortnox
    existing: true
    credentials:
      client_secret: ${S}
"""
    found = {p.line: p.message for p in check(text, None).problems}
    assert "Fortnox connects by consent: write `existing: true`" in found[2]
    assert "remove `credentials`" in found[8]
    assert sorted(found) == [2, 8]


def test_the_example_file_is_valid():
    text = EXAMPLE.read_text()
    assert check(text, None).problems == []
    variables = set(REFERENCE.findall(text))
    assert variables and check(text, dict.fromkeys(variables, "x")).ok

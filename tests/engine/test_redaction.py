"""Secrets in stored payloads are masked before anyone sees them; everything else is kept."""

from __future__ import annotations

from brygga.engine import error_queue
from brygga.engine.redaction import HIDDEN, redact
from brygga.store import Flow, Integration, RecordError
from brygga.store.tables import utcnow


def test_values_under_secret_keys_are_hidden_at_any_depth():
    payload = {
        "access_token": "eyJhbGciOi",
        "client-secret": "s3cr3t",
        "Password": "hunter2",
        "apiKey": "k-123",
        "Authorization": "Bearer abc.def.ghi",
        "credentials": {"user": "x"},
        "billing": {"CardNumber": "4111 1111 1111 1111", "cvc": "123"},
        "lines": [{"sku": "NB001-01-01", "api_key": "nested"}],
        "refresh_token": None,  # nothing to hide: shown as it is
    }
    shown = redact(payload)
    assert shown == {
        "access_token": HIDDEN,
        "client-secret": HIDDEN,
        "Password": HIDDEN,
        "apiKey": HIDDEN,
        "Authorization": HIDDEN,
        "credentials": HIDDEN,
        "billing": {"CardNumber": HIDDEN, "cvc": HIDDEN},
        "lines": [{"sku": "NB001-01-01", "api_key": HIDDEN}],
        "refresh_token": None,
    }
    assert payload["Password"] == "hunter2"  # the stored payload is left alone


def test_card_numbers_keep_their_last_four_digits_wherever_they_are():
    assert redact("paid with 4111-1111-1111-1111 today") == "paid with •••• 1111 today"
    assert redact({"note": "5500 0000 0000 0004"}) == {"note": "•••• 0004"}
    assert redact([378282246310005]) == ["•••• 0005"]  # an Amex number, as a JSON number


def test_numbers_that_are_not_card_numbers_are_kept():
    kept = {
        "ean": "7350001401010",  # 13 digits: too short for a card
        "phone": "+46 70 452 87 43",
        "organisation_number": "556677-8899",
        "not_luhn": "4111111111111112",  # card-length, but fails the check
        "order": 1001,
        "amount": "1979.10",
        "shippingAddress": {"author": "Ann", "company": "Kafferosteriet AB"},
        "id": "7b9b436cd2670e815ed7c9ef51f5e820",
    }
    assert redact(kept) == kept


def test_bearer_tokens_inside_text_are_hidden():
    text = "request failed: Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.x.y sent"
    assert redact(text) == f"request failed: Authorization: Bearer {HIDDEN} sent"


def test_an_error_shows_its_payloads_masked_but_its_record_as_it_is():
    flow = Flow(name="orders", integration=Integration(name="shop"))
    row = RecordError(
        flow=flow, source_id="1001", status="open", error_class="data", message="refused",
        attempts=1, first_failed_at=utcnow(), last_failed_at=utcnow(),
        record={"number": "1001", "email": "a@b.se"},
        source_payload={"order": "1001", "payment": {"token": "tok_live_123"}},
        target_payload={"Authorization": "Bearer abc.def"},
    )  # fmt: skip
    shown = error_queue.detail(row)
    assert shown["record"] == {"number": "1001", "email": "a@b.se"}
    assert "tok_live_123" not in str(shown["source_payload"])
    assert shown["source_payload"]["order"] == "1001"
    assert "abc.def" not in str(shown["target_payload"])
    assert row.source_payload["payment"]["token"] == "tok_live_123"  # stored as it came

"""sdk.remote: Standard Webhooks signatures made by Tanzi verify (with this SDK and with the
specification's reference library); tampering, wrong secrets and stale or future timestamps
are refused with a reason; secrets from before the standard keep their key; webhook bodies
parse into typed events."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime

import pytest
import standardwebhooks

from sdk import OrderEvent
from sdk.remote import (
    EVENT_ID_HEADER,
    EVENT_TOPICS,
    SECRET_PREFIX,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TOPIC_HEADER,
    InvalidSignature,
    WebhookEvent,
    event_for,
    new_secret,
    secret_key,
    sign,
    signature_headers,
    standard_secret,
    topic_for,
    verify_signature,
)

#: a standard secret: ``whsec_`` and the base64 of 32 bytes
SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
#: a secret as Tanzi issued them before Standard Webhooks (``whsec_`` + a URL-safe token)
LEGACY_SECRET = "whsec_x-ZbFQ8_1TQ7mNw2lOa0eQk3rC9VJ-5dGh2sYpLuW4E"
BODY = b'{"event_id":"e1","topic":"order.paid"}'
EVENT_ID = "0b5f2c1e-1d9b-4f52-9d2e-6f1a2b3c4d5e"
NOW = 1_800_000_000


def _headers(
    body: bytes = BODY, *, secret: str | list[str] = SECRET, timestamp: int = NOW
) -> dict[str, str]:
    return signature_headers(
        secret, body, event_id=EVENT_ID, topic="order.paid", timestamp=timestamp
    )


def test_a_signature_round_trips_with_the_standard_headers() -> None:
    headers = _headers()
    assert set(headers) == {EVENT_ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER, TOPIC_HEADER}
    assert (EVENT_ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER) == (
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    )
    assert headers[EVENT_ID_HEADER] == EVENT_ID
    assert headers[TIMESTAMP_HEADER] == str(NOW)
    assert headers[SIGNATURE_HEADER].startswith("v1,")
    assert verify_signature(SECRET, headers, BODY, now=NOW) == NOW


def test_the_signature_is_base64_hmac_sha256_over_id_dot_timestamp_dot_body() -> None:
    key = bytes(range(32))  # the decoded secret, not its text
    digest = hmac.new(key, f"{EVENT_ID}.{NOW}.".encode() + BODY, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(digest).decode()
    assert sign(SECRET, EVENT_ID, NOW, BODY) == expected
    assert sign(key, EVENT_ID, str(NOW), BODY.decode()) == expected


def test_the_reference_library_verifies_our_signature_and_we_verify_its() -> None:
    reference = standardwebhooks.Webhook(SECRET)
    now = int(time.time())
    ours = _headers(timestamp=now)
    assert reference.verify(BODY, ours) == {"event_id": "e1", "topic": "order.paid"}
    theirs = reference.sign(EVENT_ID, datetime.fromtimestamp(now, tz=UTC), BODY.decode())
    assert theirs == ours[SIGNATURE_HEADER]
    headers = {EVENT_ID_HEADER: EVENT_ID, TIMESTAMP_HEADER: str(now), SIGNATURE_HEADER: theirs}
    assert verify_signature(SECRET, headers, BODY) == now


def test_new_secrets_are_standard_and_random() -> None:
    made = {new_secret() for _ in range(3)}
    assert len(made) == 3
    for secret in made:
        assert secret.startswith(SECRET_PREFIX)
        assert len(base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)) == 32
        assert standard_secret(secret) == secret
    with pytest.raises(ValueError):
        new_secret(16)  # the specification asks for at least 24 bytes


def test_a_secret_from_before_the_standard_keeps_its_key() -> None:
    """A legacy secret signed with its own UTF-8 bytes; its standard spelling is the same
    key, so receivers holding either spelling verify, and so does the reference library."""
    assert secret_key(LEGACY_SECRET) == LEGACY_SECRET.encode()
    spelled = standard_secret(LEGACY_SECRET)
    assert spelled != LEGACY_SECRET
    assert secret_key(spelled) == LEGACY_SECRET.encode()
    now = int(time.time())
    headers = _headers(secret=LEGACY_SECRET, timestamp=now)
    assert headers == _headers(secret=spelled, timestamp=now)
    assert verify_signature(LEGACY_SECRET, headers, BODY) == now
    assert verify_signature(spelled, headers, BODY) == now
    assert standardwebhooks.Webhook(spelled).verify(BODY, headers) is not None


def test_header_names_match_case_insensitively_in_a_plain_dict() -> None:
    titled = {k.title(): v for k, v in _headers().items()}
    assert verify_signature(SECRET, titled, BODY, now=NOW) == NOW


def test_an_id_with_a_dot_is_never_signed() -> None:
    with pytest.raises(ValueError):
        signature_headers(SECRET, BODY, event_id="a.b", topic="order.paid", timestamp=NOW)


@pytest.mark.parametrize(
    ("body", "secret", "reason"),
    [
        (BODY.replace(b"order.paid", b"order.refunded"), SECRET, "mismatch"),
        (BODY + b" ", SECRET, "mismatch"),
        (BODY, new_secret(), "mismatch"),
        (BODY, LEGACY_SECRET, "mismatch"),
    ],
    ids=["tampered-body", "extra-byte", "wrong-secret", "another-legacy-secret"],
)
def test_tampering_or_the_wrong_secret_is_refused(body: bytes, secret: str, reason: str) -> None:
    with pytest.raises(InvalidSignature) as info:
        verify_signature(secret, _headers(), body, now=NOW)
    assert info.value.reason == reason


def test_the_id_is_signed() -> None:
    headers = _headers()
    headers[EVENT_ID_HEADER] = "another-event"  # a signature moved onto another event
    with pytest.raises(InvalidSignature) as info:
        verify_signature(SECRET, headers, BODY, now=NOW)
    assert info.value.reason == "mismatch"


def test_a_signature_for_another_timestamp_is_refused() -> None:
    headers = _headers()
    headers[TIMESTAMP_HEADER] = str(NOW + 1)  # the replayed request, re-dated
    with pytest.raises(InvalidSignature) as info:
        verify_signature(SECRET, headers, BODY, now=NOW)
    assert info.value.reason == "mismatch"


def test_stale_and_future_timestamps_are_refused_beyond_the_window() -> None:
    headers = _headers(timestamp=NOW - 301)
    with pytest.raises(InvalidSignature) as info:
        verify_signature(SECRET, headers, BODY, now=NOW)
    assert info.value.reason == "stale"
    assert "301s ago" in str(info.value)
    with pytest.raises(InvalidSignature) as info:
        verify_signature(SECRET, _headers(timestamp=NOW + 301), BODY, now=NOW)
    assert info.value.reason == "future"
    # inside the window either way, and with a custom window
    assert verify_signature(SECRET, _headers(timestamp=NOW - 300), BODY, now=NOW) == NOW - 300
    assert verify_signature(SECRET, _headers(timestamp=NOW + 300), BODY, now=NOW) == NOW + 300
    with pytest.raises(InvalidSignature):
        verify_signature(SECRET, _headers(timestamp=NOW - 31), BODY, now=NOW, tolerance_s=30)


def test_the_current_time_is_the_default_clock() -> None:
    now = int(time.time())
    assert verify_signature(SECRET, _headers(timestamp=now), BODY) == now
    with pytest.raises(InvalidSignature):
        verify_signature(SECRET, _headers(timestamp=now - 3600), BODY)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing_header"),
        ({TIMESTAMP_HEADER: str(NOW), SIGNATURE_HEADER: "v1,AAAA"}, "missing_header"),
        ({EVENT_ID_HEADER: EVENT_ID, TIMESTAMP_HEADER: str(NOW)}, "missing_header"),
        (
            {EVENT_ID_HEADER: EVENT_ID, TIMESTAMP_HEADER: "yesterday", SIGNATURE_HEADER: "v1,AA=="},
            "bad_timestamp",
        ),
        (
            {EVENT_ID_HEADER: EVENT_ID, TIMESTAMP_HEADER: str(NOW), SIGNATURE_HEADER: "v1,not*b64"},
            "mismatch",
        ),
    ],
    ids=["none", "no-id", "no-signature", "bad-timestamp", "bad-base64"],
)
def test_missing_or_malformed_headers_are_refused(headers: dict[str, str], reason: str) -> None:
    with pytest.raises(InvalidSignature) as info:
        verify_signature(SECRET, headers, BODY, now=NOW)
    assert info.value.reason == reason


def test_several_signatures_are_space_separated_while_a_secret_rotates() -> None:
    old = new_secret()
    headers = _headers(secret=[SECRET, old])
    entries = headers[SIGNATURE_HEADER].split(" ")
    assert entries == [sign(SECRET, EVENT_ID, NOW, BODY), sign(old, EVENT_ID, NOW, BODY)]
    assert verify_signature(SECRET, headers, BODY, now=NOW) == NOW
    assert verify_signature(old, headers, BODY, now=NOW) == NOW
    with pytest.raises(InvalidSignature):
        verify_signature(new_secret(), headers, BODY, now=NOW)


def test_signatures_of_other_schemes_are_skipped() -> None:
    headers = _headers()
    headers[SIGNATURE_HEADER] = "v1a,c2lnbmVk " + headers[SIGNATURE_HEADER]
    assert verify_signature(SECRET, headers, BODY, now=NOW) == NOW
    headers[SIGNATURE_HEADER] = headers[SIGNATURE_HEADER].replace("v1,", "v2,")
    with pytest.raises(InvalidSignature):
        verify_signature(SECRET, headers, BODY, now=NOW)


def test_topics_are_the_event_names_dotted_both_ways() -> None:
    assert topic_for("order_paid") == "order.paid"
    assert topic_for("installation_created") == "installation.created"
    assert event_for("inventory.changed") == "inventory_changed"
    assert all(event_for(topic_for(name)) == name for name in EVENT_TOPICS)
    with pytest.raises(KeyError):
        topic_for("order_teleported")


def test_a_webhook_body_parses_into_the_typed_sdk_event() -> None:
    body = (
        '{"event_id":"7f0c","topic":"order.paid","shop_id":3,"installation_id":9,'
        '"resource_type":"order","resource_id":12,"sequence":2,'
        '"occurred_at":"2026-11-22T08:00:00+00:00",'
        '"data":{"order":{"id":12,"shop_id":3,"status":"paid","total_fen":3500}}}'
    )
    event = WebhookEvent.parse(body)
    assert (event.event_id, event.topic, event.event_name) == ("7f0c", "order.paid", "order_paid")
    assert (event.resource_type, event.resource_id, event.sequence) == ("order", 12, 2)
    assert event.occurred_at == datetime(2026, 11, 22, 8, tzinfo=UTC)
    payload = event.payload()
    assert isinstance(payload, OrderEvent)
    assert (payload.order.id, payload.order.total_fen, payload.sequence) == (12, 3500, 2)


def test_an_unknown_topic_still_parses_but_has_no_typed_payload() -> None:
    body = (
        '{"event_id":"x","topic":"order.teleported","shop_id":1,"resource_type":"order",'
        '"resource_id":1,"sequence":1,"occurred_at":"2026-11-22T08:00:00Z","data":{}}'
    )
    event = WebhookEvent.parse(body)
    assert event.event_name is None
    with pytest.raises(KeyError):
        event.payload()

"""sdk.remote: signatures made by Tanzi verify; tampering, wrong secrets and stale or future
timestamps are refused with a reason; webhook bodies parse into typed events."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from sdk import OrderEvent
from sdk.remote import (
    EVENT_TOPICS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    InvalidSignature,
    WebhookEvent,
    event_for,
    sign,
    signature_headers,
    topic_for,
    verify_signature,
)

SECRET = "whsec_abc"
BODY = b'{"event_id":"e1","topic":"order.paid"}'
NOW = 1_800_000_000


def _headers(body: bytes = BODY, *, secret: str = SECRET, timestamp: int = NOW) -> dict[str, str]:
    return signature_headers(secret, body, event_id="e1", topic="order.paid", timestamp=timestamp)


def test_a_signature_round_trips() -> None:
    headers = _headers()
    assert headers[SIGNATURE_HEADER].startswith("v1=")
    assert verify_signature(SECRET, headers, BODY, now=NOW) == NOW


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, NOW, BODY) == f"v1={expected}"
    assert sign(SECRET.encode(), str(NOW), BODY.decode()) == f"v1={expected}"


def test_header_names_match_case_insensitively_in_a_plain_dict() -> None:
    lowered = {k.lower(): v for k, v in _headers().items()}
    assert verify_signature(SECRET, lowered, BODY, now=NOW) == NOW


@pytest.mark.parametrize(
    ("body", "secret", "reason"),
    [
        (BODY.replace(b"order.paid", b"order.refunded"), SECRET, "mismatch"),
        (BODY + b" ", SECRET, "mismatch"),
        (BODY, "whsec_other", "mismatch"),
    ],
    ids=["tampered-body", "extra-byte", "wrong-secret"],
)
def test_tampering_or_the_wrong_secret_is_refused(body: bytes, secret: str, reason: str) -> None:
    with pytest.raises(InvalidSignature) as info:
        verify_signature(secret, _headers(), body, now=NOW)
    assert info.value.reason == reason


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
        ({TIMESTAMP_HEADER: str(NOW)}, "missing_header"),
        ({TIMESTAMP_HEADER: "yesterday", SIGNATURE_HEADER: "v1=00"}, "bad_timestamp"),
    ],
)
def test_missing_or_malformed_headers_are_refused(headers: dict[str, str], reason: str) -> None:
    with pytest.raises(InvalidSignature) as info:
        verify_signature(SECRET, headers, BODY, now=NOW)
    assert info.value.reason == reason


def test_one_of_several_signatures_may_match_while_a_secret_rotates() -> None:
    headers = _headers()
    headers[SIGNATURE_HEADER] = f"{sign('whsec_old', NOW, BODY)}, {headers[SIGNATURE_HEADER]}"
    assert verify_signature(SECRET, headers, BODY, now=NOW) == NOW


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

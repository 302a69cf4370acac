"""Contract: ``client.records``, the installation's own JSON documents. Runs on every backend."""

from __future__ import annotations

from typing import Any

import pytest

from sdk.errors import InvalidRequest
from tests.contract.conftest import Contract


def test_put_get_replace_and_create_once(contract: Contract) -> None:
    records = contract.client().records
    assert records.get("policies", "order-1") is None
    created = records.put("policies", "order-1", {"premium_fen": 120, "tags": ["运费险"]})
    assert (created.collection, created.key, created.data) == (
        "policies",
        "order-1",
        {"premium_fen": 120, "tags": ["运费险"]},
    )
    assert created.created_at is not None and created.updated_at is not None
    assert records.get("policies", "order-1") == created
    kept = records.put("policies", "order-1", {"premium_fen": 999}, if_absent=True)
    assert kept.data == created.data
    replaced = records.put("policies", "order-1", {"premium_fen": 150})
    assert replaced.data == {"premium_fen": 150}
    assert replaced.created_at == created.created_at
    assert records.get("policies", "order-1") == replaced
    fresh = records.put("policies", "order-2", {"n": 2}, if_absent=True)
    assert fresh.data == {"n": 2}


def test_collections_are_separate(contract: Contract) -> None:
    records = contract.client().records
    records.put("policies", "k", {"in": "policies"})
    records.put("claims", "k", {"in": "claims"})
    assert records.get("policies", "k").data == {"in": "policies"}  # type: ignore[union-attr]
    assert records.get("claims", "k").data == {"in": "claims"}  # type: ignore[union-attr]
    assert [r.data for r in records.list("claims")] == [{"in": "claims"}]
    assert records.list("empty") == []


def test_list_orders_by_key_and_pages_after_a_key(contract: Contract) -> None:
    records = contract.client().records
    keys = ["b", "a/1", "c d", "a", "订单-7", "..", "."]
    for key in keys:
        records.put("notes", key, {"key": key})
    assert [r.key for r in records.list("notes")] == sorted(keys)
    assert all(r.data == {"key": r.key} for r in records.list("notes"))
    seen: list[str] = []
    after: str | None = None
    while page := records.list("notes", limit=2, after_key=after):
        assert len(page) <= 2
        seen.extend(r.key for r in page)
        after = page[-1].key
    assert seen == sorted(keys)
    assert [r.key for r in records.list("notes", limit=0)] == sorted(keys)[:1]


def test_keys_that_look_like_paths_are_one_key(contract: Contract) -> None:
    records = contract.client().records
    for key in ("a/b", "a%2Fb", "..", "?x=1#y", " spaced "):
        records.put("paths", key, {"key": key})
        found = records.get("paths", key)
        assert found is not None and found.key == key and found.data == {"key": key}
    assert records.get("paths", "a") is None


def test_delete(contract: Contract) -> None:
    records = contract.client().records
    records.put("notes", "gone", {})
    assert records.delete("notes", "gone") is True
    assert records.get("notes", "gone") is None
    assert records.delete("notes", "gone") is False


@pytest.mark.parametrize(
    ("collection", "key", "data", "code"),
    [
        ("Bad Name", "a", {}, "invalid_collection"),
        ("1notes", "a", {}, "invalid_collection"),
        ("n" * 64, "a", {}, "invalid_collection"),
        ("notes", "", {}, "invalid_key"),
        ("notes", "k" * 201, {}, "invalid_key"),
        ("notes", "line\nbreak", {}, "invalid_key"),
        ("notes", "a", {"x": object()}, "invalid_data"),
        ("notes", "a", {"x": float("nan")}, "invalid_data"),
        ("notes", "a", ["not", "a", "dict"], "invalid_data"),
        ("notes", "a", {"x": "y" * 70_000}, "record_too_large"),
    ],
    ids=[
        "spaces",
        "digit-first",
        "too-long-collection",
        "empty-key",
        "long-key",
        "unprintable-key",
        "not-json",
        "nan",
        "not-a-dict",
        "too-large",
    ],
)
def test_bad_input_is_refused_with_its_code(
    contract: Contract, collection: str, key: str, data: Any, code: str
) -> None:
    records = contract.client().records
    with pytest.raises(InvalidRequest) as refused:
        records.put(collection, key, data)
    assert refused.value.code == code
    if code.startswith("invalid_collection"):
        with pytest.raises(InvalidRequest):
            records.list(collection)
    if code.endswith("_key") or code == "invalid_collection":
        with pytest.raises(InvalidRequest):
            records.get(collection, key)
        with pytest.raises(InvalidRequest):
            records.delete(collection, key)
    assert records.list("notes") == []


def test_increment_counts_within_a_ceiling_and_keeps_other_fields(contract: Contract) -> None:
    records = contract.client().records
    assert records.increment("coupon_counts", "SPRING", "claimed", ceiling=2) == 1
    assert records.get("coupon_counts", "SPRING").data == {"claimed": 1}  # type: ignore[union-attr]
    records.put("coupon_counts", "SPRING", {"claimed": 1, "title": "春季券"})
    assert records.increment("coupon_counts", "SPRING", "claimed", ceiling=2) == 2
    assert records.increment("coupon_counts", "SPRING", "claimed", ceiling=2) is None
    assert records.increment("coupon_counts", "SPRING", "used", by=5) == 5
    assert records.increment("coupon_counts", "SPRING", "used", by=-6) is None  # below 0
    assert records.increment("coupon_counts", "SPRING", "used", by=-5) == 0
    assert records.get("coupon_counts", "SPRING").data == {  # type: ignore[union-attr]
        "claimed": 2,
        "title": "春季券",
        "used": 0,
    }
    assert records.increment("coupon_counts", "FULL", "claimed", ceiling=0) is None
    assert records.get("coupon_counts", "FULL").data == {"claimed": 0}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [("Bad-Name", None, "invalid_counter"), ("title", "春", "not_a_counter")],
)
def test_increment_refuses_a_bad_counter(
    contract: Contract, field: str, value: Any, code: str
) -> None:
    records = contract.client().records
    if value is not None:
        records.put("coupon_counts", "X", {field: value})
    with pytest.raises(InvalidRequest) as refused:
        records.increment("coupon_counts", "X", field)
    assert refused.value.code == code

"""Contract: product batch upserts and the product writes product services need (price,
status, category, images, delete, find by reference), and the category tree. Runs on
every backend."""

from __future__ import annotations

import pytest

from sdk.batch import ProductInput, SkuInput
from sdk.errors import InvalidRequest, ResourceNotFound, ScopeDenied
from tests.contract.conftest import PRODUCTS, Contract


def _new(ref: str, category_id: int, **kw: object) -> ProductInput:
    data: dict[str, object] = {
        "external_ref": ref,
        "title": f"导入商品 Imported {ref}",
        "category_id": category_id,
        "weight_g": 250,
        "skus": [
            SkuInput(code=f"{ref}-1", options={"颜色": "红"}, price_fen=1990, stock=5),
            SkuInput(code=f"{ref}-2", options={"颜色": "蓝"}, price_fen=2090, compare_at_fen=2500),
        ],
    }
    data.update(kw)
    return ProductInput.model_validate(data)


def test_upsert_many_creates_updates_and_leaves_unchanged(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    first = client.products.upsert_many(
        [_new("A1", world.category_id), _new("A2", world.category_id)]
    )
    assert first.counts == {"created": 2, "updated": 0, "unchanged": 0, "failed": 0}
    assert [r.index for r in first.items] == [0, 1]
    created = client.products.get(first.items[0].product_id or 0)
    assert (created.external_ref, created.status, created.weight_g) == ("A1", "draft", 250)
    assert [(s.code, s.price_fen, s.stock, s.compare_at_fen) for s in created.skus] == [
        ("A1-1", 1990, 5, None),
        ("A1-2", 2090, 0, 2500),
    ]
    again = client.products.upsert_many([_new("A1", world.category_id)])
    assert again.items[0].status == "unchanged"
    change = ProductInput(
        external_ref="A2",
        title="改名 Renamed",
        skus=[SkuInput(code="A2-1", price_fen=1800), SkuInput(code="A2-3", price_fen=100)],
    )
    updated = client.products.upsert_many([change]).items[0]
    assert updated.status == "updated"
    assert updated.changed == ["title", "skus[A2-1].price_fen", "skus[A2-3]"]
    found = client.products.get_by_ref("A2")
    assert found is not None and found.title == "改名 Renamed"
    assert [s.code for s in found.skus] == ["A2-1", "A2-2", "A2-3"]
    assert client.products.get_by_ref("nope") is None


def test_upsert_many_reports_bad_items_and_keeps_good_ones(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    before = len(client.products.list(limit=200))
    result = client.products.upsert_many(
        [
            _new("OK", world.category_id),
            _new("NEG", world.category_id, skus=[SkuInput(code="N", price_fen=-1)]),
            _new("GATED", world.gated_category_id),
            ProductInput(
                external_ref="NOTITLE",
                category_id=world.category_id,
                skus=[SkuInput(code="x", price_fen=1)],
            ),
            ProductInput(id=world.foreign_product_id, title="not mine"),
        ]
    )
    assert [r.status for r in result.items] == ["created", "failed", "failed", "failed", "failed"]
    assert [r.problems[0].field for r in result.items[1:]] == [
        "skus[0].price_fen",
        "category_id",
        "title",
        "id",
    ]
    assert result.items[2].problems[0].code == "qualification_required"
    assert len(client.products.list(limit=200)) == before + 1


def test_upsert_many_dry_run_changes_nothing(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    before = client.products.list(limit=200)
    result = client.products.upsert_many(
        [_new("DRY", world.category_id), ProductInput(id=world.product_ids[0], title="Dry")],
        dry_run=True,
    )
    assert result.dry_run and [r.status for r in result.items] == ["created", "updated"]
    assert client.products.list(limit=200) == before


def test_upsert_many_takes_at_most_1000(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    items = [_new(f"M{i}", world.category_id) for i in range(1001)]
    with pytest.raises(InvalidRequest) as refused:
        client.products.upsert_many(items)
    assert refused.value.code == "too_many_items"
    assert client.products.get_by_ref("M0") is None


def test_upsert_needs_products_write(contract: Contract) -> None:
    client, world = contract.client({"products:read"}), contract.world
    with pytest.raises(ScopeDenied):
        client.products.upsert_many([_new("S", world.category_id)])


def test_set_price(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    sku = client.products.set_price(world.sku_ids[0], 15800, compare_at_fen=16800)
    assert (sku.id, sku.price_fen, sku.compare_at_fen) == (world.sku_ids[0], 15800, 16800)
    assert client.products.get(world.product_ids[0]).skus[0].price_fen == 15800
    with pytest.raises(InvalidRequest):
        client.products.set_price(world.sku_ids[0], -1)
    with pytest.raises(ResourceNotFound):
        client.products.set_price(world.foreign_sku_id, 100)


def test_list_and_delist(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    product_id = world.product_ids[1]
    assert client.products.set_status(product_id, "delisted").status == "delisted"
    assert client.products.set_status(product_id, "listed").status == "listed"
    with pytest.raises(InvalidRequest):
        client.products.set_status(product_id, "draft")  # type: ignore[arg-type]


def test_set_category_refuses_a_gated_one(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    product_id = world.product_ids[2]
    with pytest.raises(InvalidRequest):
        client.products.set_category(product_id, world.gated_category_id)
    assert client.products.get(product_id).category_id == world.category_id
    assert client.products.set_category(product_id, world.category_id).category_id == (
        world.category_id
    )


def test_images_by_file_id(contract: Contract, tiny_png: bytes) -> None:
    client, world = contract.client(), contract.world
    image = client.files.put_image("cup.png", [tiny_png])
    assert image.content_type == "image/png" and image.size > 0
    product = client.products.set_images(world.product_ids[0], [image.id])
    assert product.image_ids == [image.id]
    with pytest.raises(InvalidRequest) as refused:
        client.products.set_images(world.product_ids[0], [987_654])
    assert refused.value.code == "image_not_found"
    cleared = client.products.upsert_many([ProductInput(id=world.product_ids[0], images=[])])
    assert cleared.items[0].changed == ["images"]
    assert client.products.get(world.product_ids[0]).image_ids == []


def test_delete(contract: Contract) -> None:
    client, world = contract.client(), contract.world
    fresh = client.products.upsert_many([_new("DEL", world.category_id)]).items[0].product_id
    assert client.products.delete(fresh or 0) is True
    assert client.products.delete(world.product_ids[0]) is False  # it was ordered: kept
    for gone in (fresh or 0, world.product_ids[0]):
        with pytest.raises(ResourceNotFound):
            client.products.get(gone)


def test_categories(contract: Contract) -> None:
    client, world = contract.client({"orders:read"}), contract.world  # public: no scope
    categories = {c.id: c for c in client.categories.list()}
    assert world.category_id in categories
    assert categories[world.gated_category_id].qualifications == ["drug_licence"]


def test_sdk_snapshot_of_products_is_the_same_everywhere(contract: Contract) -> None:
    product = contract.client().products.get(contract.world.product_ids[0])
    assert [s.code for s in product.skus] == [r[0] for r in PRODUCTS[0][1]]
    assert product.image_ids == [] and product.weight_g == 0

"""Product batch upsert: many products keyed by the shop's own ids, in one transaction.

An item finds its product by ``id`` or ``external_ref`` (not deleted) and each SKU by its
code within the product. Every check runs before anything is written, so a failed item
changes nothing and the good ones still go in. Reads are a handful of queries for the
whole batch (products, SKUs, images, files, category verdicts cached per category); the
writes go through one unit-of-work flush (batched INSERT/UPDATE per table) and the events
(``product_created``, ``product_updated``, ``inventory_changed``) are recorded in bulk
(:func:`core.outbox.record_events`) in the same transaction. The caller commits.

Concurrent batches on one shop are serialized by locking the shop row, so two imports of
the same file never create one product twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, or_, select

from core.errors import InvalidInput, PermissionDenied
from core.models import Condition, Product, ProductStatus, Shop, ShopStatus, Sku
from core.models.base import utcnow
from core.models.files import FilePurpose, ProductImage, StoredFile
from core.outbox import record_events
from core.schemas.products import SkuPublic
from core.services.categories import ensure_shop_may_sell_in
from core.services.product_images import MAX_IMAGES
from core.services.products import ensure_condition_allowed, products_public
from sdk.batch import (
    MAX_BATCH,
    BatchResult,
    ItemResult,
    ProductInput,
    SkuInput,
    item_key,
    item_problems,
)
from sdk.models import Problem

_PRODUCT_FIELDS = ("title", "description", "category_id", "condition", "status", "weight_g")
_SKU_FIELDS = ("options", "price_fen", "compare_at_fen", "stock", "barcode")


@dataclass
class _Loaded:
    """What the batch reads before deciding: products by key, their SKUs and images."""

    by_key: dict[str, Product]
    skus: dict[int, dict[str, Sku]]
    images: dict[int, list[int]]
    files: dict[int, int | None] = field(default_factory=dict)  # image id -> thumbnail id


def _lock_shop(session: Session, shop_id: int) -> None:
    session.exec(select(Shop.id).where(Shop.id == shop_id).with_for_update()).first()


def _load(session: Session, shop_id: int, items: Sequence[ProductInput]) -> _Loaded:
    refs = {i.external_ref for i in items if i.id is None and i.external_ref}
    ids = {i.id for i in items if i.id is not None}
    by_key: dict[str, Product] = {}
    if refs or ids:
        rows = session.exec(
            select(Product)
            .where(
                Product.shop_id == shop_id,
                col(Product.deleted_at).is_(None),
                or_(col(Product.external_ref).in_(refs), col(Product.id).in_(ids)),
            )
            .order_by(col(Product.id))
        ).all()
        for product in rows:
            if product.id in ids:
                by_key[f"id:{product.id}"] = product
            if product.external_ref in refs:
                by_key.setdefault(f"ref:{product.external_ref}", product)
    pids = [p.id for p in by_key.values() if p.id is not None]
    skus: dict[int, dict[str, Sku]] = {pid: {} for pid in pids}
    images: dict[int, list[int]] = {pid: [] for pid in pids}
    if pids:
        for sku in session.exec(select(Sku).where(col(Sku.product_id).in_(pids))).all():
            skus[sku.product_id][sku.code] = sku
        for image in session.exec(
            select(ProductImage)
            .where(col(ProductImage.product_id).in_(pids))
            .order_by(col(ProductImage.position), col(ProductImage.id))
        ).all():
            images[image.product_id].append(image.file_id)
    wanted = {f for i in items for f in i.images or []}
    files: dict[int, int | None] = {}
    if wanted:
        for file in session.exec(
            select(StoredFile).where(
                col(StoredFile.id).in_(wanted),
                StoredFile.shop_id == shop_id,
                StoredFile.purpose == FilePurpose.product_image,
                col(StoredFile.expires_at).is_(None),
            )
        ).all():
            files[file.id or 0] = None
        for thumb in session.exec(
            select(StoredFile).where(col(StoredFile.original_id).in_(list(files)))
        ).all():
            files[thumb.original_id or 0] = thumb.id
    return _Loaded(by_key=by_key, skus=skus, images=images, files=files)


class _Rules:
    """The shop's rules for an item, with each category's verdict asked once."""

    def __init__(self, session: Session, shop: Shop, loaded: _Loaded) -> None:
        self.session, self.shop, self.loaded = session, shop, loaded
        self._categories: dict[int, Problem | None] = {}

    def category(self, category_id: int) -> Problem | None:
        if category_id not in self._categories:
            try:
                ensure_shop_may_sell_in(self.session, shop=self.shop, category_id=category_id)
                verdict = None
            except (InvalidInput, PermissionDenied) as exc:
                code = exc.code if exc.code != "invalid_input" else "category_not_found"
                verdict = Problem(field="category_id", message=exc.detail, code=code)
            self._categories[category_id] = verdict
        return self._categories[category_id]

    def problems(self, item: ProductInput, product: Product | None) -> list[Problem]:
        out: list[Problem] = []
        category_id = item.category_id or (product.category_id if product else None)
        if item.category_id is not None and (verdict := self.category(item.category_id)):
            out.append(verdict)
        if item.condition is not None:
            try:
                ensure_condition_allowed(self.shop, Condition(item.condition))
            except InvalidInput as exc:
                out.append(Problem(field="condition", message=exc.detail, code=exc.code))
        if item.status == "listed":
            if self.shop.status != ShopStatus.open:
                out.append(
                    Problem(
                        field="status",
                        message="Only open shops may list products; open the shop first.",
                        code="shop_not_open",
                    )
                )
            elif (
                category_id is not None
                and item.category_id is None
                and (verdict := self.category(category_id))
            ):
                out.append(verdict)
        if item.images is not None:
            if len(item.images) > MAX_IMAGES:
                out.append(
                    Problem(
                        field="images",
                        message=f"A product has at most {MAX_IMAGES} images.",
                        code="too_many_images",
                    )
                )
            for i, file_id in enumerate(item.images):
                if file_id not in self.loaded.files:
                    out.append(
                        Problem(
                            field=f"images[{i}]",
                            message=f"Image {file_id} was not found in this shop.",
                            code="image_not_found",
                        )
                    )
        return out


@dataclass
class _Plan:
    """The writes the batch decided on, made after every item was judged."""

    created: list[tuple[int, Product, list[SkuInput], list[int] | None]] = field(
        default_factory=list
    )
    updated: dict[int, Product] = field(default_factory=dict)
    new_skus: list[Sku] = field(default_factory=list)
    stock_moves: list[tuple[Sku, int]] = field(default_factory=list)
    images: dict[int, list[int]] = field(default_factory=dict)


def _new_product(shop_id: int, item: ProductInput) -> Product:
    return Product(
        shop_id=shop_id,
        category_id=item.category_id or 0,
        title=item.title or "",
        description=item.description or "",
        status=ProductStatus(item.status or "draft"),
        condition=Condition(item.condition or "new"),
        external_ref=item.external_ref,
        weight_g=item.weight_g or 0,
    )


def _new_sku(product: Product, sku: SkuInput) -> Sku:
    return Sku(
        product_id=product.id or 0,
        shop_id=product.shop_id,
        code=sku.code,
        options=dict(sku.options or {}),
        price_fen=sku.price_fen or 0,
        compare_at_fen=sku.compare_at_fen,
        stock=sku.stock or 0,
        barcode=sku.barcode,
    )


def _diff(item: ProductInput, product: Product, loaded: _Loaded, plan: _Plan) -> list[str]:
    """Apply ``item`` to the loaded ``product`` (in memory) and list what changed."""
    assert product.id is not None
    changed: list[str] = []
    for name in _PRODUCT_FIELDS:
        value = getattr(item, name)
        if value is not None and getattr(product, name) != value:
            setattr(product, name, value)
            changed.append(name)
    if item.id is not None and item.external_ref not in (None, product.external_ref):
        product.external_ref = item.external_ref
        changed.append("external_ref")
    if item.images is not None and loaded.images[product.id] != list(item.images):
        plan.images[product.id] = list(item.images)
        changed.append("images")
    current = loaded.skus[product.id]
    for sku_in in item.skus:
        sku = current.get(sku_in.code)
        if sku is None:
            plan.new_skus.append(_new_sku(product, sku_in))
            changed.append(f"skus[{sku_in.code}]")
            continue
        for name in _SKU_FIELDS:
            value = getattr(sku_in, name)
            if value is None or getattr(sku, name) == value:
                continue
            if name == "stock":
                plan.stock_moves.append((sku, value - sku.stock))
            setattr(sku, name, dict(value) if name == "options" else value)
            changed.append(f"skus[{sku_in.code}].{name}")
    return changed


def upsert_products(
    session: Session, *, shop: Shop, items: Sequence[ProductInput], dry_run: bool = False
) -> BatchResult:
    """Create or change up to :data:`~sdk.batch.MAX_BATCH` products; one result per item.

    With ``dry_run`` the results are the same and nothing is written (the session's
    changes are expunged). Does not commit.
    """
    assert shop.id is not None
    if len(items) > MAX_BATCH:
        raise InvalidInput(
            f"At most {MAX_BATCH} items a request; this one has {len(items)}.",
            code="too_many_items",
            field="body.items",
        )
    _lock_shop(session, shop.id)
    loaded = _load(session, shop.id, items)
    rules = _Rules(session, shop, loaded)
    plan = _Plan()
    results: list[ItemResult] = []
    seen: set[str] = set()
    with session.no_autoflush:  # items are judged on loaded rows changed in memory
        for index, item in enumerate(items):
            results.append(_judge(index, item, shop, loaded, rules, plan, seen))
    if dry_run:
        for product in loaded.by_key.values():
            if product in session:
                session.expunge(product)
        for sku in (s for by_code in loaded.skus.values() for s in by_code.values()):
            session.expunge(sku)
        return BatchResult(items=results, dry_run=True)
    created_ids = _write(session, shop.id, plan, loaded)
    for index, pid in created_ids.items():
        results[index] = results[index].model_copy(update={"product_id": pid})
    return BatchResult(items=results)


def _judge(
    index: int,
    item: ProductInput,
    shop: Shop,
    loaded: _Loaded,
    rules: _Rules,
    plan: _Plan,
    seen: set[str],
) -> ItemResult:
    """One item's outcome; a good item's writes join ``plan``."""
    assert shop.id is not None
    key = item_key(item)
    product = loaded.by_key.get(key)
    problems: list[Problem] = []
    if key in seen:
        problems.append(
            Problem(
                field="external_ref" if item.id is None else "id",
                message="The same product appears twice in this batch.",
                code="duplicate_item",
            )
        )
    elif item.id is not None and product is None:
        problems.append(
            Problem(
                field="id", message=f"Product {item.id} was not found.", code="product_not_found"
            )
        )
    seen.add(key)
    if not problems:
        codes = set(loaded.skus[product.id or 0]) if product is not None else set()
        problems = item_problems(item, is_new=product is None, known_codes=codes)
        problems += rules.problems(item, product)
    if problems:
        return ItemResult(
            index=index, status="failed", external_ref=item.external_ref, problems=problems
        )
    if product is None:
        new = _new_product(shop.id, item)
        plan.created.append((index, new, list(item.skus), item.images))
        return ItemResult(index=index, status="created", external_ref=item.external_ref)
    changed = _diff(item, product, loaded, plan)
    if changed:
        plan.updated[product.id or 0] = product
    return ItemResult(
        index=index,
        status="updated" if changed else "unchanged",
        external_ref=product.external_ref,
        product_id=product.id,
        changed=changed,
    )


def _write(session: Session, shop_id: int, plan: _Plan, loaded: _Loaded) -> dict[int, int]:
    """Flush the plan and record its events; returns created products' ids by item index."""
    now = utcnow()
    for _, product, _, _ in plan.created:
        product.created_at = product.updated_at = now
        session.add(product)
    for product in plan.updated.values():
        product.updated_at = now
        session.add(product)
    session.flush()  # one batched INSERT ... RETURNING for the new products
    created: dict[int, int] = {}
    for index, product, skus, images in plan.created:
        assert product.id is not None
        created[index] = product.id
        plan.new_skus.extend(_new_sku(product, s) for s in skus)
        if images:
            plan.images[product.id] = images
    session.add_all(plan.new_skus)
    for pid in plan.images:
        for old in session.exec(select(ProductImage).where(ProductImage.product_id == pid)).all():
            session.delete(old)
    session.flush()
    session.add_all(
        ProductImage(
            shop_id=shop_id,
            product_id=pid,
            file_id=file_id,
            thumbnail_id=loaded.files.get(file_id),
            position=position,
            is_main=position == 0,
        )
        for pid, file_ids in plan.images.items()
        for position, file_id in enumerate(file_ids)
    )
    session.flush()
    _record(session, shop_id, plan)
    return created


def _record(session: Session, shop_id: int, plan: _Plan) -> None:
    """The batch's events, in bulk: products created, products updated, stock moved."""
    products = [p for _, p, _, _ in plan.created] + list(plan.updated.values())
    views = {p.id: v for p, v in zip(products, products_public(session, products), strict=True)}

    def snapshots(rows: list[Product]) -> dict[int, dict[str, Any]]:
        return {p.id or 0: {"product": views[p.id].model_dump(mode="json")} for p in rows}

    record_events(
        session,
        name="product_created",
        shop_id=shop_id,
        resource_type="product",
        data=snapshots([p for _, p, _, _ in plan.created]),
    )
    record_events(
        session,
        name="product_updated",
        shop_id=shop_id,
        resource_type="product",
        data=snapshots(list(plan.updated.values())),
    )
    record_events(
        session,
        name="inventory_changed",
        shop_id=shop_id,
        resource_type="sku",
        data={
            sku.id or 0: {
                "sku": SkuPublic.model_validate(sku, from_attributes=True).model_dump(mode="json"),
                "delta": delta,
                "stock": sku.stock,
                "reason": "import",
                "order_id": None,
            }
            for sku, delta in plan.stock_moves
        },
    )


def upsert_raw(
    session: Session, *, shop: Shop, raw_items: Sequence[Any], dry_run: bool = False
) -> BatchResult:
    """:func:`upsert_products` for items as sent over HTTP: an item that is not even
    well-formed fails alone, with the field path of each mistake, and the others go on."""
    if len(raw_items) > MAX_BATCH:
        raise InvalidInput(
            f"At most {MAX_BATCH} items a request; this one has {len(raw_items)}.",
            code="too_many_items",
            field="body.items",
        )
    valid: list[ProductInput] = []
    positions: list[int] = []
    failed: dict[int, ItemResult] = {}
    for index, raw in enumerate(raw_items):
        try:
            valid.append(ProductInput.model_validate(raw))
            positions.append(index)
        except ValidationError as exc:
            ref = raw.get("external_ref") if isinstance(raw, dict) else None
            failed[index] = ItemResult(
                index=index,
                status="failed",
                external_ref=ref if isinstance(ref, str) else None,
                problems=[
                    Problem(
                        field=field_path(err["loc"]),
                        message=err["msg"],
                        code="invalid_input",
                    )
                    for err in exc.errors(include_url=False)
                ],
            )
    result = upsert_products(session, shop=shop, items=valid, dry_run=dry_run)
    merged: list[ItemResult] = [*failed.values()]
    merged += [item.model_copy(update={"index": positions[item.index]}) for item in result.items]
    merged.sort(key=lambda r: r.index)
    return BatchResult(items=merged, dry_run=dry_run)


def field_path(loc: Sequence[Any]) -> str:
    """A pydantic error location as a field path: ``("skus", 0, "price_fen")`` ->
    ``skus[0].price_fen``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out

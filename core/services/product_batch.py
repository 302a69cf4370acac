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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, delete, insert
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
from sdk.models import Problem, ProductDraft
from sdk.models import Sku as SkuDraft

#: Asks the shop's services about a product as it would be saved (``product_validate``);
#: returns their problems, none when they accept it.
Validator = Callable[[ProductDraft], list[Problem]]

_PRODUCT_FIELDS = ("title", "description", "category_id", "condition", "status", "weight_g")
_SKU_FIELDS = ("options", "price_fen", "compare_at_fen", "stock", "barcode")
_PRODUCTS: Table = Product.__table__  # type: ignore[attr-defined]
_SKUS: Table = Sku.__table__  # type: ignore[attr-defined]
_IMAGES: Table = ProductImage.__table__  # type: ignore[attr-defined]


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
        for product_id, file_id in session.exec(
            select(ProductImage.product_id, ProductImage.file_id)
            .where(col(ProductImage.product_id).in_(pids))
            .order_by(col(ProductImage.position), col(ProductImage.id))
        ).all():
            images[product_id].append(file_id)
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

    created: list[tuple[int, ProductInput]] = field(default_factory=list)
    updated: dict[int, Product] = field(default_factory=dict)
    new_skus: list[dict[str, Any]] = field(default_factory=list)
    stock_moves: list[tuple[Sku, int]] = field(default_factory=list)
    images: dict[int, list[int]] = field(default_factory=dict)


def _product_row(shop_id: int, item: ProductInput, now: Any) -> dict[str, Any]:
    """A new product's columns (written with one bulk INSERT per chunk)."""
    return {
        "shop_id": shop_id,
        "category_id": item.category_id or 0,
        "title": item.title or "",
        "description": item.description or "",
        "status": ProductStatus(item.status or "draft"),
        "condition": Condition(item.condition or "new"),
        "self_pickup": False,
        "sellable_provinces": [],
        "external_ref": item.external_ref,
        "weight_g": item.weight_g or 0,
        "created_at": now,
        "updated_at": now,
    }


def _sku_row(shop_id: int, product_id: int, sku: SkuInput) -> dict[str, Any]:
    """A new SKU's columns."""
    return {
        "product_id": product_id,
        "shop_id": shop_id,
        "code": sku.code,
        "options": dict(sku.options or {}),
        "price_fen": sku.price_fen or 0,
        "compare_at_fen": sku.compare_at_fen,
        "currency": "CNY",
        "stock": sku.stock or 0,
        "barcode": sku.barcode,
    }


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
            plan.new_skus.append(_sku_row(product.shop_id, product.id, sku_in))
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
    session: Session,
    *,
    shop: Shop,
    items: Sequence[ProductInput],
    dry_run: bool = False,
    validate: Validator | None = None,
) -> BatchResult:
    """Create or change up to :data:`~sdk.batch.MAX_BATCH` products; one result per item.

    An item the kernel accepts is then shown to ``validate`` (the shop's services'
    ``product_validate``, as the single-product routes ask them) as the product it would
    save; their problems fail that item alone. With ``dry_run`` the results are the same
    and nothing is written (the session's changes are expunged). Does not commit.
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
            results.append(_judge(index, item, loaded, rules, plan, seen, validate))
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
    loaded: _Loaded,
    rules: _Rules,
    plan: _Plan,
    seen: set[str],
    validate: Validator | None,
) -> ItemResult:
    """One item's outcome; a good item's writes join ``plan``."""
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
    if not problems and validate is not None:
        problems = [
            Problem(field=p.field, message=p.message, code=p.code or "product_rejected")
            for p in validate(_draft(item, product, loaded))
        ]
    if problems:
        return ItemResult(
            index=index, status="failed", external_ref=item.external_ref, problems=problems
        )
    if product is None:
        plan.created.append((index, item))
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


def _draft(item: ProductInput, product: Product | None, loaded: _Loaded) -> ProductDraft:
    """The product ``item`` would save, for the services to judge: the item's fields over
    the stored product's, its SKUs over the stored ones by code (a SKU not saved yet has
    ``id`` 0)."""

    def field_value(name: str) -> Any:
        value = getattr(item, name)
        return value if value is not None or product is None else getattr(product, name)

    stored = loaded.skus.get(product.id or 0, {}) if product is not None else {}
    skus = {
        code: SkuDraft.model_validate(sku, from_attributes=True) for code, sku in stored.items()
    }
    for sku_in in item.skus:
        sent = {n: getattr(sku_in, n) for n in _SKU_FIELDS if getattr(sku_in, n) is not None}
        current = skus.get(sku_in.code)
        skus[sku_in.code] = (
            current.model_copy(update=sent)
            if current is not None
            else SkuDraft(id=0, code=sku_in.code, **{"price_fen": 0, "stock": 0, **sent})
        )
    condition = field_value("condition")
    return ProductDraft(
        id=product.id if product is not None else None,
        title=field_value("title") or "",
        description=field_value("description") or "",
        category_id=field_value("category_id"),
        condition=getattr(condition, "value", condition),
        skus=list(skus.values()),
    )


def _write(session: Session, shop_id: int, plan: _Plan, loaded: _Loaded) -> dict[int, int]:
    """Write the plan and record its events; returns created products' ids by item index.

    New rows go in with Core ``INSERT ... RETURNING`` on the tables, one statement per
    table (the ORM's bulk insert splits rows whose missing columns differ into many small
    statements); changed rows go through the unit of work; images are replaced with one
    DELETE and one INSERT, and only when some product's images changed."""
    now = utcnow()
    for product in plan.updated.values():
        product.updated_at = now
        session.add(product)
    session.flush()
    connection = session.connection()
    created: dict[int, int] = {}
    if plan.created:
        ids = connection.execute(
            insert(_PRODUCTS).returning(_PRODUCTS.c.id, sort_by_parameter_order=True),
            [_product_row(shop_id, item, now) for _, item in plan.created],
        ).scalars()
        for (index, item), pid in zip(plan.created, ids, strict=True):
            created[index] = pid
            plan.new_skus.extend(_sku_row(shop_id, pid, s) for s in item.skus)
            if item.images:
                plan.images[pid] = list(item.images)
    new_skus = _insert_skus(session, plan.new_skus)
    if plan.images:
        _replace_images(session, shop_id, plan.images, loaded.files, now)
    _record(session, shop_id, plan, created, new_skus, now)
    return created


def _insert_skus(session: Session, rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Insert new SKU rows with one plain ``executemany`` and read their ids back by
    (product, code), which is unique: cheaper than ``RETURNING`` in parameter order,
    which SQLite can only do a row at a time. Returns the rows by their new ids."""
    if not rows:
        return {}
    connection = session.connection()
    connection.execute(insert(_SKUS), rows)
    wanted = {(row["product_id"], row["code"]): row for row in rows}
    found = connection.execute(
        select(_SKUS.c.id, _SKUS.c.product_id, _SKUS.c.code)
        .where(_SKUS.c.product_id.in_({pid for pid, _ in wanted}))
        .order_by(_SKUS.c.id)
    )
    return {sku_id: wanted[(pid, code)] for sku_id, pid, code in found if (pid, code) in wanted}


def _replace_images(
    session: Session,
    shop_id: int,
    images: dict[int, list[int]],
    thumbnails: dict[int, int | None],
    now: Any,
) -> None:
    """Give each product in ``images`` exactly those files, in order (the first is main)."""
    connection = session.connection()
    connection.execute(delete(_IMAGES).where(_IMAGES.c.product_id.in_(list(images))))
    rows = [
        {
            "shop_id": shop_id,
            "product_id": pid,
            "file_id": file_id,
            "thumbnail_id": thumbnails.get(file_id),
            "position": position,
            "is_main": position == 0,
            "created_at": now,
        }
        for pid, file_ids in images.items()
        for position, file_id in enumerate(file_ids)
    ]
    if rows:
        connection.execute(insert(_IMAGES), rows)


def _created_snapshot(
    pid: int, row: dict[str, Any], skus: list[dict[str, Any]], when: str
) -> dict[str, Any]:
    """The ``product_created`` payload of a new product without images, from its columns
    (the shape of ``ProductPublic`` as JSON), without loading it back."""
    return {
        "product": {
            **{k: (v.value if hasattr(v, "value") else v) for k, v in row.items()},
            "id": pid,
            "shipping_template_id": None,
            "created_at": when,
            "updated_at": when,
            "skus": skus,
            "image_url": None,
            "images": [],
            "image_ids": [],
        }
    }


def _record(
    session: Session,
    shop_id: int,
    plan: _Plan,
    created: dict[int, int],
    new_skus: dict[int, dict[str, Any]],
    now: Any,
) -> None:
    """The batch's events, in bulk: products created, products updated, stock moved."""
    skus_of: dict[int, list[dict[str, Any]]] = {}
    for sku_id, row in new_skus.items():
        skus_of.setdefault(row["product_id"], []).append({**row, "id": sku_id})
    when = now.isoformat().replace("+00:00", "Z")
    items = dict(plan.created)
    plain = {i: pid for i, pid in created.items() if not items[i].images}
    data = {
        pid: _created_snapshot(
            pid, _product_row(shop_id, items[i], now), skus_of.get(pid, []), when
        )
        for i, pid in plain.items()
    }
    loaded = [session.get(Product, pid) for i, pid in created.items() if i not in plain]
    loaded_rows = [p for p in loaded if p is not None]
    views = products_public(session, [*loaded_rows, *plan.updated.values()])
    by_id = {v.id: {"product": v.model_dump(mode="json")} for v in views}
    data.update({p.id or 0: by_id[p.id or 0] for p in loaded_rows})
    record_events(
        session, name="product_created", shop_id=shop_id, resource_type="product", data=data
    )
    record_events(
        session,
        name="product_updated",
        shop_id=shop_id,
        resource_type="product",
        data={pid: by_id[pid] for pid in plan.updated},
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
    session: Session,
    *,
    shop: Shop,
    raw_items: Sequence[Any],
    dry_run: bool = False,
    validate: Validator | None = None,
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
    result = upsert_products(session, shop=shop, items=valid, dry_run=dry_run, validate=validate)
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

"""The console's product images page: see a product's images, upload several, move one up
or down, choose the main one.

The upload is sent by a small script as the raw file with the ``X-CSRF-Token`` header, so
it streams to the file store under the size limit exactly like the API's upload (a form
post would be read whole before any check). Refusals come back as problem JSON with a
message in the page's language.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from core.api.deps import ReadSessionDep, SessionDep, SettingsDep
from core.api.files import get_file_store
from core.api.product_images import check_room, declared_length, store_product_image
from core.errors import TanziError
from core.files.service import receive
from core.services import product_images as images
from core.services import products as products_svc
from marketplace.web.console_access import console_context, member_access
from marketplace.web.csrf import web_router
from marketplace.web.deps import RequireAccount
from marketplace.web.templating import flash, gettext_for, render
from marketplace.web.upload_refusals import upload_refusal
from sdk.scopes import Scope

router = web_router(tags=["merchant console"])

PAGE = "/console/shops/{shop_id}/products/{product_id}/images"


def _page_url(shop_id: int, product_id: int) -> str:
    return PAGE.format(shop_id=shop_id, product_id=product_id)


@router.get(PAGE)
def product_images_page(
    shop_id: int,
    product_id: int,
    request: Request,
    session: ReadSessionDep,
    account: RequireAccount,
) -> Response:
    """A product's images in order, with upload, main-image and delete controls."""
    access = member_access(session, account, shop_id, Scope.products_read)
    product = products_svc.get_product(session, shop_id=shop_id, product_id=product_id)
    listed = images.images_by_product(session, [product_id])[product_id]
    settings = request.app.state.settings
    return render(
        request,
        "console/product_images.html",
        console_context(
            access,
            "products",
            product=product,
            images=listed,
            can_write=access.can(Scope.products_write),
            max_mb=settings.upload_max_bytes // (1024 * 1024),
            max_images=images.MAX_IMAGES,
        ),
    )


def _refusal(request: Request, exc: TanziError) -> JSONResponse:
    _ = gettext_for(request)
    return upload_refusal(
        request,
        exc,
        accepted=_("Only JPEG, PNG or WebP images are accepted."),
        codes={"limit_exceeded": _("This product already has as many images as allowed.")},
    )


@router.post(PAGE)
async def upload_product_image_page(
    shop_id: int,
    product_id: int,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    account: RequireAccount,
) -> Response:
    """Add an image (the body is the file, sent by the page's script)."""
    store = get_file_store(request)
    try:
        await run_in_threadpool(member_access, session, account, shop_id, Scope.products_write)
        await run_in_threadpool(check_room, session, shop_id, product_id)
        staged = await receive(
            request.stream(),
            store,
            limit=settings.upload_max_bytes,
            field="body",
            declared_length=declared_length(request),
        )
        image = await run_in_threadpool(
            store_product_image, session, store, settings, shop_id, product_id, staged, None
        )
    except TanziError as exc:
        return _refusal(request, exc)
    return JSONResponse(image.model_dump(mode="json"), status_code=201)


@router.post(PAGE + "/{image_id}/main")
def set_main_image_page(
    shop_id: int,
    product_id: int,
    image_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
) -> Response:
    """Make an image the product's main image."""
    member_access(session, account, shop_id, Scope.products_write)
    product = products_svc.get_product(session, shop_id=shop_id, product_id=product_id, lock=True)
    image = images.get_image(session, product=product, image_id=image_id)
    images.set_main(session, product=product, image=image)
    products_svc.product_changed(session, product)
    session.commit()
    flash(request, gettext_for(request)("Main image changed."), "success")
    return RedirectResponse(_page_url(shop_id, product_id), status_code=303)


@router.post(PAGE + "/{image_id}/delete")
def delete_image_page(
    shop_id: int,
    product_id: int,
    image_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
) -> Response:
    """Remove an image from the product."""
    member_access(session, account, shop_id, Scope.products_write)
    product = products_svc.get_product(session, shop_id=shop_id, product_id=product_id, lock=True)
    image = images.get_image(session, product=product, image_id=image_id)
    images.remove_image(session, product=product, image=image)
    products_svc.product_changed(session, product)
    session.commit()
    flash(request, gettext_for(request)("Image removed."), "success")
    return RedirectResponse(_page_url(shop_id, product_id), status_code=303)


@router.post(PAGE + "/{image_id}/move")
def move_image_page(
    shop_id: int,
    product_id: int,
    image_id: int,
    request: Request,
    session: SessionDep,
    account: RequireAccount,
    direction: Annotated[str, Form()] = "",
) -> Response:
    """Move an image one place earlier (``up``) or later (``down``) in the product's order."""
    member_access(session, account, shop_id, Scope.products_write)
    product = products_svc.get_product(session, shop_id=shop_id, product_id=product_id, lock=True)
    images.get_image(session, product=product, image_id=image_id)
    order = [i.id for i in images.images_by_product(session, [product_id])[product_id]]
    at = order.index(image_id)
    to = at - 1 if direction == "up" else at + 1 if direction == "down" else at
    if 0 <= to < len(order) and to != at:
        order[at], order[to] = order[to], order[at]
        images.reorder(session, product=product, image_ids=order)
        products_svc.product_changed(session, product)
        session.commit()
        flash(request, gettext_for(request)("Image moved."), "success")
    return RedirectResponse(_page_url(shop_id, product_id), status_code=303)

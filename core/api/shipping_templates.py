"""REST routes: a shop's shipping fee templates (logistics scopes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from core.api.deps import Access, ReadSessionDep, SessionDep
from core.auth import ShopAccess
from core.schemas.shipping import ShippingTemplateIn, ShippingTemplatePublic
from core.services import shipping_fees as service
from sdk.scopes import Scope

router = APIRouter(tags=["shipping templates"])

ReadAccess = Annotated[ShopAccess, Access(Scope.logistics_read)]
WriteAccess = Annotated[ShopAccess, Access(Scope.logistics_write)]
TEMPLATES = "/shops/{shop_id}/shipping-templates"
TemplateId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get(TEMPLATES, response_model=list[ShippingTemplatePublic])
def list_templates(access: ReadAccess, session: ReadSessionDep) -> list[ShippingTemplatePublic]:
    """The shop's shipping fee templates."""
    rows = service.list_templates(session, shop_id=access.shop_id)
    return [ShippingTemplatePublic.model_validate(row) for row in rows]


@router.post(TEMPLATES, status_code=status.HTTP_201_CREATED, response_model=ShippingTemplatePublic)
def create_template(
    body: ShippingTemplateIn, access: WriteAccess, session: SessionDep
) -> ShippingTemplatePublic:
    """Add a template: first-weight and additional fees, with per-province overrides."""
    template = service.create_template(session, shop_id=access.shop_id, data=body)
    session.commit()
    return ShippingTemplatePublic.model_validate(template)


@router.get(TEMPLATES + "/{template_id}", response_model=ShippingTemplatePublic)
def get_template(
    template_id: TemplateId, access: ReadAccess, session: ReadSessionDep
) -> ShippingTemplatePublic:
    """One template."""
    template = service.get_template(session, shop_id=access.shop_id, template_id=template_id)
    return ShippingTemplatePublic.model_validate(template)


@router.put(TEMPLATES + "/{template_id}", response_model=ShippingTemplatePublic)
def replace_template(
    template_id: TemplateId, body: ShippingTemplateIn, access: WriteAccess, session: SessionDep
) -> ShippingTemplatePublic:
    """Replace a template; orders already placed keep the fee they were charged."""
    template = service.get_template(session, shop_id=access.shop_id, template_id=template_id)
    service.replace_template(session, template=template, data=body)
    session.commit()
    return ShippingTemplatePublic.model_validate(template)


@router.delete(TEMPLATES + "/{template_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_template(template_id: TemplateId, access: WriteAccess, session: SessionDep) -> Response:
    """Delete a template no product uses (409 ``template_in_use`` otherwise)."""
    template = service.get_template(session, shop_id=access.shop_id, template_id=template_id)
    service.delete_template(session, template=template)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)

"""REST routes: a remote installation sets or stops its own webhook subscription.

``PUT /api/v1/installation/webhook`` with ``{url, topics}`` points the installation's
signed deliveries at ``url`` for those topics and answers the new signing secret, once;
``DELETE`` stops them. Like ``/installation/records`` they act on the installation the
service's token is bound to, so they take no shop id. The rules are
:mod:`core.services.webhook_subscriptions`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from core.api.deps import SessionDep
from core.api.plugin_records import OwnInstallation
from core.errors import NotFound
from core.models import Installation
from core.schemas.webhooks import WebhookSubscriptionPublic, WebhookSubscriptionWrite
from core.services import webhook_subscriptions as svc
from core.settings import Settings

router = APIRouter(tags=["webhooks"])

SUBSCRIPTION = "/installation/webhook"


def _row(session: SessionDep, own: Installation) -> Installation:
    row = session.get(Installation, own.id)
    if row is None:
        raise NotFound("The token's installation was not found.")
    return row


@router.put(SUBSCRIPTION, summary="Set the installation's webhook URL and topics")
def put_webhook_subscription(
    body: WebhookSubscriptionWrite,
    request: Request,
    installation: OwnInstallation,
    session: SessionDep,
) -> WebhookSubscriptionPublic:
    """Events of ``topics`` (only those the granted scopes may read) go to ``url``, signed
    with the secret in the answer, which is never shown again; a new ``PUT`` replaces the
    subscription and its secret."""
    settings: Settings = request.app.state.settings
    row = _row(session, installation)
    secret = svc.subscribe(
        session,
        installation=row,
        url=body.url.strip(),
        topics=body.topics,
        secret_key=settings.ensure_secret_key(),
        env=settings.env,
    )
    session.commit()
    return WebhookSubscriptionPublic(
        url=row.webhook_url, topics=list(row.webhook_topics), secret=secret
    )


@router.delete(
    SUBSCRIPTION,
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop the installation's webhooks",
)
def delete_webhook_subscription(installation: OwnInstallation, session: SessionDep) -> Response:
    """No more deliveries until the next ``PUT``."""
    svc.unsubscribe(session, installation=_row(session, installation))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)

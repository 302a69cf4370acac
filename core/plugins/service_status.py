"""What an installed service is doing in its shop right now, said the same way everywhere.

The stored ``Installation.status`` (enabled / paused / removed) is the merchant's choice; it
does not say whether the service actually runs. A listing suspended by a platform admin or a
lapsed paid subscription stops an enabled installation too (see
:mod:`core.plugins.eligibility`, which the event delivery and the token check follow). The
merchant's pages and ``GET /shops/{id}/installations`` read :func:`service_statuses`, so a
service that does not run is never shown as running.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from core.models import Installation, InstallationStatus
from core.plugins.eligibility import (
    LISTING_SUSPENDED,
    SHOP_SUSPENDED,
    SUBSCRIPTION_EXPIRED,
    ineligible_reasons,
)


class ServiceStatus(StrEnum):
    """An installation's effective status, most telling first when several apply."""

    #: removed from the shop (its cleanup window may still be open)
    removed = "removed"
    #: a platform admin suspended the listing or the shop: no events, pages, decisions or
    #: API access
    suspended = "suspended"
    #: the shop's paid subscription ran out: stopped until it is renewed
    lapsed = "lapsed"
    #: the merchant paused it
    paused = "paused"
    #: enabled, and nothing stops it
    running = "running"


#: What each status means for the shop, in English (the pages translate their own words).
STATUS_MEANINGS: dict[ServiceStatus, str] = {
    ServiceStatus.removed: "Removed from the shop; its access ends after the cleanup window.",
    ServiceStatus.suspended: "Suspended by the platform: it receives no events, its pages and "
    "its access to the shop are closed until the platform reinstates it; events wait and can "
    "be replayed then.",
    ServiceStatus.lapsed: "The subscription lapsed: the service is stopped in the shop until "
    "the subscription is renewed; events wait and can be replayed then.",
    ServiceStatus.paused: "Paused by the shop: it receives no events until it is resumed.",
    ServiceStatus.running: "Running: it receives the shop's events and answers its decisions.",
}


def service_statuses(
    session: Session, rows: Sequence[Installation], *, now: datetime | None = None
) -> dict[int, ServiceStatus]:
    """Each installation's effective status by id (two small queries, none for no rows).

    A removed installation is ``removed``; otherwise a suspended listing wins over a lapsed
    subscription, which wins over the merchant's pause.
    """
    live = [r for r in rows if r.status is not InstallationStatus.removed]
    reasons, _ = ineligible_reasons(session, live, now=now)
    statuses: dict[int, ServiceStatus] = {}
    for row in rows:
        if row.id is None:
            continue
        why = reasons.get(row.id, "")
        if row.status is InstallationStatus.removed:
            statuses[row.id] = ServiceStatus.removed
        elif why.startswith((LISTING_SUSPENDED, SHOP_SUSPENDED)):
            statuses[row.id] = ServiceStatus.suspended
        elif why.startswith(SUBSCRIPTION_EXPIRED):
            statuses[row.id] = ServiceStatus.lapsed
        elif row.status is InstallationStatus.paused:
            statuses[row.id] = ServiceStatus.paused
        else:
            statuses[row.id] = ServiceStatus.running
    return statuses


def service_status(
    session: Session, row: Installation, *, now: datetime | None = None
) -> ServiceStatus:
    """One installation's effective status (see :func:`service_statuses`)."""
    return service_statuses(session, [row], now=now).get(row.id or 0, ServiceStatus.removed)

"""Reconciliation: compare what the channel shows with what this shop allotted it, repair
the drift, and say what changed and why.

This shop is the stock authority. For each mapped SKU the ledger knows the units given
to the channel and not taken back; the channel's own orders since the last run say how
many of those it sold. More on the channel than that (someone raised it by hand, a
restock there) would let it sell units this shop does not have: the surplus is taken
away. Fewer (lowered by hand) is reported and the ledger follows. Then every SKU is
rebalanced to its allocation.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime

from pydantic import Field

from plugins.catalog_sync import records as rec
from plugins.catalog_sync import status as st
from plugins.catalog_sync.mapping import all_mapped
from plugins.catalog_sync.stock import allotted, finish_transfer, lease, set_allotted
from plugins.catalog_sync.sync import ChannelSync
from sdk.channels import ChannelRefused, ChannelUnavailable
from sdk.models import Snapshot


class Change(Snapshot):
    """One thing reconciliation changed (or found and left), for one SKU."""

    sku_code: str
    action: str  # "removed_surplus", "recorded_shortfall", "rebalanced"
    before: int
    after: int
    why: str


class ReconcileReport(Snapshot):
    """What one run checked and changed."""

    channel: str
    at: datetime
    checked: int = 0
    changes: list[Change] = Field(default_factory=list)
    paused: str = ""


def _channel_sales(sync: ChannelSync) -> tuple[Counter[str], str]:
    found = sync.client.records.get(rec.CURSORS, sync.name)
    cursor = "" if found is None else str(found.data.get("orders", ""))
    sold: Counter[str] = Counter()
    while True:
        page = sync.store.orders_since(cursor)
        for line in page.lines:
            sold[line.sku_code] += line.quantity
        if not page.lines or page.cursor == cursor:
            return sold, cursor
        cursor = page.cursor


def reconcile(sync: ChannelSync) -> ReconcileReport:
    """Compare, repair and rebalance every mapped SKU of the channel; keep the report."""
    report = ReconcileReport(channel=sync.name, at=datetime.now(UTC))
    status = st.read_status(sync.client, sync.name)
    if status.state == "paused" and (status.paused_by == "merchant" or not sync.resume()):
        report = report.model_copy(update={"paused": st.read_status(sync.client, sync.name).reason})
        return _keep(sync, report)
    try:
        sold, cursor = _channel_sales(sync)
        checked = 0
        for item in all_mapped(sync.client, sync.name):
            checked += 1
            with lease(sync.client, sync.name, item.sku_code):
                finish_transfer(sync.client, sync.ledger, sync.name, item)
                given = allotted(sync.client, sync.name, item.sku_code)
                expected = given - sold[item.channel_code]
                actual = sync.store.read_stock(item.channel_code)
                why = (
                    f"allotted {given}, sold {sold[item.channel_code]} there since the "
                    f"last check, so {expected} expected; the channel showed {actual}"
                )
                if actual > expected:
                    try:
                        after = sync.ledger.adjust_stock(
                            item.channel_code,
                            expected - actual,
                            change_id=f"reconcile-{uuid.uuid4().hex[:16]}",
                        )
                    except ChannelRefused:  # sold meanwhile: the next run looks again
                        after = actual
                    report.changes.append(
                        Change(
                            sku_code=item.sku_code,
                            action="removed_surplus",
                            before=actual,
                            after=after,
                            why=why + f"; removed {actual - after} unit(s) this shop never gave",
                        )
                    )
                    actual = after
                elif actual < expected:
                    report.changes.append(
                        Change(
                            sku_code=item.sku_code,
                            action="recorded_shortfall",
                            before=expected,
                            after=actual,
                            why=why + "; the missing units are counted as gone",
                        )
                    )
                set_allotted(sync.client, sync.name, item.sku_code, actual)
            moved = sync.rebalance(item)
            if moved is not None and moved[1] != actual:
                report.changes.append(
                    Change(
                        sku_code=item.sku_code,
                        action="rebalanced",
                        before=actual,
                        after=moved[1],
                        why=f"the channel's allocation of {sum(moved)} sellable unit(s)",
                    )
                )
        sync.client.records.put(rec.CURSORS, sync.name, {"orders": cursor})
        report = report.model_copy(update={"checked": checked})
    except ChannelUnavailable as exc:
        st.pause(sync.client, sync.name, str(exc))
        report = report.model_copy(update={"paused": str(exc)})
    if not report.paused:
        sync.mark_synced()
    return _keep(sync, report)


def _keep(sync: ChannelSync, report: ReconcileReport) -> ReconcileReport:
    sync.client.records.put(rec.REPORTS, sync.name, report.model_dump(mode="json"))
    return report

"""Reconciliation: compare what the channel shows with what this shop allotted it, repair
the drift, and say what changed and why.

This shop is the stock authority. For each mapped SKU the ledger knows the units given
to the channel and not taken back; the channel's own orders since the last run say how
many of those it sold. More on the channel than that (someone raised it by hand, a
restock there) would let it sell units this shop does not have: the surplus is taken
away. Fewer (lowered by hand) is reported and the ledger follows. Then every SKU is
rebalanced to its allocation. A channel that can oversell (django-oscar) has its
oversells read first, before units given there could cover them, and the report names
each with its orders.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime

from pydantic import Field

from plugins.catalog_sync import records as rec
from plugins.catalog_sync import status as st
from plugins.catalog_sync.mapping import MappedItem, all_mapped
from plugins.catalog_sync.oversells import check_oversells
from plugins.catalog_sync.review import Review
from plugins.catalog_sync.status import OversellNote
from plugins.catalog_sync.stock import (
    ChannelBusy,
    allotted,
    finish_transfer,
    lease,
    set_allotted,
)
from plugins.catalog_sync.sync import ChannelSync
from sdk.channels import ChannelRefused, ChannelUnavailable
from sdk.models import Snapshot


class Change(Snapshot):
    """One thing reconciliation changed (or found and left), for one SKU. A field written
    by its rule names the ``field`` and the ``side`` written (``here`` or ``there``)."""

    sku_code: str
    action: str  # "removed_surplus", "recorded_shortfall", "rebalanced", "field", "brought_here"
    before: int | str
    after: int | str
    why: str
    field: str = ""
    side: str = ""


class ReconcileReport(Snapshot):
    """What one run checked and changed, and how many items are in conflict."""

    channel: str
    at: datetime
    checked: int = 0
    conflicts: int = 0
    changes: list[Change] = Field(default_factory=list)
    oversells: list[OversellNote] = Field(default_factory=list)
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


def _compare(sync: ChannelSync, item: MappedItem, sold: int) -> tuple[int, list[Change]]:
    """Compare one SKU (its lease held) and repair a surplus; the channel's stock after."""
    finish_transfer(sync.client, sync.ledger, sync.name, item)
    given = allotted(sync.client, sync.name, item.sku_code)
    expected = given - sold
    actual = sync.store.read_stock(item.channel_code)
    why = (
        f"allotted {given}, sold {sold} there since the last check, so {expected} "
        f"expected; the channel showed {actual}"
    )
    changes: list[Change] = []
    # below zero the channel sold more than it was given: an oversell, reported as such
    floor = max(expected, 0)
    if actual > floor:
        try:
            after = sync.ledger.adjust_stock(
                item.channel_code, floor - actual, change_id=f"reconcile-{uuid.uuid4().hex}"
            )
        except ChannelRefused:  # sold meanwhile: the next run looks again
            after = actual
        changes.append(
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
        changes.append(
            Change(
                sku_code=item.sku_code,
                action="recorded_shortfall",
                before=expected,
                after=actual,
                why=why + "; the missing units are counted as gone",
            )
        )
    set_allotted(sync.client, sync.name, item.sku_code, actual)
    return actual, changes


def _check(sync: ChannelSync, item: MappedItem, sold: int) -> list[Change]:
    """Compare, repair and rebalance one SKU; what changed."""
    try:
        with lease(sync.client, sync.name, item.sku_code):
            actual, changes = _compare(sync, item, sold)
    except ChannelBusy:
        why = "another worker was moving its stock; the next run checks it"
        return [Change(sku_code=item.sku_code, action="skipped_busy", before=0, after=0, why=why)]
    try:
        moved = sync.rebalance(item)
    except ChannelBusy:
        moved = None
    if moved is not None and moved[1] != actual:
        changes.append(
            Change(
                sku_code=item.sku_code,
                action="rebalanced",
                before=actual,
                after=moved[1],
                why=f"the channel's allocation of {sum(moved)} sellable unit(s)",
            )
        )
    return changes


def reconcile(sync: ChannelSync) -> ReconcileReport:
    """Compare, repair and rebalance every mapped SKU of the channel; keep the report."""
    report = ReconcileReport(channel=sync.name, at=datetime.now(UTC))
    status = st.read_status(sync.client, sync.name)
    if status.state == "paused" and (status.paused_by == "merchant" or not sync.resume()):
        report = report.model_copy(update={"paused": st.read_status(sync.client, sync.name).reason})
        return _keep(sync, report)
    try:
        report.oversells.extend(check_oversells(sync.client, sync.name, sync.store))
        sold, cursor = _channel_sales(sync)
        items = list(all_mapped(sync.client, sync.name))
        for item in items if sync.config.rules.follows("stock") else []:
            report.changes.extend(_check(sync, item, sold[item.channel_code]))
        sync.client.records.put(rec.CURSORS, sync.name, {"orders": cursor})
        report = report.model_copy(update={"checked": len(items)})
        # after the sales were read, so units adopted now are not taken as sold
        done = sync.review()
        report.changes.extend(field_changes(done))
        report = report.model_copy(update={"conflicts": len(done.conflicts)})
    except ChannelUnavailable as exc:
        st.pause(sync.client, sync.name, str(exc))
        report = report.model_copy(update={"paused": str(exc)})
    if not report.paused:
        sync.mark_synced()
    return _keep(sync, report)


def field_changes(done: Review) -> list[Change]:
    """The review's fields written and items brought here, as report lines."""
    lines = [
        Change(
            sku_code=c.sku_code,
            action="field",
            field=c.field,
            side=c.side,
            before=c.before,
            after=c.after,
            why=c.why,
        )
        for c in done.changes
    ]
    for action, items in (("brought_here", done.brought), ("matched", done.matched)):
        lines.extend(
            Change(
                sku_code=m.sku_code,
                action=action,
                side="here",
                before=0,
                after=0,
                why=f"the channel's item {m.channel_code} "
                + ("was created here" if action == "brought_here" else "has this SKU code here"),
            )
            for m in items
        )
    return lines


def _keep(sync: ChannelSync, report: ReconcileReport) -> ReconcileReport:
    sync.client.records.put(rec.REPORTS, sync.name, report.model_dump(mode="json"))
    return report

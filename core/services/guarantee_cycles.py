"""The 交易保障 calendar: 14-day cycles counted from a fixed Wednesday.

Cycle *n* starts at ``EPOCH + n * 14 days`` (a Wednesday, 00:00 UTC). Its assessment
measures the 14 days before it starts (the *window*), certifies at its start, and the
certificate is valid until the next cycle starts: certified every other Wednesday, valid 14
days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

#: The first cycle's start: Wednesday 7 January 2026, 00:00 UTC.
EPOCH = datetime(2026, 1, 7, tzinfo=UTC)
#: How long a cycle (and a certificate) lasts.
CYCLE = timedelta(days=14)


@dataclass(frozen=True)
class Cycle:
    """One cycle: the window it measures and the period its certificate covers."""

    number: int
    window_start: datetime
    valid_from: datetime
    valid_until: datetime


def cycle_number(at: datetime) -> int:
    """The number of the cycle running at ``at`` (negative before :data:`EPOCH`)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return (at - EPOCH) // CYCLE


def cycle(number: int) -> Cycle:
    """Cycle ``number``'s window and validity."""
    start = EPOCH + number * CYCLE
    return Cycle(
        number=number, window_start=start - CYCLE, valid_from=start, valid_until=start + CYCLE
    )


def current_cycle(at: datetime) -> Cycle:
    """The cycle running at ``at``."""
    return cycle(cycle_number(at))

"""The country's measures kept as its areas change, without a tally of every complaint again.

A country-wide summary needs the medians of millions of durations: sorting them all again
whenever one village moved was most of a ranking cycle. `CountryTally` keeps the counts as
sums and the durations in an order-statistic multiset, so a village's change costs its own
complaints and a median costs a walk over a few thousand buckets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from monitoring.domain.measures import (
    MICROSECONDS_PER_DAY,
    AreaState,
    Measures,
    measure_fields,
)

# Bucket widths: a minute of a duration in days, a minute of a moment in microseconds (small
# buckets make a village's removal cheap; a read walks their keys, tens of thousands at most).
_DAY_BUCKET = 1 / 1440
_MOMENT_BUCKET = 60_000_000


# Buckets are counted by blocks too, so that a read walks the blocks, then one block's buckets.
_BLOCK = 64


@dataclass
class OrderedValues:
    """A multiset of numbers that gives its k-th smallest quickly after small changes."""

    width: float
    buckets: dict[int, list[float]] = field(default_factory=dict)
    unsorted: set[int] = field(default_factory=set)
    blocks: dict[int, int] = field(default_factory=dict)  # values per block of buckets
    keys: list[int] = field(default_factory=list)  # the blocks' keys in ascending order
    size: int = 0

    def add(self, values: Iterable[float]) -> None:
        """Add values."""
        # Names bound locally: a country's first tally adds millions of values.
        buckets, width, unsorted, blocks = self.buckets, self.width, self.unsorted, self.blocks
        added = 0
        for value in values:
            key = int(value // width)
            bucket = buckets.get(key)
            if bucket is None:
                buckets[key] = [value]
            else:
                bucket.append(value)
            unsorted.add(key)
            block = key // _BLOCK
            count = blocks.get(block)
            if count is None:
                blocks[block] = 1
                self.keys = []  # rebuilt at the next read
            else:
                blocks[block] = count + 1
            added += 1
        self.size += added

    def remove(self, values: Iterable[float]) -> None:
        """Remove values added before (each once)."""
        for value in values:
            key = int(value // self.width)
            bucket = self.buckets[key]
            bucket.remove(value)
            self.size -= 1
            if not bucket:
                del self.buckets[key]
                self.unsorted.discard(key)
            block = key // _BLOCK
            self.blocks[block] -= 1
            if not self.blocks[block]:
                del self.blocks[block]
                self.keys = []

    def __len__(self) -> int:
        return self.size

    def kth(self, k: int) -> float:
        """The k-th smallest value (0-based)."""
        if not self.keys:
            self.keys = sorted(self.blocks)
        seen = 0
        for block in self.keys:
            count = self.blocks[block]
            if k >= seen + count:
                seen += count
                continue
            for key in range(block * _BLOCK, (block + 1) * _BLOCK):
                bucket = self.buckets.get(key)
                if bucket is None:
                    continue
                if k < seen + len(bucket):
                    if key in self.unsorted:
                        bucket.sort()
                        self.unsorted.discard(key)
                    return bucket[k - seen]
                seen += len(bucket)
        raise IndexError(k)


def _percentile(values: OrderedValues, q: float) -> float | None:
    """`measures.percentile` of the values, from two order statistics."""
    n = len(values)
    if not n:
        return None
    position = (n - 1) * q / 100
    low = int(position)
    high = min(low + 1, n - 1)
    a = values.kth(low)
    b = values.kth(high)
    return round(a + (b - a) * (position - low), 2)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class CountryTally:
    """The tally of all of a period's villages together, kept as village states come and go."""

    received: int = 0
    registered_within_a_day: int = 0
    sla_judged: int = 0
    sla_met: int = 0
    escalations: int = 0
    re_referrals: int = 0
    days_to_close: OrderedValues = field(default_factory=lambda: OrderedValues(_DAY_BUCKET))
    open_receipts: OrderedValues = field(default_factory=lambda: OrderedValues(_MOMENT_BUCKET))

    def change(self, old: AreaState | None, new: AreaState | None) -> None:
        """Replace a village's state (None: it had or has no complaint in the period)."""
        if old is new:
            return
        for state, sign in ((old, -1), (new, 1)):
            if state is None:
                continue
            t = state.tally
            self.received += sign * t.received
            self.registered_within_a_day += sign * t.registered_within_a_day
            self.sla_judged += sign * t.sla_judged
            self.sla_met += sign * t.sla_met
            self.escalations += sign * t.escalations
            self.re_referrals += sign * t.re_referrals
            if sign < 0:
                self.days_to_close.remove(t.days_to_close)
                self.open_receipts.remove(state.open_desc)
            else:
                self.days_to_close.add(t.days_to_close)
                self.open_receipts.add(state.open_desc)

    def backlog_age(self, now_us: int) -> float | None:
        """The median age in days of the open complaints at a moment (`measures.backlog_age`)."""
        n = len(self.open_receipts)
        if not n:
            return None
        position = (n - 1) * 50 / 100
        low = int(position)
        high = min(low + 1, n - 1)
        # The ages in ascending order are the receipts in descending order.
        a = (now_us - self.open_receipts.kth(n - 1 - low)) / MICROSECONDS_PER_DAY
        b = (now_us - self.open_receipts.kth(n - 1 - high)) / MICROSECONDS_PER_DAY
        return round(a + (b - a) * (position - low), 2)

    def measures(self, now_us: int) -> Measures:
        """The measures `measure_tally(summary_tally(states, now_us))` gives for the same states."""
        closed = len(self.days_to_close)
        return Measures(
            received=self.received,
            registered_within_a_day=_share(self.registered_within_a_day, self.received),
            closed=closed,
            resolution_rate=_share(closed, self.received),
            sla_compliance=_share(self.sla_met, self.sla_judged),
            median_days_to_close=_percentile(self.days_to_close, 50),
            p90_days_to_close=_percentile(self.days_to_close, 90),
            escalations=self.escalations,
            open_backlog=len(self.open_receipts),
            backlog_median_age_days=self.backlog_age(now_us),
            re_referrals=self.re_referrals,
        )

    def fields(self, now_us: int) -> dict[str, Any]:
        """The measures' fields, as a stored ranking's summary holds them."""
        return measure_fields(self.measures(now_us))

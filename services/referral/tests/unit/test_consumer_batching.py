"""Every event referral consumes may share a transaction with its partition's neighbours."""

from __future__ import annotations

from referral.app import build
from referral.settings import ReferralSettings
from slrt_shared.consumer import InboxHandling


def test_every_consumed_topic_runs_batchable_on_the_one_unit_of_work_factory() -> None:
    runtime, _ = build(ReferralSettings(database_url="postgresql://unused"))
    handlers = list(runtime.handlers.values())
    assert handlers
    # with_inbox handlers of one factory: the consumer batches them (see slrt_shared.consumer)
    assert all(isinstance(h, InboxHandling) and h.batchable for h in handlers), handlers
    first = handlers[0]
    assert isinstance(first, InboxHandling)
    assert all(
        isinstance(h, InboxHandling) and h.uow_factory == first.uow_factory for h in handlers
    )

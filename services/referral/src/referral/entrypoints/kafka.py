"""Referral's subscriptions."""

from __future__ import annotations

from referral.adapters.repository import ReferralUnitOfWork
from referral.service_layer.handlers import Handlers
from slrt_shared.consumer import with_inbox
from slrt_shared.contracts import topics
from slrt_shared.contracts.events import CaseResolved, ComplaintCreated, ReferralUpdated
from slrt_shared.runtime import ServiceRuntime


def subscribe(runtime: ServiceRuntime, handlers: Handlers) -> None:
    """Register referral's consumers."""

    def uow() -> ReferralUnitOfWork:
        return ReferralUnitOfWork(runtime.pool, runtime.layout)

    runtime.subscribe(
        topics.COMPLAINT_CREATED, with_inbox(uow, ComplaintCreated, handlers.on_complaint_created)
    )
    runtime.subscribe(
        topics.REFERRAL_UPDATED, with_inbox(uow, ReferralUpdated, handlers.on_referral_updated)
    )
    runtime.subscribe(
        topics.CASE_RESOLVED, with_inbox(uow, CaseResolved, handlers.on_case_resolved)
    )

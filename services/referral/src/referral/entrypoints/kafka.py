"""Referral's subscriptions: each event runs its use case once, in one transaction."""

from __future__ import annotations

from functools import partial

from referral.adapters.repository import ReferralUnitOfWork
from referral.service_layer import handlers
from referral.service_layer.handlers import Context
from slrt_shared.consumer import with_inbox
from slrt_shared.contracts import topics
from slrt_shared.contracts.events import CaseResolved, ComplaintCreated, ReferralUpdated
from slrt_shared.runtime import ServiceRuntime


def subscribe(runtime: ServiceRuntime, context: Context) -> None:
    """Register referral's consumers."""

    def uow() -> ReferralUnitOfWork:
        return ReferralUnitOfWork(runtime.pool, runtime.layout)

    runtime.subscribe(
        topics.COMPLAINT_CREATED,
        with_inbox(uow, ComplaintCreated, partial(handlers.on_complaint_created, context=context)),
    )
    runtime.subscribe(
        topics.REFERRAL_UPDATED,
        with_inbox(uow, ReferralUpdated, partial(handlers.on_referral_updated, context=context)),
    )
    runtime.subscribe(
        topics.CASE_RESOLVED,
        with_inbox(uow, CaseResolved, partial(handlers.on_case_resolved, context=context)),
    )

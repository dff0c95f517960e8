"""Referral and the agency gateway agree on every status change a referral may make.

Referral decides the change an agency reports; the gateway refuses an action before it is
reported. Were they to disagree, an agency would be told yes by one and no by the other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import product
from typing import get_args
from uuid import uuid4

import pytest

from gateway.domain import referrals as gateway
from referral.domain import referrals as referral
from slrt_shared.contracts import events
from slrt_shared.contracts.referral_states import NEXT, OUTCOMES, STATUSES, TERMINAL, Status

T = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


def _at_gateway(status: Status) -> gateway.Referral:
    return gateway.Referral(
        id=uuid4(),
        complaint_id=uuid4(),
        ticket="SLRT-3215-26-0000001",
        village_code="32.15.02.2001",
        service_code="JKN_PBI",
        agency_code="DINSOS",
        attempt=1,
        status=status,
        dispatched_at=T,
        due_at=T,
        updated_at=T,
    )


def _gateway_allows(status: Status, action: gateway.Action) -> bool:
    request = gateway.AgencyAction(
        action,
        note="catatan",
        outcome="resolved" if action == "resolve" else None,
        reason_code="lainnya" if action == "reject" else None,
    )
    try:
        gateway.apply(_at_gateway(status), request, T)
    except gateway.InvalidTransitionError:
        return False
    return True


@pytest.mark.parametrize(
    ("status", "action"), sorted(product(get_args(Status), get_args(gateway.Action)))
)
def test_the_gateway_allows_an_action_exactly_when_referral_accepts_its_change(
    status: Status, action: gateway.Action
) -> None:
    target = gateway.LEADS_TO[action]
    assert _gateway_allows(status, action) == referral.transition(status, target).accepted


def test_every_status_is_reachable_by_some_action_and_terminal_ones_lead_nowhere() -> None:
    # Only the secretariat withdraws a referral (announced on referral.casework).
    assert set(gateway.LEADS_TO.values()) == STATUSES - {"dispatched", "withdrawn"}
    assert all(not NEXT[s] for s in TERMINAL)
    assert set(NEXT) == STATUSES


def test_the_events_speak_the_same_statuses_and_outcomes() -> None:
    # referral.updated reports an agency's changes but dispatch and resolution, which have their
    # own events; a withdrawal is the secretariat's, on referral.casework.
    assert set(get_args(events.ReferralStatus)) == STATUSES - {
        "dispatched",
        "resolved",
        "withdrawn",
    }
    assert set(get_args(events.Outcome)) == OUTCOMES

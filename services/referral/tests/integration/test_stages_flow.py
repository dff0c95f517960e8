"""A staged need (DTSEN's reference rule) on a real Kafka and Postgres: stage after stage, sent
back to the village and completed, rejected at the decision; redelivery dispatches nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest

from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.contracts.events import CaseResolved, ComplaintCompleted, ReferralUpdated

from .test_kafka_flow import Stack, complaint, event, stack, until

__all__ = ["stack"]  # the module's running referral service (a fixture of its own here)

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

GATEWAY = "/slrt/agency-gateway"


def dispatched(stack: Stack, complaint_id: UUID) -> list[dict[str, Any]]:
    """The complaint's referral.dispatched data, in order."""
    return [e.data for e in stack.tap.events(topics.REFERRAL_DISPATCHED, complaint_id)]


async def stage_count(stack: Stack, complaint_id: UUID, count: int) -> dict[str, Any]:
    """Wait for the complaint's `count`-th dispatch; its data."""
    found = await until(lambda: len(d := dispatched(stack, complaint_id)) >= count and d)
    return dict(found[count - 1])


async def start(stack: Stack) -> tuple[UUID, dict[str, Any]]:
    """A new DTSEN proposal routed; its id and its first stage's dispatch."""
    created = complaint(["DTSEN"])
    complaint_id = UUID(created.subject)
    await stack.produce(topics.COMPLAINT_CREATED, created)
    return complaint_id, await stage_count(stack, complaint_id, 1)


def outcome(referral: dict[str, Any], result: str = "resolved") -> CloudEvent:
    """The stage's agency reports its outcome."""
    data = CaseResolved(
        referral_id=referral["referral_id"],
        complaint_id=referral["complaint_id"],
        agency_code=referral["agency_code"],
        outcome=result,  # type: ignore[arg-type]
        resolved_at=datetime.now(UTC),
    )
    return event(data, UUID(referral["complaint_id"]), GATEWAY)


def rejection(referral: dict[str, Any], reason_code: str) -> CloudEvent:
    """The stage's agency rejects it with a reason code."""
    data = ReferralUpdated(
        referral_id=referral["referral_id"],
        complaint_id=referral["complaint_id"],
        agency_code=referral["agency_code"],
        status="rejected",
        reason_code=reason_code,
        at=datetime.now(UTC),
    )
    return event(data, UUID(referral["complaint_id"]), GATEWAY)


def completion(referral: dict[str, Any], number: int = 1) -> CloudEvent:
    """The Puskesos completes the need the stage sent back."""
    data = ComplaintCompleted(
        complaint_id=referral["complaint_id"],
        ticket=referral["ticket"],
        village_code=referral["village_code"],
        service_code=referral["service_code"],
        referral_id=referral["referral_id"],
        completion=number,
        completed_at=datetime.now(UTC),
    )
    return event(data, UUID(referral["complaint_id"]), "/slrt/intake")


def stage_of(data: dict[str, Any]) -> tuple[Any, ...]:
    return (data["stage"], data["stage_index"], data["stages_total"], data["agency_code"])


def closings(stack: Stack, complaint_id: UUID) -> list[CloudEvent]:
    return stack.tap.events(topics.COMPLAINT_CLOSED, complaint_id)


async def test_a_proposal_passes_its_three_stages_in_order_and_redelivery_adds_nothing(
    stack: Stack,
) -> None:
    complaint_id, first = await start(stack)
    assert stage_of(first) == ("kelengkapan", 1, 3, "DINSOS")
    assert first["attempt"] == 1

    done = outcome(first)
    await stack.produce(topics.CASE_RESOLVED, done)
    second = await stage_count(stack, complaint_id, 2)
    assert stage_of(second) == ("verifikasi", 2, 3, "PKH")
    assert second["attempt"] == 2
    # The stage's own SLA, not the service's.
    assert second["due_at"] != first["due_at"]
    assert not closings(stack, complaint_id)

    # The same outcome again (a redelivery) and a new outcome of a stage already passed.
    await stack.processed(await stack.produce(topics.CASE_RESOLVED, done))
    await stack.processed(await stack.produce(topics.CASE_RESOLVED, outcome(first)))

    await stack.produce(topics.CASE_RESOLVED, outcome(second))
    third = await stage_count(stack, complaint_id, 3)
    assert stage_of(third) == ("keputusan", 3, 3, "DINSOS")
    await stack.produce(topics.CASE_RESOLVED, outcome(third))
    closed = await until(lambda: closings(stack, complaint_id))
    assert [(o["referral_id"], o["outcome"]) for o in closed[0].data["outcomes"]] == [
        (third["referral_id"], "resolved")
    ]
    assert len(dispatched(stack, complaint_id)) == 3
    refused = await stack.pool.fetch(
        "SELECT accepted FROM transition_log WHERE referral_id = $1 ORDER BY id",
        UUID(first["referral_id"]),
    )
    assert [r["accepted"] for r in refused] == [True, False]


async def test_a_stage_sends_it_back_and_the_completion_dispatches_the_same_stage_once(
    stack: Stack,
) -> None:
    complaint_id, first = await start(stack)
    await stack.produce(topics.CASE_RESOLVED, outcome(first))
    second = await stage_count(stack, complaint_id, 2)

    await stack.processed(
        await stack.produce(topics.REFERRAL_UPDATED, rejection(second, "data_tidak_lengkap"))
    )
    # Waiting at the village: no agency has it, nothing is closed.
    assert len(dispatched(stack, complaint_id)) == 2
    assert not closings(stack, complaint_id)

    completed = completion(second)
    await stack.produce(topics.COMPLAINT_COMPLETED, completed)
    again = await stage_count(stack, complaint_id, 3)
    assert stage_of(again) == ("verifikasi", 2, 3, "PKH")
    assert again["attempt"] == 3

    # The same completion redelivered, and a second completion of the same send-back.
    await stack.processed(await stack.produce(topics.COMPLAINT_COMPLETED, completed))
    late = completion(second, 2)
    await stack.processed(await stack.produce(topics.COMPLAINT_COMPLETED, late))
    assert len(dispatched(stack, complaint_id)) == 3
    logged = await stack.pool.fetch(
        "SELECT event_id, accepted, reason FROM transition_log"
        " WHERE referral_id = $1 AND to_status = 'completed'",
        UUID(second["referral_id"]),
    )
    assert [(r["event_id"], r["accepted"], r["reason"]) for r in logged] == [
        (late.id, False, "stage_out_of_order")
    ]

    await stack.produce(topics.CASE_RESOLVED, outcome(again))
    third = await stage_count(stack, complaint_id, 4)
    assert stage_of(third) == ("keputusan", 3, 3, "DINSOS")
    await stack.produce(topics.CASE_RESOLVED, outcome(third))
    closed = await until(lambda: closings(stack, complaint_id))
    assert [o["outcome"] for o in closed[0].data["outcomes"]] == ["resolved"]


async def test_the_decision_rejects_the_proposal_and_the_case_closes_unresolvable(
    stack: Stack,
) -> None:
    complaint_id, first = await start(stack)
    await stack.produce(topics.CASE_RESOLVED, outcome(first))
    second = await stage_count(stack, complaint_id, 2)
    await stack.produce(topics.CASE_RESOLVED, outcome(second))
    third = await stage_count(stack, complaint_id, 3)

    await stack.produce(topics.REFERRAL_UPDATED, rejection(third, "tidak_memenuhi_syarat"))
    closed = await until(lambda: closings(stack, complaint_id))
    assert [(o["referral_id"], o["outcome"]) for o in closed[0].data["outcomes"]] == [
        (third["referral_id"], "unresolvable")
    ]
    assert len(dispatched(stack, complaint_id)) == 3
    stored = await stack.pool.fetchrow(
        "SELECT status, reason_code, outcome FROM referrals WHERE id = $1",
        UUID(third["referral_id"]),
    )
    assert tuple(stored) == ("rejected", "tidak_memenuhi_syarat", "unresolvable")


async def test_a_completion_of_a_need_never_sent_back_is_refused_and_logged(
    stack: Stack,
) -> None:
    complaint_id, first = await start(stack)
    early = completion(first)
    await stack.processed(await stack.produce(topics.COMPLAINT_COMPLETED, early))
    assert len(dispatched(stack, complaint_id)) == 1
    logged = await stack.pool.fetchval(
        "SELECT reason FROM transition_log WHERE event_id = $1", early.id
    )
    assert logged == "stage_not_sent_back"

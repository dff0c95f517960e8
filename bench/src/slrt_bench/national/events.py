"""Cases told as the events the platform's services publish, and sent to Kafka as they would."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer

from slrt_bench.national.country import SERVICE_WEIGHTS
from slrt_shared import reference
from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CONTENT_TYPE, new_event
from slrt_shared.contracts.events import (
    CaseResolved,
    ComplaintClosed,
    ComplaintCreated,
    EventData,
    ReferralDispatched,
    ReferralEscalated,
    ReferralOutcome,
    ReferralUpdated,
)
from slrt_shared.contracts.topics import TopicLayout

# The service that publishes each topic (referral publishes the others).
SOURCES = {
    topics.COMPLAINT_CREATED: "/slrt/intake",
    topics.CASE_RESOLVED: "/slrt/agency-gateway",
    topics.REFERRAL_UPDATED: "/slrt/agency-gateway",
}


def ticket_of(complaint_id: uuid.UUID) -> str:
    """A ticket number in intake's format."""
    return f"SLRT-{complaint_id.hex[:4].upper()}-{complaint_id.hex[4:8].upper()}"


def case_events(complaint: dict[str, Any], referrals: list[dict[str, Any]]) -> list[EventData]:
    """The events that make monitoring's handlers write exactly these rows."""
    finals = sorted(
        (r for r in referrals if not r["rejected"]),
        key=lambda r: (r["service_code"], str(r["referral_id"])),
    )
    cid = complaint["complaint_id"]
    ticket = ticket_of(cid)
    village = complaint["village_code"]
    needs = [r["service_code"] for r in finals][: complaint["needs"]]
    out: list[EventData] = [
        ComplaintCreated(
            complaint_id=cid,
            ticket=ticket,
            village_code=village,
            needs=needs or ["LAINNYA"],
            channel=complaint["channel"],
            received_at=complaint["received_at"],
            recorded_at=complaint["recorded_at"],
        )
    ]
    for r in referrals:
        out += referral_events(r, cid, ticket, village)
    if complaint["closed_at"] is not None:
        out.append(closed(cid, ticket, village, complaint["closed_at"], finals))
    return out


def referral_events(
    r: dict[str, Any], cid: uuid.UUID, ticket: str, village: str
) -> list[EventData]:
    """A referral's life: dispatched, acknowledged, rejected, escalated, resolved."""
    out: list[EventData] = [
        ReferralDispatched(
            referral_id=r["referral_id"],
            complaint_id=cid,
            ticket=ticket,
            village_code=village,
            service_code=r["service_code"],
            agency_code=r["agency_code"],
            attempt=r["attempt"],
            dispatched_at=r["dispatched_at"],
            due_at=r["due_at"],
        )
    ]
    if r["acknowledged_at"] is not None:
        out.append(updated(r, cid, "acknowledged", r["acknowledged_at"]))
    if r["rejected"]:
        out.append(updated(r, cid, "rejected", r["dispatched_at"] + timedelta(days=1)))
    out += [
        ReferralEscalated(
            referral_id=r["referral_id"],
            complaint_id=cid,
            level="kecamatan" if n == 0 else "kabupaten",
            at=r["due_at"] + timedelta(days=7 * n),
        )
        for n in range(r["escalations"])
    ]
    if r["resolved_at"] is not None:
        out.append(resolved(r, cid, r["outcome"], r["resolved_at"]))
    return out


def by_agency(r: dict[str, Any], cid: uuid.UUID) -> dict[str, Any]:
    """What every agency's answer about a referral names: the referral, its case, the agency."""
    return {"referral_id": r["referral_id"], "complaint_id": cid, "agency_code": r["agency_code"]}


def updated(r: dict[str, Any], cid: uuid.UUID, status: str, at: datetime) -> ReferralUpdated:
    """referral.updated of an agency's answer."""
    return ReferralUpdated(**by_agency(r, cid), status=status, at=at)


def resolved(r: dict[str, Any], cid: uuid.UUID, outcome: str, at: datetime) -> CaseResolved:
    """case.resolved of a referral."""
    return CaseResolved(**by_agency(r, cid), outcome=outcome, resolved_at=at)


def closed(
    cid: uuid.UUID, ticket: str, village: str, at: datetime, finals: list[dict[str, Any]]
) -> ComplaintClosed:
    """complaint.closed with the outcome of each of its final referrals."""
    return ComplaintClosed(
        complaint_id=cid,
        ticket=ticket,
        village_code=village,
        closed_at=at,
        outcomes=[
            ReferralOutcome(
                referral_id=r["referral_id"],
                service_code=r["service_code"],
                agency_code=r["agency_code"],
                outcome=r["outcome"],
            )
            for r in finals
        ],
    )


def new_complaint(village: str, rng: random.Random) -> tuple[uuid.UUID, list[EventData]]:
    """A new complaint: complaint.created and the referral.dispatched of its one need, now."""
    now = datetime.now(UTC)
    cid = uuid.uuid4()
    service = rng.choice(list(SERVICE_WEIGHTS))
    referral = {
        "referral_id": uuid.uuid4(),
        "service_code": service,
        "agency_code": reference.services()[service].agencies[0],
        "attempt": 1,
        "dispatched_at": now,
        "due_at": now + timedelta(days=7),
        "acknowledged_at": None,
        "rejected": False,
        "escalations": 0,
        "resolved_at": None,
    }
    created = ComplaintCreated(
        complaint_id=cid,
        ticket=ticket_of(cid),
        village_code=village,
        needs=[service],
        channel="walk_in",
        received_at=now,
        recorded_at=now - timedelta(minutes=5),
    )
    return cid, [created, *referral_events(referral, cid, created.ticket, village)]


def acknowledgement(case: dict[str, Any]) -> tuple[uuid.UUID, list[EventData]]:
    """The agency acknowledges an open case's one referral, now."""
    cid = case["complaint_id"]
    return cid, [updated(case, cid, "acknowledged", datetime.now(UTC))]


def resolution(case: dict[str, Any]) -> tuple[uuid.UUID, list[EventData]]:
    """case.resolved of an open case's one referral, and the complaint.closed that follows."""
    now = datetime.now(UTC)
    cid = case["complaint_id"]
    final = {**case, "outcome": "resolved"}
    return cid, [
        resolved(case, cid, "resolved", now),
        closed(cid, "SLRT-BNCH-MARK", case["village_code"], now, [final]),
    ]


async def publish(
    producer: AIOKafkaProducer, layout: TopicLayout, data: EventData, subject: uuid.UUID
) -> None:
    """Send one event as its producing service would: a CloudEvent keyed by the complaint."""
    event = new_event(data, source=SOURCES.get(data.topic, "/slrt/referral"), subject=subject)
    await producer.send(
        layout.name(data.topic),
        event.to_bytes(),
        key=str(subject).encode(),
        headers=[("content-type", CONTENT_TYPE.encode())],
    )

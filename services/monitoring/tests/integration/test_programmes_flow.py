"""The district's programmes on a real Kafka and Postgres: facilitators, targets, graduation
decisions and DTSEN proposals' stages in through the consumer, public counts out."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiokafka.structs import RecordMetadata

from slrt_devstack.testing import eventually
from slrt_shared.contracts.envelope import CloudEvent, new_event
from slrt_shared.contracts.events import (
    CaseResolved,
    ComplaintCreated,
    DataProposal,
    EventData,
    FacilitatorRegistered,
    GraduationDecided,
    GraduationTargetSet,
    ReferralDispatched,
    ReferralUpdated,
)

from .conftest import REGENCY, Monitoring
from .test_monitoring_flow import consumed, produce

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

GRADUATING, OTHER = "32.15.09.2001", "32.15.09.2002"
PROPOSING = "32.15.10.2001"
STAGES = ("kelengkapan", "verifikasi", "keputusan")
FACILITATOR_NAME = "Dewi Pendamping Rahayu"


def this_year() -> int:
    """The year now in the district's time."""
    return datetime.now(ZoneInfo("Asia/Jakarta")).year


async def send(m: Monitoring, data: EventData, key: str, event: CloudEvent | None = None) -> Any:
    """Publish a payload (or an event already made, again) keyed by `key`; wait until consumed."""
    event = event or new_event(data, source="/slrt/intake", subject=key)
    sent: RecordMetadata = await produce(m, data.topic, event.to_bytes(), key)
    await eventually(lambda: consumed(m, sent))
    return event


async def progress(m: Monitoring, **query: Any) -> dict[str, Any]:
    """The public programme progress of the regency this year."""
    answer = await m.http.get("/v1/programmes", params={"regency": REGENCY, **query})
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def decided(
    complaint: uuid.UUID, facilitator: str, decision: str, at: datetime, village: str = GRADUATING
) -> GraduationDecided:
    """PKH's decision on a graduation proposal."""
    return GraduationDecided(
        complaint_id=complaint,
        village_code=village,
        facilitator_code=facilitator,
        graduation_kind="sejahtera_mandiri",
        decision=decision,  # type: ignore[arg-type]
        reason_code="tidak_memenuhi_syarat" if decision == "refused" else None,
        proposed_at=at - timedelta(days=3),
        decided_at=at,
    )


async def test_graduations_count_once_confirmed_against_the_target_and_the_minimum(
    monitoring: Monitoring,
) -> None:
    m, now, year = monitoring, datetime.now(UTC), this_year()
    for code in ("PKH-KRW-901", "PKH-KRW-902"):
        facilitator = FacilitatorRegistered(
            code=code,
            name=FACILITATOR_NAME,
            regency_code=REGENCY,
            village_codes=[GRADUATING, OTHER],
            active=True,
            at=now,
        )
        await send(m, facilitator, code)
    # The last target of the year stands.
    for total in (10, 4):
        target = GraduationTargetSet(
            regency_code=REGENCY, year=year, district_total=total, per_facilitator=2, at=now
        )
        await send(m, target, f"{REGENCY}/{year}")

    first, second, refused, late, final = (uuid.uuid4() for _ in range(5))
    event = await send(m, decided(first, "PKH-KRW-901", "confirmed", now), str(first))
    await send(m, decided(first, "PKH-KRW-901", "confirmed", now), str(first), event)  # again
    await send(m, decided(second, "PKH-KRW-901", "confirmed", now), str(second))
    await send(m, decided(refused, "PKH-KRW-902", "refused", now, OTHER), str(refused))
    # Refused, then confirmed by a later record: the confirmation counts.
    await send(m, decided(late, "PKH-KRW-902", "refused", now, OTHER), str(late))
    await send(m, decided(late, "PKH-KRW-902", "confirmed", now, OTHER), str(late))
    # Confirmed is final: a refusal read after it changes nothing.
    await send(m, decided(final, "PKH-KRW-902", "confirmed", now, OTHER), str(final))
    await send(m, decided(final, "PKH-KRW-902", "refused", now, OTHER), str(final))

    body = await progress(m, year=year)
    month = now.astimezone(ZoneInfo("Asia/Jakarta")).strftime("%Y-%m")
    graduations = body["graduations"]
    assert (graduations["confirmed"], graduations["target"]) == (4, 4)
    assert graduations["by_month"] == {month: 4}
    assert graduations["reached"] and graduations["on_pace"]
    assert graduations["facilitators"] == {"active": 2, "at_minimum": 2, "minimum": 2}
    villages = {v["code"]: v["graduations"] for v in body["villages"]}
    assert villages[GRADUATING] == {"confirmed": 2, "by_month": {month: 2}}
    assert villages[OTHER]["confirmed"] == 2
    kecamatan = {k["code"]: k["graduations"]["confirmed"] for k in body["kecamatan"]}
    assert kecamatan["32.15.09"] == 4 and kecamatan["32.15.10"] == 0
    # Facilitators are never named in public, not even by their codes.
    assert FACILITATOR_NAME not in str(body) and "PKH-KRW-90" not in str(body)

    card = (await m.http.get(f"/v1/puskesos/{GRADUATING}")).json()
    assert card["programmes"]["graduations"]["confirmed"] == 2
    assert card["programmes"]["year"] == year


class Proposal:
    """A DTSEN data proposal of a village, walked through the stages as referral would."""

    def __init__(self, m: Monitoring, kind: str, removal: str | None = None) -> None:
        self.m, self.id, self.at = m, uuid.uuid4(), datetime.now(UTC) - timedelta(days=20)
        self.ticket = f"SLRT-{str(self.id)[:8].upper()}"
        self.kind, self.removal = kind, removal
        self.attempt = 0

    async def create(self) -> None:
        """complaint.created with its data proposal."""
        created = ComplaintCreated(
            complaint_id=self.id,
            ticket=self.ticket,
            village_code=PROPOSING,
            needs=["DTSEN"],
            channel="walk_in",
            received_at=self.at,
            recorded_at=self.at,
            data_proposal=DataProposal(
                kind=self.kind,  # type: ignore[arg-type]
                removal_reason=self.removal,  # type: ignore[arg-type]
                deliberation_date=self.at.date() - timedelta(days=2),
            ),
        )
        await send(self.m, created, str(self.id))

    async def dispatch(self, index: int, day: float) -> uuid.UUID:
        """Stage `index` (1 first) is dispatched `day` days after the proposal."""
        referral, self.attempt = uuid.uuid4(), self.attempt + 1
        at = self.at + timedelta(days=day)
        dispatched = ReferralDispatched(
            referral_id=referral,
            complaint_id=self.id,
            ticket=self.ticket,
            village_code=PROPOSING,
            service_code="DTSEN",
            agency_code="DINSOS",
            attempt=self.attempt,
            dispatched_at=at,
            due_at=at + timedelta(days=7),
            stage=STAGES[index - 1],
            stage_index=index,
            stages_total=len(STAGES),
        )
        await send(self.m, dispatched, str(self.id))
        return referral

    async def reject(self, referral: uuid.UUID, day: float, reason: str) -> None:
        """The stage's agency rejects the referral with a reason code."""
        rejected = ReferralUpdated(
            referral_id=referral,
            complaint_id=self.id,
            agency_code="DINSOS",
            status="rejected",
            reason_code=reason,
            at=self.at + timedelta(days=day),
        )
        await send(self.m, rejected, str(self.id))

    async def resolve(self, referral: uuid.UUID, day: float, outcome: str = "resolved") -> None:
        """The stage's agency resolves the referral."""
        resolved = CaseResolved(
            referral_id=referral,
            complaint_id=self.id,
            agency_code="DINSOS",
            outcome=outcome,  # type: ignore[arg-type]
            resolved_at=self.at + timedelta(days=day),
        )
        await send(self.m, resolved, str(self.id))


async def proposals_of(m: Monitoring) -> dict[str, Any]:
    """The proposing village's proposal counts."""
    body = await progress(m)
    (village,) = [v for v in body["villages"] if v["code"] == PROPOSING]
    assert (
        village["data_proposals"]
        == next(k for k in body["kecamatan"] if k["code"] == "32.15.10")["data_proposals"]
    )
    counts: dict[str, Any] = village["data_proposals"]
    return counts


async def test_a_proposal_sent_back_then_accepted_and_one_rejected_at_the_decision(
    monitoring: Monitoring,
) -> None:
    m = monitoring
    completed = Proposal(m, "baru")
    await completed.create()
    first = await completed.dispatch(1, 0)
    await completed.reject(first, 1, "data_tidak_lengkap")
    counts = await proposals_of(m)
    assert (counts["received"], counts["at_village"], counts["waiting"]) == (1, 1, 0)

    # Completed at the village, the same stage comes again; then the other two resolve it.
    again = await completed.dispatch(1, 3)
    assert (await proposals_of(m))["waiting"] == 1
    await completed.resolve(again, 4)
    await completed.resolve(await completed.dispatch(2, 4), 6)
    await completed.resolve(await completed.dispatch(3, 6), 7)

    refused = Proposal(m, "penghapusan", "pindah")
    await refused.create()
    await refused.resolve(await refused.dispatch(1, 0), 2)
    await refused.resolve(await refused.dispatch(2, 2), 4)
    await refused.reject(await refused.dispatch(3, 4), 5, "bukan_kewenangan")

    counts = await proposals_of(m)
    assert {
        k: counts[k] for k in ("received", "accepted", "rejected", "waiting", "at_village")
    } == {
        "received": 2,
        "accepted": 1,
        "rejected": 1,
        "waiting": 0,
        "at_village": 0,
    }
    assert counts["by_kind"] == {"baru": 1, "perubahan": 0, "penghapusan": 1}
    assert counts["removal_reasons"] == {"pindah": 1}
    # The sent-back stage counts from its first dispatch (4 days), the other proposal's 2.
    assert counts["stages"] == [
        {"index": 1, "stage": "kelengkapan", "ended": 2, "median_days": 3.0},
        {"index": 2, "stage": "verifikasi", "ended": 2, "median_days": 2.0},
        {"index": 3, "stage": "keputusan", "ended": 2, "median_days": 1.0},
    ]
    card = (await m.http.get(f"/v1/puskesos/{PROPOSING}")).json()
    assert card["programmes"]["data_proposals"]["accepted"] == 1


async def test_bad_questions_get_coded_errors_in_both_languages(monitoring: Monitoring) -> None:
    unknown = await monitoring.http.get("/v1/programmes", params={"regency": "33.24"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_regency"
    early = await monitoring.http.get("/v1/programmes", params={"year": 1999})
    assert early.status_code == 422 and early.json()["error"]["code"] == "invalid_year"
    assert "tahun" in early.json()["error"]["message"]
    english = await monitoring.http.get(
        "/v1/programmes", params={"year": 1999}, headers={"Accept-Language": "en"}
    )
    assert "year is a year from 2000" in english.json()["error"]["message"]


async def test_the_pages_show_the_programmes_in_both_languages(monitoring: Monitoring) -> None:
    """After the tests above: the district summary, the report card, the bulletin, the guide."""
    m, year = monitoring, this_year()
    home = (await m.http.get("/", params={"regency": REGENCY})).text
    assert f"Program kabupaten {year}" in home and "4 dari target 4: target tercapai" in home
    assert "Pendamping PKH mencapai minimal 2 graduasi</th><td>2 dari 2" in home
    assert "Usulan data DTSEN diterima</th><td>2" in home
    english = (await m.http.get("/", params={"regency": REGENCY, "lang": "en"})).text
    assert "4 of a target of 4: target reached" in english
    card = (await m.http.get(f"/puskesos/{PROPOSING}")).text
    assert "Median hari tahap kelengkapan</th><td>3.0 hari (2 usulan)" in card
    month = datetime.now(UTC).strftime("%Y-%m")
    bulletin = (await m.http.get("/buletin", params={"period": month})).text
    assert '<section id="programmes"><h2>Program kabupaten</h2>' in bulletin
    assert "Graduasi PKH dikonfirmasi tahun" in bulletin
    assert "pengiriman <b>pertama</b>" in (await m.http.get("/cara-membaca")).text
    assert "<b>first</b> dispatch" in (await m.http.get("/cara-membaca?lang=en")).text
    assert FACILITATOR_NAME not in home + card + bulletin

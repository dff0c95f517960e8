"""Projections and reports on a FakeUnitOfWork that keeps the facts in dictionaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from monitoring.domain.measures import (
    AgencyTally,
    ComplaintFact,
    ReferralFact,
    Tally,
    tally,
    tally_agency,
)
from monitoring.domain.ranking import Policy
from monitoring.service_layer import projections, reports
from slrt_shared.contracts.envelope import CloudEvent, new_event
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

REGENCY = "32.15"
KEC_A, KEC_B = "32.15.02", "32.15.01"
BUSY, QUIET, IDLE, ELSEWHERE = "32.15.02.2001", "32.15.02.2002", "32.15.02.2003", "32.15.01.1001"
NOW = datetime(2025, 6, 20, tzinfo=UTC)
JUNE = datetime(2025, 6, 2, tzinfo=UTC)
MAY = datetime(2025, 5, 12, tzinfo=UTC)
DAY = timedelta(days=1)
POLICY = Policy(min_caseload=5)


class FakeUnitOfWork:
    """The queries of MonitoringUnitOfWork over dictionaries, with the same upsert rules."""

    def __init__(self) -> None:
        self.regions: dict[str, dict[str, Any]] = {}
        for code, name, level, parent in [
            (REGENCY, "Kabupaten Karawang", "regency", "32"),
            (KEC_A, "Pangkalan", "district", REGENCY),
            (KEC_B, "Karawang Barat", "district", REGENCY),
            (BUSY, "Ramai", "village", KEC_A),
            (QUIET, "Sepi", "village", KEC_A),
            (IDLE, "Diam", "village", KEC_A),
            (ELSEWHERE, "Lain", "village", KEC_B),
        ]:
            self.regions[code] = {"code": code, "name": name, "level": level, "parent_code": parent}
        self.complaints: dict[UUID, dict[str, Any]] = {}
        self.referrals: dict[UUID, dict[str, Any]] = {}

    async def add_complaint(self, row: dict[str, Any]) -> None:
        """Record a complaint, keeping a closing seen before it."""
        known = self.complaints.get(row["complaint_id"], {"closed_at": None})
        self.complaints[row["complaint_id"]] = {**row, "closed_at": known["closed_at"]}

    async def close_complaint(
        self, complaint_id: UUID, village_code: str, closed_at: datetime
    ) -> None:
        """Record a closing, even before the complaint."""
        known = self.complaints.setdefault(
            complaint_id,
            {
                "complaint_id": complaint_id,
                "village_code": village_code,
                "kecamatan_code": village_code.rsplit(".", 1)[0],
                "regency_code": village_code.rsplit(".", 2)[0],
                "received_at": None,
                "recorded_at": None,
            },
        )
        known["closed_at"] = closed_at

    async def upsert_referral(self, referral_id: UUID, complaint_id: UUID, **fields: Any) -> None:
        """Create or update a referral."""
        blank = {
            "agency_code": None,
            "attempt": 1,
            "dispatched_at": None,
            "due_at": None,
            "acknowledged_at": None,
            "resolved_at": None,
            "rejected": False,
            "escalations": 0,
        }
        known = self.referrals.setdefault(referral_id, {"complaint_id": complaint_id, **blank})
        known.update({k: v for k, v in fields.items() if k in blank})

    async def escalate(self, referral_id: UUID, complaint_id: UUID) -> None:
        """Count an escalation."""
        await self.upsert_referral(referral_id, complaint_id)
        self.referrals[referral_id]["escalations"] += 1

    async def region(self, code: str) -> dict[str, Any] | None:
        """A region by code."""
        return self.regions.get(code)

    async def villages(self, regency: str) -> list[dict[str, Any]]:
        """Villages of a regency."""
        return self._level("village", regency)

    async def kecamatan(self, regency: str) -> list[dict[str, Any]]:
        """Kecamatan of a regency."""
        return self._level("district", regency)

    def _level(self, level: str, regency: str) -> list[dict[str, Any]]:
        return sorted(
            (r for r in self.regions.values() if r["level"] == level and r["code"][:5] == regency),
            key=lambda r: str(r["code"]),
        )

    @staticmethod
    def _within(moment: datetime | None, start: datetime | None, end: datetime | None) -> bool:
        return moment is not None and (not start or moment >= start) and (not end or moment < end)

    async def complaint_facts(
        self, regency: str, start: datetime | None, end: datetime | None, level: str
    ) -> list[ComplaintFact]:
        """Complaints received in a regency within [start, end)."""
        area = "village_code" if level == "village" else "kecamatan_code"
        return [
            ComplaintFact(c[area], c["received_at"], c["recorded_at"], c["closed_at"])
            for c in self.complaints.values()
            if c["regency_code"] == regency and self._within(c["received_at"], start, end)
        ]

    async def referral_facts(
        self, regency: str, start: datetime | None, end: datetime | None, level: str
    ) -> list[ReferralFact]:
        """Referrals of the regency's complaints, by village, kecamatan or agency."""
        out = []
        for r in self.referrals.values():
            c = self.complaints.get(r["complaint_id"])
            if c is None or c["regency_code"] != regency or c["received_at"] is None:
                continue
            moment = r["dispatched_at"] if level == "agency" else c["received_at"]
            if not self._within(moment, start, end):
                continue
            area = {"village": c["village_code"], "kecamatan": c["kecamatan_code"]}.get(
                level, r["agency_code"]
            )
            out.append(
                ReferralFact(
                    area,
                    r["agency_code"],
                    r["attempt"],
                    r["dispatched_at"],
                    r["due_at"],
                    r["acknowledged_at"],
                    r["resolved_at"],
                    r["rejected"],
                    r["escalations"],
                )
            )
        return out

    async def tallies(
        self,
        regencies: list[str] | None,
        start: datetime | None,
        end: datetime | None,
        level: str,
        now: datetime,
    ) -> dict[str, Tally]:
        """Each area's tally over the complaints received in [start, end)."""
        complaints: dict[str, list[ComplaintFact]] = {}
        referrals: dict[str, list[ReferralFact]] = {}
        for regency in regencies if regencies is not None else self._regencies():
            for c in await self.complaint_facts(regency, start, end, level):
                complaints.setdefault(c.area, []).append(c)
            for r in await self.referral_facts(regency, start, end, level):
                referrals.setdefault(r.area, []).append(r)
        return {area: tally(cs, referrals.get(area, []), now) for area, cs in complaints.items()}

    async def agency_tallies(
        self,
        regencies: list[str] | None,
        start: datetime | None,
        end: datetime | None,
        now: datetime,
    ) -> dict[tuple[str, str | None], AgencyTally]:
        """Each (regency, agency)'s tally over the referrals dispatched in [start, end)."""
        out = {}
        for regency in regencies if regencies is not None else self._regencies():
            by_agency: dict[str | None, list[ReferralFact]] = {}
            for r in await self.referral_facts(regency, start, end, "agency"):
                by_agency.setdefault(r.area, []).append(r)
            for agency, refs in by_agency.items():
                out[(regency, agency)] = tally_agency(refs, now)
        return out

    async def regions_of(self, regencies: list[str] | None, level: str) -> list[dict[str, Any]]:
        """Villages or kecamatan of some regencies (None: all)."""
        chosen = regencies if regencies is not None else self._regencies()
        return [r for code in chosen for r in self._level(level, code)]

    def _regencies(self) -> list[str]:
        return sorted(code for code, r in self.regions.items() if r["level"] == "regency")


def event(data: EventData) -> CloudEvent:
    """Wrap a payload as the producing service would."""
    return new_event(data, source="/slrt/test", subject=str(getattr(data, "complaint_id", "")))


class Case:
    """One complaint told through its events, each applied with the projection handlers."""

    def __init__(self, uow: FakeUnitOfWork, village: str, received_at: datetime) -> None:
        self.uow = uow
        self.village = village
        self.received_at = received_at
        self.id = uuid4()

    async def created(self) -> Case:
        data = ComplaintCreated(
            complaint_id=self.id,
            ticket="SLRT-TEST",
            village_code=self.village,
            needs=["JKN-PBI"],
            channel="walk_in",
            received_at=self.received_at,
            recorded_at=self.received_at,
        )
        await projections.on_created(self.uow, data, event(data))  # type: ignore[arg-type]
        return self

    async def referred(self, agency: str = "DINSOS", due_days: float = 5) -> UUID:
        referral = uuid4()
        data = ReferralDispatched(
            referral_id=referral,
            complaint_id=self.id,
            ticket="SLRT-TEST",
            village_code=self.village,
            service_code="JKN-PBI",
            agency_code=agency,
            attempt=1,
            dispatched_at=self.received_at,
            due_at=self.received_at + due_days * DAY,
        )
        await projections.on_dispatched(self.uow, data, event(data))  # type: ignore[arg-type]
        return referral

    async def resolved(self, referral: UUID, after_days: float, agency: str = "DINSOS") -> None:
        data = CaseResolved(
            referral_id=referral,
            complaint_id=self.id,
            agency_code=agency,
            outcome="resolved",
            resolved_at=self.received_at + after_days * DAY,
        )
        await projections.on_resolved(self.uow, data, event(data))  # type: ignore[arg-type]

    async def updated(self, referral: UUID, status: str) -> None:
        data = ReferralUpdated(
            referral_id=referral,
            complaint_id=self.id,
            agency_code="DINSOS",
            status=status,  # type: ignore[arg-type]
            at=self.received_at + DAY,
        )
        await projections.on_updated(self.uow, data, event(data))  # type: ignore[arg-type]

    async def escalated(self, referral: UUID) -> None:
        data = ReferralEscalated(
            referral_id=referral, complaint_id=self.id, level="kecamatan", at=self.received_at
        )
        await projections.on_escalated(self.uow, data, event(data))  # type: ignore[arg-type]

    async def closed(self, after_days: float, referral: UUID | None = None) -> None:
        data = ComplaintClosed(
            complaint_id=self.id,
            ticket="SLRT-TEST",
            village_code=self.village,
            closed_at=self.received_at + after_days * DAY,
            outcomes=[
                ReferralOutcome(
                    referral_id=referral or uuid4(),
                    service_code="JKN-PBI",
                    agency_code="DINSOS",
                    outcome="resolved",
                )
            ],
        )
        await projections.on_closed(self.uow, data, event(data))  # type: ignore[arg-type]


async def closed_case(uow: FakeUnitOfWork, village: str, when: datetime, days: float) -> None:
    """A complaint referred once, resolved and closed after `days`."""
    case = await Case(uow, village, when).created()
    referral = await case.referred()
    await case.resolved(referral, days)
    await case.closed(days, referral)


async def open_case(uow: FakeUnitOfWork, village: str, when: datetime) -> None:
    """A complaint referred once and still open."""
    case = await Case(uow, village, when).created()
    await case.referred()


def by_code(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["code"]: r for r in rows}


async def test_facts_that_arrive_before_their_complaint_are_kept() -> None:
    uow = FakeUnitOfWork()
    case = Case(uow, BUSY, JUNE)
    referral = await case.referred()
    await case.resolved(referral, 2)
    await case.closed(2, referral)
    await case.created()

    card = await reports.report_card(uow, BUSY, None, POLICY, NOW)  # type: ignore[arg-type]
    assert (card["received"], card["closed"], card["open_backlog"]) == (1, 1, 0)
    assert card["sla_compliance"] == 1.0
    agencies = await reports.ranking(uow, REGENCY, None, "agency", POLICY, NOW)  # type: ignore[arg-type]
    assert [(a["code"], a["referrals"], a["resolved"]) for a in agencies] == [("DINSOS", 1, 1)]


async def test_a_village_ranks_from_the_minimum_caseload_and_an_idle_one_is_not_active() -> None:
    uow = FakeUnitOfWork()
    for _ in range(4):
        await closed_case(uow, BUSY, JUNE, days=2)
    await open_case(uow, BUSY, JUNE)
    for _ in range(2):
        await closed_case(uow, QUIET, JUNE, days=1)
    await open_case(uow, ELSEWHERE, JUNE)

    rows = by_code(await reports.ranking(uow, REGENCY, "2025-06", "village", POLICY, NOW))  # type: ignore[arg-type]
    assert (rows[BUSY]["rank"], rows[BUSY]["status"]) == (1, "ranked")
    assert (rows[BUSY]["received"], rows[BUSY]["closed"], rows[BUSY]["open_backlog"]) == (5, 4, 1)
    assert rows[BUSY]["resolution_rate"] == 0.8
    assert (rows[QUIET]["rank"], rows[QUIET]["status"], rows[QUIET]["closed"]) == (
        None,
        "too_few_cases",
        2,
    )
    assert (rows[IDLE]["rank"], rows[IDLE]["status"], rows[IDLE]["received"]) == (
        None,
        "not_active",
        0,
    )


async def test_a_kecamatan_counts_the_complaints_of_its_villages() -> None:
    uow = FakeUnitOfWork()
    for village in (BUSY, QUIET, QUIET):
        await closed_case(uow, village, JUNE, days=1)
    await open_case(uow, ELSEWHERE, JUNE)

    rows = by_code(await reports.ranking(uow, REGENCY, "all", "kecamatan", POLICY, NOW))  # type: ignore[arg-type]
    assert (rows[KEC_A]["received"], rows[KEC_A]["closed"]) == (3, 3)
    assert (rows[KEC_B]["received"], rows[KEC_B]["open_backlog"]) == (1, 1)
    assert {r["status"] for r in rows.values()} == {"too_few_cases"}


async def test_a_month_counts_only_the_complaints_received_in_it() -> None:
    uow = FakeUnitOfWork()
    await closed_case(uow, BUSY, MAY, days=3)
    await open_case(uow, BUSY, JUNE)

    june = await reports.report_card(uow, BUSY, "2025-06", POLICY, NOW)  # type: ignore[arg-type]
    all_time = await reports.report_card(uow, BUSY, None, POLICY, NOW)  # type: ignore[arg-type]
    assert (june["received"], june["closed"]) == (1, 0)
    assert (all_time["received"], all_time["closed"], all_time["period"]) == (2, 1, "all")
    assert [(p["period"], p["received"]) for p in june["trend"][-2:]] == [
        ("2025-05", 1),
        ("2025-06", 1),
    ]


async def test_rejections_and_escalations_are_counted_and_progress_changes_nothing() -> None:
    uow = FakeUnitOfWork()
    case = await Case(uow, BUSY, JUNE).created()
    first = await case.referred(agency="DINKES")
    await case.updated(first, "in_progress")
    await case.updated(first, "rejected")
    second = await case.referred(agency="DINSOS", due_days=3)
    await case.escalated(second)
    await case.escalated(second)

    card = await reports.report_card(uow, BUSY, None, POLICY, NOW)  # type: ignore[arg-type]
    assert card["escalations"] == 2
    assert card["sla_compliance"] == 0.0  # DINSOS's referral is past due and open
    agencies = by_code(await reports.ranking(uow, REGENCY, "all", "agency", POLICY, NOW))  # type: ignore[arg-type]
    assert agencies["DINKES"]["rejection_rate"] == 1.0
    assert (agencies["DINSOS"]["referrals"], agencies["DINSOS"]["resolved"]) == (1, 0)


def test_period_bounds_cover_a_whole_month_and_all_time_is_open() -> None:
    assert reports.period_bounds("2025-12", NOW) == (
        datetime(2025, 12, 1, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert reports.period_bounds(None, NOW) == (None, None)
    assert reports.period_bounds("all", NOW) == (None, None)
    assert reports.months_before("2025-02", 3) == ["2024-12", "2025-01", "2025-02"]

"""The list's use case with a fake unit of work: a page, its cursor and what it shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from intake.domain.access import Caller
from intake.domain.listing import ComplaintFilter, Position, Scope, decode_cursor
from intake.service_layer.listing import ListComplaints, list_complaints

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)
OPERATOR = Caller("op-hash", "operator", "32.15.02.2001", "32.15")


def row(n: int, erased: bool = False) -> dict[str, Any]:
    return {
        "id": uuid4(),
        "ticket": f"SLRT-AAAA-{n:04d}",
        "client_id": f"tab:{n}",
        "village_code": "32.15.02.2001",
        "status": "referred",
        "needs": ["JKN-PBI"],
        "received_at": NOW - timedelta(minutes=n),
        "recorded_at": NOW - timedelta(hours=n),
        "erased_at": NOW if erased else None,
        "nik": None if erased else "3215024107800001",
        "name": None if erased else "Siti Aminah",
        "entries": [
            {
                "at": (NOW - timedelta(days=9)).isoformat(),
                "kind": "referred",
                "agency_code": "BPJSKES",
                "detail": {"due_at": (NOW - timedelta(days=2)).isoformat()},
            }
        ],
    }


class FakeUnitOfWork:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.asked: tuple[Scope, ComplaintFilter, str] | None = None
        self.committed = False

    async def __aenter__(self) -> FakeUnitOfWork:
        return self

    async def __aexit__(self, *_: object) -> None:
        return None

    async def commit(self) -> None:
        self.committed = True

    async def list_complaints(
        self, scope: Scope, wanted: ComplaintFilter, reader: str
    ) -> list[dict[str, Any]]:
        self.asked = (scope, wanted, reader)
        return self.rows[: wanted.limit + 1]


async def test_a_full_page_points_at_its_last_item_and_the_last_page_at_nothing() -> None:
    rows = [row(n) for n in range(3)]
    uow = FakeUnitOfWork(rows)
    page = await list_complaints(ListComplaints(OPERATOR, ComplaintFilter(limit=2), NOW), uow)  # type: ignore[arg-type]
    assert [i.ticket for i in page.items] == [rows[0]["ticket"], rows[1]["ticket"]]
    assert page.next_cursor is not None
    assert decode_cursor(page.next_cursor) == Position(rows[1]["received_at"], rows[1]["id"])
    assert uow.committed and uow.asked is not None
    assert uow.asked[0] == Scope("32.15.02.2001", None) and uow.asked[2] == "op-hash"
    last = await list_complaints(ListComplaints(OPERATOR, ComplaintFilter(limit=3), NOW), uow)  # type: ignore[arg-type]
    assert last.next_cursor is None and len(last.items) == 3


async def test_an_item_shows_the_resident_masked_or_nothing_once_erased() -> None:
    page = await list_complaints(
        ListComplaints(OPERATOR, ComplaintFilter(), NOW),
        FakeUnitOfWork([row(1), row(2, erased=True)]),  # type: ignore[arg-type]
    )
    kept, erased = page.items
    assert kept.resident is not None
    assert (kept.resident.name, kept.resident.nik) == ("S*** A***", "321502******0001")
    assert erased.resident is None
    [referral] = kept.referrals
    assert (referral.agency_code, referral.status, referral.overdue) == (
        "BPJSKES",
        "dispatched",
        True,
    )

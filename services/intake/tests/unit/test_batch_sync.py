from __future__ import annotations

from dataclasses import replace
from types import TracebackType
from typing import Any
from uuid import UUID

from intake.domain.access import Caller
from intake.domain.complaints import Problem
from intake.service_layer.registration import OfflineComplaint, SyncBatch, sync_batch

from .test_complaints import GOOD
from .test_registration import FakeUnitOfWork

OPERATOR = Caller("op", "operator", GOOD.village_code, "32.15")


class TransactionalFake(FakeUnitOfWork):
    """The registration fake as a unit of work: what is not committed is rolled back."""

    def __init__(self) -> None:
        super().__init__()
        self.commits = 0
        self._saved: tuple[Any, ...] = ()

    async def __aenter__(self) -> TransactionalFake:
        self._saved = (
            dict(self.keys),
            dict(self.complaints),
            list(self.timeline),
            list(self.events),
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._saved:
            self.keys, self.complaints, self.timeline, self.events = self._saved

    async def commit(self) -> None:
        self.commits += 1
        self._saved = ()

    async def complaint(self, complaint_id: UUID) -> dict[str, Any] | None:
        registered = self.complaints.get(complaint_id)
        if registered is None:
            return None
        return {"id": complaint_id, "ticket": registered.ticket, "possible_duplicate_of": []}


async def test_each_item_gets_its_own_result_in_the_order_sent() -> None:
    store = TransactionalFake()
    unreadable = OfflineComplaint("tab:3", None, (Problem("field_required", "resident"),))
    items = (
        OfflineComplaint("tab:1", GOOD),
        OfflineComplaint("tab:2", replace(GOOD, needs=("PIZZA",))),
        unreadable,
        OfflineComplaint("tab:1", GOOD),  # sent twice in one batch: the first one's complaint
        OfflineComplaint("tab:1", replace(GOOD, needs=("ADMINDUK",))),  # its id reused
    )
    results = await sync_batch(SyncBatch(OPERATOR, items), lambda: store)
    assert [(r.client_id, r.result) for r in results] == [
        ("tab:1", "created"),
        ("tab:2", "rejected"),
        ("tab:3", "rejected"),
        ("tab:1", "existing"),
        ("tab:1", "rejected"),
    ]
    assert results[0].row is not None and results[3].row == results[0].row
    assert [p.code for p in results[1].problems] == ["unknown_service"]
    assert results[2].problems == unreadable.problems
    assert [p.code for p in results[4].problems] == ["idempotency_key_reused"]
    assert len(store.complaints) == 1 and store.commits == 1  # one transaction


async def test_a_batch_for_another_village_is_rejected_item_by_item_and_saves_nothing() -> None:
    store = TransactionalFake()
    neighbour = Caller("op2", "operator", "32.15.02.2002", "32.15")
    results = await sync_batch(
        SyncBatch(neighbour, (OfflineComplaint("tab:1", GOOD),)), lambda: store
    )
    assert [(r.result, [p.code for p in r.problems]) for r in results] == [
        ("rejected", ["wrong_village"])
    ]
    assert store.complaints == {} and store.events == []

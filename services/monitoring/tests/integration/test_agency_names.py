"""Agencies' names come from directory.agencies over the real Kafka, once per event."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest

from slrt_devstack.testing import eventually
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import AgencyRegistered

from .conftest import Monitoring
from .test_monitoring_flow import produce

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_an_announced_agency_is_kept_once_and_a_later_announcement_renames_it(
    monitoring: Monitoring,
) -> None:
    registered = AgencyRegistered(
        code="DINSOSKAB",
        name_id="Dinas Sosial Kabupaten",
        name_en="Regency Social Affairs",
        kind="opd",
        registered_at=datetime(2026, 11, 30, tzinfo=UTC),
    )
    first = new_event(registered, source="/slrt/agency-gateway", subject="DINSOSKAB")
    renamed = new_event(
        registered.model_copy(update={"name_id": "Dinas Sosial dan P3A"}),
        source="/slrt/agency-gateway",
        subject="DINSOSKAB",
    )
    # On one partition, in this order: the first one is delivered again after the renaming, and
    # a last agency marks the end.
    marker = new_event(
        registered.model_copy(update={"code": "PENANDA"}),
        source="/slrt/agency-gateway",
        subject="PENANDA",
    )
    for event in (first, renamed, first, marker):
        await produce(monitoring, "directory.agencies", event.to_bytes(), "DINSOSKAB")

    async def names() -> dict[str, str] | None:
        conn = await asyncpg.connect(monitoring.dsn)
        try:
            rows = await conn.fetch(
                "SELECT code, name_id FROM agencies WHERE code IN ('DINSOSKAB', 'PENANDA')"
            )
        finally:
            await conn.close()
        return {r["code"]: r["name_id"] for r in rows} if len(rows) == 2 else None

    assert (await eventually(names))["DINSOSKAB"] == "Dinas Sosial dan P3A"

"""Intake reads its own `services` table (which its seed fills), not the reference CSV."""

from __future__ import annotations

import asyncpg
import pytest

from .conftest import VILLAGE, Intake
from .test_public_disclosure import listed, register

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]


async def test_the_tracker_and_open311_follow_the_stored_catalogue(intake: Intake) -> None:
    ticket = await register(intake, VILLAGE, "RTLH")
    assert ticket in await listed(intake)  # RTLH is `basic` in the catalogue: listed publicly
    conn = await asyncpg.connect(intake.dsn)
    try:
        await conn.execute(
            "UPDATE services SET name_en = 'Home repair (as the district names it)'"
            " WHERE code = 'RTLH'"
        )
        tracked = await intake.http.get(f"/v1/track/{ticket}", headers={"Accept-Language": "en"})
        assert tracked.json()["service_names"] == ["Home repair (as the district names it)"]

        await conn.execute("UPDATE services SET pii_level = 'special' WHERE code = 'RTLH'")
        assert ticket not in await listed(intake)
        tracked = await intake.http.get(f"/v1/track/{ticket}")
        # A special service is not named on the public page.
        assert tracked.json()["service_names"] != ["Rehabilitasi rumah tidak layak huni"]
    finally:
        await conn.execute(
            "UPDATE services SET pii_level = 'basic', name_en = $1 WHERE code = 'RTLH'",
            "Repair of an uninhabitable house",
        )
        await conn.close()

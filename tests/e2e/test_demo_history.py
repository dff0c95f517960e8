"""The lived-in demo, replayed through the running services on a replay clock: months of history
in minutes, each past month ranked, escalations by referral's own job, once only."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from slrt_devstack import demo, demo_client, services
from slrt_devstack.fixtures import scratch_stack
from slrt_devstack.paths import StackPaths
from slrt_shared import clock

from .conftest import TUNING, Platform, _launch

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

SEED = "b"  # four struggling villages among the first 24
# The first villages by code: kecamatan Pangkalan and Tegalwaru, enough of them for a spread.
VILLAGES = 24
MONTHS = 3
MINUTES = 2.5
REGENCY = "32.15"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def platform(infra, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Platform]:  # type: ignore[no-untyped-def]
    """The services on a database and topics of their own: the demo's hundreds of referrals
    stay out of the session's agency inboxes, which other tests read a page of."""
    paths = StackPaths(tmp_path_factory.mktemp("demo"))
    async with scratch_stack(infra.database_url, infra.kafka_bootstrap_servers, "demo") as env:
        running = _launch(env, paths, {}, {}, TUNING)
        try:
            yield running
        finally:
            running.stop()


def restarter(platform: Platform) -> Any:
    """Restart every service of the platform with extra environment, as `make demo` does."""
    replay_keys = {*clock.NAMES, *demo_client.REPLAY_TUNING}

    def restart(extra: dict[str, str]) -> None:
        platform.stop()
        for name, env in platform.envs.items():
            for key in replay_keys:
                env.pop(key, None)
            env.update({**TUNING.get(name, {}), **extra})
        services.start_all(
            platform.paths,
            [
                (m, platform.envs[name])
                for name, running in platform.members.items()
                for m in running
            ],
        )

    return restart


async def _rows(platform: Platform, query: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(platform.env.database_admin_url)
    try:
        return list(await conn.fetch(query))
    finally:
        await conn.close()


@pytest.mark.timeout(900)
def test_the_replay_ranks_each_past_month_escalates_late_desks_and_runs_once(platform) -> None:  # type: ignore[no-untyped-def]
    anchor = datetime.now(UTC).replace(second=0, microsecond=0)
    settings = demo.Settings(seed=SEED, anchor=anchor, months=MONTHS, villages=VILLAGES)
    villages = demo.plan_district(
        demo.regency_villages(REGENCY, VILLAGES), SEED, anchor, MONTHS, settings.scale
    )
    planned = [c for v in villages for c in v.complaints]
    targets = demo_client.Targets(
        platform.urls["intake"],
        platform.urls["agency-gateway"],
        platform.urls["monitoring"],
        platform.creds,
    )
    kept: dict[str, Any] = {}
    restart = restarter(platform)

    def history() -> demo_client.Outcome:
        return asyncio.run(
            demo_client.history(
                targets,
                settings,
                villages,
                REGENCY,
                dict(kept),
                kept.update,
                restart,
                MINUTES,
                say=print,
            )
        )

    first = history()
    assert first.report is not None
    report = first.report
    print("\n".join(report.lines()))

    # Created once each ("existing": a batch sent again after a broken connection).
    assert sum(report.complaints.values()) == len(planned)
    assert set(report.complaints) <= {"created", "existing"}
    assert report.actions["resolve"] > 0 and report.actions["reject"] > 0
    assert len(report.rejections) >= 2  # several agencies send needs back, the next one gets it
    assert report.referrals > sum(len(c.needs) for c in planned)

    # Each complaint arrived at its village's sync (never before), counted in that month.
    start = anchor - timedelta(days=30 * MONTHS)
    received = asyncio.run(
        _rows(platform, "SELECT village_code, recorded_at, received_at FROM intake.complaints")
    )
    sync_of = {(c.village_code, c.recorded_at): c.synced_at for c in planned}
    assert len(received) == len(planned)
    for row in received:
        assert row["received_at"] >= sync_of[(row["village_code"], row["recorded_at"])]
        assert start <= row["received_at"] <= datetime.now(UTC)
    by_month = Counter(f"{r['received_at'].astimezone(UTC):%Y-%m}" for r in received)
    months = demo_client.months_of(start, anchor)
    assert len(months) >= MONTHS
    assert {m: report.months[m]["complaints"] for m in months} == {m: by_month[m] for m in months}
    # A struggling village's backlog is counted when it was synced, not when it was recorded.
    recorded_in = Counter(f"{r['recorded_at'].astimezone(UTC):%Y-%m}" for r in received)
    assert recorded_in != by_month

    # Every past month has its own ranking, stored by monitoring's cycle as the month ran, with
    # ranked villages of different scores; some month flags a village.
    past = [m for m in months if m < f"{anchor:%Y-%m}"]
    assert len(past) >= MONTHS - 1
    for month in past:
        assert report.months[month]["ranked"] >= 5, (month, report.months[month])
        assert report.months[month]["scores"] >= 3, (month, report.months[month])
    assert any(report.months[m]["flagged"] for m in past)
    stored = asyncio.run(
        _rows(
            platform,
            "SELECT period, payload FROM monitoring.ranking_snapshots"
            f" WHERE regency_code = '{REGENCY}' AND level = 'village'",
        )
    )
    assert set(past) <= {r["period"] for r in stored}

    # Slow desks passed their SLA: referral's own job escalated them, monitoring counted it.
    assert report.escalated > 0
    escalated = asyncio.run(
        _rows(
            platform,
            "SELECT count(*) AS n FROM referral.referrals WHERE escalation_level IS NOT NULL",
        )
    )
    assert escalated[0]["n"] >= report.escalated
    assert sum(report.months[m]["escalations"] for m in months) > 0

    # Run again: the district's replay is done, nothing is added, and it says so.
    again = history()
    assert again.report is None and "nothing added" in again.said
    assert len(asyncio.run(_rows(platform, "SELECT id FROM intake.complaints"))) == len(planned)

    # Without the record of that replay, a district with newer traffic is refused.
    kept.clear()
    with pytest.raises(demo_client.DemoError, match="after the replay's start"):
        history()

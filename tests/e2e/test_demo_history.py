"""The lived-in demo, sent through the running services' APIs, fills the public ranking once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from slrt_devstack import demo, demo_client
from slrt_devstack.fixtures import scratch_stack
from slrt_devstack.paths import StackPaths

from .conftest import TUNING, Platform, _launch

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

SEED = "b"  # four struggling villages among the first 24
# The first villages by code: kecamatan Pangkalan and Tegalwaru, enough of them for a spread.
VILLAGES = 24


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


@pytest.mark.timeout(900)
def test_the_demo_ranks_villages_flags_some_and_a_second_run_adds_nothing(platform) -> None:  # type: ignore[no-untyped-def]
    anchor = datetime.now(UTC).replace(second=0, microsecond=0)
    villages = demo.plan_district(
        demo.regency_villages("32.15", VILLAGES), SEED, anchor, months=5, scale=0.8
    )
    planned = sum(len(v.complaints) for v in villages)
    targets = demo_client.Targets(
        platform.urls["intake"],
        platform.urls["agency-gateway"],
        platform.urls["monitoring"],
        platform.creds,
    )

    first = asyncio.run(demo_client.run(targets, villages, SEED, "32.15", say=print))
    print("\n".join(first.lines()))

    assert first.complaints == {"created": planned}
    assert first.referrals >= sum(len(c.needs) for v in villages for c in v.complaints)
    assert first.actions["resolve"] > 0 and first.actions["reject"] > 0
    assert len(first.rejections) >= 2  # several agencies send needs back
    enough = sum(1 for v in villages if len(v.complaints) >= 5)
    ranking = first.ranking
    assert ranking["complaints"] >= planned
    assert ranking["ranked"] >= enough > VILLAGES // 2
    assert ranking["flagged"] >= 1
    assert ranking["agencies_rejecting"] >= 2

    second = asyncio.run(demo_client.run(targets, villages, SEED, "32.15"))

    assert second.complaints == {"existing": planned}
    assert sum(second.actions.values()) == 0
    assert second.done_before == sum(first.actions.values())
    assert second.referrals == first.referrals
    assert second.ranking == ranking

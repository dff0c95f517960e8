"""`python -m referral seed`: agencies, routing rules, the bundled holiday calendar and the staff
tokens (idempotent).

The catalogue (CSV) is read here only: afterwards agency-gateway's announcements keep the
agencies, and the rules are what the admin saves. The seed announces every rule in force on
routing.rules, so a gateway that has not seen them yet (a new stack, an upgrade) catches up;
a version it holds already changes nothing there.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from functools import partial
from typing import Any

import asyncpg

from referral.adapters import seed as store
from referral.adapters.calendar import PgCalendarStore
from referral.app import build
from referral.domain.holidays import CompleteYear, Holiday, parse_decree_file, parse_holiday_file
from referral.domain.stages import Stage
from referral.service_layer import calendar
from referral.service_layer.rules import rule_changed
from referral.settings import NATIONAL_DECREES, NATIONAL_HOLIDAYS, ReferralSettings
from slrt_shared import reference
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.runtime import run_seed
from slrt_shared.tokens import hash_token
from slrt_shared.unit_of_work import ConnectionAnnouncer

log = logging.getLogger(__name__)


async def load(
    conn: asyncpg.Connection,
    credentials: dict[str, Any],
    regency: str,
    *,
    holidays: Sequence[Holiday] | None = None,
    decrees: Sequence[CompleteYear] | None = None,
    layout: TopicLayout | None = None,
) -> None:
    """Add agencies, missing routing rules and calendar days (what was changed since is kept),
    the tokens; announce the rules in force on the layout's routing.rules.

    Without holidays or decrees given, the bundled national list is loaded.
    """
    await store.save_agencies(
        conn, [(a.code, a.name_id, a.name_en, a.kind) for a in reference.agencies().values()]
    )
    await load_rules(conn)
    await load_stages(conn)
    await announce_rules(conn, layout or TopicLayout())
    await load_calendar(conn, holidays, decrees)
    await load_tokens(conn, credentials)


async def load_calendar(
    conn: asyncpg.Connection,
    holidays: Sequence[Holiday] | None = None,
    decrees: Sequence[CompleteYear] | None = None,
) -> None:
    """Load each date and each complete year once; the district's changes since are kept."""
    if holidays is None:
        text = NATIONAL_HOLIDAYS.read_text(encoding="utf-8")
        holidays = parse_holiday_file(text, default_source=NATIONAL_HOLIDAYS.name)
    if decrees is None:
        decrees = parse_decree_file(NATIONAL_DECREES.read_text(encoding="utf-8"))
    result = await calendar.load_bundled(
        calendar.LoadBundled(tuple(holidays), tuple(decrees)), PgCalendarStore(conn)
    )
    log.info(
        "holiday calendar: %s days added, %s kept as the district has them, %s years completed",
        result.added,
        result.skipped,
        result.completed,
    )


async def load_rules(conn: asyncpg.Connection) -> None:
    """Insert the catalogue's rule of every service that has none; never overwrite one."""
    await store.add_missing_rules(
        conn,
        [(s.code, list(s.agencies), s.sla_working_days) for s in reference.services().values()],
    )


async def load_stages(conn: asyncpg.Connection) -> None:
    """Give the catalogue's rules their reference stages (DTSEN's), unless an admin changed them."""
    await store.add_reference_stages(
        conn, [(code, _stages_json(stages)) for code, stages in reference.stages().items()]
    )


def _stages_json(stages: tuple[reference.ServiceStage, ...]) -> str:
    """A service's reference stages as a rule stores them."""
    return json.dumps(
        [
            Stage(s.code, s.name_id, s.name_en, s.agencies, s.sla_working_days).as_dict()
            for s in stages
        ]
    )


async def announce_rules(conn: asyncpg.Connection, layout: TopicLayout) -> None:
    """Announce every rule in force, as saving it did."""
    announcer = ConnectionAnnouncer(conn, layout)
    for r in await store.rules_in_force(conn):
        announcer.announce(
            rule_changed(
                r["service_code"],
                r["scope"],
                list(r["agencies"]),
                r["sla_working_days"],
                r["version"],
                r["updated_at"],
                stages=r["stages"],
            )
        )
    await announcer.flush()


async def load_tokens(conn: asyncpg.Connection, credentials: dict[str, Any]) -> None:
    """Store the hashes of the district staff tokens and the admin token.

    The credentials are the whole truth for the regencies and the admin they name: a token
    replaced there stops working here, so rotating a token is editing the file and seeding.
    """
    district = {hash_token(t): code for code, t in credentials.get("district", {}).items()}
    await store.replace_district_tokens(conn, district)
    admin = credentials.get("admin")
    if admin:
        await store.replace_admin_token(conn, hash_token(admin))


def main(argv: list[str]) -> None:
    """`seed --credentials FILE --regency CODE`: rules, the holiday calendar, staff tokens."""
    runtime, _ = build()
    settings = runtime.settings
    assert isinstance(settings, ReferralSettings)
    loader = partial(
        load,
        holidays=settings.bundled_holidays(),
        decrees=settings.bundled_decrees(),
        layout=runtime.layout,
    )
    run_seed(runtime, argv, loader)

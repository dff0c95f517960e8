"""The holiday calendar as district-kept data on a real Postgres: API, CLI, audit, seed, jobs."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import sys
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
import pytest_asyncio

from referral.adapters.repository import ReferralUnitOfWork
from referral.app import MIGRATIONS, unit_of_work_factory
from referral.domain.referrals import Referral
from referral.domain.sla import JAKARTA, Calendar
from referral.entrypoints import cli_seed as seed
from referral.entrypoints import jobs
from referral.service_layer.calendar import StoredCalendar
from referral.service_layer.context import Context
from referral.service_layer.escalation import EscalateOverdue, escalate_overdue
from slrt_devstack import fixtures
from slrt_devstack.fixtures import REGENCY
from slrt_shared import db
from slrt_shared.contracts.topics import TopicLayout

from .conftest import ReferralApp, referral_app

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ADMIN = "adm_" + secrets.token_hex(8)
DISTRICT = "dst_" + secrets.token_hex(8)
OPERATOR = "op_" + secrets.token_hex(8)
AGENCY = "ak_" + secrets.token_hex(8)
# The calendar's status is read on 1 December 2026: 30 days before the complete years end.
TODAY = datetime(2026, 12, 1, 10, 0, tzinfo=JAKARTA)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def service(test_env) -> AsyncIterator[ReferralApp]:  # type: ignore[no-untyped-def]
    # The same credentials every service is seeded with: operators and agencies have tokens
    # too, none of them known to referral.
    credentials = {
        "district": {REGENCY: DISTRICT},
        "admin": ADMIN,
        "operators": {"32.15.02.2001": OPERATOR},
        "agencies": {"DINSOS": AGENCY},
    }
    async with referral_app(test_env.admin_url, "c", credentials, ADMIN, lambda: TODAY) as app:
        yield app


def bearer(token: str, language: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if language:
        headers["Accept-Language"] = language
    return headers


STAFF = bearer(DISTRICT)
ENTRY = {
    "date": "2027-02-08",
    "kind": "cuti_bersama",
    "name": "Cuti bersama Tahun Baru Imlek 2578 Kongzili",
    "source": "SKB 3 Menteri 2027",
}


async def test_the_seeded_calendar_is_complete_for_2025_and_2026_and_warns_before_2027(
    service: ReferralApp,
) -> None:
    async with service.client() as http:
        body = (await http.get("/v1/calendar", headers=STAFF)).json()
        english = (await http.get("/v1/calendar", headers=bearer(DISTRICT, "en"))).json()
    assert (body["today"], body["complete_until"], body["days_left"]) == (
        "2026-12-01",
        "2026-12-31",
        30,
    )
    years = {y["year"]: (y["complete"], y["holidays"], y["cuti_bersama"]) for y in body["years"]}
    assert years == {2025: (True, 17, 11), 2026: (True, 17, 8), 2027: (False, 8, 0)}
    decree = next(y["decree"] for y in body["years"] if y["year"] == 2026)
    assert "Nomor 1497 Tahun 2025" in decree
    assert "SKB 3 Menteri tahun 2027" in body["warning"]  # Bahasa Indonesia by default
    assert "SKB 3 Menteri of 2027" in english["warning"]
    assert body["cuti_bersama_are_days_off"] is False


def metric(text: str, name: str) -> float:
    [value] = [float(line.split()[-1]) for line in text.splitlines() if line.startswith(f"{name} ")]
    return value


async def test_the_watch_job_warns_and_the_metrics_follow_each_change(
    service: ReferralApp, caplog: pytest.LogCaptureFixture
) -> None:
    calendars = StoredCalendar(JAKARTA, cuti_bersama_are_days_off=False)
    job = jobs.calendar_watch_job(
        unit_of_work_factory(service.runtime),
        calendars,
        Context(calendars, lambda: TODAY),
        interval=3600,
    )
    with caplog.at_level(logging.WARNING, logger="referral.entrypoints.jobs"):
        running = asyncio.create_task(job())
        try:
            for _ in range(200):
                if caplog.records:
                    break
                await asyncio.sleep(0.05)
        finally:
            running.cancel()
    [warning] = [r.getMessage() for r in caplog.records]
    assert "complete only until 2026-12-31 (30 days left)" in warning
    assert "SKB 3 Menteri of 2027" in warning
    end_of_2026 = datetime(2026, 12, 31, 23, 59, 59, tzinfo=JAKARTA).timestamp()
    async with service.client() as http:
        shown = (await http.get("/metrics")).text
        assert metric(shown, "slrt_sla_calendar_complete_until_days") == 30
        assert metric(shown, "slrt_sla_calendar_complete_until_timestamp_seconds") == end_of_2026
        # A change through the API shows at once in the metrics of the replica that made it.
        done = await http.put("/v1/calendar/years/2027", json={"decree": "SKB uji"}, headers=STAFF)
        assert done.status_code == 200, done.text
        assert (
            metric((await http.get("/metrics")).text, "slrt_sla_calendar_complete_until_days")
            == 395
        )
        assert (await http.delete("/v1/calendar/years/2027", headers=STAFF)).status_code == 204
        assert (
            metric((await http.get("/metrics")).text, "slrt_sla_calendar_complete_until_days") == 30
        )


async def test_district_staff_add_correct_and_remove_days_and_each_change_is_audited(
    service: ReferralApp,
) -> None:
    async with service.client() as http:
        added = await http.post("/v1/calendar/holidays", json=ENTRY, headers=STAFF)
        assert added.status_code == 201, added.text
        assert added.json()["added_by"].startswith("district 32.15 (token ")
        assert added.json()["updated_by"] is None

        corrected = await http.put(
            "/v1/calendar/holidays/2027-02-08",
            json={**{k: ENTRY[k] for k in ("kind", "source")}, "name": "Cuti bersama Imlek"},
            headers=bearer(ADMIN),
        )
        assert corrected.status_code == 200, corrected.text
        assert (corrected.json()["name"], corrected.json()["updated_by"]) == (
            "Cuti bersama Imlek",
            "admin",
        )
        listed = await http.get("/v1/calendar/holidays", params={"year": 2027}, headers=STAFF)
        assert "2027-02-08" in [h["date"] for h in listed.json()]

        removed = await http.delete("/v1/calendar/holidays/2027-02-08", headers=STAFF)
        assert removed.status_code == 204
        audit = (await http.get("/v1/calendar/audit", params={"limit": 3}, headers=STAFF)).json()
    assert [(a["action"], a["subject"], a["via"]) for a in audit] == [
        ("remove", "2027-02-08", "api"),
        ("correct", "2027-02-08", "api"),
        ("add", "2027-02-08", "api"),
    ]
    remove, correct, add = audit
    assert remove["before"]["name"] == "Cuti bersama Imlek" and remove["after"] is None
    assert correct["before"]["name"] == ENTRY["name"]
    assert correct["after"]["name"] == "Cuti bersama Imlek"
    assert correct["by"] == "admin" and add["by"] == remove["by"] != "admin"
    assert add["before"] is None and add["after"] == ENTRY
    assert all(datetime.fromisoformat(a["at"]) for a in audit)


async def test_a_year_is_completed_with_its_decree_and_reopened(service: ReferralApp) -> None:
    async with service.client() as http:
        done = await http.put(
            "/v1/calendar/years/2027",
            json={"decree": "SKB Nomor 9 Tahun 2026 (uji)"},
            headers=STAFF,
        )
        assert done.status_code == 200, done.text
        assert (done.json()["complete"], done.json()["holidays"]) == (True, 8)
        status = (await http.get("/v1/calendar", headers=STAFF)).json()
        assert (status["complete_until"], status["warning"]) == ("2027-12-31", None)
        reopened = await http.delete("/v1/calendar/years/2027", headers=STAFF)
        assert reopened.status_code == 204
        status = (await http.get("/v1/calendar", headers=STAFF)).json()
        assert status["complete_until"] == "2026-12-31"
        [reopen, complete] = (
            await http.get("/v1/calendar/audit", params={"limit": 2}, headers=STAFF)
        ).json()
    assert (complete["action"], complete["subject"], complete["before"]) == (
        "complete",
        "2027",
        None,
    )
    assert complete["after"] == {"year": 2027, "decree": "SKB Nomor 9 Tahun 2026 (uji)"}
    assert (reopen["action"], reopen["before"], reopen["after"]) == (
        "reopen",
        complete["after"],
        None,
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/v1/calendar/holidays", {**ENTRY, "date": "2027-02-30"}, 422, "invalid_date"),
        ("POST", "/v1/calendar/holidays", {**ENTRY, "date": "8/2/2027"}, 422, "invalid_date"),
        ("POST", "/v1/calendar/holidays", {**ENTRY, "date": "1990-01-01"}, 422, "invalid_year"),
        ("POST", "/v1/calendar/holidays", {**ENTRY, "kind": "libur"}, 422, "invalid_kind"),
        ("POST", "/v1/calendar/holidays", {**ENTRY, "name": " "}, 422, "invalid_name"),
        (
            "POST",
            "/v1/calendar/holidays",
            {**ENTRY, "date": "2027-01-01"},  # bundled: Tahun Baru 2027 Masehi
            409,
            "holiday_exists",
        ),
        (
            "PUT",
            "/v1/calendar/holidays/2027-02-31",
            {"kind": "holiday", "name": "X", "source": "S"},
            422,
            "invalid_date",
        ),
        (
            "PUT",
            "/v1/calendar/holidays/2027-07-07",
            {"kind": "holiday", "name": "X", "source": "S"},
            404,
            "holiday_not_found",
        ),
        ("DELETE", "/v1/calendar/holidays/2027-07-07", None, 404, "holiday_not_found"),
        ("DELETE", "/v1/calendar/holidays/kemarin", None, 422, "invalid_date"),
        ("PUT", "/v1/calendar/years/2031", {"decree": "SKB 2031"}, 422, "year_empty"),
        ("PUT", "/v1/calendar/years/2027", {"decree": ""}, 422, "decree_required"),
        ("PUT", "/v1/calendar/years/1999", {"decree": "SKB 1999"}, 422, "invalid_year"),
        ("DELETE", "/v1/calendar/years/2027", None, 404, "year_not_complete"),
    ],
)
async def test_bad_dates_duplicates_and_missing_days_get_coded_errors_in_both_languages(
    service: ReferralApp,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    status: int,
    code: str,
) -> None:
    async with service.client() as http:
        versions = []
        answers = []
        for language in (None, "en"):
            versions.append(await calendar_version(service))
            answers.append(
                await http.request(method, path, json=body, headers=bearer(DISTRICT, language))
            )
    indonesian, english = (a.json()["error"] for a in answers)
    assert [a.status_code for a in answers] == [status, status]
    assert indonesian["code"] == english["code"] == code
    assert indonesian["message"] != english["message"]
    assert versions[0] == versions[1] == await calendar_version(service)  # nothing changed


async def calendar_version(service: ReferralApp) -> int:
    return int(await service.pool.fetchval("SELECT version FROM calendar_version"))


ENDPOINTS = [
    ("GET", "/v1/calendar", None),
    ("GET", "/v1/calendar/holidays", None),
    ("POST", "/v1/calendar/holidays", {**ENTRY, "date": "2027-09-09"}),
    ("PUT", "/v1/calendar/holidays/2027-01-01", {"kind": "holiday", "name": "X", "source": "S"}),
    ("DELETE", "/v1/calendar/holidays/2027-01-01", None),
    ("PUT", "/v1/calendar/years/2027", {"decree": "SKB palsu"}),
    ("DELETE", "/v1/calendar/years/2026", None),
    ("GET", "/v1/calendar/audit", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
async def test_operators_agencies_and_strangers_may_neither_read_nor_change_the_calendar(
    service: ReferralApp, method: str, path: str, body: dict[str, Any] | None
) -> None:
    before = await calendar_version(service)
    async with service.client() as http:
        for headers in ({}, bearer(OPERATOR), bearer(AGENCY), bearer("dst_unknown")):
            refused = await http.request(method, path, json=body, headers=headers)
            assert refused.status_code == 401, (headers, refused.text)
            assert refused.json()["error"]["code"] == "unauthenticated"
            assert "token" in refused.json()["error"]["message"]
        if method == "GET":
            for token in (DISTRICT, ADMIN):
                assert (await http.get(path, headers=bearer(token))).status_code == 200
    assert await calendar_version(service) == before


async def cli(service: ReferralApp, *args: str) -> tuple[int, str, str]:
    """Run `python -m referral holidays ...` as district staff would."""
    env = {**os.environ, "REFERRAL_DATABASE_URL": service.dsn}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "referral",
        "holidays",
        "--by",
        "cli:rina",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_the_cli_adds_imports_completes_and_removes_and_the_audit_names_it(
    service: ReferralApp, tmp_path: Path
) -> None:
    rc, out, err = await cli(
        service,
        "add",
        "2027-12-24",
        "--kind",
        "cuti_bersama",
        "--name",
        "Cuti bersama Kelahiran Yesus Kristus",
        "--source",
        "SKB 3 Menteri 2027",
    )
    assert rc == 0, err
    assert "added 2027-12-24" in out
    rc, _, err = await cli(
        service, "add", "2027-12-24", "--kind", "holiday", "--name", "X", "--source", "S"
    )
    assert rc != 0 and "holiday_exists" in err and "sudah ada" in err
    rc, _, err = await cli(
        service, "add", "2027-13-24", "--kind", "holiday", "--name", "X", "--source", "S"
    )
    assert rc != 0 and "invalid_date" in err

    skb = tmp_path / "skb-2027.csv"
    skb.write_text(
        "# SKB 3 Menteri 2027 (uji)\ndate,kind,name,source\n"
        "2027-01-01,holiday,Tahun Baru 2027 Masehi,SKB 3 Menteri 2027\n"
        "2027-03-09,holiday,Isra Mikraj Nabi Muhammad SAW (uji),SKB 3 Menteri 2027\n"
        "2027-12-24,cuti_bersama,Cuti bersama Kelahiran Yesus Kristus,SKB 3 Menteri 2027\n",
        encoding="utf-8",
    )
    rc, out, err = await cli(service, "import", str(skb))
    assert rc == 0, err
    assert "1 added, 1 corrected, 1 unchanged" in out
    rc, _, err = await cli(service, "complete-year", "2027", "--decree", "SKB Nomor 9 Tahun 2026")
    assert rc == 0, err
    rc, out, err = await cli(service, "list", "--year", "2027")
    assert rc == 0, err
    assert "2027  complete   SKB Nomor 9 Tahun 2026" in out
    assert "2027-03-09  holiday" in out
    rc, _, err = await cli(service, "reopen-year", "2027")
    assert rc == 0, err
    for day in ("2027-03-09", "2027-12-24"):
        rc, _, err = await cli(service, "remove", day)
        assert rc == 0, err
    rc, _, err = await cli(service, "remove", "2027-03-09")
    assert rc != 0 and "holiday_not_found" in err

    async with service.client() as http:
        audit = (await http.get("/v1/calendar/audit", params={"limit": 7}, headers=STAFF)).json()
    assert [(a["action"], a["subject"], a["via"]) for a in reversed(audit)] == [
        ("add", "2027-12-24", "cli"),
        ("correct", "2027-01-01", "import skb-2027.csv"),
        ("add", "2027-03-09", "import skb-2027.csv"),
        ("complete", "2027", "cli"),
        ("reopen", "2027", "cli"),
        ("remove", "2027-03-09", "cli"),
        ("remove", "2027-12-24", "cli"),
    ]
    assert {a["by"] for a in audit} == {"cli:rina"}


async def test_seeding_again_keeps_what_the_district_changed(service: ReferralApp) -> None:
    async with service.client() as http:
        gone = await http.delete("/v1/calendar/holidays/2027-05-06", headers=STAFF)
        assert gone.status_code == 204
        async with service.pool.acquire() as conn, conn.transaction():
            await seed.load(conn, {}, "32.15")
        listed = await http.get("/v1/calendar/holidays", params={"year": 2027}, headers=STAFF)
        assert "2027-05-06" not in [h["date"] for h in listed.json()]
        assert "2027-05-01" in [h["date"] for h in listed.json()]
        status = (await http.get("/v1/calendar", headers=STAFF)).json()
    assert [y["year"] for y in status["years"] if y["complete"]] == [2025, 2026]


async def test_the_escalation_job_counts_the_next_breach_on_the_stored_calendar(
    service: ReferralApp,
) -> None:
    # A referral due Wednesday 23 June 2027 breaches; the kecamatan then gets 2 more working
    # days. A day off the district adds on Thursday 24 June 2027 is skipped by that count.
    async with service.client() as http:
        added = await http.post(
            "/v1/calendar/holidays",
            json={**ENTRY, "date": "2027-06-24", "kind": "holiday", "name": "Hari libur (uji)"},
            headers=STAFF,
        )
        assert added.status_code == 201, added.text
    due = datetime(2027, 6, 23, 23, 59, 59, tzinfo=JAKARTA)
    complaint_id, referral_id = uuid4(), uuid4()
    async with service.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO cases (complaint_id, ticket, village_code, opened_at)"
            " VALUES ($1, 'SLRT-CAL1', '32.15.02.2001', $2)",
            complaint_id,
            due,
        )
    async with ReferralUnitOfWork(service.pool, TopicLayout()) as uow:
        await uow.add_referral(
            Referral(
                id=referral_id,
                complaint_id=complaint_id,
                service_code="ADMINDUK",
                agency_code="DISDUKCAPIL",
                attempt=1,
                status="dispatched",
                rule_version=1,
                rule_scope="",
                sla_working_days=2,
                dispatched_at=due,
                due_at=due,
                next_breach_at=due,
                calendar_complete=False,
            )
        )
        await uow.commit()
    calendars = StoredCalendar(JAKARTA, cuti_bersama_are_days_off=False)
    later = datetime(2027, 6, 24, 9, tzinfo=JAKARTA)
    async with ReferralUnitOfWork(service.pool, TopicLayout()) as uow:
        assert (
            await escalate_overdue(
                EscalateOverdue(), uow, context=Context(calendars, lambda: later)
            )
            == 1
        )
        await uow.commit()
    row = await service.pool.fetchrow(
        "SELECT escalation_level, next_breach_at, calendar_complete FROM referrals WHERE id = $1",
        referral_id,
    )
    # Thursday 24 June is off: Friday 25 and Monday 28 June are the two working days.
    assert (row["escalation_level"], row["next_breach_at"]) == (
        "kecamatan",
        datetime(2027, 6, 28, 23, 59, 59, tzinfo=JAKARTA),
    )
    assert Calendar().due_at(due, 2) == datetime(2027, 6, 25, 23, 59, 59, tzinfo=JAKARTA)


async def test_the_migration_marks_deadlines_already_counted_into_2027(
    test_env, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    async with fixtures.scratch_database(test_env.admin_url, "m") as scratch:
        dsn = scratch.dsn("referral")
        before = fixtures.migrations_before(MIGRATIONS, 4, tmp_path / "migrations")
        await db.migrate(dsn, "referral", "referral", before)
        conn = await asyncpg.connect(dsn, server_settings={"search_path": "referral"})
        try:
            complaint_id = uuid4()
            await conn.execute(
                "INSERT INTO cases (complaint_id, ticket, village_code, opened_at)"
                " VALUES ($1, 'SLRT-MIG1', '32.15.02.2001', now())",
                complaint_id,
            )
            dues = {
                "ADMINDUK": datetime(2026, 12, 31, 23, 59, 59, tzinfo=JAKARTA),
                "JKN-PBI": datetime(2027, 1, 4, 23, 59, 59, tzinfo=JAKARTA),
            }
            for service_code, due in dues.items():
                await conn.execute(
                    "INSERT INTO referrals (id, complaint_id, service_code, agency_code, attempt,"
                    " status, rule_version, dispatched_at, due_at)"
                    " VALUES ($1, $2, $3, 'DINSOS', 1, 'dispatched', 1, $4, $4)",
                    uuid4(),
                    complaint_id,
                    service_code,
                    due,
                )
            await db.migrate(dsn, "referral", "referral", MIGRATIONS)
            rows = await conn.fetch("SELECT service_code, calendar_complete FROM referrals")
        finally:
            await conn.close()
        assert {r["service_code"]: r["calendar_complete"] for r in rows} == {
            "ADMINDUK": True,
            "JKN-PBI": False,
        }

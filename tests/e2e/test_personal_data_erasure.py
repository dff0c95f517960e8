"""Personal data is erased after its retention period and on request, everywhere it is held.

A closed case's resident data leaves intake and the gateway (both schemas scanned); the case
record, the public tracker and the monitoring figures stay as they were; a replayed old
complaint.pii does not bring the data back; district staff export and erase by NIK, logged
without the NIK.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import random
import secrets
import subprocess
import sys
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from intake.app import build
from intake.settings import IntakeSettings
from slrt_shared.retention import prune_once

from .conftest import SUBJECT_KEY, referrals_of
from .redelivery import deliver_again, records_about
from .test_complaint_flow import _wait_caught_up, act, track

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

VILLAGE = "32.15.02.2001"


def resident() -> dict[str, str]:
    """A resident whose every value is unique to this test, so a scan cannot hit another's."""
    mark = secrets.token_hex(4)
    return {
        "nik": f"321502410780{random.randint(1, 9999):04d}",
        "name": f"Warga Uji {mark}",
        "phone": f"0812{random.randint(10_000_000, 99_999_999)}",
        "address": f"Dusun Uji {mark} RT 02/RW 01",
    }


def register(platform, person: dict[str, str], needs: list[str]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return platform.register(  # type: ignore[no-any-return]
        {
            "village_code": VILLAGE,
            "needs": needs,
            "description": f"Keluhan rahasia {secrets.token_hex(4)}",
            "channel": "walk_in",
            "recorded_at": "2025-06-26T09:15:00+07:00",
            "resident": person,
        }
    )


def personal_values(platform, complaint_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The resident's values and description as intake holds them before erasure."""
    got = httpx.get(
        f"{platform.urls['intake']}/v1/complaints/{complaint_id}", headers=platform.district()
    ).json()
    values = [got["description"], *(v for v in got["resident"].values() if v)]
    return [str(v) for v in values]


async def scan(dsn: str, schema: str, needles: list[str]) -> list[str]:
    """Every table of a schema whose rows contain one of the values: 'table: value'."""
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
            schema,
        )
        found = []
        for t in tables:
            name = t["table_name"]
            rows = await conn.fetch(f'SELECT t::text AS row FROM "{schema}"."{name}" t')
            text = "\n".join(r["row"] for r in rows)
            found += [f"{name}: {n}" for n in needles if n in text]
        return found
    finally:
        await conn.close()


async def fetch(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


def close_case(platform, eventually, complaint_id: str, ticket: str, note: str) -> str:  # type: ignore[no-untyped-def]
    """Resolve the complaint's one DINKES referral and wait for its case to close."""
    referral = eventually(lambda: referrals_of(platform, "DINKES", complaint_id))[0]
    resolved = act(
        platform,
        "DINKES",
        referral["referral_id"],
        "resolve",
        {"outcome": "resolved", "note": note},
    )
    assert resolved.status_code == 200, resolved.text
    eventually(lambda: track(platform, ticket)["status"] == "closed")
    return str(referral["referral_id"])


def village_report(platform) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return httpx.get(f"{platform.urls['monitoring']}/v1/puskesos/{VILLAGE}").json()  # type: ignore[no-any-return]


def gateway_erased(platform, complaint_ids: list[str]) -> bool:  # type: ignore[no-untyped-def]
    rows = asyncio.run(
        fetch(
            platform.env.dsns["gateway"],
            "SELECT count(*) AS n FROM gateway.erased_complaints"
            " WHERE complaint_id = ANY($1::uuid[])",
            complaint_ids,
        )
    )
    return bool(rows[0]["n"] == len(complaint_ids))


def test_a_case_closed_past_the_retention_period_is_erased_from_intake_and_the_gateway(
    platform, test_env, eventually
) -> None:  # type: ignore[no-untyped-def]
    person = resident()
    accepted = register(platform, person, ["KESEHATAN"])
    complaint_id, ticket = accepted["complaint_id"], accepted["ticket"]
    values = personal_values(platform, complaint_id)
    note = f"Ibu {person['name']} sudah dilayani"
    referral_id = close_case(platform, eventually, complaint_id, ticket, note)
    # The gateway holds the resident (and the agency's note naming her).
    eventually(
        lambda: asyncio.run(scan(platform.env.dsns["gateway"], "gateway", [person["nik"], note]))
    )
    tracked_before = track(platform, ticket)
    # Monitoring reads complaint.closed on its own: the report counts the case once it has.
    eventually(
        lambda: asyncio.run(
            fetch(
                platform.env.dsns["monitoring"],
                "SELECT 1 FROM monitoring.complaint_facts"
                " WHERE complaint_id = $1::uuid AND closed_at IS NOT NULL",
                complaint_id,
            )
        )
    )
    report_before = village_report(platform)
    # The gateway's side of an access request lists the resident, the referral and its note.
    gateway_export = f"{platform.urls['agency-gateway']}/v1/admin/subjects/export"
    admin = {"Authorization": f"Bearer {platform.creds['admin']}"}
    asked = {"nik": person["nik"], "requested_by": "Staf Sekretariat"}
    held = eventually(
        lambda: (r := httpx.post(gateway_export, json=asked, headers=admin)).is_success and r
    )
    [case] = held.json()["complaints"]
    assert (case["complaint_id"], case["name"]) == (complaint_id, person["name"])
    assert [r["note"] for r in case["referrals"]] == [note]

    # Closed 731 days ago: past the default retention of 730 days.
    dsn = platform.env.dsns["intake"]
    asyncio.run(
        fetch(
            dsn,
            "UPDATE intake.complaints SET closed_at = now() - interval '731 days' WHERE id = $1",
            uuid.UUID(complaint_id),
        )
    )
    runtime = build(
        IntakeSettings(database_url=dsn, topic_prefix=test_env.topic_prefix)  # type: ignore[call-arg]
    )[0]

    async def retention_pass() -> dict[str, int]:
        pool = await asyncpg.create_pool(dsn, server_settings={"search_path": "intake"})
        try:
            return await prune_once(pool, runtime.retention_rules)
        finally:
            await pool.close()

    assert asyncio.run(retention_pass())["personal_data"] >= 1

    # Intake: the values are gone, the case record stays.
    assert asyncio.run(scan(dsn, "intake", values)) == []
    [row] = asyncio.run(
        fetch(
            dsn,
            "SELECT status, village_code, needs, closed_at, description, erasure_cause"
            " FROM intake.complaints WHERE id = $1",
            uuid.UUID(complaint_id),
        )
    )
    assert (row["status"], row["village_code"], row["needs"]) == ("closed", VILLAGE, ["KESEHATAN"])
    assert row["description"] is None and row["erasure_cause"] == "retention"
    staff_view = httpx.get(
        f"{platform.urls['intake']}/v1/complaints/{complaint_id}", headers=platform.district()
    )
    assert staff_view.status_code == 200, staff_view.text
    assert staff_view.json()["personal_data_erased"] is True
    assert staff_view.json()["resident"] is None and staff_view.json()["status"] == "closed"

    # Gateway: erased through the event, the agency sees the referral marked erased.
    eventually(lambda: gateway_erased(platform, [complaint_id]))
    assert asyncio.run(scan(platform.env.dsns["gateway"], "gateway", [*values, note])) == []
    after_erasure = httpx.post(gateway_export, json=asked, headers=admin)
    assert after_erasure.status_code == 404
    logged = asyncio.run(
        fetch(platform.env.dsns["gateway"], "SELECT t::text AS row FROM gateway.subject_requests t")
    )
    assert logged and not [r for r in logged if person["nik"] in r["row"]]
    seen = httpx.get(
        f"{platform.urls['agency-gateway']}/v1/referrals/{referral_id}",
        headers=platform.agency("DINKES"),
    ).json()
    assert seen["personal_data_erased"] is True and seen["resident"] is None
    assert seen["status"] == "resolved" and seen["outcome"] == "resolved"

    # The public tracker (but for the closing date the test moved) and the monitoring figures
    # are unchanged.
    tracked = track(platform, ticket)
    assert tracked.pop("closed_at") != tracked_before.pop("closed_at")
    assert tracked == tracked_before
    after = village_report(platform)
    for count in ("received", "closed", "escalations", "re_referrals", "open_backlog"):
        assert after[count] == report_before[count], count

    # An old complaint.pii record read again does not bring the data back.
    types = asyncio.run(_replay_pii(test_env, complaint_id))
    assert types == ["id.slrt.complaint.pii.v1"]
    asyncio.run(_wait_caught_up(test_env, f"{test_env.topic_prefix}slrt-agency-gateway"))
    assert asyncio.run(scan(platform.env.dsns["gateway"], "gateway", values)) == []


async def _replay_pii(test_env, complaint_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Produce the complaint's personal records of complaint.pii again; their types."""
    bootstrap = test_env.kafka_bootstrap_servers
    mine = await records_about(bootstrap, [test_env.layout.name("complaint.pii")], complaint_id)
    kinds = [json.loads(r.value)["type"] for r in mine]
    assert kinds == ["id.slrt.complaint.pii.v1", "id.slrt.complaint.pii_erased.v1"], kinds
    erased = json.loads(mine[1].value)["data"]
    assert erased["cause"] in ("retention", "request")
    await deliver_again(bootstrap, mine[:1])
    return kinds[:1]


def subjects(platform, action: str, body: dict[str, Any], headers=None) -> httpx.Response:  # type: ignore[no-untyped-def]
    return httpx.post(
        f"{platform.urls['intake']}/v1/subjects/{action}",
        json=body,
        headers=platform.district() if headers is None else headers,
    )


def test_a_residents_request_erases_both_of_their_complaints_and_the_export_lists_everything(
    platform, eventually
) -> None:  # type: ignore[no-untyped-def]
    person = resident()
    first = register(platform, person, ["KESEHATAN"])
    second = register(platform, person, ["ADMINDUK"])
    ids = [first["complaint_id"], second["complaint_id"]]
    values = personal_values(platform, ids[0]) + personal_values(platform, ids[1])
    eventually(lambda: referrals_of(platform, "DINKES", ids[0]))

    exported = subjects(platform, "export", {"nik": person["nik"]})
    assert exported.status_code == 200, exported.text
    held = exported.json()["complaints"]
    assert [c["complaint_id"] for c in held] == ids
    assert all(c["resident"]["nik"] == person["nik"] for c in held)
    assert {c["resident"]["name"] for c in held} == {person["name"]}
    assert all(c["description"] and c["timeline"] for c in held)
    # The reads just made by district staff are listed: who read it, when.
    assert all(c["reads"] and c["reads"][0]["reader_kind"] == "district" for c in held)

    missing = subjects(platform, "erase", {"nik": person["nik"]})
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "reason_required"
    reason = "Permintaan warga tertulis, formulir 12/SLRT/2026"
    erased = subjects(platform, "erase", {"nik": person["nik"], "reason": reason})
    assert erased.status_code == 200, erased.text
    assert sorted(erased.json()["erased_complaint_ids"]) == sorted(ids)

    dsn = platform.env.dsns["intake"]
    assert asyncio.run(scan(dsn, "intake", values)) == []
    logged = asyncio.run(
        fetch(
            dsn,
            "SELECT action, nik_hash, requested_by, via, reason, complaint_ids"
            " FROM intake.subject_requests WHERE complaint_ids && $1::uuid[] ORDER BY id",
            [uuid.UUID(i) for i in ids],
        )
    )
    assert [r["action"] for r in logged] == ["export", "erase"]
    expected_hash = hmac.new(SUBJECT_KEY.encode(), person["nik"].encode(), hashlib.sha256)
    assert {r["nik_hash"] for r in logged} == {expected_hash.hexdigest()}
    assert logged[1]["reason"] == reason and logged[1]["via"] == "api"
    assert sorted(map(str, logged[1]["complaint_ids"])) == sorted(ids)
    assert logged[1]["requested_by"]  # the staff token's label and id

    eventually(lambda: gateway_erased(platform, ids))
    assert asyncio.run(scan(platform.env.dsns["gateway"], "gateway", values)) == []
    # The tracker still answers for an erased complaint.
    assert track(platform, first["ticket"])["ticket"] == first["ticket"]

    # Nothing is held any more; the answer says when it was erased and by whom.
    again = subjects(platform, "export", {"nik": person["nik"]})
    assert again.status_code == 404 and again.json()["error"]["code"] == "nothing_held"
    assert [r["action"] for r in again.json()["error"]["details"]["earlier_requests"]] == [
        "export",
        "erase",
    ]


def test_the_admin_command_exports_and_erases_a_nik(platform, test_env, eventually) -> None:  # type: ignore[no-untyped-def]
    person = resident()
    accepted = register(platform, person, ["KESEHATAN"])
    values = personal_values(platform, accepted["complaint_id"])
    env = {
        **os.environ,
        "INTAKE_DATABASE_URL": platform.env.dsns["intake"],
        "INTAKE_SUBJECT_HASH_KEY": SUBJECT_KEY,
        "SLRT_TOPIC_PREFIX": test_env.topic_prefix,
        "INTAKE_LOG_JSON": "false",
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "intake", "subjects", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    exported = cli("export", "--nik", person["nik"], "--by", "Staf Sekretariat")
    assert exported.returncode == 0, exported.stderr

    def gateway_cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gateway", "subjects", "export", *args],
            env={
                **os.environ,
                "GATEWAY_DATABASE_URL": platform.env.dsns["gateway"],
                "GATEWAY_SUBJECT_HASH_KEY": SUBJECT_KEY,
                "GATEWAY_LOG_JSON": "false",
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    # complaint.pii and referral.dispatched reach the gateway in either order: wait for both.
    def gateway_holds_both() -> subprocess.CompletedProcess[str] | None:
        r = gateway_cli("--nik", person["nik"], "--by", "Staf")
        complaints = json.loads(r.stdout)["complaints"] if r.returncode == 0 else []
        return r if complaints and complaints[0]["referrals"] else None

    from_gateway = eventually(gateway_holds_both)
    [held] = json.loads(from_gateway.stdout)["complaints"]
    assert held["name"] == person["name"] and held["referrals"][0]["agency_code"] == "DINKES"
    assert json.loads(exported.stdout)["complaints"][0]["name"] == person["name"]
    refused = cli("erase", "--nik", person["nik"], "--by", "Staf", "--reason", person["nik"])
    assert refused.returncode != 0 and "reason_contains_nik" in refused.stderr
    erased = cli("erase", "--nik", person["nik"], "--by", "Staf Sekretariat", "--reason", "Surat")
    assert erased.returncode == 0, erased.stderr
    assert json.loads(erased.stdout)["erased_complaint_ids"] == [accepted["complaint_id"]]
    assert asyncio.run(scan(platform.env.dsns["intake"], "intake", values)) == []
    history = json.loads(cli("history", "--nik", person["nik"]).stdout)
    assert [(h["action"], h["via"], h["requested_by"]) for h in history] == [
        ("export", "cli", "Staf Sekretariat"),
        ("erase", "cli", "Staf Sekretariat"),
    ]
    eventually(lambda: gateway_erased(platform, [accepted["complaint_id"]]))
    assert asyncio.run(scan(platform.env.dsns["gateway"], "gateway", values)) == []
    nothing = cli("export", "--nik", person["nik"], "--by", "Staf", "--lang", "en")
    assert nothing.returncode != 0 and "No personal data is held" in nothing.stderr
    gone = gateway_cli("--nik", person["nik"], "--by", "Staf")
    assert gone.returncode != 0 and "nothing_held" in gone.stderr


def code(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_requests_about_a_resident_get_coded_errors(platform) -> None:  # type: ignore[no-untyped-def]
    unknown_nik = "3215024107809998"
    bad = subjects(platform, "export", {"nik": "12345"})
    assert code(bad) == (422, "invalid_nik")
    assert bad.json()["error"]["message"] == "NIK harus terdiri dari 16 angka."
    english = subjects(
        platform, "export", {"nik": "12345"}, {**platform.district(), "Accept-Language": "en"}
    )
    assert english.json()["error"]["message"] == "A NIK has exactly 16 digits."
    unknown = subjects(platform, "export", {"nik": unknown_nik})
    assert code(unknown) == (404, "nothing_held")
    assert "Tidak ada data pribadi" in unknown.json()["error"]["message"]
    stranger = {"Authorization": "Bearer ds_not-a-real-token"}
    wrong = subjects(platform, "erase", {"nik": unknown_nik, "reason": "x"}, stranger)
    assert code(wrong) == (401, "unauthenticated")
    operator = subjects(platform, "export", {"nik": unknown_nik}, platform.operator(VILLAGE))
    assert code(operator) == (403, "district_staff_only")
    too_long = subjects(platform, "erase", {"nik": unknown_nik, "reason": "x" * 501})
    assert code(too_long) == (422, "reason_too_long")
    # The NIK has no place in a URL: there is no GET to put it in.
    assert httpx.get(f"{platform.urls['intake']}/v1/subjects/export").status_code == 405

    gateway = f"{platform.urls['agency-gateway']}/v1/admin/subjects/export"
    admin = {"Authorization": f"Bearer {platform.creds['admin']}"}
    body = {"nik": unknown_nik, "requested_by": "Staf"}
    assert code(httpx.post(gateway, json=body, headers=admin)) == (404, "nothing_held")
    assert code(httpx.post(gateway, json=body, headers=platform.district()))[0] == 401
    invalid = httpx.post(gateway, json={**body, "nik": "1"}, headers=admin)
    assert code(invalid) == (422, "invalid_nik")

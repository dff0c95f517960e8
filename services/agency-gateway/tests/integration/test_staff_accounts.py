"""Personal accounts of agency staff on a real Kafka and Postgres: issued, used, revoked.

A person sees and acts on their own agency's referrals only, a viewer reads but cannot act, a
revoked token is refused at once, the audit log and each action name the person, and only a
supervisor exports the agency's CSV. The inbox's filters narrow the list.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from gateway.app import build
from gateway.entrypoints import cli_seed as seed
from gateway.settings import GatewaySettings
from slrt_devstack import fixtures
from slrt_devstack.testing import eventually
from slrt_shared import reference
from slrt_shared.contracts import topics
from slrt_shared.contracts.events import ReferralDispatched
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.tokens import hash_token, new_token

from .test_action_cost import listening
from .test_gateway_flow import NOW, dispatched, pii, produce, read_topic

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ADMIN = "adm_" + uuid.uuid4().hex


@dataclass(frozen=True)
class Desk:
    """A running gateway with an admin token, its topics and its database."""

    http: httpx.AsyncClient
    layout: TopicLayout
    kafka_bootstrap_servers: str
    dsn: str
    keys: dict[str, str]

    async def staff(self, agency: str, role: str, name: str | None = None) -> dict[str, Any]:
        """Issue an account through the admin's API; its answer (with the token)."""
        response = await self.http.post(
            "/v1/admin/staff",
            json={"agency_code": agency, "name": name or f"Petugas {role}", "role": role},
            headers={"Authorization": f"Bearer {ADMIN}"},
        )
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.dsn)
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()


def bearer(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def desk(test_env) -> AsyncIterator[Desk]:  # type: ignore[no-untyped-def]
    keys = {code: new_token("ak_") for code in reference.agencies()}
    async with test_env.beside("st") as stack:
        dsn = stack.dsn("gateway")
        # Tokens kept for an hour: only the announcement of a revocation makes the replica forget.
        settings = GatewaySettings(
            **stack.settings("gateway"), admin_token=ADMIN, agency_key_cache_seconds=3600
        )
        runtime, app = build(settings)
        await runtime.migrate()
        await fixtures.seed(dsn, "gateway", seed.load, {"agencies": keys}, fixtures.REGENCY)
        async with fixtures.running_service(runtime, app, "gateway") as http:
            await eventually(lambda: listening(app))
            yield Desk(http, stack.layout, stack.kafka_bootstrap_servers, dsn, keys)


async def arrived(desk: Desk, token: str, referral: ReferralDispatched) -> dict[str, Any] | None:
    response = await desk.http.get(f"/v1/referrals/{referral.referral_id}", headers=bearer(token))
    if response.status_code != 200 or response.json()["resident"] is None:
        return None
    return response.json()  # type: ignore[no-any-return]


async def referral_for(desk: Desk, token: str, service: str, agency: str) -> ReferralDispatched:
    complaint_id = uuid.uuid4()
    referral = dispatched(complaint_id, service, agency)
    await produce(
        desk,
        (topics.COMPLAINT_PII, pii(complaint_id, "Siti Aminah"), complaint_id),
        (topics.REFERRAL_DISPATCHED, referral, complaint_id),
    )
    await eventually(lambda: arrived(desk, token, referral))
    return referral


async def act(desk: Desk, token: str, referral_id: Any, name: str, body: Any = None):  # type: ignore[no-untyped-def]
    return await desk.http.post(
        f"/v1/referrals/{referral_id}/{name}",
        json=body,
        headers=bearer(token, **{"Idempotency-Key": str(uuid.uuid4())}),
    )


async def test_a_persons_reads_and_actions_name_them_and_stay_in_their_agency(desk: Desk) -> None:
    officer = await desk.staff("DINSOS", "officer", "Rina Kusuma")
    other = await desk.staff("DINKES", "officer", "Budi Santoso")
    referral = await referral_for(desk, officer["token"], "JKN-PBI", "DINSOS")

    # Only the hash of the token is kept.
    [row] = await desk.fetch("SELECT * FROM staff_accounts WHERE id = $1", uuid.UUID(officer["id"]))
    assert row["token_hash"] == hash_token(officer["token"])
    assert officer["token"] not in {str(v) for v in row.values()}

    me = (await desk.http.get("/v1/me", headers=bearer(officer["token"]))).json()
    assert me == {
        "agency_code": "DINSOS",
        "account_id": officer["id"],
        "name": "Rina Kusuma",
        "role": "officer",
        "may_act": True,
        "may_export": False,
    }
    # Another agency's person: the referral is not there, and acting on it changes nothing.
    hidden = await desk.http.get(
        f"/v1/referrals/{referral.referral_id}", headers=bearer(other["token"])
    )
    assert hidden.status_code == 404, hidden.text
    refused = await act(desk, other["token"], referral.referral_id, "acknowledge")
    assert refused.status_code == 404, refused.text
    listed = await desk.http.get("/v1/referrals", headers=bearer(other["token"]))
    assert str(referral.referral_id) not in {r["referral_id"] for r in listed.json()["items"]}

    reads = await desk.fetch(
        "SELECT agency_code, account_id FROM audit_log WHERE referral_id = $1",
        referral.referral_id,
    )
    assert {(r["agency_code"], r["account_id"]) for r in reads} == {
        ("DINSOS", uuid.UUID(officer["id"]))
    }
    audit = await desk.http.get(
        "/v1/audit",
        params={"account": officer["id"]},
        headers={"Authorization": f"Bearer {ADMIN}"},
    )
    assert audit.status_code == 200, audit.text
    assert {(a["referral_id"], a["account_name"]) for a in audit.json()} == {
        (str(referral.referral_id), "Rina Kusuma")
    }

    acknowledged = await act(desk, officer["token"], referral.referral_id, "acknowledge")
    assert acknowledged.status_code == 200, acknowledged.text
    rejected = await act(
        desk,
        officer["token"],
        referral.referral_id,
        "reject",
        {"reason_code": "bukan_kewenangan", "reason": "Bukan wewenang kami."},
    )
    assert rejected.status_code == 200, rejected.text
    # The machine's key acts on another one: its action names no person.
    second = await referral_for(desk, officer["token"], "JKN-PBI", "DINSOS")
    by_key = await act(desk, desk.keys["DINSOS"], second.referral_id, "acknowledge")
    assert by_key.status_code == 200, by_key.text

    timeline = await desk.http.get(
        f"/v1/referrals/{referral.referral_id}/timeline", headers=bearer(officer["token"])
    )
    assert timeline.status_code == 200, timeline.text
    steps = [(s["kind"], s["status"], s["reason_code"], s["account_name"]) for s in timeline.json()]
    assert steps == [
        ("dispatched", "dispatched", None, None),
        ("acknowledge", "acknowledged", None, "Rina Kusuma"),
        ("reject", "rejected", "bukan_kewenangan", "Rina Kusuma"),
    ]
    [keyed] = [
        s
        for s in (
            await desk.http.get(
                f"/v1/referrals/{second.referral_id}/timeline", headers=bearer(officer["token"])
            )
        ).json()
        if s["kind"] == "acknowledge"
    ]
    assert keyed["by_system_key"] is True and keyed["account_id"] is None
    other_timeline = await desk.http.get(
        f"/v1/referrals/{referral.referral_id}/timeline", headers=bearer(other["token"])
    )
    assert other_timeline.status_code == 404

    # The actions reached Kafka as before: referral.updated on the contract topic.
    async def updates() -> list[str] | None:
        found = [
            e["data"]["status"]
            for e in await read_topic(desk, desk.layout.name(topics.REFERRAL_UPDATED))
            if e["data"]["referral_id"] == str(referral.referral_id)
        ]
        return found if len(found) == 2 else None

    assert await eventually(updates) == ["acknowledged", "rejected"]


async def test_a_viewer_reads_but_may_not_act(desk: Desk) -> None:
    viewer = await desk.staff("DINSOS", "viewer")
    referral = await referral_for(desk, viewer["token"], "JKN-PBI", "DINSOS")
    for name, body in [
        ("acknowledge", None),
        ("progress", {"note": "x"}),
        ("reject", {"reason_code": "lainnya"}),
        ("resolve", {"outcome": "resolved"}),
    ]:
        response = await act(desk, viewer["token"], referral.referral_id, name, body)
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "forbidden"
    english = await desk.http.post(
        f"/v1/referrals/{referral.referral_id}/acknowledge",
        headers=bearer(viewer["token"], **{"Idempotency-Key": "k", "Accept-Language": "en"}),
    )
    assert english.json()["error"]["message"] == "Your account's role does not allow this."
    still = await desk.http.get(
        f"/v1/referrals/{referral.referral_id}", headers=bearer(viewer["token"])
    )
    assert still.json()["status"] == "dispatched"
    assert not await desk.fetch(
        "SELECT 1 FROM referral_actions WHERE referral_id = $1", referral.referral_id
    )


async def test_a_revoked_account_is_refused_at_once(desk: Desk) -> None:
    officer = await desk.staff("DINSOS", "officer")
    headers = bearer(officer["token"])
    assert (await desk.http.get("/v1/referrals", headers=headers)).status_code == 200
    # Kept by the replica now; the revocation drops it.
    revoked = await desk.http.delete(
        f"/v1/admin/staff/{officer['id']}", headers={"Authorization": f"Bearer {ADMIN}"}
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None

    async def refused() -> bool:
        return (await desk.http.get("/v1/referrals", headers=headers)).status_code == 401

    assert await eventually(refused, within=10)
    again = await desk.http.delete(
        f"/v1/admin/staff/{officer['id']}", headers={"Authorization": f"Bearer {ADMIN}"}
    )
    assert again.status_code == 404
    listed = await desk.http.get(
        "/v1/admin/staff", params={"agency": "DINSOS"}, headers={"Authorization": f"Bearer {ADMIN}"}
    )
    [mine] = [a for a in listed.json() if a["id"] == officer["id"]]
    assert mine["revoked_at"] is not None and "token" not in mine


async def test_the_admin_refuses_bad_accounts_with_coded_errors(desk: Desk) -> None:
    admin = {"Authorization": f"Bearer {ADMIN}"}
    for body, code in [
        ({"agency_code": "NOPE", "name": "A", "role": "officer"}, "unknown_agency"),
        ({"agency_code": "DINSOS", "name": "A", "role": "boss"}, "staff_role_invalid"),
        ({"agency_code": "DINSOS", "name": "   ", "role": "viewer"}, "staff_name_invalid"),
    ]:
        response = await desk.http.post("/v1/admin/staff", json=body, headers=admin)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == code
    officer = await desk.staff("DINSOS", "officer")
    assert (
        await desk.http.post(
            "/v1/admin/staff",
            json={"agency_code": "DINSOS", "name": "A", "role": "officer"},
            headers=bearer(officer["token"]),
        )
    ).status_code == 401


async def test_only_a_supervisor_exports_the_agencys_referrals_without_personal_data(
    desk: Desk,
) -> None:
    supervisor = await desk.staff("DISPERKIM", "supervisor")
    officer = await desk.staff("DISPERKIM", "officer")
    # A transaction left open elsewhere holds the list back (its cursors must never skip), but
    # not the export: every committed referral is in it.
    elsewhere = await asyncpg.connect(desk.dsn)
    held = elsewhere.transaction()
    await held.start()
    await elsewhere.fetchval("SELECT pg_current_xact_id()")
    try:
        referral = await referral_for(desk, supervisor["token"], "RTLH", "DISPERKIM")
        response = await desk.http.get("/v1/referrals.csv", headers=bearer(supervisor["token"]))
    finally:
        await held.rollback()
        await elsewhere.close()
    assert (
        await desk.http.get("/v1/referrals.csv", headers=bearer(officer["token"]))
    ).status_code == 403
    assert (
        await desk.http.get("/v1/referrals.csv", headers=bearer(desk.keys["DISPERKIM"]))
    ).status_code == 403
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0].startswith("referral_id,ticket,village_code,service_code")
    assert any(line.startswith(str(referral.referral_id)) for line in lines[1:])
    assert "Siti" not in response.text and "3215024107800001" not in response.text
    other = await desk.staff("DINSOS", "supervisor")
    theirs = await desk.http.get("/v1/referrals.csv", headers=bearer(other["token"]))
    assert str(referral.referral_id) not in theirs.text


async def test_the_inbox_filters_narrow_the_list(desk: Desk) -> None:
    officer = await desk.staff("DP3A", "officer")
    late = dispatched(uuid.uuid4(), "KEKERASAN", "DP3A")
    late = late.model_copy(
        update={"village_code": "32.15.04.2001", "due_at": NOW - timedelta(days=1)}
    )
    soon = dispatched(uuid.uuid4(), "KEKERASAN", "DP3A")
    await produce(
        desk,
        (topics.REFERRAL_DISPATCHED, late, late.complaint_id),
        (topics.REFERRAL_DISPATCHED, soon, soon.complaint_id),
    )

    async def ids(**params: Any) -> set[str] | None:
        response = await desk.http.get(
            "/v1/referrals", params={"limit": 200, **params}, headers=bearer(officer["token"])
        )
        assert response.status_code == 200, response.text
        return {r["referral_id"] for r in response.json()["items"]}

    both = {str(late.referral_id), str(soon.referral_id)}
    await eventually(lambda: _has(ids(), both))
    assert both <= (await ids(service="KEKERASAN") or set())
    assert not both & (await ids(service="RTLH") or set())
    assert (await ids(village="32.15.04.2001") or set()) & both == {str(late.referral_id)}
    assert (await ids(overdue="true") or set()) & both == {str(late.referral_id)}
    due_before = (NOW + timedelta(hours=1)).isoformat()
    assert (await ids(due_before=due_before) or set()) & both == {str(late.referral_id)}
    assert not (await ids(escalated="true") or set()) & both
    # A referral past its due time but closed is not overdue.
    resolved = await act(
        desk, officer["token"], late.referral_id, "resolve", {"outcome": "resolved"}
    )
    assert resolved.status_code == 200, resolved.text
    assert not (await ids(overdue="true") or set()) & both


async def _has(found: Any, wanted: set[str]) -> bool:
    return wanted <= (await found or set())


async def test_the_command_line_issues_lists_and_revokes(desk: Desk) -> None:
    env = {**os.environ, "GATEWAY_DATABASE_URL": desk.dsn}

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "gateway", "staff", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    out = await asyncio.to_thread(run, "issue", "DINSOS", "--name", "Sari Dewi", "--role", "viewer")
    account_id = out.split("id:")[1].split()[0]
    token = out.split("token:")[1].split()[0]
    assert token.startswith("st_")
    me = await desk.http.get("/v1/me", headers=bearer(token))
    assert me.json()["name"] == "Sari Dewi" and me.json()["role"] == "viewer"
    assert "Sari Dewi" in await asyncio.to_thread(run, "list", "--agency", "DINSOS")
    assert token not in await asyncio.to_thread(run, "list")
    await asyncio.to_thread(run, "revoke", account_id)

    async def refused() -> bool:
        return (await desk.http.get("/v1/me", headers=bearer(token))).status_code == 401

    assert await eventually(refused, within=10)

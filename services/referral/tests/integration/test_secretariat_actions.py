"""The secretariat's actions on a real Postgres, through the HTTP app: triage, re-route, hold,
resolve and note, each kept in the case's history and announced; every refusal coded, with
nothing changed; an agency and the secretariat acting on one referral side by side."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import httpx
import pytest
import pytest_asyncio

from referral.adapters.repository import ReferralUnitOfWork
from referral.domain.errors import Refusal
from referral.domain.staff import Staff
from referral.service_layer import casework
from referral.service_layer.context import Context
from slrt_devstack.fixtures import REGENCY
from slrt_shared.contracts.topics import TopicLayout

from .conftest import CALENDAR, MONDAY, ReferralApp, created, referral_app, referrals, resolved

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ADMIN = "adm_" + secrets.token_hex(8)
DISTRICT = "dst_" + secrets.token_hex(8)
VILLAGE = f"{REGENCY}.02.2001"
CONTEXT = Context(CALENDAR, lambda: MONDAY)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def service(test_env) -> AsyncIterator[ReferralApp]:  # type: ignore[no-untyped-def]
    credentials = {"admin": ADMIN, "district": {REGENCY: DISTRICT}}
    async with referral_app(test_env.admin_url, "sa", credentials, ADMIN) as app:
        yield app


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def tokens(service: ReferralApp) -> dict[str, str]:
    """Personal tokens: the regency's secretariat, the case's kecamatan and another one."""
    issued = {}
    async with service.client() as http:
        for role, kind, area in (
            ("secretariat", "secretariat", REGENCY),
            ("kecamatan", "kecamatan", f"{REGENCY}.02"),
            ("other_kecamatan", "kecamatan", f"{REGENCY}.03"),
        ):
            answer = await http.post(
                "/v1/admin/staff",
                json={"kind": kind, "area_code": area, "name": f"Uji {role}"},
                headers={"Authorization": f"Bearer {ADMIN}"},
            )
            assert answer.status_code == 201, answer.text
            issued[role] = answer.json()["token"]
    issued["district"] = DISTRICT
    return issued


async def act(
    service: ReferralApp,
    token: str,
    referral_id: Any,
    action: str,
    body: dict[str, Any],
    lang: str = "id",
) -> httpx.Response:
    async with service.client() as http:
        return await http.post(
            f"/v1/referrals/{referral_id}/{action}",
            json=body,
            headers={"Authorization": f"Bearer {token}", "Accept-Language": lang},
        )


async def history(service: ReferralApp, token: str, referral_id: Any) -> list[dict[str, Any]]:
    async with service.client() as http:
        answer = await http.get(
            f"/v1/referrals/{referral_id}", headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["actions"])


async def announced(service: ReferralApp, complaint_id: UUID) -> list[tuple[str, dict[str, Any]]]:
    """The events of the complaint in the outbox, oldest first: (topic, data)."""
    rows = await service.pool.fetch(
        "SELECT topic, value FROM outbox WHERE key = $1 ORDER BY id", str(complaint_id).encode()
    )
    return [(r["topic"], json.loads(r["value"])["data"]) for r in rows]


async def snapshot(service: ReferralApp, complaint_id: UUID) -> tuple[Any, ...]:
    """Everything an action may change of a case: referrals, history, outbox, the case row."""
    return (
        await referrals(service.pool, complaint_id),
        await service.pool.fetch(
            "SELECT * FROM case_actions WHERE complaint_id = $1 ORDER BY id", complaint_id
        ),
        len(await announced(service, complaint_id)),
        await service.pool.fetchrow("SELECT * FROM cases WHERE complaint_id = $1", complaint_id),
    )


async def refuse(
    service: ReferralApp,
    complaint_id: UUID,
    token: str,
    referral_id: Any,
    action: str,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    """The action is refused with this status and code, in both languages, nothing changed."""
    before = await snapshot(service, complaint_id)
    answer = await act(service, token, referral_id, action, body)
    assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), answer.text
    english = await act(service, token, referral_id, action, body, "en")
    assert english.json()["error"]["message"] != answer.json()["error"]["message"]
    assert await snapshot(service, complaint_id) == before, (action, body)


async def test_a_lainnya_need_is_triaged_to_a_service_and_its_rule_s_agency(
    service: ReferralApp, tokens: dict[str, str]
) -> None:
    complaint_id = await created(service.pool, CONTEXT, VILLAGE, ["JKN-PBI", "LAINNYA"])
    [jkn, waiting] = await referrals(service.pool, complaint_id)
    assert waiting["agency_code"] == "SLRT"
    secretariat = tokens["secretariat"]
    for token, body, status, code in (
        (secretariat, {"service_code": "TIDAK-ADA"}, 422, "invalid_service"),
        (secretariat, {"service_code": "PKH", "agency_code": "TIDAK-ADA"}, 422, "invalid_agency"),
        (secretariat, {"service_code": "JKN-PBI"}, 409, "need_exists"),
        (secretariat, {"service_code": "LAINNYA"}, 422, "same_agency"),
        (tokens["kecamatan"], {"service_code": "PKH"}, 403, "forbidden"),
        (tokens["district"], {"service_code": "PKH"}, 403, "forbidden"),
        (tokens["other_kecamatan"], {"service_code": "PKH"}, 403, "forbidden"),
    ):
        await refuse(service, complaint_id, token, waiting["id"], "triage", body, status, code)
    # A referral at an agency is not waiting at the secretariat.
    await refuse(
        service,
        complaint_id,
        secretariat,
        jkn["id"],
        "triage",
        {"service_code": "PKH"},
        409,
        "not_waiting",
    )

    answer = await act(service, secretariat, waiting["id"], "triage", {"service_code": "PKH"})
    assert answer.status_code == 200, answer.text
    worked = answer.json()
    assert (worked["referral"]["status"], worked["referral"]["current"]) == ("withdrawn", False)
    following = worked["next_referral"]
    assert (following["service_code"], following["agency_code"], following["attempt"]) == (
        "PKH",
        "DINSOS",
        2,
    )
    [entry] = await history(service, tokens["kecamatan"], waiting["id"])
    assert (entry["action"], entry["service_code"], entry["to_agency_code"]) == (
        "triaged",
        "PKH",
        "DINSOS",
    )
    events = (await announced(service, complaint_id))[-2:]
    assert [(t.rsplit(".", 1)[-1], d.get("action")) for t, d in events] == [
        ("casework", "triaged"),
        ("dispatched", None),
    ]
    assert (events[0][1]["service_code"], events[0][1]["to_agency_code"]) == ("PKH", "DINSOS")
    assert events[1][1]["referral_id"] == following["referral_id"]
    assert events[1][1]["attempt"] == 2
    # Triaged again: it no longer waits at the secretariat.
    await refuse(
        service,
        complaint_id,
        secretariat,
        waiting["id"],
        "triage",
        {"service_code": "SEMBAKO"},
        409,
        "not_waiting",
    )

    # The case closes once the two needs that remain have their outcomes: LAINNYA lives on as PKH.
    for row in await referrals(service.pool, complaint_id):
        if row["status"] == "dispatched":
            await resolved(service.pool, CONTEXT, row, outcome="resolved")
    case = await service.pool.fetchrow(
        "SELECT status FROM cases WHERE complaint_id = $1", complaint_id
    )
    assert case is not None and case["status"] == "closed"
    [closed] = [d for t, d in await announced(service, complaint_id) if t.endswith("closed")]
    assert sorted(o["service_code"] for o in closed["outcomes"]) == ["JKN-PBI", "PKH"]


async def test_a_referral_is_rerouted_to_another_agency_with_a_reason(
    service: ReferralApp, tokens: dict[str, str]
) -> None:
    complaint_id = await created(service.pool, CONTEXT, VILLAGE, ["JKN-PBI"])
    [first] = await referrals(service.pool, complaint_id)
    assert first["agency_code"] == "DINSOS"
    secretariat = tokens["secretariat"]
    good = {"agency_code": "BPJSKES", "reason_code": "salah_instansi"}
    for token, body, status, code in (
        (secretariat, {**good, "agency_code": "DINSOS"}, 422, "same_agency"),
        (secretariat, {**good, "agency_code": "TIDAK-ADA"}, 422, "invalid_agency"),
        (secretariat, {**good, "reason_code": "karena"}, 422, "invalid_reason"),
        (tokens["kecamatan"], good, 403, "forbidden"),
        (tokens["district"], good, 403, "forbidden"),
    ):
        await refuse(service, complaint_id, token, first["id"], "reroute", body, status, code)

    answer = await act(service, secretariat, first["id"], "reroute", good)
    assert answer.status_code == 200, answer.text
    following = answer.json()["next_referral"]
    assert (following["agency_code"], following["attempt"], following["status"]) == (
        "BPJSKES",
        2,
        "dispatched",
    )
    [entry] = await history(service, secretariat, first["id"])
    assert (entry["action"], entry["reason_code"], entry["to_agency_code"]) == (
        "withdrawn",
        "salah_instansi",
        "BPJSKES",
    )
    topics_and_actions = [
        (t.rsplit(".", 1)[-1], d.get("action")) for t, d in await announced(service, complaint_id)
    ]
    assert topics_and_actions[-2:] == [("casework", "withdrawn"), ("dispatched", None)]
    # Withdrawn: no longer open, so neither re-routed again nor changed by its old agency.
    await refuse(
        service, complaint_id, secretariat, first["id"], "reroute", good, 409, "referral_closed"
    )
    await resolved(service.pool, CONTEXT, first, outcome="resolved")
    rows = await referrals(service.pool, complaint_id)
    assert [(r["agency_code"], r["status"]) for r in rows] == [
        ("DINSOS", "withdrawn"),
        ("BPJSKES", "dispatched"),
    ]


async def test_the_secretariat_holds_a_referral_and_resolves_it_closing_the_case(
    service: ReferralApp, tokens: dict[str, str]
) -> None:
    complaint_id = await created(service.pool, CONTEXT, VILLAGE, ["JKN-PBI", "LAINNYA"])
    [jkn, waiting] = await referrals(service.pool, complaint_id)
    secretariat = tokens["secretariat"]
    await refuse(service, complaint_id, secretariat, jkn["id"], "hold", {}, 422, "invalid_reason")
    await refuse(
        service,
        complaint_id,
        secretariat,
        jkn["id"],
        "resolve",
        {"outcome": "resolved"},
        409,
        "not_held",
    )

    taken = await act(
        service, secretariat, jkn["id"], "hold", {"reason_code": "instansi_tidak_merespons"}
    )
    assert taken.status_code == 200, taken.text
    held = taken.json()["next_referral"]
    assert (held["agency_code"], held["status"], held["attempt"]) == ("SLRT", "in_progress", 2)
    [withdrawn] = await history(service, secretariat, jkn["id"])
    assert (withdrawn["action"], withdrawn["to_agency_code"]) == ("withdrawn", None)
    [holding] = await history(service, secretariat, held["referral_id"])
    assert holding["action"] == "held"
    await refuse(
        service, complaint_id, secretariat, held["referral_id"], "hold", {}, 409, "already_held"
    )

    kept = await act(service, secretariat, waiting["id"], "hold", {})
    assert kept.status_code == 200, kept.text
    assert (kept.json()["referral"]["status"], kept.json()["next_referral"]) == (
        "in_progress",
        None,
    )
    await refuse(
        service,
        complaint_id,
        secretariat,
        waiting["id"],
        "resolve",
        {"outcome": "solved"},
        422,
        "invalid_outcome",
    )
    for referral_id, outcome in (
        (held["referral_id"], "resolved"),
        (waiting["id"], "unresolvable"),
    ):
        answer = await act(service, secretariat, referral_id, "resolve", {"outcome": outcome})
        assert answer.status_code == 200, answer.text
        assert answer.json()["referral"]["outcome"] == outcome
    actions = [d.get("action") for t, d in await announced(service, complaint_id)]
    assert [a for a in actions if a] == ["withdrawn", "held", "held", "resolved", "resolved"]
    [closed] = [d for t, d in await announced(service, complaint_id) if t.endswith("closed")]
    assert {(o["service_code"], o["agency_code"], o["outcome"]) for o in closed["outcomes"]} == {
        ("JKN-PBI", "SLRT", "resolved"),
        ("LAINNYA", "SLRT", "unresolvable"),
    }
    await refuse(
        service,
        complaint_id,
        secretariat,
        waiting["id"],
        "resolve",
        {"outcome": "resolved"},
        409,
        "referral_closed",
    )


async def test_kecamatan_staff_and_the_secretariat_note_a_case_the_event_without_its_text(
    service: ReferralApp, tokens: dict[str, str]
) -> None:
    complaint_id = await created(service.pool, CONTEXT, VILLAGE, ["JKN-PBI"])
    [first] = await referrals(service.pool, complaint_id)
    text = "Warga diminta membawa KK ke kantor desa hari Kamis."
    for token, body, status, code in (
        (tokens["secretariat"], {"text": "   "}, 422, "invalid_note"),
        (tokens["secretariat"], {"text": "x" * 1001}, 422, "invalid_note"),
        (tokens["district"], {"text": text}, 403, "forbidden"),
        (tokens["other_kecamatan"], {"text": text}, 404, "not_found"),
    ):
        await refuse(service, complaint_id, token, first["id"], "note", body, status, code)
    for role in ("kecamatan", "secretariat"):
        answer = await act(service, tokens[role], first["id"], "note", {"text": f"{role}: {text}"})
        assert answer.status_code == 200, answer.text
    entries = await history(service, tokens["kecamatan"], first["id"])
    assert [(e["action"], e["note"]) for e in entries] == [
        ("note_added", f"kecamatan: {text}"),
        ("note_added", f"secretariat: {text}"),
    ]
    assert entries[0]["by_name"].startswith(f"kecamatan {REGENCY}.02: Uji kecamatan")
    events = [d for t, d in await announced(service, complaint_id) if t.endswith("casework")]
    assert [e["action"] for e in events] == ["note_added", "note_added"]
    assert not [e for e in events if "KK" in json.dumps(e)]
    # The referral itself is untouched by a note; the case read shows the case's history.
    assert (await referrals(service.pool, complaint_id))[0]["status"] == "dispatched"
    async with service.client() as http:
        case = await http.get(
            f"/v1/cases/{complaint_id}", headers={"Authorization": f"Bearer {DISTRICT}"}
        )
    assert [(a["referral_id"], a["action"]) for a in case.json()["actions"]] == [
        (str(first["id"]), "note_added"),
        (str(first["id"]), "note_added"),
    ]


async def waiting_on_a_lock(service: ReferralApp) -> None:
    """Return once a session of this database waits on a row lock (another's transaction)."""
    for _ in range(500):
        waiting = await service.pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        )
        if waiting:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("nobody waits on the referral's lock")


SECRETARIAT_ACCOUNT = Staff("secretariat", regency_code=REGENCY, name="Uji")


async def test_an_agency_resolving_while_the_secretariat_reroutes_one_wins_never_two_open(
    service: ReferralApp,
) -> None:
    # The secretariat first: its re-route holds the referral's lock while the agency's outcome
    # arrives; the outcome then finds the referral withdrawn and is refused (logged).
    complaint_id = await created(service.pool, CONTEXT, VILLAGE, ["JKN-PBI"])
    [first] = await referrals(service.pool, complaint_id)
    command = casework.Reroute(
        first["id"], "BPJSKES", "beban_kerja", SECRETARIAT_ACCOUNT, "secretariat test"
    )
    async with ReferralUnitOfWork(service.pool, TopicLayout()) as uow:
        await casework.reroute(command, uow, context=CONTEXT)
        agency = asyncio.create_task(resolved(service.pool, CONTEXT, first, outcome="resolved"))
        await waiting_on_a_lock(service)  # the agency's outcome waits on the referral's lock
        await uow.commit()
    await agency
    rows = await referrals(service.pool, complaint_id)
    assert [(r["agency_code"], r["status"]) for r in rows] == [
        ("DINSOS", "withdrawn"),
        ("BPJSKES", "dispatched"),
    ]
    refusal = await service.pool.fetchrow(
        "SELECT accepted, reason FROM transition_log WHERE referral_id = $1", first["id"]
    )
    assert refusal is not None and not refusal["accepted"]

    # The agency first: its outcome holds the lock; the re-route then finds the referral
    # resolved and is refused with a coded conflict.
    complaint_id = await created(service.pool, CONTEXT, VILLAGE, ["JKN-PBI"])
    [first] = await referrals(service.pool, complaint_id)
    command = casework.Reroute(
        first["id"], "BPJSKES", "beban_kerja", SECRETARIAT_ACCOUNT, "secretariat test"
    )
    async with ReferralUnitOfWork(service.pool, TopicLayout()) as agency_uow:
        await agency_uow.conn.execute(
            "SELECT 1 FROM referrals WHERE id = $1 FOR UPDATE", first["id"]
        )

        async def secretariat() -> None:
            async with ReferralUnitOfWork(service.pool, TopicLayout()) as uow:
                await casework.reroute(command, uow, context=CONTEXT)
                await uow.commit()

        rerouting = asyncio.create_task(secretariat())
        await waiting_on_a_lock(service)
        await agency_uow.conn.execute(
            "UPDATE referrals SET status = 'resolved', outcome = 'resolved', resolved_at = now()"
            " WHERE id = $1",
            first["id"],
        )
        await agency_uow.commit()
    with pytest.raises(Refusal) as refused:
        await rerouting
    assert refused.value.code == "referral_closed"
    rows = await referrals(service.pool, complaint_id)
    assert [(r["agency_code"], r["status"]) for r in rows] == [("DINSOS", "resolved")]


async def test_the_database_refuses_a_second_open_referral_of_one_need(
    service: ReferralApp,
) -> None:
    complaint_id = await created(service.pool, CONTEXT, VILLAGE, ["JKN-PBI"])
    [first] = await referrals(service.pool, complaint_id)
    with pytest.raises(Exception, match="referrals_one_open_per_need"):
        await service.pool.execute(
            "INSERT INTO referrals (id, complaint_id, service_code, agency_code, attempt, status,"
            " rule_version, dispatched_at, due_at) SELECT gen_random_uuid(), complaint_id,"
            " service_code, 'BPJSKES', 2, 'dispatched', rule_version, dispatched_at, due_at"
            " FROM referrals WHERE id = $1",
            first["id"],
        )


async def test_a_staged_referral_rerouted_or_held_stays_at_its_stage(service: ReferralApp) -> None:
    # A DTSEN proposal's first stage taken from DINSOS: the next referral is the same stage at
    # the new agency, so the stages go on from there instead of the need ending after it.
    complaint_id = await created(service.pool, CONTEXT, VILLAGE, ["DTSEN"])
    [first] = await referrals(service.pool, complaint_id)
    assert (first["stage"], first["stage_index"], first["stages_total"]) == ("kelengkapan", 1, 3)
    reroute = casework.Reroute(
        first["id"], "PKH", "salah_instansi", SECRETARIAT_ACCOUNT, "secretariat test"
    )
    async with ReferralUnitOfWork(service.pool, TopicLayout()) as uow:
        await casework.reroute(reroute, uow, context=CONTEXT)
        await uow.commit()
    _, second = await referrals(service.pool, complaint_id)
    hold = casework.Hold(second["id"], "beban_kerja", SECRETARIAT_ACCOUNT, "secretariat test")
    async with ReferralUnitOfWork(service.pool, TopicLayout()) as uow:
        await casework.hold(hold, uow, context=CONTEXT)
        await uow.commit()
    rows = await referrals(service.pool, complaint_id)
    assert [(r["agency_code"], r["status"], r["stage"], r["stage_index"]) for r in rows] == [
        ("DINSOS", "withdrawn", "kelengkapan", 1),
        ("PKH", "withdrawn", "kelengkapan", 1),
        ("SLRT", "in_progress", "kelengkapan", 1),
    ]

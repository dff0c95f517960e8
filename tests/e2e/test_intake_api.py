"""Intake's API against the running platform: validation, idempotency, offline sync, tracking."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

VILLAGE = "32.15.02.2001"
OTHER_VILLAGE = "32.15.02.2002"


def body(**changes: Any) -> dict[str, Any]:
    resident = {
        "nik": "3215024107800001",
        "name": "Siti Aminah",
        "phone": "081234567890",
        "address": "Dusun Krajan RT 02/RW 01",
    }
    resident.update(changes.pop("resident", {}))
    base: dict[str, Any] = {
        "village_code": VILLAGE,
        "needs": ["JKN-PBI"],
        "description": "BPJS PBI tidak aktif.",
        "channel": "walk_in",
        "recorded_at": "2025-06-26T09:15:00+07:00",
        "resident": resident,
    }
    base.update(changes)
    return base


def post(
    platform,
    payload: Any,
    *,
    key: str | None = "new",
    language: str | None = None,  # type: ignore[no-untyped-def]
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> httpx.Response:
    sent = {**platform.operator(VILLAGE), **(headers or {})}
    if key:
        sent["Idempotency-Key"] = str(uuid.uuid4()) if key == "new" else key
    if language:
        sent["Accept-Language"] = language
    if raw is not None:
        sent.setdefault("Content-Type", "application/json")
        return httpx.post(f"{platform.urls['intake']}/v1/complaints", content=raw, headers=sent)
    return httpx.post(f"{platform.urls['intake']}/v1/complaints", json=payload, headers=sent)


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        (body(needs=[]), "needs", "needs_required"),
        (body(needs=["JKN-PBI", "JKN-PBI"]), "needs", "duplicate_need"),
        (body(needs=["PIZZA"]), "needs", "unknown_service"),
        (body(description="x" * 4001), "description", "description_too_long"),
        (body(channel="pigeon"), "channel", "unknown_channel"),
        (body(recorded_at="2999-01-01T00:00:00+07:00"), "recorded_at", "recorded_in_future"),
        (body(recorded_at="2025-06-26T09:15:00"), "recorded_at", "timezone_required"),
        (body(resident={"nik": "12345"}), "resident.nik", "invalid_nik"),
        (body(resident={"nik": "3215993107800001"}), "resident.nik", "nik_unknown_region"),
        (body(resident={"nik": "3215023213800001"}), "resident.nik", "nik_invalid_birth_date"),
        (body(resident={"nik": "1111111111111111"}), "resident.nik", "nik_dummy"),
        (body(resident={"phone": "12"}), "resident.phone", "invalid_phone"),
        (body(resident={"name": " "}), "resident.name", "name_required"),
    ],
)
def test_each_validation_rule_answers_with_its_code(platform, payload, field, code) -> None:  # type: ignore[no-untyped-def]
    response = post(platform, payload)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_complaint"
    assert {"field": field, "code": code} in [
        {"field": d["field"], "code": d["code"]} for d in error["details"]
    ]


def test_errors_speak_indonesian_by_default_and_english_on_request(platform) -> None:  # type: ignore[no-untyped-def]
    payload = body(resident={"nik": "1111111111111111"})
    indonesian = post(platform, payload).json()["error"]
    english = post(platform, payload, language="en-US,en;q=0.9").json()["error"]
    assert indonesian["message"] == "Pengaduan tidak sah."
    assert english["message"] == "The complaint is not valid."
    assert "NIK" in indonesian["details"][0]["message"]
    assert indonesian["details"][0]["message"] != english["details"][0]["message"]


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"raw": b'{"village_code": '}, 400, "malformed_json"),
        ({"raw": b"[1, 2]"}, 422, "validation_failed"),
        (
            {"raw": b"village_code=1", "headers": {"Content-Type": "text/plain"}},
            415,
            "unsupported_media_type",
        ),
        ({"raw": b"{" + b" " * 70_000 + b"}"}, 413, "payload_too_large"),
        ({"payload": body(extra="field")}, 422, "validation_failed"),
        ({"payload": body(), "key": None}, 400, "idempotency_key_required"),
        ({"payload": body(), "headers": {"Authorization": "Bearer nope"}}, 401, "unauthenticated"),
        ({"payload": body(), "headers": {"Authorization": ""}}, 401, "unauthenticated"),
        ({"payload": body(village_code=OTHER_VILLAGE)}, 403, "wrong_village"),
    ],
)
def test_bad_requests_get_clear_coded_errors(platform, kwargs, status, code) -> None:  # type: ignore[no-untyped-def]
    payload = kwargs.pop("payload", None)
    response = post(platform, payload, **kwargs)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_unknown_fields_are_named(platform) -> None:  # type: ignore[no-untyped-def]
    details = post(platform, body(priority="high")).json()["error"]["details"]
    assert {"field": "priority", "code": "unknown_field"} in [
        {"field": d["field"], "code": d["code"]} for d in details
    ]


def test_the_same_key_returns_the_same_complaint_and_another_body_conflicts(platform) -> None:  # type: ignore[no-untyped-def]
    key = str(uuid.uuid4())
    first = post(platform, body(), key=key)
    again = post(platform, body(), key=key)
    other = post(platform, body(needs=["ADMINDUK"]), key=key)
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 409)
    assert again.json()["complaint_id"] == first.json()["complaint_id"]
    assert again.json()["ticket"] == first.json()["ticket"]
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_the_same_resident_and_open_need_is_linked_and_flagged(platform) -> None:  # type: ignore[no-untyped-def]
    nik = "3215020503900017"
    first = post(platform, body(needs=["PKH"], resident={"nik": nik})).json()
    second = post(platform, body(needs=["PKH", "PIP"], resident={"nik": nik}))
    unrelated = post(platform, body(needs=["RTLH"], resident={"nik": nik})).json()
    assert second.status_code == 201
    assert first["complaint_id"] in second.json()["possible_duplicate_of"]
    assert unrelated["possible_duplicate_of"] == []


def test_offline_batch_gives_a_result_per_item_and_is_safe_to_resend(platform) -> None:  # type: ignore[no-untyped-def]
    device = uuid.uuid4().hex[:8]
    items = [
        {**body(resident={"nik": "3215024107800001"}), "client_id": f"{device}-1"},
        {
            **body(resident={"nik": "3215024107800001"}),
            "client_id": f"{device}-2",
            "recorded_at": "2025-06-20T08:00:00+07:00",
        },
        {**body(resident={"nik": "99"}), "client_id": f"{device}-3"},
        {"client_id": f"{device}-4", "village_code": VILLAGE, "surprise": True},
    ]
    for item in items[:3]:
        item.pop("channel")
    url = f"{platform.urls['intake']}/v1/complaints/batch"
    first = httpx.post(url, json={"complaints": items}, headers=platform.operator(VILLAGE))
    again = httpx.post(url, json={"complaints": items}, headers=platform.operator(VILLAGE))
    assert first.status_code == again.status_code == 200, first.text
    one, two = first.json()["results"], again.json()["results"]
    assert [r["result"] for r in one] == ["created", "created", "rejected", "rejected"]
    assert [r["result"] for r in two] == ["existing", "existing", "rejected", "rejected"]
    assert [r["complaint_id"] for r in one[:2]] == [r["complaint_id"] for r in two[:2]]
    assert one[2]["errors"][0]["code"] == "invalid_nik"
    assert {e["code"] for e in one[3]["errors"]} >= {"unknown_field", "field_required"}
    stored = httpx.get(
        f"{platform.urls['intake']}/v1/complaints/{one[1]['complaint_id']}",
        headers=platform.operator(VILLAGE),
    ).json()
    assert stored["channel"] == "offline_sync"
    assert stored["recorded_at"].startswith("2025-06-20T01:00:00")


def test_a_revoked_operator_token_is_refused_at_once(platform, test_env) -> None:  # type: ignore[no-untyped-def]
    env = {**platform.envs["intake"]}
    issued = subprocess.run(
        [
            sys.executable,
            "-m",
            "intake",
            "operators",
            "issue",
            "--village",
            VILLAGE,
            "--label",
            "Operator cadangan",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    token_id = issued.split("id:")[1].split()[0]
    token = issued.split("token:")[1].split()[0]
    headers = {"Authorization": f"Bearer {token}"}
    assert post(platform, body(), headers=headers).status_code == 201
    listed = subprocess.run(
        [sys.executable, "-m", "intake", "operators", "list", "--village", VILLAGE],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert token_id in listed and token not in listed
    subprocess.run(
        [sys.executable, "-m", "intake", "operators", "revoke", token_id],
        env=env,
        check=True,
        capture_output=True,
    )
    assert post(platform, body(), headers=headers).status_code == 401


def test_operators_read_only_their_village_and_the_tracker_shows_nothing_personal(
    platform,
) -> None:  # type: ignore[no-untyped-def]
    created = post(platform, body(needs=["ODGJ"], description="Anak mengamuk, perlu rawat jiwa."))
    complaint_id, ticket = created.json()["complaint_id"], created.json()["ticket"]
    intake = platform.urls["intake"]
    own = httpx.get(f"{intake}/v1/complaints/{complaint_id}", headers=platform.operator(VILLAGE))
    other = httpx.get(
        f"{intake}/v1/complaints/{complaint_id}", headers=platform.operator(OTHER_VILLAGE)
    )
    staff = httpx.get(f"{intake}/v1/complaints/{complaint_id}", headers=platform.district())
    assert own.status_code == staff.status_code == 200
    assert own.json()["resident"]["nik"] == "3215024107800001"
    assert other.status_code == 404
    tracked = httpx.get(f"{intake}/v1/track/{ticket.lower().replace('-', ' ')}")
    assert tracked.status_code == 200
    text = json.dumps(tracked.json())
    for secret in (
        "3215024107800001",
        "Siti",
        "081234567890",
        "+6281234567890",
        "Krajan",
        "mengamuk",
        "ODGJ",
        "gangguan jiwa",
        "mental",
    ):
        assert secret not in text
    assert tracked.json()["needs"] == ["KHUSUS"]
    assert tracked.json()["service_names"] == ["Layanan khusus"]
    english = httpx.get(f"{intake}/v1/track/{ticket}", headers={"Accept-Language": "en"})
    assert english.json()["service_names"] == ["Special service"]


def operators(platform, *args: str) -> str:  # type: ignore[no-untyped-def]
    """Run `python -m intake operators ...` as the admin would; its output."""
    return platform.cli("intake", "operators", *args)  # type: ignore[no-any-return]


def test_a_device_resending_after_its_token_was_reissued_creates_nothing_twice(platform) -> None:  # type: ignore[no-untyped-def]
    issued = operators(platform, "issue", "--village", VILLAGE, "--label", "Tablet 3")
    old_id, old = issued.split("id:")[1].split()[0], issued.split("token:")[1].split()[0]
    device, key = uuid.uuid4().hex[:8], str(uuid.uuid4())
    url = f"{platform.urls['intake']}/v1/complaints/batch"
    items = [{**body(), "client_id": f"tab-{device}:{n}"} for n in (1, 2)]
    first = post(platform, body(), key=key, headers={"Authorization": f"Bearer {old}"})
    synced = httpx.post(url, json={"complaints": items}, headers={"Authorization": f"Bearer {old}"})
    operators(platform, "revoke", old_id)
    issued = operators(platform, "issue", "--village", VILLAGE, "--label", "Tablet 3 (baru)")
    new = {"Authorization": f"Bearer {issued.split('token:')[1].split()[0]}"}
    again = post(platform, body(), key=key, headers=new)
    resynced = httpx.post(url, json={"complaints": items}, headers=new)

    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert again.json()["complaint_id"] == first.json()["complaint_id"]
    one, two = synced.json()["results"], resynced.json()["results"]
    assert [r["result"] for r in one] == ["created", "created"]
    assert [r["result"] for r in two] == ["existing", "existing"]
    assert [r["complaint_id"] for r in two] == [r["complaint_id"] for r in one]

"""One complaint is one trace: from the operator's HTTP request through Kafka to every consumer."""

from __future__ import annotations

import json
import secrets
import uuid

import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

SERVICES = {"slrt-intake", "slrt-referral", "slrt-agency-gateway", "slrt-monitoring"}


def register_traced(platform, village: str, need: str, description: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Register a complaint whose request already carries a trace, as a browser or an agency's
    system would when it traces its own work; the trace id and the complaint's id."""
    trace_id = secrets.token_hex(16)
    response = httpx.post(
        f"{platform.urls['intake']}/v1/complaints",
        json={
            "village_code": village,
            "needs": [need],
            "description": description,
            "channel": "walk_in",
            "recorded_at": "2025-06-26T09:15:00+07:00",
            "resident": {"nik": "3215024107800001", "name": "Siti Aminah"},
        },
        headers={
            **platform.operator(village),
            "Idempotency-Key": str(uuid.uuid4()),
            "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01",
        },
    )
    assert response.status_code == 201, response.text
    return trace_id, response.json()["complaint_id"]


def test_one_trace_id_spans_all_four_services_for_one_complaint(  # type: ignore[no-untyped-def]
    platform, otlp, eventually
) -> None:
    trace_id, _ = register_traced(
        platform, "32.15.02.2001", "JKN-PBI", "Kartu BPJS PBI tidak aktif."
    )

    services = eventually(
        lambda: (found := otlp.services_by_trace().get(trace_id, set())) >= SERVICES and found,
        timeout=60,
    )
    assert services >= SERVICES
    spans = [s for s in otlp.spans if s.trace_id == trace_id]
    # The consumers' spans are children within the trace, not new roots.
    roots = [s for s in spans if not s.parent_span_id]
    assert roots == []


def test_the_json_logs_of_a_complaint_carry_its_trace_id(  # type: ignore[no-untyped-def]
    platform, eventually
) -> None:
    trace_id, complaint_id = register_traced(platform, "32.15.02.2002", "ADMINDUK", "KK hilang.")

    def lines_of(service: str) -> list[dict]:
        log = platform.paths.logs / f"{service}.log"
        entries = []
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                entries.append(json.loads(line))
        return [e for e in entries if complaint_id in e["message"]]

    for service in ("intake", "referral"):
        entries = eventually(lambda s=service: lines_of(s), timeout=30)
        assert {e["trace_id"] for e in entries} == {trace_id}, (service, entries)
        assert all("Siti" not in e["message"] for e in entries)

"""The OpenAPI description of the complaints' list: its query parameters and examples.

The route reads its parameters itself (each refusal a coded problem), so they are written into
the document here.
"""

from __future__ import annotations

from typing import Any

from intake.domain.errors import message
from intake.domain.listing import DEFAULT_LIMIT, MAX_LIMIT, STATUSES


def _parameter(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "string", **schema},
    }


LIST_PARAMETERS: list[dict[str, Any]] = [
    _parameter("status", "The complaint's public status.", enum=list(STATUSES)),
    _parameter(
        "from",
        "First day received (YYYY-MM-DD, a day in Western Indonesia Time).",
        format="date",
    ),
    _parameter("to", "Last day received, included (YYYY-MM-DD).", format="date"),
    _parameter("ticket", "Exactly this ticket (typed as a resident would: any case, no dashes)."),
    _parameter("client_id", "The device's client_id of an offline complaint.", maxLength=100),
    _parameter(
        "village",
        "District staff: one village of the regency (an operator sees only their own).",
        example="32.15.02.2001",
    ),
    _parameter("kecamatan", "District staff: one kecamatan of the regency.", example="32.15.02"),
    _parameter(
        "limit",
        f"Items per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).",
        pattern="^[0-9]+$",
    ),
    _parameter("cursor", "The `next_cursor` of the page before (opaque)."),
]

LIST_EXAMPLE: dict[str, Any] = {
    "items": [
        {
            "complaint_id": "0f6a2b9e-3c1d-4e6f-9a7b-2d5c8e1f4a30",
            "ticket": "SLRT-K7M2-9QXA",
            "client_id": "tab-07:2025-06-26:0003",
            "village_code": "32.15.02.2001",
            "status": "in_progress",
            "needs": ["JKN-PBI"],
            "received_at": "2025-06-26T02:20:00Z",
            "recorded_at": "2025-06-26T09:15:00+07:00",
            "resident": {"name": "S*** A***", "nik": "321502******0001"},
            "personal_data_erased": False,
            "referrals": [
                {
                    "agency_code": "BPJSKES",
                    "status": "acknowledged",
                    "outcome": None,
                    "dispatched_at": "2025-06-26T02:20:01Z",
                    "due_at": "2025-07-03T10:00:00Z",
                    "overdue": True,
                    "escalated": True,
                    "escalation_level": "kecamatan",
                }
            ],
        }
    ],
    "next_cursor": "WyIyMDI1LTA2LTI2VDAyOjIwOjAwKzAwOjAwIiwgIjBmNmEyYjllIl0",
}

INVALID_QUERY_EXAMPLE: dict[str, Any] = {
    "error": {
        "code": "invalid_query",
        "message": message("invalid_query", "id"),
        "details": [
            {"field": "limit", "code": "invalid_limit", "message": message("invalid_limit", "id")}
        ],
    }
}

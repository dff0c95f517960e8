"""Who may call what: every endpoint of every service, for every kind of caller.

The endpoints are read from each service's live OpenAPI document, so an endpoint added without a
row here fails the coverage test. "ok" means served (2xx, or a 4xx about the request itself such
as 409 or 422: never 401, 403 or 404); "hidden" is a 404 that looks exactly like a missing object.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from .conftest import _eventually

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.security]

VILLAGE_A, VILLAGE_B = "32.15.04.2001", "32.15.04.2003"
ROLES = (
    "anonymous",
    "unknown",
    "operator",
    "other_operator",
    "district",
    "agency",
    "other_agency",
    "admin",
    # Agency staff's personal accounts: DINSOS's officer, viewer and supervisor, DINKES's
    # officer, and a DINSOS officer whose account was revoked.
    "officer",
    "viewer",
    "supervisor",
    "other_officer",
    "revoked",
    # Referral's personal accounts: the secretariat of regency 32.15, staff of village A's
    # kecamatan and of another kecamatan of the regency.
    "secretariat",
    "kecamatan",
    "other_kecamatan",
)
OK, HIDDEN = "ok", "hidden"


@dataclass(frozen=True)
class World:
    """Objects the calls refer to: one complaint of village A, referred to DINSOS."""

    complaint_id: str
    ticket: str
    referral_id: str


@dataclass(frozen=True)
class Row:
    """One endpoint: how to call it and what each role gets."""

    service: str
    method: str
    template: str
    path: Callable[[World], str]
    expect: dict[str, Any]
    body: Callable[[World], Any] | None = None
    form: Callable[[World, str | None], dict[str, str]] | None = None
    query: Callable[[str | None], dict[str, str]] | None = None


def public(status: Any = OK) -> dict[str, Any]:
    return dict.fromkeys(ROLES, status)


def only(allowed: dict[str, Any], others: Any) -> dict[str, Any]:
    return {role: allowed.get(role, others) for role in ROLES}


def complaint_body(village: str) -> dict[str, Any]:
    return {
        "village_code": village,
        "needs": ["JKN-PBI"],
        "description": "Kartu PBI tidak aktif.",
        "channel": "walk_in",
        "recorded_at": "2025-06-26T09:15:00+07:00",
        "resident": {"nik": "3215044107800002", "name": "Sri Wahyuni"},
    }


# The world's complaint's detail of its one need: personal data, for who may read the complaint
# at intake and for the agency of its referral, nobody else.
NEED_DETAIL = "Kartu PBI ditolak di Puskesmas Telagasari sejak April."
NEED_DETAILS = {"JKN-PBI": NEED_DETAIL}

AGENCY_ONLY = only({"agency": OK, "other_agency": HIDDEN}, 401)
AGENCY_ANY = only({"agency": OK, "other_agency": OK}, 401)
# The agency's referrals: its system key and its people; another agency's see nothing there.
PEOPLE = {"officer": OK, "viewer": OK, "supervisor": OK}
READ_OWN = only({"agency": OK, **PEOPLE, "other_agency": HIDDEN, "other_officer": HIDDEN}, 401)
READ_ANY = only({"agency": OK, "other_agency": OK, **PEOPLE, "other_officer": OK}, 401)
# Acting: not a viewer.
ACT_OWN = only({**READ_OWN, "viewer": 403}, 401)
# Referral's cases: the whole regency's staff and the kecamatan of the case.
STAFF = only(
    {"district": OK, "admin": OK, "secretariat": OK, "kecamatan": OK, "other_kecamatan": HIDDEN},
    401,
)
KECAMATANS_403 = {"kecamatan": 403, "other_kecamatan": 403}
# The regency's calendar: not for kecamatan staff.
REGENCY_STAFF = only(
    {"district": OK, "admin": OK, "secretariat": OK, "kecamatan": 403, "other_kecamatan": 403},
    401,
)
ADMIN = only({"admin": OK}, 401)
# Intake's district staff, not its operators.
DISTRICT_ONLY = only({"district": OK, "operator": 403, "other_operator": 403}, 401)
FACILITATOR = {"code": "PKH-MATRIX-1", "name": "Dewi Lestari", "village_codes": [VILLAGE_A]}
TARGET = {"year": 2030, "district_total": 100, "per_facilitator": 5}


def graduation_body() -> dict[str, Any]:
    """A proposal of a household of its own (a KK drawn each time) for village A."""
    return {
        "kk_number": f"321504{uuid.uuid4().int % 10**10:010d}",
        "head_nik": "3215044107800002",
        "head_name": "Sri Wahyuni",
        "facilitator_code": FACILITATOR["code"],
        "kind": "sejahtera_mandiri",
        "evidence": "Usaha warung berjalan dua tahun.",
    }


def data_proposal_body() -> dict[str, Any]:
    """A DTSEN removal for village A, agreed by its deliberation today (the district's date)."""
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date().isoformat()
    return {
        "kind": "penghapusan",
        "removal_reason": "pindah",
        "deliberation_date": today,
        "kk_number": f"321504{uuid.uuid4().int % 10**10:010d}",
        "head_nik": "3215044107800002",
        "head_name": "Sri Wahyuni",
    }


ROWS = [
    # intake
    Row(
        "intake",
        "POST",
        "/v1/complaints",
        lambda w: "/v1/complaints",
        only({"operator": OK, "other_operator": 403, "district": 403}, 401),
        body=lambda w: complaint_body(VILLAGE_A),
    ),
    Row(
        "intake",
        "POST",
        "/v1/complaints/batch",
        lambda w: "/v1/complaints/batch",
        # Answered per item: another village's complaint is refused in its item (tested below).
        only({"operator": OK, "other_operator": OK, "district": OK}, 401),
        body=lambda w: {
            "complaints": [{**complaint_body(VILLAGE_A), "client_id": str(uuid.uuid4())}]
        },
    ),
    Row(
        "intake",
        "GET",
        "/v1/complaints",
        lambda w: "/v1/complaints",
        # Another village's operator gets their own village's list, never village A's.
        only({"operator": OK, "other_operator": OK, "district": OK}, 401),
    ),
    Row(
        "intake",
        "GET",
        "/v1/complaints/{complaint_id}",
        lambda w: f"/v1/complaints/{w.complaint_id}",
        only({"operator": OK, "other_operator": HIDDEN, "district": OK}, 401),
    ),
    # Completing a need a stage sent back: the village's operator only (the world's complaint
    # waits for no completion, so it is answered 409 and nothing changes).
    Row(
        "intake",
        "POST",
        "/v1/complaints/{complaint_id}/completion",
        lambda w: f"/v1/complaints/{w.complaint_id}/completion",
        only({"operator": OK, "other_operator": HIDDEN, "district": 403}, 401),
        body=lambda w: {"service_code": "JKN-PBI", "need_detail": "Kartu PBI sudah difotokopi."},
    ),
    # A resident's access and erasure requests: district staff only (the erasure here lacks its
    # reason, so it is answered 422 and erases nothing).
    Row(
        "intake",
        "POST",
        "/v1/subjects/export",
        lambda w: "/v1/subjects/export",
        only({"district": OK, "operator": 403, "other_operator": 403}, 401),
        body=lambda w: {"nik": "3215044107800002"},
    ),
    Row(
        "intake",
        "POST",
        "/v1/subjects/erase",
        lambda w: "/v1/subjects/erase",
        only({"district": OK, "operator": 403, "other_operator": 403}, 401),
        body=lambda w: {"nik": "3215044107800002"},
    ),
    # PKH graduations: the regency's facilitators and targets for its district staff, a
    # proposal for a village's operator (another village's is refused for its facilitator:
    # 422, about the request), the progress for district staff (of a year without a target:
    # a missing object)
    *(
        Row(
            "intake",
            method,
            path,
            lambda w, path=path: path,
            DISTRICT_ONLY,
            body=body,
        )
        for method, path, body in (
            ("POST", "/v1/admin/facilitators", lambda w: FACILITATOR),
            ("GET", "/v1/admin/facilitators", None),
            ("POST", "/v1/admin/programme-targets", lambda w: TARGET),
            ("GET", "/v1/admin/programme-targets", None),
        )
    ),
    Row(
        "intake",
        "GET",
        "/v1/graduations/kinds",
        lambda w: "/v1/graduations/kinds",
        only({"operator": OK, "other_operator": OK, "district": OK}, 401),
    ),
    Row(
        "intake",
        "POST",
        "/v1/graduations",
        lambda w: "/v1/graduations",
        only({"operator": OK, "other_operator": OK, "district": 403}, 401),
        body=lambda w: graduation_body(),
    ),
    Row(
        "intake",
        "GET",
        "/v1/graduations/progress",
        lambda w: "/v1/graduations/progress?year=2099",
        {**DISTRICT_ONLY, "district": HIDDEN},
    ),
    # DTSEN data proposals: sent by a village's operator (its own village's), listed by the
    # operator (its village's) and district staff (the regency's).
    Row(
        "intake",
        "POST",
        "/v1/data-proposals",
        lambda w: "/v1/data-proposals",
        only({"operator": OK, "other_operator": OK, "district": 403}, 401),
        body=lambda w: data_proposal_body(),
    ),
    Row(
        "intake",
        "GET",
        "/v1/data-proposals",
        lambda w: "/v1/data-proposals",
        only({"operator": OK, "other_operator": OK, "district": OK}, 401),
    ),
    Row("intake", "GET", "/v1/track/{ticket}", lambda w: f"/v1/track/{w.ticket}", public()),
    # The resident's word after closing: the code in the body (none here: 403 for anyone
    # without a token), or the village's operator's token (the world's complaint is open: a
    # 409 about the request); any other token is not intake's (401) or not the village's (403).
    Row(
        "intake",
        "POST",
        "/v1/track/{ticket}/reopen",
        lambda w: f"/v1/track/{w.ticket}/reopen",
        only({"operator": OK, "other_operator": 403, "district": 403, "anonymous": 403}, 401),
        body=lambda w: {"reason": "belum_selesai"},
    ),
    Row(
        "intake",
        "POST",
        "/v1/track/{ticket}/feedback",
        lambda w: f"/v1/track/{w.ticket}/feedback",
        only({"operator": OK, "other_operator": 403, "district": 403, "anonymous": 403}, 401),
        body=lambda w: {"solved": "yes", "rating": 5},
    ),
    # the desk app's reads: its reference data for any signed-in caller, the check before
    # saving for the operator who may register the complaint, the receipt's QR code for anyone
    Row(
        "intake",
        "GET",
        "/v1/desk/reference",
        lambda w: "/v1/desk/reference",
        only({"operator": OK, "other_operator": OK, "district": OK}, 401),
    ),
    Row(
        "intake",
        "POST",
        "/v1/desk/check",
        lambda w: "/v1/desk/check",
        only({"operator": OK, "other_operator": 403, "district": 403}, 401),
        body=lambda w: complaint_body(VILLAGE_A),
    ),
    Row(
        "intake",
        "GET",
        "/v1/track/{ticket}/qr.svg",
        lambda w: f"/v1/track/{w.ticket}/qr.svg",
        public(),
    ),
    Row("intake", "GET", "/open311/v2/{name}", lambda w: "/open311/v2/services.json", public()),
    Row(
        "intake",
        "POST",
        "/open311/v2/{name}",
        lambda w: "/open311/v2/requests.json",
        # An api_key that is not valid (unknown, an agency's or the admin's) is GeoReport v2's
        # 403, another village's or district staff's too (wrong village); none at all a 401.
        only({"operator": OK, "anonymous": 401}, 403),
        form=lambda w, token: {
            "jurisdiction_id": "32.15",
            "service_code": "JKN-PBI",
            "attribute[NIK]": "3215044107800002",
            "attribute[VILLAGE]": VILLAGE_A,
            "first_name": "Sri",
            "description": str(uuid.uuid4()),
            **({"api_key": token} if token else {}),
        },
    ),
    Row(
        "intake",
        "GET",
        "/open311/v2/services/{name}",
        lambda w: "/open311/v2/services/JKN-PBI.json",
        public(),
    ),
    Row(
        "intake",
        "GET",
        "/open311/v2/requests/{name}",
        lambda w: f"/open311/v2/requests/{w.ticket}.json",
        # JKN-PBI is a sensitive service: shown only to a key of its village or regency.
        only({"anonymous": HIDDEN, "operator": OK, "other_operator": HIDDEN, "district": OK}, 403),
        query=lambda token: {"api_key": token} if token else {},
    ),
    # referral
    Row(
        "referral",
        "GET",
        "/v1/cases/{complaint_id}",
        lambda w: f"/v1/cases/{w.complaint_id}",
        STAFF,
    ),
    Row(
        "referral",
        "GET",
        "/v1/referrals/{referral_id}",
        lambda w: f"/v1/referrals/{w.referral_id}",
        STAFF,
    ),
    Row("referral", "GET", "/v1/rules", lambda w: "/v1/rules", ADMIN),
    Row(
        "referral",
        "PUT",
        "/v1/rules/{service_code}",
        lambda w: "/v1/rules/KESEHATAN",
        ADMIN,
        body=lambda w: {"agencies": ["DINKES", "SLRT"], "sla_working_days": 5},
    ),
    Row(
        "referral",
        "PUT",
        "/v1/rules/{service_code}/kecamatan/{kecamatan_code}",
        lambda w: "/v1/rules/KESEHATAN/kecamatan/32.15.05",
        ADMIN,
        body=lambda w: {"agencies": ["DINKES", "SLRT"], "sla_working_days": 5},
    ),
    Row(
        "referral",
        "DELETE",
        "/v1/rules/{service_code}/kecamatan/{kecamatan_code}",
        lambda w: "/v1/rules/KESEHATAN/kecamatan/32.15.05",
        ADMIN,
    ),
    Row(
        "referral",
        "GET",
        "/v1/rules/{service_code}/history",
        lambda w: "/v1/rules/KESEHATAN/history",
        ADMIN,
    ),
    Row("referral", "GET", "/v1/calendar", lambda w: "/v1/calendar", REGENCY_STAFF),
    Row(
        "referral",
        "GET",
        "/v1/calendar/holidays",
        lambda w: "/v1/calendar/holidays",
        REGENCY_STAFF,
    ),
    Row(
        "referral",
        "POST",
        "/v1/calendar/holidays",
        lambda w: "/v1/calendar/holidays",
        REGENCY_STAFF,  # the district adds the day, the others' tries are a 409 (the request)
        body=lambda w: {
            "date": "2099-01-02",
            "kind": "cuti_bersama",
            "name": "Cuti bersama (uji hak akses)",
            "source": "uji",
        },
    ),
    Row(
        "referral",
        "PUT",
        "/v1/calendar/holidays/{day}",
        lambda w: "/v1/calendar/holidays/2027-01-01",
        REGENCY_STAFF,  # the bundled entry as it is: nothing changes
        body=lambda w: {
            "kind": "holiday",
            "name": "Tahun Baru 2027 Masehi",
            "source": "Tanggal tetap (Keppres 8/2024); SKB 2027 belum dimuat",
        },
    ),
    Row(
        "referral",
        "DELETE",
        "/v1/calendar/holidays/{day}",
        lambda w: "/v1/calendar/holidays/2099-12-30",
        # past authentication: not there
        only({"district": HIDDEN, "admin": HIDDEN, "secretariat": HIDDEN, **KECAMATANS_403}, 401),
    ),
    Row(
        "referral",
        "PUT",
        "/v1/calendar/years/{year}",
        lambda w: "/v1/calendar/years/2098",
        REGENCY_STAFF,  # a year with no day stored: 422 year_empty, a refusal about the request
        body=lambda w: {"decree": "SKB uji hak akses"},
    ),
    Row(
        "referral",
        "DELETE",
        "/v1/calendar/years/{year}",
        lambda w: "/v1/calendar/years/2098",
        # past authentication: not complete
        only({"district": HIDDEN, "admin": HIDDEN, "secretariat": HIDDEN, **KECAMATANS_403}, 401),
    ),
    Row("referral", "GET", "/v1/calendar/audit", lambda w: "/v1/calendar/audit", REGENCY_STAFF),
    # The secretariat's work: a named secretariat person or the admin (the admin's try here has
    # an unknown reason code: a 422 about the request, nothing changed); district staff 403.
    Row(
        "referral",
        "POST",
        "/v1/referrals/{referral_id}/extend",
        lambda w: f"/v1/referrals/{w.referral_id}/extend",
        only({"admin": OK, "secretariat": OK, "district": 403, **KECAMATANS_403}, 401),
        body=lambda w: {"due_at": "2099-01-01T00:00:00+07:00", "reason_code": "uji"},
    ),
    # The secretariat's other actions, likewise (each try here is refused about the request
    # itself, so the world's referral stays with DINSOS): triaging a referral that does not wait
    # at the secretariat (409), re-routing to its own agency (422), holding without a known
    # reason (422), resolving one the secretariat does not hold (409).
    *(
        Row(
            "referral",
            "POST",
            f"/v1/referrals/{{referral_id}}/{action}",
            lambda w, action=action: f"/v1/referrals/{w.referral_id}/{action}",
            only({"admin": OK, "secretariat": OK, "district": 403, **KECAMATANS_403}, 401),
            body=lambda w, body=body: body,
        )
        for action, body in (
            ("triage", {"service_code": "PKH"}),
            ("reroute", {"agency_code": "DINSOS", "reason_code": "salah_instansi"}),
            ("hold", {"reason_code": "uji"}),
            ("resolve", {"outcome": "resolved"}),
        )
    ),
    # A note: the secretariat, the admin and the case's kecamatan (an empty note here: 422,
    # nothing kept); another kecamatan does not see the case; district staff only read.
    Row(
        "referral",
        "POST",
        "/v1/referrals/{referral_id}/note",
        lambda w: f"/v1/referrals/{w.referral_id}/note",
        only(
            {
                "admin": OK,
                "secretariat": OK,
                "kecamatan": OK,
                "other_kecamatan": HIDDEN,
                "district": 403,
            },
            401,
        ),
        body=lambda w: {"text": " "},
    ),
    # The console's queues: every staff member, each seeing their own area's.
    Row(
        "referral",
        "GET",
        "/v1/console/queues",
        lambda w: "/v1/console/queues",
        only({r: OK for r in ("district", "admin", "secretariat", *KECAMATANS_403)}, 401),
    ),
    # The console's page and files: public (it signs in with a personal token).
    Row("referral", "GET", "/console/", lambda w: "/console/", public()),
    Row("referral", "GET", "/console/{asset}", lambda w: "/console/console.js", public()),
    # The personal accounts of secretariat and kecamatan staff: the admin's (a bad area here, so
    # the admin's call is a 422 about the request and issues nothing).
    Row(
        "referral",
        "POST",
        "/v1/admin/staff",
        lambda w: "/v1/admin/staff",
        ADMIN,
        body=lambda w: {"kind": "secretariat", "area_code": "32.15.04", "name": "Uji hak akses"},
    ),
    Row("referral", "GET", "/v1/admin/staff", lambda w: "/v1/admin/staff", ADMIN),
    Row(
        "referral",
        "DELETE",
        "/v1/admin/staff/{account_id}",
        lambda w: f"/v1/admin/staff/{uuid.uuid4()}",
        only({"admin": HIDDEN}, 401),  # past authentication: no such account
    ),
    # agency-gateway
    Row("agency-gateway", "GET", "/v1/referrals", lambda w: "/v1/referrals", READ_ANY),
    Row("agency-gateway", "GET", "/v1/me", lambda w: "/v1/me", READ_ANY),
    Row(
        "agency-gateway",
        "GET",
        "/v1/referrals/{referral_id}",
        lambda w: f"/v1/referrals/{w.referral_id}",
        READ_OWN,
    ),
    Row(
        "agency-gateway",
        "GET",
        "/v1/referrals/{referral_id}/timeline",
        lambda w: f"/v1/referrals/{w.referral_id}/timeline",
        READ_OWN,
    ),
    Row(
        "agency-gateway",
        "GET",
        "/v1/referrals.csv",
        lambda w: "/v1/referrals.csv",
        # A supervisor's export; the system key and the other roles are refused.
        only(
            {
                "supervisor": OK,
                "agency": 403,
                "other_agency": 403,
                "officer": 403,
                "viewer": 403,
                "other_officer": 403,
            },
            401,
        ),
    ),
    Row(
        "agency-gateway",
        "POST",
        "/v1/referrals/{referral_id}/acknowledge",
        lambda w: f"/v1/referrals/{w.referral_id}/acknowledge",
        ACT_OWN,
    ),
    Row(
        "agency-gateway",
        "POST",
        "/v1/referrals/{referral_id}/progress",
        lambda w: f"/v1/referrals/{w.referral_id}/progress",
        ACT_OWN,
        body=lambda w: {"note": "Sedang diproses."},
    ),
    Row(
        "agency-gateway",
        "POST",
        "/v1/referrals/{referral_id}/reject",
        lambda w: f"/v1/referrals/{uuid.uuid4()}/reject",
        only(
            {
                "agency": HIDDEN,
                "other_agency": HIDDEN,
                "officer": HIDDEN,
                "supervisor": HIDDEN,
                "other_officer": HIDDEN,
                "viewer": 403,
            },
            401,
        ),
        body=lambda w: {"reason": "Bukan kewenangan kami."},
    ),
    Row(
        "agency-gateway",
        "POST",
        "/v1/referrals/{referral_id}/resolve",
        lambda w: f"/v1/referrals/{w.referral_id}/resolve",
        ACT_OWN,
        body=lambda w: {"outcome": "resolved", "note": "Kartu aktif kembali."},
    ),
    Row(
        "agency-gateway",
        "PUT",
        "/v1/webhook",
        lambda w: "/v1/webhook",
        AGENCY_ANY,
        # On 127.0.0.1 (allowed by the local stack's settings): no name to look up, and any
        # delivery to it stays on this machine.
        body=lambda w: {"url": "http://127.0.0.1:9/slrt-hook"},
    ),
    Row(
        "agency-gateway",
        "GET",
        "/v1/webhook",
        lambda w: "/v1/webhook",
        AGENCY_ANY,
    ),
    Row("agency-gateway", "DELETE", "/v1/webhook", lambda w: "/v1/webhook", AGENCY_ANY),
    Row(
        "agency-gateway",
        "GET",
        "/v1/webhook/deliveries",
        lambda w: "/v1/webhook/deliveries",
        AGENCY_ANY,
    ),
    Row(
        "agency-gateway",
        "POST",
        "/v1/webhook/deliveries/{delivery_id}/retry",
        lambda w: f"/v1/webhook/deliveries/{uuid.uuid4()}/retry",
        only({"agency": HIDDEN, "other_agency": HIDDEN}, 401),
    ),
    Row("agency-gateway", "GET", "/v1/directory", lambda w: "/v1/directory", public()),
    Row("agency-gateway", "GET", "/v1/audit", lambda w: "/v1/audit", ADMIN),
    Row(
        "agency-gateway",
        "POST",
        "/v1/admin/staff",
        lambda w: "/v1/admin/staff",
        ADMIN,
        body=lambda w: {"agency_code": "DINSOS", "name": "Uji hak akses", "role": "viewer"},
    ),
    Row("agency-gateway", "GET", "/v1/admin/staff", lambda w: "/v1/admin/staff", ADMIN),
    Row(
        "agency-gateway",
        "DELETE",
        "/v1/admin/staff/{account_id}",
        lambda w: f"/v1/admin/staff/{uuid.uuid4()}",
        only({"admin": HIDDEN}, 401),  # past authentication: no such account
    ),
    # The agency desk's page and files: public (it signs in with a staff token).
    Row("agency-gateway", "GET", "/desk/", lambda w: "/desk/", public()),
    Row("agency-gateway", "GET", "/desk/{asset}", lambda w: "/desk/desk.js", public()),
    Row(
        "agency-gateway",
        "POST",
        "/v1/admin/subjects/export",
        lambda w: "/v1/admin/subjects/export",
        ADMIN,
        # A NIK refused as malformed: the resident's data may not have reached the gateway yet.
        body=lambda w: {"nik": "3215", "requested_by": "matrix"},
    ),
    # monitoring: public, no personal data
    Row("monitoring", "GET", "/v1/rankings", lambda w: "/v1/rankings", public()),
    Row("monitoring", "GET", "/v1/rankings.csv", lambda w: "/v1/rankings.csv", public()),
    Row(
        "monitoring",
        "GET",
        "/v1/puskesos/{village_code}",
        lambda w: f"/v1/puskesos/{VILLAGE_A}",
        public(),
    ),
    Row("monitoring", "GET", "/", lambda w: "/", public()),
    Row("monitoring", "GET", "/v1/map", lambda w: "/v1/map", public()),
    Row("monitoring", "GET", "/v1/underperformers", lambda w: "/v1/underperformers", public()),
    Row("monitoring", "GET", "/v1/programmes", lambda w: "/v1/programmes", public()),
    Row("monitoring", "GET", "/peta", lambda w: "/peta", public()),
    Row("monitoring", "GET", "/buletin", lambda w: "/buletin", public()),
    # A week is refused before anything is printed: who may ask is the matrix's question.
    Row(
        "monitoring",
        "GET",
        "/buletin.pdf",
        lambda w: "/buletin.pdf?period=rolling-30d",
        public(),
    ),
    Row("monitoring", "GET", "/cara-membaca", lambda w: "/cara-membaca", public()),
    Row(
        "monitoring",
        "GET",
        "/puskesos/{village_code}",
        lambda w: f"/puskesos/{VILLAGE_A}",
        public(),
    ),
]
# Streams never end; their authorisation (none: public) is covered by the monitoring tests.
STREAMING = {("monitoring", "GET", "/v1/rankings/stream")}
DEFAULTS = {"/healthz", "/readyz", "/metrics"}


def tokens(platform: Any) -> dict[str, str | None]:
    """The bearer token of each role."""
    return {
        "anonymous": None,
        "unknown": "op_" + uuid.uuid4().hex,
        "operator": platform.creds["operators"][VILLAGE_A],
        "other_operator": platform.creds["operators"][VILLAGE_B],
        "district": platform.creds["district"]["32.15"],
        "agency": platform.creds["agencies"]["DINSOS"],
        "other_agency": platform.creds["agencies"]["DINKES"],
        "admin": platform.creds["admin"],
        **staff_tokens(platform),
        **referral_staff_tokens(platform),
    }


_STAFF: dict[int, dict[str, str]] = {}


def staff_tokens(platform: Any) -> dict[str, str]:
    """The staff roles' tokens, issued once per platform through the admin's API."""
    if id(platform) not in _STAFF:
        url = f"{platform.urls['agency-gateway']}/v1/admin/staff"
        admin = {"Authorization": f"Bearer {platform.creds['admin']}"}
        issued = {}
        for role, agency, kind in [
            ("officer", "DINSOS", "officer"),
            ("viewer", "DINSOS", "viewer"),
            ("supervisor", "DINSOS", "supervisor"),
            ("other_officer", "DINKES", "officer"),
            ("revoked", "DINSOS", "officer"),
        ]:
            answer = httpx.post(
                url,
                json={"agency_code": agency, "name": f"Uji {role}", "role": kind},
                headers=admin,
            )
            assert answer.status_code == 201, answer.text
            issued[role] = answer.json()
        gone = httpx.delete(f"{url}/{issued['revoked']['id']}", headers=admin)
        assert gone.status_code == 200, gone.text
        _STAFF[id(platform)] = {role: a["token"] for role, a in issued.items()}
    return _STAFF[id(platform)]


_REFERRAL_STAFF: dict[int, dict[str, str]] = {}


def referral_staff_tokens(platform: Any) -> dict[str, str]:
    """Referral's personal accounts, issued once per platform through the admin's API."""
    if id(platform) not in _REFERRAL_STAFF:
        url = f"{platform.urls['referral']}/v1/admin/staff"
        admin = {"Authorization": f"Bearer {platform.creds['admin']}"}
        issued = {}
        for role, kind, area in [
            ("secretariat", "secretariat", "32.15"),
            ("kecamatan", "kecamatan", VILLAGE_A.rsplit(".", 1)[0]),
            ("other_kecamatan", "kecamatan", "32.15.05"),
        ]:
            answer = httpx.post(
                url, json={"kind": kind, "area_code": area, "name": f"Uji {role}"}, headers=admin
            )
            assert answer.status_code == 201, answer.text
            issued[role] = answer.json()["token"]
        _REFERRAL_STAFF[id(platform)] = issued
    return _REFERRAL_STAFF[id(platform)]


@pytest.fixture(scope="module")
def world(platform) -> World:  # type: ignore[no-untyped-def]
    accepted = platform.register({**complaint_body(VILLAGE_A), "need_details": NEED_DETAILS})

    def referral() -> str | None:
        response = httpx.get(
            f"{platform.urls['agency-gateway']}/v1/referrals",
            headers=platform.agency("DINSOS"),
            params={"limit": 200},
        )
        found = [
            r for r in response.json()["items"] if r["complaint_id"] == accepted["complaint_id"]
        ]
        return found[0]["referral_id"] if found else None

    return World(accepted["complaint_id"], accepted["ticket"], _eventually(referral, timeout=60))


def test_every_endpoint_of_every_service_has_a_row(platform) -> None:  # type: ignore[no-untyped-def]
    covered = {(r.service, r.method, r.template) for r in ROWS} | STREAMING
    for service, url in platform.urls.items():
        spec = httpx.get(f"{url}/openapi.json").json()
        for path, operations in spec["paths"].items():
            if path in DEFAULTS:
                continue
            for method in operations:
                assert (service, method.upper(), path) in covered, (service, method, path)


def outcome(status: int) -> Any:
    if status in (401, 403):
        return status
    if status == 404:
        return HIDDEN
    assert status < 500, status
    return OK


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.service} {r.method} {r.template}" for r in ROWS])
def test_each_role_gets_what_the_matrix_says(platform, world: World, row: Row) -> None:  # type: ignore[no-untyped-def]
    got = {}
    for role, token in tokens(platform).items():
        url = platform.urls[row.service] + row.path(world)
        headers = {"Idempotency-Key": str(uuid.uuid4())}
        if token and row.form is None and row.query is None:
            headers["Authorization"] = f"Bearer {token}"
        response = httpx.request(
            row.method,
            url,
            headers=headers,
            params=row.query(token) if row.query else None,
            json=row.body(world) if row.body else None,
            data=row.form(world, token) if row.form else None,
            timeout=15,
        )
        got[role] = outcome(response.status_code)
    assert got == row.expect


def test_a_needs_detail_reaches_only_who_may_read_the_complaint_and_its_agency(  # type: ignore[no-untyped-def]
    platform, world: World
) -> None:
    reads = [
        ("intake", f"/v1/complaints/{world.complaint_id}"),
        ("intake", "/v1/complaints"),
        ("intake", f"/v1/track/{world.ticket}"),
        ("agency-gateway", f"/v1/referrals/{world.referral_id}"),
        ("agency-gateway", "/v1/referrals?limit=200"),
        ("referral", f"/v1/cases/{world.complaint_id}"),
        ("referral", f"/v1/referrals/{world.referral_id}"),
    ]

    def seen_by(token: str | None) -> set[str]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return {
            f"{service} {path}"
            for service, path in reads
            if NEED_DETAIL
            in httpx.get(platform.urls[service] + path, headers=headers, timeout=15).text
        }

    agency = platform.creds["agencies"]["DINSOS"]
    # The agency's copy of the resident's data may still be on its way: wait for it first.
    _eventually(lambda: len(seen_by(agency)) == 2, timeout=60)
    got = {role: seen_by(token) for role, token in tokens(platform).items()}
    at_intake = {f"intake /v1/complaints/{world.complaint_id}"}
    at_its_agency = {
        f"agency-gateway /v1/referrals/{world.referral_id}",
        "agency-gateway /v1/referrals?limit=200",
    }
    assert got == {
        **{role: set() for role in ROLES},
        "operator": at_intake,
        "district": at_intake,
        "agency": at_its_agency,
        # DINSOS's people read their agency's referral as its system key does.
        **dict.fromkeys(("officer", "viewer", "supervisor"), at_its_agency),
    }


@pytest.mark.parametrize("role", ["other_operator", "district"])
def test_a_batch_for_another_village_creates_nothing(platform, role: str) -> None:  # type: ignore[no-untyped-def]
    client_id = str(uuid.uuid4())
    response = httpx.post(
        f"{platform.urls['intake']}/v1/complaints/batch",
        json={"complaints": [{**complaint_body(VILLAGE_A), "client_id": client_id}]},
        headers={
            "Authorization": f"Bearer {tokens(platform)[role]}",
            "Idempotency-Key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 200, response.text
    (item,) = response.json()["results"]
    assert item["result"] == "rejected" and item["complaint_id"] is None, item


GUARDED_BODIES = [r for r in ROWS if r.body is not None and r.expect["anonymous"] == 401]


@pytest.mark.parametrize(
    "row", GUARDED_BODIES, ids=[f"{r.service} {r.method} {r.template}" for r in GUARDED_BODIES]
)
def test_a_body_that_is_not_json_is_refused_for_the_caller_first(  # type: ignore[no-untyped-def]
    platform, world: World, row: Row
) -> None:
    # A stranger learns nothing about the endpoint, not even how it parses: 401 before the body.
    url = platform.urls[row.service] + row.path(world)
    for role in ("anonymous", "unknown"):
        token = tokens(platform)[role]
        headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = httpx.request(row.method, url, headers=headers, content=b"{not json", timeout=15)
        assert response.status_code == 401, (role, response.text)
    # Past authentication, the body is what is wrong, whether or not the object is there.
    allowed = next(role for role, expected in row.expect.items() if expected in (OK, HIDDEN))
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": str(uuid.uuid4()),
        "Authorization": f"Bearer {tokens(platform)[allowed]}",
    }
    response = httpx.request(row.method, url, headers=headers, content=b"{not json", timeout=15)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "malformed_json"

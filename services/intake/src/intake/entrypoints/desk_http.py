"""The Puskesos desk app: its files at /app/, and the reads it needs beside the complaints' API.

The app's files are read once from the package and served with their content type, an ETag and
a Content-Security-Policy allowing nothing from another origin.
"""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import segno
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from intake.domain import data_proposals, desk, tickets
from intake.domain.access import Caller
from intake.domain.complaints import CHANNELS, MAX_DESCRIPTION
from intake.domain.errors import message, texts
from intake.domain.nik import PROVINCES
from intake.domain.rate_limit import RateLimit
from intake.entrypoints import auth, errors
from intake.entrypoints.schemas import ComplaintIn, to_domain
from intake.service_layer.desk import CheckComplaint, check_complaint, reference
from intake.service_layer.registration import WrongVillageError
from intake.service_layer.unit_of_work import UnitOfWorkFactory
from slrt_shared.contracts import reasons
from slrt_shared.http import request_language

APP_DIR = Path(__file__).resolve().parent / "desk_app"
SECURITY_HEADERS = {
    "Content-Security-Policy": desk.CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _files() -> dict[str, tuple[bytes, str, str]]:
    """Each file of the app by name: its bytes, content type and ETag.

    The service worker carries the version of all the files, so that any change to one is a
    new worker the browser installs beside the running one (and the app offers to switch).
    """
    bodies = {
        path.name: path.read_bytes()
        for path in sorted(APP_DIR.iterdir())
        if path.is_file() and desk.content_type(path.name) is not None
    }
    version = hashlib.sha256(b"".join(bodies[name] for name in sorted(bodies))).hexdigest()[:16]
    bodies["sw.js"] = bodies["sw.js"].replace(b"__APP_VERSION__", version.encode())
    return {
        name: (body, desk.content_type(name) or "", _etag(body)) for name, body in bodies.items()
    }


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def tracking_url(base_url: str, ticket: str) -> str:
    """Where anyone follows a complaint by its ticket."""
    return f"{base_url.rstrip('/')}/v1/track/{ticket}"


def qr_svg(text: str) -> bytes:
    """A QR code of `text` as SVG (error correction M), drawn here: nothing from outside."""
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(
        out, kind="svg", scale=4, border=4, title=text, svgclass="qr", lineclass=None
    )
    return out.getvalue()


def router(uow: UnitOfWorkFactory, limit: RateLimit) -> APIRouter:
    """Build the app's routes: its files, its reference data, the check and the QR code."""
    api = APIRouter()
    files = _files()
    signed_in_caller = Depends(auth.signed_in(uow, limit))

    @api.get("/app", include_in_schema=False)
    async def app_root() -> Response:
        return RedirectResponse("/app/", status_code=308)

    @api.get("/app/", include_in_schema=False)
    async def app_index(request: Request) -> Response:
        return _file("index.html", request)

    @api.get("/app/{name}", include_in_schema=False)
    async def app_file(name: str, request: Request) -> Response:
        return _file(name, request)

    def _file(name: str, request: Request) -> Response:
        if name not in files:
            raise errors.api_error(404, "not_found", text="page_not_found")
        body, kind, etag = files[name]
        headers = {**SECURITY_HEADERS, "ETag": etag, "Cache-Control": desk.cache_control(name)}
        if name == "sw.js":
            headers["Service-Worker-Allowed"] = "/app/"
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers=headers)
        return Response(body, media_type=kind, headers=headers)

    @api.get(
        "/v1/desk/reference",
        tags=["desk app"],
        summary="What the desk app keeps on the device: the caller, services, villages, rules.",
        description="The catalogue's services with their Bahasa and English names, the "
        "villages of the caller's regency, the kecamatan and regencies a NIK is checked "
        "against, the channels, and the texts of every code a complaint is refused with, so "
        "the form checks offline as intake does; the DTSEN data proposal form's kinds and removal "
        "reasons. No personal data.",
    )
    async def desk_reference(caller: Caller = signed_in_caller) -> dict[str, Any]:
        found = await reference(caller, uow())
        names = {v["code"]: v["name"] for v in found.villages}
        return {
            "caller": {
                "kind": caller.kind,
                "village_code": caller.village_code,
                "village_name": names.get(caller.village_code or ""),
                "regency_code": caller.regency_code,
            },
            "services": found.services,
            "villages": found.villages,
            "kecamatan": found.kecamatan,
            "regencies": found.regencies,
            "provinces": sorted(PROVINCES),
            "channels": list(desk.DESK_CHANNELS),
            "all_channels": sorted(CHANNELS),
            "max_description": MAX_DESCRIPTION,
            "messages": {
                code: dict(zip(("id", "en"), texts(code), strict=True))
                for code in (*desk.COMPLAINT_CODES, *data_proposals.REFUSAL_CODES)
            },
            # The DTSEN data proposal form's choices.
            "proposal_kinds": [
                {"code": c, "label_id": i, "label_en": e}
                for c, (i, e) in data_proposals.KIND_LABELS.items()
            ],
            "removal_reasons": [
                {"code": c, "label_id": i, "label_en": e}
                for c, (i, e) in reasons.DTSEN_REMOVAL_CODES.items()
            ],
        }

    @api.post(
        "/v1/desk/check",
        tags=["desk app"],
        summary="Check a complaint as registration would, before saving it; nothing is saved.",
        description="Every problem registration would refuse the complaint for (field, code, "
        "message), what its NIK says (kecamatan, birth date, sex) and the open complaints of "
        "the same resident with a same need that the caller may read (each such read logged).",
    )
    async def desk_check(
        body: ComplaintIn, request: Request, caller: Caller = signed_in_caller
    ) -> dict[str, Any]:
        language = request_language(request)
        try:
            checked = await check_complaint(
                CheckComplaint(caller, to_domain(body), datetime.now(UTC)), uow()
            )
        except WrongVillageError as exc:
            raise errors.WRONG_VILLAGE from exc
        reading = checked.nik
        return {
            "problems": [
                {"field": p.field, "code": p.code, "message": message(p.code, language)}
                for p in checked.problems
            ],
            "nik": None
            if reading is None
            else {
                "kecamatan_code": reading.kecamatan_code,
                "birth_date": reading.birth_date.isoformat(),
                "female": reading.female,
            },
            "possible_duplicates": [
                {
                    "complaint_id": str(d["id"]),
                    "ticket": d["ticket"],
                    "needs": d["needs"],
                    "received_at": d["received_at"].isoformat(),
                }
                for d in checked.duplicates
            ],
        }

    @api.get(
        "/v1/track/{ticket}/qr.svg",
        tags=["tracking"],
        summary="A QR code (SVG) of the ticket's tracking link, for the resident's receipt.",
        response_class=Response,
        responses={200: {"content": {"image/svg+xml": {}}}},
    )
    async def tracking_qr(ticket: str, request: Request) -> Response:
        normal = tickets.normalise(ticket)
        if not tickets.is_ticket(normal):
            raise errors.api_error(422, "invalid_ticket")
        body = qr_svg(tracking_url(str(request.base_url), normal))
        headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=86400"}
        return Response(body, media_type="image/svg+xml", headers=headers)

    return api

"""Open311 GeoReport v2 facade, so existing civic-reporting clients can submit and follow.

One Open311 service per SLRT catalogue service; `jurisdiction_id` is the regency code,
`api_key` an operator token (none where one is needed: 401; one that is unknown or revoked: 403,
as GeoReport v2 says), `service_request_id` the public ticket. Public answers carry no
personal data: no description, name, phone or address is ever returned. Without an `api_key`
only requests about `basic` services are listed; with one, also the others of the operator's
village or of district staff's regency.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from intake.domain.access import Caller
from intake.domain.disclosure import caller_scope
from intake.domain.rate_limit import RateLimit
from intake.domain.tracking import expected_at
from intake.entrypoints import errors
from intake.entrypoints.auth import caller_of
from intake.entrypoints.http import registered
from intake.entrypoints.schemas import ComplaintIn, to_domain
from intake.service_layer import open311 as reads
from intake.service_layer.open311 import ListedRequest, ListRequests
from intake.service_layer.registration import RegisterComplaint
from intake.service_layer.unit_of_work import UnitOfWorkFactory
from slrt_shared import clock, idempotency
from slrt_shared.http import ApiError
from slrt_shared.openapi_errors import ErrorAnswer

SPEC = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"json": "application/json", "xml": "text/xml"}
PREFIX = "/open311/v2"
# How the GeoReport paths answer errors in the OpenAPI document: the spec's list, or its XML.
ERRORS = ErrorAnswer(
    "Open311Errors",
    {
        "title": "Open311Errors",
        "type": "array",
        "items": {
            "type": "object",
            "required": ["code", "description"],
            "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
        },
    },
    {"text/xml": {"type": "string"}},
)


class Open311Error(Exception):
    """An error in the GeoReport format: [{code, description}]."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def render(data: Any, fmt: str, root: str, item: str, status_code: int = 200) -> Response:
    """Answer in JSON or in the spec's XML (a root element holding one element per item)."""
    if fmt == "json":
        return JSONResponse(data, status_code)
    tree = ElementTree.Element(root)
    for entry in data if isinstance(data, list) else [data]:
        _xml(ElementTree.SubElement(tree, item) if isinstance(data, list) else tree, entry)
    body = ElementTree.tostring(tree, encoding="unicode", xml_declaration=True)
    return Response(body, status_code, media_type="text/xml; charset=utf-8")


def _xml(parent: ElementTree.Element, value: Any) -> None:
    for key, inner in value.items():
        if isinstance(inner, list):
            holder = ElementTree.SubElement(parent, key)
            singular = key[:-1] if key.endswith("s") else key
            for element in inner:
                child = ElementTree.SubElement(holder, singular)
                if isinstance(element, dict):
                    _xml(child, element)
                else:
                    child.text = str(element)
        elif isinstance(inner, dict):
            _xml(ElementTree.SubElement(parent, key), inner)
        elif inner is not None:
            ElementTree.SubElement(parent, key).text = (
                str(inner).lower() if isinstance(inner, bool) else str(inner)
            )


def error(fmt: str, status_code: int, description: str) -> Response:
    """An Open311 error document."""
    return render(
        [{"code": status_code, "description": description}], fmt, "errors", "error", status_code
    )


def router(
    uow: UnitOfWorkFactory, limit: RateLimit, regencies: list[str], code_key: bytes = b""
) -> APIRouter:
    """Build the GeoReport v2 routes (`code_key`: the secret of the residents' codes)."""
    api = APIRouter(prefix=PREFIX, tags=["open311"])

    def fmt_of(name: str) -> str:
        fmt = name.rsplit(".", 1)[-1] if "." in name else ""
        if fmt not in FORMATS:
            raise Open311Error(404, "Unknown format: use .json or .xml.")
        return fmt

    def check_jurisdiction(request: Request, form: dict[str, str] | None = None) -> str:
        given = (form or {}).get("jurisdiction_id") or request.query_params.get("jurisdiction_id")
        if given is None and len(regencies) == 1:
            return regencies[0]
        if given not in regencies:
            raise Open311Error(404, f"jurisdiction_id must be one of {', '.join(regencies)}.")
        return given

    async def key_holder(key: str) -> Caller:
        # No key is a 401 (the request needs one); a key given that is unknown or revoked is
        # GeoReport v2's 403. A rate limit stays a 429.
        try:
            return await caller_of(f"Bearer {key}", uow, limit)
        except ApiError as exc:
            if key and exc.status == 401:
                raise errors.INVALID_API_KEY from exc
            raise

    async def reader_scope(request: Request) -> str | None:
        # Without a key only complaints about basic services are listed; a key that is given
        # must be valid, so a typo is not silently answered with less.
        key = request.query_params.get("api_key")
        if not key:
            return None
        caller = await key_holder(key)
        return caller_scope(caller.kind, caller.village_code, caller.regency_code)

    async def guarded(fmt_name: str, produce: Callable[[str], Awaitable[Response]]) -> Response:
        fmt = "json" if not fmt_name.endswith(".xml") else "xml"
        try:
            fmt = fmt_of(fmt_name)
            return await produce(fmt)
        except Open311Error as exc:
            return error(fmt, exc.status, exc.description)
        except ApiError as exc:
            details = "; ".join(f"{d['field']}: {d['message']}" for d in exc.details or [])
            answer = error(fmt, exc.status, f"{exc.message} {details}".strip())
            answer.headers.update(exc.headers)
            return answer

    @api.get("/{name}", summary="discovery, services list (discovery.json, services.json)")
    async def top_level(name: str, request: Request) -> Response:
        base = name.rsplit(".", 1)[0]

        async def produce(fmt: str) -> Response:
            if base == "discovery":
                return render(_discovery(str(request.base_url)), fmt, "discovery", "discovery")
            if base == "services":
                check_jurisdiction(request)
                found = await reads.services(uow())
                return render([_service(s) for s in found], fmt, "services", "service")
            if base == "requests":
                jurisdiction = check_jurisdiction(request)
                scope = await reader_scope(request)
                search = _search(jurisdiction, request.query_params, scope)
                found = [_request(r) for r in await reads.list_requests(search, uow())]
                return render(found, fmt, "service_requests", "request")
            raise Open311Error(404, "Not found.")

        return await guarded(name, produce)

    @api.get("/services/{name}", summary="A service definition with its attributes")
    async def service_definition(name: str, request: Request) -> Response:
        async def produce(fmt: str) -> Response:
            jurisdiction = check_jurisdiction(request)
            code = name.rsplit(".", 1)[0]
            offered = await reads.catalogue(jurisdiction, uow())
            if code not in offered.services:
                raise Open311Error(404, f"No service {code}.")
            return render(
                _definition(code, offered.villages), fmt, "service_definition", "service_definition"
            )

        return await guarded(name, produce)

    @api.get("/requests/{name}", summary="One service request by its id (the ticket)")
    async def one_request(name: str, request: Request) -> Response:
        async def produce(fmt: str) -> Response:
            jurisdiction = check_jurisdiction(request)
            ticket = name.rsplit(".", 1)[0]
            scope = await reader_scope(request)
            search = _search(jurisdiction, {"service_request_id": ticket}, scope)
            found = [_request(r) for r in await reads.list_requests(search, uow())]
            if not found:
                raise Open311Error(404, "No such service request.")
            return render(found, fmt, "service_requests", "request")

        return await guarded(name, produce)

    @api.post("/{name}", summary="Create a service request (requests.json), form-encoded")
    async def create(name: str, request: Request) -> Response:
        async def produce(fmt: str) -> Response:
            if name.rsplit(".", 1)[0] != "requests":
                raise Open311Error(404, "Not found.")
            form = dict(
                parse_qsl((await request.body()).decode(errors="replace"), keep_blank_values=True)
            )
            check_jurisdiction(request, form)
            caller = await key_holder(form.get("api_key", ""))
            body = _complaint(form)
            # Open311 has no idempotency key: an identical form is a resend of the same request.
            # The form's text is hashed as it always was, so a form sent before still matches.
            digest = idempotency.digest(
                repr(sorted((k, v) for k, v in form.items() if k != "api_key"))
            )
            command = RegisterComplaint(
                caller, to_domain(body), digest, clock.now(), "open311", digest, code_key
            )
            done = await registered(command, uow, "en")
            row = done.row
            answer = [
                {
                    "service_request_id": row["ticket"],
                    "service_notice": "Track it at /v1/track/" + row["ticket"],
                    "account_id": None,
                    # Only to the form that created the request: a resend is answered without.
                    "resident_code": done.resident_code,
                }
            ]
            return render(answer, fmt, "service_requests", "request", 201)

        return await guarded(name, produce)

    return api


def _complaint(form: dict[str, str]) -> ComplaintIn:
    name = " ".join(p for p in (form.get("first_name"), form.get("last_name")) if p).strip()
    try:
        return ComplaintIn.model_validate(
            {
                "village_code": form.get("attribute[VILLAGE]", ""),
                "needs": [form.get("service_code", "")],
                "description": form.get("description", ""),
                "channel": "open311",
                "recorded_at": clock.now(),
                "resident": {
                    "nik": form.get("attribute[NIK]", ""),
                    "name": name,
                    "phone": form.get("phone") or None,
                    "address": form.get("address_string") or None,
                },
                # Open311 names one service: its detail is that need's (the key is checked as
                # the JSON API's is, so an empty one is refused the same way).
                **(
                    {"need_details": {form.get("service_code", ""): form["attribute[DETAIL]"]}}
                    if "attribute[DETAIL]" in form
                    else {}
                ),
            }
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise Open311Error(400, problems) from exc


def _discovery(base_url: str) -> dict[str, Any]:
    changed = "2025-06-26T00:00:00Z"
    return {
        "changeset": changed,
        "contact": "Sekretariat SLRT Kabupaten",
        "key_service": "api_key is the Puskesos operator's or district staff's token, issued by the"
        " district admin; without it, only requests about basic services are listed.",
        "endpoints": [
            {
                "specification": SPEC,
                "url": base_url.rstrip("/") + "/open311/v2",
                "changeset": changed,
                "type": "production",
                "formats": list(FORMATS.values()),
            }
        ],
    }


def _service(row: Any) -> dict[str, Any]:
    return {
        "service_code": row["code"],
        "service_name": row["name_id"],
        "description": row["name_en"],
        "metadata": True,
        "type": "realtime",
        "keywords": row["code"].lower(),
        "group": "SLRT",
    }


def _definition(code: str, villages: list[Any]) -> dict[str, Any]:
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": "NIK",
                "datatype": "string",
                "required": True,
                "datatype_description": "16 digits of the resident's NIK.",
                "order": 1,
                "description": "NIK (Nomor Induk Kependudukan)",
                "values": [],
            },
            {
                "variable": True,
                "code": "VILLAGE",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": "Kemendagri village code.",
                "order": 2,
                "description": "Desa/kelurahan of the Puskesos",
                "values": [{"key": v["code"], "name": v["name"]} for v in villages],
            },
            {
                "variable": True,
                "code": "DETAIL",
                "datatype": "text",
                "required": False,
                "datatype_description": "At most 500 characters; shown to the agency of this "
                "service only, with the resident's data.",
                "order": 3,
                "description": "Rincian kebutuhan (what the agency must know to act)",
                "values": [],
            },
        ],
    }


def _search(regency: str, params: Any, scope: str | None) -> ListRequests:
    """The search an Open311 query string asks for; Open311Error when it cannot be read."""
    ids = [t for t in (params.get("service_request_id") or "").split(",") if t]
    wanted_status = params.get("status")
    if wanted_status not in (None, "", "open", "closed"):
        raise Open311Error(400, "status must be open or closed.")
    try:
        start = _date(params.get("start_date"))
        end = _date(params.get("end_date"))
    except ValueError as exc:
        raise Open311Error(400, "start_date and end_date must be W3C datetimes.") from exc
    if not ids and start is None:
        start = clock.now() - timedelta(days=90)
    return ListRequests(
        regency,
        ids,
        params.get("service_code") or None,
        start,
        end,
        wanted_status or None,
        scope,
    )


def _request(found: ListedRequest) -> dict[str, Any]:
    row, timeline = found.row, found.timeline
    referred = [e for e in timeline if e.kind == "referred"]
    due = expected_at(timeline)
    return {
        "service_request_id": row["ticket"],
        "status": found.state,
        "status_notes": timeline[-1].kind if timeline else "received",
        "service_name": row["service_name"],
        "service_code": row["needs"][0],
        "agency_responsible": referred[-1].agency_code if referred else None,
        "service_notice": None,
        "requested_datetime": _w3c(row["received_at"]),
        "updated_datetime": _w3c(timeline[-1].at if timeline else row["received_at"]),
        "expected_datetime": _w3c(due) if due else None,
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _w3c(moment: datetime | date) -> str:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(), tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

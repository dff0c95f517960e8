"""The secretariat's console: a web page served by referral itself.

Only static files and the catalogue (reason codes, outcomes, services, agencies): everything
the console shows it asks of referral's own API with the person's token (kept in the tab's
sessionStorage, sent as a bearer header: no cookie, so no request forged from another site
carries it). Nothing is loaded from outside: the Content-Security-Policy allows this origin
only, and no inline script.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter
from fastapi.responses import Response

from referral.adapters.repository import UnitOfWorkFactory
from referral.domain import errors
from referral.entrypoints.errors import answer
from referral.service_layer.casework import ReadCatalogue, read_catalogue
from slrt_shared.contracts.reasons import EXTENSION_CODES, REROUTE_CODES
from slrt_shared.contracts.referral_states import OUTCOMES

ASSETS: Final = Path(__file__).resolve().parent / "console"
_TYPES: Final = {
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
}
HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
        " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def catalogue(stored: dict[str, Any]) -> str:
    """The reasons with their labels in both languages, the outcomes, and the services and
    agencies a need may be sent to, as JSON."""
    return json.dumps(
        {
            "extensions": {c: {"id": i, "en": e} for c, (i, e) in EXTENSION_CODES.items()},
            "reroutes": {c: {"id": i, "en": e} for c, (i, e) in REROUTE_CODES.items()},
            "outcomes": sorted(OUTCOMES),
            "services": stored["services"],
            "agencies": {
                a["code"]: {"id": a["name_id"], "en": a["name_en"]} for a in stored["agencies"]
            },
        },
        ensure_ascii=False,
    )


def router(uow: UnitOfWorkFactory) -> APIRouter:
    """Build the console's routes: its page, its script and style, its catalogue."""
    api = APIRouter(tags=["secretariat console"])

    @api.get(
        "/console/",
        response_class=Response,
        summary="The secretariat's console (Bahasa Indonesia, English switch); sign in with a"
        " personal token.",
        responses={200: {"content": {"text/html": {}}}},
    )
    async def page() -> Response:
        html = (ASSETS / "index.html").read_text(encoding="utf-8")
        return Response(html, media_type="text/html; charset=utf-8", headers=HEADERS)

    @api.get(
        "/console/{asset}",
        response_class=Response,
        summary="The console's script, style and catalogue (reasons, outcomes, services,"
        " agencies).",
        responses={
            200: {"content": {"text/javascript": {}, "text/css": {}, "application/json": {}}},
            404: {"description": "No such file."},
        },
    )
    async def asset(asset: str) -> Response:
        if asset == "catalogue.json":
            async with uow() as tx:
                stored = await read_catalogue(ReadCatalogue(), tx)
            return Response(catalogue(stored), media_type="application/json", headers=HEADERS)
        if asset not in _TYPES:
            raise answer(errors.NO_PAGE)
        body = (ASSETS / asset).read_text(encoding="utf-8")
        return Response(body, media_type=_TYPES[asset], headers=HEADERS)

    return api

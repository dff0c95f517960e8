"""The agency desk: a web app for agency staff, served by the gateway itself.

Only static files and the reason catalogue: everything the desk shows it asks of the gateway's
own API with the person's staff token (kept in the tab's sessionStorage and sent as a bearer
header: no cookie, so no request forged from another site carries it). Nothing is loaded from
outside: the Content-Security-Policy allows this origin only, and no inline script.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

from fastapi import APIRouter
from fastapi.responses import Response

from gateway.entrypoints.errors import api_error
from slrt_shared.contracts.reasons import REASON_CODES, REROUTE_CODES

ASSETS: Final = Path(__file__).resolve().parent / "desk"
_TYPES: Final = {
    "desk.js": "text/javascript; charset=utf-8",
    "desk.css": "text/css; charset=utf-8",
}
OUTCOMES: Final = {
    "resolved": ("Selesai", "Resolved"),
    "partially_resolved": ("Selesai sebagian", "Partly resolved"),
    "unresolvable": ("Tidak dapat diselesaikan", "Cannot be resolved"),
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


def catalogue() -> str:
    """The reason codes (a rejection's, a withdrawal's) and outcomes with their labels in both
    languages, as JSON."""
    return json.dumps(
        {
            "reasons": {c: {"id": i, "en": e} for c, (i, e) in REASON_CODES.items()},
            "outcomes": {c: {"id": i, "en": e} for c, (i, e) in OUTCOMES.items()},
            "reroutes": {c: {"id": i, "en": e} for c, (i, e) in REROUTE_CODES.items()},
        },
        ensure_ascii=False,
    )


def router() -> APIRouter:
    """Build the desk's routes: its page, its script and style, its catalogue."""
    api = APIRouter(tags=["agency desk"])

    @api.get(
        "/desk/",
        response_class=Response,
        summary="The agency desk (Bahasa Indonesia, English switch); sign in with a staff token.",
        responses={200: {"content": {"text/html": {}}}},
    )
    async def page() -> Response:
        html = (ASSETS / "index.html").read_text(encoding="utf-8")
        return Response(html, media_type="text/html; charset=utf-8", headers=HEADERS)

    @api.get(
        "/desk/{asset}",
        response_class=Response,
        summary="The desk's script, style and catalogue of reason codes and outcomes.",
        responses={
            200: {
                "content": {
                    "text/javascript": {},
                    "text/css": {},
                    "application/json": {},
                }
            }
        },
    )
    async def asset(asset: str) -> Response:
        if asset == "catalogue.json":
            return Response(catalogue(), media_type="application/json", headers=HEADERS)
        if asset not in _TYPES:
            raise api_error("not_found_page")
        body = (ASSETS / asset).read_text(encoding="utf-8")
        return Response(body, media_type=_TYPES[asset], headers=HEADERS)

    return api

"""NUL characters are found however they are written; bodies are bounded whatever the headers."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from slrt_shared.http import add_service_defaults
from slrt_shared.request_guard import RequestGuard, has_nul


@pytest.mark.parametrize(
    ("path", "query", "body"),
    [
        ("/v1/track/a\x00b", b"", b""),
        ("/v1/rankings", b"regency=32.15%00", b""),
        ("/v1/complaints", b"", b'{"description": "a\\u0000b"}'),
        ("/v1/complaints", b"", b'{"description": "a\\U0000b"}'.replace(b"U", b"u")),
        ("/open311/v2/requests.json", b"", b"description=a%00b"),
        ("/v1/complaints", b"", b"raw \x00 byte"),
    ],
)
def test_a_nul_is_found_in_the_path_the_query_or_the_body(
    path: str, query: bytes, body: bytes
) -> None:
    assert has_nul(path, query, body)


def test_ordinary_text_has_no_nul() -> None:
    assert not has_nul("/v1/track/SLRT-K7M2-9QXA", b"period=2025-06", b'{"note": "100% done"}')


def app_with_limit(limit: int) -> TestClient:
    app = FastAPI()
    add_service_defaults(app, {}, "id", max_body_bytes=limit)

    @app.post("/echo")
    async def echo(body: dict[str, str]) -> dict[str, str]:
        return body

    return TestClient(app)


def test_a_body_over_the_limit_is_refused_even_when_sent_in_chunks() -> None:
    client = app_with_limit(64)

    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"a": "'
        yield b"x" * 100
        yield b'"}'

    response = client.post("/echo", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_body_within_the_limit_reaches_the_route_intact() -> None:
    response = app_with_limit(64).post("/echo", json={"a": "b"})
    assert response.status_code == 200 and response.json() == {"a": "b"}


def test_a_nul_is_refused_with_a_coded_error_in_the_callers_language() -> None:
    response = app_with_limit(1024).post(
        "/echo", json={"a": "x\x00y"}, headers={"accept-language": "en"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_characters",
        "message": "The request contains a NUL character, which is not allowed.",
    }


def requests_counted(method: str, route: str, status: str) -> float:
    value = REGISTRY.get_sample_value(
        "slrt_http_requests_total", {"method": method, "route": route, "status": status}
    )
    return value or 0.0


def latencies_counted(method: str, route: str) -> float:
    value = REGISTRY.get_sample_value(
        "slrt_http_request_seconds_count", {"method": method, "route": route}
    )
    return value or 0.0


def metered_app() -> TestClient:
    app = FastAPI()
    add_service_defaults(app, {}, "id", max_body_bytes=64)

    @app.post("/v1/metered/{item}")
    async def metered(item: str, body: dict[str, str]) -> dict[str, str]:
        return {"item": item, **body}

    @app.get("/v1/metered-broken")
    async def broken() -> None:
        raise RuntimeError("a bug")

    return TestClient(app, raise_server_exceptions=False)


def test_one_pure_asgi_layer_guards_and_measures_every_request() -> None:
    app = FastAPI()
    add_service_defaults(app, {}, "id")
    assert [m.cls for m in app.user_middleware] == [RequestGuard]


def test_requests_are_counted_by_route_template_and_status_guard_refusals_included() -> None:
    client = metered_app()
    route = "/v1/metered/{item}"
    before = {
        "ok": requests_counted("POST", route, "200"),
        "invalid": requests_counted("POST", route, "422"),
        "too_large": requests_counted("POST", "unmatched", "413"),
        "nul": requests_counted("POST", "unmatched", "400"),
        "missing": requests_counted("GET", "unmatched", "404"),
        "broken": requests_counted("GET", "/v1/metered-broken", "500"),
        "timed": latencies_counted("POST", route),
    }
    assert client.post("/v1/metered/a", json={"b": "c"}).status_code == 200
    assert client.post("/v1/metered/a", json={"b": 1}).status_code == 422
    assert client.post("/v1/metered/a", json={"b": "x" * 100}).status_code == 413
    assert client.post("/v1/metered/a", json={"b": "x\x00"}).status_code == 400
    assert client.get("/v1/nowhere").status_code == 404
    assert client.get("/v1/metered-broken").status_code == 500
    assert requests_counted("POST", route, "200") == before["ok"] + 1
    assert requests_counted("POST", route, "422") == before["invalid"] + 1
    # refused before any route matched them
    assert requests_counted("POST", "unmatched", "413") == before["too_large"] + 1
    assert requests_counted("POST", "unmatched", "400") == before["nul"] + 1
    assert requests_counted("GET", "unmatched", "404") == before["missing"] + 1
    assert requests_counted("GET", "/v1/metered-broken", "500") == before["broken"] + 1
    assert latencies_counted("POST", route) == before["timed"] + 2

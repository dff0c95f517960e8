from typing import Any

from slrt_shared.openapi_errors import ErrorAnswer, with_errors

LISTED = ErrorAnswer("ListedErrors", {"type": "array"}, {"text/xml": {"type": "string"}})


def _document() -> dict[str, Any]:
    return {
        "paths": {
            "/v1/things": {"post": {"responses": {"200": {"description": "ok"}}}},
            "/legacy/v2/things": {"get": {"responses": {"200": {"description": "ok"}}}},
            "/healthz": {"get": {"responses": {"200": {"description": "ok"}}}},
        }
    }


def test_paths_under_a_prefix_document_their_own_error_body_and_the_rest_the_shared_one() -> None:
    document = with_errors(_document(), {"/legacy/": LISTED})
    assert set(document["components"]["schemas"]) == {"ErrorBody", "ListedErrors"}
    legacy = document["paths"]["/legacy/v2/things"]["get"]["responses"]["401"]["content"]
    assert legacy["application/json"]["schema"] == {"$ref": "#/components/schemas/ListedErrors"}
    assert legacy["text/xml"] == {"schema": {"type": "string"}}
    shared = document["paths"]["/v1/things"]["post"]["responses"]["413"]["content"]
    assert shared == {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    assert set(document["paths"]["/healthz"]["get"]["responses"]) == {"200"}


def test_a_service_without_other_error_bodies_documents_only_the_shared_one() -> None:
    document = with_errors(_document())
    assert set(document["components"]["schemas"]) == {"ErrorBody"}
    legacy = document["paths"]["/legacy/v2/things"]["get"]["responses"]["404"]["content"]
    assert legacy["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}

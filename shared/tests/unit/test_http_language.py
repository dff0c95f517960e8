import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from slrt_shared.http import ApiError, add_service_defaults, preferred_language


@pytest.mark.parametrize(
    ("header", "default", "expected"),
    [
        (None, "id", "id"),
        (None, "en", "en"),
        ("en-US,en;q=0.9", "id", "en"),
        ("id-ID,id;q=0.9,en;q=0.8", "en", "id"),
        ("in", "en", "id"),
        ("fr-FR,fr;q=0.9", "id", "id"),
        ("fr,en;q=0.5,id;q=0.7", "en", "id"),
        ("en;q=oops", "id", "id"),
    ],
)
def test_the_answer_language_follows_accept_language(
    header: str | None, default: str, expected: str
) -> None:
    assert preferred_language(header, default) == expected


def test_an_error_without_an_indonesian_message_falls_back_to_english() -> None:
    bilingual = ApiError(404, "not_found", "No such complaint.", message_id="Tidak ditemukan.")
    english_only = ApiError(404, "not_found", "No such referral.")
    assert bilingual.text("id") == "Tidak ditemukan." and bilingual.text("en").startswith("No")
    assert english_only.text("id") == "No such referral."


def test_a_service_answers_in_bahasa_indonesia_unless_asked_otherwise() -> None:
    app = FastAPI()
    add_service_defaults(app, {})

    @app.get("/x")
    async def refuse() -> None:
        raise ApiError(404, "not_found", "No such referral.", message_id="Rujukan tidak ada.")

    client = TestClient(app)
    assert client.get("/x").json()["error"]["message"] == "Rujukan tidak ada."
    english = client.get("/x", headers={"Accept-Language": "en"})
    assert english.json()["error"]["message"] == "No such referral."

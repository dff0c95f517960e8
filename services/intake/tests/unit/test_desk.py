"""The desk app's domain: a NIK read back, the files it serves and how, its QR code and version."""

from datetime import date

import pytest

from intake.domain import desk
from intake.domain.errors import MESSAGES
from intake.entrypoints import desk_http

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("nik", "kecamatan", "born", "female"),
    [
        ("3215024107800001", "32.15.02", date(1980, 7, 1), True),
        ("3215021203850004", "32.15.02", date(1985, 3, 12), False),
        ("3215024101100002", "32.15.02", date(2010, 1, 1), True),  # 2010, not 1910
        ("3215021212300003", "32.15.02", date(1930, 12, 12), False),  # 2030 is not yet
    ],
)
def test_a_nik_says_where_and_when_its_holder_was_born(
    nik: str, kecamatan: str, born: date, female: bool
) -> None:
    assert desk.read_nik(nik, TODAY) == desk.NikReading(kecamatan, born, female)


@pytest.mark.parametrize("nik", ["3215023102800001", "321502410780000", "32150241078000١1"])
def test_a_nik_without_a_real_date_or_sixteen_digits_says_nothing(nik: str) -> None:
    assert desk.read_nik(nik, TODAY) is None


def test_every_code_the_form_shows_has_both_texts_in_the_catalogue() -> None:
    for code in desk.COMPLAINT_CODES:
        assert code in MESSAGES, code


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("index.html", "text/html; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"),
        ("manifest.webmanifest", "application/manifest+json"),
        ("icon.svg", "image/svg+xml"),
        ("desk_http.py", None),
        ("../app.py", None),
        (".hidden.js", None),
        ("sub/app.js", None),
    ],
)
def test_only_the_apps_own_kinds_of_file_are_served(name: str, kind: str | None) -> None:
    assert desk.content_type(name) == kind


def test_the_page_and_its_worker_are_always_asked_for_again() -> None:
    assert desk.cache_control("sw.js") == "no-cache, must-revalidate"
    assert desk.cache_control("index.html") == "no-cache, must-revalidate"
    assert desk.cache_control("app.js") == "no-cache"


def test_the_policy_allows_nothing_from_another_origin() -> None:
    policy = desk.CONTENT_SECURITY_POLICY
    for directive in ("default-src", "script-src", "connect-src", "img-src", "style-src"):
        assert f"{directive} 'self'" in policy
    assert "http" not in policy and "*" not in policy and "unsafe" not in policy


def test_the_worker_carries_the_version_of_all_the_files() -> None:
    files = desk_http._files()
    worker = files["sw.js"][0].decode()
    assert "__APP_VERSION__" not in worker
    assert set(files) == {
        "index.html",
        "app.js",
        "app.css",
        "sw.js",
        "manifest.webmanifest",
        "icon.svg",
    }
    for body, kind, etag in files.values():
        assert kind and etag.startswith('"') and body


def test_the_qr_code_is_an_svg_of_the_tracking_link() -> None:
    link = desk_http.tracking_url("http://127.0.0.1:8001/", "SLRT-ABCD-1234")
    assert link == "http://127.0.0.1:8001/v1/track/SLRT-ABCD-1234"
    svg = desk_http.qr_svg(link).decode()
    assert svg.startswith("<?xml") and "<svg" in svg and f"<title>{link}</title>" in svg
    assert "http://www.w3.org/2000/svg" in svg  # the namespace, not a request

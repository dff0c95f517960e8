"""Every service against its own OpenAPI document, probed by schemathesis with real credentials.

No answer may be a server error, and every answer's status, content type and body must be the
ones the document declares. Each run is deterministic and bounded (examples per operation).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.security]

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CHECKS = (
    "not_a_server_error,response_schema_conformance,status_code_conformance,"
    "content_type_conformance"
)
# A village and an agency of their own, so generated requests that happen to be valid change
# nothing other tests look at.
VILLAGE, AGENCY = "32.15.06.2001", "KEMENAG"


def probe(url: str, token: str | None, workdir: Path, *extra: str) -> None:
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{url}/openapi.json",
        "--checks",
        CHECKS,
        "--max-examples",
        "15",
        "--generation-deterministic",
        "--no-shrink",
        "--request-timeout",
        "15",
        "--max-failures",
        "20",
        "--header",
        "Idempotency-Key: conformance-probe",
        *extra,
    ]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    result = subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_intake_conforms_to_its_openapi(platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    probe(platform.urls["intake"], platform.creds["operators"][VILLAGE], tmp_path)


def test_referral_conforms_to_its_openapi(platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # District staff for everything (rule changes are refused), the admin for reads only:
    # generated routing rules must not reroute the other tests' complaints.
    probe(platform.urls["referral"], platform.creds["district"]["32.15"], tmp_path)
    probe(platform.urls["referral"], platform.creds["admin"], tmp_path, "--include-method", "GET")


def test_agency_gateway_conforms_to_its_openapi(platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    probe(platform.urls["agency-gateway"], platform.creds["agencies"][AGENCY], tmp_path)


def test_monitoring_conforms_to_its_openapi(platform, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The bulletin's PDF is the bulletin page (probed here) printed by a Chromium per request:
    # forty generated prints only measure the machine. Its answers are checked by the browser
    # test (tests/e2e/test_public_page.py) and test_publication (no renderer: a coded 503).
    probe(platform.urls["monitoring"], None, tmp_path, "--exclude-path", "/buletin.pdf")

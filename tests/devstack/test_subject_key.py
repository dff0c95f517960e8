"""The local stack answers access and erasure requests: it gives intake and the gateway a key."""

from __future__ import annotations

import json
from pathlib import Path

from slrt_devstack import credentials, services

SPECS = {spec.env_prefix: spec for spec in services.SERVICES}


def test_the_demo_credentials_carry_one_subject_key_kept_across_runs(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    first = credentials.ensure(path, "32.15")
    again = credentials.ensure(path, "32.15")
    assert first["subject_hash_key"] and again == first


def test_an_older_credentials_file_keeps_its_tokens_and_gains_the_key(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    old = credentials.generate("32.15")
    del old["subject_hash_key"]
    path.write_text(json.dumps(old))
    upgraded = credentials.ensure(path, "32.15")
    assert upgraded["admin"] == old["admin"] and upgraded["subject_hash_key"]
    assert json.loads(path.read_text()) == upgraded


def test_intake_and_the_gateway_get_the_key_and_no_other_service_does() -> None:
    envs = {
        prefix: services.service_env(spec, "dsn", "kafka", "adm", subject_hash_key="shk_x")
        for prefix, spec in SPECS.items()
    }
    assert envs["INTAKE"]["INTAKE_SUBJECT_HASH_KEY"] == "shk_x"
    assert envs["GATEWAY"]["GATEWAY_SUBJECT_HASH_KEY"] == "shk_x"
    for prefix in ("REFERRAL", "MONITORING"):
        assert not any(
            "SUBJECT_HASH_KEY" in name for name in envs[prefix] if name.startswith(prefix)
        )

"""Kafka client options follow the configured protocol."""

from __future__ import annotations

import pytest

from slrt_shared.kafka_security import broker_security, client_options
from slrt_shared.settings import ServiceSettings


def settings(**values: object) -> ServiceSettings:
    return ServiceSettings(database_url="postgresql://x@localhost/x", **values)  # type: ignore[arg-type]


def test_plaintext_needs_no_options() -> None:
    assert broker_security(settings()) is None
    assert client_options(settings()) == {}


def test_scram_over_tls_carries_the_service_user_and_a_tls_context() -> None:
    options = client_options(
        settings(
            kafka_security_protocol="SASL_SSL",
            kafka_sasl_username="intake",
            kafka_sasl_password="s3cret",
        )
    )
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_username"] == "intake"
    assert options["sasl_plain_password"] == "s3cret"
    assert options["ssl_context"] is not None


def test_shared_environment_variables_configure_every_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "referral")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "pw")
    options = client_options(settings())
    assert options["security_protocol"] == "SASL_PLAINTEXT"
    assert options["ssl_context"] is None
    assert options["sasl_plain_username"] == "referral"


def test_sasl_without_a_user_is_refused() -> None:
    with pytest.raises(ValueError, match="KAFKA_SASL_USERNAME"):
        broker_security(settings(kafka_security_protocol="SASL_SSL"))

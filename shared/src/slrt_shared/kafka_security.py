"""How a service authenticates to Kafka: plaintext locally, SCRAM over TLS on Kubernetes."""

from __future__ import annotations

import ssl
from typing import Any

from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from slrt_shared.settings import ServiceSettings

_SASL = {"SCRAM-SHA-512": SASLScram512, "SCRAM-SHA-256": SASLScram256, "PLAIN": SASLPlaintext}


def broker_security(settings: ServiceSettings) -> BaseSecurity | None:
    """The faststream security object for the configured protocol, or None for plaintext."""
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    use_ssl = protocol in ("SSL", "SASL_SSL")
    context = ssl.create_default_context(cafile=settings.kafka_ssl_cafile) if use_ssl else None
    if protocol == "SSL":
        return BaseSecurity(ssl_context=context, use_ssl=True)
    if not settings.kafka_sasl_username or settings.kafka_sasl_password is None:
        raise ValueError(f"{protocol} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD")
    sasl = _SASL[settings.kafka_sasl_mechanism]
    return sasl(
        username=settings.kafka_sasl_username,
        password=settings.kafka_sasl_password.get_secret_value(),
        ssl_context=context,
        use_ssl=use_ssl,
    )


def client_options(settings: ServiceSettings) -> dict[str, Any]:
    """Keyword arguments for aiokafka clients (producer, consumer, admin) of this service."""
    return parse_security(broker_security(settings))

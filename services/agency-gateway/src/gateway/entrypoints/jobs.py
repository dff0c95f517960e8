"""The gateway's background jobs: webhook deliveries, and the pruning of what it may not keep."""

from __future__ import annotations

from gateway.adapters.retention import retention_rules
from gateway.entrypoints.webhook_worker import webhook_job
from gateway.settings import GatewaySettings
from slrt_shared.runtime import ServiceRuntime


def schedule(runtime: ServiceRuntime, settings: GatewaySettings) -> None:
    """Register the jobs that run for the life of the service."""
    runtime.add_job("webhooks", webhook_job(runtime, settings))
    for rule in retention_rules(settings):
        runtime.add_retention(rule)

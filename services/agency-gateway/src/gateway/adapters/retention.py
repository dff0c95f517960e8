"""What the gateway forgets, and when: idempotency keys, early escalations and steps, payloads.

The audit log is never pruned. A delivery's log row stays; only its payload (which carries the
resident's data) is emptied.
"""

from __future__ import annotations

from datetime import timedelta

from gateway.settings import GatewaySettings
from slrt_shared import idempotency
from slrt_shared.retention import RetentionRule


def retention_rules(settings: GatewaySettings) -> list[RetentionRule]:
    """The gateway's retention rules (the runtime adds the inbox's)."""
    return [
        # The actions' idempotency keys; the rule keeps the name of the table they had first.
        idempotency.retention_rule(
            "action_requests", timedelta(days=settings.action_request_retention_days)
        ),
        RetentionRule(
            # an escalation kept for a referral that never reached the gateway (dispatched
            # before it was deployed, or lost upstream) is no use after the inbox forgot it
            name="pending_escalations",
            sql="DELETE FROM pending_escalations WHERE referral_id IN ("
            " SELECT referral_id FROM pending_escalations WHERE received_at < $1 LIMIT $2)"
            " RETURNING 1",
            max_age=timedelta(days=settings.inbox_retention_days),
        ),
        RetentionRule(
            # the same for a step of the secretariat's case work kept for such a referral
            name="pending_casework",
            sql="DELETE FROM pending_casework WHERE event_id IN ("
            " SELECT event_id FROM pending_casework WHERE received_at < $1 LIMIT $2)"
            " RETURNING 1",
            max_age=timedelta(days=settings.inbox_retention_days),
        ),
        RetentionRule(
            name="webhook_payloads_delivered",
            sql=_purge("delivered", "delivered_at"),
            max_age=timedelta(days=settings.webhook_payload_retention_days),
        ),
        RetentionRule(
            name="webhook_payloads_parked",
            sql=_purge("parked", "parked_at"),
            max_age=timedelta(days=settings.webhook_parked_payload_retention_days),
        ),
    ]


def _purge(status: str, since: str) -> str:
    # The outer conditions are checked again on a row a resend changed meanwhile, so a
    # delivery queued again is never emptied.
    return (
        f"UPDATE webhook_deliveries SET payload = NULL, purged_at = now() WHERE id IN ("
        f" SELECT id FROM webhook_deliveries WHERE status = '{status}' AND payload IS NOT NULL"
        f" AND {since} < $1 LIMIT $2) AND status = '{status}' AND payload IS NOT NULL"
        " RETURNING 1"
    )

"""Kafka topic names of the contract, and how they are laid out on a cluster."""

from __future__ import annotations

from dataclasses import dataclass

COMPLAINT_CREATED = "complaint.created"
COMPLAINT_PII = "complaint.pii"
REFERRAL_DISPATCHED = "referral.dispatched"
REFERRAL_UPDATED = "referral.updated"
REFERRAL_ESCALATED = "referral.escalated"
CASE_RESOLVED = "case.resolved"
COMPLAINT_CLOSED = "complaint.closed"
RANKING_UPDATED = "ranking.updated"

EVENT_TOPICS: tuple[str, ...] = (
    COMPLAINT_CREATED,
    COMPLAINT_PII,
    REFERRAL_DISPATCHED,
    REFERRAL_UPDATED,
    REFERRAL_ESCALATED,
    CASE_RESOLVED,
    COMPLAINT_CLOSED,
    RANKING_UPDATED,
)

DLQ_SUFFIX = ".dlq"


def dlq(topic: str) -> str:
    """Name the dead-letter topic of a topic."""
    return f"{topic}{DLQ_SUFFIX}"


def agency_topic(agency_code: str) -> str:
    """Name an agency's own referral topic."""
    return f"agency.{agency_code}.referrals"


@dataclass(frozen=True)
class TopicSpec:
    """A topic to create: its name and partition count."""

    name: str
    partitions: int


@dataclass(frozen=True)
class TopicLayout:
    """Topic names under an optional prefix, so several districts or test runs share a cluster."""

    prefix: str = ""

    def name(self, topic: str) -> str:
        """Return the physical name of a contract topic."""
        return f"{self.prefix}{topic}"

    def dlq(self, topic: str) -> str:
        """Return the physical name of a contract topic's dead-letter topic."""
        return self.name(dlq(topic))

    def agency(self, agency_code: str) -> str:
        """Return the physical name of an agency's own topic."""
        return self.name(agency_topic(agency_code))

    def all_topics(
        self, agency_codes: list[str] | tuple[str, ...] = (), partitions: int = 6
    ) -> list[TopicSpec]:
        """List every topic a deployment needs: events, their dead letters, agency topics."""
        specs = [TopicSpec(self.name(t), partitions) for t in EVENT_TOPICS]
        specs += [TopicSpec(self.dlq(t), 1) for t in EVENT_TOPICS]
        specs += [TopicSpec(self.agency(code), partitions) for code in agency_codes]
        return specs

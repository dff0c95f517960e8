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
# The registries' own topics: not named `agency.…`, the prefix of the agencies' topics and ACLs.
DIRECTORY_AGENCIES = "directory.agencies"
ROUTING_RULES = "routing.rules"
# What the SLRT secretariat did on a case (due dates extended, ...): the case's history.
REFERRAL_CASEWORK = "referral.casework"
# What the resident (or the operator on their behalf) said after the case closed.
COMPLAINT_REOPENED = "complaint.reopened"
COMPLAINT_RATED = "complaint.rated"
# The operator completed a proposal a stage sent back to the village.
COMPLAINT_COMPLETED = "complaint.completed"
# The district's programmes (intake): PKH facilitators and targets (registries), and
# each graduation proposal's decision.
PROGRAMME_FACILITATORS = "programme.facilitators"
PROGRAMME_TARGETS = "programme.targets"
PROGRAMME_GRADUATIONS = "programme.graduations"

EVENT_TOPICS: tuple[str, ...] = (
    COMPLAINT_CREATED,
    COMPLAINT_PII,
    REFERRAL_DISPATCHED,
    REFERRAL_UPDATED,
    REFERRAL_ESCALATED,
    CASE_RESOLVED,
    COMPLAINT_CLOSED,
    RANKING_UPDATED,
    DIRECTORY_AGENCIES,
    ROUTING_RULES,
    REFERRAL_CASEWORK,
    COMPLAINT_REOPENED,
    COMPLAINT_RATED,
    COMPLAINT_COMPLETED,
    PROGRAMME_FACILITATORS,
    PROGRAMME_TARGETS,
    PROGRAMME_GRADUATIONS,
)

# Topics whose records carry a resident's personal data (besides each agency's own topic, which
# the platform writes but never consumes). A dead letter of one of them holds the coordinates of
# the record, not a copy, and is kept no longer than the record itself.
PERSONAL_DATA_TOPICS: frozenset[str] = frozenset({COMPLAINT_PII})

DLQ_SUFFIX = ".dlq"


def dlq(topic: str) -> str:
    """Name the dead-letter topic of a topic."""
    return f"{topic}{DLQ_SUFFIX}"


def agency_topic(agency_code: str) -> str:
    """Name an agency's own referral topic."""
    return f"agency.{agency_code}.referrals"


def carries_personal_data(topic: str) -> bool:
    """Tell whether a contract topic's records carry personal data."""
    return topic in PERSONAL_DATA_TOPICS


DAY_MS = 24 * 3600 * 1000


def capped(retention_ms: int, limit_ms: int) -> int:
    """The shorter of two retentions, where -1 means forever."""
    if limit_ms < 0:
        return retention_ms
    if retention_ms < 0:
        return limit_ms
    return min(retention_ms, limit_ms)


@dataclass(frozen=True)
class Retention:
    """How long each kind of topic keeps its records (`retention.ms`, -1 forever).

    The defaults are the chart's (`kafka.topics.*RetentionMs` in infra/helm/slrt/values.yaml).
    """

    events_ms: int = -1
    personal_ms: int = 30 * DAY_MS
    agency_ms: int = 30 * DAY_MS
    dead_letters_ms: int = 90 * DAY_MS
    ranking_ms: int = 7 * DAY_MS

    def of(self, topic: str) -> int:
        """The retention of a contract event topic."""
        if carries_personal_data(topic):
            return self.personal_ms
        if topic == RANKING_UPDATED:
            return self.ranking_ms
        return self.events_ms

    def of_dead_letters(self, topic: str) -> int:
        """The retention of a topic's dead letters: never longer than a personal source's."""
        if carries_personal_data(topic):
            return capped(self.dead_letters_ms, self.of(topic))
        return self.dead_letters_ms


@dataclass(frozen=True)
class TopicSpec:
    """A topic to create: its name, partition count and retention (`retention.ms`)."""

    name: str
    partitions: int
    retention_ms: int | None = None


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
        self,
        agency_codes: list[str] | tuple[str, ...] = (),
        partitions: int = 6,
        retention: Retention | None = None,
    ) -> list[TopicSpec]:
        """List every topic a deployment needs: events, their dead letters, agency topics."""
        kept = retention or Retention()
        specs = [TopicSpec(self.name(t), partitions, kept.of(t)) for t in EVENT_TOPICS]
        specs += [TopicSpec(self.dlq(t), 1, kept.of_dead_letters(t)) for t in EVENT_TOPICS]
        specs += [TopicSpec(self.agency(code), partitions, kept.agency_ms) for code in agency_codes]
        return specs

"""The gateway's one port: what its use cases need of a unit of work.

`adapters.repository.GatewayUnitOfWork` implements it on Postgres; the unit tests on a fake.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from gateway.domain.casework import Step
from gateway.domain.directory import Agency, RuleInForce
from gateway.domain.disclosure import ReferralAtHand, Resident
from gateway.domain.paging import Filters, Position
from gateway.domain.referrals import Change, Escalation, Referral
from gateway.domain.staff import Role
from gateway.domain.webhooks import Delivery, Requeue
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.idempotency import IdempotencyKey


@dataclass(frozen=True)
class SavedAnswer:
    """What an idempotency key was saved with: the request's hash and the answer."""

    request_hash: str
    response: dict[str, Any]


@dataclass(frozen=True)
class ActionGate:
    """An action's key tried: saved now (`gated`), or the answer it was saved with before.

    `found` tells whether the agency has the referral (when gated, its complaint is locked).
    `saved` is None when the key is new, or was saved by a request that committed while this
    one waited for it (then only a statement of its own sees it).
    """

    gated: bool
    found: bool
    saved: SavedAnswer | None = None


@dataclass(frozen=True)
class ChangeMade:
    """An action's change tried: `previous` is the status found (None: no such referral);
    `at_hand` the referral changed with what its copy shows (None: its status refused it)."""

    previous: str | None
    at_hand: ReferralAtHand | None


@dataclass(frozen=True)
class Arrival:
    """A new referral stored: what its copy shows beside it, the escalation and the steps of
    the secretariat's case work kept for it (in the order read)."""

    at_hand: ReferralAtHand
    early: Escalation | None
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True)
class ResidentKept:
    """A resident's data kept (unless `erased`), with the complaint's referrals to copy."""

    erased: bool
    referrals: list[ReferralAtHand]


@dataclass(frozen=True)
class ActionTaken:
    """An action recorded on a referral: by whom (None: the agency's system key) and when."""

    referral_id: UUID
    agency_code: str
    account_id: UUID | None
    action: str
    status: str
    outcome: str | None
    reason_code: str | None
    at: datetime


class StaffRegistry(Protocol):
    """The staff accounts, on a unit of work or on the admin's command-line connection."""

    async def agency_exists(self, agency_code: str) -> bool: ...
    async def add_staff_account(
        self, token_hash: str, agency_code: str, name: str, role: Role
    ) -> dict[str, Any]: ...
    async def revoke_staff_account(self, account_id: UUID) -> dict[str, Any] | None: ...
    async def staff_accounts(self, agency_code: str | None) -> list[dict[str, Any]]: ...
    async def staff_names(self, account_ids: list[UUID]) -> dict[UUID, str]: ...


class GatewayUnit(StaffRegistry, Protocol):
    """One transaction on the gateway's data, with the events it raises."""

    layout: TopicLayout

    # Referrals and the complaint's lock
    async def referral(
        self, referral_id: UUID, agency_code: str | None = None, *, for_update: bool = False
    ) -> Referral | None: ...
    async def referrals_of_complaint(self, complaint_id: UUID) -> list[Referral]: ...
    async def lock_complaint(self, complaint_id: UUID) -> None: ...
    async def page(
        self,
        agency_code: str,
        status: str | None,
        after: Position,
        limit: int,
        filters: Filters | None = None,
    ) -> list[Referral]: ...
    async def legacy_position(self, agency_code: str, seq: int) -> Position: ...
    async def referrals_of_agency(self, agency_code: str) -> list[Referral]: ...
    async def early_escalation(self, referral_id: UUID) -> Escalation | None: ...
    async def keep_early_escalation(self, escalation: Escalation) -> None: ...
    async def take_early_escalation(self, referral_id: UUID) -> Escalation | None: ...
    async def add_referral(self, referral: Referral) -> bool: ...
    async def save(self, referral: Referral) -> None: ...
    async def keep_early_step(self, step: Step) -> None: ...
    # A step of the secretariat's case work on a referral, in its history (no account here).
    async def record_step(
        self, referral: Referral, action: str, reason_code: str | None, at: datetime
    ) -> None: ...
    # An agency's action: the key saved as the gate of a statement that locks the complaint,
    # then the referral changed if its status allows (and the change recorded with who made
    # it), read back with what its copy needs.
    async def gate_action(
        self,
        key: IdempotencyKey,
        request_hash: str,
        response: Mapping[str, Any],
        referral_id: UUID,
        agency_code: str,
    ) -> ActionGate: ...
    async def saved_action(
        self, key: IdempotencyKey, referral_id: UUID, agency_code: str
    ) -> ActionGate: ...
    async def change_referral(
        self,
        referral_id: UUID,
        agency_code: str,
        change: Change,
        at: datetime,
        *,
        action: str,
        account_id: UUID | None = None,
    ) -> ChangeMade: ...
    # The projection: a new referral, a resident's data, each stored in one statement that
    # reads what the copies need; a change and the copies' deliveries saved in one.
    async def arrive(self, referral: Referral) -> Arrival | None: ...
    async def keep_resident(self, resident: Resident) -> ResidentKept: ...
    async def save_copies(self, changed: Referral | None, deliveries: list[Delivery]) -> None: ...

    # Residents' data, its disclosure and its erasure
    async def save_resident(self, resident: Resident) -> None: ...
    async def residents(self, complaint_ids: list[UUID]) -> dict[UUID, Resident]: ...
    async def erased_among(self, complaint_ids: list[UUID]) -> set[UUID]: ...
    async def is_erased(self, complaint_id: UUID) -> bool: ...
    async def erase_complaint(
        self, complaint_id: UUID, erased_at: datetime, cause: str
    ) -> None: ...
    async def held_about_nik(self, nik: str) -> list[dict[str, Any]]: ...
    async def record_subject_export(
        self, *, nik_hash: str, requested_by: str, via: str, complaint_ids: list[UUID]
    ) -> None: ...
    async def pii_levels(self, service_codes: list[str]) -> dict[str, str]: ...
    async def audit(
        self,
        agency_code: str,
        reads: list[tuple[UUID, list[str]]],
        account_id: UUID | None = None,
    ) -> None: ...
    # Who did what on a referral (codes only), recorded by change_referral
    async def actions_of(self, referral_id: UUID) -> list[ActionTaken]: ...

    # Webhooks
    async def webhook(self, agency_code: str) -> dict[str, Any] | None: ...
    async def save_webhook(self, agency_code: str, url: str, secret: str) -> None: ...
    async def delete_webhook(self, agency_code: str) -> bool: ...
    async def deliveries(
        self, agency_code: str, status: str | None, limit: int
    ) -> list[dict[str, Any]]: ...
    async def requeue(self, agency_code: str, delivery_id: UUID) -> Requeue: ...
    async def enqueue_delivery(
        self, delivery_id: UUID, agency_code: str, referral_id: UUID, event_type: str, payload: str
    ) -> None: ...

    # The directory: the rules in force (from routing.rules), the registry, the services' names
    async def apply_rule(self, rule: RuleInForce) -> bool: ...
    async def rules_in_force(self) -> list[RuleInForce]: ...
    async def registered_agencies(self) -> list[Agency]: ...
    async def service_names(self) -> dict[str, tuple[str, str]]: ...

    # The outbox
    def announce(self, event: CloudEvent) -> str: ...


class AgencyRegistry(Protocol):
    """The agency registry on the connection of the admin's command line or the seed.

    Those run outside the service on a transaction of their own; what they register is
    announced through the same outbox as everything else.
    """

    async def save_agency(self, agency: Agency) -> None: ...
    async def registered_agencies(self) -> list[Agency]: ...
    def announce(self, event: CloudEvent) -> str: ...

"""The HTTP request and response models of the gateway's API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from gateway.domain.disclosure import AgencyView
from gateway.service_layer.actions import ActionResult
from gateway.service_layer.views import TimelineEntry
from slrt_shared.contracts.reasons import REASON_CODES, describe_reroutes
from slrt_shared.contracts.referral_states import EscalationLevel, Outcome, Status


class ResidentOut(BaseModel):
    """The resident's data that the service's pii_level allows; other fields are absent."""

    nik: str | None = Field(default=None, description="Only for sensitive and special services.")
    name: str | None = None
    phone: str | None = None
    address: str | None = None
    description: str | None = Field(default=None, description="Only for special services.")


class ReferralOut(BaseModel):
    """A referral as its agency sees it."""

    referral_id: UUID
    complaint_id: UUID
    ticket: str
    village_code: str
    service_code: str
    attempt: int
    status: Status = Field(
        description="withdrawn: the SLRT secretariat took the referral from the agency (to"
        " re-route or hold it); it is final, and every action on it answers 409"
        " `referral_withdrawn`."
    )
    dispatched_at: datetime
    due_at: datetime = Field(description="When it is due; the secretariat may move it later.")
    updated_at: datetime
    escalation_level: EscalationLevel | None
    outcome: Outcome | None
    note: str | None = Field(
        description="The agency's own note of its last action; only this agency sees it, and"
        " it is never put on an event."
    )
    reason_code: str | None = Field(
        default=None,
        description="The reason code of a rejection, or of the secretariat's withdrawal (one of "
        + describe_reroutes()
        + ").",
        examples=["sudah_ditangani"],
    )
    resident: ResidentOut | None = Field(
        description="Null until the resident's data has reached the gateway, and once erased."
    )
    need_detail: str | None = Field(
        default=None,
        description="What the Puskesos operator wrote for this referral's need (at most 500"
        " characters), whatever the service's pii_level; never another need's. Personal data:"
        " null until the resident's data has reached the gateway, and once erased.",
        examples=["Kartu PBI ditolak di Puskesmas Cikampek sejak Maret 2025."],
    )
    personal_data_erased: bool = Field(
        default=False,
        description="True once the resident's personal data was erased (retention or the "
        "resident's request): it will not come back.",
    )

    @classmethod
    def of(cls, view: AgencyView) -> ReferralOut:
        """Render an agency's view of a referral; only its disclosed fields are present."""
        r = view.referral
        return cls(
            referral_id=r.id,
            complaint_id=r.complaint_id,
            ticket=r.ticket,
            village_code=r.village_code,
            service_code=r.service_code,
            attempt=r.attempt,
            status=r.status,
            dispatched_at=r.dispatched_at,
            due_at=r.due_at,
            updated_at=r.updated_at,
            escalation_level=r.escalation_level,
            outcome=r.outcome,
            note=r.note,
            reason_code=r.reason_code,
            resident=ResidentOut(**view.resident) if view.resident is not None else None,
            need_detail=view.need_detail,
            personal_data_erased=view.personal_data_erased,
        )


class TimelineEntryOut(BaseModel):
    """One step of a referral: dispatched, an action (and who took it), or its escalation."""

    kind: Literal[
        "dispatched",
        "acknowledge",
        "progress",
        "reject",
        "resolve",
        "escalated",
        "due_extended",
        "withdrawn",
    ] = Field(
        description="due_extended and withdrawn are the SLRT secretariat's steps (no account"
        " of this agency: account_id null, by_system_key false)."
    )
    at: datetime | None = Field(
        description="Null for the escalation (its level is kept, not when)."
    )
    status: str | None = None
    outcome: str | None = None
    reason_code: str | None = None
    escalation_level: str | None = None
    account_id: UUID | None = Field(
        default=None, description="The staff account that acted; null for the system key."
    )
    account_name: str | None = None
    by_system_key: bool = False

    @classmethod
    def of(cls, entry: TimelineEntry) -> TimelineEntryOut:
        """Render a timeline entry."""
        return cls.model_validate(entry, from_attributes=True)


class ReferralPage(BaseModel):
    """A page of referrals, oldest first; follow next_cursor until it is null."""

    items: list[ReferralOut]
    next_cursor: str | None = Field(description="The next page's cursor; null on the last page.")
    resume_cursor: str = Field(
        description="Where this page ends, on every page: save it and page on from it later"
        " to get every referral that arrives after (none is ever skipped)."
    )


class NoteIn(BaseModel):
    """An optional note."""

    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=4000)


_CODES = "; ".join(
    f"`{code}`: {label_id} ({label_en})" for code, (label_id, label_en) in REASON_CODES.items()
)


class RejectIn(BaseModel):
    """Why the referral is not for this agency: a reason code, a free-text reason, or both."""

    model_config = ConfigDict(extra="forbid")
    reason_code: str | None = Field(
        default=None,
        max_length=40,
        description="One of the reason codes (what the events carry): " + _CODES + "."
        " Without it, a rejection with a reason gets `lainnya`.",
        examples=["bukan_kewenangan"],
    )
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=4000,
        description="Free text, kept in the gateway for this agency only; never on an event.",
        examples=["Bukan wewenang kami."],
    )


class ResolveIn(BaseModel):
    """The outcome of the agency's work."""

    model_config = ConfigDict(extra="forbid")
    outcome: Literal["resolved", "partially_resolved", "unresolvable"]
    note: str | None = Field(default=None, max_length=4000, examples=["PBI aktif kembali"])


class ActionOut(BaseModel):
    """The referral's status after the action (the same answer to every repeat of a key)."""

    referral_id: UUID
    status: str
    outcome: str | None
    note: str | None
    at: datetime
    reason_code: str | None = None

    @classmethod
    def of(cls, result: ActionResult) -> ActionOut:
        """Render an action's result."""
        return cls(
            referral_id=result.referral_id,
            status=result.status,
            outcome=result.outcome,
            note=result.note,
            at=result.at,
            reason_code=result.reason_code,
        )


class WebhookIn(BaseModel):
    """Where to deliver (https, a public address); `rotate_secret` issues a new signing secret."""

    model_config = ConfigDict(extra="forbid")
    url: HttpUrl = Field(
        description="https, no user:password, a host that is and resolves to public addresses"
        " only (no loopback, private, link-local, CGNAT or cloud metadata address).",
        examples=["https://sistem.dinsos.example.go.id/slrt/webhook"],
    )
    rotate_secret: bool = False


class WebhookOut(BaseModel):
    """The registered webhook; `secret` is shown only when it is new."""

    url: str
    secret: str | None = Field(default=None, description="whsec_...: keep it; shown once.")
    created_at: datetime
    updated_at: datetime


class DeliveryOut(BaseModel):
    """One delivery: its `id` is the webhook-id header the agency received."""

    id: UUID
    referral_id: UUID
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    parked_at: datetime | None = None
    purged_at: datetime | None = Field(
        default=None, description="When the payload was purged; the log row is kept."
    )


class SubjectExportIn(BaseModel):
    """An access request: the resident's NIK, and who answers it."""

    model_config = ConfigDict(extra="forbid")

    nik: str | None = Field(default=None, examples=["3215024107800001"])
    requested_by: str = Field(
        default="", max_length=200, description="Who answers the request (kept in the log)."
    )


class SubjectExportOut(BaseModel):
    """Every complaint of the NIK the gateway holds data of, with its referrals."""

    complaints: list[dict[str, Any]]


class AuditOut(BaseModel):
    """One read of personal data."""

    id: int
    agency_code: str
    referral_id: UUID
    fields: list[str]
    at: datetime
    account_id: UUID | None = Field(
        default=None, description="The staff account that read; null for the agency's system key."
    )
    account_name: str | None = Field(default=None, description="That account's person.")


class StaffIn(BaseModel):
    """A named person of an agency, with a role."""

    model_config = ConfigDict(extra="forbid")
    agency_code: str = Field(max_length=32, examples=["DINSOS"])
    name: str = Field(max_length=200, examples=["Rina Kusuma"])
    role: str = Field(
        max_length=20,
        description="`officer` acts on the referrals, `viewer` only reads,"
        " `supervisor` acts and exports the agency's CSV.",
        examples=["officer"],
    )


class StaffOut(BaseModel):
    """A staff account (never its token); `token` only in the answer that issues it."""

    id: UUID
    agency_code: str
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None
    token: str | None = Field(
        default=None, description="st_...: shown once; give it to the person."
    )


class CallerOut(BaseModel):
    """Who calls: the agency, and for a staff token the person and their role."""

    agency_code: str
    account_id: UUID | None = Field(description="Null for the agency's system key.")
    name: str | None
    role: Literal["officer", "viewer", "supervisor"] | None
    may_act: bool
    may_export: bool

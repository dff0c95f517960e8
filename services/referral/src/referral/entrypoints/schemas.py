"""Referral's HTTP models: what the routes read and answer (cases, rules, the calendar)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from slrt_shared.contracts.reasons import describe_reroutes


class ReferralOut(BaseModel):
    """A referral as district staff see it."""

    referral_id: UUID
    complaint_id: UUID
    service_code: str
    agency_code: str
    attempt: int = Field(description="1 for the first agency, +1 after each rejection.")
    current: bool = Field(description="False once a rejection has passed the need on.")
    status: str = Field(examples=["dispatched", "acknowledged", "in_progress", "resolved"])
    rule_version: int = Field(description="Version of the routing rule that chose the agency.")
    rule_scope: str = Field(description="'' for the district rule, or the kecamatan overriding.")
    bounces: int = Field(description="Rejections this need went through before this referral.")
    escalation_level: str | None
    escalated_at: dt.datetime | None
    dispatched_at: dt.datetime
    due_at: dt.datetime = Field(description="End of the last working day of the SLA.")
    calendar_complete: bool = Field(
        description="False when the SLA was counted over a year whose holiday calendar is not"
        " complete (its SKB 3 Menteri not loaded): due_at may be too early."
    )
    outcome: str | None
    reason_code: str | None = Field(
        default=None,
        description="Why the agency rejected it, as a code (see the referral.updated event).",
        examples=["bukan_kewenangan"],
    )
    note: str | None = Field(
        default=None,
        description="Always null: agencies' notes stay in agency-gateway, with the agency.",
    )
    resolved_at: dt.datetime | None


class TransitionOut(BaseModel):
    """A status change an agency asked for, and whether it was accepted."""

    from_status: str | None
    to_status: str
    accepted: bool
    reason: str
    at: dt.datetime


class CaseOut(BaseModel):
    """A case and all its referrals, every attempt of each need."""

    complaint_id: UUID
    ticket: str
    village_code: str
    status: str = Field(examples=["open", "closed"])
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    referrals: list[ReferralOut]
    actions: list[CaseActionOut] = Field(
        default_factory=list,
        description="The case's history: what people did on any of its referrals, oldest first.",
    )


class ReferralDetailOut(ReferralOut):
    """A referral with every status change asked of it and what people did on it."""

    transitions: list[TransitionOut]
    actions: list[CaseActionOut] = Field(
        default_factory=list, description="The secretariat's work on it, oldest first."
    )


class QueueItemOut(ReferralOut):
    """An open referral in a console queue, with its case's ticket and village."""

    ticket: str
    village_code: str


class QueuesOut(BaseModel):
    """The console's queues, due first; a queue the reader does not have is absent."""

    waiting: list[QueueItemOut] | None = Field(
        None,
        description="At the SLRT secretariat: needs without a rule, referrals every"
        " agency rejected.",
    )
    overdue: list[QueueItemOut] | None = Field(None, description="Open and past their due date.")
    escalated: list[QueueItemOut] | None = Field(
        None,
        description="Escalated to the reader's rung: the kabupaten for the secretariat, every"
        " escalation of the kecamatan for kecamatan staff.",
    )


class ExtendIn(BaseModel):
    """A later due date for a referral, and why (a code: no free text is kept)."""

    model_config = ConfigDict(extra="forbid")

    due_at: dt.datetime = Field(examples=["2025-07-15T23:59:59+07:00"])
    reason_code: str = Field(examples=["menunggu_dokumen"], max_length=40)


class CaseActionOut(BaseModel):
    """What a person did on a referral, in the case's history."""

    referral_id: UUID | None = Field(default=None, description="The referral acted on.")
    action: str = Field(
        examples=["due_extended", "withdrawn", "triaged", "held", "resolved", "note_added"]
    )
    reason_code: str | None
    due_before: dt.datetime | None
    due_after: dt.datetime | None
    account_id: UUID | None
    by_name: str = Field(description="Who: the person and their account, or the admin.")
    at: dt.datetime
    service_code: str | None = Field(
        default=None, description="triaged: the service the need was sent to."
    )
    to_agency_code: str | None = Field(
        default=None,
        description="withdrawn and triaged: the agency the need went to (null: held).",
    )
    outcome: str | None = Field(default=None, description="resolved: the secretariat's outcome.")
    note: str | None = Field(
        default=None, description="note_added: the note's text (staff only; never in an event)."
    )


class TriageIn(BaseModel):
    """The service (and agency) a need waiting at the secretariat goes to."""

    model_config = ConfigDict(extra="forbid")

    service_code: str = Field(examples=["JKN-PBI"], max_length=40)
    agency_code: str | None = Field(
        default=None,
        max_length=32,
        examples=["DINSOS"],
        description="Null: the first agency of the service's routing rule.",
    )


class RerouteIn(BaseModel):
    """The agency a referral goes to instead of its own, and why (a code)."""

    model_config = ConfigDict(extra="forbid")

    agency_code: str = Field(examples=["BPJSKES"], max_length=32)
    reason_code: str = Field(
        examples=["salah_instansi"], max_length=40, description=describe_reroutes()
    )


class HoldIn(BaseModel):
    """Why the secretariat takes a referral from its agency (not needed for a waiting need)."""

    model_config = ConfigDict(extra="forbid")

    reason_code: str | None = Field(
        default=None, examples=["instansi_tidak_merespons"], max_length=40
    )


class ResolveIn(BaseModel):
    """The outcome of a referral the secretariat holds."""

    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(examples=["resolved", "partially_resolved", "unresolvable"], max_length=40)


class NoteIn(BaseModel):
    """A staff note on the case (kept in referral; the event says only that one was added)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(examples=["Warga diminta membawa KK ke kantor desa."], max_length=4000)


class WorkedOut(BaseModel):
    """The referral acted on, and the referral that follows it (triage, re-route, hold)."""

    referral: ReferralOut
    next_referral: ReferralOut | None = None


class StageIn(BaseModel):
    """One ordered step of a staged rule: its code, names, agencies in order, and SLA."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=40, examples=["kelengkapan"])
    name_id: str = Field(max_length=200, examples=["Pemeriksaan kelengkapan"])
    name_en: str = Field(max_length=200, examples=["Completeness check"])
    agencies: list[str] = Field(max_length=10, examples=[["DINSOS"]])
    sla_working_days: int = Field(examples=[5])


class StageOut(BaseModel):
    """A stage of a rule."""

    code: str
    name_id: str
    name_en: str
    agencies: list[str]
    sla_working_days: int


class RuleIn(BaseModel):
    """A routing rule: agencies in the order they receive the referral, and the SLA.

    With `stages`, a need passes them in order, each a referral to the stage's first agency
    that has not refused it; the next is dispatched when one is resolved.
    """

    model_config = ConfigDict(extra="forbid")

    agencies: list[str] = Field(min_length=1, max_length=10, examples=[["DINSOS", "BPJSKES"]])
    sla_working_days: int = Field(examples=[5])
    stages: list[StageIn] = Field(
        default_factory=list,
        max_length=20,
        description="Ordered stages (at most 10); empty: a single-step rule.",
    )


class RuleOut(BaseModel):
    """A current rule; scope is '' for the district or a kecamatan code for an override."""

    service_code: str
    scope: str
    agencies: list[str]
    sla_working_days: int
    version: int
    updated_at: dt.datetime
    updated_by: str
    stages: list[StageOut] = Field(default_factory=list)


class RuleVersionOut(BaseModel):
    """One version in a rule's history."""

    service_code: str
    scope: str
    version: int
    agencies: list[str] | None
    sla_working_days: int | None
    removed: bool
    changed_by: str
    changed_at: dt.datetime
    stages: list[StageOut] = Field(default_factory=list)


class HolidayIn(BaseModel):
    """A day off to add: a national holiday or a cuti bersama, with its name and source."""

    model_config = ConfigDict(extra="forbid")

    date: str = Field(description="YYYY-MM-DD.", examples=["2027-03-26"])
    kind: str = Field(
        description="`holiday` (hari libur nasional) or `cuti_bersama`.", examples=["holiday"]
    )
    name: str = Field(description="Its name in Bahasa Indonesia.", examples=["Wafat Yesus Kristus"])
    source: str = Field(
        description="Where it comes from, e.g. the decree's number.",
        examples=["SKB 3 Menteri 2027 (Nomor .../2026)"],
    )


class HolidayCorrection(BaseModel):
    """The corrected entry of a date (every field; to move a day, remove it and add another)."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="`holiday` or `cuti_bersama`.", examples=["cuti_bersama"])
    name: str = Field(examples=["Cuti bersama Idulfitri 1448 H"])
    source: str = Field(examples=["SKB 3 Menteri 2027 (Nomor .../2026)"])


class DecreeIn(BaseModel):
    """The decree whose holidays and cuti bersama of the year are now all loaded."""

    model_config = ConfigDict(extra="forbid")

    decree: str = Field(
        description="Reference of the year's SKB 3 Menteri.",
        examples=["SKB Nomor 1497 Tahun 2025, Nomor 2 Tahun 2025, Nomor 5 Tahun 2025"],
    )


class HolidayOut(BaseModel):
    """A day off in the stored calendar."""

    date: dt.date
    kind: str = Field(examples=["holiday", "cuti_bersama"])
    name: str
    source: str
    added_by: str
    added_at: dt.datetime
    updated_by: str | None
    updated_at: dt.datetime | None


class YearOut(BaseModel):
    """A year of the calendar: complete (its decree loaded) or not, and what it holds."""

    year: int
    complete: bool
    decree: str | None = Field(description="The decree recorded when the year was completed.")
    completed_by: str | None
    completed_at: dt.datetime | None
    holidays: int = Field(description="National holidays stored for the year.")
    cuti_bersama: int = Field(description="Cuti bersama stored for the year.")


class CalendarOut(BaseModel):
    """How far the calendar is complete, and each year it knows."""

    timezone: str
    today: dt.date
    complete_until: dt.date | None = Field(
        description="Last day of the run of complete years from today's on (null: none)."
    )
    days_left: int | None = Field(description="Days from today to complete_until.")
    warning: str | None = Field(
        description="Set when fewer days than the warning threshold (90) remain."
    )
    cuti_bersama_are_days_off: bool = Field(
        description="Whether SLAs skip cuti bersama (otherwise they count as working days)."
    )
    years: list[YearOut]


class AuditOut(BaseModel):
    """One change to the calendar."""

    id: int
    entity: str = Field(examples=["holiday", "year"])
    subject: str = Field(description="The date or the year changed.", examples=["2027-01-01"])
    action: str = Field(examples=["add", "correct", "remove", "complete", "reopen"])
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    by: str
    via: str = Field(examples=["api", "cli", "seed"])
    at: dt.datetime


class StaffIn(BaseModel):
    """A person's account to issue: the secretariat of a regency, or staff of a kecamatan."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(examples=["secretariat", "kecamatan"], max_length=20)
    area_code: str = Field(
        examples=["32.15", "32.15.02"],
        max_length=20,
        description="A regency for the secretariat, a kecamatan for kecamatan staff.",
    )
    name: str = Field(examples=["Siti Rahayu"], max_length=400)


class StaffOut(BaseModel):
    """A personal account; `token` only in the answer that issued it."""

    id: UUID
    kind: str
    area_code: str
    name: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None
    token: str | None = Field(None, description="Shown once; only its hash is kept.")


CaseOut.model_rebuild()

"""Payloads (`data`) of every event on the SLRT topics: the contract agencies build against."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from slrt_shared.contracts import reasons, topics
from slrt_shared.contracts.referral_states import EscalationLevel, Outcome

VillageCode = str
# The statuses referral.updated reports; dispatch and resolution have events of their own.
ReferralStatus = Literal["acknowledged", "in_progress", "rejected"]
RankingLevel = Literal["village", "kecamatan", "agency"]

_VILLAGE = Field(
    pattern=r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$",
    description="Kemendagri code of the village (desa/kelurahan) whose Puskesos holds the case.",
    examples=["32.15.02.2001"],
)
_COMPLAINT_ID = Field(description="Id of the complaint (the record key and CloudEvents subject).")
_REFERRAL_ID = Field(description="Id of the referral: one need of a complaint sent to one agency.")
_AGENCY = Field(
    pattern=r"^[A-Z0-9-]{2,32}$",
    description="Code of the agency from the agency registry.",
    examples=["DINSOS"],
)
_TICKET = Field(description="Public ticket a resident uses to track the complaint.")
# Agencies' free text stays in agency-gateway: an officer may type a name or a diagnosis in it,
# and events are kept for good.
_NOTE_NOT_FILLED = (
    " No longer filled by the platform: always null or absent. The agency's own note stays in"
    " agency-gateway, readable only by that agency; older events may still carry one."
)


class EventData(BaseModel):
    """Base of every event payload: consumers ignore fields they do not know yet."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    topic: ClassVar[str]
    event_type: ClassVar[str]


class ProgrammeCase(BaseModel):
    """The programme a case belongs to (today: a PKH graduation proposal); no personal data."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: Literal["graduation"] = Field(description="The programme's kind of case.")
    facilitator_code: str = Field(
        pattern=r"^[A-Z0-9][A-Z0-9-]{1,39}$",
        description="Code of the PKH facilitator (pendamping) who proposes the graduation.",
        examples=["PKH-KRW-001"],
    )
    graduation_kind: Literal["sejahtera_mandiri", "graduasi_alamiah"] = Field(
        description="Self-reliant graduation, or natural graduation (no longer eligible)."
    )


DataProposalKind = Literal["baru", "perubahan", "penghapusan"]
DtsenRemoval = Literal["pindah", "meninggal", "tidak_miskin", "menolak", "bantuan_ganda"]


class DataProposal(BaseModel):
    """A DTSEN data proposal's kind, as the village deliberation agreed it; no personal data."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: DataProposalKind = Field(
        description="baru: a household to add; perubahan: a change of a household's data;"
        " penghapusan: a household to remove (with `removal_reason`)."
    )
    removal_reason: DtsenRemoval | None = Field(
        default=None,
        description="penghapusan only: why (one of " + reasons.describe_dtsen_removals() + ")."
        " Codes are only ever added. Null for the other kinds.",
    )
    deliberation_date: date = Field(
        description="The day of the village deliberation (musyawarah desa) that agreed it."
    )


class ComplaintCreated(EventData):
    """A complaint was registered at a Puskesos; carries no personal data."""

    topic: ClassVar[str] = topics.COMPLAINT_CREATED
    event_type: ClassVar[str] = "id.slrt.complaint.created.v1"

    complaint_id: UUID = _COMPLAINT_ID
    ticket: str = _TICKET
    village_code: VillageCode = _VILLAGE
    needs: list[str] = Field(
        min_length=1,
        description="Service codes of the catalogue, one per need.",
        examples=[["JKN-PBI", "ADMINDUK"]],
    )
    channel: str = Field(
        description="How the complaint reached the Puskesos.",
        examples=["walk_in", "phone", "home_visit", "open311", "offline_sync"],
    )
    received_at: datetime = Field(description="When the platform received the complaint.")
    recorded_at: datetime = Field(description="When the operator recorded it (offline: earlier).")
    possible_duplicate_of: list[UUID] = Field(
        default_factory=list,
        description="Open complaints of the same resident with a same need (linked, not refused).",
    )
    programme: ProgrammeCase | None = Field(
        default=None,
        description="Set when the case is a programme's (a PKH graduation proposal, need"
        " GRADUASI, decided by agency PKH): its facilitator and kind, never the household."
        " Absent or null for an ordinary complaint and in events from before the field.",
    )
    data_proposal: DataProposal | None = Field(
        default=None,
        description="Set when the case is a DTSEN data proposal of the village (need DTSEN,"
        " passed through the rule's stages): its kind, removal reason and deliberation date,"
        " never the household. Absent or null otherwise and in events from before the field.",
    )


class ComplaintPii(EventData):
    """The resident's personal data of a complaint; read by agency-gateway only."""

    topic: ClassVar[str] = topics.COMPLAINT_PII
    event_type: ClassVar[str] = "id.slrt.complaint.pii.v1"

    complaint_id: UUID = _COMPLAINT_ID
    nik: str = Field(pattern=r"^\d{16}$", description="Nomor Induk Kependudukan (16 digits).")
    name: str = Field(description="Resident's full name.")
    phone: str | None = Field(default=None, description="Phone number, normalised to +62.")
    address: str | None = Field(default=None, description="Address within the village.")
    description: str | None = Field(default=None, description="The complaint in the words given.")
    details: dict[str, str] = Field(
        default_factory=dict, description="Further data the needs require (by service)."
    )
    need_details: dict[str, str] = Field(
        default_factory=dict,
        description="What the operator wrote for a need, by its service code (at most 500"
        " characters each); each need's agency is shown its own need's detail only. Personal"
        " data: erased with the rest of this record. Absent in events from before the field.",
        examples=[{"JKN-PBI": "Kartu PBI ditolak di Puskesmas Cikampek sejak Maret 2025."}],
    )


class ComplaintPiiErased(EventData):
    """The resident's personal data of a complaint was erased; holders of a copy erase theirs.

    Published on complaint.pii, keyed by the complaint id, so it comes after that complaint's
    personal record. A complaint.pii record read after it (a replay) must not bring the data back.
    """

    topic: ClassVar[str] = topics.COMPLAINT_PII
    event_type: ClassVar[str] = "id.slrt.complaint.pii_erased.v1"

    complaint_id: UUID = _COMPLAINT_ID
    erased_at: datetime = Field(description="When intake erased the personal data.")
    cause: Literal["retention", "request"] = Field(
        description="retention: the case was closed longer than the retention period; "
        "request: the resident asked for erasure (through district staff).",
        examples=["retention"],
    )


class ReferralDispatched(EventData):
    """A need of a complaint was referred to an agency."""

    topic: ClassVar[str] = topics.REFERRAL_DISPATCHED
    event_type: ClassVar[str] = "id.slrt.referral.dispatched.v1"

    referral_id: UUID = _REFERRAL_ID
    complaint_id: UUID = _COMPLAINT_ID
    ticket: str = _TICKET
    village_code: VillageCode = _VILLAGE
    service_code: str = Field(description="Service code of the need.", examples=["JKN-PBI"])
    agency_code: str = _AGENCY
    attempt: int = Field(
        ge=1,
        description="1 for the first agency, +1 after each rejection, and +1 when a reopening"
        " sends the need back to the same agency (complaint.reopened).",
    )
    dispatched_at: datetime = Field(description="When the referral was sent.")
    due_at: datetime = Field(description="SLA deadline, counted in working days.")
    calendar_complete: bool = Field(
        default=True,
        description="False when the SLA was counted over a year whose holiday calendar is not"
        " complete yet (that year's SKB 3 Menteri on holidays and cuti bersama is not loaded):"
        " due_at may then be too early. Absent in events from before the field: true.",
    )
    stage: str | None = Field(
        default=None,
        pattern=r"^[a-z_]{2,40}$",
        description="The code of the stage this referral is, when the service's rule has stages"
        " (ordered steps, each its own referral: the next is dispatched once this one is"
        " resolved); null for a single-step service and in events from before the field."
        " `attempt` goes on counting across the stages of a need.",
        examples=["verifikasi"],
    )
    stage_index: int | None = Field(
        default=None, ge=1, description="1 for the first stage; null without stages."
    )
    stages_total: int | None = Field(
        default=None, ge=1, description="How many stages the need passes; null without stages."
    )


class ReferralUpdated(EventData):
    """An agency acknowledged, worked on, or rejected a referral."""

    topic: ClassVar[str] = topics.REFERRAL_UPDATED
    event_type: ClassVar[str] = "id.slrt.referral.updated.v1"

    referral_id: UUID = _REFERRAL_ID
    complaint_id: UUID = _COMPLAINT_ID
    agency_code: str = _AGENCY
    status: ReferralStatus = Field(description="New status of the referral at the agency.")
    reason_code: str | None = Field(
        default=None,
        pattern=r"^[a-z_]{2,40}$",
        description="Why the agency rejected the referral, as a code; set on every rejection"
        " (a rejection given only as free text: `lainnya`), null otherwise. One of: "
        + reasons.describe()
        + ". Codes are only ever added: treat one you do not know as `lainnya`."
        " Absent in events from before the field.",
        examples=["bukan_kewenangan"],
    )
    note: str | None = Field(default=None, description="Agency's note." + _NOTE_NOT_FILLED)
    at: datetime = Field(description="When the agency changed the status.")


class ReferralEscalated(EventData):
    """A referral passed its SLA and was pushed up the ladder."""

    topic: ClassVar[str] = topics.REFERRAL_ESCALATED
    event_type: ClassVar[str] = "id.slrt.referral.escalated.v1"

    referral_id: UUID = _REFERRAL_ID
    complaint_id: UUID = _COMPLAINT_ID
    level: EscalationLevel = Field(description="Who now watches the referral.")
    at: datetime = Field(description="When it was escalated.")


class CaseResolved(EventData):
    """An agency reported the outcome of a referral."""

    topic: ClassVar[str] = topics.CASE_RESOLVED
    event_type: ClassVar[str] = "id.slrt.case.resolved.v1"

    referral_id: UUID = _REFERRAL_ID
    complaint_id: UUID = _COMPLAINT_ID
    agency_code: str = _AGENCY
    outcome: Outcome = Field(description="What the agency achieved.")
    note: str | None = Field(
        default=None, description="Agency's note on the outcome." + _NOTE_NOT_FILLED
    )
    resolved_at: datetime = Field(description="When the agency reported the outcome.")


class ReferralOutcome(BaseModel):
    """The outcome of one referral of a closed complaint."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    referral_id: UUID = _REFERRAL_ID
    service_code: str = Field(description="Service code of the need.")
    agency_code: str = _AGENCY
    outcome: Outcome = Field(description="What the agency achieved.")


class ComplaintClosed(EventData):
    """Every referral of a complaint has an outcome: the case is closed (again, once reopened)."""

    topic: ClassVar[str] = topics.COMPLAINT_CLOSED
    event_type: ClassVar[str] = "id.slrt.complaint.closed.v1"

    complaint_id: UUID = _COMPLAINT_ID
    ticket: str = _TICKET
    village_code: VillageCode = _VILLAGE
    closed_at: datetime = Field(description="When the last referral got its outcome.")
    outcomes: list[ReferralOutcome] = Field(description="Outcome of each referral.")
    reopen_until: datetime | None = Field(
        default=None,
        description="Until when the resident or the operator may reopen the complaint: the end"
        " (23:59:59, district time) of the REFERRAL_REOPEN_WORKING_DAYS-th working day (default"
        " 10) after the day of closing, counted on referral's holiday calendar. A complaint"
        " reopened and closed again is closed again with a new one. Null or absent in events"
        " from before the field.",
    )


class RankingRow(BaseModel):
    """One ranked village, kecamatan or agency; aggregates only, no personal data."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    rank: int | None = Field(description="Position; null when not yet ranked (too few cases).")
    code: str = Field(description="Village or kecamatan code, or agency code.")
    name: str = Field(description="Display name.")
    score: float | None = Field(description="Composite score from 0 to 100.")
    complaints: int = Field(ge=0, description="Complaints in the period.")
    closed: int = Field(ge=0, description="Complaints closed in the period.")


class RankingUpdated(EventData):
    """A published ranking changed."""

    topic: ClassVar[str] = topics.RANKING_UPDATED
    event_type: ClassVar[str] = "id.slrt.ranking.updated.v1"

    regency_code: str = Field(description="Regency the ranking covers.", examples=["32.15"])
    period: str = Field(
        description="Month (YYYY-MM) or the rolling window 'rolling-30d'.", examples=["2025-06"]
    )
    level: RankingLevel = Field(description="What is ranked.")
    computed_at: datetime = Field(description="When the ranking was computed.")
    rows: list[RankingRow] = Field(description="Ranked rows, best first.")


class Resident(BaseModel):
    """The personal data of a resident that an agency's service needs (by `pii_level`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    nik: str | None = Field(default=None, description="NIK, for sensitive and special services.")
    name: str = Field(description="Resident's full name.")
    phone: str | None = Field(default=None, description="Phone number, normalised to +62.")
    address: str | None = Field(default=None, description="Address within the village.")
    description: str | None = Field(default=None, description="The complaint as told.")


class AgencyReferral(EventData):
    """An agency's own copy of one of its referrals, after any change (agency.X.referrals)."""

    topic: ClassVar[str] = "agency.{agency_code}.referrals"
    event_type: ClassVar[str] = "id.slrt.agency.referral.v1"

    referral_id: UUID = _REFERRAL_ID
    complaint_id: UUID = _COMPLAINT_ID
    ticket: str = _TICKET
    village_code: VillageCode = _VILLAGE
    service_code: str = Field(description="Service code of the need.", examples=["JKN-PBI"])
    agency_code: str = _AGENCY
    status: str = Field(
        description="Referral status at the agency (withdrawn: the SLRT secretariat took it"
        " from the agency; final).",
        examples=["dispatched", "acknowledged", "in_progress", "rejected", "resolved", "withdrawn"],
    )
    change: str = Field(
        description="What happened: the type of the event that changed the referral; for the"
        " secretariat's case work (referral.casework) its step, as"
        " `id.slrt.referral.due_extended.v1` (due_at moved later) or"
        " `id.slrt.referral.withdrawn.v1` (status withdrawn).",
        examples=["id.slrt.referral.dispatched.v1", "id.slrt.referral.withdrawn.v1"],
    )
    due_at: datetime = Field(description="SLA deadline.")
    escalation_level: EscalationLevel | None = Field(default=None, description="If escalated.")
    outcome: Outcome | None = Field(default=None, description="Outcome once resolved.")
    resident: Resident | None = Field(
        default=None, description="Resident's data, limited to what the service needs."
    )
    need_detail: str | None = Field(
        default=None,
        description="What the Puskesos operator wrote for this referral's need, whatever the"
        " service's pii_level (never another need's). Personal data: null without the"
        " resident's data and once erased. Absent in copies from before the field.",
        examples=["Kartu PBI ditolak di Puskesmas Cikampek sejak Maret 2025."],
    )
    at: datetime = Field(description="When the change happened.")


class AgencyRegistered(EventData):
    """An agency was registered (or its names or kind changed) in agency-gateway's registry.

    Published on directory.agencies, keyed by the agency code: the services that need to know
    the agencies (referral's routing rules, monitoring's names) keep their own copy of it.
    """

    topic: ClassVar[str] = topics.DIRECTORY_AGENCIES
    event_type: ClassVar[str] = "id.slrt.agency.registered.v1"

    code: str = _AGENCY
    name_id: str = Field(min_length=1, description="Name in Bahasa Indonesia.")
    name_en: str = Field(min_length=1, description="Name in English.")
    kind: str = Field(
        description="What kind of body it is.", examples=["opd", "secretariat", "bpjs"]
    )
    registered_at: datetime = Field(description="When the registry recorded it.")

    @property
    def record_key(self) -> str:
        """The record key (and CloudEvents subject): the agency code."""
        return self.code


class RoutingStage(BaseModel):
    """One ordered step of a staged rule: its own referral, agencies and SLA."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    code: str = Field(
        pattern=r"^[a-z_]{2,40}$", description="The stage's code.", examples=["kelengkapan"]
    )
    name_id: str = Field(min_length=1, description="Its name in Bahasa Indonesia.")
    name_en: str = Field(min_length=1, description="Its name in English.")
    agencies: list[str] = Field(
        min_length=1,
        description="Agency codes in routing order for this stage (first is tried first).",
        examples=[["PKH", "DINSOS"]],
    )
    sla_working_days: int = Field(ge=1, description="Working days the stage's agency has.")


class RoutingRuleChanged(EventData):
    """A routing rule in force changed in referral: saved as a new version, or removed.

    Published on routing.rules, keyed by the service code (district rule) or the service code
    and kecamatan (`JKN-PBI/32.15.02`, an override), so one rule's versions stay in order.
    A consumer keeps the highest version it has seen of each (service_code, scope).
    """

    topic: ClassVar[str] = topics.ROUTING_RULES
    event_type: ClassVar[str] = "id.slrt.routing.rule_changed.v1"

    service_code: str = Field(description="Service code of the catalogue.", examples=["JKN-PBI"])
    scope: str = Field(
        pattern=r"^(\d{2}\.\d{2}\.\d{2})?$",
        description="'' for the district-wide rule, else the Kemendagri code of the kecamatan"
        " whose override it is.",
        examples=["", "32.15.02"],
    )
    agencies: list[str] = Field(
        description="Agency codes in routing order (first is tried first); empty once removed.",
        examples=[["DINSOS", "BPJSKES"]],
    )
    sla_working_days: int | None = Field(
        ge=1, description="Working days the agency has for a referral; null once removed."
    )
    version: int = Field(ge=1, description="Version of the rule; higher is newer.")
    removed: bool = Field(
        default=False, description="True when a kecamatan's override was removed."
    )
    stages: list[RoutingStage] = Field(
        default_factory=list,
        description="The ordered stages a need of the service passes, each a referral to its"
        " own agencies; empty for a single-step rule (then `agencies` route it), and in events"
        " from before the field. With stages, the stages route the need and `agencies` and"
        " `sla_working_days` are the service's agencies and SLA as the rule's admin saved them.",
    )
    at: datetime = Field(description="When the rule changed.")

    @property
    def record_key(self) -> str:
        """The record key (and CloudEvents subject): service code, and kecamatan if any."""
        return routing_rule_key(self.service_code, self.scope)


def routing_rule_key(service_code: str, scope: str) -> str:
    """The record key of a rule: `JKN-PBI` district-wide, `JKN-PBI/32.15.02` an override."""
    return f"{service_code}/{scope}" if scope else service_code


CaseWorkAction = Literal["due_extended", "withdrawn", "triaged", "held", "resolved", "note_added"]


class ReferralCaseWork(EventData):
    """The SLRT secretariat (a named person) or the admin worked on a referral of a case.

    Published on referral.casework, keyed by the complaint. Codes and dates only: no free text.
    Actions are only ever added: ignore one you do not know.
    """

    topic: ClassVar[str] = topics.REFERRAL_CASEWORK
    event_type: ClassVar[str] = "id.slrt.referral.casework.v1"

    referral_id: UUID = _REFERRAL_ID
    complaint_id: UUID = _COMPLAINT_ID
    action: CaseWorkAction = Field(
        description="due_extended: the referral's due date moved later, with a reason code;"
        " withdrawn: the secretariat took the referral from its agency (re-routed: a"
        " referral.dispatched to `to_agency_code` follows; held: the secretariat keeps it);"
        " triaged: a need waiting at the secretariat was sent to `service_code` at"
        " `to_agency_code` (a referral.dispatched follows); held: the secretariat works the"
        " referral itself; resolved: the secretariat reported the outcome of a referral it"
        " holds; note_added: a note was added to the case (its text stays in referral)."
    )
    reason_code: str | None = Field(
        default=None,
        pattern=r"^[a-z_]{2,40}$",
        description="Why (due_extended: one of "
        + reasons.describe_extensions()
        + "; withdrawn: one of "
        + reasons.describe_reroutes()
        + ").",
        examples=["menunggu_dokumen"],
    )
    due_at: datetime | None = Field(
        default=None, description="due_extended: the new due date of the referral."
    )
    previous_due_at: datetime | None = Field(
        default=None, description="due_extended: the due date before the extension."
    )
    service_code: str | None = Field(
        default=None, description="triaged: the service the need was sent to."
    )
    to_agency_code: str | None = Field(
        default=None,
        pattern=r"^[A-Z0-9-]{2,32}$",
        description="withdrawn (re-routed) and triaged: the agency the need goes to next;"
        " null when the secretariat holds it.",
    )
    outcome: Outcome | None = Field(
        default=None, description="resolved: what the secretariat achieved."
    )
    by_account: UUID | None = Field(
        default=None, description="The personal account of the person who acted; null: admin."
    )
    at: datetime = Field(description="When it was done.")


ReopenScope = Literal["unresolved", "all"]
ReopenedBy = Literal["resident", "operator"]
Solved = Literal["yes", "partly", "no"]


class ComplaintReopened(EventData):
    """A closed complaint was reopened by the resident (with their code) or the operator.

    Published on complaint.reopened, keyed by the complaint id. Referral sends the referrals in
    `scope` back to their agency as a new attempt. Codes only: the reopener's words stay in intake.
    """

    topic: ClassVar[str] = topics.COMPLAINT_REOPENED
    event_type: ClassVar[str] = "id.slrt.complaint.reopened.v1"

    complaint_id: UUID = _COMPLAINT_ID
    ticket: str = _TICKET
    village_code: VillageCode = _VILLAGE
    scope: ReopenScope = Field(
        description="unresolved: the referrals whose outcome was not `resolved` go back to their"
        " agency; all: every referral of the complaint does."
    )
    reason_code: str = Field(
        pattern=r"^[a-z_]{2,40}$",
        description="Why, as a code (one of " + reasons.describe_reopenings() + ")."
        " Codes are only ever added: treat one you do not know as `lainnya`.",
        examples=["belum_selesai"],
    )
    by: ReopenedBy = Field(description="resident: with the ticket and the resident's code.")
    reopening: int = Field(
        ge=1, description="1 for the first reopening of the complaint, +1 after."
    )
    reopened_at: datetime = Field(description="When it was reopened.")


class ComplaintRated(EventData):
    """The resident (or the operator on their behalf) gave a verdict on a closed complaint.

    Published on complaint.rated, keyed by the complaint id. A later verdict on the same
    complaint replaces an earlier one (higher `revision`). The comment stays in intake.
    """

    topic: ClassVar[str] = topics.COMPLAINT_RATED
    event_type: ClassVar[str] = "id.slrt.complaint.rated.v1"

    complaint_id: UUID = _COMPLAINT_ID
    ticket: str = _TICKET
    village_code: VillageCode = _VILLAGE
    solved: Solved = Field(description="Whether the resident says the problem was solved.")
    rating: int = Field(ge=1, le=5, description="1 (very poor) to 5 (very good).")
    by: ReopenedBy = Field(description="resident: with the ticket and the resident's code.")
    revision: int = Field(ge=1, description="1 for the first verdict; the highest one stands.")
    rated_at: datetime = Field(description="When the verdict was given.")


class ComplaintCompleted(EventData):
    """The operator completed a proposal a stage had sent back to the village.

    Published on complaint.completed, keyed by the complaint id. Referral dispatches the stage
    that sent it back again. Codes only: the corrected details travel on complaint.pii.
    """

    topic: ClassVar[str] = topics.COMPLAINT_COMPLETED
    event_type: ClassVar[str] = "id.slrt.complaint.completed.v1"

    complaint_id: UUID = _COMPLAINT_ID
    ticket: str = _TICKET
    village_code: VillageCode = _VILLAGE
    service_code: str = Field(description="Service code of the need completed.", examples=["DTSEN"])
    referral_id: UUID = Field(
        description="The referral (a stage) that sent the need back with `data_tidak_lengkap`."
    )
    completion: int = Field(ge=1, description="1 for the need's first completion, +1 after.")
    completed_at: datetime = Field(description="When the operator completed it.")


class FacilitatorRegistered(EventData):
    """A PKH facilitator (pendamping) was registered or changed by district staff in intake.

    Published on programme.facilitators, keyed by the facilitator's code: the last record of a
    code is the facilitator as it stands. A staff member's name, no resident's data.
    """

    topic: ClassVar[str] = topics.PROGRAMME_FACILITATORS
    event_type: ClassVar[str] = "id.slrt.programme.facilitator_registered.v1"

    code: str = Field(
        pattern=r"^[A-Z0-9][A-Z0-9-]{1,39}$",
        description="The facilitator's code.",
        examples=["PKH-KRW-001"],
    )
    name: str = Field(min_length=1, description="The facilitator's name (staff, not public).")
    regency_code: str = Field(pattern=r"^\d{2}\.\d{2}$", examples=["32.15"])
    village_codes: list[str] = Field(
        description="Kemendagri codes of the villages the facilitator accompanies."
    )
    active: bool = Field(description="False once the facilitator no longer serves.")
    at: datetime = Field(description="When the registry recorded it.")

    @property
    def record_key(self) -> str:
        """The record key (and CloudEvents subject): the facilitator's code."""
        return self.code


class GraduationTargetSet(EventData):
    """District staff set a regency's PKH graduation target for a year in intake.

    Published on programme.targets, keyed by `regency/year`: the last record of a key stands.
    """

    topic: ClassVar[str] = topics.PROGRAMME_TARGETS
    event_type: ClassVar[str] = "id.slrt.programme.target_set.v1"

    regency_code: str = Field(pattern=r"^\d{2}\.\d{2}$", examples=["32.15"])
    year: int = Field(ge=2000, le=2100, examples=[2025])
    district_total: int = Field(ge=1, description="Households the regency aims to graduate.")
    per_facilitator: int = Field(
        ge=0, description="The least each active facilitator of the regency should graduate."
    )
    at: datetime = Field(description="When the target was set.")

    @property
    def record_key(self) -> str:
        """The record key (and CloudEvents subject): `regency/year`."""
        return f"{self.regency_code}/{self.year}"


GraduationDecision = Literal["confirmed", "refused"]


class GraduationDecided(EventData):
    """The PKH coordinator confirmed or refused a graduation proposal (as intake records it).

    Published on programme.graduations, keyed by the complaint id. Codes only: the household
    stays in intake's personal data. A household graduates once: a confirmed one is final.
    """

    topic: ClassVar[str] = topics.PROGRAMME_GRADUATIONS
    event_type: ClassVar[str] = "id.slrt.programme.graduation_decided.v1"

    complaint_id: UUID = _COMPLAINT_ID
    village_code: VillageCode = _VILLAGE
    facilitator_code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{1,39}$", examples=["PKH-KRW-001"])
    graduation_kind: Literal["sejahtera_mandiri", "graduasi_alamiah"]
    decision: GraduationDecision = Field(description="confirmed counts toward the targets.")
    reason_code: str | None = Field(
        default=None,
        pattern=r"^[a-z_]{2,40}$",
        description="refused: PKH's reason code (or its outcome), if it gave one.",
    )
    proposed_at: datetime = Field(description="When the proposal was registered.")
    decided_at: datetime = Field(description="When PKH decided it (counts in that month).")


EVENT_DATA_TYPES: tuple[type[EventData], ...] = (
    ComplaintCreated,
    ComplaintPii,
    ComplaintPiiErased,
    ReferralDispatched,
    ReferralUpdated,
    ReferralEscalated,
    CaseResolved,
    ComplaintClosed,
    RankingUpdated,
    AgencyReferral,
    AgencyRegistered,
    RoutingRuleChanged,
    ReferralCaseWork,
    ComplaintReopened,
    ComplaintRated,
    ComplaintCompleted,
    FacilitatorRegistered,
    GraduationTargetSet,
    GraduationDecided,
)

BY_EVENT_TYPE: dict[str, type[EventData]] = {m.event_type: m for m in EVENT_DATA_TYPES}
BY_TOPIC: dict[str, type[EventData]] = {
    m.topic: m for m in EVENT_DATA_TYPES if m not in (AgencyReferral, ComplaintPiiErased)
}

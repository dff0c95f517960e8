"""Request and response bodies of intake's HTTP API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from intake.domain.complaints import NewComplaint, Resident, normalise_phone
from slrt_shared.contracts import reasons


class ResidentIn(BaseModel):
    """The resident's personal data."""

    model_config = ConfigDict(extra="forbid")

    nik: str = Field(description="NIK, 16 digits.", examples=["3215024107800001"])
    name: str = Field(max_length=200, examples=["Siti Aminah"])
    phone: str | None = Field(default=None, max_length=20, examples=["081234567890"])
    address: str | None = Field(default=None, max_length=500, examples=["Dusun Krajan RT 02/RW 01"])


class ComplaintIn(BaseModel):
    """A complaint as the Puskesos operator records it."""

    model_config = ConfigDict(extra="forbid")

    village_code: str = Field(examples=["32.15.02.2001"])
    needs: list[str] = Field(examples=[["JKN-PBI", "ADMINDUK"]], max_length=20)
    description: str = Field(examples=["BPJS PBI tidak aktif sejak Maret; KK hilang."])
    channel: str = Field(examples=["walk_in"])
    recorded_at: datetime = Field(examples=["2025-06-26T09:15:00+07:00"])
    resident: ResidentIn
    need_details: dict[str, str] | None = Field(
        default=None,
        max_length=20,
        description="What the agency of a need must know to act on it, by the need's service "
        "code (one of `needs`), at most 500 characters each. Each need's agency sees its own "
        "need's detail (`need_detail` on its referral), never another's. Personal data: kept, "
        "carried and erased like the description.",
        examples=[{"JKN-PBI": "Kartu PBI ditolak di Puskesmas Cikampek sejak Maret 2025."}],
    )


class OfflineComplaintIn(ComplaintIn):
    """A complaint recorded offline, identified by the device's own id."""

    client_id: str = Field(min_length=1, max_length=100, examples=["tab-07:2025-06-26:0003"])
    channel: str = Field(default="offline_sync", examples=["offline_sync"])


class ComplaintAccepted(BaseModel):
    """The complaint the request created, or created earlier under the same key."""

    complaint_id: UUID
    ticket: str
    status: str
    received_at: datetime
    possible_duplicate_of: list[UUID] = Field(
        default_factory=list,
        description="Open complaints of the same resident with a same need: linked, not refused.",
    )
    resident_code: str | None = Field(
        default=None,
        description="The resident's code, shown ONLY in the answer that created the "
        "complaint: print it on the receipt. With the ticket it lets the resident act on the "
        "complaint. It is kept only as a keyed hash, never logged, never on an event and never "
        "shown again: a repeat of the request answers null. Null too when no code key is "
        "configured.",
        examples=["K7M2-9QXA"],
    )


class BatchIn(BaseModel):
    """Complaints recorded offline on a device, sent when it is back online."""

    model_config = ConfigDict(extra="forbid")

    complaints: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=200,
        description="Each a complaint as for POST /v1/complaints plus its device `client_id`; "
        "channel defaults to offline_sync.",
    )


class ItemProblem(BaseModel):
    """One reason an item was not accepted."""

    field: str
    code: str
    message: str


class BatchItemResult(BaseModel):
    """What became of one offline complaint."""

    client_id: str | None
    result: str = Field(description="created, existing (sent before) or rejected.")
    complaint_id: UUID | None = None
    ticket: str | None = None
    possible_duplicate_of: list[UUID] = Field(default_factory=list)
    resident_code: str | None = Field(
        default=None,
        description="The resident's code, only in the item that created the complaint (not "
        "when `existing`).",
        examples=["K7M2-9QXA"],
    )
    errors: list[ItemProblem] = Field(default_factory=list)


class BatchOut(BaseModel):
    """A result per item, in the order sent."""

    results: list[BatchItemResult]


class TimelineOut(BaseModel):
    """One public step of a complaint."""

    at: datetime
    kind: str = Field(
        description="received, referred, acknowledged, in_progress, rejected, escalated,"
        " resolved, closed, reopened (the resident or the operator reopened it)."
    )
    agency_code: str | None = None
    outcome: str | None = None
    level: str | None = None
    due_at: datetime | None = None
    reason_code: str | None = Field(
        default=None,
        description="Of a reopening or a rejection: why, as a code (the words stay private).",
    )
    label: str | None = Field(
        default=None,
        description="On the public tracker, how a step of the SLRT secretariat reads in the"
        " request's language: `withdrawn` 'dialihkan oleh sekretariat' ('re-routed by the"
        " secretariat'), `due_extended` 'tenggat diperpanjang' ('due date extended', the new"
        " date in due_at).",
    )
    stage: str | None = Field(
        default=None, description="Of a staged need: the stage's code (referred, completed)."
    )
    stage_index: int | None = None
    stages_total: int | None = None


class StageNowOut(BaseModel):
    """Where a staged need (a DTSEN proposal, say) stands now."""

    service_code: str
    stage: str = Field(description="The current stage's code.", examples=["verifikasi"])
    index: int = Field(description="1 for the first stage.")
    total: int = Field(description="How many stages the need passes.")
    waiting_at_village: bool = Field(
        description="True when the stage sent it back to the village (perlu dilengkapi): the"
        " Puskesos completes it with POST /v1/complaints/{id}/completion."
    )


class CompletionIn(BaseModel):
    """The corrected detail of a need a stage sent back to the village."""

    model_config = ConfigDict(extra="forbid")

    service_code: str = Field(max_length=32, examples=["DTSEN"])
    need_detail: str = Field(
        max_length=2000,
        description="What the operator now writes for the need (at most 500 characters):"
        " personal data, shown to the need's agency only.",
    )


class CompletionOut(BaseModel):
    """The completion: the stage that receives the need again, and the completion's number."""

    complaint_id: UUID
    service_code: str
    stage: str
    stage_index: int
    completion: int


class VillageOut(BaseModel):
    """A village."""

    code: str
    name: str


class TrackingOut(BaseModel):
    """What anyone holding the ticket may see: no personal data."""

    ticket: str
    status: str
    village: VillageOut
    needs: list[str] = Field(
        description="Service codes; a special service (health, violence...) shows as KHUSUS."
    )
    service_names: list[str] = Field(
        default_factory=list,
        description="The needs' names in the request's language; a special service as "
        "'Layanan khusus' / 'Special service'.",
    )
    received_at: datetime
    closed_at: datetime | None
    reopen_until: datetime | None = Field(
        default=None,
        description="While closed: until when the resident (with the code of the receipt) or"
        " the village's operator may reopen it; null while open.",
    )
    reopenings: int = Field(default=0, description="How often it was reopened.")
    timeline: list[TimelineOut]
    stages: list[StageNowOut] = Field(
        default_factory=list,
        description="The current stage of each staged need (none for single-step services).",
    )


class ComplaintOut(BaseModel):
    """A complaint with its resident, for the operator of the village and district staff."""

    complaint_id: UUID
    ticket: str
    status: str
    village_code: str
    needs: list[str]
    description: str | None = Field(description="The complaint as told; null once erased.")
    channel: str
    recorded_at: datetime
    received_at: datetime
    closed_at: datetime | None
    need_details: dict[str, str] | None = Field(
        default=None, description="Each need's detail by service code; null once erased."
    )
    resident: ResidentIn | None = Field(description="The resident's data; null once erased.")
    personal_data_erased: bool = Field(
        default=False,
        description="True once the personal data was erased (retention or the resident's "
        "request): the case record stays, the resident's data is gone.",
    )
    erased_at: datetime | None = None
    erasure_cause: str | None = Field(default=None, examples=["retention", "request"])
    timeline: list[TimelineOut]


class MaskedResidentOut(BaseModel):
    """The resident as a list shows them: never the full NIK."""

    name: str = Field(description="Each word by its first letter.", examples=["S*** A***"])
    nik: str = Field(
        description="The region (first six digits) and the last four; the birth date and sex "
        "(digits 7 to 12) hidden.",
        examples=["321502******0001"],
    )


class ListedReferralOut(BaseModel):
    """A referral of a listed complaint, as intake's timeline knows it."""

    agency_code: str = Field(examples=["BPJSKES"])
    status: str = Field(
        description="dispatched, acknowledged, in_progress, rejected or resolved.",
        examples=["acknowledged"],
    )
    outcome: str | None = Field(default=None, examples=["resolved"])
    dispatched_at: datetime
    due_at: datetime | None = Field(description="The SLA deadline.")
    overdue: bool = Field(description="Still open after its due time.")
    escalated: bool = Field(description="Pushed up the ladder (kecamatan, then kabupaten).")
    escalation_level: str | None = Field(default=None, examples=["kecamatan"])


class ListedComplaintOut(BaseModel):
    """One complaint of the list."""

    complaint_id: UUID
    ticket: str = Field(examples=["SLRT-K7M2-9QXA"])
    client_id: str | None = Field(
        description="The device's client_id of a complaint sent by the offline sync (kept as "
        "long as its key, INTAKE_IDEMPOTENCY_RETENTION_DAYS); null otherwise.",
        examples=["tab-07:2025-06-26:0003"],
    )
    village_code: str = Field(examples=["32.15.02.2001"])
    status: str = Field(
        description="received, referred, in_progress or closed.", examples=["referred"]
    )
    needs: list[str] = Field(description="Service codes.", examples=[["JKN-PBI"]])
    received_at: datetime = Field(description="When intake created the complaint.")
    recorded_at: datetime = Field(description="When the operator recorded it (offline too).")
    resident: MaskedResidentOut | None = Field(description="Masked; null once erased.")
    personal_data_erased: bool = False
    referrals: list[ListedReferralOut]


class ComplaintListOut(BaseModel):
    """A page of complaints, newest first."""

    items: list[ListedComplaintOut]
    next_cursor: str | None = Field(
        description="Send as `cursor` for the next page; null after the last page."
    )


class SubjectIn(BaseModel):
    """A resident's access or erasure request, answered by district staff (NIK in the body)."""

    model_config = ConfigDict(extra="forbid")

    nik: str | None = Field(default=None, examples=["3215024107800001"])
    reason: str | None = Field(
        default=None,
        description="Why the data is erased (required for an erasure); kept for good, so no "
        "personal data in it.",
        examples=["Permintaan warga tertulis 2026-11-30, formulir no. 12/SLRT/2026"],
    )


class SubjectRequestOut(BaseModel):
    """An earlier access or erasure request about the same NIK."""

    action: str
    requested_by: str
    via: str
    reason: str | None
    complaint_ids: list[UUID]
    at: datetime


class ReadOut(BaseModel):
    """A read of the resident's data through the API."""

    at: datetime
    fields: list[str]
    reader_kind: str
    reader_label: str
    reader_id: UUID


class HeldComplaintOut(BaseModel):
    """One complaint of the resident, with everything intake holds of it."""

    complaint_id: UUID
    ticket: str
    status: str
    village_code: str
    needs: list[str]
    description: str | None
    channel: str
    recorded_at: datetime
    received_at: datetime
    closed_at: datetime | None
    possible_duplicate_of: list[UUID]
    need_details: dict[str, str] = Field(default_factory=dict)
    resident: ResidentIn
    timeline: list[dict[str, Any]]
    reads: list[ReadOut]


class SubjectExportOut(BaseModel):
    """Everything intake holds about a NIK: its complaints, and the requests about it."""

    complaints: list[HeldComplaintOut]
    earlier_requests: list[SubjectRequestOut]


class SubjectErasedOut(BaseModel):
    """The complaints whose personal data was erased on the request."""

    erased_complaint_ids: list[UUID]
    erased_at: datetime


def to_domain(body: ComplaintIn) -> NewComplaint:
    """Translate a request body into the domain's complaint."""
    resident = body.resident
    return NewComplaint(
        village_code=body.village_code,
        needs=tuple(body.needs),
        description=body.description,
        channel=body.channel,
        recorded_at=body.recorded_at,
        resident=Resident(
            nik=resident.nik.strip(),
            name=resident.name.strip(),
            phone=normalise_phone(resident.phone) if resident.phone else None,
            address=resident.address,
        ),
        need_details=dict(body.need_details or {}),
    )


_CODE = Field(
    default=None,
    description="The resident's code from the receipt (K7M2-9QXA, with or without the dash);"
    " leave it out when the village's operator calls with their bearer token instead.",
    examples=["K7M2-9QXA"],
)


class ReopenIn(BaseModel):
    """A reopening of a closed complaint."""

    model_config = ConfigDict(extra="forbid")

    code: str | None = _CODE
    reason: str = Field(
        description="Why, as a code: " + reasons.describe_reopenings() + ".",
        examples=["hanya_sebagian"],
    )
    note: str | None = Field(
        default=None,
        description="The reopener's own words (at most 500 characters): kept by intake only,"
        " never sent to another service.",
    )
    scope: str = Field(
        default="unresolved",
        description="unresolved: the needs whose outcome was not `resolved` go back to their"
        " agency; all: every need does.",
        examples=["unresolved", "all"],
    )


class ReopenedOut(BaseModel):
    """A reopening done: the complaint is open again."""

    ticket: str
    status: str = Field(description="referred: its needs in scope go back to their agency.")
    reopening: int = Field(description="1 for the first reopening of the complaint, +1 after.")
    scope: str
    reason_code: str
    reopened_at: datetime


class VerdictIn(BaseModel):
    """The resident's verdict on a closed complaint; a later one replaces it."""

    model_config = ConfigDict(extra="forbid")

    code: str | None = _CODE
    solved: str = Field(description="yes, partly or no.", examples=["partly"])
    rating: int = Field(description="1 (very poor) to 5 (very good).", examples=[4])
    comment: str | None = Field(
        default=None,
        description="The resident's own words (at most 500 characters): kept by intake only.",
    )


class VerdictOut(BaseModel):
    """A verdict saved: the highest revision stands (the last answer wins)."""

    ticket: str
    revision: int
    solved: str
    rating: int
    rated_at: datetime


class FacilitatorIn(BaseModel):
    """A PKH facilitator (pendamping) as district staff register or change one."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(max_length=40, examples=["PKH-KRW-001"])
    name: str = Field(max_length=200, examples=["Dewi Lestari"])
    village_codes: list[str] = Field(max_length=200, examples=[["32.15.02.2001"]])
    active: bool = True
    regency: str | None = Field(
        default=None, description="The facilitator's regency; the caller's by default."
    )


class FacilitatorOut(BaseModel):
    """A PKH facilitator."""

    code: str
    name: str
    regency: str
    village_codes: list[str]
    active: bool


class TargetIn(BaseModel):
    """A regency's graduation target of a year."""

    model_config = ConfigDict(extra="forbid")

    year: int = Field(examples=[2025])
    district_total: int = Field(description="Graduations the district aims at.", examples=[2000])
    per_facilitator: int = Field(description="The minimum of each facilitator.", examples=[10])
    regency: str | None = Field(default=None, description="The caller's regency by default.")


class TargetOut(BaseModel):
    """A regency's graduation target of a year."""

    regency: str
    year: int
    district_total: int
    per_facilitator: int


class GraduationIn(BaseModel):
    """A PKH graduation proposal for a beneficiary household (KPM), by its village's operator.

    The KK number and the head's NIK and name are personal data: kept with the complaint's
    resident, carried on complaint.pii only.
    """

    model_config = ConfigDict(extra="forbid")

    kk_number: str = Field(description="The household's KK number, 16 digits.")
    head_nik: str = Field(description="NIK of the head of the household, 16 digits.")
    head_name: str = Field(max_length=200, examples=["Siti Aminah"])
    facilitator_code: str = Field(max_length=40, examples=["PKH-KRW-001"])
    kind: str = Field(
        description="`sejahtera_mandiri` or `graduasi_alamiah` (GET /v1/graduations/kinds).",
        examples=["sejahtera_mandiri"],
    )
    evidence: str = Field(
        description="What shows the graduation, at most 500 characters.",
        examples=["Usaha warung berjalan 2 tahun; penghasilan di atas garis kemiskinan."],
    )


class ProposalAccepted(BaseModel):
    """The case a proposal (a graduation, a DTSEN data proposal) became, or became earlier
    under the same key."""

    complaint_id: UUID
    ticket: str
    status: str
    received_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> ProposalAccepted:
        """The answer of the case's stored row."""
        return cls(
            complaint_id=row["id"],
            ticket=row["ticket"],
            status=row["status"],
            received_at=row["received_at"],
        )


class GraduationKindOut(BaseModel):
    """A kind of graduation and its labels."""

    code: str
    label_id: str
    label_en: str


class PaceOut(BaseModel):
    """Confirmed graduations against a target and whether the pace so far reaches it."""

    confirmed: int
    target: int
    reached: bool
    on_pace: bool
    projected: int = Field(description="What the year ends with at the pace so far.")


class FacilitatorProgressOut(BaseModel):
    """A facilitator's confirmed graduations of the year against the minimum."""

    code: str
    name: str
    active: bool
    progress: PaceOut


class ProgressOut(BaseModel):
    """A regency's confirmed graduations of a year, per facilitator and in total (counts only)."""

    regency: str
    year: int
    as_of: str
    elapsed_share: float
    district: PaceOut
    facilitators: list[FacilitatorProgressOut]


class DataProposalIn(BaseModel):
    """A DTSEN data proposal of the village, as its deliberation (musyawarah desa) agreed it.

    The KK number, the head's NIK and name and the detail are personal data: kept with the
    complaint's resident and the DTSEN need's detail, carried on complaint.pii only.
    """

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(
        description="`baru` (a household to add), `perubahan` (a change of its data) or"
        " `penghapusan` (a removal, with `removal_reason`).",
        examples=["penghapusan"],
    )
    deliberation_date: str | None = Field(
        default=None,
        description="The day of the village deliberation that agreed it (YYYY-MM-DD): not after"
        " today and at most a year before it, on the district's calendar (Asia/Jakarta).",
        examples=["2025-06-12"],
    )
    removal_reason: str | None = Field(
        default=None,
        description="penghapusan only, one of " + reasons.describe_dtsen_removals() + ".",
        examples=["meninggal"],
    )
    kk_number: str = Field(description="The household's KK number, 16 digits.")
    head_nik: str = Field(description="NIK of the head of the household, 16 digits.")
    head_name: str = Field(max_length=200, examples=["Siti Aminah"])
    detail: str = Field(
        default="",
        description="What to add or change, at most 500 characters (required for"
        " `perubahan`); the DTSEN stages' agencies read it as the need's detail.",
        examples=["Jumlah anggota keluarga berubah dari 4 menjadi 5 jiwa."],
    )


class ProposalStageOut(BaseModel):
    """The stage a proposal is at (as the tracker shows it)."""

    code: str = Field(examples=["kelengkapan"])
    index: int = Field(description="1-based.")
    total: int


class DataProposalOut(BaseModel):
    """A proposal in the list: codes, stage and decision; never the NIK or the KK number."""

    complaint_id: UUID
    ticket: str
    village_code: str
    kind: str
    removal_reason: str | None
    deliberation_date: date
    received_at: datetime
    status: str = Field(description="The case's status, as the tracker's.")
    stage: ProposalStageOut | None = Field(description="None until the first stage's referral.")
    waiting_at_village: bool = Field(
        description="A stage sent it back (`data_tidak_lengkap`): the village completes it"
        " (POST /v1/complaints/{id}/completion)."
    )
    decision: str | None = Field(
        description="`accepted` or `rejected` once the case is closed; null while it runs."
    )
    decision_reason: str | None = Field(
        description="rejected: the decision's reason code (or the outcome)."
    )
    head_name: str | None = Field(
        description="The head's name masked as the complaints' list shows it (null once erased)."
    )


class DataProposalPage(BaseModel):
    """A page of proposals, newest first."""

    items: list[DataProposalOut]
    next_cursor: str | None

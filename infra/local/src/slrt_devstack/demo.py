"""The lived-in demo's plan: which complaints each Puskesos sends when, and what each agency does.

Pure and deterministic: the same seed, anchor and villages give the same plan, every item
named by an id of its own (a device `client_id` per complaint, a step number per agency
action), so sending the plan twice creates nothing twice. `demo_client` sends it through the
services' public APIs at its virtual times, the services running on a replay clock
(`slrt_shared.clock`); nothing here does I/O or reads a clock.

Each complaint is recorded on a day of the `months` before the anchor and synced when its
village's operator syncs: a prompt village the same day, a struggling one only every week or
few, so its backlog arrives late (intake's `received_at` is the sync, `recorded_at` the
operator's; monitoring counts a complaint in the month of its `received_at` and as registered
within a day when the two are at most a day apart). A complaint whose sync would fall after the
anchor is still on its device: not in the plan. An agency acts on a referral after delays
counted from when the referral reached it (its `dispatched_at`), of its desk's pace: some
finish in hours, slow desks pass their SLA and referral's own job escalates them.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from slrt_shared import reference

Kind = Literal["busy", "steady", "quiet", "struggling", "dormant"]
ActionName = Literal["acknowledge", "progress", "reject", "resolve"]

# Share of villages of each kind, and the complaints each has a month (before `scale`).
KINDS: tuple[tuple[Kind, float, tuple[int, int]], ...] = (
    ("busy", 0.15, (8, 14)),
    ("steady", 0.50, (5, 8)),
    ("quiet", 0.17, (3, 5)),
    ("struggling", 0.12, (5, 8)),
    ("dormant", 0.06, (0, 1)),
)
# Days between the syncs of a village's backlog (what its operator does not sync the same day).
SYNC_EVERY: dict[Kind, tuple[int, int]] = {
    "busy": (2, 4),
    "steady": (3, 7),
    "quiet": (5, 10),
    "struggling": (10, 24),
    "dormant": (14, 30),
}
# Share of a village's complaints its operator records and syncs within the same day.
PROMPT_SHARE: dict[Kind, tuple[float, float]] = {
    "busy": (0.55, 0.95),
    "steady": (0.4, 0.9),
    "quiet": (0.3, 0.8),
    "struggling": (0.0, 0.1),
    "dormant": (0.0, 0.5),
}
# Needs as often as a Puskesos meets them (weights), most complaints with one need.
NEED_WEIGHTS: dict[str, int] = {
    "JKN-PBI": 22,
    "ADMINDUK": 16,
    "DTSEN": 12,
    "PKH": 10,
    "SEMBAKO": 9,
    "KESEHATAN": 7,
    "LANSIA": 5,
    "RTLH": 5,
    "PIP": 4,
    "DISABILITAS": 3,
    "KERJA": 2,
    "JAMSOSTEK": 2,
    "GRADUASI": 2,
    "ANAK": 1,
    "ODGJ": 1,
    "KEKERASAN": 1,
    "BENCANA": 1,
    "LAINNYA": 2,
}
DESCRIPTIONS: dict[str, str] = {
    "JKN-PBI": "Kartu BPJS PBI tidak aktif saat berobat ke puskesmas.",
    "ADMINDUK": "Belum memiliki KTP-el dan KK perlu diperbarui.",
    "DTSEN": "Keluarga belum terdaftar dalam data kesejahteraan.",
    "PKH": "Mengajukan kepesertaan PKH untuk anak sekolah.",
    "SEMBAKO": "Tidak lagi menerima bantuan pangan sejak bulan lalu.",
    "KESEHATAN": "Perlu rujukan ke rumah sakit untuk pengobatan lanjutan.",
    "LANSIA": "Lansia tinggal sendiri tanpa pendamping.",
    "RTLH": "Atap rumah bocor dan dinding retak.",
    "PIP": "Anak terancam putus sekolah karena biaya.",
    "DISABILITAS": "Membutuhkan kursi roda.",
    "KERJA": "Mencari pelatihan kerja setelah diberhentikan.",
    "JAMSOSTEK": "Pekerja harian belum punya jaminan ketenagakerjaan.",
    "GRADUASI": "Ingin modal usaha warung kecil.",
    "ANAK": "Anak yatim tidak ada yang mengasuh.",
    "ODGJ": "Anggota keluarga perlu penanganan kejiwaan.",
    "KEKERASAN": "Ibu dan anak mengalami kekerasan dalam rumah tangga.",
    "BENCANA": "Rumah rusak terkena banjir luapan sungai.",
    "LAINNYA": "Pengaduan lain untuk ditelaah sekretariat.",
}
FIRST_NAMES = (
    "Siti", "Nur", "Dewi", "Sri", "Ahmad", "Asep", "Dedi", "Ujang", "Euis", "Neneng",
    "Yayan", "Iis", "Rina", "Agus", "Wawan", "Cucu", "Entin", "Ade", "Imas", "Dadang",
)  # fmt: skip
LAST_NAMES = (
    "Aminah", "Hidayat", "Suryani", "Rahayu", "Saputra", "Kurniawan", "Lestari", "Nurjanah",
    "Permana", "Setiawan", "Maryati", "Gunawan", "Komariah", "Sutisna", "Rohmah",
)  # fmt: skip


@dataclass(frozen=True)
class Habit:
    """How an agency's desk treats its referrals: shares of each fate, and its usual reasons."""

    resolve: float
    reject: float
    progress: float  # of the rest: worked on but not finished (else acknowledged or untouched)
    reasons: tuple[str, ...]
    pace_days: float = 3.0  # the usual days from a referral's arrival to the desk's first act


# The agencies' habits: some prompt, some slow, some quick to reject. A pace beyond the SLA of
# the services the desk serves (services.csv: 1 to 30 working days) makes it late, escalated.
HABITS: dict[str, Habit] = {
    "DINSOS": Habit(0.55, 0.10, 0.5, ("sudah_ditangani", "tidak_memenuhi_syarat"), 2.5),
    "DINKES": Habit(0.70, 0.05, 0.6, ("bukan_kewenangan",), 1),
    "DISDUKCAPIL": Habit(0.80, 0.05, 0.5, ("data_tidak_lengkap",), 1.5),
    "BPJSKES": Habit(0.45, 0.30, 0.4, ("data_tidak_lengkap", "tidak_memenuhi_syarat"), 6),
    "PKH": Habit(0.35, 0.25, 0.4, ("tidak_memenuhi_syarat", "sudah_ditangani"), 10),
    "DISPERKIM": Habit(0.15, 0.10, 0.7, ("tidak_memenuhi_syarat", "di_luar_wilayah"), 25),
    "DISDIK": Habit(0.50, 0.15, 0.5, ("bukan_kewenangan", "tidak_memenuhi_syarat"), 5),
    "KEMENAG": Habit(0.60, 0.05, 0.5, ("bukan_kewenangan",), 4),
    "DP3A": Habit(0.65, 0.05, 0.6, ("bukan_kewenangan",), 0.5),
    "BPJSTK": Habit(0.40, 0.20, 0.4, ("data_tidak_lengkap",), 6),
    "DISNAKERTRANS": Habit(0.30, 0.10, 0.6, ("tidak_memenuhi_syarat",), 20),
    "DISKOPUKM": Habit(0.30, 0.10, 0.6, ("tidak_memenuhi_syarat",), 20),
    "BPBD": Habit(0.70, 0.05, 0.5, ("di_luar_wilayah",), 0.3),
    "SLRT": Habit(0.60, 0.0, 0.5, (), 2),
}
DEFAULT_HABIT = Habit(0.5, 0.1, 0.5, ("lainnya",))
# Share of the referrals a desk works on without finishing in its pace that it finishes weeks
# later (the others stay open).
LATE_FINISH = 0.6
# Complaints a batch carries at most (intake's limit is higher).
BATCH_SIZE = 50
# A need is passed on at most this many times: the later agencies keep what they get.
MAX_REJECTIONS = 2


@dataclass(frozen=True)
class Resident:
    """A made-up resident with a NIK of the village's kecamatan that intake accepts."""

    nik: str
    name: str
    phone: str
    address: str


@dataclass(frozen=True)
class PlannedComplaint:
    """One complaint a Puskesos recorded offline, identified by its device's client id."""

    client_id: str
    village_code: str
    needs: tuple[str, ...]
    recorded_at: datetime
    resident: Resident
    synced_at: datetime  # when its village's operator sends it (intake's `received_at`)

    def body(self) -> dict[str, object]:
        """The item of `POST /v1/complaints/batch`."""
        return {
            "client_id": self.client_id,
            "village_code": self.village_code,
            "needs": list(self.needs),
            "description": " ".join(DESCRIPTIONS[n] for n in self.needs),
            "recorded_at": self.recorded_at.isoformat(),
            "resident": {
                "nik": self.resident.nik,
                "name": self.resident.name,
                "phone": self.resident.phone,
                "address": self.resident.address,
            },
        }


@dataclass(frozen=True)
class Village:
    """A village's part of the demo: its kind and its complaints."""

    code: str
    kind: Kind
    complaints: tuple[PlannedComplaint, ...]


@dataclass(frozen=True)
class Batch:
    """What a village's operator syncs at once: one `POST /v1/complaints/batch`."""

    village_code: str
    synced_at: datetime
    complaints: tuple[PlannedComplaint, ...]


@dataclass(frozen=True)
class Step:
    """One agency action: the endpoint's last path segment, the JSON body, and when it is done
    (`after` the referral reached the agency)."""

    action: ActionName
    body: dict[str, str] = field(default_factory=dict)
    after: timedelta = timedelta(0)


# The status each action leaves a referral in, to skip what an earlier run already did.
REACHES: dict[ActionName, str] = {
    "acknowledge": "acknowledged",
    "progress": "in_progress",
    "reject": "rejected",
    "resolve": "resolved",
}
_ORDER = {"dispatched": 0, "acknowledged": 1, "in_progress": 2, "rejected": 3, "resolved": 3}


def _rng(*parts: object) -> random.Random:
    """A generator of its own for each named thing, so a plan does not depend on order."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _kind(rng: random.Random) -> Kind:
    roll = rng.random()
    for kind, share, _ in KINDS:
        if roll < share:
            return kind
        roll -= share
    return KINDS[-1][0]


def _nik(rng: random.Random, village_code: str, serial: int) -> str:
    """A NIK of the village's kecamatan: birth date (day + 40 for women), then a serial."""
    province, regency, kecamatan = village_code.split(".")[:3]
    day = rng.randint(1, 28) + (40 if rng.random() < 0.55 else 0)
    month, year = rng.randint(1, 12), rng.randint(40, 99)
    return f"{province}{regency}{kecamatan}{day:02d}{month:02d}{year:02d}{serial % 9999 + 1:04d}"


def _resident(rng: random.Random, village_code: str, serial: int) -> Resident:
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    phone = "08" + str(rng.choice((12, 13, 21, 52, 57, 77, 81, 95))) + f"{rng.randrange(10**8):08d}"
    address = f"Dusun {rng.randint(1, 6)} RT {rng.randint(1, 9):02d}/RW {rng.randint(1, 5):02d}"
    return Resident(_nik(rng, village_code, serial), name, phone, address)


def _needs(rng: random.Random) -> tuple[str, ...]:
    codes, weights = list(NEED_WEIGHTS), list(NEED_WEIGHTS.values())
    first = rng.choices(codes, weights)[0]
    if rng.random() < 0.2:
        second = rng.choices(codes, weights)[0]
        if second != first:
            return (first, second)
    return (first,)


def plan_village(
    code: str, seed: str, anchor: datetime, months: int, scale: float = 1.0
) -> Village:
    """A village's kind and complaints, recorded over the `months` before `anchor`, each with
    its sync: the same day for the share its operator syncs promptly, else the village's next
    sync of its backlog; those a sync after `anchor` would bring are left out."""
    rng = _rng(seed, "village", code)
    kind = _kind(rng)
    low, high = next(counts for k, _, counts in KINDS if k == kind)
    count = round(sum(rng.randint(low, high) for _ in range(months)) * scale)
    prompt_low, prompt_high = PROMPT_SHARE[kind]
    prompt = rng.uniform(prompt_low, prompt_high)
    every = timedelta(days=rng.randint(*SYNC_EVERY[kind]))
    window = timedelta(days=30 * months)
    start = anchor - window
    # The backlog's syncs: every `every` from a phase of the village's own, at an office hour.
    first_sync = start + timedelta(days=rng.uniform(0, every.days), hours=rng.uniform(0, 8))
    complaints = []
    for n in range(count):
        item = _rng(seed, "complaint", code, n)
        recorded = (start + timedelta(seconds=item.uniform(0, window.total_seconds()))).replace(
            microsecond=0
        )
        if item.random() < prompt:
            synced = recorded + timedelta(minutes=item.randint(20, 10 * 60))
        else:
            # Recorded at least a day before the sync that brings it.
            waited = max(recorded + timedelta(days=1) - first_sync, timedelta(0))
            synced = first_sync + every * -(-waited // every)
        serial = int(code.split(".")[-1]) * 100 + n
        planned = PlannedComplaint(
            client_id=f"demo-{seed}:{code}:{n:04d}",
            village_code=code,
            needs=_needs(item),
            recorded_at=recorded,
            resident=_resident(item, code, serial),
            synced_at=synced.replace(microsecond=0),
        )
        if planned.synced_at <= anchor:
            complaints.append(planned)
    return Village(code, kind, tuple(sorted(complaints, key=lambda c: c.recorded_at)))


def plan_district(
    village_codes: Iterable[str], seed: str, anchor: datetime, months: int, scale: float = 1.0
) -> list[Village]:
    """Every village's part, in code order."""
    return [plan_village(code, seed, anchor, months, scale) for code in sorted(village_codes)]


def batches(villages: Iterable[Village]) -> list[Batch]:
    """Every sync of the plan, earliest first: a village's complaints synced at one moment,
    at most `BATCH_SIZE` a request."""
    found: list[Batch] = []
    for village in villages:
        by_time: dict[datetime, list[PlannedComplaint]] = {}
        for c in village.complaints:
            by_time.setdefault(c.synced_at, []).append(c)
        for at, items in by_time.items():
            for i in range(0, len(items), BATCH_SIZE):
                found.append(Batch(village.code, at, tuple(items[i : i + BATCH_SIZE])))
    return sorted(found, key=lambda b: (b.synced_at, b.village_code))


def regency_villages(regency: str, limit: int | None = None) -> list[str]:
    """The codes of the regency's villages (the first `limit` of them, by code)."""
    codes = sorted(v.code for v in reference.villages(regency))
    return codes[:limit] if limit else codes


def plan_referral(
    seed: str, client_id: str, service_code: str, attempt: int, agency_code: str, kind: Kind
) -> tuple[Step, ...]:
    """What the agency does with one referral: nothing yet, some steps, a rejection or an outcome.

    A struggling village's cases come with missing papers: fewer are finished, more are sent
    back as incomplete. A need already passed on `MAX_REJECTIONS` times is not rejected again.
    """
    rng = _rng(seed, "referral", client_id, service_code, attempt)
    habit = HABITS.get(agency_code, DEFAULT_HABIT)
    resolve, reject = habit.resolve, habit.reject
    reasons = habit.reasons or ("lainnya",)
    if kind == "struggling":
        resolve, reject = resolve * 0.2, reject + 0.15
        reasons = ("data_tidak_lengkap", *reasons)
    if attempt > MAX_REJECTIONS or agency_code == "SLRT":
        reject = 0.0
    roll = rng.random()
    steps: list[Step] = []
    if roll < resolve:
        if rng.random() < 0.8:
            steps.append(Step("acknowledge"))
        if rng.random() < 0.5:
            steps.append(Step("progress"))
        outcome = rng.choices(["resolved", "partially_resolved", "unresolvable"], [80, 15, 5])[0]
        steps.append(Step("resolve", {"outcome": outcome}))
    elif roll < resolve + reject:
        if rng.random() < 0.3:
            steps.append(Step("acknowledge"))
        steps.append(Step("reject", {"reason_code": rng.choice(reasons)}))
    else:
        worked = rng.random()
        if worked < habit.progress:
            steps += [Step("acknowledge"), Step("progress")]
        elif worked < habit.progress + (1 - habit.progress) / 2:
            steps.append(Step("acknowledge"))
    timed = _timed(steps, _rng(seed, "pace", client_id, service_code, attempt), habit, kind)
    late = _rng(seed, "late", client_id, service_code, attempt)
    if timed and timed[-1].action in ("acknowledge", "progress") and late.random() < LATE_FINISH:
        # Worked on and finished weeks later: late, but not left open for months.
        outcome = late.choices(["resolved", "partially_resolved"], [85, 15])[0]
        after = timed[-1].after + timedelta(days=late.uniform(14, 45))
        timed = (*timed, Step("resolve", {"outcome": outcome}, after))
    return timed


def _timed(steps: list[Step], rng: random.Random, habit: Habit, kind: Kind) -> tuple[Step, ...]:
    """The steps with their times after arrival: the first after about the desk's pace (a
    struggling village's papers take longer), each next one a while after."""
    pace = habit.pace_days * (1.5 if kind == "struggling" else 1.0)
    after = timedelta(hours=1) + timedelta(days=pace * rng.lognormvariate(0, 0.6))
    timed = []
    for step in steps:
        timed.append(Step(step.action, step.body, after))
        after += timedelta(hours=2) + timedelta(days=pace * 0.6 * rng.lognormvariate(0, 0.6))
    return tuple(timed)


def remaining(steps: Sequence[Step], status: str) -> list[tuple[int, Step]]:
    """The steps (with their numbers) not yet done on a referral now in `status`."""
    if status in ("rejected", "resolved"):
        return []
    reached = _ORDER.get(status, 0)
    return [(n, s) for n, s in enumerate(steps) if _ORDER[REACHES[s.action]] > reached]


# The villages (the first by code) a default demo replays: None, the whole regency (Karawang:
# 309), which this 2-core machine's services keep pace with in the default minutes.
DEFAULT_VILLAGES: int | None = None
# How long a default replay takes: the whole regency's three months kept within hours of the
# clock (at 8 minutes they fell days behind, and nearly every ranked village was flagged).
DEFAULT_MINUTES = 16.0


@dataclass(frozen=True)
class Settings:
    """What names a plan: its seed, the moment it counts back from, and its size."""

    seed: str = "karawang"
    anchor: datetime | None = None
    months: int = 3
    scale: float = 1.0
    villages: int | None = DEFAULT_VILLAGES

    def as_json(self) -> dict[str, object]:
        """The settings as `.local/demo.json` keeps them."""
        return {
            "seed": self.seed,
            "anchor": self.anchor.isoformat() if self.anchor else None,
            "months": self.months,
            "scale": self.scale,
            "villages": self.villages,
        }


def replay_rate(months: int, minutes: float) -> float:
    """Virtual seconds per real second for `months` of history to take about `minutes`: the
    replay clock then catches up with the real one `minutes` after its epoch."""
    if minutes <= 0:
        raise ValueError("minutes must be above 0")
    window = timedelta(days=30 * months).total_seconds()
    return window / (minutes * 60) + 1


def settings_for(given: dict[str, object], kept: dict[str, object], now: datetime) -> Settings:
    """The settings of this run: those given, else those an earlier run kept, else defaults.

    The anchor is the first run's moment to the minute unless given; it may not lie ahead of
    `now`, since intake refuses a `recorded_at` in the future.
    """
    merged = {
        **{k: v for k, v in kept.items() if v is not None},
        **{k: v for k, v in given.items() if v is not None},
    }
    anchor_text = merged.pop("anchor", None)
    anchor = (
        datetime.fromisoformat(str(anchor_text))
        if anchor_text
        else now.replace(second=0, microsecond=0)
    )
    if anchor.tzinfo is None:
        raise ValueError("the anchor needs a time zone, e.g. 2026-12-01T09:00:00+07:00")
    if anchor > now:
        raise ValueError(f"the anchor {anchor.isoformat()} lies in the future")
    fields = {k: merged[k] for k in ("seed", "months", "scale", "villages") if k in merged}
    settings = Settings(anchor=anchor, **fields)  # type: ignore[arg-type]
    if settings.months < 1 or settings.scale <= 0:
        raise ValueError("months must be at least 1 and scale above 0")
    return settings

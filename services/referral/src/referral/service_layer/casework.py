"""The secretariat's work on cases: each action checked, kept in the case's history, announced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from referral.domain import casework, errors
from referral.domain.casework_log import CaseAction
from referral.domain.errors import Refusal
from referral.domain.referrals import Case, Referral, current_referrals
from referral.domain.routing import SECRETARIAT, secretariat_rule
from referral.domain.staff import Staff
from referral.domain.stages import StagedDispatch
from referral.service_layer.closing import close_if_complete
from referral.service_layer.context import SOURCE, Context
from referral.service_layer.routing import send
from referral.service_layer.unit_of_work import UnitOfWork
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import CaseWorkAction, ReferralCaseWork


@dataclass(frozen=True)
class ExtendDue:
    """A named person of the secretariat (or the admin) extends a referral's due date."""

    referral_id: UUID
    due_at: datetime
    reason_code: str
    worker: Staff
    by_name: str


async def _worked_referral(uow: UnitOfWork, referral_id: UUID, worker: Staff) -> Referral:
    """The referral, locked, when the worker may act on it; another regency's is not found."""
    casework.check_worker(worker)
    referral, _ = await _seen_referral(uow, referral_id, worker)
    return referral


async def _seen_referral(
    uow: UnitOfWork, referral_id: UUID, worker: Staff
) -> tuple[Referral, Case]:
    """The referral (locked) and its case, when the worker sees the case; else not found."""
    referral = await uow.referral(referral_id, for_update=True)
    case = await uow.case(referral.complaint_id) if referral else None
    if referral is None or case is None or not worker.sees(case.village_code):
        raise Refusal(errors.NO_REFERRAL)
    return referral, case


@dataclass(frozen=True)
class Worked:
    """What an action wrote: the referral acted on and the referral that follows it, if any."""

    referral: Referral
    next_referral: Referral | None = None
    current: bool = False  # whether `referral` is still the latest attempt of its need


async def _record(
    uow: UnitOfWork,
    referral: Referral,
    action: CaseWorkAction,
    worker: Staff,
    by_name: str,
    at: datetime,
    **fields: Any,
) -> None:
    """Keep an action in the case's history and announce it (a note's text stays here)."""
    note = fields.pop("note", None)
    await uow.record_action(
        CaseAction(
            referral.id,
            referral.complaint_id,
            action,
            fields.get("reason_code"),
            None,
            None,
            worker.account_id,
            by_name,
            at,
            fields.get("service_code"),
            fields.get("to_agency_code"),
            fields.get("outcome"),
            note,
        )
    )
    data = ReferralCaseWork(
        referral_id=referral.id,
        complaint_id=referral.complaint_id,
        action=action,
        by_account=worker.account_id,
        at=at,
        **fields,
    )
    uow.announce(new_event(data, source=SOURCE, subject=referral.complaint_id, time=at))


async def _reread(uow: UnitOfWork, referral_id: UUID) -> Referral:
    referral = await uow.referral(referral_id)
    assert referral is not None
    return referral


async def _worked(uow: UnitOfWork, referral_id: UUID, following: Referral | None = None) -> Worked:
    """The referral as the action left it, whether it is current, and what follows it."""
    referral = await _reread(uow, referral_id)
    latest = current_referrals(await uow.referrals_of(referral.complaint_id))
    mine = latest.get(referral.service_code)
    return Worked(referral, following, mine is not None and mine.id == referral.id)


@dataclass(frozen=True)
class Triage:
    """The secretariat sends a need waiting at it to a service and an agency (default: the
    first agency of the service's rule)."""

    referral_id: UUID
    service_code: str
    agency_code: str | None
    worker: Staff
    by_name: str


async def triage(command: Triage, uow: UnitOfWork, *, context: Context) -> Worked:
    """Send a waiting need on: `triaged`, then a referral.dispatched of the next attempt."""
    casework.check_worker(command.worker)
    referral, case = await _seen_referral(uow, command.referral_id, command.worker)
    rule = await uow.rule(command.service_code, case.kecamatan_code)
    agency_code = command.agency_code or (rule.agencies[0] if rule else "")
    siblings = await uow.referrals_of(case.complaint_id)
    casework.check_triage(
        referral,
        command.service_code,
        agency_code,
        rule is not None,
        await uow.agency_codes(),
        frozenset(r.service_code for r in siblings),
    )
    assert rule is not None  # check_triage refuses a service without a rule
    now = context.clock()
    moved = command.service_code if command.service_code != referral.service_code else None
    await uow.withdraw(referral.id, moved)
    await _record(
        uow,
        referral,
        "triaged",
        command.worker,
        command.by_name,
        now,
        service_code=command.service_code,
        to_agency_code=agency_code,
    )
    calendar = await context.calendar_in(uow)
    sent = await send(
        uow, case, rule, agency_code, referral.attempt + 1, referral.bounces, context, calendar
    )
    return await _worked(uow, referral.id, sent)


@dataclass(frozen=True)
class Reroute:
    """The secretariat takes an open referral from its agency, with a reason, for another."""

    referral_id: UUID
    agency_code: str
    reason_code: str
    worker: Staff
    by_name: str


async def reroute(command: Reroute, uow: UnitOfWork, *, context: Context) -> Worked:
    """`withdrawn` (to the new agency), then a referral.dispatched of the next attempt."""
    casework.check_worker(command.worker)
    referral, case = await _seen_referral(uow, command.referral_id, command.worker)
    casework.check_reroute(
        referral, command.agency_code, command.reason_code, await uow.agency_codes()
    )
    now = context.clock()
    await uow.withdraw(referral.id)
    await _record(
        uow,
        referral,
        "withdrawn",
        command.worker,
        command.by_name,
        now,
        reason_code=command.reason_code,
        to_agency_code=command.agency_code,
    )
    sent = await _next_attempt(uow, case, referral, command.agency_code, context)
    return await _worked(uow, referral.id, sent)


@dataclass(frozen=True)
class Hold:
    """The secretariat works a referral itself: a need waiting at it, or one taken (with a
    reason) from its agency."""

    referral_id: UUID
    reason_code: str | None
    worker: Staff
    by_name: str


async def hold(command: Hold, uow: UnitOfWork, *, context: Context) -> Worked:
    """A waiting need: `held` (now in progress at the secretariat). An agency's referral:
    `withdrawn` (to nobody), a referral.dispatched to the secretariat, then `held` of it."""
    casework.check_worker(command.worker)
    referral, case = await _seen_referral(uow, command.referral_id, command.worker)
    casework.check_hold(referral, command.reason_code)
    now = context.clock()
    if casework.holds_itself(referral):
        await uow.set_status(referral.id, "in_progress", None)
        await _record(uow, referral, "held", command.worker, command.by_name, now)
        return await _worked(uow, referral.id)
    await uow.withdraw(referral.id)
    await _record(
        uow,
        referral,
        "withdrawn",
        command.worker,
        command.by_name,
        now,
        reason_code=command.reason_code,
        to_agency_code=None,
    )
    sent = await _next_attempt(uow, case, referral, SECRETARIAT, context)
    await uow.set_status(sent.id, "in_progress", None)
    held = await _reread(uow, sent.id)
    await _record(uow, held, "held", command.worker, command.by_name, now)
    return await _worked(uow, referral.id, held)


@dataclass(frozen=True)
class Resolve:
    """The secretariat reports the outcome of a referral it holds."""

    referral_id: UUID
    outcome: str
    worker: Staff
    by_name: str


async def resolve(command: Resolve, uow: UnitOfWork, *, context: Context) -> Worked:
    """`resolved`, and the case closes (complaint.closed) when every need has an outcome."""
    casework.check_worker(command.worker)
    referral, _ = await _seen_referral(uow, command.referral_id, command.worker)
    outcome = casework.check_resolution(referral, command.outcome)
    now = context.clock()
    await uow.resolve(referral.id, outcome, now)
    await _record(uow, referral, "resolved", command.worker, command.by_name, now, outcome=outcome)
    await close_if_complete(uow, referral.complaint_id, context)
    return await _worked(uow, referral.id)


@dataclass(frozen=True)
class AddNote:
    """A staff member notes a case on one of its referrals (free text, kept in referral)."""

    referral_id: UUID
    text: str
    worker: Staff
    by_name: str


async def add_note(command: AddNote, uow: UnitOfWork, *, context: Context) -> Worked:
    """Keep the note in the case's history; `note_added` announces it without its text."""
    casework.check_noter(command.worker)
    referral, _ = await _seen_referral(uow, command.referral_id, command.worker)
    text = casework.checked_note(command.text)
    await _record(
        uow, referral, "note_added", command.worker, command.by_name, context.clock(), note=text
    )
    return await _worked(uow, referral.id)


async def extend_due(command: ExtendDue, uow: UnitOfWork, *, context: Context) -> Referral:
    """Move the due date later with a reason; refused (nothing changed) on bad input."""
    referral = await _worked_referral(uow, command.referral_id, command.worker)
    now = context.clock()
    casework.check_extension(referral, command.due_at, command.reason_code, now)
    await uow.extend_due(referral.id, command.due_at)
    await uow.record_action(
        CaseAction(
            referral.id,
            referral.complaint_id,
            "due_extended",
            command.reason_code,
            referral.due_at,
            command.due_at,
            command.worker.account_id,
            command.by_name,
            now,
        )
    )
    data = ReferralCaseWork(
        referral_id=referral.id,
        complaint_id=referral.complaint_id,
        action="due_extended",
        reason_code=command.reason_code,
        due_at=command.due_at,
        previous_due_at=referral.due_at,
        by_account=command.worker.account_id,
        at=now,
    )
    uow.announce(new_event(data, source=SOURCE, subject=referral.complaint_id, time=now))
    extended = await uow.referral(referral.id)
    assert extended is not None
    return extended


@dataclass(frozen=True)
class ReadQueues:
    """A staff member or the admin opens the console: the queues they have."""

    reader: Staff
    limit: int = 200


async def read_queues(
    command: ReadQueues, uow: UnitOfWork, *, context: Context
) -> dict[str, list[dict[str, Any]]]:
    """Each queue of the reader, its referrals due first (another area's never among them)."""
    now = context.clock()
    return {
        name: await uow.queue(casework.queue_query(name, command.reader, now), command.limit)
        for name in casework.queues_for(command.reader)
    }


@dataclass(frozen=True)
class ReadCatalogue:
    """The console asks what a need may be sent to: the services with a rule, the agencies."""


async def read_catalogue(command: ReadCatalogue, uow: UnitOfWork) -> dict[str, Any]:
    """The codes of the services with a routing rule and the registered agencies (names)."""
    services = sorted({r["service_code"] for r in await uow.rules()})
    return {"services": services, "agencies": await uow.agencies()}


async def _next_attempt(
    uow: UnitOfWork, case: Case, referral: Referral, agency_code: str, context: Context
) -> Referral:
    """The referral's next attempt under its own rule, at its stage, sent to `agency_code`."""
    rule = await uow.rule(referral.service_code, case.kecamatan_code) or secretariat_rule(
        referral.service_code
    )
    calendar = await context.calendar_in(uow)
    step = await _same_stage(uow, referral)
    attempt = referral.attempt + 1
    return await send(
        uow, case, rule, agency_code, attempt, referral.bounces, context, calendar, step=step
    )


async def _same_stage(uow: UnitOfWork, referral: Referral) -> StagedDispatch | None:
    """The stage a staged need's referral was at: a re-routed or held one stays at it."""
    if referral.stage_index is None:
        return None
    stages = await uow.need_stages(referral.complaint_id, referral.service_code)
    if not 1 <= referral.stage_index <= len(stages):
        return None
    return StagedDispatch(stages[referral.stage_index - 1], referral.stage_index, len(stages))

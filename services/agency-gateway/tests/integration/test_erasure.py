"""The gateway erases a complaint's resident data on its erasure event, on a real Postgres."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from gateway.adapters.repository import GatewayUnitOfWork
from gateway.domain.referrals import AgencyAction, Referral
from gateway.service_layer import erasure
from gateway.service_layer.actions import ActOnReferral, act
from gateway.service_layer.inbound import Announced
from gateway.service_layer.views import ReadReferral, read_referral
from slrt_shared.contracts.envelope import new_event
from slrt_shared.contracts.events import ComplaintPii, ComplaintPiiErased
from slrt_shared.contracts.topics import TopicLayout

from .conftest import stored_referral

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

NOW = datetime.now(UTC)
NIK = "3215024107800001"
SOURCE = "/slrt/intake"


def pii(complaint_id: uuid.UUID) -> ComplaintPii:
    return ComplaintPii(
        complaint_id=complaint_id,
        nik=NIK,
        name="Siti Aminah",
        phone="+6281234567890",
        address="Dusun Krajan RT 02/RW 01",
        description="Suami memukul; anak tidak sekolah.",
    )


async def given_case(gateway_db) -> Referral:  # type: ignore[no-untyped-def]
    """A referral of a special service with its resident, a note and a queued webhook."""
    referral = stored_referral("KEKERASAN", "DP3A", NOW)
    async with GatewayUnitOfWork(gateway_db.pool, TopicLayout("")) as uow:
        await uow.add_referral(referral)
        data = pii(referral.complaint_id)
        await erasure.on_pii_unless_erased(Announced.of(data, _event(data)), uow)
        await uow.enqueue_delivery(
            uuid.uuid4(), "DP3A", referral.id, "id.slrt.agency.referral.v1", f'{{"nik": "{NIK}"}}'
        )
        await act(
            ActOnReferral(
                agency_code="DP3A",
                referral_id=referral.id,
                request=AgencyAction("acknowledge", note="Ibu Siti Aminah dihubungi"),
                idempotency_key=f"ack-{referral.id}",
            ),
            uow,
        )
        await uow.commit()
    return referral


def _event(data: ComplaintPii | ComplaintPiiErased):  # type: ignore[no-untyped-def]
    return new_event(data, source=SOURCE, subject=data.complaint_id)


async def held(gateway_db, referral: Referral) -> list[str]:  # type: ignore[no-untyped-def]
    """Tables still holding the resident's NIK, name or the agency's note about her."""
    found = []
    for table in ("residents", "referrals", "idempotency_keys", "webhook_deliveries"):
        rows = await gateway_db.pool.fetch(f"SELECT t::text AS row FROM {table} t")
        text = "\n".join(
            r["row"]
            for r in rows
            if str(referral.id) in r["row"] or str(referral.complaint_id) in r["row"]
        )
        found += [f"{table}: {v}" for v in (NIK, "Siti Aminah", "Suami memukul") if v in text]
    return found


async def test_an_erasure_event_removes_the_residents_data_notes_answers_and_webhook_payloads(
    gateway_db,
) -> None:  # type: ignore[no-untyped-def]
    referral = await given_case(gateway_db)
    other = await given_case(gateway_db)
    assert await held(gateway_db, referral)

    erased = ComplaintPiiErased(complaint_id=referral.complaint_id, erased_at=NOW, cause="request")
    outbox_before = await gateway_db.pool.fetchval("SELECT coalesce(max(id), 0) FROM outbox")
    async with GatewayUnitOfWork(gateway_db.pool, TopicLayout("")) as uow:
        await erasure.on_pii_erased(Announced.of(erased, _event(erased)), uow)
        await erasure.on_pii_erased(
            Announced.of(erased, _event(erased)), uow
        )  # a second time: no harm
        await uow.commit()

    assert await held(gateway_db, referral) == []
    # The agency is told once, on its own topic, by a copy without the resident.
    copies = await gateway_db.pool.fetch(
        "SELECT topic, convert_from(value, 'UTF8')::jsonb -> 'data' AS data FROM outbox"
        " WHERE id > $1 AND key = $2",
        outbox_before,
        str(referral.complaint_id).encode(),
    )
    assert [c["topic"] for c in copies] == ["agency.DP3A.referrals"]
    copy = json.loads(copies[0]["data"])
    assert copy["change"] == "id.slrt.complaint.pii_erased.v1" and copy["resident"] is None
    delivery = await gateway_db.pool.fetchrow(
        "SELECT status, payload, last_error FROM webhook_deliveries WHERE referral_id = $1",
        referral.id,
    )
    assert (delivery["status"], delivery["payload"]) == ("parked", None)
    assert delivery["last_error"] == "personal data erased"
    # The case record stays: status, dates, agency.
    row = await gateway_db.pool.fetchrow("SELECT status FROM referrals WHERE id = $1", referral.id)
    assert row["status"] == "acknowledged"
    # The other complaint keeps its data.
    assert await held(gateway_db, other)

    # The agency reads the referral marked erased.
    async with GatewayUnitOfWork(gateway_db.pool, TopicLayout("")) as uow:
        view = await read_referral(ReadReferral("DP3A", referral.id), uow)
    assert view is not None and view.personal_data_erased and view.resident is None

    # A personal record read after the erasure (a replay) is dropped.
    replayed = pii(referral.complaint_id)
    async with GatewayUnitOfWork(gateway_db.pool, TopicLayout("")) as uow:
        await erasure.on_pii_unless_erased(Announced.of(replayed, _event(replayed)), uow)
        await uow.commit()
    assert await held(gateway_db, referral) == []

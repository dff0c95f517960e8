"""Each event type names the topic it is published on, so `uow.announce` needs no topic."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from slrt_shared.contracts import topics
from slrt_shared.contracts.envelope import CloudEvent
from slrt_shared.contracts.events import EVENT_DATA_TYPES, AgencyReferral
from slrt_shared.unit_of_work import contract_topic


def bare(event_type: str, **data: object) -> CloudEvent:
    return CloudEvent(
        id=uuid4(),
        source="/slrt/test",
        type=event_type,
        time=datetime.now(UTC),
        subject=str(uuid4()),
        data=data,
    )


@pytest.mark.parametrize("model", EVENT_DATA_TYPES, ids=lambda m: m.__name__)
def test_every_event_type_names_its_topic(model) -> None:  # type: ignore[no-untyped-def]
    expected = topics.agency_topic("DINSOS") if model is AgencyReferral else model.topic
    assert contract_topic(bare(model.event_type, agency_code="DINSOS")) == expected
    assert expected in (*topics.EVENT_TOPICS, topics.agency_topic("DINSOS"))


def test_an_unknown_type_or_an_agency_copy_without_its_agency_has_no_topic() -> None:
    with pytest.raises(ValueError, match="no topic carries"):
        contract_topic(bare("id.slrt.nothing.v1"))
    with pytest.raises(ValueError, match="agency_code"):
        contract_topic(bare(AgencyReferral.event_type))

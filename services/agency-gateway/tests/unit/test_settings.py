import pytest
from pydantic import ValidationError

from gateway.settings import GatewaySettings


def test_agency_topics_cannot_ask_for_more_in_sync_replicas_than_replicas() -> None:
    with pytest.raises(ValidationError, match="exceeds"):
        GatewaySettings(
            database_url="postgresql://gateway@127.0.0.1/slrt",
            agency_topic_replicas=1,
            agency_topic_min_insync_replicas=2,
        )


def test_agency_topics_default_to_one_local_broker() -> None:
    settings = GatewaySettings(database_url="postgresql://gateway@127.0.0.1/slrt")
    assert (settings.agency_topic_replicas, settings.agency_topic_min_insync_replicas) == (1, 1)

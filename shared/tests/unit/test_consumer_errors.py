"""What a record's failure means: poison is dead-lettered, the platform's failures waited out."""

from __future__ import annotations

import random

import asyncpg
import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    NotEnoughReplicasError,
    TopicAuthorizationFailedError,
    UnknownTopicOrPartitionError,
)
from pydantic import BaseModel, ValidationError

from slrt_shared.consumer import ErrorClass, backoff_delay, classify, describe_error
from slrt_shared.contracts.envelope import InvalidEventError
from slrt_shared.contracts.events import ComplaintPii


class UnknownReferralError(InvalidEventError):
    """How a service could name its own domain-invalid events."""


class Strict(BaseModel):
    n: int


POSTGRES_ERRORS = [
    asyncpg.exceptions.ReadOnlySQLTransactionError,  # 25006: a failover's demoted primary
    asyncpg.exceptions.DiskFullError,  # 53100
    asyncpg.exceptions.OutOfMemoryError,  # 53200
    asyncpg.exceptions.QueryCanceledError,  # 57014: statement_timeout, a cancel
    asyncpg.exceptions.LockNotAvailableError,  # 55P03: lock_timeout, NOWAIT
    asyncpg.exceptions.IdleInTransactionSessionTimeoutError,  # 25P03
    asyncpg.exceptions.AdminShutdownError,  # 57P01
    asyncpg.exceptions.CannotConnectNowError,  # 57P03: starting up or in recovery
    asyncpg.exceptions.TooManyConnectionsError,  # 53300
    asyncpg.exceptions.SerializationError,  # 40001
    asyncpg.exceptions.DeadlockDetectedError,  # 40P01
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.UniqueViolationError,  # two replicas racing for one row
]


@pytest.mark.parametrize("error", POSTGRES_ERRORS, ids=lambda e: e.__name__)
def test_every_postgres_error_is_transient(error: type[Exception]) -> None:
    assert classify(error("the database said no")) is ErrorClass.TRANSIENT


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.InterfaceError("connection is closed"),
        ConnectionRefusedError("database restarting"),
        ConnectionResetError(),
        asyncpg.InternalClientError(
            "cannot switch to state 15; another operation (2) is in progress"
        ),
        TimeoutError("pool acquire timed out"),
        OSError("network unreachable"),
        KafkaConnectionError(),
        KafkaTimeoutError(),
        UnknownTopicOrPartitionError(),
        MessageSizeTooLargeError(),
        NotEnoughReplicasError(),
        TopicAuthorizationFailedError(),
    ],
    ids=lambda e: type(e).__name__,
)
def test_connection_and_broker_errors_are_transient(error: Exception) -> None:
    assert classify(error) is ErrorClass.TRANSIENT


def test_undecodable_schema_violating_and_domain_invalid_events_are_poison() -> None:
    assert classify(InvalidEventError("not a valid SLRT CloudEvent")) is ErrorClass.POISON
    assert classify(UnknownReferralError("unknown referral 42")) is ErrorClass.POISON


def test_a_programming_error_is_neither_poison_nor_transient() -> None:
    for error in [KeyError("referral_id"), TypeError("None has no len()"), ValueError("bad")]:
        assert classify(error) is ErrorClass.UNEXPECTED
    # a model misused inside a use case (the event's own schema raises InvalidEventError)
    with pytest.raises(ValidationError) as misuse:
        Strict(n="x")  # type: ignore[arg-type]
    assert classify(misuse.value) is ErrorClass.UNEXPECTED


def test_a_group_of_errors_is_transient_when_any_of_them_is() -> None:
    group = ExceptionGroup("use case", [ValueError("bad"), asyncpg.exceptions.DiskFullError("")])
    assert classify(group) is ErrorClass.TRANSIENT
    assert classify(ExceptionGroup("x", [InvalidEventError("a")])) is ErrorClass.POISON
    assert classify(ExceptionGroup("x", [InvalidEventError("a"), KeyError()])) is (
        ErrorClass.UNEXPECTED
    )


def test_the_backoff_doubles_up_to_its_cap_and_never_reaches_zero() -> None:
    rng = random.Random(7)
    for failures in range(1, 2000):
        ceiling = min(30.0, 0.1 * 2 ** min(failures - 1, 64))
        delay = backoff_delay(failures, 0.1, 30.0, rng)
        assert ceiling / 2 <= delay <= ceiling
    assert backoff_delay(1, 0.1, 30.0, rng) <= 0.1
    assert backoff_delay(10_000, 0.1, 30.0, rng) >= 15.0


def test_the_backoff_is_jittered_so_replicas_retry_apart() -> None:
    rng = random.Random(1)
    assert len({backoff_delay(8, 0.1, 30.0, rng) for _ in range(20)}) == 20


NIK = "3215024107800001"


def test_a_validation_error_is_described_by_field_without_its_input() -> None:
    with pytest.raises(ValidationError) as raised:
        ComplaintPii.model_validate({"complaint_id": NIK, "nik": NIK, "name": 7})
    assert NIK in str(raised.value)  # pydantic's own text quotes the input
    for personal in (False, True):
        text = describe_error(raised.value, personal=personal)
        assert "complaint_id" in text and "name" in text
        assert NIK not in text and "input_value" not in text


def test_on_a_personal_topic_an_errors_own_text_is_withheld_but_not_where_it_was_raised() -> None:
    def file_complaint() -> None:
        raise ValueError(f"no village for NIK {NIK}")

    with pytest.raises(ValueError) as raised:
        file_complaint()
    withheld = describe_error(raised.value, personal=True)
    assert NIK not in withheld and "file_complaint" in withheld
    group = ExceptionGroup("lanes", [raised.value, InvalidEventError("data.nik: Field required")])
    assert NIK not in describe_error(group, personal=True)
    # Elsewhere the text helps the operators and stays.
    assert describe_error(raised.value, personal=False) == f"no village for NIK {NIK}"

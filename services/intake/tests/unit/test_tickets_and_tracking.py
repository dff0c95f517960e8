from datetime import UTC, datetime

from intake.domain import tickets
from intake.domain.tracking import TimelineEntry, status

AT = datetime(2025, 6, 26, tzinfo=UTC)


def test_tickets_have_the_public_shape_and_do_not_repeat() -> None:
    drawn = {tickets.new_ticket() for _ in range(20_000)}
    assert len(drawn) == 20_000
    assert all(tickets.is_ticket(t) for t in drawn)
    assert not any(c in t[5:] for t in drawn for c in "ILOU")


def test_a_ticket_read_over_the_phone_is_understood() -> None:
    assert tickets.normalise("slrt k7m2 9qxa") == "SLRT-K7M2-9QXA"
    assert tickets.normalise("SLRT-K7M2-9QXO") == "SLRT-K7M2-9QX0"
    assert tickets.normalise("SLRT-1LI2-0000") == "SLRT-1112-0000"


def test_status_follows_the_timeline() -> None:
    received = [TimelineEntry(AT, "received")]
    referred = [*received, TimelineEntry(AT, "referred", "DINSOS")]
    working = [*referred, TimelineEntry(AT, "acknowledged", "DINSOS")]
    closed = [
        *working,
        TimelineEntry(AT, "resolved", "DINSOS", "resolved"),
        TimelineEntry(AT, "closed"),
    ]
    assert [status(t) for t in (received, referred, working, closed)] == [
        "received",
        "referred",
        "in_progress",
        "closed",
    ]


def test_expected_time_is_the_latest_open_due_date_until_closed() -> None:
    from datetime import timedelta

    from intake.domain.tracking import expected_at

    due1, due2 = AT + timedelta(days=5), AT + timedelta(days=9)
    entries = [
        TimelineEntry(AT, "received"),
        TimelineEntry(AT, "referred", "DINSOS", due_at=due1),
        TimelineEntry(AT, "referred", "DISDUKCAPIL", due_at=due2),
    ]
    assert expected_at(entries[:1]) is None
    assert expected_at(entries) == due2
    assert expected_at([*entries, TimelineEntry(AT, "closed")]) is None

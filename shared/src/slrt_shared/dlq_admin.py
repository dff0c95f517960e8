"""`python -m <service> dlq list|replay`: the records the service's consumer dead-lettered.

`list` reads the dead-letter topics of what the service consumes, for the service's own group.
`replay` reads the ORIGINAL record from its own topic at the dead letter's coordinates (a dead
letter of a personal-data topic holds no copy) and runs it through the handler the consumer
runs (same decode, same inbox), so a record already handled, by the consumer or an earlier
replay, is not handled again.
"""

from __future__ import annotations

import argparse
import asyncio
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from slrt_shared import inbox
from slrt_shared.consumer import EventHandler, classify, describe_error
from slrt_shared.contracts import dead_letters
from slrt_shared.contracts.envelope import InvalidEventError, decode
from slrt_shared.contracts.topics import TopicLayout, carries_personal_data

if TYPE_CHECKING:
    from slrt_shared.runtime import ServiceRuntime


@dataclass(frozen=True)
class DeadLetterEntry:
    """A dead letter of the service: where its original record is, what failed, and when."""

    topic: str  # the contract topic of the original record
    partition: int
    offset: int
    error_type: str
    error: str
    at: datetime


class Outcome(enum.Enum):
    """What replaying a record did."""

    HANDLED = "handled"
    ALREADY_HANDLED = "already handled"
    FAILING = "still failing"
    GONE = "not on the topic"


@dataclass(frozen=True)
class Replayed:
    """The outcome of replaying one dead-lettered record."""

    topic: str
    partition: int
    offset: int
    outcome: Outcome
    detail: str

    def line(self) -> str:
        """The outcome as the `replay` command prints it."""
        return f"{self.topic}[{self.partition}]@{self.offset}: {self.outcome.value}: {self.detail}"


class DeadLetters:
    """A service's dead letters on a cluster, and the replay of their original records."""

    def __init__(
        self,
        bootstrap: str,
        layout: TopicLayout,
        group_id: str,
        handlers: Mapping[str, EventHandler],
        pool: asyncpg.Pool,
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        self._bootstrap = bootstrap
        self._layout = layout
        self._group = group_id
        self._handlers = dict(handlers)
        self._pool = pool
        self._options = dict(client_options or {})

    async def entries(self, topic: str | None = None) -> list[DeadLetterEntry]:
        """The group's dead letters (of one contract topic, or of all it consumes), oldest first.

        A record dead-lettered more than once (read again after a rebalance) is listed once.
        """
        found: dict[tuple[str, int, int], DeadLetterEntry] = {}
        physical = {self._layout.name(t): t for t in self._topics(topic)}
        async with self._reader() as (admin, reader):
            names = [self._layout.dlq(t) for t in self._topics(topic)]
            for record in await _read_all(reader, await _partitions(admin, names)):
                headers = {k: v.decode(errors="replace") for k, v in record.headers or []}
                source = physical.get(headers.get(dead_letters.TOPIC, ""))
                if headers.get(dead_letters.GROUP) != self._group or source is None:
                    continue
                entry = DeadLetterEntry(
                    topic=source,
                    partition=int(headers[dead_letters.PARTITION]),
                    offset=int(headers[dead_letters.OFFSET]),
                    error_type=headers.get(dead_letters.ERROR_TYPE, ""),
                    error=headers.get(dead_letters.ERROR, ""),
                    at=datetime.fromtimestamp(record.timestamp / 1000, UTC),
                )
                found[(entry.topic, entry.partition, entry.offset)] = entry
        return sorted(found.values(), key=lambda e: (e.at, e.topic, e.partition, e.offset))

    async def replay(self, topic: str, coordinates: Sequence[tuple[int, int]]) -> list[Replayed]:
        """Process the original records at (partition, offset) of a contract topic once each."""
        handler = self._handlers[self._topics(topic)[0]]
        physical = self._layout.name(topic)
        done = []
        async with self._reader() as (admin, reader):
            partitions = {tp.partition for tp in await _partitions(admin, [physical])}
            for partition, offset in coordinates:
                if partition not in partitions:
                    found: ConsumerRecord | str = f"{physical} has no partition {partition}"
                else:
                    found = await _fetch(reader, TopicPartition(physical, partition), offset)
                if isinstance(found, str):
                    done.append(Replayed(topic, partition, offset, Outcome.GONE, found))
                    continue
                outcome, detail = await self._process(topic, handler, found)
                done.append(Replayed(topic, partition, offset, outcome, detail))
        return done

    async def _process(
        self, topic: str, handler: EventHandler, record: ConsumerRecord
    ) -> tuple[Outcome, str]:
        personal = carries_personal_data(topic)
        try:
            event = decode(record.value)
        except InvalidEventError as exc:
            return Outcome.FAILING, f"InvalidEventError: {describe_error(exc, personal=personal)}"
        if await inbox.processed(self._pool, event.id):
            return Outcome.ALREADY_HANDLED, f"event {event.id} was processed before"
        try:
            await handler(event)
        except Exception as exc:  # noqa: BLE001 - reported to the operator, who fixes the cause
            kind = classify(exc).value
            text = describe_error(exc, personal=personal)
            return Outcome.FAILING, f"{kind} {type(exc).__name__}: {text}"
        return Outcome.HANDLED, f"event {event.id}"

    def _topics(self, topic: str | None) -> list[str]:
        if topic is None:
            return sorted(self._handlers)
        if topic not in self._handlers:
            consumed = ", ".join(sorted(self._handlers))
            raise SystemExit(f"not consumed by this service: {topic}; it consumes {consumed}")
        return [topic]

    def _reader(self) -> _Reader:
        return _Reader(self._bootstrap, self._options)


class _Reader:
    """An admin client (for partitions) and a group-less consumer, closed together."""

    def __init__(self, bootstrap: str, options: Mapping[str, Any]) -> None:
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **options)
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, **options
        )

    async def __aenter__(self) -> tuple[AIOKafkaAdminClient, AIOKafkaConsumer]:
        await self._admin.start()
        try:
            await self._consumer.start()
        except BaseException:
            await self._admin.close()
            raise
        return self._admin, self._consumer

    async def __aexit__(self, *_: object) -> None:
        await self._consumer.stop()
        await self._admin.close()


async def _partitions(admin: AIOKafkaAdminClient, names: Sequence[str]) -> list[TopicPartition]:
    """The partitions of the topics that exist (a dead-letter topic may not be there yet)."""
    existing = set(await admin.list_topics())
    wanted = [n for n in names if n in existing]
    if not wanted:
        return []
    return [
        TopicPartition(t["topic"], p["partition"])
        for t in await admin.describe_topics(wanted)
        for p in t["partitions"]
    ]


async def _read_all(reader: AIOKafkaConsumer, parts: list[TopicPartition]) -> list[ConsumerRecord]:
    """Every record the partitions hold now."""
    if not parts:
        return []
    reader.assign(parts)
    await reader.seek_to_beginning(*parts)
    ends = await reader.end_offsets(parts)
    records: list[ConsumerRecord] = []
    while [tp for tp in parts if await reader.position(tp) < ends[tp]]:
        for batch in (await reader.getmany(*parts, timeout_ms=500)).values():
            records += [r for r in batch if r.offset < ends[TopicPartition(r.topic, r.partition)]]
    return records


async def _fetch(reader: AIOKafkaConsumer, tp: TopicPartition, offset: int) -> ConsumerRecord | str:
    """The record at an offset, or why there is none."""
    reader.assign([tp])
    first = (await reader.beginning_offsets([tp]))[tp]
    end = (await reader.end_offsets([tp]))[tp]
    if offset < first:
        return f"its retention removed it (the partition now starts at offset {first})"
    if offset >= end:
        return f"the partition ends before it (at offset {end})"
    reader.seek(tp, offset)
    while await reader.position(tp) < end:
        for record in (await reader.getmany(tp, timeout_ms=1000)).get(tp, []):
            if record.offset == offset:
                return record
            if record.offset > offset:
                return "no record at that offset"
    return "its retention removed it while it was read"


def render(entries: Sequence[DeadLetterEntry]) -> str:
    """Format dead letters as the `list` command prints them."""
    if not entries:
        return "no dead letters"
    lines = [f"{'topic':<24} {'partition':>9} {'offset':>10}  {'dead-lettered (UTC)':<19}  error"]
    for e in entries:
        lines.append(
            f"{e.topic:<24} {e.partition:>9} {e.offset:>10}  {e.at:%Y-%m-%d %H:%M:%S}  "
            f"{e.error_type}: {e.error}"
        )
    return "\n".join(lines)


def main(runtime: ServiceRuntime, argv: list[str]) -> None:
    """Run a dead-letter command with the service's own handlers, group and topics."""
    from slrt_shared.kafka_security import client_options

    consumed = runtime.consumed_topics
    parser = argparse.ArgumentParser(
        prog=f"{runtime.name} dlq",
        description="Records this service's consumer dead-lettered: list them, or process the"
        " original record again once the cause is fixed (a record already handled is not"
        " handled twice).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    listing = sub.add_parser("list", help="list dead letters: coordinates, error, when")
    listing.add_argument("--topic", choices=consumed, help="of this contract topic only")
    again = sub.add_parser("replay", help="process dead-lettered records from their topic")
    again.add_argument("--topic", choices=consumed, required=True, help="contract topic")
    again.add_argument("--partition", type=int, help="partition of the original record")
    again.add_argument("--offset", type=int, help="offset of the original record")
    again.add_argument("--all", action="store_true", help="every dead letter of the topic")
    args = parser.parse_args(argv)
    if args.command == "replay" and args.all == (args.partition is not None):
        again.error("give --partition and --offset of one record, or --all")
    if args.command == "replay" and (args.partition is None) != (args.offset is None):
        again.error("--partition and --offset go together")
    settings = runtime.settings

    async def run() -> int:
        async with runtime.database() as pool:
            letters = DeadLetters(
                settings.kafka_bootstrap_servers,
                runtime.layout,
                runtime.group_id,
                runtime.handlers,
                pool,
                client_options(settings),
            )
            if args.command == "list":
                print(render(await letters.entries(args.topic)))
                return 0
            if args.all:
                coordinates = [(e.partition, e.offset) for e in await letters.entries(args.topic)]
                coordinates.sort()
            else:
                coordinates = [(args.partition, args.offset)]
            done = await letters.replay(args.topic, coordinates)
            for replayed in done:
                print(replayed.line())
            if not done:
                print(f"no dead letters of {args.topic}")
            settled = (Outcome.HANDLED, Outcome.ALREADY_HANDLED)
            return 0 if all(r.outcome in settled for r in done) else 1

    raise SystemExit(asyncio.run(run()))

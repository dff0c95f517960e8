"""Service runtime: the pool, broker, outbox relay and HTTP app wired the same way everywhere."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import uvicorn
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.trace import TracerProvider

from slrt_shared import clock, consumer, db, dlq_admin, outbox, outbox_admin, retention
from slrt_shared.consumer_lag import report_lag_forever
from slrt_shared.contracts.topics import TopicLayout
from slrt_shared.http import add_service_defaults
from slrt_shared.kafka_security import broker_security, client_options
from slrt_shared.openapi_errors import ErrorAnswer, document_errors
from slrt_shared.outbox import OutboxRelay, idempotent_producer
from slrt_shared.settings import ServiceSettings
from slrt_shared.telemetry import kafka_middleware, setup_logging, setup_tracing
from slrt_shared.unit_of_work import PgUnitOfWork

log = logging.getLogger(__name__)

BackgroundJob = Callable[[], Awaitable[None]]

# Seconds between two measures of the outbox's backlog for /readyz and the gauges.
BACKLOG_INTERVAL = 5.0


class ServiceRuntime:
    """Everything a service process runs besides its own routes and handlers."""

    def __init__(self, name: str, schema: str, settings: ServiceSettings, migrations: Path) -> None:
        try:
            clock.check()
        except clock.ClockConfigError as exc:
            raise SystemExit(f"{name}: refusing to start: {exc}") from exc
        self.name = name
        self.schema = schema
        self.settings = settings
        self.migrations = migrations
        self.layout = TopicLayout(settings.topic_prefix)
        # Spans only where something exports them: without a collector, no request or record
        # builds a span (the process keeps OpenTelemetry's no-op tracer).
        self.tracer_provider: TracerProvider | None = (
            setup_tracing(f"slrt-{name}", settings.otlp_endpoint)
            if settings.otlp_endpoint
            else None
        )
        telemetry = [] if self.tracer_provider is None else [kafka_middleware(self.tracer_provider)]
        self.broker = KafkaBroker(
            settings.kafka_bootstrap_servers,
            client_id=f"slrt-{name}",
            acks="all",
            enable_idempotence=True,
            security=broker_security(settings),
            middlewares=telemetry,
            logger=logging.getLogger(f"slrt.{name}.kafka"),
            # "received"/"processed" for every record: our handlers log what matters.
            log_level=logging.DEBUG,
        )
        self._pool: asyncpg.Pool | None = None
        self._jobs: list[tuple[str, BackgroundJob]] = []
        self._retention: list[retention.RetentionRule] = [inbox_retention(settings)]
        self._handlers: dict[str, consumer.EventHandler] = {}
        self._subscribed = False
        self._subscription: consumer.Subscription | None = None
        self._backlog: outbox.Backlog | None = None

    @property
    def pool(self) -> asyncpg.Pool:
        """The service's Postgres pool (open while the service runs)."""
        if self._pool is None:
            raise RuntimeError(f"{self.name}: database pool is not open")
        return self._pool

    @property
    def group_id(self) -> str:
        """Kafka consumer group of this service."""
        return f"{self.layout.prefix}slrt-{self.name}"

    @property
    def consumed_topics(self) -> list[str]:
        """Contract topics this service consumes (what its Kafka read ACLs must allow)."""
        return sorted(self._handlers)

    @property
    def handlers(self) -> dict[str, consumer.EventHandler]:
        """The handler of each consumed contract topic, as the consumer runs them."""
        return dict(self._handlers)

    def uow(self) -> PgUnitOfWork:
        """Open a unit of work on the service's schema."""
        return PgUnitOfWork(self.pool, self.layout)

    def subscribe(self, topic: str, handler: consumer.EventHandler) -> None:
        """Consume a contract topic with the service's group, inbox and dead-letter policy."""
        if topic in self._handlers:
            raise ValueError(f"{self.name} already consumes {topic}")
        self._handlers[topic] = handler

    def add_job(self, name: str, job: BackgroundJob) -> None:
        """Run a background coroutine for the life of the service."""
        self._jobs.append((name, job))

    def add_retention(self, rule: retention.RetentionRule) -> None:
        """Prune a kind of row once it is older than the rule allows."""
        self._retention.append(rule)

    @property
    def retention_rules(self) -> list[retention.RetentionRule]:
        """What the service prunes, the inbox first."""
        return list(self._retention)

    async def migrate(self) -> list[str]:
        """Apply the service's migrations."""
        return await db.migrate(self.settings.database_url, self.schema, self.name, self.migrations)

    @contextlib.asynccontextmanager
    async def database(self) -> AsyncIterator[asyncpg.Pool]:
        """Migrate and open the pool only (for commands that run without Kafka consumers)."""
        await self.migrate()
        self._pool = await db.create_pool(self.settings.database_url, self.schema)
        try:
            yield self._pool
        finally:
            await self._pool.close()
            self._pool = None

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Open the pool, start the relay, background jobs and consumers; stop them on exit.

        Kafka is not needed to start: when it does not answer, the service serves what
        Postgres allows (its readiness says which checks it requires) and keeps connecting in
        the background; the outbox keeps every event until the relay can publish it.
        """
        await self.migrate()
        self._pool = await db.create_pool(self.settings.database_url, self.schema, max_size=20)
        tasks = [asyncio.create_task(_forever(n, j), name=n) for n, j in self._jobs]
        # measured apart from the relay, which does not run while Kafka is away
        watch = _forever(f"{self.name}-outbox-backlog", self._watch_backlog)
        tasks.append(asyncio.create_task(watch, name=f"{self.name}-outbox-backlog"))
        prune = retention.prune_forever(
            self._pool, self._retention, interval=self.settings.retention_interval_seconds
        )
        tasks.append(asyncio.create_task(prune, name=f"{self.name}-retention"))
        if self._handlers:
            lag = report_lag_forever(
                self.settings.kafka_bootstrap_servers,
                self.group_id,
                [self.layout.name(t) for t in self._handlers],
                **client_options(self.settings),
            )
            tasks.append(asyncio.create_task(lag, name=f"{self.name}-consumer-lag"))
        if self._handlers and not self._subscribed:
            self._subscription = consumer.subscribe(
                self.broker,
                layout=self.layout,
                handlers=self._handlers,
                group_id=self.group_id,
                max_attempts=self.settings.consumer_max_attempts,
                backoff_initial=self.settings.consumer_backoff_initial_seconds,
                backoff_max=self.settings.consumer_backoff_max_seconds,
                batch_max=self.settings.consumer_batch_max,
            )
            self._subscribed = True
        kafka = _KafkaSide(self)
        if not await kafka.start():
            tasks.append(asyncio.create_task(kafka.start_forever(), name=f"{self.name}-kafka"))
        try:
            yield
        finally:
            if self._subscription is not None:
                await self._subscription.stop()
            await self.broker.stop()
            await kafka.stop_relay()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await kafka.stop_producer()
            await self._pool.close()
            self._pool = None

    @property
    def subscription(self) -> consumer.Subscription | None:
        """The service's consumer while it runs (None for a service that consumes nothing)."""
        return self._subscription

    def http_app(
        self,
        title: str,
        description: str,
        version: str = "0.1.0",
        default_language: str = "id",
        ready_requires: Collection[str] = ("postgres", "kafka"),
        error_answers: Mapping[str, ErrorAnswer] | None = None,
    ) -> FastAPI:
        """Create the service's FastAPI app with the shared defaults and lifecycle.

        `error_answers` names the paths (by prefix) whose errors are not the shared ErrorBody.

        `/readyz` runs every check (`postgres`, `kafka`) and shows the consumer's state, but
        answers 503 only when a check named in `ready_requires` fails: a failing readiness
        probe takes the pod out of its Service, so require only what the HTTP side needs.
        """

        @contextlib.asynccontextmanager
        async def lifespan(_: FastAPI) -> AsyncIterator[None]:
            async with self.running():
                yield

        app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
        add_service_defaults(
            app,
            {"postgres": self._check_postgres, "kafka": self._check_kafka},
            default_language,
            self.settings.max_body_bytes,
            required=ready_requires,
            details=self._readiness_details,
        )
        document_errors(app, error_answers)
        if self.tracer_provider is not None:
            instrument_http(app, self.tracer_provider)
        return app

    def serve(self, app: FastAPI) -> None:
        """Run the HTTP server (and with it everything else) until stopped."""
        setup_logging(self.name, self.settings.log_level, self.settings.log_json)
        loop, http = server_stack()
        log.info("%s: serving HTTP with the %s loop and the %s parser", self.name, loop, http)
        if replaying := clock.describe():
            log.warning("%s: %s (a demo's history only)", self.name, replaying)
        uvicorn.run(
            app,
            host=self.settings.http_host,
            port=self.settings.http_port,
            log_config=None,
            access_log=False,
            loop=loop,
            http=http,
        )

    async def _check_postgres(self) -> None:
        await self.pool.fetchval("SELECT 1")

    async def _check_kafka(self) -> None:
        if not await self.broker.ping(timeout=2):
            raise ConnectionError("Kafka broker did not answer")

    async def _watch_backlog(self) -> None:
        while True:
            try:
                self._backlog = await outbox.measure_backlog(self.pool)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("%s: outbox backlog not measured: %s", self.name, exc)
            await asyncio.sleep(BACKLOG_INTERVAL)

    def _readiness_details(self) -> dict[str, Any]:
        # Shown, not required: a consumer held by a failing dependency is no reason to stop
        # serving HTTP, which would not make the dependency come back; nor is a backlog the
        # outbox keeps safely until Kafka takes it.
        details: dict[str, Any] = {}
        if self._backlog is not None:
            details["outbox"] = {
                "pending": self._backlog.pending,
                "parked": self._backlog.parked,
                "oldest_age_seconds": round(self._backlog.oldest_age_seconds, 3),
            }
        if self._subscription is not None:
            details["consumer"] = self._subscription.status()
        return details


class _KafkaSide:
    """The outbox producer and relay and the broker's consumers, started once Kafka answers."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self._runtime = runtime
        self._producer: AIOKafkaProducer | None = None
        self._relay: OutboxRelay | None = None
        self._relay_task: asyncio.Task[None] | None = None

    async def start(self) -> bool:
        """Start the relay and the consumers; False (and nothing started) if Kafka is away."""
        runtime = self._runtime

        def new_producer() -> AIOKafkaProducer:
            return idempotent_producer(
                runtime.settings.kafka_bootstrap_servers,
                f"slrt-{runtime.name}",
                **client_options(runtime.settings),
            )

        producer = new_producer()
        try:
            await producer.start()
            await runtime.broker.start()
        except (KafkaError, OSError) as exc:
            log.warning(
                "%s: Kafka is not reachable yet (%r); serving without it", runtime.name, exc
            )
            await producer.stop()
            await runtime.broker.stop()
            return False
        self._producer = producer
        self._relay = OutboxRelay(
            runtime.pool,
            producer,
            schema=runtime.schema,
            ack_timeout=runtime.settings.outbox_ack_timeout_seconds,
            retry_first=runtime.settings.outbox_retry_first_seconds,
            retry_max=runtime.settings.outbox_retry_max_seconds,
            producer_factory=new_producer,
        )
        self._relay_task = asyncio.create_task(self._relay.run(), name=f"{runtime.name}-outbox")
        return True

    async def start_forever(self) -> None:
        """Try again, with a growing pause, until Kafka answers."""
        failures = 0
        while not await self.start():
            failures += 1
            await asyncio.sleep(consumer.backoff_delay(failures, 0.5, 30))
        log.info("%s: connected to Kafka", self._runtime.name)

    async def stop_relay(self) -> None:
        """Let the relay finish its round."""
        if self._relay is not None and self._relay_task is not None:
            self._relay.stop()
            await asyncio.gather(self._relay_task, return_exceptions=True)

    async def stop_producer(self) -> None:
        """Close the outbox producer (the relay's current one: it may have renewed it)."""
        if self._relay is not None:
            await self._relay.producer.stop()
        elif self._producer is not None:
            await self._producer.stop()


def instrument_http(app: FastAPI, provider: TracerProvider) -> None:
    """Trace an app's requests (not its probes), one span a request."""
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls="healthz,readyz,metrics",
        exclude_spans=["receive", "send"],  # a span per ASGI message says nothing new
    )


def _loads(module: str) -> bool:
    """Whether a compiled accelerator imports here (a wheel for another platform does not)."""
    try:
        importlib.import_module(module)
    except Exception:  # noqa: BLE001 - ImportError, or a shared library that will not load
        return False
    return True


def server_stack() -> tuple[str, str]:
    """uvicorn's event loop and HTTP parser: uvloop and httptools, else asyncio and h11."""
    loop = "uvloop" if _loads("uvloop") else "asyncio"
    http = "httptools" if _loads("httptools") else "h11"
    return loop, http


def inbox_retention(settings: ServiceSettings) -> retention.RetentionRule:
    """Processed event ids, forgotten after `inbox_retention_days`."""
    return retention.RetentionRule(
        name="inbox",
        sql="DELETE FROM inbox WHERE event_id IN (SELECT event_id FROM inbox"
        " WHERE processed_at < $1 LIMIT $2) RETURNING 1",
        max_age=timedelta(days=settings.inbox_retention_days),
    )


async def _forever(name: str, job: BackgroundJob) -> None:
    """Keep a background job alive: log and restart it when it fails."""
    while True:
        try:
            await job()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # stopping: an error raised while cancelling is no reason to restart
            log.exception("background job %s failed; restarting", name)
            await asyncio.sleep(1.0)


def run_cli(
    runtime_factory: Callable[[], tuple[ServiceRuntime, FastAPI]],
    extra: dict[str, Callable[[list[str]], Any]] | None = None,
    argv: list[str] | None = None,
) -> None:
    """Run `serve`, `migrate`, `outbox`, `dlq` or a service's own command."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    command = args.pop(0) if args else "serve"
    if command == "serve":
        runtime, app = runtime_factory()
        runtime.serve(app)
    elif command == "migrate":
        runtime, _ = runtime_factory()
        setup_logging(runtime.name, runtime.settings.log_level, runtime.settings.log_json)
        for applied in asyncio.run(runtime.migrate()):
            print(f"applied {applied}")
    elif command == "outbox":
        runtime, _ = runtime_factory()
        outbox_admin.main(runtime.name, runtime.settings.database_url, runtime.schema, args)
    elif command == "dlq":
        runtime, _ = runtime_factory()
        dlq_admin.main(runtime, args)
    elif extra and command in extra:
        extra[command](args)
    else:
        known = ["serve", "migrate", "outbox", "dlq", *sorted(extra or {})]
        raise SystemExit(f"unknown command {command!r}; expected one of {', '.join(known)}")


SeedLoader = Callable[[asyncpg.Connection, dict[str, Any], str], Awaitable[None]]


def run_seed(runtime: ServiceRuntime, argv: list[str], load: SeedLoader) -> None:
    """`seed --credentials FILE --regency CODE`: migrate, then load reference data and tokens."""
    import argparse
    import json

    parser = argparse.ArgumentParser(prog=f"{runtime.name} seed")
    parser.add_argument("--credentials", type=Path, required=True)
    parser.add_argument("--regency", required=True)
    args = parser.parse_args(argv)
    credentials = json.loads(args.credentials.read_text())
    setup_logging(runtime.name, runtime.settings.log_level, runtime.settings.log_json)

    async def seed() -> None:
        await runtime.migrate()
        conn = await asyncpg.connect(
            runtime.settings.database_url, server_settings={"search_path": runtime.schema}
        )
        try:
            async with conn.transaction():
                await load(conn, credentials, args.regency)
        finally:
            await conn.close()

    asyncio.run(seed())

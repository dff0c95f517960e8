"""The chart's ACLs enforced by a real broker: SCRAM users, StandardAuthorizer, no other access.

A Kafka of the same version as the local stack is started with a SASL/SCRAM listener and
Kafka's StandardAuthorizer; every rendered KafkaUser becomes a SCRAM user with exactly its
rendered ACLs, every rendered KafkaTopic a topic. The services' own client settings
(KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*) are what the checks connect with.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    TopicAuthorizationFailedError,
)
from confluent_kafka import KafkaException
from confluent_kafka.admin import (
    AclBinding,
    AclBindingFilter,
    AclOperation,
    AclPermissionType,
    AdminClient,
    NewTopic,
    ResourcePatternType,
    ResourceType,
)

from slrt_devstack import kafka
from slrt_devstack.paths import StackPaths
from slrt_shared.kafka_security import client_options
from slrt_shared.settings import ServiceSettings

from .conftest import ROOT, Rendered

pytestmark = [pytest.mark.integration, pytest.mark.asyncio(loop_scope="session")]

ADMIN = "admin"
DENIED = (
    TopicAuthorizationFailedError,
    GroupAuthorizationFailedError,
    ClusterAuthorizationFailedError,  # an idempotent producer without any Write grant
)


def _free_pair() -> int:
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        with socket.socket() as t:
            try:
                t.bind(("127.0.0.1", port + 1))
                return port
            except OSError:
                continue


def password(user: str) -> str:
    return f"{user}-secret"


def bindings(user: dict[str, Any]) -> list[AclBinding]:
    """A KafkaUser's ACLs as Kafka ACL bindings (what Strimzi's user operator creates)."""
    out = []
    principal = f"User:{user['metadata']['name']}"
    for acl in user["spec"]["authorization"]["acls"]:
        resource = acl["resource"]
        kind = {
            "topic": ResourceType.TOPIC,
            "group": ResourceType.GROUP,
            "cluster": ResourceType.BROKER,
        }[resource["type"]]
        name = resource.get("name", "kafka-cluster")
        pattern = (
            ResourcePatternType.PREFIXED
            if resource.get("patternType") == "prefix"
            else ResourcePatternType.LITERAL
        )
        for operation in acl["operations"]:
            op = AclOperation[
                "".join("_" + c if c.isupper() else c for c in operation).lstrip("_").upper()
            ]
            out.append(AclBinding(kind, name, pattern, principal, "*", op, AclPermissionType.ALLOW))
    return out


@pytest.fixture(scope="module")
def secured_kafka(
    default_chart: Rendered, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A SCRAM-only broker holding the chart's users, topics and ACLs; its bootstrap address."""
    paths = StackPaths(ROOT)
    kafka.ensure_jars(paths)
    folder = tmp_path_factory.mktemp("secured-kafka")
    port = _free_pair()
    users = [u["metadata"]["name"] for u in default_chart.kind("KafkaUser")] + [ADMIN]
    config = folder / "server.properties"
    config.write_text(
        "\n".join(
            [
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.bootstrap.servers=127.0.0.1:{port + 1}",
                f"listeners=SASL_PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{port + 1}",
                f"advertised.listeners=SASL_PLAINTEXT://127.0.0.1:{port}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=SASL_PLAINTEXT",
                "sasl.enabled.mechanisms=SCRAM-SHA-512",
                "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
                "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config="
                "org.apache.kafka.common.security.scram.ScramLoginModule required "
                f'username="{ADMIN}" password="{password(ADMIN)}";',
                "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                f"super.users=User:{ADMIN};User:ANONYMOUS",
                "allow.everyone.if.no.acl.found=false",
                f"log.dirs={folder / 'data'}",
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "group.initial.rebalance.delay.ms=0",
                "",
            ]
        )
    )
    scram = [
        arg
        for u in users
        for arg in ("--add-scram", f"SCRAM-SHA-512=[name={u},password={password(u)}]")
    ]
    subprocess.run(
        [
            "java",
            *kafka.java_options(paths),
            "kafka.tools.StorageTool",
            "format",
            "-t",
            kafka.new_cluster_id(),
            "-c",
            str(config),
            "--standalone",
            *scram,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    log = (folder / "kafka.log").open("w")
    process = subprocess.Popen(
        ["java", "-Xmx512m", *kafka.java_options(paths), "kafka.Kafka", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    bootstrap = f"127.0.0.1:{port}"
    admin = AdminClient(
        {
            "bootstrap.servers": bootstrap,
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.username": ADMIN,
            "sasl.password": password(ADMIN),
            "log_level": 0,  # quiet while the broker is still starting
        }
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                admin.list_topics(timeout=2)
                break
            except KafkaException:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.5)
        topics = [NewTopic(t["spec"]["topicName"], 1, 1) for t in default_chart.kind("KafkaTopic")]
        for future in admin.create_topics(topics).values():
            future.result(timeout=30)
        acls = [b for u in default_chart.kind("KafkaUser") for b in bindings(u)]
        for future in admin.create_acls(acls).values():
            future.result(timeout=30)
        # ACLs reach the broker's authorizer through the metadata log: wait until it serves all.
        everything = AclBindingFilter(
            ResourceType.ANY,
            None,
            ResourcePatternType.ANY,
            None,
            None,
            AclOperation.ANY,
            AclPermissionType.ANY,
        )
        while len(admin.describe_acls(everything).result(timeout=10)) < len(acls):
            time.sleep(0.2)
        yield bootstrap
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def options(user: str) -> dict[str, Any]:
    """aiokafka options from the settings a service would get on Kubernetes."""
    settings = ServiceSettings(
        database_url="postgresql://unused@localhost/x",
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_username=user,
        kafka_sasl_password=password(user),  # type: ignore[arg-type]
    )
    return client_options(settings)


@asynccontextmanager
async def consumer_of(bootstrap: str, user: str, group: str) -> AsyncIterator[AIOKafkaConsumer]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **options(user),
    )
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()


async def can_read(bootstrap: str, user: str, topic: str, group: str) -> bool:
    """Whether the user may read the topic and commit under the group."""
    async with consumer_of(bootstrap, user, group) as consumer:
        try:
            partition = TopicPartition(topic, 0)
            consumer.assign([partition])
            await consumer.getmany(timeout_ms=1500)
            await consumer.commit({partition: 0})
            return True
        except DENIED:
            return False


async def can_write(bootstrap: str, user: str, topic: str) -> bool:
    """Whether the user's idempotent producer may write to the topic."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        request_timeout_ms=5000,
        **options(user),
    )
    try:
        await producer.start()
        await asyncio.wait_for(producer.send_and_wait(topic, b"{}", key=b"k"), 10)
        return True
    except DENIED:
        return False
    finally:
        await producer.stop()


async def test_only_the_gateway_reads_complaint_pii(secured_kafka: str) -> None:
    assert await can_read(
        secured_kafka, "slrt-agency-gateway", "complaint.pii", "slrt-agency-gateway"
    )
    for service in ("intake", "referral", "monitoring"):
        assert not await can_read(
            secured_kafka, f"slrt-{service}", "complaint.pii", f"slrt-{service}"
        ), service
    assert not await can_read(secured_kafka, "agency-dinsos", "complaint.pii", "agency.DINSOS.x")


async def test_an_agency_reads_its_own_topic_only_and_only_with_its_own_groups(
    secured_kafka: str,
) -> None:
    assert await can_read(
        secured_kafka, "agency-dinsos", "agency.DINSOS.referrals", "agency.DINSOS.case-system"
    )
    assert not await can_read(
        secured_kafka, "agency-dinsos", "agency.DINKES.referrals", "agency.DINSOS.case-system"
    )
    assert not await can_read(
        secured_kafka, "agency-dinsos", "agency.DINSOS.referrals", "agency.DINKES.case-system"
    )
    assert not await can_write(secured_kafka, "agency-dinsos", "agency.DINSOS.referrals")


async def test_each_service_writes_only_what_it_publishes(secured_kafka: str) -> None:
    assert await can_write(secured_kafka, "slrt-intake", "complaint.created")
    assert not await can_write(secured_kafka, "slrt-intake", "referral.dispatched")
    assert await can_write(secured_kafka, "slrt-agency-gateway", "agency.DINSOS.referrals")
    assert not await can_write(secured_kafka, "slrt-monitoring", "complaint.closed")
    assert await can_write(secured_kafka, "slrt-monitoring", "complaint.closed.dlq")


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


async def test_a_wrong_password_is_refused(secured_kafka: str) -> None:
    # read from aiokafka's own logger: tests before this one may have set up the root logger
    lines = _Lines()
    kafka_log = logging.getLogger("aiokafka")
    kafka_log.addHandler(lines)
    level, kafka_log.level = kafka_log.level, logging.DEBUG
    try:
        producer = AIOKafkaProducer(
            bootstrap_servers=secured_kafka,
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_plain_username="slrt-intake",
            sasl_plain_password="guess",
        )
        with pytest.raises(KafkaConnectionError):
            await producer.start()
        await producer.stop()
    finally:
        kafka_log.removeHandler(lines)
        kafka_log.setLevel(level)
    assert any("SaslAuthenticationFailed" in line for line in lines.lines), lines.lines

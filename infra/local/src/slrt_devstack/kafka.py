"""A single-node Apache Kafka in KRaft mode, from Apache Kafka's own jars on Maven Central."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from xml.etree import ElementTree

from aiokafka.admin import AIOKafkaAdminClient

from slrt_devstack import processes
from slrt_devstack.errors import StackError
from slrt_devstack.paths import StackPaths

NAME = "kafka"
_POM_NS = "{http://maven.apache.org/POM/4.0.0}"


def port() -> int:
    """The broker's port (SLRT_KAFKA_PORT, default 9092); the controller uses the next one."""
    return int(os.environ.get("SLRT_KAFKA_PORT", "9092"))


def bootstrap() -> str:
    """The bootstrap address of the local broker."""
    return f"127.0.0.1:{port()}"


def pinned_versions(paths: StackPaths) -> dict[str, str]:
    """The versions the committed pom pins, e.g. {"kafka.version": "4.4.0", ...}."""
    pom = ElementTree.parse(paths.infra_sources / "kafka" / "pom.xml")
    props = pom.getroot().find(f"{_POM_NS}properties")
    return {} if props is None else {p.tag.removeprefix(_POM_NS): p.text or "" for p in props}


def ensure_jars(paths: StackPaths) -> None:
    """Fetch the broker's jars with Maven unless the pinned versions are already there."""
    libs = paths.kafka / "libs"
    versions = pinned_versions(paths)
    wanted = [
        libs / f"kafka_2.13-{versions.get('kafka.version', '')}.jar",
        libs / f"log4j-slf4j2-impl-{versions.get('log4j.version', '')}.jar",
    ]
    if all(jar.exists() for jar in wanted):
        return
    _require("java", "Java 17 or newer (Debian: apt-get install default-jre-headless)")
    _require("mvn", "Maven (Debian: apt-get install maven)")
    # Jars of another version would end up on the same classpath: start from an empty folder.
    for stale in libs.glob("*.jar"):
        stale.unlink()
    pom = paths.infra_sources / "kafka" / "pom.xml"
    print(f"fetching Apache Kafka from Maven Central into {libs} ...", flush=True)
    result = subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={libs}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise StackError(f"Maven could not fetch Kafka's jars:\n{result.stdout}{result.stderr}")
    if not all(jar.exists() for jar in wanted):
        raise StackError(f"Maven ran but {libs} lacks {', '.join(j.name for j in wanted)}")


def start(paths: StackPaths) -> str:
    """Start the broker unless it runs already; return its bootstrap address."""
    if processes.pid_of(paths, NAME) is not None:
        _wait_until_ready(paths)
        return bootstrap()
    for number in (port(), port() + 1):
        if _port_open(number):
            raise StackError(
                f"port {number} is taken by another process: stop it or set SLRT_KAFKA_PORT "
                "(Kafka uses that port and the next)"
            )
    ensure_jars(paths)
    _require("java", "Java 17 or newer (Debian: apt-get install default-jre-headless)")
    config = _write_config(paths)
    _format_once(paths, config)
    processes.start(
        paths,
        NAME,
        [
            "java",
            "-Xms256m",
            "-Xmx768m",
            "-XX:+UseG1GC",
            *java_options(paths),
            "kafka.Kafka",
            str(config),
        ],
    )
    _wait_until_ready(paths)
    return bootstrap()


def stop(paths: StackPaths) -> bool:
    """Stop the broker; True if it was running."""
    return processes.stop(paths, NAME, timeout=30)


def java_options(paths: StackPaths) -> list[str]:
    """Classpath and logging options for running a class of the Kafka jars."""
    log_config = paths.infra_sources / "kafka" / "log4j2.yaml"
    return [
        "-cp",
        str(paths.kafka / "libs" / "*"),
        f"-Dlog4j2.configurationFile={log_config}",
        f"-Dkafka.logs.dir={paths.logs}",
    ]


def _write_config(paths: StackPaths) -> os.PathLike[str]:
    data = paths.kafka / "data"
    data.mkdir(parents=True, exist_ok=True)
    broker, controller = port(), port() + 1
    config = paths.kafka / "server.properties"
    config.write_text(
        "\n".join(
            [
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.bootstrap.servers=127.0.0.1:{controller}",
                f"listeners=PLAINTEXT://127.0.0.1:{broker},CONTROLLER://127.0.0.1:{controller}",
                f"advertised.listeners=PLAINTEXT://127.0.0.1:{broker}",
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                f"log.dirs={data}",
                "num.partitions=6",
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=10",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "min.insync.replicas=1",
                "group.initial.rebalance.delay.ms=0",
                "delete.topic.enable=true",
                "",
            ]
        )
    )
    return config


def new_cluster_id() -> str:
    """A random cluster id as Kafka writes them; never starting with "-", read as a flag."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def _format_once(paths: StackPaths, config: os.PathLike[str]) -> None:
    data = paths.kafka / "data"
    if (data / "meta.properties").exists():
        return
    cluster_id = new_cluster_id()
    result = subprocess.run(
        [
            "java",
            *java_options(paths),
            "kafka.tools.StorageTool",
            "format",
            "-t",
            cluster_id,
            "-c",
            str(config),
            "--standalone",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise StackError(f"formatting Kafka's storage failed:\n{result.stdout}{result.stderr}")


def _wait_until_ready(paths: StackPaths, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if processes.pid_of(paths, NAME) is None:
            raise StackError(f"Kafka exited during start; see {paths.logs / 'kafka.log'}")
        if _port_open(port()) and _run(_answers_metadata()):
            return
        time.sleep(0.5)
    raise StackError(f"Kafka did not become ready in {timeout:.0f}s; see {paths.logs}/kafka.log")


def _run(coro: Coroutine[Any, Any, bool]) -> bool:
    """Run a coroutine to completion, also when the caller already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _answers_metadata() -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap(), request_timeout_ms=3000)
    try:
        await admin.start()
        await admin.describe_cluster()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not ready yet"
        return False
    finally:
        await admin.close()


def _port_open(number: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", number)) == 0


def _require(tool: str, what: str) -> None:
    if shutil.which(tool) is None:
        raise StackError(f"`{tool}` was not found: the local Kafka needs {what}")

"""A real Apache Kafka broker on this machine, without Docker.

The broker's jars (``org.apache.kafka:kafka_2.13`` and its runtime
dependencies) are resolved from Maven Central with ``mvn`` into
``<cache_dir>/kafka-<version>/libs`` once; each broker instance (one per
port) keeps its KRaft storage, ``server.properties``, pid file and logs in
``<cache_dir>/broker-<port>/``. One JVM runs a combined broker+controller
bound to 127.0.0.1.

Why Kafka 4.x: aiokafka 0.14 and faust-streaming 0.15.3 speak the protocol
versions 4.x kept (KIP-896 removed the pre-2.1 ones), and the tests run
against the broker users deploy today. ``HEFESTO_KAFKA_VERSION`` picks another
release (3.9.x works too).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hefesto_core.errors import BrokerError, BrokerResolveError, BrokerStartError, JavaNotFoundError
from hefesto_core.settings import Settings

__all__ = ["BrokerStatus", "LocalBroker", "bootstrap_reachable", "new_cluster_id"]

_LOG4J_VERSION = "2.24.3"
_MAIN_CLASS = "kafka.Kafka"

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.hefesto</groupId><artifactId>kafka-runtime</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>{version}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId>
      <version>{log4j}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId>
      <version>{log4j}</version></dependency>
  </dependencies>
</project>
"""

_LOG4J2 = """status = warn
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = {logs}/server.log
appender.file.filePattern = {logs}/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = INFO
"""


@dataclass(frozen=True, slots=True)
class BrokerStatus:
    bootstrap: str
    running: bool
    managed: bool
    """True when this process tree manages the broker (we started it)."""
    pid: int | None
    version: str | None
    log_file: Path | None

    def describe(self) -> str:
        if not self.running:
            return f"not running (would listen on {self.bootstrap})"
        if not self.managed:
            return f"using the existing cluster at {self.bootstrap}; nothing started"
        return (
            f"Apache Kafka {self.version} running at {self.bootstrap} (pid {self.pid}, log {self.log_file})"
        )


async def _answers_metadata(bootstrap: str, timeout_ms: int) -> bool:
    import logging

    from aiokafka import AIOKafkaClient

    # A refused connection while the broker boots is expected, not an error to log.
    log = logging.getLogger("aiokafka")
    level = log.level
    log.setLevel(logging.CRITICAL)
    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=timeout_ms)
    try:
        # bootstrap() sends a MetadataRequest and raises unless a broker answers.
        await asyncio.wait_for(client.bootstrap(), timeout=timeout_ms / 1000)
        return True
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):
            await client.close()
        log.setLevel(level)


def bootstrap_reachable(bootstrap: str, *, timeout_ms: int = 3_000) -> bool:
    """True when a Kafka broker at ``bootstrap`` answers a metadata request."""
    return asyncio.run(_answers_metadata(bootstrap, timeout_ms))


def _port_free(host: str, port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still "exists"; treat it as dead.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def new_cluster_id() -> str:
    """A KRaft cluster id: a random UUID, URL-safe base64 without padding.
    One starting with ``-`` is drawn again (Kafka's own ``Uuid.randomUuid``
    does the same): the storage tool would take it for an option, and one
    start in 64 failed with "argument --cluster-id: expected one argument"."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


class LocalBroker:
    """One single-node KRaft broker managed by the project.

    ``state_dir`` defaults to ``<cache_dir>/broker-<port>``; tests pass their
    own so a test broker never touches the user's.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        state_dir: Path | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.version = settings.kafka_version
        self.host = settings.kafka_host
        self.port = settings.kafka_port
        self.controller_port = settings.kafka_controller_port
        self.home = settings.cache_dir / f"kafka-{self.version}"
        self.state_dir = state_dir or settings.cache_dir / f"broker-{self.port}"
        self._progress = progress or (lambda _msg: None)

    # ------------------------------------------------------------------ paths
    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def libs_dir(self) -> Path:
        return self.home / "libs"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "broker.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "logs" / "server.log"

    @property
    def console_log(self) -> Path:
        return self.state_dir / "logs" / "console.log"

    # ------------------------------------------------------------------ jars
    def ensure_jars(self) -> Path:
        """Resolve the broker jars into the cache (once); return the libs folder."""
        marker = self.home / ".complete"
        if marker.exists():
            return self.libs_dir
        mvn = shutil.which("mvn")
        if not shutil.which("java"):
            raise JavaNotFoundError("java is not on PATH: install a Java 17+ runtime (e.g. openjdk-17-jre)")
        if not mvn:
            raise JavaNotFoundError("mvn is not on PATH: install Apache Maven to fetch the Kafka broker jars")
        self._progress(f"resolving Apache Kafka {self.version} from Maven Central into {self.home} ...")
        started = time.monotonic()
        self.home.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="hefesto-mvn-") as tmp:
            pom = Path(tmp) / "pom.xml"
            pom.write_text(_POM.format(version=self.version, log4j=_LOG4J_VERSION), encoding="utf-8")
            staging = self.home / "libs.partial"
            shutil.rmtree(staging, ignore_errors=True)
            proc = subprocess.run(
                [
                    mvn,
                    "-q",
                    "-B",
                    "-f",
                    str(pom),
                    "dependency:copy-dependencies",
                    f"-DoutputDirectory={staging}",
                    "-DincludeScope=runtime",
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0 or not any(staging.glob(f"kafka_2.13-{self.version}.jar")):
                tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
                raise BrokerResolveError(
                    f"mvn could not resolve org.apache.kafka:kafka_2.13:{self.version} "
                    f"(exit {proc.returncode}):\n{tail}"
                )
            # slf4j 2 APIs pulled transitively would shadow the 1.x binding we ship.
            for jar in staging.glob("log4j-slf4j2-impl-*.jar"):
                jar.unlink()
            shutil.rmtree(self.libs_dir, ignore_errors=True)
            staging.rename(self.libs_dir)
        marker.write_text(self.version, encoding="utf-8")
        self._progress(
            f"resolved {len(list(self.libs_dir.glob('*.jar')))} jars in {time.monotonic() - started:.1f}s"
        )
        return self.libs_dir

    # ------------------------------------------------------------------ state
    def _our_pid(self) -> int | None:
        """The pid in our pid file if that process is alive and is our broker."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if not _pid_alive(pid):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return pid  # no /proc (not Linux): trust the pid file
        # Pids are reused: only a java running our main class with our config is ours.
        if _MAIN_CLASS in cmdline and str(self.state_dir) in cmdline:
            return pid
        return None

    def status(self) -> BrokerStatus:
        external = self.settings.kafka_bootstrap
        if external:
            return BrokerStatus(external, bootstrap_reachable(external), False, None, None, None)
        pid = self._our_pid()
        running = pid is not None and bootstrap_reachable(self.bootstrap)
        return BrokerStatus(self.bootstrap, running, pid is not None, pid, self.version, self.log_file)

    def _write_config(self) -> Path:
        data = self.state_dir / "data"
        logs = self.state_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{self.host}:{self.controller_port}",
            "listeners": f"PLAINTEXT://{self.host}:{self.port},CONTROLLER://{self.host}:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{self.host}:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(data),
            "num.partitions": str(self.settings.topic_partitions),
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "8",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "4",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            # A single local broker: rebalance at once instead of waiting 3 s for more members.
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "true",
        }
        config = self.state_dir / "server.properties"
        config.write_text("".join(f"{k}={v}\n" for k, v in props.items()), encoding="utf-8")
        (self.state_dir / "log4j2.properties").write_text(_LOG4J2.format(logs=logs), encoding="utf-8")
        return config

    def _java(self, *args: str, log4j: bool = False) -> list[str]:
        java = shutil.which("java")
        if not java:
            raise JavaNotFoundError("java is not on PATH: install a Java 17+ runtime (e.g. openjdk-17-jre)")
        cmd = [
            java,
            f"-Xmx{self.settings.kafka_heap_mb}m",
            f"-Xms{min(512, self.settings.kafka_heap_mb)}m",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
        ]
        if log4j:
            cmd.append(f"-Dlog4j2.configurationFile={self.state_dir / 'log4j2.properties'}")
        return [*cmd, "-cp", f"{self.libs_dir}/*", *args]

    def _format_storage(self, config: Path) -> None:
        if (self.state_dir / "data" / "meta.properties").exists():
            return
        cid = new_cluster_id()
        proc = subprocess.run(
            self._java("kafka.tools.StorageTool", "format", "-t", cid, "-c", str(config)),
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise BrokerStartError(f"formatting KRaft storage failed:\n{proc.stdout}{proc.stderr}")
        (self.state_dir / "cluster.id").write_text(cid, encoding="utf-8")

    # ------------------------------------------------------------------ lifecycle
    def start(self, *, timeout_ms: int = 90_000) -> BrokerStatus:
        """Start the broker, or reuse the one already running. Idempotent."""
        external = self.settings.kafka_bootstrap
        if external:
            if not bootstrap_reachable(external, timeout_ms=5_000):
                raise BrokerError(
                    f"HEFESTO_KAFKA_BOOTSTRAP={external} does not answer; unset it to use the local broker"
                )
            return BrokerStatus(external, True, False, None, None, None)
        pid = self._our_pid()
        if pid is not None:
            if self._wait_ready(pid, timeout_ms=timeout_ms):
                return BrokerStatus(self.bootstrap, True, True, pid, self.version, self.log_file)
            raise BrokerStartError(
                f"broker pid {pid} is alive but does not answer on {self.bootstrap}{self._log_tail()}"
            )
        if bootstrap_reachable(self.bootstrap, timeout_ms=1_000):
            raise BrokerStartError(
                f"port {self.port} already serves a Kafka broker that this project did not start; "
                f"set HEFESTO_KAFKA_BOOTSTRAP={self.bootstrap} to use it, "
                "or HEFESTO_KAFKA_PORT to pick another"
            )
        for port in (self.port, self.controller_port):
            if not _port_free(self.host, port):
                raise BrokerStartError(
                    f"port {port} on {self.host} is in use by another program; "
                    "choose others with HEFESTO_KAFKA_PORT / HEFESTO_KAFKA_CONTROLLER_PORT"
                )
        self.ensure_jars()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        self._format_storage(config)
        self._progress(f"starting Apache Kafka {self.version} on {self.bootstrap} ...")
        started = time.monotonic()
        with open(self.console_log, "ab") as out:
            proc = subprocess.Popen(
                self._java(_MAIN_CLASS, str(config), log4j=True),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # survives the CLI; stopped by `hefesto kafka stop`
                cwd=self.state_dir,
            )
        self.pid_file.write_text(str(proc.pid), encoding="utf-8")
        if not self._wait_ready(proc.pid, timeout_ms=timeout_ms):
            self.stop()
            raise BrokerStartError(
                f"Apache Kafka did not answer on {self.bootstrap} within {timeout_ms} ms{self._log_tail()}"
            )
        self._progress(f"ready in {time.monotonic() - started:.1f}s")
        return BrokerStatus(self.bootstrap, True, True, proc.pid, self.version, self.log_file)

    def _wait_ready(self, pid: int, *, timeout_ms: int) -> bool:
        deadline = time.monotonic() + timeout_ms / 1000
        while time.monotonic() < deadline:
            if not _pid_alive(pid):
                return False
            if bootstrap_reachable(self.bootstrap, timeout_ms=2_000):
                return True
            time.sleep(0.3)
        return False

    def _log_tail(self, lines: int = 20) -> str:
        for path in (self.console_log, self.log_file):
            with contextlib.suppress(OSError):
                text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
                if text:
                    return f"\nlast lines of {path}:\n" + "\n".join(text[-lines:])
        return ""

    def stop(self, *, timeout_ms: int = 30_000) -> bool:
        """Stop our broker (SIGTERM, then SIGKILL); True if one was running."""
        pid = self._our_pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        self._progress(f"stopping Apache Kafka (pid {pid}) ...")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_ms / 1000
        while _pid_alive(pid) and time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.1)
        if _pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.pid_file.unlink(missing_ok=True)
        return True

"""A Spark Thrift Server for tests, started from pyspark's own distribution on a local catalogue.

pyspark's pip package ships what HiveThriftServer2 needs (jars/spark-hive-thriftserver_2.12 and
the hive-service / hive-jdbc / libthrift jars), so ``<pyspark>/bin/spark-submit`` starts one with
no separate Spark install. The server is configured with mca's own session settings
(reporting.warehouse.spark.spark_conf): the same warehouse folder, Derby metastore, time zone and
Parquet date handling as the catalogue ``mca-report`` would open itself.

The embedded Derby metastore takes one JVM at a time: whatever else uses the catalogue (a load
through mca's own session) must have ended before :func:`start` and must not run while the
server is up.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reporting.settings import Settings
from reporting.warehouse.spark import spark_conf

MAIN_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"
#: The primary resource spark-submit takes for a class inside Spark's own jars
#: (what sbin/start-thriftserver.sh passes).
SPARK_INTERNAL = "spark-internal"
#: Starting the JVM, the Hive client and the metastore takes 15-30 s on 2 busy cores.
START_TIMEOUT_SECONDS = 180.0


def pyspark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def missing_jars() -> list[str]:
    """The Thrift Server jars pyspark's distribution lacks (none for the pip package 3.5)."""
    jars = [p.name for p in (pyspark_home() / "jars").glob("*.jar")]
    wanted = ("spark-hive-thriftserver_", "hive-service-rpc-", "libthrift-", "hive-jdbc-")
    return [w for w in wanted if not any(j.startswith(w) for j in jars)]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spark_confs(settings: Settings) -> dict[str, str]:
    """mca's session configuration for ``settings`` (its local catalogue), for ``--conf``."""
    conf = dict(spark_conf(settings))
    conf.pop("spark.master")  # given as --master
    conf["spark.app.name"] = "mca-thrift-test"
    # Spark's default log level, not mca's errors-only file: the server says that it listens
    # (which start() waits for) at INFO, and a failure's log tail needs the lines before it
    options = conf["spark.driver.extraJavaOptions"].split()
    conf["spark.driver.extraJavaOptions"] = " ".join(o for o in options if not o.startswith("-Dlog4j2.configurationFile="))
    return conf


def hive_confs(port: int, work_dir: Path) -> dict[str, str]:
    """The server's own settings, for ``--hiveconf``: spark-submit ignores a ``--conf`` that does
    not start with ``spark.`` (and the server then listens on 10000, every interface)."""
    return {
        "hive.server2.thrift.port": str(port),
        "hive.server2.thrift.bind.host": "127.0.0.1",
        "hive.server2.transport.mode": "binary",
        # otherwise /tmp/<user>/operation_logs, shared by every server on the machine
        "hive.server2.logging.operation.log.location": str(work_dir / "operation_logs"),
    }


def command(settings: Settings, port: int, work_dir: Path) -> list[str]:
    cmd = [str(pyspark_home() / "bin" / "spark-submit"), "--class", MAIN_CLASS,
           "--master", settings.spark_master]
    for key, value in spark_confs(settings).items():
        cmd += ["--conf", f"{key}={value}"]
    cmd.append(SPARK_INTERNAL)
    for key, value in hive_confs(port, work_dir).items():
        cmd += ["--hiveconf", f"{key}={value}"]
    return cmd


@dataclass
class ThriftServer:
    host: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def listening(self) -> bool:
        """Whether the log says this server listens on its port."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return False
        return f"ThriftBinaryCLIService on port {self.port} " in text

    def stop(self, timeout: float = 30.0) -> None:
        """Terminate the server's process group (spark-submit's shell and its JVM), then kill
        what is left after ``timeout`` seconds."""
        if self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def start(settings: Settings, log_path: Path, *, port: int | None = None,
          timeout: float = START_TIMEOUT_SECONDS) -> ThriftServer:
    """Start a Thrift Server on ``settings``' local catalogue, its log in ``log_path`` and its
    working files (operation logs) beside it, and wait until it listens. On failure (or an
    interrupt) the server is stopped; the error names the log and shows its tail."""
    if missing_jars():
        raise RuntimeError(f"pyspark at {pyspark_home()} lacks the Thrift Server jars: {missing_jars()}")
    port = port or free_port()
    work_dir = log_path.parent
    Path(settings.spark_dir).mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SPARK_HOME": str(pyspark_home())}
    env.pop("PYSPARK_SUBMIT_ARGS", None)  # pyspark's own, for a Python driver
    with log_path.open("wb") as log:
        # its own process group: stop() ends spark-submit and the JVM together
        process = subprocess.Popen(command(settings, port, work_dir), stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, cwd=str(work_dir), env=env,
                                   start_new_session=True)
    server = ThriftServer("127.0.0.1", port, process, log_path)
    try:
        deadline = time.monotonic() + timeout
        # the port answering is not enough: another program may have taken it since free_port()
        while not (_answers(server.host, port) and server.listening()):
            if process.poll() is not None:
                raise RuntimeError(f"the Spark Thrift Server exited with {process.returncode} before "
                                   f"listening on {port}; log {log_path}:\n{server.log_tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Spark Thrift Server did not listen on {port} within "
                                   f"{timeout:.0f} s; log {log_path}:\n{server.log_tail()}")
            time.sleep(0.5)
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def running(settings: Settings, log_path: Path, **kwargs) -> Iterator[ThriftServer]:
    server = start(settings, log_path, **kwargs)
    try:
        yield server
    finally:
        server.stop()

"""Servers on one machine: a Spark standalone cluster, PostgreSQL, Dagster's daemon and webserver.

`wikiforge stack` runs the platform with these; the production tests start the same classes.
Each server is a separate process started from what the machine has (the pyspark distribution
in the virtualenv; Debian's postgresql, installed with apt-get when missing and running as
root), listening on loopback at a free port (or the one asked for), writing its log to a file.
Every started service is registered in ``STARTED`` so that a failure report can show the tail
of its log.

Fault tests build on these classes: ``SparkCluster.kill_worker``, ``PostgresServer.restart``,
``Service.kill`` (SIGKILL) and ``Service.stop`` (a clean shutdown).
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

#: Every service started in this process, in start order (for failure reports).
STARTED: list[Service] = []

LOOPBACK = "127.0.0.1"


class ServiceError(RuntimeError):
    """A service did not start (or stop) in time; the message carries the end of its log."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def is_root() -> bool:
    """Whether this process runs as root (then servers run as their own system users)."""
    return os.geteuid() == 0


def wait_until(
    condition: Callable[[], object], timeout: float, what: str, service: Service | None = None
) -> object:
    """Poll ``condition`` until it returns something true; raise with the service's log if
    ``timeout`` seconds pass or the service exits first.
    """
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except ServiceError:  # the condition found a failure: no use waiting
            raise
        except Exception as error:  # the server is not up yet: keep polling
            last_error = error
        if service is not None and not service.alive:
            raise ServiceError(
                f"{service.name} exited (code {service.process.returncode}) while waiting "
                f"for {what}\n{service.log_tail()}"
            )
        time.sleep(0.2)
    detail = f" (last error: {last_error})" if last_error else ""
    tail = f"\n{service.log_tail()}" if service is not None else ""
    raise ServiceError(f"timed out after {timeout:.0f} s waiting for {what}{detail}{tail}")


class Service:
    """One server process, its output in ``log`` (appended to across restarts)."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log: Path,
        *,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
        user: str | None = None,
    ) -> None:
        self.name = name
        self.argv = [str(a) for a in argv]
        self.log = log
        self.env = env
        self.cwd = cwd
        self.user = user
        self.process: subprocess.Popen = None  # type: ignore[assignment]

    def start(self) -> Service:
        """Start the process (in its own process group, so its children stop with it)."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            out.write(f"==> {' '.join(self.argv)}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                self.argv,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                cwd=self.cwd,
                user=self.user,
                group=_group_of(self.user) if self.user else None,
                extra_groups=[] if self.user else None,
                start_new_session=True,
            )
        if self not in STARTED:
            STARTED.append(self)
        return self

    @property
    def pid(self) -> int:
        """The process id (also its process group's id)."""
        return int(self.process.pid)

    @property
    def alive(self) -> bool:
        """Whether the process was started and has not exited."""
        return self.process is not None and self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int | None:
        """Send ``sig`` to the process group and wait for the process and every other member of
        its group (the runs a daemon launched, a worker's executors); SIGKILL the group after
        ``timeout`` seconds.
        """
        if self.process is None:
            return None
        if self.process.poll() is None or self.group_alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
        deadline = time.monotonic() + timeout
        try:
            self.process.wait(timeout)
            while self.group_alive() and time.monotonic() < deadline:
                time.sleep(0.1)
        except subprocess.TimeoutExpired:
            pass
        if self.group_alive():
            self.kill()
        return self.process.returncode

    def group_alive(self) -> bool:
        """Whether any process of the service's process group is still running."""
        return self.process is not None and bool(group_members(self.process.pid))

    def kill(self) -> None:
        """SIGKILL the whole process group (a crash, for fault tests) and reap it."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)
        deadline = time.monotonic() + 30
        while self.group_alive() and time.monotonic() < deadline:
            time.sleep(0.1)

    def log_tail(self, lines: int = 60) -> str:
        """The last ``lines`` lines of the log, headed with its path."""
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            text = ["(no log written)"]
        return f"--- {self.name}: {self.log} (last {lines} lines) ---\n" + "\n".join(text[-lines:])


def group_members(pgid: int) -> list[int]:
    """The running processes (zombies aside) of process group ``pgid``."""
    proc = Path("/proc")
    if not proc.is_dir():  # no procfs: ask the kernel whether the group has any member
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        except PermissionError:
            pass
        return [pgid]
    members = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # exited meanwhile
            continue
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def _group_of(user: str) -> int:
    return pwd.getpwnam(user).pw_gid


def service_dir(prefix: str, owner: str | None = None) -> Path:
    """A throw-away directory under the system temp dir, owned by ``owner`` when given (the
    servers that refuse to run as root get a directory their user can write).
    """
    path = Path(tempfile.mkdtemp(prefix=f"wikiforge-{prefix}-"))
    if owner:
        entry = pwd.getpwnam(owner)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


# -- Debian packages -------------------------------------------------------------------------


def ensure_debian_packages(packages: dict[str, str]) -> None:
    """Install the Debian packages whose file pattern (``{package: glob}``) matches nothing.

    Runs ``apt-get install -y`` (then ``apt-get update`` and again, if the index is stale) as
    root, serialised across processes by a lock file; a non-root user gets an error naming the
    command to run.
    """
    missing = [pkg for pkg, pattern in packages.items() if not glob.glob(pattern)]
    if not missing:
        return
    if not is_root():
        raise ServiceError(f"missing Debian packages: run `apt-get install -y {' '.join(missing)}`")
    with open(Path(tempfile.gettempdir()) / "wikiforge-apt.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        missing = [pkg for pkg, pattern in packages.items() if not glob.glob(pattern)]
        if not missing:
            return
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", *missing]
        done = subprocess.run(install, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, check=False)
            done = subprocess.run(install, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise ServiceError(f"{' '.join(install)} failed:\n{done.stdout[-3000:]}{done.stderr}")


# -- Spark -----------------------------------------------------------------------------------


def spark_home() -> Path:
    """The Spark distribution inside the installed pyspark package."""
    import pyspark

    return Path(pyspark.__file__).resolve().parent


class SparkCluster:
    """A Spark standalone cluster on loopback: one master and ``workers`` workers, each a
    separate JVM started with ``spark-class``, each with ``cores`` cores and ``memory``.
    """

    def __init__(self, base: Path, *, workers: int = 2, cores: int = 1, memory: str = "1g") -> None:
        self.base = base
        self.cores = cores
        self.memory = memory
        self.port = free_port()
        self.ui_port = free_port()
        self.master: Service | None = None
        self.workers: list[Service] = []
        self.wanted_workers = workers
        home = spark_home()
        conf_dir = base / "conf"  # empty: no site configuration leaks in
        conf_dir.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "SPARK_HOME": str(home),
            "SPARK_CONF_DIR": str(conf_dir),
            "SPARK_LOCAL_IP": LOOPBACK,
            "SPARK_DAEMON_MEMORY": "256m",
            # Executors run the maps with the driver's Python (pyspark sends its path, this is
            # the fallback) and import wikiforge from it.
            "PYSPARK_PYTHON": sys.executable,
        }
        self.spark_class = home / "bin" / "spark-class"

    @property
    def url(self) -> str:
        """The master URL a driver connects to (``spark.master``)."""
        return f"spark://{LOOPBACK}:{self.port}"

    @property
    def ui_url(self) -> str:
        """The master's web UI (and its JSON status under ``/json/``)."""
        return f"http://{LOOPBACK}:{self.ui_port}"

    def state(self) -> dict:
        """The master's JSON status: workers, applications, cores."""
        with urllib.request.urlopen(f"{self.ui_url}/json/", timeout=5) as response:
            return json.loads(response.read())

    def alive_workers(self) -> list[dict]:
        """The workers the master counts as alive."""
        return [w for w in self.state().get("workers", []) if w.get("state") == "ALIVE"]

    def start(self, timeout: float = 90.0) -> SparkCluster:
        """Start the master, then the workers; return once every worker has registered."""
        self.master = Service(
            "spark-master",
            [
                self.spark_class,
                "org.apache.spark.deploy.master.Master",
                "--host",
                LOOPBACK,
                "--port",
                self.port,
                "--webui-port",
                self.ui_port,
            ],
            self.base / "master.log",
            env=self.env,
            cwd=self.base,
        ).start()
        wait_until(self.state, timeout, "the Spark master's status page", self.master)
        for _ in range(self.wanted_workers):
            self.add_worker()
        self.wait_for_workers(self.wanted_workers, timeout)
        return self

    def add_worker(self) -> Service:
        """Start one more worker (it registers with the master on its own)."""
        index = len(self.workers)
        work = self.base / f"worker-{index}"
        work.mkdir(parents=True, exist_ok=True)
        worker = Service(
            f"spark-worker-{index}",
            [
                self.spark_class,
                "org.apache.spark.deploy.worker.Worker",
                "--host",
                LOOPBACK,
                "--webui-port",
                free_port(),
                "--cores",
                self.cores,
                "--memory",
                self.memory,
                "--work-dir",
                work,
                self.url,
            ],
            self.base / f"worker-{index}.log",
            env=self.env,
            cwd=work,
        ).start()
        self.workers.append(worker)
        return worker

    def wait_for_workers(self, count: int, timeout: float = 90.0) -> None:
        """Wait until the master counts ``count`` live workers (fails when a worker exits)."""

        def registered() -> bool:
            for worker in self.workers:
                if not worker.alive:
                    raise ServiceError(
                        f"{worker.name} exited (code {worker.process.returncode}) while "
                        f"waiting for it to register\n{worker.log_tail()}"
                    )
            return len(self.alive_workers()) >= count

        wait_until(
            registered,
            timeout,
            f"{count} Spark workers to register",
            self.master,
        )

    def kill_worker(self, index: int) -> None:
        """SIGKILL one worker and its executors (a lost machine)."""
        self.workers[index].kill()

    def executor_logs(self) -> list[Path]:
        """The stderr files of every executor the workers ran (one per application)."""
        return sorted(self.base.glob("worker-*/app-*/*/stderr"))

    def spark_config(self, **extra: str) -> dict[str, str]:
        """Driver settings for a run on this cluster (executors sized to fit a worker)."""
        return {
            "spark.master": self.url,
            "spark.driver.host": LOOPBACK,
            "spark.driver.bindAddress": LOOPBACK,
            "spark.executor.memory": self.memory,
            "spark.executor.cores": str(self.cores),
            "spark.sql.shuffle.partitions": "4",
            **extra,
        }

    def stop(self) -> None:
        """Stop the workers, then the master."""
        for worker in self.workers:
            worker.stop()
        if self.master is not None:
            self.master.stop()


# -- PostgreSQL ------------------------------------------------------------------------------

POSTGRES_PACKAGES = {"postgresql": "/usr/lib/postgresql/*/bin/postgres"}


def postgres_bin() -> Path:
    """The newest installed PostgreSQL server's bin directory."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    if not found:
        raise ServiceError("PostgreSQL is not installed (apt-get install -y postgresql)")
    return Path(found[-1])


class PostgresServer:
    """A PostgreSQL cluster on a loopback port (trust authentication, one user, one database).

    Without ``base`` the cluster is throw-away (a temporary directory, no fsync); with it, the
    cluster lives in ``base/data`` and is kept across restarts (``durable``: fsync on). As root
    the cluster belongs to the ``postgres`` user (the server refuses to run as root).
    """

    user = "wikiforge"

    def __init__(
        self, base: Path | None = None, database: str = "dagster", *, durable: bool = False
    ) -> None:
        ensure_debian_packages(POSTGRES_PACKAGES)
        self.owner = "postgres" if is_root() else None
        if base is None:
            self.base = service_dir("postgres", self.owner)
        else:
            self.base = base
            base.mkdir(parents=True, exist_ok=True)
            if self.owner:
                entry = pwd.getpwnam(self.owner)
                os.chown(base, entry.pw_uid, entry.pw_gid)
                self._check_reachable()
        self.data = self.base / "data"
        self.port = free_port()
        self.database = database
        self.bin = postgres_bin()
        self.server = Service(
            "postgresql",
            [
                self.bin / "postgres",
                "-D",
                self.data,
                "-h",
                LOOPBACK,
                "-p",
                self.port,
                "-k",
                self.base,  # its Unix socket stays in the throw-away directory
                "-c",
                "max_connections=100",
                "-c",
                "shared_buffers=32MB",
                # a throw-away cluster: durability across OS crashes is moot
                *([] if durable else ["-c", "fsync=off"]),
            ],
            self.base / "postgresql.log",
            user=self.owner,
        )

    @property
    def url(self) -> str:
        """``postgresql://`` URL of the test database."""
        return f"postgresql://{self.user}@{LOOPBACK}:{self.port}/{self.database}"

    def _run(self, argv: Sequence[object], allowed: str = "") -> None:
        """Run a PostgreSQL tool as the cluster's owner; ``allowed``: an error text it may print."""
        done = subprocess.run(
            [str(a) for a in argv], capture_output=True, text=True, user=self.owner
        )
        if done.returncode != 0 and not (allowed and allowed in done.stderr):
            raise ServiceError(f"{' '.join(map(str, argv))} failed:\n{done.stdout}{done.stderr}")

    def _check_reachable(self) -> None:
        """The server runs as its owner: fail clearly if that user cannot write ``base``
        (a parent directory it may not enter, such as a home directory).
        """
        done = subprocess.run(["test", "-w", str(self.base), "-a", "-x", str(self.base)],
                              user=self.owner, check=False)  # fmt: skip
        if done.returncode != 0:
            raise ServiceError(
                f"PostgreSQL runs as the {self.owner} user, which cannot write {self.base}: "
                f"choose a data root it can reach (every parent directory searchable, "
                f"e.g. `chmod o+x` on them) or run as another user"
            )

    def start(self, timeout: float = 60.0) -> PostgresServer:
        """Create the cluster (initdb) on first start, then start the server and create the
        database unless it exists.
        """
        if not self.data.exists():
            self._run(
                [
                    self.bin / "initdb",
                    "-D",
                    self.data,
                    "-U",
                    self.user,
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C",
                ]
            )
        self.server.start()
        wait_until(self._accepts, timeout, "PostgreSQL to accept connections", self.server)
        self._run(
            [self.bin / "createdb", "-h", LOOPBACK, "-p", self.port, "-U", self.user,
             self.database],
            allowed="already exists",
        )  # fmt: skip
        return self

    def _accepts(self) -> bool:
        done = subprocess.run(
            [self.bin / "pg_isready", "-h", LOOPBACK, "-p", str(self.port), "-q"], check=False
        )
        return done.returncode == 0

    def stop(self) -> None:
        """Fast shutdown (SIGINT: disconnect clients, checkpoint, exit)."""
        self.server.stop(signal.SIGINT)

    def restart(self, timeout: float = 60.0) -> None:
        """Stop and start again on the same port and data (clients see their connections drop)."""
        self.stop()
        self.start(timeout)

    def remove(self) -> None:
        """Stop the server and delete its cluster."""
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


@contextlib.contextmanager
def started(service_like) -> Iterator:
    """Start a server object (``start``/``stop``) for the length of a ``with`` block."""
    service_like.start()
    try:
        yield service_like
    finally:
        service_like.stop()


# -- Dagster on PostgreSQL -------------------------------------------------------------------

DAGSTER_YAML = """\
# Dagster's instance on PostgreSQL: runs, events and schedules in one database.
storage:
  postgres:
    postgres_url:
      env: DAGSTER_PG_URL
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
  config:
    max_concurrent_runs: {max_concurrent_runs}
    dequeue_interval_seconds: 1   # a queued run starts within a second (default 5)
# Runs' workers are processes of this machine, which the launcher can check (cli/run_launcher.py):
# the daemon marks a run whose worker is gone (killed, or lost with a daemon) as failed ...
run_launcher:
  module: cli.run_launcher
  class: LocalRunLauncher
run_monitoring:
  enabled: true
  poll_interval_seconds: 5
# ... and starts it again, unless a step failed (bad input fails the same way every time).
run_retries:
  enabled: true
  max_retries: 2
  retry_on_asset_or_op_failure: false
telemetry:
  enabled: false
"""


def graphql(url: str, query: str, variables: dict | None = None) -> dict:
    """POST a GraphQL query to the Dagster webserver at ``url``; its ``data`` (errors raise)."""
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        f"{url}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    if answer.get("errors"):
        raise ServiceError(f"GraphQL errors: {answer['errors']}")
    return answer["data"]


class DagsterDeployment:
    """``dagster-daemon`` and ``dagster-webserver`` as separate processes over a workspace
    file, with the instance's storage in PostgreSQL (``dagster.yaml`` in ``home``).

    ``env`` is what the code locations and runs see (data root, landing zone, engine); the
    webserver listens on ``port`` (default: a free one).
    """

    def __init__(
        self,
        home: Path,
        postgres_url: str,
        workspace: Path,
        env: dict[str, str],
        *,
        max_concurrent_runs: int = 2,
        port: int | None = None,
    ) -> None:
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        (home / "dagster.yaml").write_text(
            DAGSTER_YAML.format(max_concurrent_runs=max_concurrent_runs)
        )
        self.port = port or free_port()
        self.env = {
            **os.environ,
            **env,
            "DAGSTER_HOME": str(home),
            # The lock installs psycopg2 (SQLAlchemy's default for postgresql:// is psycopg 3).
            "DAGSTER_PG_URL": postgres_url.replace("postgresql://", "postgresql+psycopg2://", 1),
        }
        bin_dir = Path(sys.executable).parent
        self.daemon = Service(
            "dagster-daemon",
            [bin_dir / "dagster-daemon", "run", "-w", workspace],
            home / "daemon.log",
            env=self.env,
            cwd=workspace.parent,
        )
        self.webserver = Service(
            "dagster-webserver",
            [bin_dir / "dagster-webserver", "-w", workspace, "-h", LOOPBACK, "-p", self.port],
            home / "webserver.log",
            env=self.env,
            cwd=workspace.parent,
        )

    @property
    def url(self) -> str:
        """The webserver (UI, and GraphQL under ``/graphql``)."""
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 180.0) -> DagsterDeployment:
        """Start the webserver and the daemon; return once the webserver answers GraphQL."""
        self.webserver.start()
        self.daemon.start()
        wait_until(
            lambda: self.graphql("{ version }")["version"],
            timeout,
            "dagster-webserver's GraphQL API",
            self.webserver,
        )
        return self

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        """POST a GraphQL query to the webserver; its ``data`` (errors raise)."""
        return graphql(self.url, query, variables)

    def stop(self) -> None:
        """Stop the daemon (and the runs it launched), then the webserver."""
        self.daemon.stop()
        self.webserver.stop()

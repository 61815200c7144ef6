"""`wikiforge stack`: the platform's servers on one machine, started and stopped together.

PostgreSQL (the Dagster instance's storage), a Spark standalone master and its workers (where
every run's heavy steps execute), dagster-webserver and dagster-daemon (the landing sensor and
the runs it requests) and the API (`wikiforge serve`), all on loopback, over one landing zone
and one local data root. What the stack keeps lives under ``<data>/.stack/``:

    postgres/    the PostgreSQL cluster (kept across restarts) and postgresql.log
    spark/       master.log, worker-<n>.log, worker-<n>/ (executors' logs per application)
    dagster/     dagster.yaml (instance on PostgreSQL), workspace.yaml, daemon.log,
                 webserver.log, storage/ (runs' compute logs)
    api.log      the API server
    stack.json   while the stack runs: each service's pid, URL and log

The command waits; Ctrl-C or SIGTERM stops every service in the reverse of the start order
and exits 0. A service that exits is started again (at most three times each; a run whose
worker died with it is failed by the new daemon's run monitoring and retried), except the Spark
master: when it exits, or a service fails to start, the stack prints the end of that service's
log, stops the others and exits 1.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

import click

from cli.options import crawls_option, current_settings, data_option, dumps_option
from cli.services import (
    LOOPBACK,
    DagsterDeployment,
    PostgresServer,
    Service,
    ServiceError,
    SparkCluster,
    wait_until,
)
from wikiforge.settings import Settings

#: The stack's directory under the data root.
STACK_DIR = ".stack"

WORKSPACE_YAML = """\
# The code location the stack's webserver and daemon load: the installed `definitions` module.
load_from:
  - python_module:
      module_name: definitions
      working_directory: {directory}
"""


def _http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=5) as response:
        return bool(response.status == 200)


class Stack:
    """The stack's services over one landing zone and local data root (``settings``)."""

    def __init__(
        self,
        settings: Settings,
        *,
        workers: int = 1,
        worker_cores: int = 1,
        api_port: int = 8000,
        webserver_port: int = 3000,
        max_concurrent_runs: int = 2,
    ) -> None:
        self.settings = settings
        self.root = Path(settings.data_root)
        self.dir = self.root / STACK_DIR
        self.workers = workers
        self.worker_cores = worker_cores
        self.api_port = api_port
        self.webserver_port = webserver_port
        self.max_concurrent_runs = max_concurrent_runs
        self.postgres: PostgresServer | None = None
        self.spark: SparkCluster | None = None
        self.dagster: DagsterDeployment | None = None
        self.api: Service | None = None

    @property
    def services(self) -> list[Service]:
        """Every started service process, in start order."""
        found: list[Service | None] = []
        if self.postgres is not None:
            found.append(self.postgres.server)
        if self.spark is not None:
            found += [self.spark.master, *self.spark.workers]
        if self.dagster is not None:
            found += [self.dagster.webserver, self.dagster.daemon]
        found.append(self.api)
        return [s for s in found if s is not None and s.process is not None]

    def restartable(self, service: Service) -> bool:
        """Whether the stack restarts ``service`` when it exits: every one but the Spark master.

        Spark re-runs a lost worker's tasks on the others; the API and the webserver hold no
        state; PostgreSQL recovers its kept cluster (clients retry their connections); a new
        daemon's run monitoring marks the runs whose workers died with the old one as failed,
        and its run retries start them again. A new master would not know the running
        applications, so losing it stops the stack.
        """
        return self.spark is None or service is not self.spark.master

    def restart(self, service: Service) -> None:
        """Start ``service`` again after it exited, once what is left of its process group (a
        dead daemon's runs, a dead worker's executors) is stopped.
        """
        service.stop()
        if self.postgres is not None and service is self.postgres.server:
            self.postgres.start()  # same port and cluster; returns once it accepts connections
        else:
            service.start()

    def start(self, echo: Callable[[str], None] = click.echo) -> Stack:
        """Start PostgreSQL, the Spark cluster, Dagster's webserver and daemon, then the API;
        return once each answers (raises ``ServiceError`` with the failing one's log).
        """
        self.dir.mkdir(parents=True, exist_ok=True)
        echo("==> PostgreSQL")
        self.postgres = PostgresServer(self.dir / "postgres", durable=True).start()
        echo(f"==> Spark master and {self.workers} worker(s)")
        self.spark = SparkCluster(
            self.dir / "spark", workers=self.workers, cores=self.worker_cores
        ).start()
        echo("==> dagster-webserver and dagster-daemon")
        home = self.dir / "dagster"
        home.mkdir(parents=True, exist_ok=True)
        workspace = home / "workspace.yaml"
        workspace.write_text(WORKSPACE_YAML.format(directory=json.dumps(str(_code_directory()))))
        self.dagster = DagsterDeployment(
            home,
            self.postgres.url,
            workspace,
            self.run_environment(),
            max_concurrent_runs=self.max_concurrent_runs,
            port=self.webserver_port,
        ).start()
        echo("==> API")
        self.api = Service(
            "api",
            [
                sys.executable,
                "-c",
                "from cli import main; main()",
                "serve",
                "--data",
                self.root,
                "--host",
                LOOPBACK,
                "--port",
                self.api_port,
            ],
            self.dir / "api.log",
            env={**os.environ, "WIKIFORGE_DATA": str(self.root)},
            cwd=self.root,
        ).start()
        wait_until(lambda: _http_ok(f"{self.api_url}/healthz"), 120, "the API's /healthz", self.api)
        return self

    def run_environment(self) -> dict[str, str]:
        """What the code location and every run see: this landing zone and data root, the
        spark engine on this cluster.
        """
        assert self.spark is not None
        settings = self.settings
        return {
            "WIKIFORGE_DATA": str(self.root),
            "WIKIFORGE_DUMPS": str(settings.dumps.resolve()),
            "WIKIFORGE_CRAWLS": str(settings.crawls.resolve()),
            "WIKIFORGE_ENGINE": "spark",
            "WIKIFORGE_SPARK_MASTER": self.spark.url,
            "WIKIFORGE_SENSOR_INTERVAL_S": str(settings.sensor_interval_s),
            # The runs' Spark drivers listen on loopback, where the cluster reaches them.
            "SPARK_LOCAL_IP": LOOPBACK,
            "PYSPARK_PYTHON": sys.executable,
        }

    @property
    def api_url(self) -> str:
        """The API server."""
        return f"http://{LOOPBACK}:{self.api_port}"

    def description(self) -> list[dict]:
        """Each started service: name, pid, URL (if it serves one) and log file."""
        urls: dict[str, str] = {"api": self.api_url}
        if self.postgres is not None:
            urls["postgresql"] = self.postgres.url
        if self.spark is not None:
            urls["spark-master"] = f"{self.spark.url} (UI {self.spark.ui_url})"
        if self.dagster is not None:
            urls["dagster-webserver"] = self.dagster.url
        return [
            {"name": s.name, "pid": s.pid, "url": urls.get(s.name, ""), "log": str(s.log)}
            for s in self.services
        ]

    def stop(self, echo: Callable[[str], None] = click.echo) -> None:
        """Stop every service in the reverse of the start order (each waits for its process
        group: the daemon's runs, the workers' executors).
        """
        for service in reversed(self.services):
            if service.alive or service.group_alive():
                echo(f"==> stopping {service.name}")
            if self.postgres is not None and service is self.postgres.server:
                self.postgres.stop()
            else:
                service.stop()


def _code_directory() -> Path:
    """Where the `definitions` module lives (the code location's working directory)."""
    import importlib.util

    spec = importlib.util.find_spec("definitions")
    if spec is None or spec.origin is None:
        raise click.ClickException("the `definitions` module is not installed (bash dev.sh setup)")
    return Path(spec.origin).parent


#: Restarts of one service the stack makes before it gives up and stops everything.
MAX_RESTARTS = 3


def supervise(
    services: Sequence[Service],
    echo=click.echo,
    poll_s: float = 0.5,
    restartable: Callable[[Service], bool] = lambda service: False,
    restart: Callable[[Service], None] = lambda service: (service.stop(), service.start()),
) -> int:
    """Wait until a service exits (print the end of its log; 1) or an interrupt (0).

    A ``restartable`` service that exits is started again with ``restart`` (at most
    ``MAX_RESTARTS`` times each; see ``Stack.restartable``).
    """
    restarts: dict[str, int] = {}
    try:
        while True:
            for service in services:
                if service.alive:
                    continue
                code = service.process.returncode
                if restartable(service) and restarts.get(service.name, 0) < MAX_RESTARTS:
                    restarts[service.name] = restarts.get(service.name, 0) + 1
                    echo(
                        f"wikiforge stack: {service.name} exited with code {code}; restarting "
                        f"it ({restarts[service.name]} of {MAX_RESTARTS})",
                        err=True,
                    )
                    restart(service)
                    continue
                echo(
                    f"wikiforge stack: {service.name} exited with code {code}\n"
                    f"{service.log_tail()}",
                    err=True,
                )
                return 1
            time.sleep(poll_s)
    except KeyboardInterrupt:
        return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _lock(directory: Path):
    """Hold ``directory/stack.lock`` (one stack per data root) or stop with who holds it."""
    directory.mkdir(parents=True, exist_ok=True)
    lock = open(directory / "stack.lock", "a+")  # noqa: SIM115 (held until the process exits)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "another process"
        raise click.UsageError(
            f"a stack already runs on this data root (pid {holder}): {directory}"
        ) from None
    lock.seek(0)
    lock.truncate()
    lock.write(str(os.getpid()))
    lock.flush()
    return lock


def run_stack(stack: Stack, echo=click.echo) -> int:
    """Start the stack, print where everything is, wait, and stop it; the exit code."""
    lock = _lock(stack.dir)
    state = stack.dir / "stack.json"
    # Both stop the stack (SIGINT too: a parent shell may have left it ignored).
    previous = signal.signal(signal.SIGTERM, _interrupt), signal.signal(signal.SIGINT, _interrupt)
    code = 1
    try:
        stack.start(echo)
        described = stack.description()
        state.write_text(json.dumps({"pid": os.getpid(), "services": described}, indent=1))
        echo("")
        for service in described:
            echo(f"  {service['name']:<18} pid {service['pid']:<8} {service['url']}")
            echo(f"  {'':<18} log {service['log']}")
        echo(f"\nLanding zone {stack.settings.dumps.resolve()}, data root {stack.root}.")
        echo("Running; Ctrl-C stops every service.")
        code = supervise(stack.services, echo, restartable=stack.restartable, restart=stack.restart)
    except ServiceError as error:
        echo(f"wikiforge stack: {error}", err=True)
    except KeyboardInterrupt:
        code = 0
    finally:
        # Stopping takes a few seconds: do not let a second Ctrl-C leave servers behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop(echo)
        state.unlink(missing_ok=True)
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
        lock.close()
    echo("wikiforge stack: stopped" + ("" if code == 0 else " after a failure"))
    return code


@click.command("stack")
@dumps_option
@crawls_option
@data_option
@click.option("--workers", default=1, show_default=True, type=int, help="Spark workers.")
@click.option("--worker-cores", default=1, show_default=True, type=int, help="Cores per worker.")
@click.option("--api-port", default=8000, show_default=True, type=int, help="The API's port.")
@click.option(
    "--webserver-port", default=3000, show_default=True, type=int, help="Dagster UI's port."
)
@click.option(
    "--max-runs", default=2, show_default=True, type=int, help="Runs the daemon runs at once."
)
def stack(
    dumps: Path | None,
    crawls: Path | None,
    data: str | None,
    workers: int,
    worker_cores: int,
    api_port: int,
    webserver_port: int,
    max_runs: int,
) -> None:
    """Run the platform on this machine until Ctrl-C: PostgreSQL, a Spark master and workers,
    dagster-webserver and dagster-daemon (the landing sensor requests runs on the spark engine;
    the instance on PostgreSQL), and the API over the data root. Everything listens on
    loopback; state and logs are under <data>/.stack/.

    The data root must be a local directory (a remote one: see docs/deploy.md).
    """
    settings = current_settings(data=data, dumps=dumps, crawls=crawls)
    if settings.data_is_remote:
        raise click.BadParameter(
            f"{settings.data_root} is remote: the stack runs on a local data root "
            "(docs/deploy.md describes a deployment over a remote one)",
            param_hint="--data",
        )
    if not settings.dumps.is_dir():
        raise click.BadParameter(f"{settings.dumps} is not a directory", param_hint="--dumps")
    settings.crawls.mkdir(parents=True, exist_ok=True)
    Path(settings.data_root).mkdir(parents=True, exist_ok=True)
    built = Stack(
        settings,
        workers=workers,
        worker_cores=worker_cores,
        api_port=api_port,
        webserver_port=webserver_port,
        max_concurrent_runs=max_runs,
    )
    sys.exit(run_stack(built))

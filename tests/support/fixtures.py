"""Session fixtures for the real servers (imported by tests/conftest.py, usable everywhere).

* ``spark_cluster``: a Spark standalone master and two workers (1 core, 1 GiB each);
* ``postgres_server``: a throw-away PostgreSQL cluster with a ``dagster`` database;
* ``mariadb_server``: a throw-away MariaDB server with a ``wikiforge`` database.

Each starts once per session, on first use, and stops at the end. When a test that uses one
fails, the report shows the tail of every service log (and of the Spark executors' stderr):
``pytest_runtest_makereport`` below.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.services import STARTED, PostgresServer, SparkCluster
from tests.support.services import MariaDBServer

#: Fixtures whose tests get the service logs in their failure report.
SERVICE_FIXTURES = {"spark_cluster", "postgres_server", "mariadb_server"}
_CLUSTERS: list[SparkCluster] = []


def _keep_log(log: Path, keep: Path) -> None:
    """Copy a log out of a directory about to be removed (into pytest's kept temp dirs)."""
    if log.exists():
        shutil.copyfile(log, keep / log.name)


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkCluster]:
    """A running Spark standalone cluster: one master, two workers, on loopback."""
    cluster = SparkCluster(tmp_path_factory.mktemp("spark-cluster"), workers=2)
    _CLUSTERS.append(cluster)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    """A running PostgreSQL server (throw-away cluster) with an empty ``dagster`` database."""
    server = PostgresServer()
    keep = tmp_path_factory.mktemp("postgres-logs")
    try:
        server.start()
        yield server
    finally:
        server.stop()
        _keep_log(server.server.log, keep)
        shutil.rmtree(server.base, ignore_errors=True)


@pytest.fixture(scope="session")
def mariadb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MariaDBServer]:
    """A running MariaDB server (throw-away data directory) with an empty database."""
    server = MariaDBServer()
    keep = tmp_path_factory.mktemp("mariadb-logs")
    try:
        server.start()
        yield server
    finally:
        server.stop()
        _keep_log(server.server.log, keep)
        shutil.rmtree(server.base, ignore_errors=True)


def _executor_tails(lines: int = 40) -> list[tuple[str, str]]:
    sections = []
    for cluster in _CLUSTERS:
        for path in cluster.executor_logs()[-4:]:
            text = path.read_text(errors="replace").splitlines()[-lines:]
            sections.append((f"spark executor {path.parent.parent.name}", "\n".join(text)))
    return sections


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failed test that used a real server shows the end of each server's log."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed or not SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return
    for service in STARTED:
        report.sections.append((f"service log: {service.name}", service.log_tail()))
    report.sections.extend(_executor_tails())

"""Session fixtures for the real servers (imported by tests/conftest.py, usable everywhere).

* ``mariadb_server``: a throw-away MariaDB server with a ``wikiforge`` database.

It starts once per session, on first use, and stops at the end. When a test that uses it
fails, the report shows the tail of every service log (``pytest_runtest_makereport`` below).
The stack test starts PostgreSQL and Spark itself, through `wikiforge stack`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.services import STARTED
from tests.support.services import MariaDBServer

#: Fixtures whose tests get the service logs in their failure report.
SERVICE_FIXTURES = {"mariadb_server"}


def _keep_log(log: Path, keep: Path) -> None:
    """Copy a log out of a directory about to be removed (into pytest's kept temp dirs)."""
    if log.exists():
        shutil.copyfile(log, keep / log.name)


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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """A failed test that used a real server shows the end of each server's log."""
    outcome = yield
    report = outcome.get_result()
    if not report.failed or not SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return
    for service in STARTED:
        report.sections.append((f"service log: {service.name}", service.log_tail()))

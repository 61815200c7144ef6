"""Servers only the tests start: MariaDB (the published MySQL dumps are loaded into it).

The servers the platform runs (Spark, PostgreSQL, Dagster) live in ``cli/services.py``, which
`wikiforge stack` and the production tests share; MariaDB is built from the same ``Service``.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

from cli.services import (
    LOOPBACK,
    Service,
    ServiceError,
    ensure_debian_packages,
    free_port,
    is_root,
    service_dir,
    wait_until,
)

# -- MariaDB ---------------------------------------------------------------------------------

MARIADB_PACKAGES = {"mariadb-server": "/usr/sbin/mariadbd", "mariadb-client": "/usr/bin/mariadb"}


class MariaDBServer:
    """A throw-away MariaDB server on a loopback port, one database, one password user."""

    user = "wikiforge"
    password = "wikiforge"

    def __init__(self, base: Path | None = None, database: str = "wikiforge") -> None:
        ensure_debian_packages(MARIADB_PACKAGES)
        self.owner = "mysql" if is_root() else None
        self.base = base or service_dir("mariadb", self.owner)
        self.data = self.base / "data"
        self.socket = self.base / "mysqld.sock"
        self.port = free_port()
        self.database = database
        user_flag = [f"--user={self.owner}"] if self.owner else []
        self.server = Service(
            "mariadb",
            [
                "/usr/sbin/mariadbd",
                "--no-defaults",
                f"--datadir={self.data}",
                f"--socket={self.socket}",
                f"--pid-file={self.base / 'mariadbd.pid'}",
                f"--port={self.port}",
                f"--bind-address={LOOPBACK}",
                "--skip-name-resolve",
                "--innodb-buffer-pool-size=64M",
                "--innodb-log-file-size=32M",
                "--max-allowed-packet=64M",
                *user_flag,
            ],
            self.base / "mariadb.log",
        )
        self.install_flags = [f"--datadir={self.data}", *user_flag]

    def start(self, timeout: float = 60.0) -> MariaDBServer:
        """Create the data directory on first start, start the server, create the user."""
        first = not self.data.exists()
        if first:
            done = subprocess.run(
                [
                    "mariadb-install-db",
                    "--no-defaults",
                    *self.install_flags,
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                ],
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise ServiceError(f"mariadb-install-db failed:\n{done.stdout}{done.stderr}")
        self.server.start()
        wait_until(self.socket.exists, timeout, "MariaDB's socket", self.server)
        if first:
            self.client_as_root(
                f"CREATE DATABASE `{self.database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;"
                f"CREATE USER '{self.user}'@'{LOOPBACK}' IDENTIFIED BY '{self.password}';"
                f"GRANT ALL ON `{self.database}`.* TO '{self.user}'@'{LOOPBACK}';"
            )
        wait_until(self.connect, timeout, "MariaDB to accept TCP connections", self.server)
        return self

    def client_as_root(self, sql: str) -> str:
        """Run SQL as the server's root user over its socket (setup only)."""
        done = subprocess.run(
            ["mariadb", "--no-defaults", f"--socket={self.socket}", "-uroot", "-e", sql],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise ServiceError(f"mariadb client failed: {done.stderr}\n{self.server.log_tail()}")
        return done.stdout

    def client_argv(self, *extra: str) -> list[str]:
        """The ``mysql`` command line that reaches the test database over TCP on loopback."""
        return [
            "mysql",
            "--no-defaults",
            "--protocol=TCP",
            f"--host={LOOPBACK}",
            f"--port={self.port}",
            f"--user={self.user}",
            f"--password={self.password}",
            "--default-character-set=utf8mb4",
            *extra,
            self.database,
        ]

    def connect(self):
        """A PyMySQL connection (utf8mb4) to the test database."""
        import pymysql

        return pymysql.connect(
            host=LOOPBACK,
            port=self.port,
            user=self.user,
            password=self.password,
            database=self.database,
            charset="utf8mb4",
            autocommit=True,  # each read sees the tables loaded since (as a serving process)
        )

    def stop(self) -> None:
        self.server.stop(signal.SIGTERM, timeout=60)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)

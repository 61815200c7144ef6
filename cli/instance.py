"""The Dagster instance the CLI records its runs in."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import click


def open_instance(data_root: Path | str, use_dagster_home: bool = False):
    """The Dagster instance: ``$DAGSTER_HOME``'s (production: PostgreSQL in its dagster.yaml)
    for a remote data root, or when ``use_dagster_home`` (``WIKIFORGE_USE_DAGSTER_HOME``);
    else SQLite under the local data root, so `dg dev` shows the same runs.
    """
    if os.environ.get("DAGSTER_HOME") and (isinstance(data_root, str) or use_dagster_home):
        from dagster import DagsterInstance

        return DagsterInstance.get()
    if isinstance(data_root, str):
        raise click.UsageError(f"--data {data_root} is remote: set DAGSTER_HOME to the instance")
    home = data_root / ".dagster"
    home.mkdir(parents=True, exist_ok=True)
    os.environ["DAGSTER_HOME"] = str(home)
    from dagster import DagsterInstance

    # Two CLIs starting on a fresh data root would both create the SQLite storages and both
    # stamp their schema version (UNIQUE constraint failed: alembic_version): one at a time.
    with open(home / ".init.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        config = home / "dagster.yaml"
        if not config.exists():
            staged = home / f".dagster.yaml.{os.getpid()}"
            staged.write_text("telemetry:\n  enabled: false\n")
            staged.replace(config)
        return DagsterInstance.get()

"""The published MySQL dumps load into a real MariaDB server, and serve what the SQLite stores
and the server's index hold.

`link_datasets` publishes `lr_<wiki>_<dataset>.sql.gz` (the reference's table layout, one INSERT
per line). Each is replayed with the `mysql` client into a throw-away MariaDB server on
loopback (strict SQL mode, the server's default) and must load without an error or a warning;
then every row equals the dataset's SQLite store, and a lookup shaped like the reference's MySQL
serving path (`SELECT value FROM lr_<wiki>_<ds> WHERE lookup = %s`) answers what the API
server's compiled index answers.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import time

import numpy as np
import pytest

from tests.production.conftest import WIKI
from wikiforge.links.publish import DATASETS
from wikiforge.links.stored import load_bundle
from wikiforge.storage import open_data_root

#: Lookups per dataset, spread over its keys (plus a key that is not there).
SAMPLE_LOOKUPS = 40


@pytest.fixture(scope="module")
def published(local_build):
    """The current version of jawiki's `link_datasets` in the local build."""
    root = open_data_root(local_build.wait())
    return root.current("link_datasets", WIKI)


def _load(mariadb_server, dump) -> str:
    """Replay a dump with the mysql client; returns what the client printed (warnings)."""
    done = subprocess.run(
        mariadb_server.client_argv("--show-warnings", "--batch"),
        input=gzip.decompress(dump.read_bytes()),
        capture_output=True,
        timeout=300,
    )
    output = (done.stdout + done.stderr).decode(errors="replace")
    assert done.returncode == 0, f"mysql refused {dump.name}:\n{output}"
    return output


def _sqlite_rows(path) -> list[tuple[str, str]]:
    with sqlite3.connect(path) as con:
        return [(k, bytes(v).decode() if isinstance(v, bytes) else v) for k, v in
                con.execute("SELECT key, value FROM unnamed ORDER BY key")]  # fmt: skip


def _spread(keys: list[str], count: int) -> list[str]:
    if len(keys) <= count:
        return list(keys)
    step = len(keys) / count
    return [keys[int(i * step)] for i in range(count)] + [keys[-1]]


@pytest.mark.slow
def test_every_dump_loads_into_mariadb_and_equals_the_sqlite_store(mariadb_server, published):
    started = time.monotonic()
    index, _meta = load_bundle(published.dir / "bundle")
    con = mariadb_server.connect()
    try:
        for dataset in DATASETS:
            table = f"lr_{WIKI}_{dataset}"
            dump = published.dir / f"{table}.sql.gz"
            output = _load(mariadb_server, dump)
            assert "Warning" not in output and "Note" not in output, output
            expected = _sqlite_rows(published.dir / f"{WIKI}.{dataset}.sqlite")
            assert expected, f"{dataset}: empty SQLite store"
            with con.cursor() as cur:
                cur.execute(f"SELECT lookup, value FROM `{table}` ORDER BY id")
                loaded = [(k, v.decode()) for k, v in cur.fetchall()]
                cur.execute("SHOW WARNINGS")
                assert cur.fetchall() == ()
            # Every row, in the store's key order (the dump writes keys sorted, ids ascending).
            assert len(loaded) == len(expected), dataset
            assert loaded == expected, dataset
            keys = [k for k, _ in expected]
            for key in [*_spread(keys, SAMPLE_LOOKUPS), "\u0000no such key"]:
                _check_lookup(con, table, dataset, key, index)
    finally:
        con.close()
    print(f"4 dumps loaded and checked in {time.monotonic() - started:.1f} s")


def _check_lookup(con, table: str, dataset: str, key: str, index) -> None:
    """The reference's MySqlDict lookup against the API server's index, for one key."""
    with con.cursor() as cur:
        cur.execute(f"SELECT value FROM `{table}` WHERE lookup = %s", (key,))
        rows = cur.fetchall()
    value = json.loads(rows[0][0]) if rows else None
    assert len(rows) <= 1, (dataset, key)
    if dataset == "anchors":
        entry = index.entries.get(key)
        served = (
            None if entry is None else dict(zip(entry.targets, entry.counts.tolist(), strict=True))
        )
        assert value == served, (key, value, served)
    elif dataset == "pageids":
        assert value == index.pageids.get(key), key
    elif dataset == "redirects":
        assert value == index.redirects.get(key), key
    else:
        vector = index.vector(key)
        if value is None:
            assert vector is None, key
        else:
            assert vector is not None, key
            np.testing.assert_allclose(np.asarray(value), vector, rtol=0, atol=1e-6)

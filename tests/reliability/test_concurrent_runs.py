"""Concurrent runs of the same partition: two processes materialize hawiki's `pages` into one
data root at once, recording their runs in the same Dagster instance (SQLite under the data
root, as `wikiforge materialize` does), three times each.

Every run publishes (one after the other under the partition's publish lock), the pointer is
never torn (a reader polling it throughout always gets a complete version), and no version is
lost: the pointer names the last version published and the one before it is still on disk for
readers that resolved it a moment earlier; nothing is left in staging.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time

from serving.datasets import DatasetCatalog
from tests.conftest import REPO, SAMPLE_DUMPS
from wikiforge.storage import POINTER, PUBLISH_LOCK

RUNS_EACH = 3

MATERIALIZE = textwrap.dedent(
    """
    import sys, time, warnings
    warnings.filterwarnings("ignore")
    from pathlib import Path
    import dagster as dg
    from assets.ingest.dump_files import wiki_dump
    from assets.ingest.pages import pages
    from cli.instance import open_instance
    from resources import build_resources

    data_root, dumps, role, runs = Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    go = data_root.parent / "go"
    instance = open_instance(data_root)
    if role == "first":
        instance.add_dynamic_partitions("wiki", ["hawiki"])
        go.touch()
    while not go.exists():
        time.sleep(0.05)
    resources = build_resources(data_root=data_root, dumps_dir=dumps, crawls_dir=dumps)
    for _ in range(runs):
        result = dg.materialize(
            [wiki_dump, pages], partition_key="hawiki", instance=instance, resources=resources
        )
        assert result.success
        (event,) = [
            e for e in result.get_asset_materialization_events() if e.asset_key.path == ["pages"]
        ]
        version = event.materialization.metadata["version"].value
        with open(data_root.parent / f"{role}.versions", "a") as out:
            print(version, file=out)
    """
)


def _rows(stored) -> int:
    return stored.table(columns=["page_id"]).num_rows


def test_two_materializations_of_one_partition_at_once_both_publish_in_turn(tmp_path):
    data_root = tmp_path / "data"
    data_root.mkdir()
    env_free = {"PYTHONWARNINGS": "ignore"}
    logs = [tmp_path / f"{role}.log" for role in ("first", "second")]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", MATERIALIZE, str(data_root), str(SAMPLE_DUMPS), role]
            + [str(RUNS_EACH)],
            cwd=REPO,
            env={**_env_without_dagster_home(), **env_free},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        for role, log in zip(("first", "second"), logs, strict=True)
    ]

    # A server's catalog polls the pointer all along: it must always resolve to a complete
    # version (never a torn pointer, a missing file or a partial table).
    catalog = DatasetCatalog(str(data_root), recheck_s=0)
    seen: set[str] = set()
    problems: list[str] = []

    def poll() -> None:
        while any(p.poll() is None for p in procs):
            try:
                if catalog.current("pages", "hawiki") is not None:
                    loaded = catalog.get("pages", "hawiki", _rows)
                    seen.add(loaded.version)
                    if loaded.value != 2101:
                        problems.append(f"{loaded.version}: {loaded.value} rows")
            except Exception as exc:  # noqa: BLE001 (every failure of a read is a finding)
                problems.append(repr(exc))
            time.sleep(0.02)

    reader = threading.Thread(target=poll)
    reader.start()
    codes = [p.wait(timeout=900) for p in procs]
    reader.join()
    for code, log in zip(codes, logs, strict=True):
        assert code == 0, log.read_text(errors="replace")[-4000:]
    assert not problems, problems[:5]

    # Every run published its own version (the runs' materialization metadata name them).
    published = [
        v
        for role in ("first", "second")
        for v in (tmp_path / f"{role}.versions").read_text().split()
    ]
    assert len(published) == 2 * RUNS_EACH == len(set(published))
    partition = data_root / "pages" / "hawiki"
    current = json.loads((partition / POINTER).read_text())["version"]
    # The current version and the one published before it are kept (a reader may still hold
    # it); both are complete versions of the same 2,101 pages.
    versions = {p.name for p in partition.iterdir()} - {POINTER, PUBLISH_LOCK}
    assert current in versions and len(versions) == 2 and versions <= set(published)
    assert seen <= set(published) and seen
    staging = data_root / ".staging"
    assert not staging.exists() or not any(staging.iterdir())


OPEN_INSTANCE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from cli.instance import open_instance

    data_root, go = Path(sys.argv[1]), Path(sys.argv[2])
    import dagster  # noqa: F401 (imported before the start line: only the opening races)
    (go.parent / f"ready-{sys.argv[3]}").touch()
    while not go.exists():
        time.sleep(0.005)
    instance = open_instance(data_root)
    instance.add_dynamic_partitions("wiki", [sys.argv[3]])
    print(len(instance.get_runs()))
    """
)


def test_cli_instances_created_at_once_on_a_fresh_data_root_all_open(tmp_path):
    """Several CLIs starting together on a fresh data root each open the same SQLite instance;
    none fails creating its storages (they would all stamp the schema version at once).
    """
    data_root, go = tmp_path / "data", tmp_path / "go"
    wikis = ["aawiki", "abwiki", "acewiki", "afwiki"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_INSTANCE, str(data_root), str(go), wiki],
            cwd=REPO,
            env={**_env_without_dagster_home(), "PYTHONWARNINGS": "ignore"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for wiki in wikis
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < len(wikis) and time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            break  # one failed before the start line: its output says why (below)
        time.sleep(0.02)
    go.touch()  # every process has imported dagster and waits at the start line
    outputs = [p.communicate(timeout=120)[0].decode(errors="replace") for p in procs]
    for proc, output in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, output[-3000:]
    listing = subprocess.run(
        [sys.executable, "-c", LIST_PARTITIONS, str(data_root)],
        cwd=REPO,
        env=_env_without_dagster_home(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert sorted(listing.stdout.split()) == wikis


LIST_PARTITIONS = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from cli.instance import open_instance

    print(*open_instance(Path(sys.argv[1])).get_dynamic_partitions("wiki"))
    """
)


def _env_without_dagster_home() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}

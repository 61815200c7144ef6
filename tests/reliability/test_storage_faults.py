"""What interrupted writes leave in a data root, and how the next write cleans it up.

The SIGKILL tests exercise these paths end to end; these pin the rules directly and fast.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pyarrow as pa
import pytest

from wikiforge.storage import POINTER, DataRoot, describe_files, write_parquet

SCHEMA = pa.schema([("id", pa.int64())])


def _stage(root: DataRoot, ids: list[int]):
    staged = root.staging()
    write_parquet(staged, pa.table({"id": ids}, schema=SCHEMA), SCHEMA, what="t")
    return staged


def _publish(root: DataRoot, ids: list[int]):
    staged = _stage(root, ids)
    return root.publish("things", "p", staged, {"files": describe_files(staged)})


def _versions(root: DataRoot) -> list[str]:
    pdir = root.root / "things" / "p"
    return sorted(p.name for p in pdir.iterdir() if p.is_dir())


def test_unpublished_version_of_a_killed_write_is_removed_and_previous_kept(tmp_path):
    root = DataRoot(tmp_path)
    first = _publish(root, [1])
    second = _publish(root, [2])
    # A write killed between renaming its version into place and moving the pointer.
    orphan = root.root / "things" / "p" / "v99991231T235959-deadbeef"
    os.replace(_stage(root, [3]), orphan)
    (root.root / "things" / "p" / ".pointer-dead").write_text("{")
    assert root.current("things", "p").version == second.version
    third = _publish(root, [4])
    # The version the new one replaced stays (a server may be reading it); the orphan, the
    # older version and the dead temporary pointer go.
    assert _versions(root) == sorted([second.version, third.version])
    assert not list((root.root / "things" / "p").glob(".pointer-*"))
    assert first.version not in _versions(root)
    assert root.current("things", "p").table().column("id").to_pylist() == [4]


def test_staging_of_a_dead_writer_is_removed_by_the_next_write(tmp_path):
    root = DataRoot(tmp_path)
    code = (
        "import sys; from wikiforge.storage import DataRoot; print(DataRoot(sys.argv[1]).staging())"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    dead = tmp_path / ".staging" / os.path.basename(done.stdout.strip())
    (dead / "part-0.parquet").write_bytes(b"PAR1 half written")
    assert dead.is_dir()  # its process has exited: a dead writer's leftovers
    mine = root.staging()  # the next write sweeps it
    assert not dead.exists() and mine.is_dir()
    # A live writer's staging (this process) is never swept, however old.
    old = time.time() - 10 * 24 * 3600
    os.utime(mine, (old, old))
    assert root.clean_staging(older_than_s=0) == 0 and mine.is_dir()
    # Staging whose owner cannot be checked (another host) goes only once it is old.
    foreign = tmp_path / ".staging" / "stage-otherhost-1-abc"
    foreign.mkdir()
    assert root.clean_staging() == 0 and foreign.is_dir()
    os.utime(foreign, (old, old))
    assert root.clean_staging() == 1 and not foreign.exists()
    shutil.rmtree(mine)


@pytest.mark.parametrize("name", ["..", "../x", "/etc", "a/b", "a\\b", "x\0y", ""])
def test_names_from_requests_that_could_escape_are_never_published(tmp_path, name):
    root = DataRoot(tmp_path)
    _publish(root, [1])
    assert root.current("things", name) is None
    assert root.pointer_stamp("things", name) is None
    assert root.current(name, "p") is None
    assert root.partitions(name) == []


def test_pointer_always_names_a_complete_version(tmp_path):
    root = DataRoot(tmp_path)
    for n in range(3):
        stored = _publish(root, list(range(n + 1)))
        pointer = json.loads((tmp_path / "things" / "p" / POINTER).read_text())
        assert pointer["version"] == stored.version
        assert describe_files(stored.dir) == {
            **stored.files,
            "_manifest.json": describe_files(stored.dir)["_manifest.json"],
        }

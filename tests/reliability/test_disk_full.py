"""A full disk: the data root is a small tmpfs (mounted here; we run as root) that holds the
previous version but not the new one.

The materialization fails with an error saying the data root is full (where, how much is free,
which version stays current), leaves no partial version, no temporary pointer and no staging,
the server keeps answering from the previous version, and once there is space (the tmpfs
remounted larger) a rerun publishes.
"""

from __future__ import annotations

import bz2
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from resources import build_resources
from serving.datasets import DatasetCatalog
from tests.conftest import REPO, SAMPLE_DUMPS, materialize_partition
from wikiforge.storage import POINTER, PUBLISH_LOCK

HAWIKI = SAMPLE_DUMPS / "hawiki" / "20150406" / "hawiki-20150406-pages-articles.xml.bz2"


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A 320 KiB tmpfs: room for a few-dozen-page `pages` version, not for the 2,101-page one."""
    mountpoint = tmp_path / "disk"
    mountpoint.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=320k", "tmpfs", str(mountpoint)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill up (needs root): {mounted.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def _landing(tmp_path: Path) -> Path:
    """A hawiki landing zone with an older, small dump (an excerpt of its first pages) to publish first."""
    xml = bz2.decompress(HAWIKI.read_bytes())
    cut = xml.index(b"</page>", 150_000) + len(b"</page>\n")
    older = tmp_path / "dumps" / "hawiki" / "20150101"
    older.mkdir(parents=True)
    (older / "hawiki-20150101-pages-articles.xml.bz2").write_bytes(
        bz2.compress(xml[:cut] + b"</mediawiki>\n")
    )
    return tmp_path / "dumps"


def _rows(stored) -> int:
    return stored.table(columns=["page_id"]).num_rows


def test_a_full_data_root_fails_clearly_keeps_the_previous_version_and_leaves_nothing(
    tmp_path, small_disk, instance
):
    from assets.ingest.dump_files import wiki_dump
    from assets.ingest.pages import pages

    dumps = _landing(tmp_path)
    data_root = small_disk / "data"
    resources = build_resources(data_root=data_root, dumps_dir=dumps, crawls_dir=tmp_path)
    materialize_partition(
        [wiki_dump, pages], "hawiki", instance=instance, resources=resources, dynamic="wiki"
    )
    catalog = DatasetCatalog(str(data_root), recheck_s=0)
    before = catalog.get("pages", "hawiki", _rows)
    assert 0 < before.value < 2101

    # The newer, complete dump arrives; its pages do not fit.
    newer = dumps / "hawiki" / "20150406"
    newer.mkdir()
    (newer / HAWIKI.name).symlink_to(HAWIKI)
    result = materialize_partition(
        [wiki_dump, pages], "hawiki", instance=instance, resources=resources, raise_on_error=False
    )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_step_failure]
    assert failure.step_key == "pages"
    message = failure.step_failure_data.error.to_string()
    assert f"pages[hawiki]: no space left on the data root {data_root}" in message, message
    assert f"version {before.version} stays current" in message
    assert "KiB free of 320 KiB" in message

    # Nothing partial: one version, no temporary pointer, no staging; the pointer is untouched.
    partition = data_root / "pages" / "hawiki"
    assert {p.name for p in partition.iterdir()} == {POINTER, PUBLISH_LOCK, before.version}
    staging = data_root / ".staging"
    assert not staging.exists() or not any(staging.iterdir())
    # The server answers from the previous version.
    served = catalog.get("pages", "hawiki", _rows)
    assert (served.version, served.value) == (before.version, before.value)

    # With space again, the rerun publishes the newer dump.
    subprocess.run(["mount", "-o", "remount,size=8m", str(small_disk)], check=True)
    rerun = materialize_partition(
        [wiki_dump, pages], "hawiki", instance=instance, resources=resources
    )
    assert rerun.success
    after = catalog.get("pages", "hawiki", _rows)
    assert after.version != before.version and after.value == 2101
    shutil.rmtree(data_root)


def _complete(version_dir: Path) -> bool:
    """Every file the version's manifest lists is there with its sha256."""
    from wikiforge.storage import sha256_file

    manifest = json.loads((version_dir / "_manifest.json").read_text())
    return all(
        sha256_file(version_dir / name) == entry["sha256"]
        for name, entry in manifest["files"].items()
    )


def test_wikiforge_materialize_on_a_full_disk_says_so_and_publishes_only_whole_versions(
    tmp_path, small_disk
):
    """The CLI keeps its Dagster instance under the data root, so the full disk also stops
    the instance's SQLite: either way the user gets one line saying the data root is full.
    """
    subprocess.run(["mount", "-o", "remount,size=1500k", str(small_disk)], check=True)
    dumps = tmp_path / "dumps"
    (dumps / "hawiki" / "20150406").mkdir(parents=True)
    (dumps / "hawiki" / "20150406" / HAWIKI.name).symlink_to(HAWIKI)
    (tmp_path / "crawls").mkdir()
    data_root = small_disk / "data"
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    done = subprocess.run(
        [sys.executable, "-c", "from cli import main; main()", "materialize"]
        + ["--dumps", str(dumps), "--crawls", str(tmp_path / "crawls"), "--data", str(data_root)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]
    assert f"no space left on the data root {data_root}" in output, output[-3000:]
    # Whatever was published is whole; nothing half-written or staged is left.
    pointers = list(data_root.glob("*/*/" + POINTER))
    for pointer in pointers:
        version = json.loads(pointer.read_text())["version"]
        assert _complete(pointer.parent / version), pointer
        assert not list(pointer.parent.glob(".pointer-*"))
    staging = data_root / ".staging"
    assert not staging.exists() or not any(staging.iterdir())

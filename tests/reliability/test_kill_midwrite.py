"""A materialization killed with SIGKILL mid-write leaves no partial asset; a rerun completes.

The previous version is served (read through the catalog) throughout.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from serving.datasets import DatasetCatalog
from tests.conftest import SAMPLE_DUMPS

MATERIALIZE = textwrap.dedent(
    """
    import sys, warnings
    warnings.filterwarnings("ignore")
    import dagster as dg
    from assets.ingest.pages import pages
    from resources import build_resources
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("wiki", ["nvwiki"])
        dg.materialize([pages], partition_key="nvwiki", instance=instance,
                       resources=build_resources(data_root=sys.argv[1], dumps_dir=sys.argv[2],
                                                 crawls_dir=sys.argv[2]))
    """
)


def _materialize(data_root: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", MATERIALIZE, str(data_root), str(SAMPLE_DUMPS)],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _row_count(stored) -> int:
    return stored.table(columns=["page_id"]).num_rows


@pytest.mark.slow
def test_sigkill_mid_write_leaves_previous_version_served(data_root):
    assert _materialize(data_root).wait(timeout=300) == 0
    catalog = DatasetCatalog(str(data_root), recheck_s=0)
    before = catalog.get("pages", "nvwiki", _row_count)
    assert before.value == 8155

    proc = _materialize(data_root)
    staging = data_root / ".staging"
    deadline = time.monotonic() + 120
    killed_mid_write = False
    while time.monotonic() < deadline and proc.poll() is None:
        parts = list(staging.glob("stage-*/*.parquet")) if staging.exists() else []
        if parts:
            os.kill(proc.pid, signal.SIGKILL)
            killed_mid_write = True
            break
        # The server keeps answering from the previous version while the write is under way.
        assert catalog.get("pages", "nvwiki", _row_count).version == before.version
        time.sleep(0.005)
    proc.wait(timeout=60)
    assert killed_mid_write, "the write finished before it could be killed"

    after = catalog.get("pages", "nvwiki", _row_count)
    assert after.version == before.version and after.value == 8155
    versions = [p for p in (data_root / "pages" / "nvwiki").iterdir() if p.is_dir()]
    assert [v.name for v in versions] == [before.version]

    # The rerun completes and replaces the version; it also sweeps the dead write's staging
    # (its process is gone), so nothing of the killed run is left.
    dead = list(staging.iterdir())
    assert dead
    assert _materialize(data_root).wait(timeout=300) == 0
    rerun = catalog.get("pages", "nvwiki", _row_count)
    assert rerun.version != before.version and rerun.value == 8155
    assert not any(path.exists() for path in dead)
    assert not any(staging.iterdir())

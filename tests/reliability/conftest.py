"""A representative slice of the bundled landing zone, materialized once per session.

The slice goes through every line the way the main job does (`wikiforge materialize`): the
twelve 2018 page-view months and the Wikidata dump through qrank, one small wiki (elwiki, 89
pages) through ingest, links, graph and images, one crawl (sample-warc) through tasks, then the
global job. The hostile-request tests serve it, the fault tests copy it as the "previous
version", and the determinism test compares its files with the main job's build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE_CRAWLS, SAMPLE_DUMPS

SLICE_WIKI = "elwiki"
SLICE_CRAWL = "sample-warc"
SLICE_WIKIDATA_DUMP = "20190101"
SLICE_YEAR = "2018"


def slice_landing_zone(target: Path) -> tuple[Path, Path]:
    """A landing zone of links into samples/ holding only the slice's inputs."""
    dumps, crawls = target / "dumps", target / "crawls"
    views = dumps / "other" / "pageview_complete"
    views.mkdir(parents=True)
    crawls.mkdir()
    (dumps / SLICE_WIKI).symlink_to(SAMPLE_DUMPS / SLICE_WIKI, target_is_directory=True)
    (dumps / "wikidatawiki").symlink_to(SAMPLE_DUMPS / "wikidatawiki", target_is_directory=True)
    (views / SLICE_YEAR).symlink_to(
        SAMPLE_DUMPS / "other" / "pageview_complete" / SLICE_YEAR, target_is_directory=True
    )
    (crawls / SLICE_CRAWL).symlink_to(SAMPLE_CRAWLS / SLICE_CRAWL, target_is_directory=True)
    return dumps, crawls


class SliceBuild:
    """`wikiforge materialize` of the slice into a data root, running in its own process (the
    CLI points DAGSTER_HOME at the data root; a subprocess keeps that out of the test process,
    and lets two builds overlap on two cores).
    """

    def __init__(self, data_root: Path, landing: Path) -> None:
        self.data_root = data_root
        self.log = data_root.parent / f"{data_root.name}-materialize.log"
        env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    "from cli import main; main()",
                    "materialize",
                    "--dumps",
                    str(landing / "dumps"),
                    "--crawls",
                    str(landing / "crawls"),
                    "--data",
                    str(data_root),
                ],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait(self, timeout: float = 1800) -> Path:
        """The data root once the build succeeded (the build's log tail if it did not)."""
        code = self.proc.wait(timeout=timeout)
        assert code == 0, self.log.read_text(errors="replace")[-6000:]
        return self.data_root


@pytest.fixture(scope="session")
def served_root(tmp_path_factory) -> Iterator[Path]:
    """The slice materialized once (in its own process); tests must not write into it (copy
    it with `copy_root`).
    """
    landing = tmp_path_factory.mktemp("landing")
    slice_landing_zone(landing)
    build = SliceBuild(tmp_path_factory.mktemp("slice") / "data", landing)
    try:
        yield build.wait()
    finally:
        if build.proc.poll() is None:
            build.proc.kill()
            build.proc.wait()


def copy_root(source: Path, target: Path, assets: list[str] | None = None) -> Path:
    """Copy a data root (or only some assets of it) without the Dagster instance."""
    target.mkdir(parents=True, exist_ok=True)
    for child in source.iterdir():
        if child.name.startswith(".") or (assets is not None and child.name not in assets):
            continue
        shutil.copytree(child, target / child.name)
    return target


@pytest.fixture
def client_for() -> Iterator:
    """Opens Litestar TestClients over data roots (catalog re-checks pointers on every call)."""
    from litestar.testing import TestClient

    from serving.app import create_app

    opened = []

    def open_client(root: Path):
        client = TestClient(app=create_app(root, recheck_s=0), raise_server_exceptions=False)
        client.__enter__()
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        client.__exit__(None, None, None)

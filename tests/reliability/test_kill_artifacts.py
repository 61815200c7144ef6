"""SIGKILL in the middle of writing the link model and the qrank file: no partial asset, the API
keeps serving the previous version throughout, and a rerun completes.

Each run of `pause_child` materializes the real assets with the real IO manager and stops at one
chosen point of the write (the asset's own file half-written, the output half-moved into
staging, the version renamed into place but not published, the new pointer written but not
renamed); the test kills it there with SIGKILL while querying the real endpoints, then checks the
data root. Stopping at named points instead of racing a timer makes every kill land mid-write.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, SAMPLE_DUMPS
from tests.reliability.conftest import SLICE_WIKI, SLICE_WIKIDATA_DUMP, copy_root
from wikiforge.storage import POINTER, DataRoot

LINK_ASSETS = ["assets.links.link_model:link_model", "assets.links.link_datasets:link_datasets"]
QRANK_ASSETS = ["assets.qrank.qrank:qrank", "assets.qrank.qrank:qrank_stats"]


class Child:
    """A materialization in its own process, stopped at a phase of its write."""

    def __init__(
        self, root: Path, partition: str, dynamic: str, specs: list[str], phase: str, tmp: Path
    ) -> None:
        self.marker = tmp / f"reached-{phase}-{time.monotonic_ns()}"
        # The asset's own temporary files (Artifacts) go to a directory the test can inspect.
        self.tmpdir = tmp / "child-tmp"
        self.tmpdir.mkdir(exist_ok=True)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.reliability.pause_child",
                str(root),
                str(SAMPLE_DUMPS),
                partition,
                dynamic,
                str(self.marker),
                phase,
                *specs,
            ],
            cwd=REPO,
            env={**os.environ, "TMPDIR": str(self.tmpdir)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def wait_for_pause(self, while_waiting, timeout: float = 240) -> None:
        """Call ``while_waiting()`` until the child reports it reached its phase, then SIGKILL."""
        deadline = time.monotonic() + timeout
        while not self.marker.exists():
            assert self.proc.poll() is None, self.output()
            assert time.monotonic() < deadline, "the child never reached its phase"
            while_waiting()
            time.sleep(0.05)
        while_waiting()  # once more, with the process stopped mid-write
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(timeout=60) == -signal.SIGKILL

    def finish(self) -> None:
        assert self.proc.wait(timeout=600) == 0, self.output()

    def output(self) -> str:
        return self.proc.stdout.read().decode(errors="replace")[-4000:] if self.proc.stdout else ""


def _versions(root: Path, asset: str, partition: str) -> list[str]:
    pdir = root / asset / partition
    return sorted(p.name for p in pdir.iterdir() if p.is_dir())


def _pointer(root: Path, asset: str, partition: str) -> dict:
    return json.loads((root / asset / partition / POINTER).read_text())


def _published_files_intact(root: Path, asset: str, partition: str) -> None:
    """Every file the pointer's manifest names exists with its recorded sha256 and size."""
    manifest = _pointer(root, asset, partition)
    vdir = root / asset / partition / manifest["version"]
    for name, info in manifest["files"].items():
        data = (vdir / name).read_bytes()
        assert len(data) == info["bytes"] and hashlib.sha256(data).hexdigest() == info["sha256"]


def _dataset_versions(client, asset: str) -> dict[str, str]:
    response = client.get("/v1/datasets")
    assert response.status_code == 200
    for dataset in response.json()["datasets"]:
        if dataset["asset"] == asset:
            return {p["partition"]: p["version"] for p in dataset["partitions"]}
    return {}


def _after_kill(root: Path, assets: list[str], partition: str, before: dict[str, str]) -> None:
    """No partial asset: pointers unchanged and intact; any version directory that is not the
    published one is complete (only the `renamed` phase leaves one: renamed, never published).
    """
    for asset in assets:
        assert _pointer(root, asset, partition)["version"] == before[asset]
        _published_files_intact(root, asset, partition)
        for version in _versions(root, asset, partition):
            manifest = json.loads(
                (root / asset / partition / version / "_manifest.json").read_text()
            )
            for name, info in manifest["files"].items():
                assert (root / asset / partition / version / name).stat().st_size == info["bytes"]


def _after_rerun(root: Path, assets: list[str], partition: str, before: dict[str, str]) -> None:
    """The rerun published a new version; only it and the one before it are kept (orphans of
    killed runs included in what is removed), and no dead staging directory survives cleaning.
    """
    for asset in assets:
        now = _pointer(root, asset, partition)["version"]
        assert now != before[asset]
        _published_files_intact(root, asset, partition)
        assert _versions(root, asset, partition) == sorted([before[asset], now])
    DataRoot(root).clean_staging(older_than_s=0)
    staging = root / ".staging"
    assert not staging.exists() or not any(staging.iterdir())


@pytest.mark.slow
def test_sigkill_while_writing_the_link_model(served_root, tmp_path, client_for):
    root = copy_root(served_root, tmp_path / "data")
    client = client_for(root)
    wiki, assets = SLICE_WIKI, ["link_model", "link_datasets"]
    before = {a: _pointer(root, a, wiki)["version"] for a in assets}
    title = _an_article_with_recommendations(client, root, wiki)
    url = f"/v1/linkrecommendations/wikipedia/{wiki.removesuffix('wiki')}/{title}?threshold=0.1"
    served = client.get(url).json()
    assert served["meta"]["dataset_version"] == before["link_datasets"]

    def still_previous() -> None:
        response = client.get(url)
        assert response.status_code == 200
        body = response.json()
        assert body["meta"]["dataset_version"] == before["link_datasets"]
        assert body["meta"]["dataset_checksums"] == served["meta"]["dataset_checksums"]
        assert body["links"] == served["links"]
        assert _dataset_versions(client, "link_model")[wiki] == before["link_model"]

    for phase in ("model-file", "renamed", "pointer"):
        child = Child(root, wiki, "wiki", LINK_ASSETS, phase, tmp_path)
        child.wait_for_pause(still_previous)
        _after_kill(root, assets, wiki, before)
        still_previous()

    Child(root, wiki, "wiki", LINK_ASSETS, "none", tmp_path).finish()
    _after_rerun(root, assets, wiki, before)
    rerun = client.get(url).json()
    assert rerun["meta"]["dataset_version"] == _pointer(root, "link_datasets", wiki)["version"]
    # Same inputs, same model: the retrained file is byte-identical to the one it replaces.
    assert rerun["meta"]["dataset_checksums"] == served["meta"]["dataset_checksums"]
    assert rerun["links"] == served["links"]


@pytest.mark.slow
def test_sigkill_while_writing_the_qrank_file(served_root, tmp_path, client_for):
    root = copy_root(served_root, tmp_path / "data")
    client = client_for(root)
    dump, assets = SLICE_WIKIDATA_DUMP, ["qrank", "qrank_stats"]
    before = {a: _pointer(root, a, dump)["version"] for a in assets}
    download = client.get("/download/qrank.csv.gz")
    assert download.status_code == 200
    etag, body = download.headers["etag"], download.content
    top = gzip.decompress(body).decode().splitlines()[1].split(",")[0]
    entry = client.get(f"/v1/qrank/{top}").json()

    def still_previous() -> None:
        response = client.get("/download/qrank.csv.gz")
        assert response.status_code == 200
        assert response.headers["etag"] == etag and response.content == body
        assert client.get(f"/v1/qrank/{top}").json() == entry
        ranged = client.get("/download/qrank.csv.gz", headers={"Range": "bytes=0-9"})
        assert ranged.status_code == 206 and ranged.content == body[:10]
        assert _dataset_versions(client, "qrank")[dump] == before["qrank"]

    for phase in ("qrank-gzip", "staging", "renamed"):
        child = Child(root, dump, "wikidata_dump", QRANK_ASSETS, phase, tmp_path)
        child.wait_for_pause(still_previous)
        _after_kill(root, assets, dump, before)
        still_previous()
        if phase == "qrank-gzip":
            # The half-written file sat in staging, beside the root, never in a version.
            assert list((root / ".staging").glob("art-*/qrank.csv.gz.tmp"))

    Child(root, dump, "wikidata_dump", QRANK_ASSETS, "none", tmp_path).finish()
    _after_rerun(root, assets, dump, before)
    assert _dataset_versions(client, "qrank")[dump] == _pointer(root, "qrank", dump)["version"]
    fresh = client.get("/download/qrank.csv.gz")
    assert fresh.status_code == 200 and fresh.content == body and fresh.headers["etag"] == etag


def _an_article_with_recommendations(client, root: Path, wiki: str) -> str:
    """A title of the wiki's dump for which the served model recommends at least one link."""
    import pyarrow.parquet as pq

    pages = root / "pages" / wiki
    table = pq.read_table(
        pages / _pointer(root, "pages", wiki)["version"] / "part-0.parquet",
        columns=["title", "namespace", "redirect"],
    )
    domain = wiki.removesuffix("wiki")
    for row in table.to_pylist():
        if row["namespace"] != 0 or row["redirect"] is not None:
            continue
        response = client.get(
            f"/v1/linkrecommendations/wikipedia/{domain}/{row['title']}", params={"threshold": 0.1}
        )
        if response.status_code == 200 and response.json()["links"]:
            return row["title"]
    raise AssertionError(f"no {wiki} article gets a recommendation")

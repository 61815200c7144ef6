"""A data root on a remote filesystem (fsspec): here the in-memory one, which like S3 has no
rename and atomic single-object writes. The same assets, catalog and protocol work on it.
"""

import uuid

import fsspec
import pyarrow as pa
import pytest

from assets.ingest.pages import pages, pages_unique
from resources import build_resources
from serving.datasets import DatasetCatalog
from tests.conftest import SAMPLE_CRAWLS, SAMPLE_DUMPS, materialize_partition
from wikiforge.storage import RemoteDataRoot, describe_files, open_data_root, write_parquet

SCHEMA = pa.schema([("n", pa.int64())])


@pytest.fixture
def remote_url(tmp_path, monkeypatch):
    # build_resources reads the cache location from the settings (WIKIFORGE_CACHE).
    monkeypatch.setenv("WIKIFORGE_CACHE", str(tmp_path / "cache"))
    url = f"memory://wikiforge-test-{uuid.uuid4().hex}/data"
    yield url
    fs = fsspec.filesystem("memory")
    fs.rm(url.removeprefix("memory:/"), recursive=True) if fs.exists(
        url.removeprefix("memory:/")
    ) else None


def _publish(root, n):
    staged = root.staging()
    write_parquet(staged, pa.table({"n": [n]}, schema=SCHEMA), SCHEMA, what="x")
    return root.publish("numbers", "p", staged, {"files": describe_files(staged), "rows": 1})


def test_publish_read_and_replace_on_remote_root(remote_url, tmp_path):
    root = open_data_root(remote_url, cache_dir=tmp_path / "cache")
    assert isinstance(root, RemoteDataRoot)
    assert root.current("numbers", "p") is None
    first = _publish(root, 1)
    # A second reader with an empty cache downloads the version it is pointed at.
    reader = RemoteDataRoot(remote_url, cache_dir=str(tmp_path / "other-cache"))
    got = reader.current("numbers", "p")
    assert got.version == first.version and got.table().column("n").to_pylist() == [1]
    assert got.parquet_uris()[0].startswith("memory://")
    assert reader.assets() == ["numbers"] and reader.partitions("numbers") == ["p"]
    for n in (2, 3):
        _publish(root, n)
    assert reader.current("numbers", "p").table().column("n").to_pylist() == [3]
    fs = fsspec.filesystem("memory")
    remote_versions = [
        p
        for p in fs.ls(f"{remote_url.removeprefix('memory:/')}/numbers/p", detail=False)
        if p.rstrip("/").split("/")[-1].startswith("v")
    ]
    assert len(remote_versions) == 2


def test_catalog_hot_reloads_from_remote_root(remote_url, tmp_path):
    catalog = DatasetCatalog(remote_url, recheck_s=0, cache_dir=tmp_path / "cache")
    root = open_data_root(remote_url, cache_dir=tmp_path / "writer-cache")
    _publish(root, 5)
    load = lambda s: s.table().column("n")[0].as_py()  # noqa: E731
    assert catalog.get("numbers", "p", load).value == 5
    _publish(root, 6)
    assert catalog.get("numbers", "p", load).value == 6


def test_pages_asset_materializes_into_remote_root(remote_url, instance):
    resources = build_resources(
        data_root=remote_url, dumps_dir=SAMPLE_DUMPS, crawls_dir=SAMPLE_CRAWLS
    )
    result = materialize_partition(
        [pages, pages_unique], "hawiki", instance=instance, resources=resources, dynamic="wiki"
    )
    assert result.success
    assert [e.passed for e in result.get_asset_check_evaluations()] == [True]
    stored = resources["store"].require("pages", "hawiki")
    assert stored.rows == 2101 and stored.remote_dir.startswith(remote_url)

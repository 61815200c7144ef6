"""The app skeleton and the dataset catalog every endpoint uses (hot reload, last good kept)."""

import pyarrow as pa
import pytest
from litestar.testing import TestClient

from serving.app import create_app
from serving.datasets import DatasetCatalog
from wikiforge.storage import DataRoot, describe_files, write_parquet

SCHEMA = pa.schema([("n", pa.int64())])


def _publish(root: DataRoot, n: int, *, broken: bool = False):
    staged = root.staging()
    if broken:
        (staged / "part-0.parquet").write_bytes(b"not parquet")
    else:
        write_parquet(staged, pa.table({"n": [n]}, schema=SCHEMA), SCHEMA, what="x")
    return root.publish("numbers", "p", staged, {"files": describe_files(staged), "rows": 1})


def _load_n(stored) -> int:
    return stored.table().column("n")[0].as_py()


def test_health_docs_and_redirects(data_root):
    with TestClient(app=create_app(data_root)) as client:
        assert client.get("/healthz").json()["status"] == "ok"
        assert client.get("/docs/openapi.json").status_code == 200
        assert client.get("/docs/swagger").status_code == 200
        assert client.get("/apidocs", follow_redirects=False).headers["location"] == "/docs/swagger"
        assert client.get("/", follow_redirects=False).headers["location"] == "/apidocs"
        missing = client.get("/no/such/route")
        assert missing.status_code == 404
        assert missing.json() == {"code": 404, "name": "Not Found", "description": "Not Found"}


def test_catalog_picks_up_a_new_version_without_restart(data_root):
    root = DataRoot(data_root)
    catalog = DatasetCatalog(root, recheck_s=0)
    assert catalog.get("numbers", "p", _load_n) is None
    _publish(root, 1)
    first = catalog.get("numbers", "p", _load_n)
    assert first.value == 1
    assert catalog.get("numbers", "p", _load_n) is first  # cached: loaded once per version
    _publish(root, 2)
    assert catalog.get("numbers", "p", _load_n).value == 2


def test_catalog_keeps_last_good_version_when_a_new_one_fails_to_load(data_root, caplog):
    root = DataRoot(data_root)
    catalog = DatasetCatalog(root, recheck_s=0)
    _publish(root, 7)
    assert catalog.get("numbers", "p", _load_n).value == 7
    _publish(root, 0, broken=True)
    assert catalog.get("numbers", "p", _load_n).value == 7
    assert "failed to load numbers[p]" in caplog.text


def test_datasets_endpoint_lists_published_versions(data_root):
    stored = _publish(DataRoot(data_root), 3)
    with TestClient(app=create_app(data_root)) as client:
        body = client.get("/v1/datasets").json()
    (entry,) = body["datasets"]
    assert entry["asset"] == "numbers"
    assert entry["partitions"][0]["checksum"] == stored.checksum


def test_oversized_body_is_413(data_root):
    from litestar import post

    @post("/echo", sync_to_thread=False)
    def echo(data: dict) -> dict:
        return data

    app = create_app(data_root)
    app.register(echo)
    with TestClient(app=app) as client:
        response = client.post(
            "/echo",
            content=b"{" + b" " * (5 << 20) + b"}",
            headers={"content-type": "application/json"},
        )
    assert response.status_code == 413
    assert "Traceback" not in response.text


@pytest.mark.parametrize("path", ["/healthz", "/v1/datasets"])
def test_error_bodies_never_carry_traces(data_root, path):
    with TestClient(app=create_app(data_root)) as client:
        assert "Traceback" not in client.get(path).text

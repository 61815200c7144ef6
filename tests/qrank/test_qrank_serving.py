"""Download and lookup endpoints over a published ranking."""

import gzip
import json
import time
from email.utils import formatdate

import pytest
from litestar.testing import TestClient

from serving.app import create_app
from wikiforge.qrank.ranking import HEADER, qrank_file_stats
from wikiforge.storage import DataRoot, describe_files


def _publish(root: DataRoot, dump: str, rows: list[tuple[int, int]]):
    staged = root.staging()
    body = HEADER + "".join(f"Q{q},{v}\n" for q, v in rows).encode()
    (staged / "qrank.csv.gz").write_bytes(gzip.compress(body, mtime=0))
    root.publish(["qrank"], dump, staged, {"files": describe_files(staged)})
    stored = root.current("qrank", dump)
    stats = qrank_file_stats(stored.path("qrank.csv.gz"))
    staged = root.staging()
    (staged / "qrank-stats.json").write_text(json.dumps(stats.as_json(dump)))
    root.publish(["qrank_stats"], dump, staged, {"files": describe_files(staged)})
    return stored


@pytest.fixture
def client(tmp_path):
    root = DataRoot(tmp_path / "data")
    _publish(root, "20190101", [(801, 500), (183, 300), (9, 7), (10, 7)])
    with TestClient(app=create_app(tmp_path / "data", recheck_s=0.0)) as test_client:
        test_client.root = root
        yield test_client


def test_download_with_etag_types_and_cors(client):
    response = client.get("/download/qrank.csv.gz")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/gzip"
    assert response.headers["access-control-allow-origin"] == "*"
    stored = client.root.current("qrank", "20190101")
    digest = stored.files["qrank.csv.gz"]["sha256"]
    assert response.headers["etag"] == f'"{digest}"'
    assert gzip.decompress(response.content).decode().splitlines()[:2] == [
        "Entity,QRank",
        "Q801,500",
    ]
    stats = client.get("/download/qrank-stats.json")
    assert stats.status_code == 200 and stats.headers["content-type"].startswith("application/json")
    assert stats.json()["Sha256"] == digest


def test_head_conditional_and_range(client):
    full = client.get("/download/qrank.csv.gz")
    etag, size = full.headers["etag"], len(full.content)
    head = client.head("/download/qrank.csv.gz")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(size) and head.headers["etag"] == etag
    assert client.get("/download/qrank.csv.gz", headers={"If-None-Match": etag}).status_code == 304
    assert (
        client.get("/download/qrank.csv.gz", headers={"If-None-Match": '"other"'}).status_code
        == 200
    )
    later = formatdate(time.time() + 60, usegmt=True)
    assert (
        client.get("/download/qrank.csv.gz", headers={"If-Modified-Since": later}).status_code
        == 304
    )
    earlier = formatdate(time.time() - 86400, usegmt=True)
    assert (
        client.get("/download/qrank.csv.gz", headers={"If-Modified-Since": earlier}).status_code
        == 200
    )
    part = client.get("/download/qrank.csv.gz", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.content == full.content[:10]
    assert part.headers["content-range"] == f"bytes 0-9/{size}"
    tail = client.get("/download/qrank.csv.gz", headers={"Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.content == full.content[-5:]
    bad = client.get("/download/qrank.csv.gz", headers={"Range": f"bytes={size + 10}-"})
    assert bad.status_code == 416 and bad.headers["content-range"] == f"bytes */{size}"
    stale = client.get(
        "/download/qrank.csv.gz", headers={"Range": "bytes=0-9", "If-Range": '"old"'}
    )
    assert stale.status_code == 200 and stale.content == full.content


def test_options_preflight(client):
    response = client.options("/download/qrank.csv.gz")
    assert response.status_code == 204
    assert "GET" in response.headers["access-control-allow-methods"]
    assert response.headers["access-control-allow-origin"] == "*"


def test_unknown_names_and_traversal(client):
    assert client.get("/download/secret.txt").status_code == 404
    assert client.get("/download/..%2F..%2Fetc%2Fpasswd").status_code in (400, 404)
    assert client.get("/download/../CURRENT.json").status_code in (400, 404)


def test_new_ranking_replaces_old_atomically(client):
    first = client.get("/download/qrank.csv.gz").headers["etag"]
    _publish(client.root, "20190108", [(42, 9)])
    second = client.get("/download/qrank.csv.gz")
    assert second.headers["etag"] != first
    assert gzip.decompress(second.content).decode() == "Entity,QRank\nQ42,9\n"
    assert client.get("/v1/qrank/Q42").json()["dump_date"] == "20190108"


def test_lookup(client):
    body = client.get("/v1/qrank/Q10").json()
    assert body["rank"] == 4 and body["views"] == 7 and body["dump_date"] == "20190101"
    assert body["ranked_entities"] == 4 and len(body["checksum"]) == 64
    assert client.get("/v1/qrank/Q801").json()["rank"] == 1
    assert client.get("/v1/qrank/Q9").json()["rank"] == 3  # ties: smaller id first
    missing = client.get("/v1/qrank/Q12345")
    assert missing.status_code == 404 and "not ranked" in missing.json()["description"]
    for bad in ("P31", "q42", "Q0", "Q-1", "42", "Q1x"):
        assert client.get(f"/v1/qrank/{bad}").status_code == 400, bad


def test_nothing_published(tmp_path):
    with TestClient(app=create_app(tmp_path / "empty")) as test_client:
        assert test_client.get("/download/qrank.csv.gz").status_code == 404
        assert test_client.get("/v1/qrank/Q1").status_code == 404


def test_cli_rank(tmp_path):
    from click.testing import CliRunner

    from cli.qrank import qrank

    _publish(DataRoot(tmp_path / "data"), "20190101", [(801, 500), (183, 300), (9, 7), (10, 7)])
    runner = CliRunner()
    result = runner.invoke(qrank, ["rank", "Q9", "Q5", "--data", str(tmp_path / "data")])
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines[0] == {"entity": "Q9", "rank": 3, "views": 7, "dump_date": "20190101"}
    assert lines[1]["error"] == "not ranked" and result.exit_code == 1

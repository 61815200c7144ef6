"""WARC reading, the Common Crawl index fetcher (real HTTP server on loopback), saved pages."""

import contextlib
import gzip
import http.server
import threading
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_CRAWLS
from wikiforge.errors import InputError
from wikiforge.tasks.ccindex import (
    FetchConfig,
    FetchStats,
    fetch_index_rows,
    read_index_csv,
    write_index_csv,
)
from wikiforge.tasks.pages import iter_page_folder
from wikiforge.tasks.warc import WarcStats, gzip_layout, iter_warc_documents

WARCS = SAMPLE_CRAWLS / "sample-warc"
EXAMPLE = WARCS / "warcio-example.warc.gz"


def test_per_record_gzip_with_gzip_content_encoding_and_revisit():
    stats = WarcStats()
    docs = list(iter_warc_documents(EXAMPLE, stats))
    assert [d.url for d in docs] == ["http://example.com/"]
    assert (docs[0].warc_record_offset, docs[0].warc_record_length) == (784, 1228)
    assert "<title>Example Domain</title>" in docs[0].html  # gzip body decoded (OAT: empty)
    assert stats.counts["skipped_revisit"] == 1 and stats.counts["skipped_request"] == 2


def test_warc_017_and_common_crawl_fields():
    stats = WarcStats()
    old = list(
        iter_warc_documents(WARCS / "ukwa-IAH-20080430-blackbook-truncated-warc0.17.warc.gz", stats)
    )
    assert [d.url for d in old] == ["http://www.archive.org/", "http://www.archive.org/index.php"]
    assert stats.counts["skipped_non_html"] == 5
    (cc,) = iter_warc_documents(WARCS / "cc-whirlwind.warc.gz")
    assert cc.crawl == "CC-MAIN-2024-22" and cc.url_host_registered_domain == "wikipedia.org"
    assert cc.html.lstrip().startswith("<!DOCTYPE html>")


def _variant(tmp_path: Path, version: bytes, whole: bool) -> Path:
    raw = gzip.decompress(EXAMPLE.read_bytes()).replace(b"WARC/1.0\r\n", version + b"\r\n")
    path = tmp_path / f"v.warc{'.gz' if whole else ''}"
    path.write_bytes(gzip.compress(raw) if whole else raw)
    return path


@pytest.mark.parametrize("version", [b"WARC/1.1", b"WARC/0.18"])
@pytest.mark.parametrize("whole", [True, False], ids=["whole-file-gzip", "plain"])
def test_other_versions_and_layouts(tmp_path, version, whole):
    path = _variant(tmp_path, version, whole)
    assert gzip_layout(path) == ("whole" if whole else "plain")
    docs = list(iter_warc_documents(path))
    assert len(docs) == 1 and "Example Domain" in docs[0].html


def test_chunked_transfer_encoding_is_decoded(tmp_path):
    # The Common Crawl-style 2020 file holds real responses; build a chunked one from one.
    doc = next(iter_warc_documents(EXAMPLE))
    body = doc.html.encode()
    chunked = (
        b"".join(
            b"%x\r\n%s\r\n" % (len(body[i : i + 300]), body[i : i + 300])
            for i in range(0, len(body), 300)
        )
        + b"0\r\n\r\n"
    )
    http_part = (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n"
        b"\r\n" + chunked
    )
    record = (
        (
            b"WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: http://example.com/c\r\n"
            b"WARC-Date: 2024-01-01T00:00:00Z\r\nWARC-Record-ID: <urn:uuid:1>\r\n"
            b"Content-Type: application/http; msgtype=response\r\n"
            b"Content-Length: %d\r\n\r\n" % len(http_part)
        )
        + http_part
        + b"\r\n\r\n"
    )
    path = tmp_path / "chunked.warc"
    path.write_bytes(record)
    (out,) = iter_warc_documents(path)
    assert out.html == doc.html


def test_truncated_record_raises_with_file_and_offset_or_is_counted(tmp_path):
    data = (WARCS / "cc-whirlwind.warc.gz").read_bytes()
    path = tmp_path / "cut.warc.gz"
    path.write_bytes(data[:5000])
    with pytest.raises(InputError) as err:
        list(iter_warc_documents(path))
    assert err.value.path == str(path) and err.value.position == 1023
    stats = WarcStats()
    assert list(iter_warc_documents(path, stats, skip_broken=True)) == []
    assert stats.counts["broken_records"] == 1


def test_garbage_between_records_names_the_offset(tmp_path):
    data = (WARCS / "cc-whirlwind.warc.gz").read_bytes()
    path = tmp_path / "bad.warc.gz"
    path.write_bytes(data[:516] + b"GARBAGE" * 10 + data[516:])
    with pytest.raises(InputError, match="broken WARC record") as err:
        list(iter_warc_documents(path))
    assert isinstance(err.value.position, int)


class _RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves files from `root` with Range support; `/flaky/...` fails twice, `/slow/` hangs."""

    root: Path
    hits: dict

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):  # noqa: N802
        name = self.path.lstrip("/")
        self.hits[name] = self.hits.get(name, 0) + 1
        if name.startswith("flaky/") and self.hits[name] <= 2:
            self.send_response(503)
            self.end_headers()
            return
        if name.startswith("slow/"):
            threading.Event().wait(1.5)
            name = name.removeprefix("slow/")
        name = name.removeprefix("flaky/")
        target = self.root / name
        if not target.is_file():
            self.send_response(404)
            self.end_headers()
            return
        data = target.read_bytes()
        start, end = 0, len(data) - 1
        header = self.headers.get("Range")
        if header:
            start, end = (int(x) for x in header.removeprefix("bytes=").split("-"))
        body = data[start : end + 1]
        self.send_response(206 if header else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)


@pytest.fixture
def warc_server():
    handler = type("H", (_RangeHandler,), {"root": WARCS, "hits": {}})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler.hits
    server.shutdown()
    server.server_close()


def test_index_csv_range_fetch_with_retries_timeout_and_failures(tmp_path, warc_server):
    base, hits = warc_server
    rows = [
        {
            "url": "http://example.com/",
            "url_host_registered_domain": "example.com",
            "fetch_time": "2017-03-06T04:03:53Z",
            "fetch_status": "200",
            "warc_filename": "warcio-example.warc.gz",
            "warc_record_offset": "784",
            "warc_record_length": "1228",
            "warc_segment": "1669446710690.85",
            "crawl": "CC-MAIN-2022-49",
        },
        {
            "url": "http://example.com/",
            "warc_filename": "flaky/warcio-example.warc.gz",
            "warc_record_offset": "784",
            "warc_record_length": "1228",
            "fetch_status": "200",
        },
        {
            "url": "http://missing/",
            "warc_filename": "nope.warc.gz",
            "warc_record_offset": "0",
            "warc_record_length": "10",
            "fetch_status": "200",
        },
        {
            "url": "http://slow/",
            "warc_filename": "slow/warcio-example.warc.gz",
            "warc_record_offset": "784",
            "warc_record_length": "1228",
            "fetch_status": "200",
        },
        {
            "url": "https://an.wikipedia.org/wiki/Escopete",
            "warc_filename": "cc-whirlwind.warc.gz",
            "warc_record_offset": "0",
            "warc_record_length": "516",
            "fetch_status": "200",
        },
    ]
    csv_path = tmp_path / "index.csv"
    with csv_path.open("w", newline="") as out:
        write_index_csv(rows, out)
    config = FetchConfig(base_url=base, workers=3, timeout_s=0.5, max_retries=2, backoff_s=0.05)
    stats = FetchStats()
    docs = list(fetch_index_rows(read_index_csv(csv_path), config, stats))
    assert [d.url for d in docs] == ["http://example.com/", "http://example.com/"]
    assert docs[0].warc_segment == "1669446710690.85"  # a string, digits intact
    assert docs[0].crawl == "CC-MAIN-2022-49" and "Example Domain" in docs[0].html
    assert hits["flaky/warcio-example.warc.gz"] == 3  # two 503s, then success
    failures = {f.url: f for f in stats.failures}
    assert set(failures) == {
        "http://missing/",
        "http://slow/",
        "https://an.wikipedia.org/wiki/Escopete",
    }
    assert failures["http://missing/"].attempts == 1 and "404" in failures["http://missing/"].error
    assert failures["http://slow/"].attempts == 3 and "timeout" in failures["http://slow/"].error
    assert "no HTML" in failures["https://an.wikipedia.org/wiki/Escopete"].error
    assert stats.failures_table().num_rows == 3
    assert stats.counts["retries"] == 4


def test_index_csv_bad_rows_raise_with_line(tmp_path):
    path = tmp_path / "index.csv"
    path.write_text("url,warc_filename,warc_record_offset,warc_record_length\nu,f,x,1\n")
    with pytest.raises(InputError, match="line 2"):
        list(read_index_csv(path))
    path.write_text("url,warc_filename\nu,f\n")
    with pytest.raises(InputError, match="lacks columns"):
        list(read_index_csv(path))


def test_saved_pages_take_the_canonical_url():
    docs = {d.url: d for d in iter_page_folder(SAMPLE_CRAWLS / "sample-html" / "html")}
    assert "https://www.wikihow.com/Grill-Zucchini" in docs
    assert (
        docs["https://www.wikihow.com/Grill-Zucchini"].url_host_registered_domain == "wikihow.com"
    )
    assert len(docs) == 10


def test_index_csv_crawl_through_the_asset_fetches_ranges_from_the_base_url(
    tmp_path, warc_server, monkeypatch, instance, data_root
):
    """The html_documents asset on a crawl that holds only an index.csv: every row is fetched
    with a Range request from WIKIFORGE_CC_BASE_URL (a loopback server serving the real WARC
    files of samples/), retried when the server fails, listed when it cannot be fetched.
    """
    from assets.tasks.html_documents import html_documents, html_documents_complete
    from resources import build_resources
    from tests.conftest import materialize_partition

    base, hits = warc_server
    real = WARCS / "resiliparse-warcfile-2020.warc.gz"
    expected = list(iter_warc_documents(real))
    assert len(expected) >= 5
    rows = [
        {
            "url": d.url,
            "url_host_registered_domain": d.url_host_registered_domain,
            "fetch_time": d.fetch_time,
            "fetch_status": "200",
            "warc_filename": real.name,
            "warc_record_offset": str(d.warc_record_offset),
            "warc_record_length": str(d.warc_record_length),
            "warc_segment": "1581.5",
            "crawl": "CC-MAIN-2020-10",
        }
        for d in expected
    ]
    rows.insert(
        1,
        {
            "url": "http://example.com/",
            "warc_filename": "flaky/warcio-example.warc.gz",
            "warc_record_offset": "784",
            "warc_record_length": "1228",
            "fetch_status": "200",
        },
    )
    rows.append(
        {
            "url": "http://missing/",
            "warc_filename": "nope.warc.gz",
            "warc_record_offset": "0",
            "warc_record_length": "10",
            "fetch_status": "200",
        }
    )
    crawl = tmp_path / "crawls" / "cc-2020"
    crawl.mkdir(parents=True)
    with (crawl / "index.csv").open("w", newline="") as out:
        write_index_csv(rows, out)
    monkeypatch.setenv("WIKIFORGE_CC_BASE_URL", base)
    resources = build_resources(
        data_root=data_root, dumps_dir=tmp_path, crawls_dir=tmp_path / "crawls"
    )
    result = materialize_partition(
        [html_documents, html_documents_complete],
        "cc-2020",
        instance=instance,
        resources=resources,
        dynamic="crawl",
    )
    assert result.success and all(e.passed for e in result.get_asset_check_evaluations())
    (event,) = result.get_asset_materialization_events()
    meta = {
        k: getattr(v, "value", getattr(v, "data", v))
        for k, v in event.materialization.metadata.items()
    }
    assert meta["dagster/row_count"] == len(expected) + 1
    assert [f["url"] for f in meta["failed_fetches"]] == ["http://missing/"]
    assert hits["flaky/warcio-example.warc.gz"] == 3 and hits["nope.warc.gz"] == 1
    assert hits[real.name] == len(expected)  # one Range request per row
    table = resources["store"].require("html_documents", "cc-2020").table()
    published = {(r["url"], r["warc_record_offset"]): r for r in table.to_pylist()}
    for doc in expected:  # byte ranges fetched over HTTP decode to what the file holds
        row = published[(doc.url, doc.warc_record_offset)]
        assert row["html"] == doc.html and row["warc_segment"] == "1581.5"
        assert row["crawl"] == "CC-MAIN-2020-10"
    assert "Example Domain" in published[("http://example.com/", 784)]["html"]

"""Hostile requests against the app serving the materialized slice.

- schemathesis generates requests (valid and invalid) from the app's own OpenAPI schema: no
  answer may be a 5xx or break the schema;
- path traversal on every route that takes a file name, title, wiki or crawl name answers 400
  or 404 and never a byte of a file outside what the route serves;
- request bodies, wikitext and query strings have size limits answered with 413 or 422;
- no error response carries a stack trace, including a real internal error;
- `wikiforge serve` listens on loopback unless told otherwise.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.conftest import REPO
from tests.reliability.conftest import SLICE_CRAWL, SLICE_WIKI

SECRET = "wikiforge-secret-7f3a9c"
TRACE_MARKERS = re.compile(
    r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|site-packages|"
    r"\.py\", line|\bat 0x[0-9a-f]{6,}|(?:Value|Type|Key|Attribute|Runtime)Error:"
)


def assert_no_trace(text: str) -> None:
    """An error body names the problem, never the code that met it."""
    found = TRACE_MARKERS.search(text)
    assert found is None, f"stack trace material {found.group(0)!r} in {text[:500]!r}"


@pytest.fixture(scope="session")
def hostile_root(served_root: Path, tmp_path_factory) -> Path:
    """The served slice, with a secret file beside the data root that nothing may ever serve."""
    (served_root.parent / "secret.txt").write_text(SECRET)
    return served_root


@pytest.fixture(scope="session")
def api_schema(hostile_root: Path):
    """The app's own OpenAPI schema, calls going to the app in-process (ASGI)."""
    from litestar.testing import TestClient

    from serving.app import create_app

    app = create_app(hostile_root)
    with TestClient(app=app) as client:  # load the search models once, outside the timed calls
        assert client.get("/v1/tasks/search", params={"q": "pasta"}).status_code == 200
    return schemathesis.openapi.from_asgi("/docs/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=50,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_get_no_5xx_and_schema_conforming_answers(case):
    response = case.call(timeout=120)  # a loaded 2-core machine is slow, not failing
    case.validate_response(
        response,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
    if response.status_code >= 400:
        assert_no_trace(response.text)
    assert SECRET not in response.text


@pytest.fixture
def client(hostile_root, client_for):
    return client_for(hostile_root)


@pytest.fixture(scope="session")
def live_server(hostile_root: Path) -> Iterator[str]:
    """`wikiforge serve` on a free port, default host: its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "WIKIFORGE_DATA"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from cli import main; main()",
            "serve",
            "--data",
            str(hostile_root),
            "--port",
            str(port),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 180
    while True:
        assert proc.poll() is None, "wikiforge serve exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            assert time.monotonic() < deadline, "wikiforge serve did not start"
            time.sleep(0.2)
    yield f"127.0.0.1:{port}"
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def raw_get(server: str, target: str, method: str = "GET") -> tuple[int, bytes]:
    """Send ``target`` byte for byte (no client-side normalisation of dots or escapes)."""
    host, port = server.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


TRAVERSALS = [
    "../../../../../../etc/passwd",
    "..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
    "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "..%5c..%5c..%5cwindows%5cwin.ini",
    "....//....//....//etc/passwd",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "..%00/etc/passwd",
    "..%2f..%2fsecret.txt",
    "..%2f..%2f..%2fsecret.txt",
    "../../../secret.txt",
    "..%2f20190101%2fCURRENT.json",
    "..%2fqrank%2f20190101%2fCURRENT.json",
]
# Every route that takes a file name, title, wiki, crawl or id, with {} where the name goes.
NAME_ROUTES = [
    "/download/{}",
    f"/v1/pagerank/{SLICE_WIKI}/{{}}",
    "/v1/pagerank/{}",
    f"/v1/images/{SLICE_WIKI}/{{}}",
    "/v1/images/{}",
    "/v1/tasks/{}",
    "/v1/tasks/search?q=pasta&crawl={}",
    f"/v1/linkrecommendations/wikipedia/{SLICE_WIKI.removesuffix('wiki')}/{{}}",
    "/v1/linkrecommendations/wikipedia/{}/Athens",
    "/v1/qrank/{}",
]


def _leaks(body: bytes, hostile_root: Path) -> str | None:
    text = body.decode("utf-8", errors="replace")
    if "root:x:0:0" in text or SECRET in text or "[boot loader]" in text:
        return "file outside the data root"
    if '"run_id"' in text or '"version": "v' in text:
        return "a manifest or pointer from the data root"
    return None


@pytest.mark.slow
def test_path_traversal_is_400_or_404_over_a_real_server(live_server, hostile_root):
    seen = {}
    for route in NAME_ROUTES:
        for payload in TRAVERSALS:
            target = route.format(payload)
            for method in ("GET", "HEAD") if route.startswith("/download") else ("GET",):
                status, body = raw_get(live_server, target, method)
                seen[(method, target)] = status
                assert status in (400, 404), (method, target, status, body[:300])
                assert _leaks(body, hostile_root) is None, (target, body[:300])
                assert_no_trace(body.decode("utf-8", errors="replace"))
    assert len(seen) == (len(NAME_ROUTES) + 1) * len(TRAVERSALS)


def test_download_names_outside_the_list_are_refused_in_process(client):
    # (Literal dot segments are normalised away by the client; the raw test above sends them.)
    for name in [
        "...",
        "qrank.csv.gz%2f..",
        "qrank.csv.gz%00",
        "CURRENT.json",
        "_manifest.json",
        "qrank.csv.gz.tmp",
        "%2e%2e",
        "~root",
        "qrank.csv.gz%5c..",
    ]:
        response = client.get(f"/download/{name}")
        assert response.status_code in (400, 404), (name, response.status_code)
        assert_no_trace(response.text)
    assert client.get("/download/qrank.csv.gz").status_code == 200


def _link_url(title: str = "Athens") -> str:
    return f"/v1/linkrecommendations/wikipedia/{SLICE_WIKI.removesuffix('wiki')}/{title}"


def test_oversized_bodies_and_wikitext_are_413(client):
    from serving.app import MAX_BODY_BYTES

    big_wikitext = "[[Αθήνα]] " * (MAX_BODY_BYTES // 10 + 1)
    body = json.dumps({"wikitext": big_wikitext, "revid": 1, "pageid": 1}).encode()
    assert len(body) > MAX_BODY_BYTES
    response = client.post(_link_url(), content=body)
    assert response.status_code == 413, response.text[:300]
    assert response.json()["code"] == 413
    # Declared length over the limit: refused before the body is read.
    response = client.post(
        _link_url(), content=b"{}", headers={"Content-Length": str(MAX_BODY_BYTES + 1)}
    )
    assert response.status_code in (400, 413)


def test_malformed_bodies_are_422(client):
    for body in [
        b"{not json",
        b"[1,2",
        b'{"wikitext": 5, "revid": 1, "pageid": 1}',
        b'{"wikitext": "x"}',
        b"\xff\xfe\x00",
        b'{"wikitext": "x", "revid": "a", "pageid": 1}',
        b"null",
        b'"' + b"x" * 1000 + b'"',
    ]:
        response = client.post(_link_url(), content=body)
        assert response.status_code == 422, (body[:40], response.status_code, response.text)
        assert_no_trace(response.text)


@pytest.mark.parametrize(
    "route",
    [
        "/v1/tasks/search?q=pasta&x=",
        "/v1/pagerank/elwiki?x=",
        "/v1/qrank/Q1?x=",
        "/download/qrank.csv.gz?x=",
        f"{_link_url()}?threshold=0.5&x=",
        "/v1/datasets?x=",
    ],
)
def test_oversized_query_strings_are_413(client, route):
    from serving.app import MAX_QUERY_BYTES

    response = client.get(route + "a" * (MAX_QUERY_BYTES + 1))
    assert response.status_code == 413, response.text[:300]
    assert response.json()["extra"]["limit_bytes"] == MAX_QUERY_BYTES
    # Under the limit the route answers as usual (whatever its own answer is, never 413).
    assert client.get(route + "a" * 100).status_code != 413


def test_oversized_paths_and_parameters_are_refused(client):
    from serving.app import MAX_PATH_BYTES

    assert client.get("/v1/pagerank/elwiki/" + "A" * (MAX_PATH_BYTES + 1)).status_code == 413
    long_query = client.get("/v1/tasks/search", params={"q": "pasta " * 200})
    assert long_query.status_code in (413, 422), long_query.text
    sections = [("sections_to_exclude", "x")] * 100
    assert client.get(_link_url(), params=sections).status_code in (400, 413, 422)
    assert client.get("/v1/pagerank/elwiki", params={"top": 10**30}).status_code == 400


def test_an_internal_error_answers_500_without_details(hostile_root, client_for, monkeypatch):
    from serving.services.qrank import QRankService

    def broken(*_args, **_kwargs):
        raise RuntimeError(f'File "{REPO}/wikiforge/x.py", line 3: {SECRET}')

    monkeypatch.setattr(QRankService, "newest", broken)
    client = client_for(hostile_root)
    response = client.get("/v1/qrank/Q42")
    assert response.status_code == 500
    assert response.json() == {
        "code": 500,
        "name": "Internal Server Error",
        "description": "internal error",
    }
    assert SECRET not in response.text
    assert_no_trace(response.text)


def test_error_bodies_are_json_without_traces(client):
    requests = [
        ("GET", "/nope"),
        ("GET", "/v1/pagerank/BAD!"),
        ("GET", "/v1/pagerank/elwiki?top=x"),
        ("GET", "/v1/qrank/P31"),
        ("GET", "/v1/qrank/Q0"),
        ("GET", "/v1/tasks/search"),
        ("GET", "/v1/tasks/search?q=x&k=1000"),
        ("GET", "/v1/tasks/search?q=x&mode=evil"),
        ("GET", "/v1/images/elwiki?limit=-1"),
        ("DELETE", "/v1/datasets"),
        ("PUT", "/download/qrank.csv.gz"),
        ("GET", f"{_link_url()}?threshold=nan"),
        ("GET", f"{_link_url()}?threshold=1e999"),
        ("GET", f"{_link_url()}?language_code=%00"),
        ("POST", "/v1/linkrecommendations/wikipedia/zz/X"),
        ("GET", "/v1/tasks/" + "x" * 100),
        ("GET", "/download/qrank.csv.gz"),
    ]
    for method, url in requests:
        response = client.request(method, url, headers={"Range": "bytes=999999999-"})
        assert response.status_code < 500, (method, url, response.status_code)
        if response.status_code >= 400 and response.status_code != 416:
            body = response.json()
            assert set(body) <= {"code", "name", "description", "extra"}, body
            assert body["code"] == response.status_code
        assert_no_trace(response.text)


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on ``port`` (from /proc/net)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] == "0A" and int(port_hex, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                if width == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:
                    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


@pytest.mark.slow
def test_serve_listens_on_loopback_only_by_default(live_server):
    port = int(live_server.split(":")[1])
    assert _listening_addresses(port) == {"127.0.0.1"}
    status, body = raw_get(live_server, "/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"
    from click.testing import CliRunner

    from cli import main

    help_text = CliRunner().invoke(main, ["serve", "--help"]).output
    assert "default: 127.0.0.1" in help_text


def test_task_search_crawl_names_never_reach_the_filesystem(client):
    for crawl in ["..", "../..", "/etc", "a/b", SLICE_CRAWL + "/..", "x\\y"]:
        response = client.get("/v1/tasks/search", params={"q": "pasta", "crawl": crawl})
        assert response.status_code in (400, 404), (crawl, response.status_code)
    assert (
        client.get("/v1/tasks/search", params={"q": "pasta", "crawl": SLICE_CRAWL}).status_code
        == 200
    )

"""The server's warm-up: readiness on /healthz and /readyz, failures reported and survived.

The warm-up's bookkeeping is tested on a small asset (its plan replaced), then the real plan of
every line on a data root whose every dataset is broken: each is reported failed, none stops
the others or the server, and requests answer what they answer without warm-up. The links
tests check, on a materialized wiki, that the first request after readiness loads nothing.
"""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest
from litestar.testing import TestClient

from serving.app import create_app, server_app
from serving.warmup import Step
from wikiforge.storage import DataRoot, describe_files, write_parquet

SCHEMA = pa.schema([("n", pa.int64())])
#: How long a test waits for the warm-up before failing (a bound, not a measurement).
WAIT_S = 60


def _publish(root: DataRoot, asset: str, partition: str | None, *, n: int = 1, broken=False):
    staged = root.staging()
    if broken:
        (staged / "part-0.parquet").write_bytes(b"not parquet")
    else:
        write_parquet(staged, pa.table({"n": [n]}, schema=SCHEMA), SCHEMA, what="x")
    return root.publish(asset, partition, staged, {"files": describe_files(staged), "rows": 1})


class CountingLoader:
    """A catalog loader that counts its calls (the catalog caches by loader)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, stored) -> int:
        self.calls += 1
        return stored.table().column("n")[0].as_py()


def _ready(client: TestClient) -> dict:
    app = client.app
    assert app.state.warmup.wait(WAIT_S), "warm-up did not finish"
    response = client.get("/readyz")
    assert response.status_code == 200
    return response.json()


def test_readyz_is_503_until_every_dataset_was_tried_and_healthz_is_always_200(
    data_root, monkeypatch
):
    root = DataRoot(data_root)
    good = _publish(root, "numbers", "good", n=7)
    _publish(root, "numbers", "bad", broken=True)
    load = CountingLoader()
    gate = threading.Event()

    def gated():
        assert gate.wait(WAIT_S)
        return None

    def fake_plan(catalog, settings):
        for partition in catalog.partitions("numbers"):
            yield Step(
                "numbers", "numbers", partition, lambda p=partition: catalog.get("numbers", p, load)
            )
        yield Step("numbers", "gate", None, gated)

    monkeypatch.setattr("serving.warmup.plan", fake_plan)
    app = create_app(data_root, warmup=True)
    with TestClient(app=app) as client:
        waiting = client.get("/readyz")
        assert waiting.status_code == 503
        assert waiting.json()["ready"] is False
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.json()["ready"] is False and health.json()["warmup"]["state"] == "loading"
        gate.set()
        body = _ready(client)
        assert body["ready"] is True and body["warmup"]["state"] == "done"
        states = {d["partition"]: d for d in body["warmup"]["datasets"]}
        assert states["good"]["state"] == "ready" and states["good"]["version"] == good.version
        assert states["bad"]["state"] == "failed" and states["bad"]["version"] is None
        assert states[None]["state"] == "failed"  # the gated step loaded nothing
        assert body["warmup"]["counts"] == {"pending": 0, "loading": 0, "ready": 1, "failed": 2}
        assert str(data_root) not in client.get("/healthz").text  # no paths
        # What the warm-up loaded is what a request gets: no second load.
        calls = load.calls
        assert app.state.catalog.get("numbers", "good", load).value == 7
        assert load.calls == calls


def test_an_unexpected_error_fails_one_dataset_and_the_next_still_loads(data_root, monkeypatch):
    root = DataRoot(data_root)
    _publish(root, "numbers", "p", n=3)
    load = CountingLoader()

    def boom():
        raise RuntimeError("a bug in a loader")

    def fake_plan(catalog, settings):
        yield Step("numbers", "boom", None, boom)
        yield Step("numbers", "numbers", "p", lambda: catalog.get("numbers", "p", load))

    monkeypatch.setattr("serving.warmup.plan", fake_plan)
    with TestClient(app=create_app(data_root, warmup=True)) as client:
        body = _ready(client)
    assert [d["state"] for d in body["warmup"]["datasets"]] == ["failed", "ready"]
    assert load.calls == 1


def test_off_is_ready_at_once_and_loads_nothing(data_root, monkeypatch):
    def no_plan(catalog, settings):
        raise AssertionError("warm-up is off: nothing is planned")

    monkeypatch.setattr("serving.warmup.plan", no_plan)
    with TestClient(app=create_app(data_root)) as client:
        body = client.get("/readyz").json()
        assert client.get("/readyz").status_code == 200
    assert body["ready"] is True and body["warmup"] == {
        "state": "off",
        "counts": {"pending": 0, "loading": 0, "ready": 0, "failed": 0},
        "datasets": [],
    }


@pytest.mark.parametrize(("value", "enabled"), [(None, True), ("off", False), ("1", True)])
def test_the_served_app_warms_up_as_wikiforge_warmup_says(data_root, monkeypatch, value, enabled):
    monkeypatch.setenv("WIKIFORGE_DATA", str(data_root))
    if value is None:
        monkeypatch.delenv("WIKIFORGE_WARMUP", raising=False)
    else:
        monkeypatch.setenv("WIKIFORGE_WARMUP", value)
    assert server_app().state.warmup.enabled is enabled


def _publish_broken(root: DataRoot, asset: str, partition: str | None) -> None:
    staged = root.staging()
    (staged / "junk.bin").write_bytes(b"\x00not a dataset")
    root.publish(asset, partition, staged, {"files": describe_files(staged), "rows": 1})


def test_every_lines_broken_datasets_are_reported_failed_and_answer_as_without_warm_up(
    data_root,
):
    root = DataRoot(data_root)
    broken = [
        ("links", "link_datasets", "hawiki"),
        ("links", "link_datasets", "nvwiki"),
        ("qrank", "qrank", "20190101"),
        ("graph", "pagerank", "hawiki"),
        ("images", "image_suggestions", None),
        ("tasks", "task_index", "sample-warc"),
        ("tasks", "task_encoder", "minilm-l6-v2-m2v256"),
    ]
    for _, asset, partition in broken:
        _publish_broken(root, asset, partition)
    with TestClient(app=create_app(data_root, warmup=True)) as warm:
        body = _ready(warm)
        datasets = body["warmup"]["datasets"]
        assert [(d["line"], d["asset"], d["partition"]) for d in datasets] == broken
        assert {d["state"] for d in datasets} == {"failed"}
        warm_answers = _answers(warm)
    with TestClient(app=create_app(data_root)) as cold:
        assert _answers(cold) == warm_answers
    assert all(status < 500 for status, _ in warm_answers.values()), warm_answers


def _answers(client: TestClient) -> dict[str, tuple[int, object]]:
    paths = [
        "/v1/linkrecommendations/wikipedia/ha/Kano",
        "/v1/qrank/Q42",
        "/v1/pagerank/hawiki",
        "/v1/images/hawiki/Kano",
        "/v1/tasks/search?q=bread",
    ]
    out = {}
    for path in paths:
        response = client.get(path)
        out[path] = (response.status_code, response.json())
    return out

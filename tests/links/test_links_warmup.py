"""The server's warm-up over a published wiki: the first request after readiness loads nothing,
and a wiki whose published datasets are corrupt is reported failed while the others serve.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from litestar.testing import TestClient

import serving.services.links as links_service
from serving.app import create_app
from tests.links.conftest import MaterializedLine
from wikiforge.links.model import LinkModel

#: How long a test waits for the warm-up before failing (a bound, not a measurement).
WAIT_S = 300
URL = "/v1/linkrecommendations/wikipedia/{domain}/Kano"


@pytest.fixture
def root(hawiki_line: MaterializedLine, tmp_path: Path) -> Path:
    """The published link datasets and pages of hawiki, plus "xxwiki": a copy whose model file is
    cut short (a corrupt dataset).
    """
    root = tmp_path / "data"
    for asset in ("link_datasets", "pages"):
        shutil.copytree(hawiki_line.root / asset / "hawiki", root / asset / "hawiki")
    shutil.copytree(root / "link_datasets" / "hawiki", root / "link_datasets" / "xxwiki")
    for model in (root / "link_datasets" / "xxwiki").glob("*/*.linkmodel.json"):
        model.write_bytes(model.read_bytes()[:100])
    return root


def _refuse_loading(monkeypatch) -> None:
    """From now on, loading a wiki's datasets raises (the catalog answers None, then 400)."""

    def refuse(*args, **kwargs):
        raise AssertionError("a request loaded link datasets")

    monkeypatch.setattr(links_service, "load_bundle", refuse)
    monkeypatch.setattr(LinkModel, "load", refuse)


def test_first_request_after_readiness_loads_nothing(root, monkeypatch):
    app = create_app(root, warmup=True)
    with TestClient(app=app) as client:
        assert app.state.warmup.wait(WAIT_S)
        ready = client.get("/readyz")
        assert ready.status_code == 200
        states = {d["partition"]: d["state"] for d in ready.json()["warmup"]["datasets"]}
        assert states == {"hawiki": "ready", "xxwiki": "failed"}
        assert ready.json()["warmup"]["counts"]["failed"] == 1
        _refuse_loading(monkeypatch)
        first = client.get(URL.format(domain="ha"), params={"threshold": 0})
        assert first.status_code == 200, first.text
        assert first.json()["links_count"] > 0
        # The corrupt wiki answers what it answers without warm-up: 400, naming the valid pairs.
        corrupt = client.get(URL.format(domain="xx"))
        assert corrupt.status_code == 400
        assert ["wikipedia", "ha"] in corrupt.json()["extra"]["valid_project_domain_pairs"]


def test_without_warm_up_the_first_request_loads_and_corrupt_data_answers_the_same(
    root, monkeypatch
):
    with TestClient(app=create_app(root)) as client:
        assert client.get("/readyz").json()["warmup"]["state"] == "off"
        corrupt = client.get(URL.format(domain="xx"))
        # The same request as above, loading refused: it would have had to load.
        _refuse_loading(monkeypatch)
        assert client.get(URL.format(domain="ha")).status_code == 400
    assert corrupt.status_code == 400
    assert ["wikipedia", "ha"] in corrupt.json()["extra"]["valid_project_domain_pairs"]

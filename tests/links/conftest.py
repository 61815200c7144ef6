"""Shared fixtures of the links tests: page rows of the bundled sample wikis, and the links line
materialized on them through Dagster (the production assets, once per wiki and session).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import dagster as dg
import pytest

from assets.ingest.pages import pages
from assets.links import (
    anchors,
    anchors_filtered,
    backtest,
    embeddings,
    link_datasets,
    link_model,
    links,
    sentences,
    titles,
    training_set,
    wikidata_p31,
)
from tests.conftest import SAMPLE_CRAWLS, SAMPLE_DUMPS
from wikiforge.dumps.xml_reader import read_pages
from wikiforge.links.index import LinkIndex
from wikiforge.links.model import LinkModel
from wikiforge.links.stored import index_from_stored
from wikiforge.storage import DataRoot

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE_WIKIS = ("hawiki", "nvwiki", "enwiki", "jawiki", "elwiki", "ukwiki")

#: The learned line up to the model (what the library tests need).
MODEL_ASSETS = [
    pages,
    titles.pageids,
    titles.redirects,
    links.links,
    anchors.anchors,
    wikidata_p31.wikidata_p31,
    anchors_filtered.anchors_filtered,
    embeddings.embeddings,
    sentences.sentences,
    training_set.training_set,
    link_model.link_model,
]
#: The whole line: backtest, its publishing gate and the published datasets.
LINK_ASSETS = [
    *MODEL_ASSETS,
    backtest.backtest,
    backtest.backtest_meets_bar,
    link_datasets.link_datasets,
]


def dump_path(wiki: str) -> Path:
    """The bundled pages-articles dump of a sample wiki."""
    return next((SAMPLES / "dumps" / wiki).glob("*/*-pages-articles.xml.*"))


@cache
def page_rows(wiki: str) -> tuple[dict, ...]:
    """Every page of a sample wiki as a row dict (read once per test session)."""
    return tuple(asdict(page) for page in read_pages(dump_path(wiki)))


@dataclass
class MaterializedLine:
    """The links line of one sample wiki, materialized by Dagster into `root`."""

    wiki: str
    root: Path
    result: dg.ExecuteInProcessResult
    index: LinkIndex
    model: LinkModel


_ROOT = Path(tempfile.mkdtemp(prefix="wikiforge-links-tests-"))


@cache
def materialized(wiki: str, whole_line: bool = False) -> MaterializedLine:
    """Materialize the sample wiki's links line (up to `link_model`, or the whole line) once per
    session, and open the index and model the way the assets do.
    """
    from resources import build_resources

    root = _ROOT / f"{wiki}-{'all' if whole_line else 'model'}"
    resources = build_resources(
        data_root=root, dumps_dir=SAMPLE_DUMPS, crawls_dir=SAMPLE_CRAWLS, engine="local"
    )
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("wiki", [wiki])
        result = dg.materialize(
            LINK_ASSETS if whole_line else MODEL_ASSETS,
            partition_key=wiki,
            instance=instance,
            resources=resources,
        )
    data = DataRoot(root)
    stored = {
        name: data.current(name, wiki)
        for name in ("pages", "pageids", "redirects", "links", "anchors_filtered", "embeddings")
    }
    index = index_from_stored(
        wiki,
        stored["pages"],
        stored["pageids"],
        stored["redirects"],
        stored["links"],
        stored["anchors_filtered"],
        stored["embeddings"],
    )
    model_dir = data.current("link_model", wiki)
    model = LinkModel.load(model_dir.path(f"{wiki}.linkmodel.json"))
    return MaterializedLine(wiki, root, result, index, model)


@pytest.fixture(scope="session", autouse=True)
def _remove_materialized_lines():
    yield
    shutil.rmtree(_ROOT, ignore_errors=True)


def sample_line(wiki: str) -> MaterializedLine:
    """The line of a sample wiki as the tests share it (Hausa's whole, the others' to the
    model).
    """
    return materialized(wiki, whole_line=wiki == "hawiki")


@pytest.fixture(scope="session")
def hawiki_line() -> MaterializedLine:
    """Hausa Wikipedia: the whole line, published."""
    return materialized("hawiki", whole_line=True)
